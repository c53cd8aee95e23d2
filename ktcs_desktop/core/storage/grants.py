"""Least privilege on a shared MySQL/MariaDB: what the desktop's account may do, per table.

The desktop reads customers and usage, writes consultations (with their transcript lines and
events, whose idempotent inserts are INSERT … ON DUPLICATE KEY UPDATE, hence UPDATE), appends to
the audit log (INSERT and SELECT only: append-only) and reads the schema revision. No DDL, no
DELETE. `ktcs db grants` prints this SQL for an administrator; README shows the same statements
and a test runs them against MariaDB.
"""

from __future__ import annotations

import re

APP_TABLE_PRIVILEGES: dict[str, tuple[str, ...]] = {
    "customers": ("SELECT",),
    "monthly_usage": ("SELECT",),
    "consultations": ("SELECT", "INSERT", "UPDATE"),
    "transcript_lines": ("SELECT", "INSERT", "UPDATE"),
    "consultation_events": ("SELECT", "INSERT", "UPDATE"),
    "audit_log": ("SELECT", "INSERT"),
    "alembic_version": ("SELECT",),
    # the floor's catalog: every desktop reads the newest approved version, seeds version 1 once
    # (insert-or-ignore), proposes drafts from a refresh; approving is an UPDATE (supervisors only)
    "catalog_versions": ("SELECT", "INSERT"),
    "agent_roles": ("SELECT",),
}

# What a supervisor's own account adds: approving moves a draft to approved and the previous
# approved version to retired (`ktcs db grants --supervisor USER`).
SUPERVISOR_TABLE_PRIVILEGES: dict[str, tuple[str, ...]] = {
    "catalog_versions": ("SELECT", "INSERT", "UPDATE"),
}

_NAME = re.compile(r"^[A-Za-z0-9_.\-\\%]{1,80}$")


def _quoted(name: str, what: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"{what} {name!r}: only letters, digits and _ . - \\ % are allowed")
    return name.replace("\\", "\\\\")


def account(user: str, host: str = "%") -> str:
    return f"'{_quoted(user, 'user')}'@'{_quoted(host, 'host')}'"


def grant_statements(database: str, user: str, host: str = "%", *, supervisor: bool = False) -> list[str]:
    """The GRANTs for one desktop account on `database` (tables must exist: run after
    `ktcs db upgrade`); a supervisor's account may also approve catalog versions."""
    db = _quoted(database, "database")
    who = account(user, host)
    privileges_by_table = {**APP_TABLE_PRIVILEGES, **(SUPERVISOR_TABLE_PRIVILEGES if supervisor else {})}
    return [f"GRANT {', '.join(privileges)} ON `{db}`.`{table}` TO {who};"
            for table, privileges in privileges_by_table.items()]


def rollout_sql(database: str, users: list[str], host: str = "%", password: str = "change-me", *,
                supervisor: bool = False) -> str:
    """CREATE USER + GRANTs for each agent's own account (the recommended model)."""
    if "'" in password or "\\" in password:
        raise ValueError("the password may not contain ' or \\")
    lines: list[str] = []
    for user in users:
        lines.append(f"CREATE USER IF NOT EXISTS {account(user, host)} IDENTIFIED BY '{password}';")
        lines.extend(grant_statements(database, user, host, supervisor=supervisor))
    return "\n".join(lines)
