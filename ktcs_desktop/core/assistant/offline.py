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
from ktcs_desktop.core.assistant.entities import Entities, extract_entities
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
from ktcs_desktop.core.catalog import AddOn, Channel, Plan, PlanCatalog, PlanFamily, given
from ktcs_desktop.core.catalog.addons import plans_including
from ktcs_desktop.core.formatting import josa, won
from ktcs_desktop.core.korean_numbers import normalize_korean_numbers
from ktcs_desktop.core.recommend import current_plan_fee, exclusion_reason, find_otts

if TYPE_CHECKING:
    from ktcs_desktop.core.assistant.knowledge import KnowledgeSource
    from ktcs_desktop.core.config import Settings

RULES_SOURCE = "rules.json"
ADDONS_SOURCE = "addons.json"
OFFLINE_LABEL = "오프라인 지식 기반"
NO_EVIDENCE = "근거를 찾지 못했습니다"
ONLINE_ONLY = ("요고는 온라인 다이렉트 전용 요금제로 KT닷컴·마이케이티 앱에서 고객이 직접 가입·변경하며, "
               "매장·대리점이나 전화(114·고객센터)로는 가입할 수 없습니다. 약정이 없고 선택약정 할인 없음")
_CURRENT_RE = re.compile(r"제\s*요금제|지금\s*(쓰는|요금제)|현재\s*(요금제|쓰는)|쓰고\s*있는|이\s*고객|이\s*분|고객님?\s*요금제")
_INCLUDE_RE = re.compile(r"포함|주는|줘요|들어\s*있|들어가|들어간|무료|공짜|볼\s*수|되는|고를|골라|혜택|택\s*1|OTT|추가\s*요금")
_TOTAL_RE = re.compile(r"추가|붙이|같이|더하|합치|합계|합쳐|총|쓰면서|보면|하면|에\s")
_WAIVER_RE = re.compile(r"위약금|반환금")
_YDOM_RE = re.compile(r"Y덤|와이덤|y덤")

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
                 *, stream_chunk: int = 6, knowledge: KnowledgeSource | None = None) -> None:
        self.catalog = given(catalog, "OfflineProvider")
        self.settings = settings
        self.knowledge = knowledge
        self.stream_chunk = stream_chunk
        self.session_usage = Usage()

    # -- AssistantProvider ---------------------------------------------------------------------
    def answer(self, question: str, context: AssistContext | None = None, *, on_token: TokenCallback | None = None,
               cancel: CancelCheck | None = None) -> AssistAnswer:
        context = context or AssistContext()
        entities = extract_entities(question, self.catalog)
        self._entities = entities
        intent = detect_intent(question, entities)
        handler = getattr(self, f"_{intent.value}")
        if intent is Intent.ADDON and entities.cheapest and "요금제" not in question and not entities.plans:
            pass  # "티빙 제일 싼 거": the cheapest add-on, listed cheapest first by `_addon`
        elif entities.cheapest and intent in (Intent.RECOMMENDATION, Intent.CARRYOVER, Intent.ROAMING, Intent.ADDON,
                                            Intent.PLAN_INFO, Intent.SELECTIVE_DISCOUNT, Intent.COMPARISON):
            handler = self._cheapest
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
    def _ent(self, question: str) -> Entities:
        ent = getattr(self, "_entities", None)
        if ent is None or ent.text != question:
            ent = extract_entities(question, self.catalog)
        return ent

    def _named(self, question: str) -> list[Plan]:
        """Plans the question names, ages/amounts/add-on names left out."""
        return list(self._ent(question).plans)

    def _plans_in(self, question: str, context: AssistContext, *, current_if_none: bool = True) -> list[Plan]:
        plans = self._named(question)
        if not plans and self._ent(question).unknown_plan:
            return []
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
        families = self._ent(question).families
        if families:
            return families[0]
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
        ent = self._ent(question)
        if ent.unknown_plan and not ent.plans:
            return self._no_plan(ent.unknown_plan, question)
        plans = self._plans_in(question, context)
        if not plans:
            return self._other(question, context)
        if len(plans) > 3 and not ent.plans:
            lines = [f"- {p.name}: 월 {won(p.monthly_fee)}, {p.data_label}" for p in plans]
            return (f"{plans[0].family.value} 요금제는 {len(plans)}종입니다.\n" + "\n".join(lines),
                    plans[:3], self._cites(plans[:3]), {})
        plan = plans[0]
        text = _plan_sentence(plan)
        if plan.uncertain:
            text += f" (확인 필요: {plan.uncertain_notes[0]})"
        if plan.channel is Channel.ONLINE and (ent.in_store or "가입" in question or "바꾸" in question):
            text += f" {ONLINE_ONLY}."
        verdict = self._verdict(plan, context) if ent.plans else ""
        if verdict:
            text = f"{verdict}\n{text}"
        return text, [plan], self._cites([plan]), {}

    def _eligibility(self, question: str, context: AssistContext):
        rules = self.catalog.rules
        ent = self._ent(question)
        if _YDOM_RE.search(question) and rules is not None:
            yd = rules.y_dom
            return (f"Y덤: 만 {yd.max_age}세 이하 고객은 데이터 제공 요금제에서 {yd.capped_plans}, "
                    f"무제한 요금제에서 {yd.unlimited_plans}를 받습니다 (신청 필요).", [], [self._rules_cite("Y덤")], {})
        plans = list(ent.plans)
        family = self._family_in(question)
        if ent.age is not None:
            age = ent.age
            is_foreigner = "외국인" in question
            is_welfare = "장애인" in question or "복지" in question
            pool = plans or (list(self.catalog.by_family(family)) if family else [])
            if pool:
                ok = [p for p in pool if p.eligibility.allows(age, is_foreigner=is_foreigner, is_welfare=is_welfare)]
                if not ok:
                    limits = "; ".join(dict.fromkeys(f"{p.name} {p.eligibility.label}" for p in pool[:3]))
                    return (f"만 {age}세는 {', '.join(dict.fromkeys(p.name for p in pool[:3]))}에 가입할 수 없습니다 "
                            f"(가입 조건: {limits}).", pool[:1], self._cites(pool[:1]), {})
                shown = ok[:3]
                names = ", ".join(p.name for p in shown)
                conds = "; ".join(dict.fromkeys(f"{p.name} {p.eligibility.label}" for p in shown))
                return (f"만 {age}세는 {names}에 가입할 수 있습니다 (가입 조건: {conds}).", shown, self._cites(shown), {})
            ok = [p for p in self.catalog.all() if p.eligibility.allows(age, is_foreigner=is_foreigner,
                                                                          is_welfare=is_welfare)]
            special = [p for p in ok if p.eligibility.min_age is not None or p.eligibility.max_age is not None]
            shown = (special or ok)[:3]
            names = ", ".join(p.name for p in shown)
            conds = "; ".join(dict.fromkeys(f"{p.family.value} {p.eligibility.label}" for p in shown))
            return (f"만 {age}세 고객은 {names} 등 {len(ok)}개 요금제에 가입할 수 있습니다 (가입 조건: {conds}).",
                    shown, self._cites(shown), {})
        if not plans and family is not None:
            plans = list(self.catalog.by_family(family))[:1]
        if plans:
            plan = plans[0]
            family_note = rules.eligibility_notes.get(plan.family.value) if rules else None
            text = f"{plan.name} 가입 조건: {plan.eligibility.label} (대상: {plan.target})."
            if family_note:
                text += f" {plan.family.value} 요금제 기준: {family_note}."
            if plan.channel is Channel.ONLINE:
                text += f" {ONLINE_ONLY}."
            verdict = self._verdict(plan, context)
            if verdict:
                text = f"{verdict}\n{text}"
            return text, [plan], self._cites([plan]), {}
        notes = rules.eligibility_notes if rules else {}
        lines = "\n".join(f"- {family}: {note}" for family, note in notes.items())
        return f"연령·대상 제한이 있는 요금제 가입 조건입니다.\n{lines}", [], [self._rules_cite("가입 조건")], {}

    def _comparison(self, question: str, context: AssistContext):
        plans = self._named(question)
        if len(plans) < 2 and context.lookup is not None:
            current = self.catalog.by_name(context.lookup.profile.current_plan)
            if current is not None and current not in plans:
                plans = [current, *plans]
        if len(plans) < 2:
            return self._plan_info(question, context)
        shown = plans[:3]
        lines = []
        for plan in shown:
            selective = f"(선택약정 {won(plan.selective_fee)})" if plan.selective_fee is not None else "(선택약정 없음)"
            extra = []
            if plan.carryover:
                extra.append("남은 데이터 이월")
            if plan.benefits.choice_options:
                extra.append("OTT 등 택1 포함")
            if plan.roaming:
                extra.append(f"로밍 {plan.roaming}")
            if plan.channel is Channel.ONLINE:
                extra.append("온라인 전용")
            if plan.eligibility.label != "제한 없음":
                extra.append(plan.eligibility.label)
            tail = f", {', '.join(extra)}" if extra else ""
            lines.append(f"- {plan.name}: 월 {won(plan.monthly_fee)}{selective}, 데이터 {plan.data_label}{tail}")
        a, b = shown[0], shown[1]
        diff = b.monthly_fee - a.monthly_fee
        direction = (f"{josa(b.name, '이/가')} {a.name}보다 월 {won(abs(diff))} "
                     f"{'비쌉니다' if diff > 0 else '저렴합니다'}") if diff else "월정액이 같습니다"
        text = "\n".join(lines) + f"\n→ {direction}."
        verdicts = [v for v in (self._verdict(p, context) for p in shown) if v and "불가" in v]
        if verdicts:
            text += "\n" + "\n".join(verdicts)
        return text, shown, self._cites(shown), {}

    def _recommendation(self, question: str, context: AssistContext):
        ent = self._ent(question)
        gb = ent.gbs[0] if ent.gbs else None
        budget = ent.budget
        wants_unlimited = ent.unlimited
        if ent.amount_ranges or (budget is not None and ent.most_data) or (ent.budget and not ent.unlimited and not gb
                                                                           and context.lookup is None):
            return self._in_price_range(ent, context)
        options = knowledge.recommend(context.lookup, budget=budget, min_data_gb=gb, wants_unlimited=wants_unlimited,
                                      ott=find_otts(question), roaming="로밍" in question,
                                      family_sharing="가족" in question, catalog=self.catalog, age=ent.age)
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

    def _in_price_range(self, ent: Entities, context: AssistContext):
        """Plans within a stated price ("3만원대", "4만원 이하"), the most data first when asked."""
        pool = self._pool(context, ent)
        if ent.amount_ranges:
            low, high = ent.amount_ranges[0]
            pool = [p for p in pool if low <= p.monthly_fee <= high]
            label = f"월 {won(low)}~{won(high)}"
        else:
            high = ent.budget or 0
            pool = [p for p in pool if p.monthly_fee <= high]
            label = f"월 {won(high)} 이하"
        if ent.unlimited:
            pool = [p for p in pool if p.is_unlimited]
        if ent.most_data:
            pool.sort(key=lambda p: (-(p.data_gb if p.data_gb is not None else 1e9), p.monthly_fee))
        else:
            pool.sort(key=lambda p: p.monthly_fee)
        if not pool:
            return f"{label} 요금제의 {NO_EVIDENCE}.", [], [], {}
        lines = [f"- {p.name}: 월 {won(p.monthly_fee)}, 데이터 {p.data_label}"
                 + (", 온라인 전용" if p.channel is Channel.ONLINE else "") for p in pool[:6]]
        head = f"{label} 요금제" + (" (데이터 많은 순)" if ent.most_data else "") + f" {len(pool)}종:"
        return head + "\n" + "\n".join(lines), pool[:3], self._cites(pool[:3]), {}

    def _selective_discount(self, question: str, context: AssistContext):
        if self._ent(question).brands:
            return self._addon(question, context)
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
        if _WAIVER_RE.search(question):
            text += (f" 약정 중 해지·변경 시 위약금(할인반환금) 금액은 카탈로그에 없어 {NO_EVIDENCE} "
                     "(확인 필요: 고객의 약정 정보로 조회).")
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
        ent = self._ent(question)
        change = rules.plan_change
        plans = list(ent.plans)[:1]
        if not plans and ent.families and context.lookup is not None and PlanFamily.YOGO not in ent.families:
            family_plans = [p for f in ent.families for p in self.catalog.by_family(f)]
            allowed = set(knowledge.eligible_plans(context.lookup, self.catalog))
            open_ = [p for p in family_plans if p in allowed]
            if family_plans and not open_:
                reason = exclusion_reason(family_plans[0], context.lookup.profile, self._today(context))
                return self._ineligible(family_plans[0], reason or "", context)
            if open_:
                plans = open_[:1]
        if not plans and PlanFamily.YOGO in ent.families:
            online = [p for p in self.catalog.by_family(PlanFamily.YOGO)]
            return (f"{ONLINE_ONLY}. 요고 요금제: {', '.join(p.name for p in online)}.", [], [self._rules_cite("요고 다이렉트")], {})
        if plans and context.lookup is not None:
            reason = exclusion_reason(plans[0], context.lookup.profile, self._today(context))
            if reason is not None:
                return self._ineligible(plans[0], reason, context)
        procedure = (f"요금제 변경은 {change.effective}되며, {change.proration}됩니다. "
                     f"변경 채널: {', '.join(change.channels)}.")
        if plans and plans[0].channel is Channel.ONLINE:
            procedure = f"{ONLINE_ONLY}. 변경 시 {change.effective}, {change.proration}."
        text = procedure
        current = self.catalog.by_name(context.lookup.profile.current_plan) if context.lookup else None
        if (current is not None and current.carryover) or "이월" in question:
            text += " 이월 데이터는 요금제를 바꾸면 소멸됩니다."
        if plans:
            verdict = self._verdict(plans[0], context)
            text += " " + _plan_sentence(plans[0])
            if verdict:
                text = f"{verdict}\n{text}"
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
        ent = self._ent(question)
        if ent.unknown_plan:
            return self._no_plan(ent.unknown_plan, question)
        hits = knowledge.search(question, settings=self.settings, k=3, lookup=context.lookup, catalog=self.catalog,
                                knowledge=self.knowledge)
        if hits and knowledge.grounded(question, hits):
            plans = [self.catalog.find(h.plan_id) for h in hits if h.plan_id]
            plans = [p for p in plans if p is not None][:3]
            top = hits[0]
            citations = [Citation(h.title, h.source) for h in hits]
            return f"관련 정보: {top.text}", plans, citations, {}
        return (f"질문에 대한 {NO_EVIDENCE}. 요금제 이름이나 궁금한 내용(요금, 데이터, 할인, 부가서비스)을 "
                "구체적으로 입력해 주세요."), [], [], {}

    # -- entity-driven answers -----------------------------------------------------------------
    @staticmethod
    def _today(context: AssistContext) -> date:
        return context.today or date.today()

    def _verdict(self, plan: Plan, context: AssistContext) -> str:
        """Whether the caller on screen may take `plan`, with the reason ("" without a caller)."""
        if context.lookup is None:
            return ""
        lk = context.lookup
        reason = exclusion_reason(plan, lk.profile, self._today(context))
        if reason is None:
            online = " (온라인 다이렉트 전용)" if plan.channel is Channel.ONLINE else ""
            return f"현재 고객(만 {lk.age}세)은 {plan.name} 가입 가능합니다{online}."
        return f"가입 불가: {reason}."

    def _ineligible(self, plan: Plan, reason: str, context: AssistContext):
        lk = context.lookup
        assert lk is not None
        allowed = knowledge.eligible_plans(lk, self.catalog)
        similar = [p for p in allowed if p.is_unlimited == plan.is_unlimited and p.channel is Channel.RETAIL
                   and (plan.is_unlimited or (p.data_gb or 0) >= (plan.data_gb or 0))]
        similar.sort(key=lambda p: (abs(p.monthly_fee - plan.monthly_fee), p.monthly_fee))
        shown = similar[:2]
        text = f"가입 불가: {reason}. 변경을 진행하지 마시고 가입 가능한 요금제를 안내해 주세요."
        if shown:
            text += " 가입 가능한 비슷한 요금제: " + ", ".join(
                f"{p.name}(월 {won(p.monthly_fee)}, 데이터 {p.data_label})" for p in shown) + "."
        return text, shown, [*self._cites([plan, *shown]), self._rules_cite("가입 조건")], {}

    def _no_plan(self, named: str, question: str):
        family = self._family_in(question)
        names = ", ".join(p.name for p in self.catalog.by_family(family)) if family else ""
        text = f"‘{named}’ 요금제는 카탈로그에 없어 {NO_EVIDENCE}."
        if names:
            text += f" {family.value} 요금제는 {names}입니다."
        return text, [], [], {}

    def _pool(self, context: AssistContext, ent: Entities) -> list[Plan]:
        if context.lookup is not None:
            return list(knowledge.eligible_plans(context.lookup, self.catalog))
        if ent.age is not None:
            return list(self.catalog.eligible_for(ent.age))
        if ent.families:
            return [p for f in ent.families for p in self.catalog.by_family(f)]
        return [p for p in self.catalog.all() if p.eligibility.label == "제한 없음"]

    def _cheapest(self, question: str, context: AssistContext):
        """The cheapest plan with the stated properties (무제한, 이월, 로밍, N기가 이상, an OTT, a family …)."""
        ent = self._ent(question)
        pool = self._pool(context, ent)
        conditions: list[str] = []
        if ent.families:
            pool = [p for p in pool if p.family in ent.families] or pool
            conditions.append("/".join(f.value for f in ent.families))
        if ent.unlimited:
            pool = [p for p in pool if p.is_unlimited]
            conditions.append("데이터 무제한")
        if ent.carryover:
            pool = [p for p in pool if p.carryover]
            conditions.append("데이터 이월")
        if ent.roaming:
            pool = [p for p in pool if p.roaming]
            conditions.append("로밍 포함")
        if ent.gbs:
            gb = ent.gbs[0]
            pool = [p for p in pool if p.is_unlimited or (p.data_gb or 0) >= gb]
            conditions.append(f"데이터 {gb:g}GB 이상")
        for brand in ent.brands:
            including = set(plans_including(self.catalog, brand))
            pool = [p for p in pool if p in including]
            conditions.append(f"{brand} 포함")
        if ent.in_store:
            pool = [p for p in pool if p.channel is Channel.RETAIL]
            conditions.append("매장·고객센터 가입 가능")
        if ent.budget is not None:
            pool = [p for p in pool if p.monthly_fee <= ent.budget]
            conditions.append(f"월 {won(ent.budget)} 이하")
        by_selective = ent.selective
        if by_selective:
            pool = [p for p in pool if p.selective_fee is not None]
            conditions.append("선택약정 가능")

        def key(p: Plan):
            fee = p.selective_fee if by_selective and p.selective_fee is not None else p.monthly_fee
            return (fee, -(p.data_gb if p.data_gb is not None else 1e9))

        pool.sort(key=key)
        label = " · ".join(conditions) or "전체"
        if not pool:
            return f"조건({label})에 맞는 요금제의 {NO_EVIDENCE}.", [], [], {}
        best, rest = pool[0], pool[1:3]

        def describe(p: Plan) -> str:
            sel = f", 선택약정 시 {won(p.selective_fee)}" if p.selective_fee is not None else ", 선택약정 없음"
            online = ", 온라인 전용" if p.channel is Channel.ONLINE else ""
            return f"{p.name}(월 {won(p.monthly_fee)}{sel}, 데이터 {p.data_label}{online})"

        who = f"현재 고객(만 {context.lookup.age}세)이 가입 가능한 " if context.lookup else ""
        text = f"{who}{label} 조건에서 가장 저렴한 요금제는 {describe(best)}입니다."
        if rest:
            text += " 다음: " + ", ".join(describe(p) for p in rest) + "."
        shown = [best, *rest]
        if best.channel is Channel.ONLINE and not ent.in_store:
            retail = next((p for p in pool if p.channel is Channel.RETAIL), None)
            if retail is not None:
                text += f" 매장·고객센터에서 가입할 수 있는 요금제 중에서는 {describe(retail)}가 가장 저렴합니다."
                if retail not in shown:
                    shown.append(retail)
        return text, shown[:3], self._cites(shown[:3]), {}

    def _addon_line(self, addon: AddOn) -> str:
        price = (f"정가 월 {won(addon.list_price)} → 프로모션 월 {won(addon.promo_price)}"
                 if addon.promo_price is not None else f"월 {won(addon.list_price)}")
        details = [d for d in (addon.video_quality, f"동시 시청 {addon.streams}명" if addon.streams else None,
                               addon.extras) if d]
        return f"{addon.name}: {price}" + (f" ({', '.join(details)})" if details else "")

    def _addon(self, question: str, context: AssistContext):
        """Add-on prices, which plans include an OTT, and plan + add-on totals (all from the catalog)."""
        ent = self._ent(question)
        cite = Citation("부가서비스", ADDONS_SOURCE)
        groups = [g for g in ent.addon_groups if g]
        plans = list(ent.plans)
        current = None
        if context.lookup is not None and (not plans and (_CURRENT_RE.search(question) or not groups)):
            current = self.catalog.by_name(context.lookup.profile.current_plan)
            if current is not None:
                plans = [current]
        if not ent.brands:
            if plans and (_INCLUDE_RE.search(question)) and plans[0].benefits.choice_options:
                plan = plans[0]
                b = plan.benefits
                text = f"{plan.name}에서 고를 수 있는 혜택(택1): {', '.join(b.choice_options)}."
                if b.plus_options:
                    text += f" 추가 선택(택1): {', '.join(b.plus_options)}."
                return text, [plan], self._cites([plan]), {}
            known = ", ".join(dict.fromkeys(a.name.split()[0].split("+")[0] for a in self.catalog.addons()))
            return (f"말씀하신 부가서비스의 {NO_EVIDENCE}. 카탈로그의 부가서비스: {known}.", [], [cite], {})
        lines: list[str] = []
        if plans and groups and (_TOTAL_RE.search(question) or _INCLUDE_RE.search(question)):
            plan = plans[0]
            addon = groups[0][0]
            brand = ent.brands[0]
            included = plan in plans_including(self.catalog, brand)
            paying = (current_plan_fee(plan, context.lookup.profile, self._today(context))
                      if current is not None and context.lookup is not None else None)
            if included:
                text = (f"{plan.name}에는 {brand} 등 OTT 택1 혜택이 포함되어 있어 추가 요금 없이 월 {won(plan.monthly_fee)}"
                        + (f"(선택약정 시 {won(plan.selective_fee)})" if plan.selective_fee is not None else "") + "입니다.")
            else:
                total = plan.monthly_fee + addon.price
                text = (f"{plan.name} 월 {won(plan.monthly_fee)} + {addon.name} 월 {won(addon.price)} = "
                        f"합계 월 {won(total)}")
                if plan.selective_fee is not None:
                    text += f" (선택약정 시 {won(plan.selective_fee)} + {won(addon.price)} = {won(plan.selective_fee + addon.price)})"
                if paying is not None and paying != plan.monthly_fee and paying != plan.selective_fee:
                    text += f"; 현재 납부 기준 {won(paying + addon.price)}"
                text += "."
                if len(groups[0]) > 1:
                    text += " 같은 이름의 다른 상품: " + "; ".join(self._addon_line(a) for a in groups[0][1:3]) + "."
            return text, [plan], [*self._cites([plan]), cite], {}
        if plans and not groups:
            pass
        for brand, group in zip(ent.brands, [*groups, *[()] * len(ent.brands)], strict=False):
            including = plans_including(self.catalog, brand)
            wants_plans = bool(_INCLUDE_RE.search(question)) and ("요금제" in question or plans or ent.cheapest)
            if plans and wants_plans:
                plan = plans[0]
                if plan in including:
                    lines.append(f"{plan.name}에는 {brand}{'이' if brand[-1] in '스' else '가'} 포함됩니다(OTT 택1 혜택).")
                else:
                    cheapest = group[0] if group else None
                    extra = f" 별도 가입 시 {self._addon_line(cheapest)}." if cheapest else ""
                    lines.append(f"{plan.name}에는 {brand} 혜택이 포함되어 있지 않습니다.{extra}")
                continue
            if wants_plans and including:
                listed = ", ".join(f"{p.name}(월 {won(p.monthly_fee)})" for p in including)
                lines.append(f"{brand}{'이' if brand[-1] in '스' else '가'} 포함된 요금제(초이스 택1): {listed}. "
                             f"가장 저렴한 요금제는 {including[0].name} 월 {won(including[0].monthly_fee)}입니다.")
                plans = plans or including[:3]
                continue
            if group:
                lines.extend(self._addon_line(a) for a in group[:6])
            if not including and wants_plans:
                lines.append(f"{brand} 혜택이 포함된 요금제의 {NO_EVIDENCE}.")
        if not lines:
            return f"말씀하신 부가서비스의 {NO_EVIDENCE}.", [], [cite], {}
        text = "\n".join(lines)
        shown = plans[:3]
        return text, shown, [*self._cites(shown), cite], {}


_ = Intent  # re-exported for handlers' type hints
