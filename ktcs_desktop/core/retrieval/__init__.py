"""Knowledge retrieval over the plan catalog, KT product pages and rules (Qt-free).

    kb = KnowledgeBase.open(settings)          # builds the shipped index on first use
    kb.search("슬림 14기가 선택약정", k=5, filters=SearchFilters(age=45))
    build_index(settings, offline=True, progress=..., cancel=...)   # refresh (see `ingestion`)
"""

from __future__ import annotations

from ktcs_desktop.core.retrieval.knowledge_base import (
    IndexUnavailableError,
    KnowledgeBase,
    SearchFilters,
    SearchHit,
)


def build_index(settings, *, offline: bool = True, progress=None, cancel=None):
    """Fetch/parse the product pages and build a new index, swapped in only when valid."""
    from ktcs_desktop.ingestion import build_index as _build

    return _build(settings, offline=offline, progress=progress, cancel=cancel)


__all__ = ["IndexUnavailableError", "KnowledgeBase", "SearchFilters", "SearchHit", "build_index", "self_check"]


def self_check() -> dict:
    """`--self-check`: the catalog loads and the live index (built from shipped data if missing) answers."""
    from ktcs_desktop.core.catalog import default_catalog
    from ktcs_desktop.core.config import load_settings

    catalog = default_catalog()
    info = KnowledgeBase.open(load_settings(), catalog=catalog).validate()
    return {"plans": len(catalog), **info}
