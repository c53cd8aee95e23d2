"""Golden picks over synthetic callers: every eligibility group, light/heavy use, budgets and OTT.

Each row pins the exact top pick and what the caller would pay for it per month (effective fee
plus OTT add-ons). Usage is three equal months unless a tuple is given, so the need is gb × 1.2.
Fixed day: 2026-11-26 (ages are 만 나이 on that day, birthdays on 1 March).
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import pytest

from ktcs_desktop.core.catalog import load_shipped_catalog
from ktcs_desktop.core.models import ContractType, CustomerProfile, UsageMonth, UsageSummary
from ktcs_desktop.core.recommend import CallNeeds, is_eligible, recommend

TODAY = date(2026, 11, 26)
N = ContractType.NONE
S = ContractType.SELECTIVE_24


class G(NamedTuple):
    case: str
    age: int
    flags: str  # "F" foreigner, "W" welfare
    current_plan: str
    contract: ContractType
    gb: float | tuple[float, float, float]
    budget: int | None
    ott: tuple[str, ...]
    unlimited: bool
    min_data: float | None
    best_id: str
    best_total: int


def make_profile(age: int, flags: str = "", plan: str = "5G 슬림 14GB", contract: ContractType = N) -> CustomerProfile:
    return CustomerProfile(
        id=1, phone="01000000000", name="테스트", birth_date=date(TODAY.year - age, 3, 1),
        is_foreigner="F" in flags, is_welfare="W" in flags, current_plan=plan, contract_type=contract,
        contract_end=date(2027, 6, 30) if contract is not N else None, join_date=date(2020, 1, 1),
    )


def make_usage(gb: float | tuple[float, ...]) -> UsageSummary:
    months = gb if isinstance(gb, tuple) else (gb, gb, gb)
    return UsageSummary(tuple(UsageMonth(date(2026, 10 - i, 1), value, 100) for i, value in enumerate(months)))


GOLDEN = [
    G("child-light", 9, "", "5G 주니어", N, 2.0, None, (), False, None, "5g-junior-slim", 21000),
    G("child-4gb", 11, "", "5G 주니어", N, 3.5, None, (), False, None, "5g-junior", 28500),
    G("child-12-heavy", 12, "", "5G 주니어", N, 9.0, None, (), False, None, "5g-y-slim", 41250),
    G("child-budget", 10, "", "5G 주니어", N, 2.0, 25000, (), False, None, "5g-junior-slim", 21000),
    G("teen-13-moderate", 13, "", "5G Y틴", N, 6.0, None, (), False, None, "5g-y-teen", 35250),
    G("teen-15-light", 15, "", "5G Y틴", N, 3.0, None, (), False, None, "5g-slim-carryover-4gb", 27750),
    G("teen-18-heavy", 18, "", "5G Y틴", N, 40.0, None, (), False, None, "5g-simple-50gb", 47250),
    G("teen-16-youtube", 16, "", "5G Y틴", N, 8.0, None, ('유튜브 프리미엄',), False, None, "5g-y-teen", 49150),
    G("y-19-light", 19, "", "5G 슬림 4GB", N, 2.5, None, (), False, None, "5g-slim-carryover-4gb", 27750),
    G("y-25-heavy", 25, "", "5G 심플 50GB", N, 70.0, None, (), False, None, "5g-simple-90gb", 50250),
    G("y-34-mid", 34, "", "5G Y 슬림", S, 11.0, None, (), False, None, "5g-y-slim", 41250),
    G("y-29-unlimited", 29, "", "5G 심플 30GB", N, 20.0, None, (), True, None, "5g-y-basic", 60000),
    G("y-22-netflix", 22, "", "5G Y 베이직", S, 50.0, None, ('넷플릭스',), False, None, "5g-simple-70gb", 61250),
    G("y-30-budget", 30, "", "5G 슬림 21GB", N, 18.0, 40000, (), False, None, "yogo-38", 38000),
    G("gen-35-light", 35, "", "5G 슬림 10GB", N, 1.0, None, (), False, None, "5g-slim-carryover-4gb", 27750),
    G("gen-45-mid", 45, "", "5G 베이직", S, 11.5, None, (), False, None, "5g-slim-carryover-14gb", 41250),
    G("gen-50-25gb", 50, "", "5G 심플 30GB", S, 25.0, None, (), False, None, "5g-simple-30gb", 45750),
    G("gen-40-heavy", 40, "", "5G 베이직", N, 150.0, None, (), False, None, "5g-basic", 60000),
    G("gen-55-huge", 55, "", "5G 스페셜", S, 250.0, None, (), False, None, "5g-basic", 60000),
    G("gen-60-zero", 60, "", "5G 슬림 4GB", N, 0.0, None, (), False, None, "5g-slim-carryover-4gb", 27750),
    G("gen-42-netflix", 42, "", "5G 초이스 베이직", S, 30.0, None, ('넷플릭스',), False, None, "5g-simple-50gb", 59750),
    G("gen-38-tving", 38, "", "5G 심플 50GB", N, 45.0, None, ('티빙',), False, None, "5g-simple-70gb", 58250),
    G("gen-47-disney", 47, "", "5G 슬림 14GB", N, 10.0, None, ('디즈니+',), False, None, "5g-slim-carryover-14gb", 50150),
    G("gen-52-two-ott", 52, "", "5G 초이스 스페셜", S, 60.0, None, ('넷플릭스', '유튜브 프리미엄'), False, None, "5g-simple-90gb", 76650),
    G("gen-44-unlimited", 44, "", "5G 슬림 14GB", N, 12.0, None, (), True, None, "5g-basic", 60000),
    G("gen-36-budget-tight", 36, "", "5G 심플 50GB", N, 45.0, 35000, (), False, None, "5g-simple-70gb", 48750),
    G("gen-61-budget-ok", 61, "", "5G 슬림 21GB", N, 9.0, 45000, (), False, None, "5g-slim-carryover-14gb", 41250),
    G("gen-48-min-data", 48, "", "5G 슬림 7GB", N, 5.0, None, (), False, 50.0, "5g-simple-50gb", 47250),
    G("gen-64-near-senior", 64, "", "5G 슬림 10GB", N, 8.0, None, (), False, None, "5g-slim-carryover-10gb", 37500),
    G("gen-39-yogo", 39, "", "요고 36", N, 14.0, None, (), False, None, "5g-slim-carryover-21gb", 43500),
    G("senior-65", 65, "", "5G 슬림 14GB", N, 12.0, None, (), False, None, "5g-senior-basic", 36750),
    G("senior-70-light", 70, "", "5G 시니어 A형", S, 4.0, None, (), False, None, "5g-senior-a", 33000),
    G("senior-75", 75, "", "5G 시니어 A형", N, 7.0, None, (), False, None, "5g-senior-b", 31500),
    G("senior-80", 80, "", "5G 시니어 베이직", N, 6.5, None, (), False, None, "5g-senior-c", 30750),
    G("senior-92-tiny", 92, "", "5G 시니어 C형", N, 0.3, None, (), False, None, "5g-slim-carryover-4gb", 27750),
    G("senior-68-heavy", 68, "", "5G 베이직", S, 40.0, None, (), False, None, "5g-simple-50gb", 47250),
    G("senior-77-budget", 77, "", "5G 슬림 10GB", N, 8.0, 32000, (), False, None, "yogo-32", 32000),
    G("foreign-30-light", 30, "F", "5G 웰컴 3", N, 2.0, None, (), False, None, "5g-slim-carryover-4gb", 27750),
    G("foreign-40-welcome1", 40, "F", "5G 웰컴 1", N, 0.8, None, (), False, None, "5g-slim-carryover-4gb", 27750),
    G("foreign-45-mid", 45, "F", "5G 웰컴 5", N, 4.5, None, (), False, None, "5g-slim-carryover-7gb", 33750),
    G("foreign-28-heavy", 28, "F", "5G 심플 50GB", N, 90.0, None, (), False, None, "5g-simple-110gb", 51750),
    G("welfare-36-mid", 36, "W", "5G 슬림 14GB", N, 17.0, None, (), False, None, "5g-slim-carryover-21gb", 43500),
    G("welfare-50-heavy", 50, "W", "5G 심플 복지", S, 100.0, None, (), False, None, "5g-basic-welfare", 60000),
    G("welfare-70-light", 70, "W", "5G 슬림 복지", N, 3.0, None, (), False, None, "5g-slim-carryover-4gb", 27750),
    G("welfare-45-unlimited", 45, "W", "5G 슬림 복지", N, 12.0, None, (), True, None, "5g-basic-welfare", 60000),
    G("welfare-28-y", 28, "W", "5G 슬림 복지", N, 13.0, None, (), False, None, "5g-slim-carryover-21gb", 43500),
    # usage shapes: the 3-month max wins over average × 1.2
    G("spiky-max-wins", 45, "", "5G 슬림 14GB", N, (6.0, 6.0, 20.0), None, (), False, None,
      "5g-slim-carryover-21gb", 43500),
    G("over-110-unlimited", 41, "", "5G 심플 110G", S, 100.0, None, (), False, None, "5g-basic", 60000),
    G("yogo-only-in-budget", 33, "", "5G 심플 50GB", N, 90.0, 50000, (), False, None, "yogo-49", 49000),
]


@pytest.mark.parametrize("row", GOLDEN, ids=[row.case for row in GOLDEN])
def test_golden_top_pick(row: G) -> None:
    profile = make_profile(row.age, row.flags, row.current_plan, row.contract)
    needs = CallNeeds(budget=row.budget, ott=row.ott, wants_unlimited=row.unlimited, min_data_gb=row.min_data)
    rec = recommend(profile, make_usage(row.gb), needs, today=TODAY)
    best = rec.best
    assert best is not None and rec.options[0] is best
    assert (best.plan.id, best.total_fee) == (row.best_id, row.best_total)
    assert best.covers_need
    assert all(is_eligible(o.plan, profile, TODAY) for o in rec.options)
    assert len({o.plan.id for o in rec.options}) == len(rec.options)
    if row.unlimited:
        assert all(o.plan.is_unlimited for o in rec.options)
    if row.budget is not None and best.total_fee > row.budget:
        assert any("예산" in note for note in rec.notes)  # nothing covering fits the budget
    assert any(r.startswith(("최근 3개월 평균", "요청 데이터")) and "→" in r for r in best.reasons)


def test_golden_table_covers_every_group() -> None:
    groups = {
        "child": any(r.age <= 12 for r in GOLDEN), "teen": any(13 <= r.age <= 18 for r in GOLDEN),
        "y": any(19 <= r.age <= 34 and not r.flags for r in GOLDEN), "general": any(35 <= r.age < 65 for r in GOLDEN),
        "senior65": any(65 <= r.age < 75 for r in GOLDEN), "senior75": any(75 <= r.age < 80 for r in GOLDEN),
        "senior80": any(r.age >= 80 for r in GOLDEN), "foreigner": any("F" in r.flags for r in GOLDEN),
        "welfare": any("W" in r.flags for r in GOLDEN), "budget": any(r.budget for r in GOLDEN),
        "ott": any(r.ott for r in GOLDEN), "heavy": any(not isinstance(r.gb, tuple) and r.gb >= 100 for r in GOLDEN),
        "light": any(not isinstance(r.gb, tuple) and r.gb <= 1 for r in GOLDEN),
    }
    assert all(groups.values()), groups
    assert len(GOLDEN) >= 40


def test_group_plans_reach_their_groups() -> None:
    ids = {r.case: r.best_id for r in GOLDEN}
    assert ids["child-light"].startswith("5g-junior")
    assert ids["senior-75"] == "5g-senior-b" and ids["senior-80"] == "5g-senior-c"
    assert ids["welfare-45-unlimited"] == "5g-basic-welfare"
    assert load_shipped_catalog().get(ids["y-29-unlimited"]).eligibility.max_age == 34
