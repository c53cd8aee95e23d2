"""The assistant's one door to knowledge: retrieval, recommendation and the plan catalog.

Retrieval (`ktcs_desktop.core.retrieval`) and recommendation (`ktcs_desktop.core.recommend`) are
imported lazily; when they are missing or fail, the catalog answers instead (name resolution for
search, eligibility + data need for recommendation), so the assistant always works offline.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ktcs_desktop.core.catalog import Plan, PlanCatalog, default_catalog, parse_plan_query
from ktcs_desktop.core.models import CallerLookup

if TYPE_CHECKING:
    from ktcs_desktop.core.config import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KnowledgeHit:
    plan_id: str | None
    title: str
    text: str
    score: float
    source: str
    kind: str  # plan | rule | document


@dataclass(frozen=True)
class RecommendedPlan:
    plan: Plan
    fee: int
    selective_fee: int | None
    effective_fee: int
    covers_need: bool
    saving_monthly: int
    reasons: tuple[str, ...] = ()


def plan_source(plan: Plan) -> str:
    return f"{plan.source.file} {plan.source.row}행"


def plan_summary(plan: Plan) -> str:
    selective = f", 선택약정 시 {plan.selective_fee:,}원" if plan.selective_fee is not None else ""
    return f"{plan.name}: 월 {plan.monthly_fee:,}원{selective}, 데이터 {plan.data_label}, 음성 {plan.voice}"


# -- plan mentions ---------------------------------------------------------------------------------
_SPLIT_RE = re.compile(r"\s+|(?<=[가-힣])(?=vs)|,|/")
_JOIN_RE = re.compile(r"(?:이랑|랑|하고|vs|VS|및)(?=\s)")


def find_plans(text: str, catalog: PlanCatalog | None = None, *, limit: int = 4) -> list[Plan]:
    """Plans named in free text, in the order they are mentioned ("베이직이랑 스페셜 차이" → two plans).

    Tries word windows of 3, 2 and 1 words at each position so that surrounding words
    ("가입 조건", "얼마예요") don't spoil the match; a window must contain a plan word.
    """
    catalog = catalog or default_catalog()
    exact = catalog.by_name(text)
    if exact is not None:
        return [exact]
    found: list[tuple[int, int, Plan]] = []
    for segment in _JOIN_RE.split(text):
        found.extend(_plans_in_segment(segment, catalog))
    plans: list[Plan] = []
    for _start, _end, plan in found:
        if plan not in plans:
            plans.append(plan)
    return plans[:limit]


def _plans_in_segment(text: str, catalog: PlanCatalog) -> list[tuple[int, int, Plan]]:
    tokens = [t for t in _SPLIT_RE.split(text) if t]
    found: list[tuple[int, int, Plan]] = []
    i = 0
    while i < len(tokens):
        taken = False
        for length in (3, 2, 1):
            if i + length > len(tokens):
                continue
            window = " ".join(tokens[i : i + length])
            query = parse_plan_query(window)
            if not query.words:
                continue
            matches = catalog.resolve_scored(window, limit=3)
            if not matches:
                continue
            found.append((i, i + length, matches[0].plan))
            i += length
            taken = True
            break
        if not taken:
            i += 1
    return found


# -- retrieval -------------------------------------------------------------------------------------
_kb_lock = threading.Lock()
_kb_cache: dict[int, Any] = {}


def _knowledge_base(settings: Settings | None) -> Any | None:
    if settings is None:
        return None
    with _kb_lock:
        key = id(settings)
        if key in _kb_cache:
            return _kb_cache[key]
        try:
            from ktcs_desktop.core.retrieval import KnowledgeBase  # type: ignore[import-not-found]

            kb = KnowledgeBase.open(settings)
        except Exception as exc:  # noqa: BLE001 - missing module, no index, no embeddings …
            log.info("retrieval unavailable, using the catalog: %s", exc)
            kb = None
        _kb_cache[key] = kb
        return kb


def search(query: str, *, settings: Settings | None = None, k: int = 5, lookup: CallerLookup | None = None,
           catalog: PlanCatalog | None = None) -> list[KnowledgeHit]:
    """Knowledge for `query`: retrieval when available (filtered to the caller's eligibility), else catalog."""
    catalog = catalog or default_catalog()
    kb = _knowledge_base(settings)
    if kb is not None:
        try:
            from ktcs_desktop.core.retrieval import SearchFilters  # type: ignore[import-not-found]

            filters = None
            if lookup is not None:
                p = lookup.profile
                filters = SearchFilters(age=lookup.age, is_foreigner=p.is_foreigner, is_welfare=p.is_welfare)
            hits = kb.search(query, k=k, filters=filters)
            return [KnowledgeHit(h.plan_id, h.title, h.text, float(h.score), str(h.source), str(h.kind))
                    for h in hits]
        except Exception as exc:  # noqa: BLE001 - fall back to the catalog
            log.warning("retrieval search failed, using the catalog: %s", exc)
    return catalog_search(query, k=k, lookup=lookup, catalog=catalog)


def catalog_search(query: str, *, k: int = 5, lookup: CallerLookup | None = None,
                   catalog: PlanCatalog | None = None) -> list[KnowledgeHit]:
    catalog = catalog or default_catalog()
    plans = find_plans(query, catalog, limit=k)
    for match in catalog.resolve_scored(query, limit=k):
        if match.plan not in plans:
            plans.append(match.plan)
    if lookup is not None:
        allowed = set(eligible_plans(lookup, catalog))
        plans = [plan for plan in plans if plan in allowed] or plans
    return [KnowledgeHit(plan.id, plan.name, plan_summary(plan), 1.0 - i * 0.05, plan_source(plan), "plan")
            for i, plan in enumerate(plans[:k])]


# -- recommendation --------------------------------------------------------------------------------
def eligible_plans(lookup: CallerLookup, catalog: PlanCatalog | None = None) -> tuple[Plan, ...]:
    catalog = catalog or default_catalog()
    p = lookup.profile
    return catalog.eligible_for(lookup.age, is_foreigner=p.is_foreigner, is_welfare=p.is_welfare)


def recommend(lookup: CallerLookup | None, *, budget: int | None = None, min_data_gb: float | None = None,
              wants_unlimited: bool = False, ott: bool = False, roaming: bool = False,
              family_sharing: bool = False, limit: int = 3,
              catalog: PlanCatalog | None = None) -> list[RecommendedPlan]:
    """Plans to offer, best first: the recommendation engine when present, else a catalog rule."""
    catalog = catalog or default_catalog()
    if lookup is not None:
        try:
            from ktcs_desktop.core.recommend import CallNeeds, recommend_for  # type: ignore[import-not-found]

            needs = CallNeeds(budget=budget, ott=ott, roaming=roaming, family_sharing=family_sharing,
                              wants_unlimited=wants_unlimited, min_data_gb=min_data_gb)
            result = recommend_for(lookup, needs)
            options = [RecommendedPlan(o.plan, o.fee, o.selective_fee, o.effective_fee, bool(o.covers_need),
                                       int(o.saving_monthly or 0), tuple(o.reasons)) for o in result.options]
            if options:
                return options[:limit]
        except ImportError:
            pass
        except Exception as exc:  # noqa: BLE001 - fall back to the catalog rule
            log.warning("recommendation engine failed, using the catalog: %s", exc)
    return catalog_recommend(lookup, budget=budget, min_data_gb=min_data_gb, wants_unlimited=wants_unlimited,
                             ott=ott, roaming=roaming, limit=limit, catalog=catalog)


def catalog_recommend(lookup: CallerLookup | None, *, budget: int | None = None, min_data_gb: float | None = None,
                      wants_unlimited: bool = False, ott: bool = False, roaming: bool = False, limit: int = 3,
                      catalog: PlanCatalog | None = None) -> list[RecommendedPlan]:
    """Cheapest retail plans the caller may join that cover the data need (and budget, if given)."""
    catalog = catalog or default_catalog()
    plans = list(eligible_plans(lookup, catalog)) if lookup else [
        p for p in catalog.all() if not (p.eligibility.foreigner_only or p.eligibility.welfare_only)
        and p.eligibility.min_age is None and p.eligibility.max_age is None]
    plans = [p for p in plans if p.channel.value == "retail"]
    selective = lookup is not None and lookup.profile.contract_type.value != "none"
    need = min_data_gb if min_data_gb is not None else (lookup.usage.typical_data_need_gb if lookup else None)
    current = catalog.by_name(lookup.profile.current_plan) if lookup else None
    current_fee = catalog.effective_fee(current, selective) if current else None

    def covers(plan: Plan) -> bool:
        if wants_unlimited and not plan.is_unlimited:
            return False
        if need is None or plan.is_unlimited:
            return True
        return (plan.data_gb or 0) >= need

    def fits(plan: Plan) -> bool:
        if ott and not plan.benefits.choice_options:
            return False
        if roaming and not plan.roaming:
            return False
        return budget is None or catalog.effective_fee(plan, selective) <= budget

    candidates = [p for p in plans if covers(p) and fits(p)] or [p for p in plans if covers(p)] or plans
    candidates.sort(key=lambda p: (catalog.effective_fee(p, selective), p.is_unlimited))
    out: list[RecommendedPlan] = []
    for plan in candidates[:limit]:
        effective = catalog.effective_fee(plan, selective)
        saving = (current_fee - effective) if current_fee is not None else 0
        reasons = []
        if need is not None:
            reasons.append(f"월 {need:g}GB 사용 기준 데이터 충분" if covers(plan) else f"월 {need:g}GB 사용")
        if saving > 0:
            reasons.append(f"현재 대비 월 {saving:,}원 절감")
        out.append(RecommendedPlan(plan, plan.monthly_fee, plan.selective_fee, effective, covers(plan),
                                   saving, tuple(reasons)))
    return out


def integrations_available() -> dict[str, bool]:
    """Which teammates' modules are importable (shown by `ktcs ask --verbose`, used in tests)."""
    status = {}
    for name in ("ktcs_desktop.core.retrieval", "ktcs_desktop.core.recommend"):
        try:
            __import__(name)
            status[name] = True
        except ImportError:
            status[name] = False
    return status
