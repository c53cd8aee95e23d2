"""Exactly-once consultation writes: client-generated keys and revisions; long text fits.

- consultations.session_key: the desktop's key for the call (unique), so a replayed start after a
  lost acknowledgement finds the row it already made instead of inserting a second one.
- consultations.notes_rev / summary_rev / summary_final: a write only lands if it is newer than
  the stored one, so a late autosave can never overwrite the agent's final summary.
- consultation_events.seq: the session's sequence number, unique per consultation.
- Free text becomes MEDIUMTEXT on MySQL/MariaDB (TEXT stops at 64 KB there).

Revision ID: 0002_call_keys
Revises: 0001_initial
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0002_call_keys"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

LONG_TEXT = sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")


def upgrade() -> None:
    with op.batch_alter_table("consultations") as batch:
        batch.add_column(sa.Column("session_key", sa.String(64), nullable=True))
        batch.add_column(sa.Column("notes_rev", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("summary_rev", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("summary_final", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.create_unique_constraint("uq_consultations_session_key", ["session_key"])
        batch.alter_column("notes", type_=LONG_TEXT, existing_nullable=False)
        batch.alter_column("summary", type_=LONG_TEXT, existing_nullable=False)
    with op.batch_alter_table("consultation_events") as batch:
        batch.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch.create_unique_constraint("uq_event_consultation_seq", ["consultation_id", "seq"])
    with op.batch_alter_table("transcript_lines") as batch:
        batch.alter_column("text", type_=LONG_TEXT, existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("transcript_lines") as batch:
        batch.alter_column("text", type_=sa.Text(), existing_nullable=False)
    with op.batch_alter_table("consultation_events") as batch:
        batch.drop_constraint("uq_event_consultation_seq", type_="unique")
        batch.drop_column("seq")
    with op.batch_alter_table("consultations") as batch:
        batch.alter_column("summary", type_=sa.Text(), existing_nullable=False)
        batch.alter_column("notes", type_=sa.Text(), existing_nullable=False)
        batch.drop_constraint("uq_consultations_session_key", type_="unique")
        batch.drop_column("summary_final")
        batch.drop_column("summary_rev")
        batch.drop_column("notes_rev")
        batch.drop_column("session_key")
