"""Least-privilege MariaDB/MySQL accounts for floor tests: a desktop (or supervisor) account with
exactly the README's grants, dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ktcs_desktop.core.storage.grants import grant_statements


@contextmanager
def desktop_account(admin_url: str, *, supervisor: bool = False, prefix: str = "ktcs_app") -> Iterator[str]:
    """The URL of a new account with the README's grants (`supervisor`: plus what approving a
    catalog version needs). Grants on tables that do not exist yet are skipped: MariaDB refuses
    them, and the administrator runs the new ones after the upgrade."""
    parsed = make_url(admin_url)
    user, password = f"{prefix}_{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url)
    try:
        with admin.begin() as conn:
            conn.execute(text(f"CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'"))
            tables = set(conn.execute(text("SELECT table_name FROM information_schema.tables "
                                           "WHERE table_schema = DATABASE()")).scalars())
            for statement in grant_statements(parsed.database, user, supervisor=supervisor):
                if statement.split("`")[3] in tables:
                    conn.execute(text(statement))
        yield parsed.set(username=user, password=password).render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP USER IF EXISTS '{user}'@'%'"))
        admin.dispose()
