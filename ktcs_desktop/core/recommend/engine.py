"""The plan recommender: eligible plans only, fitted to the caller's data use, ranked by cost.

Rules, in the order they apply:

* Eligibility comes from the catalog (`Plan.eligibility`) with the caller's 만 나이 on `today`;
  nothing about age bands or groups is hard-coded here.
* The data need is `UsageSummary.typical_data_need_gb` (max of 3-month average × 1.2 and the
  3-month max), raised to `CallNeeds.min_data_gb` when the caller asked for more.
* A plan covers the need when it is unlimited or its base data is at least the need. Y덤 (double
  data for 만 34세 이하) is NOT counted toward covering: it is a promotion the caller must apply for
  and the rules mark it uncertain, so it is shown as a reason ("Y덤 신청 시 …") instead.
* A capped plan that is slightly short (≥ 80 % of the need) but keeps ≥ 3 Mbps after the cap is a
  "near fit" (used for the budget pick); 1 Mbps/400 Kbps after the cap is not.
* Cost is the effective fee (선택약정 25 % when the plan allows it, 요고 never) plus the cheapest
  add-on for each requested OTT the plan does not include. Savings compare like with like: the
  caller's current plan at what they pay now (선택약정 price while their contract runs) plus the
  same OTT add-ons.
* Best = cheapest covering plan within the budget (else the cheapest covering plan), taking plans
  the agent can switch to on the call (retail) before online-only 요고 다이렉트, which would also
  end a running 선택약정; 요고 wins only when no retail plan covers the need within the budget.
  Upgrade = the most data/benefits for at most max(10,000원, 20 %) more in the same channel;
  budget = the cheapest plan under the best pick that covers or nearly covers, any channel (or the
  most data within a budget nothing covers); then up to two alternatives from other families.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from ktcs_desktop.core.catalog import AddOn, Plan, PlanCatalog, given, normalize_name
from ktcs_desktop.core.catalog.models import Channel, selective_price
from ktcs_desktop.core.errors import NotFoundError
from ktcs_desktop.core.formatting import josa, won
from ktcs_desktop.core.models import CallerLookup, ContractType, CustomerProfile, UsageSummary
from ktcs_desktop.core.recommend.models import OTT_CHOICES, CallNeeds, PlanOption, Recommendation

NEAR_FIT_SHARE = 0.8
NEAR_FIT_MIN_SPEED_MBPS = 3.0
UPGRADE_MIN_EXTRA = 10_000  # an upgrade may cost this much more than the best pick …
UPGRADE_EXTRA_SHARE = 0.2  # … or 20 % of it, whichever is larger
MAX_ALTERNATIVES = 2

# OTT name as the caller says it → (name in 초이스 choice_options, add-on name keywords)
_OTT_SPECS: dict[str, tuple[str, tuple[str, ...]]] = {
    "넷플릭스": ("넷플릭스", ("넷플릭스",)),
    "티빙": ("티빙", ("티빙",)),
    "유튜브 프리미엄": ("유튜브프리미엄", ("유튜브프리미엄",)),
    "디즈니+": ("디즈니+", ("디즈니+", "디즈니플러스")),
}
_OTT_ALIASES: dict[str, str] = {
    "netflix": "넷플릭스", "tving": "티빙", "유튜브": "유튜브 프리미엄", "youtube": "유튜브 프리미엄",
    "youtubepremium": "유튜브 프리미엄", "유튜브프리미엄": "유튜브 프리미엄", "디즈니": "디즈니+",
    "디즈니플러스": "디즈니+", "disney": "디즈니+", "disney+": "디즈니+",
}


def canonical_ott(name: str) -> str:
    """'유튜브프리미엄', 'Netflix', '디즈니플러스' → the label in OTT_CHOICES; ValueError otherwise."""
    key = normalize_name(name)
    for label in OTT_CHOICES:
        if normalize_name(label) == key:
            return label
    if key in _OTT_ALIASES:
        return _OTT_ALIASES[key]
    raise ValueError(f"알 수 없는 OTT: {name} (가능: {', '.join(OTT_CHOICES)})")


def find_otts(text: str) -> tuple[str, ...]:
    """OTT services mentioned in free text ("넷플릭스랑 유튜브 보는데…" → ("넷플릭스", "유튜브 프리미엄"))."""
    key = normalize_name(text)
    spotted: list[tuple[int, str]] = []
    for alias, label in [*((normalize_name(c), c) for c in OTT_CHOICES), *_OTT_ALIASES.items()]:
        at = key.find(alias)
        if at >= 0 and label not in (found for _, found in spotted):
            spotted.append((at, label))
    return tuple(label for _, label in sorted(spotted))


def plan_includes_ott(plan: Plan, ott: str) -> bool:
    choice_name = _OTT_SPECS[canonical_ott(ott)][0]
    return normalize_name(choice_name) in {normalize_name(o) for o in plan.benefits.choice_options}


def ott_addon(catalog: PlanCatalog, ott: str) -> AddOn | None:
    """The cheapest add-on that gives this OTT without ads (plain subscriptions before bundles)."""
    keywords = [normalize_name(k) for k in _OTT_SPECS[canonical_ott(ott)][1]]
    matches = [
        addon for addon in catalog.addons()
        if addon.category in ("ott", "ott_bundle") and "광고형" not in addon.name
        and any(k in normalize_name(addon.name) for k in keywords)
    ]
    return min(matches, key=lambda a: (a.price, a.category != "ott", a.id), default=None)


# -- eligibility -----------------------------------------------------------------------------------

def _flags(profile: CustomerProfile) -> dict[str, bool]:
    return {"is_foreigner": profile.is_foreigner, "is_welfare": profile.is_welfare}


def is_eligible(plan: Plan, profile: CustomerProfile, today: date) -> bool:
    return plan.eligibility.allows(profile.age_on(today), **_flags(profile))


def _restricted(plan: Plan) -> bool:
    e = plan.eligibility
    return e.min_age is not None or e.max_age is not None or e.foreigner_only or e.welfare_only


def exclusion_reason(plan: Plan, profile: CustomerProfile, today: date) -> str | None:
    """Why this caller may not subscribe to `plan` (Korean sentence), or None when they may."""
    age = profile.age_on(today)
    e = plan.eligibility
    conditions: list[str] = []
    facts: list[str] = []
    if (e.min_age is not None and age < e.min_age) or (e.max_age is not None and age > e.max_age):
        if e.min_age is not None:
            conditions.append(f"만 {e.min_age}세 이상")
        if e.max_age is not None:
            conditions.append(f"만 {e.max_age}세 이하")
        facts.append(f"고객 만 {age}세")
    if e.foreigner_only and not profile.is_foreigner:
        conditions.append("외국인등록증을 가진 외국인")
        facts.append("고객은 내국인")
    if e.welfare_only and not profile.is_welfare:
        conditions.append("등록 장애인(복지 대상)")
        facts.append("고객은 복지 대상 아님")
    if not conditions:
        return None
    return (f"{josa(plan.name, '은/는')} {', '.join(conditions)}만 가입할 수 있습니다 "
            f"({', '.join(facts)})")


def find_plan(catalog: PlanCatalog, plan_name_or_id: str) -> Plan | None:
    return (catalog.find(plan_name_or_id) or catalog.by_name(plan_name_or_id)
            or catalog.best_match(plan_name_or_id))


def explain_exclusion(plan_name_or_id: str, profile: CustomerProfile, *, catalog: PlanCatalog | None = None,
                      today: date | None = None) -> str:
    """Why the caller can't have this plan ("5G 시니어 베이직은 만 65세 이상만 …"), or that they can."""
    catalog = given(catalog, "engine")
    today = today or date.today()
    plan = find_plan(catalog, plan_name_or_id)
    if plan is None:
        raise NotFoundError(f"요금제를 찾을 수 없습니다: {plan_name_or_id}")
    reason = exclusion_reason(plan, profile, today)
    if reason is None:
        return (f"{josa(plan.name, '은/는')} 가입할 수 있습니다 "
                f"(고객 만 {profile.age_on(today)}세, 가입 조건: {plan.eligibility.label})")
    return reason


