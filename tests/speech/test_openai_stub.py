"""The scripted server itself, through the real SDK: SSE chat streams with tool calls, logging."""

from __future__ import annotations

import json
import subprocess
import sys

import openai
import pytest

from tests.helpers.openai_stub import (
    OpenAIStub,
    SSEEvent,
    ToolCall,
    chat_completion_response,
    chat_completion_stream,
    sse_response,
)

CHAT = "/v1/chat/completions"


def _client(stub: OpenAIStub, **kwargs: object) -> openai.OpenAI:
    return openai.OpenAI(api_key="sk-test", base_url=stub.base_url, max_retries=0, **kwargs)  # type: ignore[arg-type]


def test_streamed_text_and_tool_call_arguments_reassemble(openai_stub: OpenAIStub) -> None:
    call = ToolCall("lookup_customer", {"phone": "010-1234-5678", "reason": "요금제 변경"}, id="call_1")
    openai_stub.script("POST", CHAT, chat_completion_stream("고객님 조회하겠습니다.", tool_calls=[call],
                                                            usage={"prompt_tokens": 5, "completion_tokens": 7,
                                                                   "total_tokens": 12}))
    stream = _client(openai_stub).chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "010-1234-5678 조회"}], stream=True,
        tools=[{"type": "function", "function": {"name": "lookup_customer", "parameters": {"type": "object"}}}],
    )
    text, args, names, finish, usage = "", "", [], None, None
    for chunk in stream:
        usage = chunk.usage or usage
        for choice in chunk.choices:
            text += choice.delta.content or ""
            for tc in choice.delta.tool_calls or []:
                if tc.function and tc.function.name:
                    names.append((tc.id, tc.function.name))
                args += (tc.function.arguments or "") if tc.function else ""
            finish = choice.finish_reason or finish
    assert text == "고객님 조회하겠습니다."
    assert names == [("call_1", "lookup_customer")]
    assert json.loads(args) == {"phone": "010-1234-5678", "reason": "요금제 변경"}
    assert finish == "tool_calls" and usage is not None and usage.total_tokens == 12
    (request,) = openai_stub.requests_to(CHAT, "POST")
    assert request.json["stream"] is True and request.json["tools"][0]["function"]["name"] == "lookup_customer"
    assert request.json["messages"][0]["content"] == "010-1234-5678 조회"


def test_non_streaming_and_fallback_default(openai_stub: OpenAIStub) -> None:
    openai_stub.script("POST", CHAT, chat_completion_response("첫 답"))
    openai_stub.on("POST", CHAT, chat_completion_response("기본 답"))
    client = _client(openai_stub)
    answers = [client.chat.completions.create(model="m", messages=[{"role": "user", "content": "q"}])
               .choices[0].message.content for _ in range(3)]
    assert answers == ["첫 답", "기본 답", "기본 답"]


def test_dropped_stream_surfaces_as_an_sdk_error(openai_stub: OpenAIStub) -> None:
    openai_stub.script("POST", CHAT, chat_completion_stream("아주 긴 답변입니다", drop_after_events=2))
    stream = _client(openai_stub).chat.completions.create(model="m", messages=[], stream=True)
    with pytest.raises(Exception):  # noqa: B017 - httpx's RemoteProtocolError or the SDK's wrapper
        list(stream)


def test_unscripted_route_is_a_501_and_raw_sse_events(openai_stub: OpenAIStub) -> None:
    client = _client(openai_stub)
    with pytest.raises(openai.APIStatusError) as info:
        client.models.list()
    assert info.value.status_code == 501 and "nothing scripted" in str(info.value)
    openai_stub.on("GET", "/v1/events", sse_response([SSEEvent({"n": 1}, event="tick", id="1"), "plain"]))
    import httpx

    body = httpx.get(f"{openai_stub.base_url}/events", timeout=5).text
    assert body == 'id: 1\nevent: tick\ndata: {"n": 1}\n\ndata: plain\n\ndata: [DONE]\n\n'
    assert [r.path for r in openai_stub.requests] == ["/v1/models", "/v1/events"]


def test_speech_core_does_not_import_qt() -> None:
    code = ("import sys, ktcs_desktop.core.speech; "
            "bad = [m for m in sys.modules if m.startswith(('PySide6', 'PyQt', 'shiboken'))]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
