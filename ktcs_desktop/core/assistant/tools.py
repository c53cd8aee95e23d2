"""The tools the model may call, executed locally over the catalog / retrieval / recommendation.

`get_caller_profile` takes no argument: it describes the caller already on screen (age, plan,
usage, contract; never the name or phone), so a model steered by an injected utterance cannot
reach another customer. Every result is JSON; its numbers are what the answer post-check accepts.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ktcs_desktop.core.assistant import knowledge
from ktcs_desktop.core.assistant.models import AssistContext, Citation, PlanCard
from ktcs_desktop.core.assistant.offline import plan_card
from ktcs_desktop.core.assistant.privacy import mask_text
from ktcs_desktop.core.catalog import Plan, PlanCatalog, calculate_fee
from ktcs_desktop.core.errors import KtcsError
from ktcs_desktop.core.formatting import won
from ktcs_desktop.core.recommend import OTT_CHOICES, find_otts

if TYPE_CHECKING:
    from ktcs_desktop.core.config import Settings

log = logging.getLogger(__name__)

TOOL_SPECS: list[dict[str, Any]] = [
    {"type": "function", "function": {
        "name": "search_plans",
        "description": "KT 요금제/규정 지식 검색. 요금·데이터·혜택 질문에 먼저 사용.",
        "parameters": {"type": "object", "properties": {
            "query": {"type": "string", "description": "검색어 (예: '슬림 14GB 요금')"},
            "k": {"type": "integer", "minimum": 1, "maximum": 8}},
            "required": ["query"]}}},
    {"type": "function", "function": {
        "name": "get_plan",
        "description": "요금제 하나의 정확한 정보 (id 또는 이름).",
        "parameters": {"type": "object", "properties": {
            "plan": {"type": "string", "description": "요금제 id 또는 이름"}}, "required": ["plan"]}}},
    {"type": "function", "function": {
        "name": "recommend_plans",
        "description": "화면의 고객에게 맞는 요금제 추천 (고객 사용량·자격 반영).",
        "parameters": {"type": "object", "properties": {
            "budget": {"type": "integer", "description": "월 예산(원)"},
            "min_data_gb": {"type": "number"},
            "wants_unlimited": {"type": "boolean"},
            "ott": {"type": "array", "items": {"type": "string", "enum": list(OTT_CHOICES)},
                    "description": "고객이 원하는 OTT"},
            "roaming": {"type": "boolean"}}}}},
    {"type": "function", "function": {
        "name": "get_caller_profile",
        "description": "현재 화면에 조회된 고객의 나이·요금제·약정·최근 사용량 (이름·번호 제외). 인자 없음.",
        "parameters": {"type": "object", "properties": {}}}},
    {"type": "function", "function": {
        "name": "calculate_fee",
        "description": "요금 계산: 선택약정 적용, 개월 수, 일할 계산.",
        "parameters": {"type": "object", "properties": {
            "plan": {"type": "string"},
            "selective": {"type": "boolean"},
            "months": {"type": "integer", "minimum": 1, "maximum": 120},
            "days_used": {"type": "integer"},
            "days_in_month": {"type": "integer"}},
            "required": ["plan"]}}},
]

_NUMBER_RE = re.compile(r"\d[\d,]*(?:\.\d+)?")


def numbers_in(text: str) -> set[float]:
    """Every number in `text` (commas dropped): the post-check's vocabulary."""
    out: set[float] = set()
    for raw in _NUMBER_RE.findall(text):
        try:
            out.add(float(raw.replace(",", "")))
        except ValueError:
            continue
    return out


