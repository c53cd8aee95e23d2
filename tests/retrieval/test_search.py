from __future__ import annotations

import pytest

from ktcs_desktop.core.catalog import load_shipped_catalog
from ktcs_desktop.core.errors import InvalidInputError
from ktcs_desktop.core.retrieval import KnowledgeBase, SearchFilters, SearchHit, store
from tests.helpers.settings import isolated_settings


def _plan_ids(hits: list[SearchHit]) -> list[str]:
    return [h.plan_id for h in hits if h.plan_id]


@pytest.mark.parametrize(("query", "expected"), [
    ("슬림 14기가", "5g-slim-14gb"),
    ("초이스 베이직", "5g-choice-basic"),
    ("요고 삼십", "yogo-30"),
    ("시니어 에이형", "5g-senior-a"),
    ("쵸이스 스페샬", "5g-choice-special"),
])
def test_alias_queries_find_the_plan_first(kb, query, expected):
    assert kb.search(query, k=3)[0].plan_id == expected


def test_y_alias_finds_the_y_family(kb):
    assert set(_plan_ids(kb.search("와이 요금제", k=3))) == {"5g-y-special", "5g-y-basic", "5g-y-slim"}


def test_hits_carry_text_and_source(kb):
    hit = kb.search("슬림 14기가", k=1)[0]
    assert hit.kind == "plan" and hit.title == "5G 슬림 14GB"
    assert "55,000원" in hit.text and "41,250원" in hit.text  # 선택약정 25%
    assert "ItemCode=1284" in hit.source
    assert hit.score > 0


@pytest.mark.parametrize("mode", ["hybrid", "bm25", "dense"])
def test_filters_exclude_ineligible_plans(kb, mode):
    catalog = load_shipped_catalog()
    filters = SearchFilters(age=40)
    hits = kb.search("요금제 추천 데이터 무제한 청소년 시니어 외국인 복지 Y", k=30, filters=filters, mode=mode)
    assert hits
    for plan_id in _plan_ids(hits):
        assert catalog.get(plan_id).eligibility.allows(40), plan_id


@pytest.mark.parametrize("mode", ["hybrid", "bm25", "dense"])
def test_foreigner_and_welfare_filters(kb, mode):
    query = "외국인 웰컴 장애인 복지 요금제"
    plain = _plan_ids(kb.search(query, k=20, filters=SearchFilters(age=30), mode=mode))
    assert not any(p.startswith("5g-welcome") or p.endswith("-welfare") for p in plain)
    foreigner = _plan_ids(kb.search(query, k=20, filters=SearchFilters(age=30, is_foreigner=True), mode=mode))
    assert any(p.startswith("5g-welcome") for p in foreigner)
    welfare = _plan_ids(kb.search(query, k=20, filters=SearchFilters(age=30, is_welfare=True), mode=mode))
    assert any(p.endswith("-welfare") for p in welfare)


def test_price_unlimited_and_family_filters(kb):
    catalog = load_shipped_catalog()
    hits = kb.search("무제한 요금제", k=20, filters=SearchFilters(max_fee=85_000, unlimited_only=True))
    ids = _plan_ids(hits)
    assert ids and all(catalog.get(p).is_unlimited and catalog.get(p).monthly_fee <= 85_000 for p in ids)
    assert all(h.kind != "rule" for h in hits)
    cheap = _plan_ids(kb.search("요금제", k=20, filters=SearchFilters(min_fee=60_000, families=("심플",))))
    assert cheap and all(p.startswith("5g-simple") and catalog.get(p).monthly_fee >= 60_000 for p in cheap)


def test_where_and_allows_agree(kb):
    filters = SearchFilters(age=70, max_fee=50_000)
    dense = kb.search("시니어 요금제", k=20, filters=filters, mode="dense")
    docs = {d.title: d for d in kb.docs}
    assert dense and all(filters.allows(docs[h.title].metadata) for h in dense)


def test_none_filters_include_everyone(kb):
    assert "5g-welcome-3" in _plan_ids(kb.search("웰컴 3", k=3))


def test_bad_mode_and_empty_query(kb):
    with pytest.raises(InvalidInputError):
        kb.search("슬림", mode="fuzzy")
    assert kb.search("   ") == []


def test_validate_reports_counts(kb):
    info = kb.validate()
    assert info["plans"] == 49 and info["documents"] > 49


def test_first_open_builds_the_shipped_index(tmp_path):
    settings = isolated_settings(tmp_path)
    assert store.current_version_dir(settings) is None
    kb = KnowledgeBase.open(settings)
    assert store.current_version_dir(settings) == kb.directory
    assert kb.manifest["plans"] == 49 and kb.manifest["pages"] >= 12


def test_concurrent_first_opens_build_once(tmp_path):
    import threading

    settings = isolated_settings(tmp_path)
    opened: list[KnowledgeBase] = []
    threads = [threading.Thread(target=lambda: opened.append(KnowledgeBase.open(settings))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(opened) == 3 and len({kb.directory for kb in opened}) == 1
    assert len([p for p in store.index_root(settings).iterdir() if p.is_dir()]) == 1
