"""One index per test session, built offline from the shipped data in a temp dir."""

from __future__ import annotations

import pytest

from ktcs_desktop.core.config import Settings
from tests.helpers.settings import isolated_settings


@pytest.fixture(scope="session")
def kb_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return isolated_settings(tmp_path_factory.mktemp("kb-home"))


@pytest.fixture(scope="session")
def kb(kb_settings: Settings):
    from ktcs_desktop.core.retrieval import KnowledgeBase

    return KnowledgeBase.open(kb_settings)
