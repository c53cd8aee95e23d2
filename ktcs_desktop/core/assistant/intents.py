"""Rule-based intent detection for Korean agent/caller questions (the offline provider's router).

What is asked (the intent) is decided on top of what is mentioned (`entities.extract_entities`):
an add-on named with a price word is an add-on question, two plans and a comparison word a
comparison, and ages/amounts never count as plan names.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ktcs_desktop.core.assistant.escalation import detect_escalation
from ktcs_desktop.core.assistant.models import Intent

if TYPE_CHECKING:
    from ktcs_desktop.core.assistant.entities import Entities
    from ktcs_desktop.core.catalog import PlanCatalog

_ADDON_CUE = re.compile(r"부가\s*서비스|OTT|ott|구독|(고를|골라|선택할)\s*수\s*있는\s*(혜택|것|거)|택\s*1|혜택\s*(뭐|어떤)")
_INCLUDE_CUE = re.compile(r"포함|주는|줘요|들어\s*있|들어가|들어간|무료|공짜|볼\s*수|되는|돼요|추가|붙이|같이|더하|합치|합계|총|얼마"
                          r"|가격|요금|할인가|정가|몇\s*명|화질|동시|추가\s*요금|쓰면서|보면")
_CHANNEL_CUE = re.compile(r"(매장|대리점|전화|온라인|어디서|앱|114|상담원님?이|다이렉트).{0,12}(가입|변경|바꾸|바꿀|바꿔|돼|되나|할\s*수)"
                          r"|(가입|변경)\s*(방법|하는\s*방법|어디)|어디서\s*(해|하|가입|변경|바꿔)|바로\s*적용")

# Checked in order; the first that matches wins (more specific topics first).
_PATTERNS: tuple[tuple[Intent, re.Pattern[str]], ...] = (
    (Intent.ROAMING, re.compile(r"로밍|해외|외국\s*(여행|나가|출장|에서)|출국|여행\s*가")),
    (Intent.BUNDLE_DISCOUNT, re.compile(r"가족\s*결합|총액\s*결합|결합\s*할인|가족\s*(할인|끼리|묶)|결합하면|인터넷\s*결합"
                                        r"|(합계|합이|합쳐서)\s*.{0,10}(할인|빠져)")),
    (Intent.CARRYOVER, re.compile(r"이월|남은\s*데이터|남는\s*데이터|데이터가?\s*남")),
    (Intent.SELECTIVE_DISCOUNT, re.compile(r"선택\s*약정|약정\s*할인|25\s*%|25\s*퍼센트|약정하면|약정\s*(걸|하)"
                                           r"|약정.{0,6}(해지|위약금|반환금|중간에|끝나)|위약금|할인\s*반환금")),
    (Intent.COMPARISON, re.compile(r"비교|차이|\bvs\b|어느\s*(게|쪽|것)|뭐가\s*더|중에\s*(뭐|어느)|다른\s*점|뭐가\s*(달라|다른|다르)")),
    # "How do I change?" is the change process; "what would it cost if I change?" is a recommendation.
    (Intent.PLAN_CHANGE, re.compile(
        r"변경\s*(절차|방법|하려면|신청|가능)|변경\s*(은|는)?\s*어떻게|바꾸(려면|는\s*방법)|바꿀\s*수|"
        r"어떻게\s*(바꾸|바꿔|변경)|요금제\s*변경\s*어디|변경방법|"
        r"언제부터\s*적용|일할|바꾸면\s*(이번\s*달|그\s*달)|이번\s*달\s*요금|갈아타(려면|는\s*방법)|바꿔\s*(주|줘)|전환\s*(방법|하려면)|바꿀게|바꿀께|변경할게")),
    (Intent.RECOMMENDATION, re.compile(
        r"추천|뭐가\s*좋|어떤\s*(게|요금제가?)\s*(좋|나|맞)|맞는\s*요금제|골라|저렴한\s*(요금제|거|게)|싼\s*(요금제|거|게)|"
        r"데이터.{0,8}(부족|모자)|요금\s*(을|를|만|도)?\s*(좀\s*)?(줄이|아끼|낮추)|더\s*싼|절약|"
        r"요금이?.{0,8}(많이|너무)\s*(나와|비싸)|너무\s*비싸|제일\s*저렴|가장\s*저렴|최저|"
        r"무제한.{0,10}(뭐|어떤|있어|없어|되는|요금제)|데이터\s*많은")),
    (Intent.ELIGIBILITY, re.compile(
        r"가입\s*(가능|조건|대상|할\s*수|자격|돼|되나|되요|돼요)|나이|몇\s*살|세\s*(이상|이하)|누가\s*가입|자격|"
        r"외국인도|장애인|복지\s*대상|만\s*\d+\s*세|\d+\s*세|\d+\s*살|[가-힣]+\s*살|Y덤|와이덤|되나요\s*이\s*분|"
        r"(가입|변경)\s*(가능해요|되나요|돼요)|가능해요\s*\??$")),
    (Intent.PLAN_INFO, re.compile(
        r"얼마|요금|월정액|가격|기본료|데이터|기가|속도|통화|문자|혜택|테더링|핫스팟|몇\s*GB|GB")),
    (Intent.GREETING, re.compile(r"^\s*(안녕|여보세요|감사합니다|고맙습니다|수고하세요|네\s*안녕)")),
)


# "I want to change (to X)" / "what if I change (to X)?": which answer helps depends on whether a
# plan is named and whether the price is asked.
_ASKS_ADVICE = re.compile(r"추천|골라|맞는\s*요금제|뭐가\s*좋|어떤\s*(게|요금제가?)\s*(좋|나|맞)")
_CHANGE_WISH = re.compile(r"(바꾸|변경하|갈아타)(면|고\s*싶|려고|려구|고\s*싶은데)|바꿀까")
_PRICE_ASKED = re.compile(r"얼마|가격|요금이?\s*어떻게")


def detect_intent(question: str, entities: Entities | None = None, catalog: PlanCatalog | None = None) -> Intent:
    """The intent of one question or caller utterance."""
    from ktcs_desktop.core.assistant.entities import extract_entities
    from ktcs_desktop.core.catalog.addons import without_addon_names as _without_addon_names

    text = question.strip()
    if not text:
        return Intent.OTHER
    if detect_escalation(text) is not None:
        return Intent.ESCALATION
    ent = entities if entities is not None else extract_entities(text, catalog)
    if re.match(r"^\s*(안녕|여보세요|감사합니다|고맙습니다|수고하세요|네\s*안녕)", text):
        return Intent.GREETING
    topic = _without_addon_names(text)  # "국내해외매거진" is not about 해외 로밍
    comparison = dict(_PATTERNS)[Intent.COMPARISON]
    if len(ent.plans) >= 2 and comparison.search(topic):
        return Intent.COMPARISON
    for intent, pattern in _PATTERNS:
        if intent is Intent.COMPARISON and ent.brands and len(ent.plans) < 2 and pattern.search(topic):
            return Intent.ADDON  # "초이스랑 넷플릭스 부가서비스 뭐가 나아요"
        if intent is Intent.SELECTIVE_DISCOUNT and ent.brands and pattern.search(topic) and _INCLUDE_CUE.search(text):
            return Intent.ADDON  # "슬림 10기가 선택약정에 넷플릭스 더하면"
        if intent is Intent.PLAN_CHANGE:
            if pattern.search(text) and _is_addon_question(text, ent) and not _CHANGE_WISH.search(text):
                return Intent.ADDON
            if _CHANNEL_CUE.search(text) and not ent.cheapest:
                return Intent.PLAN_CHANGE
        if intent is Intent.RECOMMENDATION and ent.amounts and not ent.plans and not ent.brands:
            return Intent.RECOMMENDATION  # "3만원대 요금제 있어요?"
        if intent is Intent.RECOMMENDATION and _CHANGE_WISH.search(text):
            if ent.plans or (ent.families and not ent.unlimited):  # "슬림 14기가로 바꾸면 얼마예요?" → that plan; "…로 바꾸고 싶어요" → how to change
                return Intent.PLAN_INFO if _PRICE_ASKED.search(text) else Intent.PLAN_CHANGE
            return Intent.RECOMMENDATION  # "무제한으로 바꾸면 얼마예요?" → which plans, at what price
        if pattern.search(topic):
            if (intent is Intent.RECOMMENDATION and _is_addon_question(text, ent) and not _CHANGE_WISH.search(text)
                    and not _ASKS_ADVICE.search(text)):
                return Intent.ADDON
            if intent is Intent.ELIGIBILITY and _is_addon_question(text, ent):
                return Intent.ADDON
            if intent is Intent.PLAN_INFO and _is_addon_question(text, ent):
                return Intent.ADDON
            return intent
    if _is_addon_question(text, ent):
        return Intent.ADDON
    return Intent.PLAN_INFO if ent.plans else Intent.OTHER


def _is_addon_question(text: str, ent: Entities) -> bool:
    if ent.brands and ent.plans:
        return True  # a plan and an add-on: the total, or whether the plan includes it
    if ent.brands:
        return bool(_INCLUDE_CUE.search(text) or _ADDON_CUE.search(text) or not ent.plans)
    return bool(_ADDON_CUE.search(text))
