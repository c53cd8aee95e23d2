"""Rule-based intent detection for Korean agent/caller questions (the offline provider's router)."""

from __future__ import annotations

import re

from ktcs_desktop.core.assistant.escalation import detect_escalation
from ktcs_desktop.core.assistant.models import Intent

# Checked in order; the first that matches wins (more specific topics first).
_PATTERNS: tuple[tuple[Intent, re.Pattern[str]], ...] = (
    (Intent.ROAMING, re.compile(r"로밍|해외|외국\s*(여행|나가|출장|에서)|출국|여행\s*가")),
    (Intent.BUNDLE_DISCOUNT, re.compile(r"가족\s*결합|총액\s*결합|결합\s*할인|가족\s*(할인|끼리|묶)|결합하면|인터넷\s*결합")),
    (Intent.CARRYOVER, re.compile(r"이월|남은\s*데이터|남는\s*데이터|데이터가?\s*남")),
    (Intent.SELECTIVE_DISCOUNT, re.compile(r"선택\s*약정|약정\s*할인|25\s*%|25\s*퍼센트|약정하면|약정\s*(걸|하)")),
    (Intent.COMPARISON, re.compile(r"비교|차이|\bvs\b|어느\s*(게|쪽|것)|뭐가\s*더|중에\s*(뭐|어느)|다른\s*점")),
    # "How do I change?" is the change process; "what would it cost if I change?" is a recommendation.
    (Intent.PLAN_CHANGE, re.compile(
        r"변경\s*(절차|방법|하려면|신청|가능)|변경\s*(은|는)?\s*어떻게|바꾸(려면|는\s*방법)|바꿀\s*수|"
        r"어떻게\s*(바꾸|바꿔|변경)|"
        r"언제부터\s*적용|일할|갈아타(려면|는\s*방법)|바꿔\s*(주|줘)|전환\s*(방법|하려면)")),
    (Intent.RECOMMENDATION, re.compile(
        r"추천|뭐가\s*좋|어떤\s*(게|요금제가?)\s*(좋|나|맞)|맞는\s*요금제|골라|저렴한\s*(요금제|거)|싼\s*(요금제|거)|"
        r"데이터.{0,8}(부족|모자)|요금\s*(을|를)?\s*(좀\s*)?(줄이|아끼|낮추)|더\s*싼|절약|"
        r"요금이?.{0,8}(많이|너무)\s*(나와|비싸)|너무\s*비싸|"
        r"(넷플릭스|티빙|유튜브|디즈니).{0,12}(요금제|되는|포함)|무제한.{0,10}(뭐|어떤|있어|없어)")),
    (Intent.ELIGIBILITY, re.compile(
        r"가입\s*(가능|조건|대상|할\s*수|자격|돼|되나|되요|돼요)|나이|몇\s*살|세\s*(이상|이하)|누가\s*가입|자격|"
        r"외국인도|장애인|복지\s*대상|만\s*\d+\s*세|\d+\s*세")),
    (Intent.PLAN_INFO, re.compile(
        r"얼마|요금|월정액|가격|기본료|데이터|기가|속도|통화|문자|혜택|테더링|핫스팟|몇\s*GB|GB")),
    (Intent.GREETING, re.compile(r"^\s*(안녕|여보세요|감사합니다|고맙습니다|수고하세요|네\s*안녕)")),
)


# "I want to change (to X)" / "what if I change (to X)?": which answer helps depends on whether a
# plan is named and whether the price is asked.
_CHANGE_WISH = re.compile(r"(바꾸|변경하|갈아타)(면|고\s*싶|려고|려구|고\s*싶은데)|바꿀까")
_PRICE_ASKED = re.compile(r"얼마|가격|요금이?\s*어떻게")


def detect_intent(question: str) -> Intent:
    """The intent of one question or caller utterance."""
    from ktcs_desktop.core.assistant.knowledge import find_plans

    text = question.strip()
    if not text:
        return Intent.OTHER
    if detect_escalation(text) is not None:
        return Intent.ESCALATION
    for intent, pattern in _PATTERNS:
        if intent is Intent.RECOMMENDATION and _CHANGE_WISH.search(text):
            named = bool(find_plans(text))
            if named:  # "슬림 14기가로 바꾸면 얼마예요?" → that plan; "…로 바꾸고 싶어요" → how to change
                return Intent.PLAN_INFO if _PRICE_ASKED.search(text) else Intent.PLAN_CHANGE
            return Intent.RECOMMENDATION  # "무제한으로 바꾸면 얼마예요?" → which plans, at what price
        if pattern.search(text):
            return intent
    return Intent.PLAN_INFO if find_plans(text) else Intent.OTHER
