"""The structured KT plan catalog (Qt-free): typed plans/add-ons/rules, lookups, name resolution, fees.

Data lives in `ktcs_desktop/resources/catalog/` (plans.json, addons.json, rules.json), refreshed by editing those
files, and in the database as approved versions; `load_catalog()` validates files,
`catalog_from_documents()` a version's content, and `load_shipped_catalog()` caches the shipped copy
(for seeding and tests). Services hand the floor's approved catalog out explicitly.
"""

from __future__ import annotations

from ktcs_desktop.core.catalog.catalog import PlanCatalog, normalize_name
from ktcs_desktop.core.catalog.errors import CatalogError
from ktcs_desktop.core.catalog.fees import FeeBreakdown, calculate_fee
from ktcs_desktop.core.catalog.loader import (
    CatalogNotProvidedError,
    allow_shipped_fallback,
    catalog_documents,
    catalog_from_documents,
    forget_shipped_catalog,
    given,
    load_catalog,
    load_shipped_catalog,
)
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
    """Plans `text` probably names, best first, in `catalog`."""
    return given(catalog, "resolve_plan").resolve(text)


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
    "CatalogNotProvidedError",
    "allow_shipped_fallback",
    "catalog_documents",
    "catalog_from_documents",
    "forget_shipped_catalog",
    "given",
    "load_catalog",
    "load_shipped_catalog",
    "normalize_name",
    "parse_plan_query",
    "resolve_plan",
    "selective_discount",
    "selective_price",
]
