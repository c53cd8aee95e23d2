from __future__ import annotations

from datetime import date

import pytest

from ktcs_desktop.core.errors import InvalidInputError, NotFoundError
from ktcs_desktop.core.services.lookup import CallerLookupService
from ktcs_desktop.core.storage.database import Database
from ktcs_desktop.core.storage.repositories import AuditLog, ConsultationRepository, CustomerRepository
from ktcs_desktop.core.storage.seed import seed_database

TODAY = date(2026, 11, 26)


@pytest.fixture
def service(db: Database) -> CallerLookupService:
    seed_database(db, today=TODAY)
    return CallerLookupService(CustomerRepository(db), ConsultationRepository(db), AuditLog(db),
                               agent_id="agent-9", today=lambda: TODAY)


@pytest.mark.parametrize("raw", ["010-1234-5678", "01012345678", "+82 10 1234 5678", " 010 1234 5678 "])
def test_lookup_by_any_phone_form(service: CallerLookupService, raw: str) -> None:
    result = service.lookup(raw)
    assert result.profile.name == "김철수"
    assert result.age == 45  # born 1981-03-15
    assert result.usage.recent and result.usage.avg_data_gb > 5
    assert [c.started_at for c in result.history.items] == sorted(
        (c.started_at for c in result.history.items), reverse=True)
    assert any("생년월일" in check and "810315" in check for check in result.identity_checks)


def test_age_is_international_age(service: CallerLookupService) -> None:
    # 이영희 born 1958-07-02 → 만 68 on 2026-11-26; 박지민 2001-11-20 → 만 25
    assert service.lookup("010-8765-4321").age == 68
    assert service.lookup("010-1111-2222").age == 25


def test_identity_checks_follow_flags(service: CallerLookupService) -> None:
    teen = service.lookup("010-2222-3333")
    assert teen.age == 15 and any("법정대리인" in c for c in teen.identity_checks)
    foreigner = service.lookup("010-7777-3333")
    assert any("외국인등록번호" in c for c in foreigner.identity_checks)
    welfare = service.lookup("010-5555-6666")
    assert any("복지" in c for c in welfare.identity_checks)


def test_malformed_number_is_rejected_before_the_database(service: CallerLookupService) -> None:
    with pytest.raises(InvalidInputError, match="자릿수"):
        service.lookup("010-12")


def test_unknown_number_is_not_found_and_audited(service: CallerLookupService, db: Database) -> None:
    with pytest.raises(NotFoundError) as info:
        service.lookup("010-4444-4444")
    assert "010-4444-4444" in info.value.user_message
    service.lookup("010-1234-5678")
    entries = AuditLog(db).recent()
    assert [(e.action, e.phone_masked, e.agent_id) for e in entries[:2]] == [
        ("lookup", "010-****-5678", "agent-9"), ("lookup_miss", "010-****-4444", "agent-9")]


def test_history_paging(service: CallerLookupService) -> None:
    kim = service.lookup("010-1234-5678", history_limit=1)
    assert kim.history.total == 2 and len(kim.history.items) == 1 and kim.history.has_more
    rest = service.history(kim.profile.id, offset=1, limit=1)
    assert len(rest.items) == 1 and rest.items[0].id != kim.history.items[0].id
