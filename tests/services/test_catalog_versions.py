"""The floor's approved catalog: versions in the database (SQLite and MariaDB), seeding once,
the provider following approvals, the last good version through an outage, the supervisor role
checked against the database, approve/rollback audited and history append-only."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import OperationalError

from ktcs_desktop.core.catalog import load_shipped_catalog
from ktcs_desktop.core.errors import KtcsError
from ktcs_desktop.core.services.catalog import (
    CatalogApprovals,
    CatalogProvider,
    NotSupervisorError,
)
from ktcs_desktop.core.storage.catalog_versions import (
    APPROVED,
    DRAFT,
    RETIRED,
    AgentRoles,
    CatalogVersionRepository,
)
from ktcs_desktop.core.storage.database import Database
from ktcs_desktop.core.storage.repositories import AuditLog
from ktcs_desktop.core.storage.schema import AuditLogRow
from ktcs_desktop.ingestion.diff import PlanChange

SLIM = "5g-slim-14gb"


def _fee(catalog, plan_id: str = SLIM) -> int:
    return catalog.get(plan_id).monthly_fee


def _raise_change(fee: int) -> PlanChange:
    shipped = load_shipped_catalog().get(SLIM)
    return PlanChange("fee_changed", shipped.source.kt_item_code or 0, shipped.name, SLIM, shipped.monthly_fee, fee)


def _approvals(db: Database, provider: CatalogProvider, agent: str = "lead", role: str = "supervisor",
               grant: bool = True) -> CatalogApprovals:
    if grant:
        AgentRoles(db).grant(agent, "supervisor", granted_by="admin")
    return CatalogApprovals(db, provider, AuditLog(db), agent_id=agent, claimed_role=role)


def test_migration_creates_the_tables(db: Database) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert {"catalog_versions", "agent_roles"} <= tables
    columns = {c["name"] for c in inspect(db.engine).get_columns("catalog_versions")}
    assert {"version", "status", "effective_date", "source", "created_by", "approved_by", "approved_at",
            "content", "content_hash"} <= columns


def test_seeding_is_idempotent_and_concurrent_starts_seed_once(db: Database) -> None:
    repo = CatalogVersionRepository(db)
    assert repo.count() == 0

    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def start() -> None:  # one desktop: its own engine, as a separate PC would have
        own = Database(db.url)
        try:
            barrier.wait()
            CatalogProvider(own).current()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=start) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    CatalogProvider(db).ensure_seeded()
    assert repo.count() == 1
    v1 = repo.get(1)
    assert v1 is not None and (v1.status, v1.source, v1.approved_by) == (APPROVED, "shipped", "system")
    assert len(repo.content(1)["plans"]["plans"]) == 49  # MEDIUMTEXT on MySQL: the whole catalog fits


def test_provider_picks_up_a_newly_approved_version_and_checks_cheaply(db: Database, tmp_path: Path) -> None:
    provider = CatalogProvider(db, cache_dir=tmp_path / "cache")
    other_desktop = CatalogProvider(Database(db.url))
    first = provider.current()
    assert _fee(first) == load_shipped_catalog().get(SLIM).monthly_fee
    assert provider.current() is first and other_desktop.current() is not None
    assert provider.loads == 1  # unchanged version: one indexed SELECT, no reload

    approvals = _approvals(db, provider)
    draft = approvals.draft_from_refresh([_raise_change(33000)])
    assert draft is not None and draft.status == DRAFT and draft.based_on == 1
    assert provider.current() is first  # a draft reaches nobody
    assert approvals.draft_from_refresh([_raise_change(33000)]) == draft  # the same refresh again: same draft
    diff = approvals.diff()
    assert any("월정액" in line and "33,000원" in line for line in diff.lines)
    approved = approvals.approve()
    assert approved.version == draft.version and approved.approved_by == "lead"
    now = provider.current()
    assert _fee(now) == 33000 and now.selective_fee(now.get(SLIM)) == 24750
    assert _fee(other_desktop.current()) == 33000  # the other desktop, at its next lookup
    assert CatalogVersionRepository(db).get(1).status == RETIRED
    other_desktop.versions.db.dispose()


def test_db_failure_keeps_the_last_good_version_and_says_so(db: Database, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    provider = CatalogProvider(db, cache_dir=tmp_path / "cache")
    approvals = _approvals(db, provider)
    approvals.draft_from_refresh([_raise_change(31000)])
    approvals.approve()
    good = provider.current()
    assert _fee(good) == 31000 and provider.notice is None

    def down(*_a, **_k):
        raise OperationalError("SELECT", {}, Exception("Can't connect to MySQL server"))

    monkeypatch.setattr(CatalogVersionRepository, "newest_approved", down)
    with caplog.at_level(logging.WARNING):
        assert provider.current() is good
    assert provider.notice and "마지막으로 확인한 승인 버전 v2" in provider.notice
    assert "keeping" in caplog.text

    restarted = CatalogProvider(db, cache_dir=tmp_path / "cache")  # a restart during the outage
    assert _fee(restarted.current()) == 31000
    assert restarted.notice and "저장된 승인 버전 v2" in restarted.notice

    caplog.clear()
    fresh_pc = CatalogProvider(db, cache_dir=tmp_path / "empty")  # nothing saved: shipped, never silently
    with caplog.at_level(logging.ERROR):
        assert _fee(fresh_pc.current()) == load_shipped_catalog().get(SLIM).monthly_fee
    assert fresh_pc.notice and "앱에 포함된 카탈로그" in fresh_pc.notice
    assert "SHIPPED" in caplog.text

    monkeypatch.undo()
    assert _fee(provider.current()) == 31000 and provider.notice is None  # back: the notice goes


def test_approval_needs_the_role_in_the_database_not_just_the_setting(db: Database) -> None:
    provider = CatalogProvider(db)
    provider.current()
    claims_only = _approvals(db, provider, agent="kim", role="supervisor", grant=False)
    claims_only.draft_from_refresh([_raise_change(35000)])  # anyone may propose
    assert not claims_only.is_supervisor()
    with pytest.raises(NotSupervisorError, match="데이터베이스에 팀장"):
        claims_only.approve()
    AgentRoles(db).grant("lee", "supervisor", granted_by="admin")
    not_claimed = CatalogApprovals(db, provider, AuditLog(db), agent_id="lee", claimed_role="agent")
    with pytest.raises(NotSupervisorError, match="KTCS_AGENT_ROLE"):
        not_claimed.approve()
    assert _fee(provider.current()) != 35000
    lee = CatalogApprovals(db, provider, AuditLog(db), agent_id="lee", claimed_role="supervisor")
    assert lee.is_supervisor()
    lee.approve()
    assert _fee(provider.current()) == 35000


def test_rollback_appends_a_copy_and_every_decision_is_audited(db: Database) -> None:
    provider = CatalogProvider(db)
    provider.current()
    approvals = _approvals(db, provider)
    approvals.draft_from_refresh([_raise_change(36000)])
    approvals.approve()
    assert _fee(provider.current()) == 36000
    rolled = approvals.rollback(1)
    assert (rolled.version, rolled.source, rolled.based_on, rolled.status) == (3, "rollback", 1, APPROVED)
    assert _fee(provider.current()) == load_shipped_catalog().get(SLIM).monthly_fee
    history = approvals.history()
    assert [v.version for v in history] == [3, 2, 1]
    assert [v.status for v in history] == [APPROVED, RETIRED, RETIRED]
    repo = CatalogVersionRepository(db)
    assert repo.get(1).content_hash == rolled.content_hash  # an exact copy; v1 and v2 untouched
    assert _fee_of_content(repo.content(2)) == 36000
    with db.session() as s:
        actions = [(r.agent_id, r.action) for r in s.execute(select(AuditLogRow).order_by(AuditLogRow.id)).scalars()]
    assert ("lead", "catalog_approve") in actions and ("lead", "catalog_rollback") in actions
    with pytest.raises(KtcsError):
        approvals.rollback(99)


def test_a_stale_draft_cannot_overwrite_a_newer_approval(db: Database) -> None:
    provider = CatalogProvider(db)
    provider.current()
    approvals = _approvals(db, provider)
    stale = approvals.draft_from_refresh([_raise_change(37000)])
    approvals.rollback(1)  # v3 approved meanwhile
    with pytest.raises(KtcsError, match="새로고침을 다시"):
        approvals.approve(stale.version)


def _fee_of_content(documents: dict) -> int:
    return next(p["monthly_fee"] for p in documents["plans"]["plans"] if p["id"] == SLIM)


def test_feature_status_names_the_approved_version_and_the_outage_notice(db: Database, settings,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from ktcs_desktop.core.services.capabilities import capability_report

    provider = CatalogProvider(db)
    approvals = _approvals(db, provider)
    approvals.draft_from_refresh([_raise_change(38000)])
    approvals.approve()
    provider.current()
    row = next(c for c in capability_report(settings, catalog_provider=provider) if c.name == "요금제 카탈로그")
    assert "승인 버전 v2" in row.mode and "최신 승인 버전" in row.detail

    def down(*_a, **_k):
        raise OperationalError("SELECT", {}, Exception("Lost connection"))

    monkeypatch.setattr(CatalogVersionRepository, "newest_approved", down)
    provider.current()
    row = next(c for c in capability_report(settings, catalog_provider=provider) if c.name == "요금제 카탈로그")
    assert "마지막으로 확인한 승인 버전 v2" in row.detail
