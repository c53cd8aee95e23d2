"""One index per test session, built offline from the shipped data in a temp dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from ktcs_desktop.core.config import Settings


def isolated_settings(home: Path, **overrides) -> Settings:
    values = {"openai_api_key": None, "openai_base_url": None, "ktcs_chroma_url": None,
              "firecrawl_api_key": None, "firecrawl_api_url": None}
    values.update(overrides)
    return Settings(_env_file=None, ktcs_home=home, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def kb_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return isolated_settings(tmp_path_factory.mktemp("kb-home"))


@pytest.fixture(scope="session")
def kb(kb_settings: Settings):
    from ktcs_desktop.core.retrieval import KnowledgeBase

    return KnowledgeBase.open(kb_settings)
