from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from ktcs_desktop.core.storage.database import Database
from ktcs_desktop.core.storage.schema import Base

EXPECTED_TABLES = {"customers", "monthly_usage", "consultations", "transcript_lines", "consultation_events",
                   "audit_log"}


def _assert_upgrade_roundtrip(db: Database) -> None:
    assert db.current_revision() is None
    db.upgrade()
    assert db.current_revision() == Database.head_revision()
    tables = set(inspect(db.engine).get_table_names())
    assert EXPECTED_TABLES <= tables
    # The migration and the ORM models agree on every column.
    for table in Base.metadata.sorted_tables:
        migrated = {c["name"] for c in inspect(db.engine).get_columns(table.name)}
        assert migrated == {c.name for c in table.columns}, table.name
    db.upgrade()  # idempotent
    assert db.check().ok
    db.downgrade("base")
    assert not (EXPECTED_TABLES & set(inspect(db.engine).get_table_names()))
    db.upgrade()
    assert db.check().ok


def test_migrations_upgrade_empty_sqlite(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{(tmp_path / 'empty.sqlite3').as_posix()}")
    try:
        _assert_upgrade_roundtrip(db)
    finally:
        db.dispose()


@pytest.mark.mysql
def test_migrations_upgrade_empty_mysql(empty_mysql_url: str) -> None:
    db = Database(empty_mysql_url)
    try:
        _assert_upgrade_roundtrip(db)
        with db.engine.connect() as conn:
            charset = conn.exec_driver_sql(
                "SELECT CCSA.character_set_name FROM information_schema.TABLES T "
                "JOIN information_schema.COLLATION_CHARACTER_SET_APPLICABILITY CCSA "
                "ON CCSA.collation_name = T.table_collation "
                "WHERE T.table_schema = DATABASE() AND T.table_name = 'customers'"
            ).scalar_one()
        assert charset == "utf8mb4"
    finally:
        db.dispose()


def test_check_reports_schema_behind(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{(tmp_path / 'behind.sqlite3').as_posix()}")
    try:
        status = db.check()
        assert status.reachable and not status.ok
        assert "스키마" in status.message
    finally:
        db.dispose()


def test_check_reports_dead_server() -> None:
    db = Database("mysql+pymysql://root@127.0.0.1:1/nothing", connect_timeout=1)
    status = db.check()
    assert not status.ok and not status.reachable
    assert "연결 끊김" in status.message
    db.dispose()


def test_head_from_the_files_is_alembics_head() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from ktcs_desktop.core.storage.database import MIGRATIONS_DIR, head_from_files

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert head_from_files() == ScriptDirectory.from_config(cfg).get_current_head() is not None


def test_a_start_at_head_never_imports_alembic_and_one_behind_still_migrates(tmp_path: Path) -> None:
    import subprocess
    import sys

    url = f"sqlite:///{(tmp_path / 'start.sqlite3').as_posix()}"
    db = Database(url)
    db.upgrade()
    head = db.current_revision()
    db.dispose()
    probe = ("import sys; from ktcs_desktop.core.storage.database import Database; db = Database(sys.argv[1]); "
             "db.upgrade(); status = db.check(); "
             "print(status.ok, db.current_revision(), 'alembic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe, url], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", head, "False"]  # upgrade + health check at head: one SELECT each

    db = Database(url)
    try:
        db.downgrade("-1")
        assert db.current_revision() != head
        db.upgrade()  # one behind: alembic runs the missing migration
        assert db.current_revision() == head and db.check().ok
    finally:
        db.dispose()
