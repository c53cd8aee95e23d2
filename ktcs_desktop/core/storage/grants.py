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
}

_NAME = re.compile(r"^[A-Za-z0-9_.\-\\%]{1,80}$")


def _quoted(name: str, what: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"{what} {name!r}: only letters, digits and _ . - \\ % are allowed")
    return name.replace("\\", "\\\\")


def account(user: str, host: str = "%") -> str:
    return f"'{_quoted(user, 'user')}'@'{_quoted(host, 'host')}'"


def grant_statements(database: str, user: str, host: str = "%") -> list[str]:
    """The GRANTs for one desktop account on `database` (tables must exist: run after
    `ktcs db upgrade`)."""
    db = _quoted(database, "database")
    who = account(user, host)
    return [f"GRANT {', '.join(privileges)} ON `{db}`.`{table}` TO {who};"
            for table, privileges in APP_TABLE_PRIVILEGES.items()]


def rollout_sql(database: str, users: list[str], host: str = "%", password: str = "change-me") -> str:
    """CREATE USER + GRANTs for each agent's own account (the recommended model)."""
    if "'" in password or "\\" in password:
        raise ValueError("the password may not contain ' or \\")
    lines: list[str] = []
    for user in users:
        lines.append(f"CREATE USER IF NOT EXISTS {account(user, host)} IDENTIFIED BY '{password}';")
        lines.extend(grant_statements(database, user, host))
    return "\n".join(lines)
