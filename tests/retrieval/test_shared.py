"""`KnowledgeBase.shared`: one open index per live version, reopened after a refresh."""

from __future__ import annotations

from pathlib import Path

from ktcs_desktop.core.retrieval import KnowledgeBase
from ktcs_desktop.ingestion import build_index
from tests.helpers.settings import isolated_settings


def test_shared_reuses_until_a_new_version_is_swapped_in(tmp_path: Path) -> None:
    settings = isolated_settings(tmp_path / "home")
    first = KnowledgeBase.shared(settings)
    assert KnowledgeBase.shared(settings) is first
    report = build_index(settings, offline=True)
    assert report.ok
    second = KnowledgeBase.shared(settings)
    assert second is not first and second.directory != first.directory
    assert second.search("슬림 14기가", k=1)[0].plan_id == "5g-slim-14gb"
