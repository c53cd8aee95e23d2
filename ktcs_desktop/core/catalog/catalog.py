"""`PlanCatalog`: the in-memory catalog with the lookups services and the assistant use."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator

from ktcs_desktop.core.catalog.models import AddOn, CatalogRules, Plan, PlanFamily, selective_price
from ktcs_desktop.core.catalog.resolve import PlanMatch, PlanResolver
from ktcs_desktop.core.errors import NotFoundError


def normalize_name(name: str) -> str:
    """Key for exact-name lookup: NFKC, case-folded, without whitespace."""
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())


class PlanCatalog:
    """Immutable set of plans, add-ons and rules; plans keep the file's order."""

    def __init__(
        self, plans: Iterable[Plan], addons: Iterable[AddOn] = (), rules: CatalogRules | None = None
    ):
        self._plans: tuple[Plan, ...] = tuple(plans)
        self._addons: tuple[AddOn, ...] = tuple(addons)
        self.rules = rules
        self._by_id = {plan.id: plan for plan in self._plans}
        self._by_name = {normalize_name(plan.name): plan for plan in self._plans}
        self._addons_by_id = {addon.id: addon for addon in self._addons}
        self._resolver = PlanResolver(self._plans)

    def __len__(self) -> int:
        return len(self._plans)

    def __iter__(self) -> Iterator[Plan]:
        return iter(self._plans)

    def all(self) -> tuple[Plan, ...]:
        return self._plans

    def get(self, plan_id: str) -> Plan:
        """The plan with this id; `NotFoundError` (Korean message) when there is none."""
        try:
            return self._by_id[plan_id]
        except KeyError:
            raise NotFoundError(f"요금제를 찾을 수 없습니다: {plan_id}") from None

    def find(self, plan_id: str) -> Plan | None:
        return self._by_id.get(plan_id)

    def by_name(self, name: str) -> Plan | None:
        """Exact name match, ignoring case, width and spaces ("5g 슬림14GB" finds "5G 슬림 14GB")."""
        return self._by_name.get(normalize_name(name))

    def families(self) -> tuple[PlanFamily, ...]:
        """Families present in the catalog, in catalog order."""
        return tuple(dict.fromkeys(plan.family for plan in self._plans))

    def by_family(self, family: PlanFamily | str) -> tuple[Plan, ...]:
        family = PlanFamily(family)
        return tuple(plan for plan in self._plans if plan.family is family)

    def eligible_for(
        self, age: int, is_foreigner: bool = False, is_welfare: bool = False
    ) -> tuple[Plan, ...]:
        """Plans a caller of this 만 나이 and status may subscribe to."""
        return tuple(
            plan
            for plan in self._plans
            if plan.eligibility.allows(age, is_foreigner=is_foreigner, is_welfare=is_welfare)
        )

    def selective_fee(self, plan: Plan) -> int | None:
        """Monthly fee under 선택약정, or None when the plan has no 선택약정 discount."""
        return selective_price(plan.monthly_fee) if plan.selective_discount_eligible else None

    def effective_fee(self, plan: Plan, with_selective: bool) -> int:
        """What the customer pays per month (the list fee when 선택약정 does not apply)."""
        if with_selective and plan.selective_discount_eligible:
            return selective_price(plan.monthly_fee)
        return plan.monthly_fee

    def resolve(self, text: str, *, limit: int = 10) -> list[Plan]:
        """Plans the agent or caller probably means by `text`, best first (see `resolve.py`)."""
        return [match.plan for match in self.resolve_scored(text, limit=limit)]

    def resolve_scored(self, text: str, *, limit: int = 10) -> list[PlanMatch]:
        exact = self.by_name(text)
        matches = self._resolver.resolve(text)
        if exact is not None:
            matches = [PlanMatch(exact, 1.0)] + [m for m in matches if m.plan.id != exact.id]
        return matches[:limit]

    def best_match(self, text: str) -> Plan | None:
        """The single plan `text` names, or None when nothing or several plans fit equally well."""
        matches = self.resolve_scored(text, limit=2)
        if not matches:
            return None
        if len(matches) == 2 and matches[1].score >= matches[0].score:
            return None
        return matches[0].plan

    def addons(self) -> tuple[AddOn, ...]:
        return self._addons

    def get_addon(self, addon_id: str) -> AddOn:
        try:
            return self._addons_by_id[addon_id]
        except KeyError:
            raise NotFoundError(f"부가서비스를 찾을 수 없습니다: {addon_id}") from None