# -- costing ----------------------------------------------------------------------------------------

def _on_selective_now(profile: CustomerProfile, today: date) -> bool:
    if profile.contract_type is ContractType.NONE:
        return False
    return profile.contract_end is None or profile.contract_end >= today


def current_plan_fee(plan: Plan, profile: CustomerProfile, today: date) -> int:
    """What the caller pays now for `plan`: the 선택약정 price while their contract runs."""
    if _on_selective_now(profile, today) and plan.selective_discount_eligible:
        return selective_price(plan.monthly_fee)
    return plan.monthly_fee


def current_plan_summary(profile: CustomerProfile, today: date, catalog: PlanCatalog | None = None) -> str:
    """One line for the caller card: what the current plan costs this caller and gives."""
    plan = find_plan(given(catalog, "engine"), profile.current_plan)
    if plan is None:
        return "카탈로그에 없는 요금제 (요금 확인 필요)"
    paying = current_plan_fee(plan, profile, today)
    fee = f"월 {won(plan.monthly_fee)}"
    if paying != plan.monthly_fee:
        fee += f" → 선택약정 {won(paying)}"
    return f"{fee} · 데이터 {plan.data_label}"


def _effective_fee(plan: Plan) -> int:
    return selective_price(plan.monthly_fee) if plan.selective_discount_eligible else plan.monthly_fee


