from __future__ import annotations

import threading

import pytest

from ktcs_desktop.core.retrieval import KnowledgeBase, store
from ktcs_desktop.ingestion import KT_PAGES, HttpFetcher, IngestProgress, SnapshotFetcher, build_index
from tests.helpers.settings import isolated_settings


@pytest.fixture
def home(tmp_path):
    return tmp_path / "home"


def _built(settings):
    report = build_index(settings, offline=True)
    assert report.ok, report.message
    return store.current_version_dir(settings)


def test_offline_build_reports_each_page(home):
    settings = isolated_settings(home)
    events: list[IngestProgress] = []
    report = build_index(settings, offline=True, progress=events.append)
    assert report.ok and report.mode == "offline" and report.changes == []
    assert [e.page.item_code for e in events if e.state == "ok"] == [p.item_code for p in KT_PAGES]
    assert events[-1].state == "done" and events[-1].done == events[-1].total
    assert report.documents > 49 and report.version == store.current_version_dir(settings).name
    assert "새로고침했습니다" in report.message and "다른 점 없음" in report.summary()


def test_failed_page_keeps_previous_index(home):
    settings = isolated_settings(home)
    live = _built(settings)

    class Flaky(SnapshotFetcher):
        def fetch(self, page):
            if page.item_code == 1284:
                raise RuntimeError("HTTP 503")
            return super().fetch(page)

    report = build_index(settings, offline=False, fetcher=Flaky())
    assert not report.ok and not report.cancelled
    assert "5G 슬림" in report.message and "기존 색인을 그대로 사용합니다" in report.message
    assert [p.ok for p in report.pages][-1] is False
    assert store.current_version_dir(settings) == live
    assert KnowledgeBase.open(settings).search("슬림 14기가", k=1)[0].plan_id == "5g-slim-14gb"


def test_cancel_during_indexing_keeps_previous_index(home):
    settings = isolated_settings(home)
    live = _built(settings)
    cancel = threading.Event()

    def progress(event: IngestProgress) -> None:
        if event.state == "indexing":
            cancel.set()

    report = build_index(settings, offline=True, progress=progress, cancel=cancel)
    assert report.cancelled and not report.ok and "취소" in report.message
    assert store.current_version_dir(settings) == live
    assert sorted(p.name for p in store.index_root(settings).iterdir() if p.is_dir()) == [live.name]
    assert KnowledgeBase.open(settings).search("요고 30", k=1)[0].plan_id == "yogo-30"


def test_cancel_while_fetching(home):
    settings = isolated_settings(home)
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 3

    report = build_index(settings, offline=True, cancel=cancel)
    assert report.cancelled and len(report.pages) < len(KT_PAGES)
    assert store.current_version_dir(settings) is None


def test_failure_mid_build_keeps_previous_index(home, monkeypatch):
    settings = isolated_settings(home)
    live = _built(settings)
    real_write = store.write_index

    def broken(settings_, directory, docs, **kwargs):
        real_write(settings_, directory, docs[:10], **kwargs)  # half-written
        raise OSError("disk full")

    monkeypatch.setattr(store, "write_index", broken)
    report = build_index(settings, offline=True)
    assert not report.ok and "disk full" in report.message and "기존 색인" in report.message
    assert store.current_version_dir(settings) == live
    assert sorted(p.name for p in store.index_root(settings).iterdir() if p.is_dir()) == [live.name]
    assert KnowledgeBase.open(settings).validate()["plans"] == 49


def test_invalid_index_is_not_swapped_in(home, monkeypatch):
    settings = isolated_settings(home)
    live = _built(settings)
    from ktcs_desktop.ingestion import pipeline

    monkeypatch.setattr(pipeline, "plan_docs", lambda catalog: [])  # no plan cards → validation fails
    report = build_index(settings, offline=True)
    assert not report.ok and "검색 색인을 만들지 못했습니다" in report.message
    assert store.current_version_dir(settings) == live


def test_swap_replaces_and_prunes(home):
    settings = isolated_settings(home)
    first = _built(settings)
    second = _built(settings)
    third = _built(settings)
    assert third != second != first
    kept = {p.name for p in store.index_root(settings).iterdir() if p.is_dir()}
    assert third.name in kept and first.name not in kept and len(kept) <= 2


def test_firecrawl_path_through_the_real_client(home, stub_server):
    settings = isolated_settings(home, firecrawl_api_key="fc-test-key", firecrawl_api_url=stub_server.url)
    stub_server.markdown[1284] = stub_server.markdown[1284].replace("55,000원", "56,000원", 1)
    report = build_index(settings, offline=False)
    assert report.ok, report.message
    assert report.mode == "firecrawl"
    scrapes = [r for r in stub_server.requests if r["path"] == "/v2/scrape"]
    assert len(scrapes) == len(KT_PAGES)
    assert scrapes[0]["auth"] == "Bearer fc-test-key"
    assert scrapes[0]["json"]["url"] == KT_PAGES[0].url
    assert "markdown" in str(scrapes[0]["json"]["formats"])
    fee_changes = [c for c in report.changes if c.kind == "fee_changed"]
    assert [(c.plan_id, c.old_fee, c.new_fee) for c in fee_changes] == [("5g-slim-14gb", 55000, 56000)]
    assert "55,000원 → 56,000원" in report.summary()


def test_firecrawl_failure_keeps_previous_index(home, stub_server):
    settings = isolated_settings(home, firecrawl_api_key="fc-test-key", firecrawl_api_url=stub_server.url)
    live = _built(settings)
    stub_server.fail_codes.add(1358)
    report = build_index(settings, offline=False)
    assert not report.ok and "5G Y" in report.message
    assert store.current_version_dir(settings) == live


def test_plain_http_path(home, stub_server):
    settings = isolated_settings(home)
    fetcher = HttpFetcher(url_template=stub_server.url + "/wDic/productDetail.do?ItemCode={code}&CateCode=6002")
    try:
        report = build_index(settings, offline=False, fetcher=fetcher)
    finally:
        fetcher.close()
    assert report.ok and report.mode == "http" and report.changes == []
    assert all(p.plans_found > 0 for p in report.pages)


def test_no_network_falls_back_to_snapshots(home):
    settings = isolated_settings(home)
    fetcher = HttpFetcher(timeout=2, url_template="http://127.0.0.1:9/?ItemCode={code}")  # closed port
    try:
        report = build_index(settings, offline=False, fetcher=fetcher)
    finally:
        fetcher.close()
    assert report.ok and report.mode.startswith("offline")
