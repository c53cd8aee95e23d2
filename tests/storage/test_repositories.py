from __future__ import annotations

from datetime import date, datetime

import pytest

from ktcs_desktop.core.errors import DatabaseUnavailableError, NotFoundError
from ktcs_desktop.core.models import ConsultationStatus, ContractType, Speaker, UsageMonth
from ktcs_desktop.core.storage.database import Database
from ktcs_desktop.core.storage.repositories import (
    AuditLog,
    ConsultationRepository,
    CustomerRepository,
    NewCustomer,
)


def _customer(phone: str = "01012345678", **overrides) -> NewCustomer:
    values = dict(
        phone=phone, name="김철수", birth_date=date(1981, 3, 15), current_plan="5G 베이직",
        join_date=date(2019, 4, 2), contract_type=ContractType.SELECTIVE_24, contract_end=date(2027, 5, 31),
        usage=(UsageMonth(date(2026, 10, 1), 12.5, 300, 4), UsageMonth(date(2026, 9, 1), 10.0, 280, 2),
               UsageMonth(date(2026, 8, 1), 9.0, 250, 1), UsageMonth(date(2026, 7, 1), 30.0, 100, 0)),
    )
    values.update(overrides)
    return NewCustomer(**values)


def test_customer_roundtrip_keeps_korean_and_flags(db: Database) -> None:
    repo = CustomerRepository(db)
    assert repo.add_many([_customer(), _customer("01099998888", name="응우옌 반 안", is_foreigner=True,
                                                 contract_type=ContractType.NONE, contract_end=None)]) == 2
    kim = repo.by_phone("01012345678")
    assert kim is not None
    assert kim.name == "김철수"
    assert kim.contract_type is ContractType.SELECTIVE_24
    assert kim.contract_end == date(2027, 5, 31)
    assert not kim.is_foreigner
    foreigner = repo.by_phone("01099998888")
    assert foreigner is not None and foreigner.is_foreigner and foreigner.name == "응우옌 반 안"
    assert repo.by_phone("01000000000") is None
    assert repo.count() == 2


def test_usage_is_newest_first_and_summarised(db: Database) -> None:
    repo = CustomerRepository(db)
    repo.add_many([_customer()])
    profile = repo.by_phone("01012345678")
    usage = repo.usage(profile.id)
    assert [m.month for m in usage.months] == [date(2026, 10, 1), date(2026, 9, 1), date(2026, 8, 1),
                                               date(2026, 7, 1)]
    # Only the last three months count: (12.5 + 10 + 9) / 3 = 10.5; need = max(10.5*1.2, 12.5) = 12.6
    assert usage.avg_data_gb == pytest.approx(10.5)
    assert usage.max_data_gb == pytest.approx(12.5)
    assert usage.typical_data_need_gb == pytest.approx(12.6)


def test_phone_is_unique(db: Database) -> None:
    repo = CustomerRepository(db)
    repo.add_many([_customer()])
    with pytest.raises(Exception):  # noqa: B017 - IntegrityError type differs per driver
        repo.add_many([_customer()])
    assert repo.count() == 1


def test_consultation_lifecycle_and_history_paging(db: Database) -> None:
    customers = CustomerRepository(db)
    customers.add_many([_customer()])
    cid = customers.by_phone("01012345678").id
    repo = ConsultationRepository(db)
    ids = [repo.start(cid, "agent-7", started_at=datetime(2026, 11, day, 9, 0)) for day in range(1, 8)]
    first = ids[-1]
    assert repo.append_line(first, Speaker.CALLER, "요금제 바꾸고 싶어요") == 1
    assert repo.append_line(first, Speaker.AGENT, "네, 확인해 드리겠습니다.") == 2
    repo.add_event(first, "offer", {"plan": "5G 슬림 14GB", "fee": 55000})
    repo.save_notes(first, "슬림 14GB 제안")
    repo.close(first, summary="요금제 변경 상담", outcome="변경 완료")

    page = repo.history(cid, limit=3)
    assert page.total == 7 and len(page.items) == 3 and page.has_more
    assert [c.id for c in page.items] == [ids[6], ids[5], ids[4]]  # newest first
    assert page.items[0].status is ConsultationStatus.CLOSED
    rest = repo.history(cid, offset=6, limit=3)
    assert [c.id for c in rest.items] == [ids[0]] and not rest.has_more

    full = repo.get(first)
    assert [line.text for line in full.lines] == ["요금제 바꾸고 싶어요", "네, 확인해 드리겠습니다."]
    assert full.lines[0].speaker is Speaker.CALLER
    assert full.events[0].payload == {"plan": "5G 슬림 14GB", "fee": 55000}
    assert full.notes == "슬림 14GB 제안" and full.summary == "요금제 변경 상담" and full.ended_at is not None


def test_missing_consultation_raises_korean_error(db: Database) -> None:
    with pytest.raises(NotFoundError, match="상담 기록"):
        ConsultationRepository(db).get(12345)
    with pytest.raises(NotFoundError):
        ConsultationRepository(db).save_notes(12345, "x")


def test_audit_log_records_masked_lookups(db: Database) -> None:
    audit = AuditLog(db)
    audit.record("agent-1", "lookup", customer_id=3, phone_masked="010-****-5678")
    audit.record("agent-2", "lookup_miss", phone_masked="010-****-0000")
    entries = audit.recent()
    assert [e.agent_id for e in entries] == ["agent-2", "agent-1"]
    assert entries[1].customer_id == 3 and entries[1].phone_masked == "010-****-5678"
    assert [e.action for e in audit.recent(customer_id=3)] == ["lookup"]


def test_dead_database_raises_unavailable() -> None:
    db = Database("mysql+pymysql://root@127.0.0.1:1/nothing", connect_timeout=1)
    with pytest.raises(DatabaseUnavailableError) as info:
        CustomerRepository(db).by_phone("01012345678")
    assert "데이터베이스에 연결할 수 없습니다" in info.value.user_message
    db.dispose()
