"""explain_exclusion, the data-fit rule, 선택약정 comparisons, OTT costing and recommend_for."""

from __future__ import annotations

from datetime import date

import pytest

from ktcs_desktop.core.catalog import load_shipped_catalog
from ktcs_desktop.core.errors import NotFoundError
from ktcs_desktop.core.models import CallerLookup, ContractType, Page
from ktcs_desktop.core.recommend import (
    CallNeeds,
    canonical_ott,
    data_fit,
    explain_exclusion,
    ott_addon,
    recommend,
    recommend_for,
)
from tests.recommend.test_golden import TODAY, make_profile, make_usage

CATALOG = load_shipped_catalog()


@pytest.mark.parametrize(("plan", "age", "flags", "expected"), [
    ("5G 시니어 베이직", 45, "", "5G 시니어 베이직은 만 65세 이상만 가입할 수 있습니다 (고객 만 45세)"),
    ("5g-senior-b", 70, "", "5G 시니어 B형은 만 75세 이상만 가입할 수 있습니다 (고객 만 70세)"),
    ("5G 시니어 C형", 79, "", "5G 시니어 C형은 만 80세 이상만 가입할 수 있습니다 (고객 만 79세)"),
    ("5G Y 베이직", 35, "", "5G Y 베이직은 만 34세 이하만 가입할 수 있습니다 (고객 만 35세)"),
    ("5G Y틴", 19, "", "5G Y틴은 만 18세 이하만 가입할 수 있습니다 (고객 만 19세)"),
    ("5G 주니어", 13, "", "5G 주니어는 만 12세 이하만 가입할 수 있습니다 (고객 만 13세)"),
    ("5G 웰컴 3", 30, "", "5G 웰컴 3은 외국인등록증을 가진 외국인만 가입할 수 있습니다 (고객은 내국인)"),
    ("5G 슬림 복지", 40, "F", "5G 슬림 복지는 등록 장애인(복지 대상)만 가입할 수 있습니다 (고객은 복지 대상 아님)"),
])
def test_explain_exclusion(plan: str, age: int, flags: str, expected: str) -> None:
    assert explain_exclusion(plan, make_profile(age, flags), today=TODAY) == expected


def test_explain_exclusion_for_an_allowed_plan_and_unknown_names() -> None:
    text = explain_exclusion("시니어 에이형", make_profile(65), today=TODAY)
    assert text.startswith("5G 시니어 A형은 가입할 수 있습니다") and "만 65세" in text
    assert explain_exclusion("5G 웰컴 1", make_profile(30, "F"), today=TODAY).startswith("5G 웰컴 1은 가입할 수")
    with pytest.raises(NotFoundError):
        explain_exclusion("우주 요금제 999", make_profile(30), today=TODAY)


def test_age_boundaries_use_international_age() -> None:
    # born 2 Dec 1961: still 64 on 26 Nov 2026, so 시니어 is not yet allowed
    profile = make_profile(65)
    profile = type(profile)(**{**profile.__dict__, "birth_date": date(1961, 12, 2)})
    rec = recommend(profile, make_usage(5.0), today=TODAY)
    assert rec.age == 64 and all(o.plan.family.value != "시니어" for o in rec.options)
    assert any(name == "5G 시니어 베이직" for name, _ in rec.excluded)
    rec = recommend(profile, make_usage(5.0), today=date(2026, 12, 2))
    assert rec.age == 65 and not any(name == "5G 시니어 베이직" for name, _ in rec.excluded)


def test_data_fit_counts_speed_after_cap_only_for_usable_speeds() -> None:
    simple_110 = CATALOG.get("5g-simple-110gb")  # 5 Mbps after the cap
    slim_10 = CATALOG.get("5g-slim-10gb")  # 400 Kbps after the cap
    assert data_fit(simple_110, 110) == (True, False)
    assert data_fit(simple_110, 120) == (False, True)  # slightly over, 5 Mbps keeps it usable
    assert data_fit(simple_110, 150) == (False, False)  # far over
    assert data_fit(slim_10, 11) == (False, False)  # 400 Kbps is not a near fit
    assert data_fit(CATALOG.get("5g-basic"), 10_000) == (True, False)


def test_y_dom_is_a_reason_not_coverage() -> None:
    rec = recommend(make_profile(25), make_usage(15.0), today=TODAY)  # need 18GB
    assert rec.best.plan.data_gb is None or rec.best.plan.data_gb >= 18
    slim = [o for o in rec.options if o.plan.family.value.startswith("슬림")]
    assert any("Y덤 신청 시 기본데이터 2배" in r for o in slim for r in o.reasons)
    older = recommend(make_profile(35), make_usage(15.0), today=TODAY)
    assert not any("Y덤" in r for o in older.options for r in o.reasons)


def test_selective_contract_compares_like_with_like() -> None:
    on_contract = recommend(make_profile(45, plan="5G 베이직", contract=ContractType.SELECTIVE_24),
                            make_usage(11.5), today=TODAY)
    assert on_contract.current_fee == 60_000
    assert on_contract.best.plan.id == "5g-slim-carryover-14gb"
    assert on_contract.best.saving_monthly == 60_000 - 41_250
    assert "현재 대비 월 18,750원 절약 (연 225,000원)" in on_contract.best.reasons
    assert any("선택약정 적용 중" in n for n in on_contract.notes)
    yogo = [o for o in on_contract.options if o.plan.family.value == "요고"]
    assert yogo and yogo[0].selective_fee is None and yogo[0].effective_fee == yogo[0].fee
    assert any("할인반환금" in r for r in yogo[0].reasons)

    no_contract = recommend(make_profile(45, plan="5G 베이직"), make_usage(11.5), today=TODAY)
    assert no_contract.current_fee == 80_000 and no_contract.best.saving_monthly == 80_000 - 41_250
    assert any("약정 없이 정가" in n for n in no_contract.notes)


