"""The offline provider: intent rules + the catalog + rules.json (+ retrieval when present).

Answers are short Korean templates whose every figure is read from the catalog, with knowledge
cards and the source (`출처`). No network, no model: this is the default without an API key and
the fallback when the model is slow or failing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

from ktcs_desktop.core.assistant import knowledge
from ktcs_desktop.core.assistant.escalation import detect_escalation
from ktcs_desktop.core.assistant.intents import detect_intent
from ktcs_desktop.core.assistant.models import (
    AssistAnswer,
    AssistContext,
    CancelCheck,
    Citation,
    Intent,
    PlanCard,
    TokenCallback,
    Usage,
)
from ktcs_desktop.core.catalog import Plan, PlanCatalog, PlanFamily, default_catalog
from ktcs_desktop.core.formatting import josa, won
from ktcs_desktop.core.korean_numbers import normalize_korean_numbers
from ktcs_desktop.core.recommend import exclusion_reason, find_otts

if TYPE_CHECKING:
    from ktcs_desktop.core.config import Settings

RULES_SOURCE = "rules.json"
OFFLINE_LABEL = "오프라인 지식 기반"

_FAMILY_WORDS: dict[str, PlanFamily] = {
    "시니어": PlanFamily.SENIOR, "주니어": PlanFamily.JUNIOR, "틴": PlanFamily.Y_TEEN, "청소년": PlanFamily.Y_TEEN,
    "웰컴": PlanFamily.WELCOME, "외국인": PlanFamily.WELCOME, "복지": PlanFamily.WELFARE,
    "장애인": PlanFamily.WELFARE, "요고": PlanFamily.YOGO, "청년": PlanFamily.Y, "Y": PlanFamily.Y,
    "와이": PlanFamily.Y, "초이스": PlanFamily.CHOICE, "심플": PlanFamily.SIMPLE, "슬림": PlanFamily.SLIM,
}
_GB_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:기가|GB|gb|G\b|기가바이트)")
_WON_RE = re.compile(r"(\d[\d,]*)\s*(만\s*원|원)")
_AGE_RE = re.compile(r"(\d{1,3})\s*(?:세|살)")


def plan_card(plan: Plan, note: str = "") -> PlanCard:
    return PlanCard(plan.id, plan.name, plan.monthly_fee, plan.selective_fee, plan.data_label,
                    knowledge.plan_source(plan), note)


def _citation(plan: Plan) -> Citation:
    return Citation(plan.name, knowledge.plan_source(plan), plan.source.product_url)




def _plan_sentence(plan: Plan) -> str:
    selective = f"(선택약정 시 {won(plan.selective_fee)})" if plan.selective_fee is not None else "(선택약정 할인 없음)"
    data = f"데이터 {plan.data_label}" if plan.is_unlimited else f"데이터 {plan.data_gb:g}GB"
    if not plan.is_unlimited and plan.speed_after_cap_mbps:
        speed = plan.speed_after_cap_mbps
        data += f"(소진 후 최대 {speed:g}Mbps)" if speed >= 1 else f"(소진 후 최대 {speed * 1000:g}Kbps)"
    if plan.carryover:
        data += ", 남은 데이터 다음 달 이월"
    return f"{josa(plan.name, '은/는')} 월 {won(plan.monthly_fee)}{selective}, {data}, 음성 {plan.voice}입니다."


def _numbers(text: str) -> str:
    return normalize_korean_numbers(text, allow_bare_digit=True)


def _parse_gb(text: str) -> float | None:
    match = _GB_RE.search(_numbers(text))
    return float(match.group(1)) if match else None


def _parse_won(text: str) -> int | None:
    match = _WON_RE.search(_numbers(text))
    if not match:
        return None
    value = int(match.group(1).replace(",", ""))
    return value * 10_000 if "만" in match.group(2) else value


class OfflineProvider:
    """`AssistantProvider` that needs nothing but the shipped files."""

    name = "offline"
    label = OFFLINE_LABEL

    def __init__(self, catalog: PlanCatalog | None = None, settings: Settings | None = None,
                 *, stream_chunk: int = 6) -> None:
        self.catalog = catalog or default_catalog()
        self.settings = settings
        self.stream_chunk = stream_chunk
        self.session_usage = Usage()

    # -- AssistantProvider ---------------------------------------------------------------------
    def answer(self, question: str, context: AssistContext | None = None, *, on_token: TokenCallback | None = None,
               cancel: CancelCheck | None = None) -> AssistAnswer:
        context = context or AssistContext()
        intent = detect_intent(question)
        handler = getattr(self, f"_{intent.value}")
        text, plans, citations, notes = handler(question, context)
        cards = tuple(plan_card(plan, notes.get(plan.id, "")) for plan in plans)
        sources = list(dict.fromkeys(c.source for c in citations))
        if sources:
            text = f"{text}\n출처: {', '.join(sources)}"
        if on_token is not None:
            for start in range(0, len(text), self.stream_chunk):
                if cancel is not None and cancel():
                    break
                on_token(text[start : start + self.stream_chunk])
        return AssistAnswer(text, cards, tuple(citations), intent, self.name, Usage())

    # -- helpers -------------------------------------------------------------------------------
    def _plans_in(self, question: str, context: AssistContext, *, current_if_none: bool = True) -> list[Plan]:
        plans = knowledge.find_plans(question, self.catalog)
        if not plans:
            family = self._family_in(question)
            if family is not None:
                return list(self.catalog.by_family(family))
        if not plans and current_if_none and context.lookup is not None:
            current = self.catalog.by_name(context.lookup.profile.current_plan)
            if current is not None:
                plans = [current]
        return plans

    def _family_in(self, question: str) -> PlanFamily | None:
        for word, family in _FAMILY_WORDS.items():
            if word in question:
                return family
        return None

    @staticmethod
    def _cites(plans: Iterable[Plan]) -> list[Citation]:
        return [_citation(plan) for plan in plans]

    def _rules_cite(self, topic: str) -> Citation:
        return Citation(topic, RULES_SOURCE)

    # -- one handler per intent: (text, plans for cards, citations, notes per plan id) ---------
    def _plan_info(self, question: str, context: AssistContext):
        plans = self._plans_in(question, context)
        if not plans:
            return self._other(question, context)
        if len(plans) > 3 and not knowledge.find_plans(question, self.catalog):
            lines = [f"- {p.name}: 월 {won(p.monthly_fee)}, {p.data_label}" for p in plans]
            return (f"{plans[0].family.value} 요금제는 {len(plans)}종입니다.\n" + "\n".join(lines),
                    plans[:3], self._cites(plans[:3]), {})
        plan = plans[0]
        text = _plan_sentence(plan)
        if plan.uncertain:
            text += f" (확인 필요: {plan.uncertain_notes[0]})"
        return text, [plan], self._cites([plan]), {}

    def _eligibility(self, question: str, context: AssistContext):
        rules = self.catalog.rules
        plans = self._plans_in(question, context, current_if_none=False)
        age_match = _AGE_RE.search(_numbers(question))
        if age_match and not knowledge.find_plans(question, self.catalog):
            age = int(age_match.group(1))
            family = self._family_in(question)
            pool = self.catalog.by_family(family) if family else self.catalog.all()
            ok = [p for p in pool if p.eligibility.allows(age, is_foreigner="외국인" in question,
                                                           is_welfare="장애인" in question or "복지" in question)]
            special = [p for p in ok if p.eligibility.min_age is not None or p.eligibility.max_age is not None]
            shown = (special or ok)[:3]
            if family and not ok:
                limits = rules.eligibility_notes.get(family.value, "") if rules else ""
                return (f"만 {age}세는 {family.value} 요금제에 가입할 수 없습니다 (가입 조건: {limits}).",
                        [], [self._rules_cite("가입 조건")], {})
            names = ", ".join(p.name for p in shown)
            return (f"만 {age}세 고객은 {names} 등 {len(ok)}개 요금제에 가입할 수 있습니다.",
                    shown, self._cites(shown), {})
        if plans:
            plan = plans[0]
            family_note = rules.eligibility_notes.get(plan.family.value) if rules else None
            text = f"{plan.name} 가입 조건: {plan.eligibility.label} (대상: {plan.target})."
            if family_note:
                text += f" {plan.family.value} 요금제 기준: {family_note}."
            if context.lookup is not None:
                lk = context.lookup
                reason = exclusion_reason(plan, lk.profile, date.today())
                text += f" 현재 고객(만 {lk.age}세)은 가입 가능합니다." if reason is None else f" 가입 불가: {reason}"
            return text, [plan], self._cites([plan]), {}
        notes = rules.eligibility_notes if rules else {}
        lines = "\n".join(f"- {family}: {note}" for family, note in notes.items())
        return f"연령·대상 제한이 있는 요금제 가입 조건입니다.\n{lines}", [], [self._rules_cite("가입 조건")], {}

    def _comparison(self, question: str, context: AssistContext):
        plans = knowledge.find_plans(question, self.catalog)
        if len(plans) < 2 and context.lookup is not None:
            current = self.catalog.by_name(context.lookup.profile.current_plan)
            if current is not None and current not in plans:
                plans = [current, *plans]
        if len(plans) < 2:
            return self._plan_info(question, context)
        a, b = plans[:2]
        diff = b.monthly_fee - a.monthly_fee
        direction = f"{josa(b.name, '이/가')} 월 {won(abs(diff))} {'비쌉니다' if diff > 0 else '저렴합니다'}" if diff else "월정액이 같습니다"
        text = (f"{a.name}: 월 {won(a.monthly_fee)}, 데이터 {a.data_label}\n"
                f"{b.name}: 월 {won(b.monthly_fee)}, 데이터 {b.data_label}\n"
                f"→ {direction}.")
        if a.selective_fee is not None and b.selective_fee is not None:
            text += f" 선택약정 시 {won(a.selective_fee)} vs {won(b.selective_fee)}."
        return text, [a, b], self._cites([a, b]), {}

    def _recommendation(self, question: str, context: AssistContext):
        gb = _parse_gb(question)
        budget = _parse_won(question)
        wants_unlimited = "무제한" in question
        options = knowledge.recommend(context.lookup, budget=budget, min_data_gb=gb, wants_unlimited=wants_unlimited,
                                      ott=find_otts(question), roaming="로밍" in question,
                                      family_sharing="가족" in question, catalog=self.catalog)
        if not options:
            return "조건에 맞는 요금제를 찾지 못했습니다. 데이터 사용량이나 예산을 알려 주세요.", [], [], {}
        basis = []
        if gb is not None:
            basis.append(f"월 {gb:g}GB")
        elif context.lookup is not None:
            basis.append(f"최근 3개월 사용량(필요 {context.lookup.usage.typical_data_need_gb:g}GB)")
        if budget is not None:
            basis.append(f"예산 {won(budget)}")

        lines = []
        notes = {}
        for option in options:
            plan = option.plan
            fee = f"월 {won(plan.monthly_fee)}"
            if option.effective_fee != plan.monthly_fee:
                fee += f"(선택약정 {won(option.effective_fee)})"
            if option.addons:
                fee += " + " + ", ".join(f"{a.name} {won(a.price)}" for a in option.addons)
            reason = ", ".join(option.reasons)
            lines.append(f"- {plan.name}: {fee}, 데이터 {plan.data_label}" + (f" — {reason}" if reason else ""))
            notes[plan.id] = reason
        if basis:
            head = f"{' · '.join(basis)} 기준 추천 요금제입니다."
            if context.lookup is None:
                head += "\n" + knowledge.GENERAL_CALLER_NOTE
        else:  # no caller on screen and nothing stated: be plain about what this list is
            head = ("고객 미조회: 사용량을 알 수 없어 가입 제한이 없는 일반 요금제를 저렴한 순으로 보여 드립니다. "
                    "고객을 조회하면 사용량에 맞춰 추천합니다.")
        plans = [o.plan for o in options]
        return head + "\n" + "\n".join(lines), plans, self._cites(plans), notes

    def _selective_discount(self, question: str, context: AssistContext):
        rule = self.catalog.rules.selective_discount if self.catalog.rules else None
        rate = rule.rate_percent if rule else 25
        terms = "/".join(str(m) for m in rule.terms_months) if rule else "12/24"
        text = f"선택약정은 월정액의 {rate}%를 할인받는 제도로, {terms}개월 약정입니다."
        plans = self._plans_in(question, context)[:1]
        if plans:
            plan = plans[0]
            if plan.selective_fee is not None:
                text += (f" {josa(plan.name, '은/는')} 월 {won(plan.monthly_fee)} → 선택약정 시 {won(plan.selective_fee)}"
                         f"(월 {won(plan.monthly_fee - plan.selective_fee)} 할인)입니다.")
            else:
                text += f" 단, {josa(plan.name, '은/는')} 선택약정 할인 대상이 아닙니다."
        elif rule:
            ex = rule.example
            text += f" 예: {ex['plan']} 월 {won(int(ex['monthly_fee']))} → {won(int(ex['selective_fee']))}."
        if rule:
            text += f" 적용 대상: {rule.applies_to}."
        return text, plans, [*self._cites(plans), self._rules_cite("선택약정")], {}

    def _carryover(self, question: str, context: AssistContext):
        rule = self.catalog.rules.carryover if self.catalog.rules else None
        text = "데이터 이월은 5G 슬림(이월) 요금제에서 됩니다."
        if rule:
            text += f" {rule.description}."
        plans = [p for p in knowledge.find_plans(question, self.catalog) if p.carryover]
        if not plans:
            plans = list(self.catalog.by_family(PlanFamily.SLIM_CARRYOVER))
            gb = _parse_gb(question)
            if gb is not None:
                plans = [p for p in plans if (p.data_gb or 0) >= gb] or plans
                plans.sort(key=lambda p: p.monthly_fee)
        shown = plans[:3]
        if shown:
            text += " " + ", ".join(f"{p.name} 월 {won(p.monthly_fee)}" for p in shown) + "."
        return text, shown, [*self._cites(shown), self._rules_cite("이월")], {}

    def _plan_change(self, question: str, context: AssistContext):
        rules = self.catalog.rules
        if rules is None:
            return self._other(question, context)
        change = rules.plan_change
        text = (f"요금제 변경은 {change.effective}되며, {change.proration}됩니다. "
                f"변경 채널: {', '.join(change.channels)}.")
        plans = knowledge.find_plans(question, self.catalog)[:1]
        current = self.catalog.by_name(context.lookup.profile.current_plan) if context.lookup else None
        if current is not None and current.carryover or "이월" in question:
            text += " 이월 데이터는 요금제를 바꾸면 소멸됩니다."
        if plans:
            text += " " + _plan_sentence(plans[0])
        return text, plans, [*self._cites(plans), self._rules_cite("요금제 변경")], {}

    def _bundle_discount(self, question: str, context: AssistContext):
        rules = self.catalog.rules
        if rules is None:
            return self._other(question, context)
        bundle = rules.bundle_discount
        total = _parse_won(question)
        tiers = ", ".join(f"{won(t.min_total)} 이상 {won(t.discount)}" for t in bundle.tiers if t.discount)
        text = f"{bundle.description}입니다. 구간: {tiers}."
        if total is not None:
            text = f"가족 월정액 합계 {won(total)}이면 총액결합할인은 월 {won(bundle.discount_for(total))}입니다. " + text
        if bundle.uncertain and bundle.uncertain_notes:
            text += f" (확인 필요: {bundle.uncertain_notes[0]})"
        return text, [], [self._rules_cite("총액결합할인")], {}

    def _roaming(self, question: str, context: AssistContext):
        plans = self._plans_in(question, context)[:1]
        if plans and plans[0].roaming:
            plan = plans[0]
            return (f"{josa(plan.name, '은/는')} 해외 로밍 데이터 {josa(plan.roaming, '이/가')} 포함됩니다.", [plan], self._cites([plan]), {})
        with_roaming = [p for p in self.catalog.all() if p.roaming and p.channel.value == "retail"
                        and not p.eligibility.welfare_only]
        if context.lookup is not None:
            allowed = set(knowledge.eligible_plans(context.lookup, self.catalog))
            with_roaming = [p for p in with_roaming if p in allowed] or with_roaming
        else:
            with_roaming = [p for p in with_roaming if p.eligibility.label == "제한 없음"] or with_roaming
        with_roaming.sort(key=lambda p: p.monthly_fee)
        shown = with_roaming[:3]
        prefix = f"{plans[0].name}에는 로밍 데이터 혜택이 없습니다. " if plans else ""
        text = prefix + "로밍 데이터가 포함된 요금제: " + ", ".join(
            f"{p.name}(월 {won(p.monthly_fee)}, {p.roaming})" for p in shown) + "."
        return text, shown, self._cites(shown), {}

    def _escalation(self, question: str, context: AssistContext):
        esc = detect_escalation(question)
        if esc is None:
            return "상급자 연결이나 이관이 필요한 상황인지 확인해 주세요.", [], [], {}
        return (f"{esc.label}입니다. {esc.suggested_transfer}(으)로 이관을 권장합니다. "
                f"이관 전 고객께 사유와 대기 시간을 안내하고 이관 기록을 남겨 주세요.", [], [], {})

    def _greeting(self, question: str, context: AssistContext):
        return ("안녕하세요, 고객님. KT 고객센터입니다. 무엇을 도와드릴까요? "
                "(본인 확인 후 요금제·데이터·할인 문의를 안내하세요.)", [], [], {})

    def _other(self, question: str, context: AssistContext):
        hits = knowledge.search(question, settings=self.settings, k=3, lookup=context.lookup, catalog=self.catalog)
        plans = [self.catalog.find(h.plan_id) for h in hits if h.plan_id]
        plans = [p for p in plans if p is not None][:3]
        if hits:
            top = hits[0]
            citations = [Citation(h.title, h.source) for h in hits]
            return f"관련 정보: {top.text}", plans, citations, {}
        return ("질문과 관련된 요금제 정보를 찾지 못했습니다. 요금제 이름이나 궁금한 내용(요금, 데이터, 할인)을 "
                "구체적으로 입력해 주세요."), [], [], {}


_ = Intent  # re-exported for handlers' type hints
