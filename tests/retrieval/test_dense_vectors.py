"""Dense search reads the index's dense.npy with numpy: the same neighbours, in the same order, as
the Chroma collection built beside it (docs orthogonal to the query tie at 0.0; Chroma orders those
arbitrarily, numpy by document; float32 sums can differ in the last bit), and no chromadb import on the embedded search path."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from ktcs_desktop.core.retrieval import KnowledgeBase, SearchFilters, store
from ktcs_desktop.core.retrieval.evaluation import load_eval_set

FILTERS = [None, SearchFilters(age=70), SearchFilters(max_fee=50000, unlimited_only=True),
           SearchFilters(is_foreigner=True, min_fee=40000), SearchFilters(families=("5G 슬림",))]


def _via_chroma(kb: KnowledgeBase) -> KnowledgeBase:
    chroma_kb = KnowledgeBase(kb.settings, kb.directory, kb.catalog)
    chroma_kb.manifest = {**chroma_kb.manifest, "dense": None}  # as an index built before dense.npy
    return chroma_kb


def test_index_has_unit_vectors_for_every_doc(kb):
    vectors = np.load(kb.directory / store.DENSE)
    assert vectors.dtype == np.float32 and vectors.shape == (len(kb.docs), 512)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: "none" if f is None else repr(f)[13:60])
def test_numpy_ranking_is_the_chroma_ranking(kb, filters):
    chroma_kb = _via_chroma(kb)
    effective = filters or SearchFilters()
    questions = [item.question for item in load_eval_set()]
    assert questions
    for question in questions:
        mine = kb._dense_ranking(question, effective if filters else kb_no_filters(kb))
        theirs = chroma_kb._dense_ranking(question, effective if filters else kb_no_filters(kb))
        assert len(mine) == len(theirs), question
        assert np.allclose([s for _, s in mine], [s for _, s in theirs], atol=1e-5), question
        assert _tie_groups(mine) == _tie_groups(theirs), question
    assert kb._vectors is not None and chroma_kb._collection is not None  # each took its own path


def _tie_groups(ranking):
    """The ranking as groups of documents of equal similarity (within 1e-6 of the previous one),
    without the group the cut-off truncates."""
    groups: list[set[int]] = []
    previous = None
    for i, score in ranking:
        if previous is not None and abs(previous - score) <= 1e-6:
            groups[-1].add(i)
        else:
            groups.append({i})
        previous = score
    return groups[:-1]


def kb_no_filters(kb):
    from ktcs_desktop.core.retrieval.knowledge_base import _NO_FILTERS

    return _NO_FILTERS


def test_hybrid_results_match_the_chroma_path(kb):
    chroma_kb = _via_chroma(kb)
    for item in load_eval_set()[:60]:
        assert ([h.doc_id for h in kb.search(item.question, k=5)]
                == [h.doc_id for h in chroma_kb.search(item.question, k=5)]), item.question


def test_a_count_mismatch_is_an_unavailable_index(kb, tmp_path):
    from ktcs_desktop.core.retrieval import IndexUnavailableError

    broken = KnowledgeBase(kb.settings, kb.directory, kb.catalog)
    broken._vectors = None
    broken.docs = broken.docs[:-1]
    with pytest.raises(IndexUnavailableError):
        broken._dense_vectors()


def test_embedded_search_never_imports_chromadb(kb_settings, kb):
    code = (
        "import json, sys\n"
        "from ktcs_desktop.core.config import Settings\n"
        "from ktcs_desktop.core.catalog import load_shipped_catalog\n"
        "from ktcs_desktop.core.retrieval import KnowledgeBase\n"
        f"s = Settings(_env_file=None, ktcs_home={str(kb_settings.ktcs_home)!r}, openai_api_key=None,"
        " openai_base_url=None, ktcs_chroma_url=None)\n"
        "kb = KnowledgeBase.open(s, catalog=load_shipped_catalog())\n"
        "hits = kb.search('슬림 14기가', k=3) + kb.search('넷플릭스 되는 요금제', k=3, mode='dense')\n"
        "print(json.dumps([[h.plan_id for h in hits], 'chromadb' in sys.modules]))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "KTCS_"))}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120,
                         check=True).stdout
    plan_ids, chroma_loaded = json.loads(out.strip().splitlines()[-1])
    assert plan_ids[0] == "5g-slim-14gb"
    assert chroma_loaded is False
