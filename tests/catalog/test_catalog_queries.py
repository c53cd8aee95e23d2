"""Eligibility queries, name/alias resolution and the fee calculator."""

from __future__ import annotations

import pytest

from ktcs_desktop.core.catalog import calculate_fee, parse_plan_query, resolve_plan
from ktcs_desktop.core.errors import InvalidInputError


def _ids(plans) -> set[str]:
    return {p.id for p in plans}


def _restricted(catalog) -> set[str]:
    return {p.id for p in catalog.all() if p.eligibility != type(p.eligibility)()}


@pytest.mark.parametrize(
    ("age", "extra"),
    [
        (10, {"5g-junior", "5g-junior-slim", "5g-y-teen", "5g-y-special", "5g-y-basic", "5g-y-slim"}),
        (15, {"5g-y-teen", "5g-y-special", "5g-y-basic", "5g-y-slim"}),
        (30, {"5g-y-special", "5g-y-basic", "5g-y-slim"}),
        (40, set()),
        (66, {"5g-senior-basic", "5g-senior-a"}),
        (76, {"5g-senior-basic", "5g-senior-a", "5g-senior-b"}),
        (81, {"5g-senior-basic", "5g-senior-a", "5g-senior-b", "5g-senior-c"}),
    ],
)
def test_eligible_by_age(catalog, age, extra):
    unrestricted = _ids(catalog.all()) - _restricted(catalog)
    # restricted 5G: Y 3, Y틴 1, 주니어 2, 시니어 4, 웰컴 3, 복지 3 = 16; all 13 요고 are open
    assert len(unrestricted) == 36 - 16 + 13
    assert _ids(catalog.eligible_for(age, is_foreigner=False, is_welfare=False)) == unrestricted | extra


def test_boundaries_are_inclusive(catalog):
    assert "5g-y-slim" in _ids(catalog.eligible_for(34))
    assert "5g-y-slim" not in _ids(catalog.eligible_for(35))
    assert "5g-senior-c" in _ids(catalog.eligible_for(80))
    assert "5g-senior-c" not in _ids(catalog.eligible_for(79))
    assert "5g-junior" in _ids(catalog.eligible_for(12)) and "5g-junior" not in _ids(catalog.eligible_for(13))


def test_foreigner_and_welfare(catalog):
    welcome = {"5g-welcome-5", "5g-welcome-3", "5g-welcome-1"}
    welfare = {"5g-basic-welfare", "5g-simple-welfare", "5g-slim-welfare"}
    base = _ids(catalog.eligible_for(40))
    assert not (welcome | welfare) & base
    assert _ids(catalog.eligible_for(40, is_foreigner=True)) == base | welcome
    assert _ids(catalog.eligible_for(40, is_welfare=True)) == base | welfare
    assert _ids(catalog.eligible_for(70, is_foreigner=True, is_welfare=True)) >= welcome | welfare | {
        "5g-senior-a"
    }


# -- name resolution ---------------------------------------------------------------------------

# (what is said, the plan id expected first)
TOP_MATCH = [
    ("5G 슬림 14GB", "5g-slim-14gb"),
    ("슬림 14기가", "5g-slim-14gb"),
    ("슬림14", "5g-slim-14gb"),
    ("슬림 14 gb", "5g-slim-14gb"),
    ("5g슬림14GB", "5g-slim-14gb"),
    ("슬림 십사기가", "5g-slim-14gb"),
    ("슬림 십사", "5g-slim-14gb"),
    ("스림 14", "5g-slim-14gb"),  # typo
    ("슬림 14G", "5g-slim-14gb"),
    ("5G 슬림 4GB", "5g-slim-4gb"),
    ("슬림 사기가", "5g-slim-4gb"),
    ("이월 슬림 10기가", "5g-slim-carryover-10gb"),
    ("슬림 이월 21", "5g-slim-carryover-21gb"),
    ("5G 슬림(이월) 7GB", "5g-slim-carryover-7gb"),
    ("초이스 베이직", "5g-choice-basic"),
    ("초이스베이직 요금제로 바꿔 주세요", "5g-choice-basic"),
    ("쵸이스 프리미엄", "5g-choice-premium"),
    ("초이쓰 스페셜", "5g-choice-special"),  # typo
    ("베이직", "5g-basic"),
    ("스페셜", "5g-special"),
    ("심플 30", "5g-simple-30gb"),
    ("심플 삼십기가", "5g-simple-30gb"),
    ("심플 110", "5g-simple-110gb"),
    ("심플 백십기가", "5g-simple-110gb"),
    ("요고 30", "yogo-30"),
    ("요고 삼십", "yogo-30"),
    ("요고삼십", "yogo-30"),
    ("요고 오만오천원", "yogo-55"),
    ("요고 5만5천원", "yogo-55"),
    ("요고 30기가", "yogo-40"),  # 30GB is 요고 40
    ("요고 육십구", "yogo-69"),
    ("시니어 A", "5g-senior-a"),
    ("시니어 에이형", "5g-senior-a"),
    ("시니어 a형", "5g-senior-a"),
    ("시니어 비형", "5g-senior-b"),
    ("시니어 씨", "5g-senior-c"),
    ("시니어 베이직", "5g-senior-basic"),
    ("웰컴 3", "5g-welcome-3"),
    ("웰컴 삼", "5g-welcome-3"),
    ("웰컴5", "5g-welcome-5"),
    ("Y틴", "5g-y-teen"),
    ("와이틴", "5g-y-teen"),
    ("와이 슬림", "5g-y-slim"),
    ("Y 베이직", "5g-y-basic"),
    ("주니어", "5g-junior"),
    ("쥬니어 슬림", "5g-junior-slim"),
    ("베이직 복지", "5g-basic-welfare"),
    ("장애인 슬림", "5g-slim-welfare"),
    ("복지 심플", "5g-simple-welfare"),
]


