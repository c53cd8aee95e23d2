from __future__ import annotations

import numpy as np
import pytest

from ktcs_desktop.core.retrieval.embedding import (
    HASH_DIM,
    MorphHashEmbeddingFunction,
    embedding_function_for,
    hash_embed,
)
from tests.helpers.settings import isolated_settings


def test_hash_embedding_is_deterministic_and_normalised():
    a = hash_embed("5G 슬림 14GB 월 55,000원")
    b = hash_embed("5G 슬림 14GB 월 55,000원")
    assert a == b
    assert len(a) == HASH_DIM
    assert np.linalg.norm(a) == pytest.approx(1.0, abs=1e-5)
    assert np.count_nonzero(a) > 5


def test_related_texts_are_closer():
    query = np.array(hash_embed("슬림 십사기가"))
    slim14 = np.array(hash_embed("5G 슬림 14GB 요금제 월정액 55,000원"))
    choice = np.array(hash_embed("5G 초이스 프리미엄 무제한 넷플릭스"))
    assert query @ slim14 > query @ choice


def test_chroma_embedding_function_protocol():
    from chromadb.api.types import EmbeddingFunction
    from chromadb.utils.embedding_functions import known_embedding_functions

    from ktcs_desktop.core.retrieval.store import chroma_embedding_function

    ef = MorphHashEmbeddingFunction(dim=256)
    assert ef.name() == "ktcs-morph-hash"
    chroma_ef = chroma_embedding_function(ef)
    assert isinstance(chroma_ef, EmbeddingFunction) and isinstance(chroma_ef, MorphHashEmbeddingFunction)
    assert not chroma_ef.is_legacy() and chroma_ef.get_config() == {"dim": 256}
    assert known_embedding_functions["ktcs-morph-hash"] is type(chroma_ef)
    rebuilt = type(chroma_ef).build_from_config(ef.get_config())
    assert type(rebuilt) is type(chroma_ef)
    assert np.allclose(rebuilt(["요고 30"])[0], ef(["요고 30"])[0])
    assert np.allclose(chroma_ef.embed_query(["요고 30"])[0], ef(["요고 30"])[0])


def test_offline_settings_use_hashing(tmp_path):
    assert isinstance(embedding_function_for(isolated_settings(tmp_path)), MorphHashEmbeddingFunction)


def test_chroma_default_embedding_function_is_never_used(tmp_path, monkeypatch):
    from chromadb.api import types as chroma_types
    from chromadb.utils.embedding_functions import onnx_mini_lm_l6_v2

    def forbidden(*_args, **_kwargs):
        raise AssertionError("Chroma's default embedding function was used")

    monkeypatch.setattr(chroma_types.DefaultEmbeddingFunction, "__call__", forbidden)
    monkeypatch.setattr(chroma_types.DefaultEmbeddingFunction, "__init__", forbidden)
    monkeypatch.setattr(onnx_mini_lm_l6_v2.ONNXMiniLM_L6_V2, "__init__", forbidden)
    from ktcs_desktop.core.retrieval import KnowledgeBase
    from ktcs_desktop.ingestion import build_index

    settings = isolated_settings(tmp_path)
    assert build_index(settings, offline=True).ok
    kb = KnowledgeBase.open(settings)
    hits = kb.search("슬림 14기가", k=3, mode="dense")
    assert hits and hits[0].plan_id == "5g-slim-14gb"
