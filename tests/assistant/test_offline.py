"""The offline provider over the eval set, and single answers agents rely on."""

from __future__ import annotations

import pytest

from ktcs_desktop.core.assistant import AssistContext, Intent, OfflineProvider, detect_intent
from ktcs_desktop.core.assistant.evaluation import evaluate_assistant
from ktcs_desktop.core.assistant.knowledge import find_plans
from ktcs_desktop.core.evaldata import ASSISTANT, load_jsonl


def load_eval() -> list[dict]:
    return load_jsonl(ASSISTANT)


def test_eval_set_is_large_and_covers_every_intent() -> None:
    rows = load_eval()
    assert len(rows) >= 250
    assert {row["intent"] for row in rows} == {intent.value for intent in Intent}
    assert all(row.get("category") for row in rows)
    assert len({row["category"] for row in rows}) >= 12


def test_intent_accuracy_and_complete_answers_per_category() -> None:
    result = evaluate_assistant()
    assert result["intent_accuracy"] >= 0.9, result["intent_accuracy"]
    assert result["facts_complete"] >= 0.95, result["failures"]
    weak = {cat: v["facts_complete"] for cat, v in result["by_category"].items() if v["facts_complete"] < 0.8}
    assert not weak, weak


def test_slim_14_answer_has_card_and_source() -> None:
    answer = OfflineProvider().answer("슬림 14기가 얼마예요?")
    assert answer.intent is Intent.PLAN_INFO
    assert "5G 슬림 14GB는 월 55,000원(선택약정 시 41,250원)" in answer.text
    assert "데이터 14GB(소진 후 최대 1Mbps)" in answer.text
    assert "출처: kt-5g-plans-2025.csv" in answer.text
    assert [card.name for card in answer.cards] == ["5G 슬림 14GB"]
    assert answer.cards[0].selective_fee == 41250 and answer.provider == "offline"


def test_streams_the_same_text_it_returns() -> None:
    tokens: list[str] = []
    answer = OfflineProvider().answer("초이스 베이직 가격", on_token=tokens.append)
    assert len(tokens) > 3 and "".join(tokens) == answer.text


def test_cancel_stops_streaming() -> None:
    tokens: list[str] = []
    OfflineProvider().answer("초이스 베이직 가격", on_token=tokens.append, cancel=lambda: len(tokens) >= 2)
    assert len(tokens) == 2


def test_caller_context_fills_in_the_current_plan(kim) -> None:
    answer = OfflineProvider().answer("제 요금제 얼마예요?", AssistContext(lookup=kim))
    assert "5G 베이직은 월 80,000원" in answer.text


def test_recommendation_uses_caller_usage(kim) -> None:
    answer = OfflineProvider().answer("요금제 추천해 주세요", AssistContext(lookup=kim))
    assert answer.intent is Intent.RECOMMENDATION and answer.cards
    assert "최근 3개월" in answer.text


@pytest.mark.parametrize(("text", "names"), [
    ("베이직이랑 스페셜 차이", ["5G 베이직", "5G 스페셜"]),
    ("슬림 14기가랑 슬림 21기가 비교", ["5G 슬림 14GB", "5G 슬림 21GB"]),
    ("시니어 에이형 가입 조건", ["5G 시니어 A형"]),
    ("오늘 날씨 어때요", []),
])
def test_find_plans(text: str, names: list[str]) -> None:
    assert [plan.name for plan in find_plans(text)] == names


def test_intent_of_greeting_and_other() -> None:
    assert detect_intent("안녕하세요") is Intent.GREETING
    assert detect_intent("") is Intent.OTHER


def test_recommendation_agrees_with_the_engine_and_honours_ott(seeded) -> None:
    from ktcs_desktop.core.recommend import CallNeeds, recommend_for

    jung = seeded.lookup.lookup("010-9999-8888")  # 정미영, 초이스 베이직 with 넷플릭스
    answer = OfflineProvider().answer("넷플릭스 보는데 요금제 추천해 주세요", AssistContext(lookup=jung))
    best = recommend_for(jung, CallNeeds(ott=("넷플릭스",))).options[0]
    first_line = answer.text.splitlines()[1]
    assert first_line.startswith(f"- {best.plan.name}:")
    if best.addons:  # the OTT comes as an add-on → its price is in the answer
        assert all(addon.name in first_line for addon in best.addons)
    else:  # or the plan itself includes it
        assert "넷플릭스" in " ".join(best.plan.benefits.choice_options)


def test_recommendation_without_a_caller_says_so() -> None:
    answer = OfflineProvider().answer("20기가 정도 쓰는데 요금제 추천해 주세요", AssistContext())
    assert "고객 미조회" in answer.text
    from ktcs_desktop.core.catalog import load_shipped_catalog

    plans = [load_shipped_catalog().get(card.plan_id) for card in answer.cards]
    assert plans and all(not (p.eligibility.min_age or p.eligibility.max_age or p.eligibility.foreigner_only
                              or p.eligibility.welfare_only) for p in plans)


def test_eligibility_answer_explains_the_exclusion(kim) -> None:
    answer = OfflineProvider().answer("시니어 베이직 가입 돼요?", AssistContext(lookup=kim))
    assert "가입 불가" in answer.text and "만 65세 이상만 가입할 수 있습니다 (고객 만 45세)" in answer.text