def test_ott_request_compares_choice_plan_with_plan_plus_addon() -> None:
    assert canonical_ott("유튜브프리미엄") == "유튜브 프리미엄" and canonical_ott("Netflix") == "넷플릭스"
    netflix = ott_addon(CATALOG, "넷플릭스")
    assert netflix is not None and netflix.name == "넷플릭스 스탠다드" and netflix.price == 12_500
    rec = recommend(make_profile(54, plan="5G 초이스 베이직", contract=ContractType.SELECTIVE_24),
                    make_usage(25.0), CallNeeds(ott=("넷플릭스",)), today=TODAY)
    assert rec.current_addon_fee == 0  # 초이스 already includes it
    best = rec.best
    assert best.plan.id == "5g-simple-30gb" and best.addons == (netflix,) and best.total_fee == 45_750 + 12_500
    choice = next(o for o in rec.options if o.plan.id == "5g-choice-basic")
    assert choice.addons == () and choice.total_fee == 67_500
    assert any("넷플릭스 초이스 혜택 포함" in r for r in choice.reasons)
    with pytest.raises(ValueError):
        canonical_ott("왓챠")


def test_recommend_for_a_lookup() -> None:
    profile = make_profile(25, plan="5G 심플 50GB")
    lookup = CallerLookup(profile=profile, age=25, usage=make_usage(70.0),
                          history=Page(items=(), total=0, offset=0, limit=20))
    rec = recommend_for(lookup, today=TODAY)
    assert rec.best.plan.id == "5g-simple-90gb"
    assert any(o.plan.is_unlimited and o.tag == "upgrade" for o in rec.options)
    assert recommend_for(lookup, CallNeeds(wants_unlimited=True), today=TODAY).best.plan.is_unlimited
    assert isinstance(recommend_for(lookup).need_gb, float)


def _sample_profiles():
    from ktcs_desktop.core.models import CustomerProfile, UsageSummary
    from ktcs_desktop.core.storage.seed import sample_customers

    for i, c in enumerate(sample_customers(TODAY)):
        profile = CustomerProfile(
            id=i, phone=c.phone, name=c.name, birth_date=c.birth_date, is_foreigner=c.is_foreigner,
            is_welfare=c.is_welfare, current_plan=c.current_plan, contract_type=c.contract_type,
            contract_end=c.contract_end, join_date=c.join_date)
        yield profile, UsageSummary(c.usage)


def test_sample_callers_get_sensible_picks() -> None:
    picks = {}
    for profile, usage in _sample_profiles():
        rec = recommend(profile, usage, today=TODAY)
        picks[profile.name] = {o.tag: o.plan.id for o in rec.options if o.tag != "alternative"}
        assert rec.current_plan is not None and rec.best.covers_need
    assert picks["김철수"]["best"] == "5g-slim-carryover-14gb"  # ~11GB on unlimited 5G 베이직
    assert picks["이영희"]["upgrade"] == "5g-senior-basic"
    assert picks["박지민"] == {"best": "5g-simple-90gb", "upgrade": "5g-y-basic", "budget": "yogo-49"}
    assert picks["최민수"]["upgrade"] == "5g-simple-welfare"
    assert picks["정미영"]["best"] == "5g-simple-50gb"
    assert picks["응우옌 반 안"]["best"] == "5g-slim-carryover-7gb"
    assert picks["정하늘"]["best"] == "5g-y-slim"


def test_leaving_a_choice_plan_warns_about_the_ott_benefit() -> None:
    from ktcs_desktop.core.recommend import CallNeeds, recommend

    profile, usage = make_profile(54, plan="5G 초이스 베이직"), make_usage(24.0)
    plain = recommend(profile, usage, today=TODAY)
    assert any("OTT 선택 혜택" in note for note in plain.notes)
    with_ott = recommend(profile, usage, CallNeeds(ott=("넷플릭스",)), today=TODAY)
    assert not any("OTT 선택 혜택" in note for note in with_ott.notes)


def test_current_plan_summary_for_the_caller_card() -> None:
    from dataclasses import replace

    from ktcs_desktop.core.recommend import current_plan_summary

    assert current_plan_summary(make_profile(40), TODAY) == "월 55,000원 · 데이터 14GB 소진 후 1Mbps"
    on_contract = make_profile(40, contract=ContractType.SELECTIVE_24)  # runs until 2027-06-30
    assert current_plan_summary(on_contract, TODAY) == "월 55,000원 → 선택약정 41,250원 · 데이터 14GB 소진 후 1Mbps"
    ended = replace(on_contract, contract_end=date(2026, 1, 1))
    assert current_plan_summary(ended, TODAY).startswith("월 55,000원 · ")  # the contract ended
    assert "확인 필요" in current_plan_summary(make_profile(40, plan="LTE 옛날 요금제"), TODAY)
