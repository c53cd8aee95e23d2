"""Embeddings are probed before use: a chat-only server (no /v1/embeddings), per-token vectors
or a server that dies later never take keyword search down, and the index is built once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ktcs_desktop.cli import main
from ktcs_desktop.core.config import Settings
from ktcs_desktop.core.retrieval import KnowledgeBase
from ktcs_desktop.core.retrieval.embedding import forget_probes, hash_embed
from tests.helpers.openai_stub import OpenAIStub, error_response, json_response

EMB = "/v1/embeddings"


@pytest.fixture(autouse=True)
def _fresh_probes() -> Iterator[None]:
    forget_probes()
    yield
    forget_probes()


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    with OpenAIStub(strict=True) as s:
        yield s


def server_settings(settings: Settings, stub: OpenAIStub) -> Settings:
    return Settings(_env_file=None, ktcs_home=settings.ktcs_home, openai_base_url=stub.base_url,  # type: ignore[call-arg]
                    openai_api_key="k", ktcs_llm_max_retries=0)


def embeddings(request):
    texts = request.json["input"]
    return json_response({"object": "list", "model": request.json["model"], "usage": {"prompt_tokens": 1, "total_tokens": 1},
                          "data": [{"object": "embedding", "index": i, "embedding": hash_embed(t, 64)}
                                   for i, t in enumerate(texts)]})


def test_chat_only_server_builds_offline_once_and_keyword_search_works(settings, stub) -> None:
    stub.on("POST", EMB, error_response(404, "Not Found"))
    s = server_settings(settings, stub)
    kb = KnowledgeBase.open(s)
    assert kb.manifest["embedding"] == "ktcs-morph-hash" and kb.dense_available
    assert kb.search("슬림 14기가", k=3)[0].plan_id == "5g-slim-14gb"
    again = KnowledgeBase.open(s)
    assert again.directory == kb.directory  # no rebuild on the next open/search
    again.search("슬림 14기가", k=3)
    assert len(stub.requests_to(EMB)) == 1  # probed once this session, never used


def test_per_token_vectors_are_not_sentence_embeddings(settings, stub) -> None:
    stub.on("POST", EMB, json_response({"object": "list", "model": "m", "usage": {"prompt_tokens": 2, "total_tokens": 2},
                                        "data": [{"object": "embedding", "index": 0,
                                                  "embedding": [[0.1, 0.2], [0.3, 0.4]]}]}))
    kb = KnowledgeBase.open(server_settings(settings, stub))
    assert kb.manifest["embedding"] == "ktcs-morph-hash"


def test_dense_side_failing_later_keeps_keyword_search(settings, stub) -> None:
    stub.on("POST", EMB, embeddings)
    s = server_settings(settings, stub)
    kb = KnowledgeBase.open(s)
    assert kb.manifest["embedding"] == "ktcs-openai"
    assert kb.search("슬림 14기가", k=3)[0].plan_id == "5g-slim-14gb"
    stub.on("POST", EMB, error_response(500, "gone"))
    hits = kb.search("슬림 14기가", k=3)  # dense fails: BM25 + resolver still answer
    assert hits[0].plan_id == "5g-slim-14gb" and not kb.dense_available


def test_ktcs_search_with_a_chat_only_server_exits_0(settings, stub, monkeypatch, capsys) -> None:
    stub.on("POST", EMB, error_response(404, "Not Found"))
    monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    monkeypatch.setenv("KTCS_LLM_MAX_RETRIES", "0")
    assert main(["search", "슬림 14기가", "--k", "3"]) == 0
    assert "슬림 14GB" in capsys.readouterr().out
