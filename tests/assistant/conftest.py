from __future__ import annotations

from collections.abc import Iterator

import pytest

from ktcs_desktop.core.config import Settings
from ktcs_desktop.core.models import CallerLookup
from ktcs_desktop.core.services.container import Services, create_services


@pytest.fixture
def seeded(settings: Settings) -> Iterator[Services]:
    svc = create_services(settings)
    svc.prepare_database()
    yield svc
    svc.close()


@pytest.fixture
def kim(seeded: Services) -> CallerLookup:
    """김철수 010-1234-5678, the caller on screen."""
    return seeded.lookup.lookup("010-1234-5678")


@pytest.fixture(autouse=True)
def _fresh_servers() -> Iterator[None]:
    """Each test meets every server for the first time (quirks and circuit breakers are per session)."""
    from ktcs_desktop.core.assistant import llm_client
    from ktcs_desktop.core.retrieval.embedding import forget_probes

    llm_client.forget_servers()
    forget_probes()
    yield
    llm_client.forget_servers()
    forget_probes()
