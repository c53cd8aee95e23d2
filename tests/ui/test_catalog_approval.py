"""요금제 정보 새로고침 → the draft catalog version and its diff in the dialog; 승인 only for a
supervisor whose role the database confirms, a Korean reason for everyone else."""

from __future__ import annotations

import pytest

from ktcs_desktop.core.storage.catalog_versions import AgentRoles
from ktcs_desktop.ingestion.fetch import SnapshotFetcher
from ktcs_desktop.ui.features import knowledge as knowledge_feature

SLIM = "5g-slim-14gb"


@pytest.fixture(autouse=True)
def _raised_slim_page(monkeypatch):
    monkeypatch.setattr(knowledge_feature, "REFRESH_OFFLINE", True)
    original = SnapshotFetcher.fetch

    def fetch(self, page):
        text = original(self, page)
        return text.replace("55,000원", "56,000원", 1) if page.item_code == 1284 else text

    monkeypatch.setattr(SnapshotFetcher, "fetch", fetch)


def _refresh_until_draft(window, qtbot):
    dialog = window.knowledge.refresh()
    with qtbot.waitSignal(dialog.finished_report, timeout=60_000) as blocker:
        pass
    assert blocker.args[0] is not None and blocker.args[0].changes
    qtbot.waitUntil(lambda: dialog.draft.isVisible(), timeout=10_000)
    assert "5G 슬림 14GB: 월정액 55,000원 → 56,000원" in dialog.draft.text()
    return dialog


@pytest.mark.parametrize(("claimed", "granted", "reason"), [
    ("agent", False, "KTCS_AGENT_ROLE"),
    ("supervisor", False, "데이터베이스에 팀장(supervisor) 권한이 등록되어 있지 않습니다"),  # the setting alone
    ("agent", True, "KTCS_AGENT_ROLE"),
])
def test_no_approve_button_without_the_role_in_the_database(window, qtbot, claimed, granted, reason):
    services = window.services
    services.approvals.claimed_role = claimed
    if granted:
        AgentRoles(services.db).grant(services.settings.agent_id, "supervisor", granted_by="admin")
    dialog = _refresh_until_draft(window, qtbot)
    assert not dialog.approve_button.isVisible()
    assert reason in dialog.draft.text()
    assert services.catalog.get(SLIM).monthly_fee == 55000  # a draft reaches nobody
    dialog.accept()


def test_supervisor_approves_and_the_next_lookup_uses_the_new_price(window, qtbot, artifacts_dir):
    services = window.services
    services.approvals.claimed_role = "supervisor"
    AgentRoles(services.db).grant(services.settings.agent_id, "supervisor", granted_by="admin")
    dialog = _refresh_until_draft(window, qtbot)
    assert dialog.approve_button.isVisible() and dialog.approve_button.isEnabled()
    (artifacts_dir / "screenshots").mkdir(exist_ok=True)
    dialog.grab().save(str(artifacts_dir / "screenshots" / "catalog_draft_approve.png"))
    dialog.approve_button.click()
    qtbot.waitUntil(lambda: "승인했습니다" in dialog.draft.text(), timeout=10_000)
    assert not dialog.approve_button.isVisible()
    services.lookup.lookup("010-1234-5678")  # a lookup re-checks the approved version
    assert services.catalog_provider.last().get(SLIM).monthly_fee == 56000
    assert any(e.action == "catalog_approve" for e in services.audit.recent(limit=5))
    dialog.accept()
