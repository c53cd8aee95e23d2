"""The assistant's one door to knowledge: retrieval, recommendation and the plan catalog.

Search goes to the hybrid retrieval index (`ktcs_desktop.core.retrieval`); if the index cannot be
opened the catalog's name resolution answers instead. Recommendations always come from the
recommendation engine (`ktcs_desktop.core.recommend`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from ktcs_desktop.core.catalog import Plan, PlanCatalog, given, parse_plan_query
from ktcs_desktop.core.errors import KtcsError
from ktcs_desktop.core.formatting import won
from ktcs_desktop.core.models import CallerLookup, ContractType, CustomerProfile, Page, UsageSummary
from ktcs_desktop.core.recommend import CallNeeds, PlanOption, recommend_for

if TYPE_CHECKING:
    # Imported where used: retrieval pulls in bm25s, numpy and chromadb, which the GUI process
    # (it only needs the assistant's types) must not load; they run in the knowledge worker.
    from ktcs_desktop.core.config import Settings
    from ktcs_desktop.core.retrieval import KnowledgeBase, SearchHit

log = logging.getLogger(__name__)


def plan_source(plan: Plan) -> str:
    return f"{plan.source.file} {plan.source.row}행"


def plan_summary(plan: Plan) -> str:
    selective = f", 선택약정 시 {won(plan.selective_fee)}" if plan.selective_fee is not None else ""
    return f"{plan.name}: 월 {won(plan.monthly_fee)}{selective}, 데이터 {plan.data_label}, 음성 {plan.voice}"


# -- plan mentions ---------------------------------------------------------------------------------
_SPLIT_RE = re.compile(r"\s+|(?<=[가-힣])(?=vs)|,|/")
_JOIN_RE = re.compile(r"(?:이랑|랑|하고|vs|VS|및)(?=\s)")


def find_plans(text: str, catalog: PlanCatalog | None = None, *, limit: int = 4) -> list[Plan]:
    """Plans named in free text, in the order they are mentioned ("베이직이랑 스페셜 차이" → two plans).

    Every window of 1–3 words that names exactly one plan (`PlanCatalog.best_match`) is a
    candidate; the most specific windows (more plan words and numbers) win, so "슬림" alone
    (ambiguous) never hides "슬림 14기가" a word later.
    """
    catalog = given(catalog, "knowledge")
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
KnowledgeSource = Callable[[], "KnowledgeBase"]  # `LiveIndex.current`: the index for the catalog in use


def _knowledge_base(settings: Settings | None, catalog: PlanCatalog,
                    source: KnowledgeSource | None = None) -> KnowledgeBase | None:
    """The live index from `source` (the services' `LiveIndex`); without one, the index in
    `settings`' data dir opened for `catalog`. None when it cannot be opened."""
    try:
        if source is not None:
            return source()
        if settings is None:
            return None
        from ktcs_desktop.core.retrieval import KnowledgeBase

        return KnowledgeBase.open(settings, catalog=catalog)
    except KtcsError as exc:  # no index and the shipped build failed, a broken index …
        log.warning("retrieval unavailable, using the catalog: %s", exc)
        return None


def search(query: str, *, settings: Settings | None = None, k: int = 5, lookup: CallerLookup | None = None,
           catalog: PlanCatalog | None = None, knowledge: KnowledgeSource | None = None) -> list[SearchHit]:
    """Knowledge for `query`: retrieval when available (filtered to the caller's eligibility), else catalog."""
    catalog = given(catalog, "knowledge")
    kb = _knowledge_base(settings, catalog, knowledge)
    if kb is not None:
        try:
            filters = None
            if lookup is not None:
                p = lookup.profile
                from ktcs_desktop.core.retrieval import SearchFilters

                filters = SearchFilters(age=lookup.age, is_foreigner=p.is_foreigner, is_welfare=p.is_welfare)
            return kb.search(query, k=k, filters=filters)
        except Exception as exc:  # noqa: BLE001 - fall back to the catalog
            log.warning("retrieval search failed, using the catalog: %s", exc)
    return catalog_search(query, k=k, lookup=lookup, catalog=catalog)


def catalog_search(query: str, *, k: int = 5, lookup: CallerLookup | None = None,
                   catalog: PlanCatalog | None = None) -> list[SearchHit]:
    catalog = given(catalog, "knowledge")
    plans = find_plans(query, catalog, limit=k)
    for match in catalog.resolve_scored(query, limit=k):
        if match.plan not in plans:
            plans.append(match.plan)
    if lookup is not None:
        allowed = set(eligible_plans(lookup, catalog))
        plans = [plan for plan in plans if plan in allowed] or plans
    from ktcs_desktop.core.retrieval import SearchHit

    return [SearchHit(plan.id, plan.name, plan_summary(plan), 1.0 - i * 0.05, plan_source(plan), "plan")
            for i, plan in enumerate(plans[:k])]


# -- recommendation --------------------------------------------------------------------------------
GENERAL_CALLER_NOTE = "고객 미조회: 가입 제한이 없는 일반 요금제(만 35~64세 기준)로 추천합니다."


def eligible_plans(lookup: CallerLookup, catalog: PlanCatalog | None = None) -> tuple[Plan, ...]:
    catalog = given(catalog, "knowledge")
    p = lookup.profile
    return catalog.eligible_for(lookup.age, is_foreigner=p.is_foreigner, is_welfare=p.is_welfare)


def _general_caller(today: date, age: int = 40) -> CallerLookup:
    """A stand-in for "no caller on screen": an adult (or the age the question states) with no flags,
    no plan and no usage history, so only plans open to them qualify and the stated needs decide."""
    birth = date(today.year - age - 1, 1, 1) if (today.month, today.day) < (1, 1) else date(today.year - age, 1, 1)
    profile = CustomerProfile(id=0, phone="", name="", birth_date=birth, is_foreigner=False,
                              is_welfare=False, current_plan="", contract_type=ContractType.NONE,
                              contract_end=None, join_date=today)
    return CallerLookup(profile=profile, age=age, usage=UsageSummary(()), history=Page((), 0, 0, 0))


def recommend(lookup: CallerLookup | None, *, budget: int | None = None, min_data_gb: float | None = None,
              wants_unlimited: bool = False, ott: tuple[str, ...] = (), roaming: bool = False,
              family_sharing: bool = False, limit: int = 3, catalog: PlanCatalog | None = None,
              today: date | None = None, age: int | None = None) -> list[PlanOption]:
    """Plans to offer, best first, from the recommendation engine (one source of truth).

    Without a caller on screen the engine ranks the general plans against the stated needs only.
    """
    today = today or date.today()
    needs = CallNeeds(budget=budget, ott=tuple(ott), roaming=roaming, family_sharing=family_sharing,
                      wants_unlimited=wants_unlimited, min_data_gb=min_data_gb)
    caller = lookup or _general_caller(today, age if age is not None else 40)
    result = recommend_for(caller, needs, today=today, catalog=catalog)
    return list(result.options[:limit])


# -- grounding -------------------------------------------------------------------------------------
# Words that say nothing about which fact is meant; every other content word of a question must
# appear in what was found, or the hits are about something else.
_GENERIC = {"요금", "요금제", "얼마", "가격", "월", "달", "한달", "가입", "문의", "고객", "고객님", "저희", "제", "지금", "혹시",
            "알리", "알려", "정보", "안내", "궁금", "사용", "이용", "변경", "바꾸", "하다", "되다", "있다", "없다", "좋다",
            "아버지", "어머니", "엄마", "아빠", "아들", "딸", "가족", "남편", "아내", "할머니", "할아버지", "어르신", "부모님",
            "오늘", "이번", "다음", "매달", "상품", "서비스", "내용", "방법", "어떻", "뭐", "무엇", "거", "것", "수", "분",
            "쓰", "쓰다", "보", "주", "싶", "말", "좀", "네", "예", "아", "그", "저", "이", "원", "정도", "부분"}


def grounded(question: str, hits: list[SearchHit]) -> bool:
    """True when every content word of `question` occurs in the hits (else they are about another thing)."""
    from ktcs_desktop.core.retrieval.text import tokenize

    words = {t for t in tokenize(question) if t not in _GENERIC and not t.isdigit() and len(t) > 1}
    if not words:
        return True
    found: set[str] = set()
    for hit in hits:
        found.update(tokenize(f"{hit.title} {hit.text}"))
    return words <= found
