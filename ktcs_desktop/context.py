"""The composition root: the one module that wires the layers together.

`core` never imports `ingestion` (which imports core). This module sits above both: it hands
ingestion's index builder to core and builds the application's services. The CLI, the window,
the benchmarks and the tests start here.

    services = create_app_context(settings)     # Services: DB, lookup, catalog, knowledge, assistant…
"""

from __future__ import annotations

from ktcs_desktop.core.config import Settings
from ktcs_desktop.core.retrieval import set_index_builder
from ktcs_desktop.core.services.container import Services, create_services
from ktcs_desktop.ingestion import build_index


def install() -> None:
    """Make ingestion's builder the default for code that opens the index without a context
    (`KnowledgeBase.open(settings)` on a fresh data dir builds the shipped index)."""
    set_index_builder(build_index)


def create_app_context(settings: Settings | None = None) -> Services:
    install()
    return create_services(settings, index_builder=build_index)


__all__ = ["Services", "create_app_context", "install"]