def _data_value(plan: Plan) -> float:
    return math.inf if plan.is_unlimited else float(plan.data_gb or 0.0)


def _benefit_score(plan: Plan) -> int:
    b = plan.benefits
    return sum((bool(b.choice_options), b.membership is not None, b.data_sharing is not None,
                plan.roaming is not None, plan.carryover, bool(b.extras)))


@dataclass(frozen=True)
class _Candidate:
    plan: Plan
    index: int
    effective_fee: int
    addons: tuple[AddOn, ...]
    included_ott: str | None
    covers: bool
    near_fit: bool

    @property
    def total(self) -> int:
        return self.effective_fee + sum(a.price for a in self.addons)

    @property
    def rank_key(self) -> tuple:
        # cheapest first; on a tie: more data, the caller's own group plan, carryover, catalog order
        return (self.total, -_data_value(self.plan), not _restricted(self.plan), not self.plan.carryover,
                self.index)


def data_fit(plan: Plan, need: float) -> tuple[bool, bool]:
    """(covers, near_fit) of a plan's data for a monthly need in GB."""
    if plan.is_unlimited or (plan.data_gb or 0.0) >= need:
        return True, False
    near = ((plan.data_gb or 0.0) >= need * NEAR_FIT_SHARE
            and (plan.speed_after_cap_mbps or 0.0) >= NEAR_FIT_MIN_SPEED_MBPS)
    return False, near


def _addons_for(plan: Plan, priced: dict[str, AddOn | None]) -> tuple[str | None, tuple[AddOn, ...]]:
    """(the OTT the plan's 초이스 pick covers, add-ons for the rest); `priced`: OTT → its add-on.

    초이스 plans include ONE service of the caller's choice, so with several requested OTTs the
    pick goes to the one whose add-on costs most and the others are bought as add-ons.
    """
    includable = [ott for ott in priced if plan_includes_ott(plan, ott)]
    included = max(includable, key=lambda o: priced[o].price if priced[o] else 0, default=None)
    addons = tuple(a for ott, a in priced.items() if ott != included and a is not None)
    return included, addons


# -- the recommender --------------------------------------------------------------------------------

