"""What a question mentions, separately from what it asks (the intent): plans, families, add-ons,
ages, amounts, data amounts, durations and properties ("무제한", "이월", "제일 싼").

Ages, amounts and durations are taken out of the text before plan names are looked for, so
"34살" is an age and "4만원" a budget, never 요고 34 / 요고 40.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ktcs_desktop.core.catalog import AddOn, Plan, PlanCatalog, PlanFamily, given, parse_plan_query
from ktcs_desktop.core.catalog.addons import AddOnResolver, brands_in, without_addon_names
from ktcs_desktop.core.catalog.resolve import extract_quantities, normalize_spoken

_FAMILY_WORDS: dict[str, PlanFamily] = {
    "시니어": PlanFamily.SENIOR, "주니어": PlanFamily.JUNIOR, "쥬니어": PlanFamily.JUNIOR, "Y틴": PlanFamily.Y_TEEN,
    "와이틴": PlanFamily.Y_TEEN, "청소년": PlanFamily.Y_TEEN, "웰컴": PlanFamily.WELCOME,
    "외국인": PlanFamily.WELCOME, "복지": PlanFamily.WELFARE, "장애인": PlanFamily.WELFARE, "요고": PlanFamily.YOGO,
    "청년": PlanFamily.Y, "초이스": PlanFamily.CHOICE, "쵸이스": PlanFamily.CHOICE, "심플": PlanFamily.SIMPLE,
    "씸플": PlanFamily.SIMPLE, "슬림": PlanFamily.SLIM, "이월": PlanFamily.SLIM_CARRYOVER,
}
_Y_RE = re.compile(r"(?<![A-Za-z가-힣])(?:Y|y|와이)(?![A-Za-z]|틴)")
_GB_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:기가바이트|기가|GB|gb|G(?![A-Za-z]))")

CHEAPEST_RE = re.compile(r"(제일|가장|젤|최고로|제일로)\s*(싼|저렴|쌈)|최저|싼\s*(게|거|것)\s*(뭐|어떤)|저렴한\s*(게|거)")
MOST_DATA_RE = re.compile(r"(데이터|기가).{0,6}(제일|가장)\s*많|(제일|가장)\s*많이\s*주|데이터\s*(가|를)?\s*많은|많이\s*주는")
UNLIMITED_RE = re.compile(r"무제한")
CARRYOVER_RE = re.compile(r"이월|다음\s*달로?\s*(넘어|넘기)")
ROAMING_RE = re.compile(r"로밍|해외")
SELECTIVE_RE = re.compile(r"선택\s*약정|약정\s*할인|약정\s*되는|약정하면")
STORE_RE = re.compile(r"매장|대리점|오프라인|방문|지점|직영점")
PHONE_RE = re.compile(r"전화로|전화\s*(상담|가입|해서)|114|고객센터|상담원(님)?이|상담사(님)?이|지금\s*(바꿔|변경)")
AT_LEAST_RE = re.compile(r"(이상|넘는|넘게|넘어|부터)")
AT_MOST_RE = re.compile(r"(이하|안쪽|안으로|까지|내로|넘지|밑|아래|미만)")


@dataclass(frozen=True)
class Entities:
    text: str
    plans: tuple[Plan, ...] = ()
    families: tuple[PlanFamily, ...] = ()
    addon_groups: tuple[tuple[AddOn, ...], ...] = ()  # per brand mentioned, the add-ons meant
    brands: tuple[str, ...] = ()  # 넷플릭스, 티빙, 유튜브, 디즈니, 밀리, 지니, 매거진
    ages: tuple[int, ...] = ()
    amounts: tuple[int, ...] = ()
    amount_ranges: tuple[tuple[int, int], ...] = ()
    gbs: tuple[float, ...] = ()
    months: tuple[int, ...] = ()
    unlimited: bool = False
    carryover: bool = False
    roaming: bool = False
    selective: bool = False
    cheapest: bool = False
    most_data: bool = False
    in_store: bool = False  # asks about a store / the phone (not online)
    at_least: bool = False
    at_most: bool = False
    unknown_plan: str | None = None  # "요고 50", "슬림 30기가": a family with a number no plan has
    masked: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def addons(self) -> tuple[AddOn, ...]:
        return tuple(a for group in self.addon_groups for a in group)

    @property
    def age(self) -> int | None:
        return self.ages[0] if self.ages else None

    @property
    def budget(self) -> int | None:
        if self.amount_ranges:
            return self.amount_ranges[0][1]
        return self.amounts[0] if self.amounts else None


def extract_entities(text: str, catalog: PlanCatalog | None = None) -> Entities:
    from ktcs_desktop.core.assistant.knowledge import find_plans

    catalog = given(catalog, "entities")
    spoken = normalize_spoken(text)
    q = extract_quantities(spoken)
    masked = without_addon_names(q.text)
    plans = tuple(find_plans(masked, catalog)) if masked.strip() else ()
    families = []
    for word, family in _FAMILY_WORDS.items():
        if word in spoken and family not in families:
            families.append(family)
    if _Y_RE.search(masked) and PlanFamily.Y not in families and PlanFamily.Y_TEEN not in families:
        families.append(PlanFamily.Y)
    resolver = AddOnResolver(catalog.addons())
    groups = tuple(tuple(g) for g in resolver.resolve(spoken))
    gbs = tuple(float(m.group(1)) for m in _GB_RE.finditer(masked)
                if not (m.group(1) == "5" and m.group(0)[-1] in "Gg"))
    unknown = _unknown_plan(masked, plans, families, catalog)
    return Entities(
        text=text, plans=plans, families=tuple(families), addon_groups=groups, brands=brands_in(spoken),
        ages=q.ages, amounts=q.amounts, amount_ranges=q.amount_ranges, gbs=gbs, months=q.months,
        unlimited=bool(UNLIMITED_RE.search(text)), carryover=bool(CARRYOVER_RE.search(text)),
        roaming=bool(ROAMING_RE.search(text)), selective=bool(SELECTIVE_RE.search(text)),
        cheapest=bool(CHEAPEST_RE.search(text)), most_data=bool(MOST_DATA_RE.search(text)),
        in_store=bool(STORE_RE.search(text) or PHONE_RE.search(text)),
        at_least=bool(AT_LEAST_RE.search(text)), at_most=bool(AT_MOST_RE.search(text)),
        unknown_plan=unknown, masked=masked,
    )


_NAMED_NUMBER_RE = re.compile(r"(요고|슬림|심플|씸플|웰컴)\s*(?:\(이월\)\s*|이월\s*)?(\d+(?:\.\d+)?)\s*(기가|GB|gb|G)?")


def _unknown_plan(masked: str, plans: tuple[Plan, ...], families: list[PlanFamily],
                  catalog: PlanCatalog) -> str | None:
    """A family word with a number that no plan of that family has ("요고 50", "슬림 30기가")."""
    parsed = parse_plan_query(masked)
    for m in _NAMED_NUMBER_RE.finditer(masked):
        word, number = m.group(1), float(m.group(2))
        family = _FAMILY_WORDS.get(word)
        if family is None:
            continue
        pool = catalog.by_family(family)
        fits = [p for p in pool if p.data_gb == number or p.monthly_fee == number * 1000 or
                str(int(number)) in p.name.split()]
        if not fits and not any(p.family is family and (p.data_gb == number or p.monthly_fee == number * 1000)
                                for p in plans):
            return m.group(0).strip()
    _ = parsed
    return None
