from __future__ import annotations

from datetime import date

from ktcs_desktop.core.models import international_age
from ktcs_desktop.core.storage.database import Database
from ktcs_desktop.core.storage.repositories import ConsultationRepository, CustomerRepository
from ktcs_desktop.core.storage.seed import month_start, seed_database, synthetic_customers

TODAY = date(2026, 11, 26)
SAMPLE_PHONES = {"01012345678": "김철수", "01087654321": "이영희", "01011112222": "박지민",
                 "01055556666": "최민수", "01099998888": "정미영"}


def test_seed_inserts_sample_callers_once_with_history(db: Database) -> None:
    report = seed_database(db, today=TODAY)
    assert report.samples_added >= 5
    again = seed_database(db, today=TODAY)
    assert again.samples_added == 0 and again.total == report.total
    customers = CustomerRepository(db)
    for phone, name in SAMPLE_PHONES.items():
        profile = customers.by_phone(phone)
        assert profile is not None and profile.name == name
        usage = customers.usage(profile.id)
        assert len(usage.recent) == 3
        assert usage.recent[0].month == date(2026, 10, 1)  # last full month first
    kim = customers.by_phone("01012345678")
    assert ConsultationRepository(db).history(kim.id).total == 2


def test_seed_with_synthetic_customers(db: Database) -> None:
    report = seed_database(db, synthetic=300, today=TODAY)
    assert report.synthetic_added == 300
    assert report.total == report.samples_added + 300


def test_synthetic_customers_are_plausible() -> None:
    people = synthetic_customers(2000, seed=3, today=TODAY, exclude_phones=set(SAMPLE_PHONES))
    phones = [p.phone for p in people]
    assert len(set(phones)) == 2000 and not set(phones) & set(SAMPLE_PHONES)
    for person in people:
        age = international_age(person.birth_date, TODAY)
        assert 7 <= age <= 93
        if person.current_plan == "5G 주니어":
            assert age <= 12
        if person.current_plan.startswith("5G 시니어"):
            assert age >= 65
        if person.current_plan.startswith("5G 웰컴"):
            assert person.is_foreigner
        if "복지" in person.current_plan:
            assert person.is_welfare
        if person.current_plan.startswith("5G Y ") or person.current_plan == "5G Y틴":
            assert age <= 34
        assert len(person.usage) == 6 and all(u.data_gb > 0 for u in person.usage)
    assert synthetic_customers(50, seed=3, today=TODAY) == synthetic_customers(50, seed=3, today=TODAY)
    assert sum(p.is_foreigner for p in people) > 20 and sum(p.is_welfare for p in people) > 40


def test_month_start_wraps_years() -> None:
    assert month_start(date(2026, 1, 15), 1) == date(2025, 12, 1)
    assert month_start(date(2026, 3, 31), 14) == date(2025, 1, 1)
