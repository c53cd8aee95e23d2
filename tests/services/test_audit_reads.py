"""Every read of customer data is audited in the service layer: agent, action, masked number."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ktcs_desktop.cli import main
from ktcs_desktop.core.errors import NotFoundError
from ktcs_desktop.core.services.lookup import CallerLookupService
from ktcs_desktop.core.storage.database import Database
from ktcs_desktop.core.storage.repositories import AuditLog, ConsultationRepository, CustomerRepository
from ktcs_desktop.core.storage.seed import seed_database

TODAY = date(2026, 11, 26)


@pytest.fixture
def service(db: Database) -> CallerLookupService:
    seed_database(db, today=TODAY)
    return CallerLookupService(CustomerRepository(db), ConsultationRepository(db), AuditLog(db),
                               agent_id="KTCS\\kim", today=lambda: TODAY)


def test_history_page_is_audited(service: CallerLookupService) -> None:
    customer = service.lookup("010-1234-5678").profile
    service.history(customer.id, offset=20)
    entry = service.audit.recent(limit=1)[0]
    assert (entry.agent_id, entry.action, entry.customer_id) == ("KTCS\\kim", "history", customer.id)
    assert entry.phone_masked == "010-****-5678" and "offset=20" in entry.detail


def test_consultation_detail_is_audited(service: CallerLookupService) -> None:
    customer = service.lookup("010-8765-4321").profile
    first = service.history(customer.id).items[0]
    consultation = service.consultation(first.id)
    assert consultation.id == first.id
    entry = service.audit.recent(limit=1)[0]
    assert (entry.action, entry.customer_id, entry.phone_masked) == ("consultation_view", customer.id,
                                                                     "010-****-4321")
    assert f"consultation={first.id}" in entry.detail
    service.consultation(first.id, action="export", detail="format=pdf")
    assert service.audit.recent(limit=1)[0].action == "export"


def test_a_missing_consultation_reads_nothing_and_records_nothing(service: CallerLookupService) -> None:
    before = len(service.audit.recent(limit=500))
    with pytest.raises(NotFoundError):
        service.consultation(999_999)
    assert len(service.audit.recent(limit=500)) == before


def test_cli_summarize_and_export_are_audited(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["seed"]) == 0
    assert main(["lookup", "010-1234-5678", "--history", "1"]) == 0
    capsys.readouterr()
    from ktcs_desktop.core.services.container import create_services

    services = create_services()
    try:
        customer = services.customers.by_phone("01012345678")
        assert customer is not None
        cid = services.consultations.history(customer.id).items[0].id
    finally:
        services.close()
    assert main(["summarize", str(cid)]) == 0
    assert main(["export", str(cid), "--format", "json", "-o", str(tmp_path / "c.json")]) == 0
    services = create_services()
    try:
        entries = services.audit.recent(limit=3)
    finally:
        services.close()
    assert [e.action for e in entries[:2]] == ["export", "summarize"]
    assert all(e.phone_masked == "010-****-5678" and f"consultation={cid}" in e.detail for e in entries[:2])
    assert "format=json" in entries[0].detail
