"""The SQLite audit log is a hash chain; `ktcs audit verify` finds an edit, an insert or a deletion."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from ktcs_desktop.cli import main
from ktcs_desktop.core.storage.audit_chain import GENESIS, canonical, chain_hash
from ktcs_desktop.core.storage.database import Database
from ktcs_desktop.core.storage.repositories import AuditLog


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{(tmp_path / 'audit.sqlite3').as_posix()}")
    db.upgrade()
    yield db
    db.dispose()


def _fill(audit: AuditLog, n: int = 5) -> None:
    for i in range(n):
        audit.record(f"agent-{i}", "lookup", customer_id=i, phone_masked=f"010-****-{i:04d}", detail="상세 조회")


def _sql(db: Database, statement: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(statement))


def test_every_row_chains_to_the_previous(sqlite_db: Database) -> None:
    audit = AuditLog(sqlite_db)
    _fill(audit)
    with sqlite_db.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, at, agent_id, action, customer_id, phone_masked, detail, prev_hash, hash "
                                 "FROM audit_log ORDER BY id")).all()
    prev = GENESIS
    for row in rows:
        assert row.prev_hash == prev
        at = row.at if isinstance(row.at, datetime) else datetime.fromisoformat(row.at)
        assert row.hash == chain_hash(prev, canonical(row.id, at, row.agent_id, row.action, row.customer_id,
                                                       row.phone_masked, row.detail))
        prev = row.hash
    result = audit.verify()
    assert result.ok and result.rows == 5 and result.head == prev


def test_an_edited_row_is_found(sqlite_db: Database) -> None:
    audit = AuditLog(sqlite_db)
    _fill(audit)
    _sql(sqlite_db, "UPDATE audit_log SET agent_id = 'someone-else' WHERE id = 3")
    result = audit.verify()
    assert not result.ok and result.row_id == 3 and "바뀌었습니다" in result.problem


def test_a_deleted_row_is_found(sqlite_db: Database) -> None:
    audit = AuditLog(sqlite_db)
    _fill(audit)
    _sql(sqlite_db, "DELETE FROM audit_log WHERE id = 2")
    result = audit.verify()
    assert not result.ok and result.row_id == 3 and "삭제" in result.problem and "#1" in result.problem


def test_deleting_the_first_row_is_found(sqlite_db: Database) -> None:
    audit = AuditLog(sqlite_db)
    _fill(audit)
    _sql(sqlite_db, "DELETE FROM audit_log WHERE id = 1")
    result = audit.verify()
    assert not result.ok and result.row_id == 2


def test_an_edit_with_its_hash_recomputed_breaks_the_next_link(sqlite_db: Database) -> None:
    audit = AuditLog(sqlite_db)
    _fill(audit)
    with sqlite_db.engine.begin() as conn:
        row = conn.execute(text("SELECT * FROM audit_log WHERE id = 2")).one()
        at = row.at if isinstance(row.at, datetime) else datetime.fromisoformat(row.at)
        forged = chain_hash(row.prev_hash, canonical(2, at, row.agent_id, "nothing", row.customer_id,
                                                      row.phone_masked, row.detail))
        conn.execute(text("UPDATE audit_log SET action = 'nothing', hash = :h WHERE id = 2"), {"h": forged})
    result = audit.verify()
    assert not result.ok and result.row_id == 3 and "이어지지 않습니다" in result.problem


def test_a_row_inserted_behind_the_apps_back_is_found(sqlite_db: Database) -> None:
    audit = AuditLog(sqlite_db)
    _fill(audit, 2)
    _sql(sqlite_db, "INSERT INTO audit_log (at, agent_id, action, phone_masked, detail) "
                    "VALUES ('2026-01-01 00:00:00', 'x', 'lookup', '', '')")
    result = audit.verify()
    assert not result.ok and result.row_id == 3 and "해시가 없습니다" in result.problem


def test_concurrent_writers_keep_one_chain(tmp_path: Path) -> None:
    url = f"sqlite:///{(tmp_path / 'shared.sqlite3').as_posix()}"
    Database(url).upgrade()
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        db = Database(url)
        try:
            audit = AuditLog(db)
            for i in range(30):
                audit.record(f"agent-{n}", "lookup", customer_id=i)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            db.dispose()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    db = Database(url)
    result = AuditLog(db).verify()
    db.dispose()
    assert result.ok and result.rows == 120


def test_the_migration_chains_rows_already_there(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{(tmp_path / 'old.sqlite3').as_posix()}")
    db.upgrade("0002_call_keys")
    for i in range(3):
        _sql(db, f"INSERT INTO audit_log (at, agent_id, action, customer_id, phone_masked, detail) "
                 f"VALUES ('2026-11-0{i + 1} 10:00:00', 'agent-001', 'lookup', {i}, '010-****-5678', '')")
    db.upgrade()
    audit = AuditLog(db)
    audit.record("agent-002", "lookup")
    result = audit.verify()
    db.dispose()
    assert result.ok and result.rows == 4


def test_mysql_is_append_only_by_grants_not_chained(db: Database) -> None:
    audit = AuditLog(db)
    audit.record("agent-1", "lookup")
    result = audit.verify()
    assert result.ok and result.rows == 1
    assert result.chained == db.is_sqlite


def test_ktcs_audit_verify(capsys: pytest.CaptureFixture[str], _isolated_env: Path) -> None:
    assert main(["lookup", "010-0000-0000"]) == 1  # a miss is audited too
    assert main(["seed"]) == 0
    assert main(["lookup", "010-1234-5678"]) == 0
    capsys.readouterr()
    assert main(["audit", "verify"]) == 0
    assert "감사 로그 정상" in capsys.readouterr().out
    path = _isolated_env / "data" / "ktcs.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE audit_log SET phone_masked = '' WHERE action = 'lookup'")
    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert "변조 감지" in out and "#" in out
    assert main(["audit", "recent"]) == 0
    assert "lookup_miss" in capsys.readouterr().out