def recommend(profile: CustomerProfile, usage: UsageSummary, needs: CallNeeds | None = None, *,
              catalog: PlanCatalog | None = None, today: date) -> Recommendation:
    """Ranked plan options for this caller (see the module docstring for the rules)."""
    catalog = given(catalog, "engine")
    needs = needs or CallNeeds()
    otts = tuple(dict.fromkeys(canonical_ott(o) for o in needs.ott))
    age = profile.age_on(today)
    need = round(max(usage.typical_data_need_gb, needs.min_data_gb or 0.0), 2)
    notes: list[str] = []

    current = find_plan(catalog, profile.current_plan) if profile.current_plan else None
    current_fee = current_plan_fee(current, profile, today) if current else None
    priced = {ott: ott_addon(catalog, ott) for ott in otts}
    current_addons = _addons_for(current, priced)[1] if current else ()
    current_total = None if current_fee is None else current_fee + sum(a.price for a in current_addons)
    notes.extend(_current_plan_notes(profile, current, current_fee, today))
    if current is not None and current.benefits.choice_options and not otts:
        notes.append(f"현재 {current.name}에는 OTT 선택 혜택이 포함되어 있습니다. 고객이 넷플릭스 등을 이용 중이면 "
                     "OTT 조건을 넣어 비교하세요 (OTT 없는 요금제로 바꾸면 별도 구독료가 생깁니다).")

    eligible = [(i, p) for i, p in enumerate(catalog.all()) if p.eligibility.allows(age, **_flags(profile))]
    pool = eligible
    if needs.wants_unlimited:
        pool = [(i, p) for i, p in eligible if p.is_unlimited]
        if not pool:
            notes.append("가입 가능한 무제한 요금제가 없어 전체 요금제에서 추천합니다.")
            pool = eligible
    candidates = []
    for index, plan in pool:
        covers, near = data_fit(plan, need)
        included, addons = _addons_for(plan, priced)
        candidates.append(_Candidate(plan, index, _effective_fee(plan), addons, included, covers, near))
    candidates.sort(key=lambda c: c.rank_key)

    def in_budget(c: _Candidate) -> bool:
        return needs.budget is None or c.total <= needs.budget

    def offers_extras(c: _Candidate) -> bool:
        """Stated needs beyond data: roaming data abroad, data sharing for family devices."""
        return ((not needs.roaming or c.plan.roaming is not None)
                and (not needs.family_sharing or c.plan.benefits.data_sharing is not None))

    covering = [c for c in candidates if c.covers]
    picks: list[tuple[_Candidate, str]] = []
    if covering:
        within = [c for c in covering if in_budget(c)]
        pool = within or covering
        preferred = [c for c in pool if offers_extras(c)]
        if (needs.roaming or needs.family_sharing) and not preferred:
            wanted = " · ".join(w for w, on in (("로밍", needs.roaming), ("데이터 쉐어링", needs.family_sharing)) if on)
            notes.append(f"요청하신 {wanted} 혜택이 포함된 요금제가 조건 안에 없어 데이터 기준으로 추천합니다.")
        best = _first_retail(preferred or pool)
        if not within:
            notes.append(f"예산 {won(needs.budget or 0)} 안에서 필요 데이터({need:g}GB)를 충족하는 요금제가 없어 "
                         "가장 저렴한 충족 요금제를 먼저 보여 드립니다.")
    elif candidates:
        best = max(candidates, key=lambda c: (_data_value(c.plan), -c.total))
        notes.append(f"필요 데이터({need:g}GB)를 충족하는 가입 가능 요금제가 없어 데이터가 가장 많은 요금제를 추천합니다.")
    else:
        best = None
        notes.append("가입 가능한 요금제가 없습니다.")
    if best is not None:
        picks.append((best, "best"))
        chosen = {best.plan.id}
        upgrade = _pick_upgrade(best, covering, chosen, in_budget)
        if upgrade is not None:
            picks.append((upgrade, "upgrade"))
            chosen.add(upgrade.plan.id)
        budget_pick = _pick_budget(best, candidates, chosen, in_budget, needs.budget)
        if budget_pick is not None:
            picks.append((budget_pick, "budget"))
            chosen.add(budget_pick.plan.id)
        families = {c.plan.family for c, _ in picks}
        shapes = {(_data_value(c.plan), c.total) for c, _ in picks}
        for c in covering:
            if sum(tag == "alternative" for _, tag in picks) >= MAX_ALTERNATIVES:
                break
            if (c.plan.id in chosen or c.plan.family in families or (_data_value(c.plan), c.total) in shapes
                    or (not in_budget(c) and in_budget(best))):
                continue
            shapes.add((_data_value(c.plan), c.total))
            picks.append((c, "alternative"))
            chosen.add(c.plan.id)
            families.add(c.plan.family)

    context = _ReasonContext(profile, usage, needs, otts, need, age, today, current, current_total, catalog)
    options = tuple(_option(c, tag, context) for c, tag in picks)
    if any(o.plan.channel is Channel.ONLINE for o in options):
        notes.append("요고는 온라인 다이렉트 전용(약정·선택약정 할인 없음)이며 KT닷컴/마이케이티에서 가입합니다.")
    excluded = _popular_exclusions(catalog, profile, today)
    return Recommendation(
        need_gb=need, current_plan=current, current_fee=current_fee, options=options, excluded=excluded,
        notes=tuple(notes), age=age, avg_data_gb=usage.avg_data_gb, max_data_gb=usage.max_data_gb,
        current_addon_fee=sum(a.price for a in current_addons), needs=needs,
    )


def recommend_for(lookup: CallerLookup, needs: CallNeeds | None = None, *,
                  today: date | None = None, catalog: PlanCatalog | None = None) -> Recommendation:
    """Recommendation for a looked-up caller (the shipped catalog unless one is given; today by default)."""
    return recommend(lookup.profile, lookup.usage, needs, catalog=catalog, today=today or date.today())


