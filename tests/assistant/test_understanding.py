"""Entities apart from intent, add-ons, the caller's eligibility and escalation readings."""

from __future__ import annotations

import pytest

from ktcs_desktop.core.assistant import AssistContext, Intent, OfflineProvider
from ktcs_desktop.core.assistant.entities import extract_entities
from ktcs_desktop.core.assistant.escalation import analyze_escalation, detect_escalation
from ktcs_desktop.core.assistant.evaluation import evaluate_escalation, sample_lookup
from ktcs_desktop.core.evaldata import ESCALATION, load_jsonl


@pytest.mark.parametrize(("text", "plans", "ages", "amounts"), [
    ("34살인데 Y 요금제 가입돼요?", [], (34,), ()),
    ("44살인데 요고 44 나이 제한 있어요?", ["요고 44"], (44,), ()),
    ("월 4만원 이하 요금제", [], (), (40000,)),
    ("딸이 열여덟 살인데 Y틴 돼요?", ["5G Y틴"], (18,), ()),
    ("요고 34에 유튜브 프리미엄 붙이면", ["요고 34"], (), ()),
])
def test_quantities_are_not_plan_names(text, plans, ages, amounts) -> None:
    ent = extract_entities(text)
    assert [p.name for p in ent.plans] == plans
    assert ent.ages == ages and ent.amounts == amounts


def test_addon_price_and_plan_total() -> None:
    provider = OfflineProvider()
    price = provider.answer("넷플 스탠다드 얼마예요")
    assert price.intent is Intent.ADDON and "12,500" in price.text and "130,000" not in price.text
    total = provider.answer("요고 34에 넷플릭스 스탠다드 추가하면 얼마")
    assert "46,500" in total.text  # 34,000 + 12,500
    included = provider.answer("초이스 베이직에 넷플릭스 포함돼요?")
    assert "포함" in included.text and "추가 요금 없이" in included.text


def test_comparison_names_both_and_cheapest_with_constraint() -> None:
    provider = OfflineProvider()
    cmp_ = provider.answer("요고 49하고 심플 110기가 차이")
    assert "49,000" in cmp_.text and "69,000" in cmp_.text
    cheap = provider.answer("데이터 무제한 중에 제일 싼 요금제")
    assert "요고 61" in cheap.text and "5G 베이직" in cheap.text  # cheapest, and cheapest in a store


def test_plan_change_checks_the_caller() -> None:
    kim = sample_lookup("01012345678")  # 만 40대, 5G 베이직
    answer = OfflineProvider().answer("Y 베이직으로 바꿔 주세요", AssistContext(lookup=kim))
    assert answer.text.startswith("가입 불가") and "34세 이하" in answer.text
    assert "변경 채널" not in answer.text  # no procedure for a plan the caller cannot take


def test_unknown_plan_is_not_answered_with_another() -> None:
    answer = OfflineProvider().answer("요고 50 얼마예요?")
    assert "근거를 찾지 못했습니다" in answer.text and "49,000" not in answer.text


@pytest.mark.parametrize(("text", "reading"), [
    ("해지는 안 하고 요금제만 바꾸고 싶어요", "negated"),
    ("약정 해지하면 위약금 얼마예요?", "other_object"),
    ("해지 위약금은 어떻게 계산돼요", "question"),
    ("해지하고 싶어요", "request"),
])
def test_escalation_reading_has_confidence_and_evidence(text, reading) -> None:
    esc = analyze_escalation(text)
    assert esc is not None and esc.reading == reading and esc.evidence
    assert (detect_escalation(text) is not None) == (reading == "request")
    assert 0 <= esc.confidence <= 1 and "confidence" in esc.as_payload()


def test_escalation_eval_set() -> None:
    rows = load_jsonl(ESCALATION)
    assert len(rows) >= 80 and sum(r["kind"] is None for r in rows) >= 30
    result = evaluate_escalation()
    assert result["precision"] >= 0.9 and result["recall"] >= 0.9, result["failures"]
    assert result["by_category"]["negation"]["accuracy"] >= 0.8
