"""Compare what the product pages say with the catalog: fee changes, plans added or removed."""

from __future__ import annotations

from dataclasses import dataclass

from ktcs_desktop.core.catalog import PlanCatalog, normalize_name
from ktcs_desktop.core.formatting import won
from ktcs_desktop.ingestion.pages import PageSpec
from ktcs_desktop.ingestion.parse import PageFact


@dataclass(frozen=True)
class PlanChange:
    kind: str  # "fee_changed" | "added" | "removed"
    item_code: int
    name: str
    plan_id: str | None = None
    old_fee: int | None = None
    new_fee: int | None = None

    @property
    def message(self) -> str:
        if self.kind == "fee_changed":
            return f"{self.name}: 월정액 {won(self.old_fee or 0)} → {won(self.new_fee or 0)}"
        if self.kind == "added":
            fee = f" (월 {won(self.new_fee)})" if self.new_fee else ""
            return f"새 요금제: {self.name}{fee} — 카탈로그에 없음"
        return f"페이지에서 사라짐: {self.name} ({self.plan_id})"


def diff_page(page: PageSpec, facts: list[PageFact], catalog: PlanCatalog) -> list[PlanChange]:
    """Changes between one page's plan rows and the catalog plans sourced from that page."""
    plans = [p for p in catalog if p.source.kt_item_code == page.item_code]
    by_name = {normalize_name(p.name): p for p in plans}
    seen: set[str] = set()
    changes: list[PlanChange] = []
    for fact in facts:
        plan = by_name.get(normalize_name(fact.name))
        if plan is None:
            match = catalog.best_match(fact.name)
            plan = match if match is not None and match in plans and match.id not in seen else None
        if plan is None:
            changes.append(PlanChange("added", page.item_code, fact.name, new_fee=fact.monthly_fee))
            continue
        seen.add(plan.id)
        if fact.monthly_fee is not None and fact.monthly_fee != plan.monthly_fee:
            changes.append(PlanChange("fee_changed", page.item_code, plan.name, plan.id,
                                      plan.monthly_fee, fact.monthly_fee))
    changes += [PlanChange("removed", page.item_code, p.name, p.id, p.monthly_fee)
                for p in plans if p.id not in seen]
    return changes
