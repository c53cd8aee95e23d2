"""`LiveIndex`: the services' open index, reopened after a refresh and rebuilt for a new catalog version."""

from __future__ import annotations

from pathlib import Path

from ktcs_desktop.core.catalog import load_shipped_catalog
from ktcs_desktop.core.retrieval import LiveIndex
from ktcs_desktop.core.retrieval.store import current_version_dir
from ktcs_desktop.ingestion import build_index
from tests.helpers.settings import isolated_settings


def test_live_index_reuses_until_a_new_version_is_swapped_in(tmp_path: Path) -> None:
    settings = isolated_settings(tmp_path / "home")
    catalog = load_shipped_catalog()
    live = LiveIndex(settings, lambda: catalog)
    first = live.current()
    assert live.current() is first
    report = build_index(settings, offline=True, catalog=catalog)
    assert report.ok
    second = live.current()
    assert second is not first and second.directory != first.directory
    assert second.search("슬림 14기가", k=1)[0].plan_id == "5g-slim-14gb"


def test_live_index_rebuilds_for_a_new_catalog_version_only(tmp_path: Path) -> None:
    settings = isolated_settings(tmp_path / "home")
    shipped = load_shipped_catalog()
    state = {"catalog": shipped, "hash": "v1"}
    live = LiveIndex(settings, lambda: state["catalog"], catalog_hash=lambda: state["hash"])
    first = live.current()
    assert live.current() is first  # same version: no rebuild, no reopen
    built = current_version_dir(settings)
    from ktcs_desktop.core.catalog import PlanCatalog

    changed = PlanCatalog([p.model_copy(update={"monthly_fee": p.monthly_fee + 1000}) if p.id == "5g-slim-14gb"
                           else p for p in shipped], shipped.addons(), shipped.rules)
    state.update(catalog=changed, hash="v2")
    second = live.current()
    assert current_version_dir(settings) != built  # rebuilt for v2
    assert second.catalog is changed
    hit = second.search("슬림 14기가", k=1)[0]
    assert "5G 슬림 14GB" in hit.title
    assert f"{shipped.get('5g-slim-14gb').monthly_fee + 1000:,}" in hit.text
    assert live.current() is second


def test_an_index_built_by_another_analyser_is_rebuilt(tmp_path: Path) -> None:
    """An index whose terms came from another analyser (Kiwi, before) would meet queries on other
    terms: it is rebuilt, not searched."""
    import json

    from ktcs_desktop.core.retrieval import KnowledgeBase
    from ktcs_desktop.core.retrieval.store import MANIFEST
    from ktcs_desktop.core.retrieval.text import analyzer_id

    settings = isolated_settings(tmp_path / "home")
    catalog = load_shipped_catalog()
    first = KnowledgeBase.open(settings, catalog=catalog)
    assert first.manifest["analyzer"] == analyzer_id()
    assert KnowledgeBase.open(settings, catalog=catalog).directory == first.directory  # current: reused
    manifest = json.loads((first.directory / MANIFEST).read_text(encoding="utf-8"))
    manifest["analyzer"] = "kiwi 0.24; terms 1"
    (first.directory / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    again = KnowledgeBase.open(settings, catalog=catalog)
    assert again.directory != first.directory and again.manifest["analyzer"] == analyzer_id()
    assert again.search("슬림 14기가", k=1)[0].plan_id == "5g-slim-14gb"
