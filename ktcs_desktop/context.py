"""The composition root: the one module that wires the layers together.

`core` never imports `ingestion` (which imports core). This module sits above both: it hands
ingestion's index builder to core and builds the application's services. The CLI, the window,
the benchmarks and the tests start here.

    services = create_app_context(settings)     # Services: DB, lookup, catalog, knowledge, assistant…
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ktcs_desktop.core.config import Settings
from ktcs_desktop.core.retrieval import set_index_builder

if TYPE_CHECKING:
    from ktcs_desktop.core.services.container import Services


def build_index(settings: Any, **kwargs: Any) -> Any:
    """`ktcs_desktop.ingestion.build_index`, imported on the first build: installing it costs every
    `ktcs` command and the window nothing."""
    from ktcs_desktop.ingestion import build_index as ingestion_build_index

    return ingestion_build_index(settings, **kwargs)


def install() -> None:
    """Make ingestion's builder the default for code that opens the index without a context
    (`KnowledgeBase.open(settings)` on a fresh data dir builds the shipped index)."""
    set_index_builder(build_index)


def create_app_context(settings: Settings | None = None) -> Services:
    from ktcs_desktop.core.services.container import create_services

    install()
    return create_services(settings, index_builder=build_index)


def __getattr__(name: str) -> Any:
    if name == "Services":
        from ktcs_desktop.core.services.container import Services

        return Services
    raise AttributeError(name)


__all__ = ["Services", "create_app_context", "install"]
