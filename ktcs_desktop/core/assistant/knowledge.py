"""The assistant's one door to knowledge: retrieval, recommendation and the plan catalog.

Search goes to the hybrid retrieval index (`ktcs_desktop.core.retrieval`); if the index cannot be
opened the catalog's name resolution answers instead. Recommendations always come from the
recommendation engine (`ktcs_desktop.core.recommend`).
"""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import TYPE_CHECKING

from ktcs_desktop.core.catalog import Plan, PlanCatalog, default_catalog, parse_plan_query
from ktcs_desktop.core.errors import KtcsError
from ktcs_desktop.core.models import CallerLookup, ContractType, CustomerProfile, Page, UsageSummary
from ktcs_desktop.core.recommend import CallNeeds, PlanOption, recommend_for
from ktcs_desktop.core.retrieval import KnowledgeBase, SearchFilters, SearchHit

if TYPE_CHECKING:
    from ktcs_desktop.core.config import Settings

log = logging.getLogger(__name__)


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

    Every window of 1–3 words that names exactly one plan (`PlanCatalog.best_match`) is a
    candidate; the most specific windows (more plan words and numbers) win, so "슬림" alone
    (ambiguous) never hides "슬림 14기가" a word later.
    """
    catalog = catalog or default_catalog()
    exact = catalog.by_name(text)
    if exact is not None:
        return [exact]
    found: list[tuple[int, Plan]] = []  # (position in text, plan)
    offset = 0
    for segment in _JOIN_RE.split(text):
        tokens = [t for t in _SPLIT_RE.split(segment) if t]
        found.extend((offset + start, plan) for start, plan in _plans_in_tokens(tokens, catalog))
        offset += len(tokens) + 1
    plans: list[Plan] = []
    for _position, plan in sorted(found, key=lambda item: item[0]):
        if plan not in plans:
            plans.append(plan)
    return plans[:limit]


def _plans_in_tokens(tokens: list[str], catalog: PlanCatalog) -> list[tuple[int, Plan]]:
    candidates = []  # (specificity, -length, start, end, plan)
    for start in range(len(tokens)):
        for length in (1, 2, 3):
            if start + length > len(tokens):
                break
            window = " ".join(tokens[start : start + length])
            query = parse_plan_query(window)
            if not query.words:
                continue
            plan = catalog.best_match(window)
            if plan is not None:
                specificity = len(query.words) + len(query.numbers)
                candidates.append((specificity, -length, start, start + length, plan))
    taken: list[tuple[int, int]] = []
    chosen: list[tuple[int, Plan]] = []
    for _specificity, _length, start, end, plan in sorted(candidates, key=lambda c: (-c[0], -c[1], c[2])):
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        taken.append((start, end))
        chosen.append((start, plan))
    return chosen


# -- retrieval -------------------------------------------------------------------------------------
def _knowledge_base(settings: Settings | None) -> KnowledgeBase | None:
    """The shared live index (reopened after a refresh), or None when it cannot be opened."""
    if settings is None:
        return None
    try:
        return KnowledgeBase.shared(settings)
    except KtcsError as exc:  # no index and the shipped build failed, a broken index …
        log.warning("retrieval unavailable, using the catalog: %s", exc)
        return None


def search(query: str, *, settings: Settings | None = None, k: int = 5, lookup: CallerLookup | None = None,
           catalog: PlanCatalog | None = None) -> list[SearchHit]:
    """Knowledge for `query`: retrieval when available (filtered to the caller's eligibility), else catalog."""
    catalog = catalog or default_catalog()
    kb = _knowledge_base(settings)
    if kb is not None:
        try:
            filters = None
            if lookup is not None:
                p = lookup.profile
                filters = SearchFilters(age=lookup.age, is_foreigner=p.is_foreigner, is_welfare=p.is_welfare)
            return kb.search(query, k=k, filters=filters)
        except Exception as exc:  # noqa: BLE001 - fall back to the catalog
            log.warning("retrieval search failed, using the catalog: %s", exc)
    return catalog_search(query, k=k, lookup=lookup, catalog=catalog)


def catalog_search(query: str, *, k: int = 5, lookup: CallerLookup | None = None,
                   catalog: PlanCatalog | None = None) -> list[SearchHit]:
    catalog = catalog or default_catalog()
    plans = find_plans(query, catalog, limit=k)
    for match in catalog.resolve_scored(query, limit=k):
        if match.plan not in plans:
            plans.append(match.plan)
    if lookup is not None:
        allowed = set(eligible_plans(lookup, catalog))
        plans = [plan for plan in plans if plan in allowed] or plans
    return [SearchHit(plan.id, plan.name, plan_summary(plan), 1.0 - i * 0.05, plan_source(plan), "plan")
            for i, plan in enumerate(plans[:k])]


# -- recommendation --------------------------------------------------------------------------------
GENERAL_CALLER_NOTE = "고객 미조회: 가입 제한이 없는 일반 요금제(만 35~64세 기준)로 추천합니다."


def eligible_plans(lookup: CallerLookup, catalog: PlanCatalog | None = None) -> tuple[Plan, ...]:
    catalog = catalog or default_catalog()
    p = lookup.profile
    return catalog.eligible_for(lookup.age, is_foreigner=p.is_foreigner, is_welfare=p.is_welfare)


def _general_caller(today: date) -> CallerLookup:
    """A stand-in for "no caller on screen": an adult with no flags, no plan and no usage history,
    so only plans open to everyone qualify and the stated needs decide."""
    profile = CustomerProfile(id=0, phone="", name="", birth_date=date(today.year - 40, 1, 1), is_foreigner=False,
                              is_welfare=False, current_plan="", contract_type=ContractType.NONE,
                              contract_end=None, join_date=today)
    return CallerLookup(profile=profile, age=40, usage=UsageSummary(()), history=Page((), 0, 0, 0))


def recommend(lookup: CallerLookup | None, *, budget: int | None = None, min_data_gb: float | None = None,
              wants_unlimited: bool = False, ott: tuple[str, ...] = (), roaming: bool = False,
              family_sharing: bool = False, limit: int = 3, catalog: PlanCatalog | None = None,
              today: date | None = None) -> list[PlanOption]:
    """Plans to offer, best first, from the recommendation engine (one source of truth).

    Without a caller on screen the engine ranks the general plans against the stated needs only.
    """
    today = today or date.today()
    needs = CallNeeds(budget=budget, ott=tuple(ott), roaming=roaming, family_sharing=family_sharing,
                      wants_unlimited=wants_unlimited, min_data_gb=min_data_gb)
    result = recommend_for(lookup or _general_caller(today), needs, today=today)
    return list(result.options[:limit])
