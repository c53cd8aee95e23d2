"""A floor of agents on one MariaDB: the README's least-privilege grants, a schema the desktop
only checks (never migrates), and 30 PCs starting at once while administrators migrate."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from ktcs_desktop.core.config import Settings
from ktcs_desktop.core.errors import DatabaseConfigError, SchemaMismatchError
from ktcs_desktop.core.models import Speaker
from ktcs_desktop.core.services.container import Services, create_services
from ktcs_desktop.core.startup import check_startup, startup_error_message
from ktcs_desktop.core.storage.database import Database
from ktcs_desktop.core.storage.grants import APP_TABLE_PRIVILEGES, grant_statements
from ktcs_desktop.core.storage.schema import Base
from ktcs_desktop.core.storage.seed import seed_database
from tests.helpers.mysql_accounts import desktop_account

REPO = Path(__file__).resolve().parents[2]
DENIED = {1142, 1143, 1044}  # table/column command denied, access denied to database


def _services(url: str, home: Path, agent: str | None = "floor-kim") -> Services:
    return create_services(Settings(_env_file=None, ktcs_home=home, ktcs_database_url=url,  # type: ignore[call-arg]
                                    ktcs_agent_id=agent))


def _refused(db: Database, sql: str) -> int:
    with pytest.raises(DBAPIError) as info, db.engine.begin() as conn:
        conn.execute(text(sql))
    return info.value.orig.args[0]


def test_readme_lists_the_grants_the_code_uses() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for statement in grant_statements("ktcs", "ktcs_app"):
        assert statement in readme, statement
    # Every table the app touches has a grant, and nothing more than the app needs.
    assert set(APP_TABLE_PRIVILEGES) == {t.name for t in Base.metadata.sorted_tables} | {"alembic_version"}
    assert APP_TABLE_PRIVILEGES["audit_log"] == ("SELECT", "INSERT")
    assert all("DELETE" not in p and "ALTER" not in p for p in APP_TABLE_PRIVILEGES.values())


@pytest.mark.mysql
def test_app_account_with_readme_grants_does_its_job_and_nothing_more(empty_mysql_url: str, tmp_path: Path) -> None:
    admin = Database(empty_mysql_url)
    admin.upgrade()
    seed_database(admin)
    with admin.engine.connect() as conn:  # closed here: an open read would hold a metadata lock past the test
        customers_before = int(conn.execute(text("SELECT COUNT(*) FROM customers")).scalar_one())
    with desktop_account(empty_mysql_url) as app_url:
        services = _services(app_url, tmp_path / "pc")
        try:
            check_startup(services)
            assert services.prepare_database() is None  # checked, not migrated, never seeded
            found = services.lookup.lookup("010-1234-5678")
            page = services.lookup.history(found.profile.id)
            detail = services.lookup.consultation(page.items[0].id)
            assert detail.id == page.items[0].id and detail.customer_id == found.profile.id
            # A consultation written (idempotent replays included) and closed.
            repo, key = services.consultations, uuid.uuid4().hex
            cid = repo.start(found.profile.id, services.settings.agent_id, session_key=key)
            assert repo.start(found.profile.id, services.settings.agent_id, session_key=key) == cid
            for _ in range(2):
                repo.append_line(cid, Speaker.CALLER, "데이터가 부족해요", seq=1)
                repo.add_event(cid, "offer", {"plan": "5G 심플"}, seq=1)
            repo.save_notes(cid, "메모", rev=1)
            repo.close(cid, summary="요금제 변경 안내", outcome="안내 완료", rev=2)
            saved = repo.get(cid)
            assert saved.status.value == "closed" and len(saved.lines) == 1 and len(saved.events) == 1
            actions = [e.action for e in services.audit.recent(limit=20)]
            assert {"agent_override", "lookup", "history", "consultation_view"} <= set(actions)
            assert services.customers.count() == customers_before
            Database(app_url).upgrade()  # at head: no DDL needed, so it passes even for this account

            app_db = services.db
            for sql in ("UPDATE audit_log SET detail = 'x'", "DELETE FROM audit_log",
                        "UPDATE customers SET name = 'x'", "DELETE FROM consultations",
                        "CREATE TABLE evil (id INT)", "ALTER TABLE customers ADD COLUMN evil INT",
                        "DROP TABLE consultations", "TRUNCATE TABLE audit_log",
                        "INSERT INTO customers (phone, name) VALUES ('1', 'x')"):
                assert _refused(app_db, sql) in DENIED, sql
        finally:
            services.close()
    admin.dispose()


@pytest.mark.mysql
def test_the_desktop_checks_the_shared_schema_and_never_migrates_it(empty_mysql_url: str, tmp_path: Path) -> None:
    admin = Database(empty_mysql_url)
    admin.upgrade("0002_call_keys")
    with desktop_account(empty_mysql_url) as app_url:
        services = _services(app_url, tmp_path / "pc", agent=None)
        try:
            with pytest.raises(SchemaMismatchError) as behind:
                services.prepare_database()
            assert "오래되었습니다" in behind.value.user_message and "ktcs db upgrade" in behind.value.user_message
            with pytest.raises(SchemaMismatchError):
                check_startup(services)
            assert admin.current_revision() == "0002_call_keys"  # the app did not touch it
            assert "스키마 업데이트 필요" in services.db.check().message

            admin.upgrade()
            services.prepare_database()
            assert services.customers.count() == 0  # a shared database is never seeded by the app

            with admin.engine.begin() as conn:
                conn.execute(text("UPDATE alembic_version SET version_num = '0099_from_a_newer_app'"))
            with pytest.raises(SchemaMismatchError) as ahead:
                check_startup(services)
            assert "새 버전" in ahead.value.user_message and "업데이트" in ahead.value.user_message
            assert startup_error_message(ahead.value) == ahead.value.user_message
            assert "앱 업데이트 필요" in services.db.check().message
        finally:
            services.close()
    admin.dispose()


@pytest.mark.mysql
def test_unknown_database_is_a_startup_error_naming_the_setting(mysql_database_url: str, tmp_path: Path) -> None:
    url = make_url(mysql_database_url).set(database="ktcs_no_such_db").render_as_string(hide_password=False)
    services = _services(url, tmp_path / "pc")
    try:
        with pytest.raises(DatabaseConfigError) as info:
            check_startup(services)
        message = startup_error_message(info.value)
        assert message is not None and "KTCS_DATABASE_URL" in message and "ktcs_no_such_db" in message
        assert "설정 오류" in services.db.check().message
    finally:
        services.close()


def _spawn(role: str, env: dict[str, str], *args: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.helpers.floor_agent", role, *args], cwd=REPO, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log.open("w"), text=True,
                            encoding="utf-8")


def _result(proc: subprocess.Popen) -> dict:
    for line in proc.stdout:  # `ktcs db upgrade` prints its own line first
        if line.startswith("{"):
            return json.loads(line)
    return {"ok": False, "error": f"no result (exit {proc.wait()})"}


@pytest.mark.mysql
def test_thirty_pcs_start_at_once_while_administrators_migrate(empty_mysql_url: str, tmp_path: Path) -> None:
    """Upgrade day: the floor's PCs start while two administrators run `ktcs db upgrade` at once.

    The PCs see the old schema, say so and retry; GET_LOCK lets exactly one migration run (two
    concurrent ALTERs would fail with a duplicate column); then every PC looks up a caller that
    exists and records a consultation: no failure, no false "not found"."""
    pcs, admins = 30, 2
    admin = Database(empty_mysql_url)
    admin.upgrade("0002_call_keys")
    seed_database(admin)
    phones = ["01012345678", "01087654321", "01011112222", "01055556666", "01099998888"]
    with desktop_account(empty_mysql_url) as app_url:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("KTCS_", "OPENAI_", "FIRECRAWL_"))}
        base.update(KTCS_USE_KEYRING="0", PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1")
        procs = []
        for i in range(pcs):
            env = {**base, "KTCS_HOME": str(tmp_path / f"pc{i}"), "KTCS_DATABASE_URL": app_url,
                   "KTCS_AGENT_ID": f"floor-{i:02d}"}
            procs.append(_spawn("app", env, phones[i % len(phones)], log=tmp_path / f"pc{i}.log"))
        for i in range(admins):
            env = {**base, "KTCS_HOME": str(tmp_path / f"admin{i}"), "KTCS_DATABASE_URL": empty_mysql_url}
            procs.append(_spawn("admin", env, log=tmp_path / f"admin{i}.log"))
        try:
            for proc in procs:  # every process imported and waits: release them together
                assert proc.stdout.readline().strip() == "ready"
            started = time.perf_counter()
            for proc in procs:
                proc.stdin.write("go\n")
                proc.stdin.flush()
            results = [_result(proc) for proc in procs]
            elapsed = time.perf_counter() - started
            for proc in procs:
                proc.wait(timeout=30)
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
        app_results, admin_results = results[:pcs], results[pcs:]
        failures = [r for r in results if not r["ok"] and not r.get("not_found")]
        not_found = [r for r in app_results if r.get("not_found")]
        print(f"\nfloor: {pcs} PCs + {admins} admins in {elapsed:.1f}s; failures {len(failures)}, "
              f"false not-found {len(not_found)}, PCs that waited for the migration "
              f"{sum(1 for r in app_results if r.get('schema_retries'))}")
        assert not failures, failures
        assert not not_found
        assert all(r["ok"] for r in admin_results)
        assert admin.current_revision() == Database.head_revision()
        assert len({r["consultation"] for r in app_results}) == pcs
        with admin.engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM alembic_version")).scalar_one() == 1
            lookups = conn.execute(text("SELECT COUNT(DISTINCT agent_id) FROM audit_log WHERE action = 'lookup'"))
            assert lookups.scalar_one() == pcs
        assert elapsed < 60
    admin.dispose()
