from __future__ import annotations

from ktcs_desktop.core.catalog import load_shipped_catalog
from ktcs_desktop.core.retrieval.evaluation import evaluate, load_eval_set


def test_eval_set_is_large_and_valid(kb):
    items = load_eval_set()
    assert len(items) >= 150
    catalog = load_shipped_catalog()
    doc_ids = {doc.id for doc in kb.docs}
    for item in items:
        assert item.plan_ids or item.doc_ids, item.question
        assert item.category, item.question
        for plan_id in item.plan_ids:
            catalog.get(plan_id)
        assert set(item.doc_ids) <= doc_ids, item.doc_ids


def test_hybrid_recall_at_3(kb):
    result = evaluate(kb, load_eval_set(), mode="hybrid")
    assert result.recall_at_3 >= 0.85, result.line()
    assert result.mrr >= 0.75, result.line()
    assert result.by_category["addon"]["recall_at_3"] >= 0.9, result.category_lines()
    assert result.by_category["price"]["recall_at_3"] >= 0.95, result.category_lines()


def test_hybrid_beats_single_modes(kb):
    items = load_eval_set()
    hybrid = evaluate(kb, items, "hybrid")
    assert hybrid.mrr > evaluate(kb, items, "bm25").mrr
    assert hybrid.mrr > evaluate(kb, items, "dense").mrr