def _first_retail(ranked: list[_Candidate]) -> _Candidate | None:
    """The first plan the agent can switch to on the call; an online-only one if that is all there is."""
    return next((c for c in ranked if c.plan.channel is Channel.RETAIL), ranked[0] if ranked else None)


def upgrade_limit(best_total: int) -> int:
    return max(UPGRADE_MIN_EXTRA, round(best_total * UPGRADE_EXTRA_SHARE))


def _pick_upgrade(best: _Candidate, covering: list[_Candidate], chosen: set[str], in_budget) -> _Candidate | None:
    """More data (or the same data with more benefits) for a small extra, in the best pick's channel."""
    best_value = (_data_value(best.plan), _benefit_score(best.plan))
    limit = upgrade_limit(best.total)
    options = [
        c for c in covering
        if c.plan.id not in chosen and 0 <= c.total - best.total <= limit
        and (c.plan.channel is best.plan.channel or best.plan.channel is Channel.ONLINE)
        and (_data_value(c.plan), _benefit_score(c.plan)) > best_value
        and (in_budget(c) or not in_budget(best))
    ]
    return max(options, key=lambda c: (_data_value(c.plan), _benefit_score(c.plan), _restricted(c.plan),
                                       -c.total, -c.index), default=None)


def _pick_budget(best: _Candidate, candidates: list[_Candidate], chosen: set[str], in_budget,
                 budget: int | None) -> _Candidate | None:
    """The cheapest plan under the best pick that (nearly) covers; else the most data in budget."""
    cheaper = [c for c in candidates if c.plan.id not in chosen and c.total < best.total and in_budget(c)]
    fitting = [c for c in cheaper if c.covers or c.near_fit]
    if fitting:
        return min(fitting, key=lambda c: c.rank_key)
    if budget is not None and not in_budget(best) and cheaper:
        return max(cheaper, key=lambda c: (_data_value(c.plan), -c.total))
    return None


# -- reasons and notes ------------------------------------------------------------------------------

@dataclass(frozen=True)
class _ReasonContext:
    profile: CustomerProfile
    usage: UsageSummary
    needs: CallNeeds
    otts: tuple[str, ...]
    need: float
    age: int
    today: date
    current: Plan | None
    current_total: int | None
    catalog: PlanCatalog


def _speed(mbps: float) -> str:
    return f"{mbps:g}Mbps" if mbps >= 1 else f"{mbps * 1000:g}Kbps"


def _option(c: _Candidate, tag: str, ctx: _ReasonContext) -> PlanOption:
    plan = c.plan
    saving = None if ctx.current_total is None else ctx.current_total - c.total
    reasons: list[str] = []
    if ctx.current is not None and plan.id == ctx.current.id:
        reasons.append("현재 이용 중인 요금제" + (" (이용 패턴에 가장 잘 맞음)" if tag == "best" else ""))
    reasons.append(_data_reason(c, ctx))
    is_current = ctx.current is not None and plan.id == ctx.current.id
    if is_current and saving:
        reasons.append(f"요금제 유지 + 선택약정 가입 시 월 {won(saving)} 절약 (연 {won(saving * 12)})")
    elif saving is not None and not is_current:
        if saving > 0:
            reasons.append(f"현재 대비 월 {won(saving)} 절약 (연 {won(saving * 12)})")
        elif saving < 0:
            reasons.append(f"현재 대비 월 {won(-saving)} 추가 (연 {won(-saving * 12)})")
        else:
            reasons.append("현재와 같은 월 요금")
    if plan.selective_discount_eligible:
        reasons.append(f"월정액 {won(plan.monthly_fee)} → 선택약정 25% 적용 시 {won(c.effective_fee)}")
    elif plan.channel is Channel.ONLINE:
        reasons.append(f"온라인 다이렉트 전용, 선택약정 할인 없음 (월 {won(plan.monthly_fee)})")
        months_left = ctx.profile.contract_months_left(ctx.today)
        if months_left:
            reasons.append(f"선택약정 잔여 {months_left}개월: 다이렉트 요금제로 바꾸면 할인반환금이 생길 수 있음")
    if _restricted(plan):
        reasons.append(f"{plan.eligibility.label} {plan.family.value} 요금제 가입 가능")
    for ott in ctx.otts:
        addon = ott_addon(ctx.catalog, ott)
        if ott == c.included_ott:
            extra = f" (별도 가입 시 월 {won(addon.price)})" if addon else ""
            reasons.append(f"{ott} 초이스 혜택 포함{extra}")
        elif addon is not None and addon in c.addons:
            reasons.append(f"{addon.name} 별도 가입 월 {won(addon.price)} 포함 총 월 {won(c.total)}")
    y_dom = ctx.catalog.rules.y_dom if ctx.catalog.rules else None
    if y_dom and ctx.age <= y_dom.max_age and plan.benefits.y_dom and not plan.is_unlimited \
            and "2배" in plan.benefits.y_dom and plan.data_gb:
        reasons.append(f"만 {y_dom.max_age}세 이하 Y덤 신청 시 기본데이터 2배 ({plan.data_gb * 2:g}GB)")
    if ctx.needs.roaming and plan.roaming:
        reasons.append(f"로밍 {plan.roaming}")
    if ctx.needs.family_sharing and plan.benefits.data_sharing:
        reasons.append(f"데이터 쉐어링 {plan.benefits.data_sharing}")
    return PlanOption(
        plan=plan, fee=plan.monthly_fee,
        selective_fee=selective_price(plan.monthly_fee) if plan.selective_discount_eligible else None,
        effective_fee=c.effective_fee, covers_need=c.covers, saving_monthly=saving,
        saving_yearly=None if saving is None else saving * 12, reasons=tuple(reasons), tag=tag,  # type: ignore[arg-type]
        addons=c.addons, near_fit=c.near_fit,
    )


