"""Knowledge retrieval over the plan catalog, KT product pages and rules (Qt-free).

    kb = KnowledgeBase.open(settings, catalog=catalog)   # builds the index on first use
    kb.search("슬림 14기가 선택약정", k=5, filters=SearchFilters(age=45))
    build_index(settings, offline=True, progress=..., cancel=...)   # refresh (see `ingestion`)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ktcs_desktop.core.retrieval.knowledge_base import (
    IndexBuilder,
    IndexBuildReport,
    IndexUnavailableError,
    KnowledgeBase,
    LiveIndex,
    SearchFilters,
    SearchHit,
    index_builder,
    set_index_builder,
)


def build_index(settings: Any, *, offline: bool = True, progress: Callable[..., object] | None = None,
                cancel: Callable[[], bool] | None = None) -> IndexBuildReport:
    """Fetch/parse the product pages and build a new index, swapped in only when valid (the builder
    the composition root installed: `ktcs_desktop.ingestion.build_index`)."""
    return index_builder()(settings, offline=offline, progress=progress, cancel=cancel)


__all__ = ["IndexBuildReport", "IndexBuilder", "IndexUnavailableError", "KnowledgeBase", "LiveIndex", "SearchFilters",
           "SearchHit", "build_index", "index_builder", "self_check", "set_index_builder"]


def self_check() -> dict[str, Any]:
    """`--self-check` of a bundle: the shipped catalog loads and an index built from it answers."""
    from ktcs_desktop.core.catalog import load_shipped_catalog
    from ktcs_desktop.core.config import load_settings

    catalog = load_shipped_catalog()
    info = KnowledgeBase.open(load_settings(), catalog=catalog).validate()
    return {"plans": len(catalog), **info}
