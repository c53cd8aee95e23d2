"""Property tests: never an ineligible plan; the top pick covers the need and respects the budget
whenever some eligible plan could."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from ktcs_desktop.core.catalog import Channel, Plan, load_shipped_catalog, selective_price
from ktcs_desktop.core.models import ContractType, CustomerProfile, UsageMonth, UsageSummary
from ktcs_desktop.core.recommend import (
    OTT_CHOICES,
    CallNeeds,
    is_eligible,
    ott_addon,
    plan_includes_ott,
    recommend,
)

TODAY = date(2026, 11, 26)
CATALOG = load_shipped_catalog()
PLAN_NAMES = [p.name for p in CATALOG] + ["없는 요금제"]


def total_cost(plan: Plan, otts: tuple[str, ...]) -> int:
    """Independent cost model: effective fee + OTT add-ons, minus the one a 초이스 pick covers."""
    fee = selective_price(plan.monthly_fee) if plan.selective_discount_eligible else plan.monthly_fee
    prices = {ott: (ott_addon(CATALOG, ott).price if ott_addon(CATALOG, ott) else 0) for ott in otts}
    included = [prices[o] for o in otts if plan_includes_ott(plan, o)]
    return fee + sum(prices.values()) - max(included, default=0)


def covers(plan: Plan, need: float) -> bool:
    return plan.is_unlimited or (plan.data_gb or 0) >= need


profiles = st.builds(
    lambda age, days, foreigner, welfare, plan, contract: CustomerProfile(
        id=1, phone="01000000000", name="테스트", birth_date=date(TODAY.year - age, 1, 1).replace(
            day=1 + days % 28, month=1 + days % 12),
        is_foreigner=foreigner, is_welfare=welfare, current_plan=plan, contract_type=contract,
        contract_end=date(2027, 1, 31) if contract is not ContractType.NONE else None, join_date=date(2020, 1, 1)),
    st.integers(5, 95), st.integers(0, 400), st.booleans(), st.booleans(), st.sampled_from(PLAN_NAMES),
    st.sampled_from(list(ContractType)),
)
usages = st.lists(st.floats(0, 300, allow_nan=False), min_size=0, max_size=6).map(
    lambda gbs: UsageSummary(tuple(UsageMonth(date(2026, 10, 1), round(gb, 2), 100) for gb in gbs)))
needs_strategy = st.builds(
    CallNeeds,
    budget=st.one_of(st.none(), st.integers(15_000, 150_000)),
    ott=st.lists(st.sampled_from(OTT_CHOICES), max_size=2, unique=True).map(tuple),
    roaming=st.booleans(), family_sharing=st.booleans(), wants_unlimited=st.booleans(),
    min_data_gb=st.one_of(st.none(), st.floats(0, 250, allow_nan=False)),
)


@settings(max_examples=400, deadline=None)
@given(profile=profiles, usage=usages, needs=needs_strategy)
def test_recommendation_invariants(profile: CustomerProfile, usage: UsageSummary, needs: CallNeeds) -> None:
    rec = recommend(profile, usage, needs, today=TODAY)
    eligible = [p for p in CATALOG if is_eligible(p, profile, TODAY)]
    pool = [p for p in eligible if p.is_unlimited] if needs.wants_unlimited else eligible
    pool = pool or eligible
    need = rec.need_gb
    assert need >= usage.typical_data_need_gb and need >= (needs.min_data_gb or 0) - 0.01

    # never an ineligible plan, and every group restriction comes from the catalog
    for option in rec.options:
        assert option.plan.eligibility.allows(profile.age_on(TODAY), is_foreigner=profile.is_foreigner,
                                              is_welfare=profile.is_welfare)
        assert option.total_fee == total_cost(option.plan, needs.ott)
        assert option.effective_fee <= option.fee
        assert (option.selective_fee is None) == (not option.plan.selective_discount_eligible)
        if option.saving_monthly is not None:
            assert option.saving_yearly == option.saving_monthly * 12
        assert option.reasons
    for name, reason in rec.excluded:
        plan = CATALOG.by_name(name)
        assert plan is not None and plan not in eligible and "만 가입할 수 있습니다" in reason

    best = rec.best
    assert best is not None and rec.options[0] is best
    covering = [p for p in pool if covers(p, need)]
    if covering:
        assert best.covers_need
    if needs.wants_unlimited and any(p.is_unlimited for p in eligible):
        assert all(o.plan.is_unlimited for o in rec.options)
    def gives_extras(plan) -> bool:
        """The roaming / data sharing the caller asked for."""
        return ((not needs.roaming or plan.roaming is not None)
                and (not needs.family_sharing or plan.benefits.data_sharing is not None))

    def with_extras(plans: list) -> list:
        return [p for p in plans if gives_extras(p)] or plans

    if needs.budget is not None:
        in_budget = [p for p in covering if total_cost(p, needs.ott) <= needs.budget]
        if in_budget:
            assert best.total_fee <= needs.budget
            cheapest_retail = min((total_cost(p, needs.ott) for p in with_extras(in_budget)
                                   if p.channel is Channel.RETAIL), default=None)
            if best.plan.channel is Channel.RETAIL and cheapest_retail is not None:
                assert best.total_fee == cheapest_retail
    elif covering and best.plan.channel is Channel.RETAIL:
        retail = [p for p in with_extras(covering) if p.channel is Channel.RETAIL]
        if retail:
            assert best.total_fee == min(total_cost(p, needs.ott) for p in retail)
    affordable = [p for p in covering if needs.budget is None or total_cost(p, needs.ott) <= needs.budget]
    if any(gives_extras(p) for p in (affordable or covering)):
        assert gives_extras(best.plan)  # stated extras win whenever a covering plan offers them
