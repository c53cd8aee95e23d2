"""Settings for tests that need their own home (and nothing from the environment's keys or servers)."""

from __future__ import annotations

from pathlib import Path

from ktcs_desktop.core.config import Settings


def isolated_settings(home: Path, **overrides) -> Settings:
    values = {"openai_api_key": None, "openai_base_url": None, "ktcs_chroma_url": None,
              "firecrawl_api_key": None, "firecrawl_api_url": None}
    values.update(overrides)
    return Settings(_env_file=None, ktcs_home=home, **values)  # type: ignore[call-arg]
