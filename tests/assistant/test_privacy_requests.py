"""Nothing from the PII corpus reaches the model server: chat, tool calls and results, summaries,
embeddings — captured through the real `openai` client against the scripted stub."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from ktcs_desktop.core.assistant import AssistContext, OpenAIProvider
from ktcs_desktop.core.config import Settings
from ktcs_desktop.core.models import Speaker, TranscriptLine
from ktcs_desktop.core.retrieval.embedding import OpenAIEmbeddingFunction
from tests.helpers.openai_stub import (
    OpenAIStub,
    ToolCall,
    chat_completion_stream,
    json_response,
)

CHAT = "/v1/chat/completions"
CORPUS = Path(__file__).resolve().parents[1] / "data" / "pii_corpus.jsonl"
RECORDS = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
PII = [r for r in RECORDS if r["kind"] == "pii"]


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    with OpenAIStub() as s:
        yield s


def make_settings(settings: Settings, stub: OpenAIStub) -> Settings:
    return Settings(_env_file=None, ktcs_home=settings.ktcs_home, openai_base_url=stub.base_url,  # type: ignore[call-arg]
                    openai_api_key="test-key", ktcs_llm_timeout=5.0, ktcs_llm_max_retries=0)


def _secrets(record: dict) -> list[str]:
    """Each expected span, and its digits alone when it has 6 or more (spacing may change)."""
    out = []
    for span in record["spans"]:
        out.append(span["text"])
        digits = "".join(ch for ch in span["text"] if ch.isdigit())
        if len(digits) >= 6:
            out.append(digits)
    return out


def _bodies(stub: OpenAIStub, path: str) -> str:
    return "\n".join(json.dumps(r.json, ensure_ascii=False) for r in stub.requests_to(path))


def _leaks(body: str, records: list[dict]) -> list[str]:
    compact = re.sub(r"[\s\-.]", "", body)  # "010 1234 5678" re-spaced is still a leak
    leaks = []
    for record in records:
        for secret in _secrets(record):
            if secret.isdigit() and secret in compact or not secret.isdigit() and secret in body:
                leaks.append(f"{secret!r} from {record['text']!r}")
    return leaks


def _line(seq: int, speaker: Speaker, text: str) -> TranscriptLine:
    return TranscriptLine(seq, speaker, text, datetime(2026, 1, 5, 10, 0, seq % 60))


KIM_RECORDS = [r for r in PII if r["caller"] in ("", "김철수") and not r["others"]]


@pytest.mark.parametrize("chunk", range(0, len(KIM_RECORDS), 40))
def test_chat_tool_arguments_and_results_carry_no_pii(settings, stub, kim, chunk: int) -> None:
    records = KIM_RECORDS[chunk:chunk + 40]
    # the model echoes PII into a tool call (as an injected utterance might make it do)
    echoed = " ".join(r["text"] for r in records[:8])
    stub.script("POST", CHAT,
                chat_completion_stream("확인해 보겠습니다. " + records[0]["text"],
                                       tool_calls=[ToolCall("search_plans", {"query": echoed})]),
                chat_completion_stream("요고 34는 월 34,000원입니다."))
    provider = OpenAIProvider(make_settings(settings, stub))
    lines = tuple(_line(i + 1, Speaker.CALLER, r["text"]) for i, r in enumerate(records))
    shown: list[str] = []
    answer = provider.answer(" ".join(r["text"] for r in records[8:14]), AssistContext(lookup=kim, transcript=lines),
                             on_token=shown.append)
    body = _bodies(stub, CHAT)
    assert "<caller_utterances>" in body and '"role": "tool"' in body and len(stub.requests_to(CHAT)) == 2
    assert _leaks(body, records) == []
    # and what the agent is shown of the model's echo is filtered too
    assert _leaks("".join(shown) + answer.text, records[:1]) == []


def test_summary_request_carries_no_pii_and_no_identity_lines(settings, stub) -> None:
    stub.on("POST", CHAT, chat_completion_stream("요금제 변경 문의, 요고 34 안내."))
    provider = OpenAIProvider(make_settings(settings, stub))
    records = KIM_RECORDS
    transcript = "\n".join(f"{'상담원' if r['speaker'] == 'agent' else '고객'}: {r['text']}" for r in records)
    transcript += "\n상담원: 생년월일 팔오년 삼월 이일 맞으세요\n고객: 요고 34로 바꿔 주세요"
    text = provider.summarize(transcript, names=("김철수",))
    assert text
    body = _bodies(stub, CHAT)
    assert "<transcript>" in body and "요고 34로 바꿔 주세요" in body
    assert "팔오년" not in body
    assert _leaks(body, records) == []


def test_embedding_queries_carry_no_pii(stub) -> None:
    stub.on("POST", "/v1/embeddings", json_response({
        "object": "list", "model": "m", "usage": {"prompt_tokens": 1, "total_tokens": 1},
        "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2, 0.3]}]}))
    ef = OpenAIEmbeddingFunction("m", "test-key", stub.base_url, 5.0, 0)
    records = [r for r in PII if not any(s["category"] == "name" for s in r["spans"])]
    for record in records:
        ef.embed_query([record["text"]])
    body = _bodies(stub, "/v1/embeddings")
    assert len(stub.requests_to("/v1/embeddings")) == len(records)
    assert _leaks(body, records) == []


def test_offline_fallback_search_redacts_the_utterance(stub) -> None:
    """When the chat model fails the offline answer searches the index; its query embedding is redacted."""
    stub.on("POST", "/v1/embeddings", json_response({
        "object": "list", "model": "m", "usage": {"prompt_tokens": 1, "total_tokens": 1},
        "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2, 0.3]}]}))
    ef = OpenAIEmbeddingFunction("m", "test-key", stub.base_url, 5.0, 0)
    ef.embed_query(["제 주민번호 850302-1234567이고 번호 010-1234-5678인데 요고 34 얼마예요"])
    sent = stub.requests_to("/v1/embeddings")[-1].json["input"]
    assert sent == ["제 주민번호 [주민번호]이고 번호 [전화번호]인데 요고 34 얼마예요"]