def _data_reason(c: _Candidate, ctx: _ReasonContext) -> str:
    plan = c.plan
    provided = "데이터 무제한" if plan.is_unlimited else f"{plan.data_gb:g}GB 제공"
    if ctx.needs.min_data_gb and ctx.needs.min_data_gb >= ctx.usage.typical_data_need_gb:
        basis = f"요청 데이터 {ctx.needs.min_data_gb:g}GB 이상"
    elif ctx.usage.recent:
        basis = f"최근 3개월 평균 {ctx.usage.avg_data_gb:.1f}GB 사용 (최대 {ctx.usage.max_data_gb:.1f}GB)"
    else:  # no usage on record and no stated need: say what the plan gives, claim nothing about use
        return provided
    if c.covers:
        return f"{basis} → {provided}"
    short = ctx.need - (plan.data_gb or 0.0)
    if c.near_fit and plan.speed_after_cap_mbps:
        return (f"{basis} → {provided}, 필요량보다 {short:.1f}GB 적지만 소진 후 "
                f"{_speed(plan.speed_after_cap_mbps)}로 계속 사용")
    return f"{basis} → {provided} (필요량 {ctx.need:g}GB보다 {short:.1f}GB 부족)"


def _current_plan_notes(profile: CustomerProfile, current: Plan | None, current_fee: int | None,
                        today: date) -> list[str]:
    if current is None:
        return [f"현재 요금제 '{profile.current_plan}'을(를) 카탈로그에서 찾지 못해 절약액을 계산하지 않습니다."]
    notes = []
    if _on_selective_now(profile, today) and current.selective_discount_eligible:
        notes.append(f"현재 {current.name} 선택약정 적용 중: 월 {won(current_fee or 0)} (정가 {won(current.monthly_fee)}) "
                     "— 추천 요금도 선택약정 적용가로 비교합니다.")
    elif profile.contract_type is not ContractType.NONE and profile.contract_end is not None:
        notes.append(f"선택약정이 {profile.contract_end:%Y-%m-%d}에 끝나 현재 정가 {won(current.monthly_fee)} 납부 중 "
                     "— 추천 요금은 재약정(선택약정 25%) 기준입니다.")
    else:
        notes.append(f"현재 약정 없이 정가 {won(current.monthly_fee)} 납부 중 — 추천 요금은 선택약정 25% 적용 기준이며 "
                     "절약액에 약정 할인이 포함됩니다.")
    if exclusion_reason(current, profile, today):
        notes.append(f"현재 요금제 {josa(current.name, '은/는')} 고객의 현재 조건으로는 "
                     "새로 가입할 수 없습니다 (변경 시 다시 선택 불가).")
    return notes


def _popular_exclusions(catalog: PlanCatalog, profile: CustomerProfile, today: date) -> tuple[tuple[str, str], ...]:
    """For each group-restricted family, the first plan this caller can't have, with the reason."""
    result = []
    for family in catalog.families():
        for plan in catalog.by_family(family):
            reason = exclusion_reason(plan, profile, today)
            if reason:
                result.append((plan.name, reason))
                break
    return tuple(result)