@pytest.mark.parametrize(("text", "plan_id"), TOP_MATCH)
def test_resolve_top_match(catalog, text, plan_id):
    matches = catalog.resolve(text)
    assert matches, text
    assert matches[0].id == plan_id


@pytest.mark.parametrize(
    ("text", "expected_ids"),
    [
        ("와이 요금제", {"5g-y-special", "5g-y-basic", "5g-y-slim"}),
        ("Y 요금제", {"5g-y-special", "5g-y-basic", "5g-y-slim"}),
        ("초이스", {"5g-choice-premium", "5g-choice-special", "5g-choice-basic"}),
        ("시니어", {"5g-senior-basic", "5g-senior-a", "5g-senior-b", "5g-senior-c"}),
        ("웰컴", {"5g-welcome-5", "5g-welcome-3", "5g-welcome-1"}),
        ("이월 슬림", {f"5g-slim-carryover-{g}gb" for g in (21, 14, 10, 7, 4)}),
    ],
)
def test_resolve_family(catalog, text, expected_ids):
    assert _ids(catalog.resolve(text, limit=50)) == expected_ids
    assert catalog.best_match(text) is None  # several equally good candidates


def test_ambiguous_basic_ranks_candidates(catalog):
    scored = catalog.resolve_scored("베이직", limit=10)
    assert [m.plan.id for m in scored][:1] == ["5g-basic"]
    assert {m.plan.id for m in scored} == {
        "5g-basic",
        "5g-choice-basic",
        "5g-y-basic",
        "5g-senior-basic",
        "5g-basic-welfare",
    }
    assert scored[0].score > scored[1].score
    assert catalog.best_match("베이직").id == "5g-basic"


def test_slim_14_ranks_exact_above_related(catalog):
    ids = [p.id for p in catalog.resolve("슬림 14")]
    assert ids[0] == "5g-slim-14gb"
    assert set(ids) == {"5g-slim-14gb", "5g-y-slim", "5g-slim-welfare", "5g-slim-carryover-14gb"}


@pytest.mark.parametrize(
    "text", ["", "   ", "오늘 날씨 어때요", "이 요금제", "슬림 99기가", "시니어 슬림", "lte"]
)
def test_resolve_nothing(catalog, text):
    assert catalog.resolve(text) == []


def test_words_inside_plan_names_are_not_numbers():
    assert parse_plan_query("초이스 베이직").numbers == ()
    assert parse_plan_query("5G 슬림(이월) 14GB").words == {"slim", "carryover"}
    assert parse_plan_query("5G 슬림 14GB").numbers == ((14.0, "gb"),)
    assert parse_plan_query("요고 오만오천원").numbers == ((55000.0, "won"),)


def test_resolve_plan_uses_load_shipped_catalog():
    assert resolve_plan("슬림 14기가")[0].name == "5G 슬림 14GB"


# -- fee calculator ----------------------------------------------------------------------------


def test_fee_plain_and_selective(catalog):
    plan = catalog.get("5g-choice-basic")
    plain = calculate_fee(plan, selective=False)
    assert (plain.base_fee, plain.discount, plain.total) == (90000, 0, 90000)
    with_contract = calculate_fee(plan, selective=True, months=24)
    assert (with_contract.base_fee, with_contract.discount, with_contract.total) == (
        2_160_000,
        540_000,
        1_620_000,
    )
    assert with_contract.per_month == 67500 and with_contract.selective_applied


def test_fee_matches_catalog_selective_fee_for_every_plan(catalog):
    for plan in catalog.all():
        breakdown = calculate_fee(plan, selective=True)
        assert breakdown.total == catalog.effective_fee(plan, with_selective=True), plan.name


def test_fee_proration(catalog):
    plan = catalog.get("5g-slim-14gb")
    part = calculate_fee(plan, selective=False, proration_days=(10, 30))
    assert (part.base_fee, part.total, part.days_used) == (18333, 18333, 10)
    part = calculate_fee(plan, selective=True, proration_days=(15, 30))
    assert (part.base_fee, part.discount, part.total) == (27500, 6875, 20625)
    assert calculate_fee(plan, selective=False, proration_days=(31, 31)).total == 55000


def test_fee_without_selective_on_yogo_notes_it(catalog):
    breakdown = calculate_fee(catalog.get("yogo-30"), selective=True)
    assert breakdown.total == 30000 and not breakdown.selective_applied
    assert any("선택약정" in note for note in breakdown.notes)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"months": 0},
        {"months": 2, "proration_days": (3, 30)},
        {"proration_days": (31, 30)},
        {"proration_days": (1, 40)},
    ],
)
def test_fee_rejects_bad_input(catalog, kwargs):
    with pytest.raises(InvalidInputError):
        calculate_fee(catalog.get("5g-basic"), selective=False, **kwargs)
