"""Audit log hash chain: audit_log.prev_hash / audit_log.hash (filled on the embedded SQLite).

Rows already in a SQLite audit log are chained here in id order, so `ktcs audit verify` covers
them too. On MySQL/MariaDB the columns stay NULL: there the grants (INSERT/SELECT only) make the
table append-only.

Revision ID: 0003_audit_chain
Revises: 0002_call_keys
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from ktcs_desktop.core.storage.audit_chain import GENESIS, canonical, chain_hash

revision = "0003_audit_chain"
down_revision = "0002_call_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("prev_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(64), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    audit = sa.table("audit_log", sa.column("id", sa.Integer), sa.column("at", sa.DateTime),
                     sa.column("agent_id", sa.String), sa.column("action", sa.String),
                     sa.column("customer_id", sa.Integer), sa.column("phone_masked", sa.String),
                     sa.column("detail", sa.Text), sa.column("prev_hash", sa.String), sa.column("hash", sa.String))
    prev = GENESIS
    rows = bind.execute(sa.select(audit.c.id, audit.c.at, audit.c.agent_id, audit.c.action, audit.c.customer_id,
                                  audit.c.phone_masked, audit.c.detail).order_by(audit.c.id)).all()
    for row in rows:
        digest = chain_hash(prev, canonical(row.id, row.at, row.agent_id, row.action, row.customer_id,
                                            row.phone_masked, row.detail))
        bind.execute(sa.update(audit).where(audit.c.id == row.id).values(prev_hash=prev, hash=digest))
        prev = digest


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
