"""The structured KT plan catalog (Qt-free): typed plans/add-ons/rules, lookups, name resolution, fees.

Data lives in `ktcs_desktop/resources/catalog/` (plans.json, addons.json, rules.json), refreshed by editing those
files; `load_catalog()` validates them and `default_catalog()` caches the shipped copy.
"""

from __future__ import annotations

from ktcs_desktop.core.catalog.catalog import PlanCatalog, normalize_name
from ktcs_desktop.core.catalog.errors import CatalogError
from ktcs_desktop.core.catalog.fees import FeeBreakdown, calculate_fee
from ktcs_desktop.core.catalog.loader import clear_default_catalog, default_catalog, load_catalog
from ktcs_desktop.core.catalog.models import (
    AddOn,
    Benefits,
    CatalogRules,
    Channel,
    Eligibility,
    Plan,
    PlanFamily,
    SourceRef,
    selective_discount,
    selective_price,
)
from ktcs_desktop.core.catalog.resolve import PlanMatch, PlanQuery, parse_plan_query


def resolve_plan(text: str, catalog: PlanCatalog | None = None) -> list[Plan]:
    """Plans `text` probably names, best first, from the shipped catalog unless one is given."""
    return (catalog or default_catalog()).resolve(text)


__all__ = [
    "AddOn",
    "Benefits",
    "CatalogError",
    "CatalogRules",
    "Channel",
    "Eligibility",
    "FeeBreakdown",
    "Plan",
    "PlanCatalog",
    "PlanFamily",
    "PlanMatch",
    "PlanQuery",
    "SourceRef",
    "calculate_fee",
    "clear_default_catalog",
    "default_catalog",
    "load_catalog",
    "normalize_name",
    "parse_plan_query",
    "resolve_plan",
    "selective_discount",
    "selective_price",
]
