"""The floor's plan catalog as versions (catalog_versions) and the roles that may approve one
(agent_roles). The shipped catalog is seeded as version 1 by the app on first start
(insert-or-ignore on the unique version number, so desktops starting at once seed it once).

Revision ID: 0004_catalog_versions
Revises: 0003_audit_chain
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0004_catalog_versions"
down_revision = "0003_audit_chain"
branch_labels = None
depends_on = None

LongText = sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")


def upgrade() -> None:
    op.create_table(
        "catalog_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("effective_date", sa.Date, nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("based_on", sa.Integer, nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("approved_by", sa.String(64), nullable=True),
        sa.Column("approved_at", sa.DateTime, nullable=True),
        sa.Column("note", LongText, nullable=False),
        sa.Column("content", LongText, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("version", name="uq_catalog_versions_version"),
    )
    op.create_index("ix_catalog_versions_status_version", "catalog_versions", ["status", "version"])
    op.create_table(
        "agent_roles",
        sa.Column("agent_id", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("granted_by", sa.String(64), nullable=False),
        sa.Column("granted_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("agent_roles")
    op.drop_index("ix_catalog_versions_status_version", table_name="catalog_versions")
    op.drop_table("catalog_versions")