@dataclass
class ToolExecutor:
    """Runs tool calls for one answer and remembers what they returned."""

    context: AssistContext
    catalog: PlanCatalog
    settings: Settings | None = None
    knowledge_source: knowledge.KnowledgeSource | None = None
    results: list[str] = field(default_factory=list)
    cards: dict[str, PlanCard] = field(default_factory=dict)
    citations: dict[str, Citation] = field(default_factory=dict)

    def run(self, name: str, raw_arguments: str | None) -> str:
        """The JSON result for one call; bad JSON or arguments become an error the model can read."""
        try:
            arguments = json.loads(raw_arguments or "{}")
            if not isinstance(arguments, dict):
                raise ValueError("arguments must be a JSON object")
        except ValueError as exc:
            result: Any = {"error": f"invalid JSON arguments for {name}: {exc}. Retry with a valid JSON object."}
        else:
            handler = getattr(self, f"_tool_{name}", None)
            if handler is None:
                result = {"error": f"unknown tool {name}"}
            else:
                try:
                    result = handler(**arguments)
                except KtcsError as exc:
                    result = {"error": exc.user_message}
                except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as exc:
                    # wrong names or types ("k": "five"): the model reads the error and can retry
                    result = {"error": f"bad arguments for {name}: {type(exc).__name__}: {exc}. "
                                       "Check the parameter types in the tool schema."}
                except Exception as exc:  # noqa: BLE001 - a failing tool must not abandon the answer
                    log.warning("tool %s failed: %r", name, exc)
                    result = {"error": f"tool {name} failed ({type(exc).__name__}); answer without it."}
        text = json.dumps(result, ensure_ascii=False)
        self.results.append(text)
        return text

    @property
    def known_numbers(self) -> set[float]:
        out: set[float] = set()
        for text in self.results:
            out |= numbers_in(text)
        return out

    # -- tools ---------------------------------------------------------------------------------
    def _remember(self, plan: Plan) -> dict[str, Any]:
        self.cards.setdefault(plan.id, plan_card(plan))
        self.citations.setdefault(plan.id, Citation(plan.name, knowledge.plan_source(plan), plan.source.product_url))
        return {
            "id": plan.id, "name": plan.name, "monthly_fee_won": plan.monthly_fee,
            "monthly_fee": won(plan.monthly_fee),
            "selective_fee": won(plan.selective_fee) if plan.selective_fee is not None else None,
            "data": plan.data_label, "data_gb": plan.data_gb, "voice": plan.voice, "sms": plan.sms,
            "roaming": plan.roaming, "eligibility": plan.eligibility.label, "channel": plan.channel.label,
            "source": knowledge.plan_source(plan), "uncertain_notes": list(plan.uncertain_notes),
        }

    def _plan(self, name: str) -> Plan:
        plan = self.catalog.find(name) or self.catalog.by_name(name)
        if plan is None:
            found = knowledge.find_plans(name, self.catalog) or self.catalog.resolve(name)
            plan = found[0] if found else None
        if plan is None:
            raise KtcsError(f"요금제를 찾을 수 없습니다: {name}")
        return plan

    def _tool_search_plans(self, query: str, k: int = 5) -> dict[str, Any]:
        names = (self.context.caller_name,) if self.context.caller_name else ()
        hits = knowledge.search(mask_text(str(query), names), settings=self.settings, k=max(1, min(int(k), 8)),
                                lookup=self.context.lookup, catalog=self.catalog, knowledge=self.knowledge_source)
        items = []
        for hit in hits:
            plan = self.catalog.find(hit.plan_id) if hit.plan_id else None
            items.append(self._remember(plan) if plan else {"title": hit.title, "text": hit.text, "source": hit.source})
        return {"results": items}

    def _tool_get_plan(self, plan: str) -> dict[str, Any]:
        return self._remember(self._plan(str(plan)))

    def _tool_recommend_plans(self, budget: int | None = None, min_data_gb: float | None = None,
                              wants_unlimited: bool = False, ott: list[str] | str | None = None,
                              roaming: bool = False) -> dict:
        requested = [ott] if isinstance(ott, str) else list(ott or [])
        otts = tuple(dict.fromkeys(o for name in requested for o in find_otts(str(name))))
        options = knowledge.recommend(self.context.lookup, budget=budget, min_data_gb=min_data_gb,
                                      wants_unlimited=bool(wants_unlimited), ott=otts, roaming=bool(roaming),
                                      catalog=self.catalog)
        result: dict[str, Any] = {"options": [
            {**self._remember(o.plan), "effective_fee": won(o.effective_fee),
             "addons": [f"{a.name} {won(a.price)}" for a in o.addons], "total_fee": won(o.total_fee),
             "saving_monthly": won(o.saving_monthly) if o.saving_monthly is not None else None,
             "reasons": list(o.reasons)}
            for o in options]}
        if self.context.lookup is None:
            result["note"] = knowledge.GENERAL_CALLER_NOTE
        return result

    def _tool_get_caller_profile(self, **_ignored: Any) -> dict[str, Any]:
        """Arguments are ignored on purpose: only the caller on screen, never a lookup by phone/name."""
        lookup = self.context.lookup
        if lookup is None:
            return {"error": "화면에 조회된 고객이 없습니다."}
        p = lookup.profile
        return {
            "age": lookup.age, "is_foreigner": p.is_foreigner, "is_welfare": p.is_welfare,
            "current_plan": p.current_plan, "contract": p.contract_type.label,
            "contract_end": p.contract_end.isoformat() if p.contract_end else None,
            "avg_data_gb_3m": lookup.usage.avg_data_gb, "max_data_gb_3m": lookup.usage.max_data_gb,
            "typical_data_need_gb": lookup.usage.typical_data_need_gb,
            "avg_voice_min": lookup.usage.avg_voice_min,
        }

    def _tool_calculate_fee(self, plan: str, selective: bool = False, months: int = 1,
                            days_used: int | None = None, days_in_month: int | None = None) -> dict[str, Any]:
        target = self._plan(str(plan))
        self._remember(target)
        proration = (int(days_used), int(days_in_month)) if days_used is not None and days_in_month else None
        fee = calculate_fee(target, selective=bool(selective), months=int(months), proration_days=proration)
        return {"plan": fee.plan_name, "monthly_fee": won(fee.monthly_fee), "months": fee.months,
                "base_fee": won(fee.base_fee), "discount": won(fee.discount), "total": won(fee.total),
                "per_month": won(fee.per_month), "selective_applied": fee.selective_applied,
                "notes": list(fee.notes)}
