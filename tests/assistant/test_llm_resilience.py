"""What real OpenAI-compatible servers do, through the real `openai` client against the strict stub:
null content refused (llama.cpp), FastAPI 422 bodies, no tool support (Ollama 400), trickling
streams, streams cut mid-way, 5xx; one deadline per answer, one retry budget, the circuit
breaker, max_tokens, precise notices, and the figure check on answers and summaries."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator

import pytest

from ktcs_desktop.core.assistant import AssistantService, AssistContext, OpenAIProvider
from ktcs_desktop.core.assistant.llm_client import (
    BREAKER_NOTICE,
    NOTICES,
    CircuitBreaker,
    FailureKind,
    OnlineFailure,
    server_reason,
    unsupported_parameters,
)
from ktcs_desktop.core.assistant.tools import ToolExecutor
from ktcs_desktop.core.catalog import load_shipped_catalog
from ktcs_desktop.core.config import Settings
from tests.helpers.openai_stub import (
    OpenAIStub,
    ToolCall,
    chat_completion_stream,
    error_response,
    fastapi_422,
    no_tools_400,
)

CHAT = "/v1/chat/completions"


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    with OpenAIStub(strict=True) as s:
        yield s


def make_settings(settings: Settings, stub: OpenAIStub, **extra) -> Settings:
    values = {"ktcs_home": settings.ktcs_home, "openai_base_url": stub.base_url, "openai_api_key": "test-key",
              "ktcs_llm_timeout": 5.0, "ktcs_llm_max_retries": 0, **extra}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def chat_bodies(stub: OpenAIStub) -> list[dict]:
    return [r.json for r in stub.requests_to(CHAT)]


# -- request bodies ---------------------------------------------------------------------------------
def test_strict_stub_rejects_null_content_like_llama_cpp(stub) -> None:
    import openai

    client = openai.OpenAI(api_key="k", base_url=stub.base_url, max_retries=0)
    with pytest.raises(openai.InternalServerError) as info:
        client.chat.completions.create(model="m", messages=[
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "get_plan", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "{}"}])
    assert "validation error" in str(info.value)


def test_tool_round_trip_sends_empty_string_content_and_max_tokens(settings, stub) -> None:
    stub.script("POST", CHAT, chat_completion_stream(tool_calls=[ToolCall("get_plan", {"plan": "5G 슬림 14GB"})]),
                chat_completion_stream("5G 슬림 14GB는 월 55,000원입니다."))
    answer = OpenAIProvider(make_settings(settings, stub, ktcs_llm_max_tokens=321)).answer("슬림 14 얼마?")
    assert "55,000원" in answer.text and answer.provider == "openai"
    first, second = chat_bodies(stub)
    assistant = [m for m in second["messages"] if m["role"] == "assistant"][0]
    assert assistant["content"] == "" and assistant["tool_calls"][0]["function"]["name"] == "get_plan"
    assert first["max_tokens"] == 321 and second["max_tokens"] == 321


def test_wrong_typed_tool_argument_goes_back_to_the_model(settings, stub) -> None:
    stub.script("POST", CHAT,
                chat_completion_stream(tool_calls=[ToolCall("search_plans", {"query": "슬림", "k": "five"})]),
                chat_completion_stream("5G 슬림 14GB는 월 55,000원입니다."))
    answer = OpenAIProvider(make_settings(settings, stub)).answer("슬림 얼마?")
    assert answer.provider == "openai" and "55,000원" in answer.text
    tool = [m for m in chat_bodies(stub)[1]["messages"] if m["role"] == "tool"][0]
    assert "bad arguments for search_plans" in json.loads(tool["content"])["error"]


def test_any_tool_exception_becomes_a_tool_result(settings, monkeypatch) -> None:
    tools = ToolExecutor(AssistContext(), load_shipped_catalog(), settings)

    def boom(**_kw):
        raise RuntimeError("index exploded")

    monkeypatch.setattr(tools, "_tool_get_plan", boom)
    result = json.loads(tools.run("get_plan", '{"plan": "x"}'))
    assert "get_plan failed" in result["error"] and "exploded" not in result["error"]


# -- refused parameters, from the body ---------------------------------------------------------------
def test_fastapi_422_stream_options_is_dropped_and_remembered(settings, stub) -> None:
    def chat(request):
        if "stream_options" in request.json:
            return fastapi_422("stream_options")
        return chat_completion_stream("안녕하세요, 무엇을 도와드릴까요?")

    stub.on("POST", CHAT, chat)
    s = make_settings(settings, stub)
    assert OpenAIProvider(s).answer("인사").text.startswith("안녕하세요")
    assert OpenAIProvider(s).answer("인사").text.startswith("안녕하세요")  # a new provider, same server
    assert ["stream_options" in b for b in chat_bodies(stub)] == [True, False, False]


def test_server_without_tools_answers_grounded_without_tools(settings, stub) -> None:
    def chat(request):
        if "tools" in request.json:
            return no_tools_400()
        return chat_completion_stream("5G 슬림 14GB는 월 55,000원입니다.")

    stub.on("POST", CHAT, chat)
    s = make_settings(settings, stub)
    first = AssistantService(s).answer("슬림 14기가 얼마예요?")
    second = AssistantService(s).answer("슬림 14기가 얼마예요?")
    for answer in (first, second):
        assert answer.provider == "openai" and answer.fallback_notice is None
        assert "55,000원" in answer.text and "확인 필요" not in answer.text
    bodies = chat_bodies(stub)
    assert ["tools" in b for b in bodies] == [True, False, False]
    assert "<catalog_results>" in bodies[-1]["messages"][-1]["content"]


def test_other_refusal_has_a_precise_notice_and_the_reason_in_the_log(settings, stub, caplog) -> None:
    stub.on("POST", CHAT, error_response(404, "The model `gpt-4o` does not exist", code="model_not_found"))
    resets: list[str] = []
    with caplog.at_level(logging.WARNING):
        answer = AssistantService(make_settings(settings, stub)).answer("슬림 얼마?", on_reset=resets.append)
    assert answer.provider == "offline"
    assert answer.fallback_notice == resets[0] and "거부" in answer.fallback_notice
    assert "404" in answer.fallback_notice and "does not exist" not in answer.fallback_notice
    assert "does not exist" in caplog.text


def test_unsupported_parameter_detection_reads_bodies() -> None:
    sent = {"stream_options", "tools", "max_tokens"}
    assert unsupported_parameters(422, json.dumps(fastapi_422("stream_options").json), sent) == {"stream_options"}
    assert unsupported_parameters(400, json.dumps(no_tools_400().json), sent) == {"tools"}
    vllm = '{"object":"error","message":"\\"auto\\" tool choice requires --enable-auto-tool-choice"}'
    assert unsupported_parameters(400, vllm, sent) == {"tools"}
    assert unsupported_parameters(500, "stream_options", sent) == set()
    msg_problem = '{"detail":[{"loc":["body","messages",2,"tool_calls"],"msg":"bad"}]}'
    assert unsupported_parameters(422, msg_problem, sent) == set()
    assert server_reason(json.dumps(fastapi_422("stream_options").json)) == "stream_options: Extra inputs are not permitted"


# -- time ----------------------------------------------------------------------------------------------
def test_trickling_server_hits_the_total_deadline(settings, stub) -> None:
    stub.on("POST", CHAT, chat_completion_stream("가나다라마바사아자차카타파하" * 10, interval_s=0.3))
    resets: list[str] = []
    service = AssistantService(make_settings(settings, stub, ktcs_llm_timeout=1.2))
    started = time.monotonic()
    answer = service.answer("슬림 14기가 얼마예요?", on_reset=resets.append)
    elapsed = time.monotonic() - started
    assert answer.fallback_notice == NOTICES[FailureKind.TIMEOUT] and resets == [answer.fallback_notice]
    assert elapsed < 3.0, elapsed  # the offline answer included; each 0.3 s read alone never times out


def test_silent_server_is_cut_at_the_deadline_not_per_try(settings, stub) -> None:
    stub.on("POST", CHAT, error_response(503, "busy", delay_s=0.6))
    s = make_settings(settings, stub, ktcs_llm_timeout=1.0, ktcs_llm_max_retries=5)
    started = time.monotonic()
    with pytest.raises(OnlineFailure) as info:
        OpenAIProvider(s).answer("인사")
    assert time.monotonic() - started < 1.6
    assert info.value.kind in (FailureKind.TIMEOUT, FailureKind.SERVER_ERROR)


def test_retry_budget_is_shared_by_all_rounds(settings, stub) -> None:
    stub.script("POST", CHAT, error_response(429, "slow", retry_after=0),
                chat_completion_stream(tool_calls=[ToolCall("get_plan", {"plan": "5G 슬림 14GB"})]),
                error_response(429, "slow", retry_after=0), chat_completion_stream("끝"))
    with pytest.raises(OnlineFailure) as info:
        OpenAIProvider(make_settings(settings, stub, ktcs_llm_max_retries=1)).answer("슬림 얼마?")
    assert info.value.kind is FailureKind.REJECTED and info.value.status == 429
    assert len(stub.requests_to(CHAT)) == 3  # one retry in round 1; none left in round 2


def test_cancel_closes_the_stream_at_once(settings, stub) -> None:
    stub.on("POST", CHAT, chat_completion_stream("가" * 200, interval_s=0.05))
    tokens: list[str] = []
    provider = OpenAIProvider(make_settings(settings, stub))
    from ktcs_desktop.core.assistant import AssistantCancelled

    started = time.monotonic()
    with pytest.raises(AssistantCancelled):
        provider.answer("아무거나", on_token=tokens.append, cancel=lambda: len(tokens) >= 3)
    assert time.monotonic() - started < 1.0
    deadline = time.monotonic() + 2.0
    while stub.client_disconnects == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert stub.client_disconnects >= 1  # the server saw the client go (llama.cpp stops generating)


# -- notices per cause -------------------------------------------------------------------------------------
def test_stream_cut_mid_way_resets_and_says_disconnected(settings, stub) -> None:
    stub.on("POST", CHAT, chat_completion_stream("5G 슬림 14GB는 월 99,000원" * 5, drop_after_events=4))
    tokens: list[str] = []
    resets: list[str] = []
    answer = AssistantService(make_settings(settings, stub)).answer("슬림 14기가 얼마예요?", on_token=tokens.append,
                                                                  on_reset=resets.append)
    assert tokens  # the model had started
    assert resets == [NOTICES[FailureKind.DISCONNECTED]] == [answer.fallback_notice]
    assert answer.provider == "offline" and "99,000" not in answer.text


def test_server_error_notice(settings, stub) -> None:
    stub.on("POST", CHAT, error_response(500, "CUDA out of memory at 0x7f"))
    answer = AssistantService(make_settings(settings, stub)).answer("초이스 베이직 가격")
    assert answer.fallback_notice == NOTICES[FailureKind.SERVER_ERROR].format(reason="500")
    assert "CUDA" not in answer.fallback_notice


def test_unreachable_server_notice(settings) -> None:
    s = Settings(_env_file=None, ktcs_home=settings.ktcs_home, openai_base_url="http://127.0.0.1:9/v1",  # type: ignore[call-arg]
                 openai_api_key="k", ktcs_llm_timeout=3.0, ktcs_llm_max_retries=0)
    answer = AssistantService(s).answer("슬림 얼마?")
    assert answer.fallback_notice == NOTICES[FailureKind.UNREACHABLE]


# -- circuit breaker --------------------------------------------------------------------------------------------
def test_breaker_goes_offline_fast_then_probes_back(settings, stub) -> None:
    stub.script("POST", CHAT, *[error_response(500, "down")] * 2)
    stub.on("POST", CHAT, chat_completion_stream("다시 연결되었습니다."))
    s = make_settings(settings, stub, ktcs_llm_breaker_failures=2, ktcs_llm_breaker_cooldown=0.4)
    service = AssistantService(s)
    assert service.answer("a").provider == "offline"
    assert service.answer("b").provider == "offline"
    started = time.monotonic()
    third = service.answer("c")
    assert third.fallback_notice == BREAKER_NOTICE and time.monotonic() - started < 0.5
    assert len(stub.requests_to(CHAT)) == 2  # no request while open
    time.sleep(0.45)
    assert service.answer("d").provider == "openai"  # the probe succeeded: closed again
    assert service.answer("e").provider == "openai"


def test_breaker_half_open_lets_one_probe() -> None:
    now = [0.0]
    breaker = CircuitBreaker(failures=1, cooldown_s=10, clock=lambda: now[0])
    breaker.record_failure()
    assert not breaker.allow()
    now[0] = 11
    assert breaker.allow() and not breaker.allow()  # one probe only
    breaker.record_failure()
    assert breaker.state == "open" and not breaker.allow()


# -- figures ------------------------------------------------------------------------------------------------------
def test_figures_the_app_put_in_the_prompt_are_supported(settings, stub, kim) -> None:
    gb = f"{kim.usage.avg_data_gb:g}GB"
    stub.script("POST", CHAT, chat_completion_stream(f"고객님은 최근 평균 {gb}를 쓰십니다. 요금 얘기는 카드를 보세요."))
    answer = OpenAIProvider(make_settings(settings, stub)).answer("데이터 얼마나 써요?", AssistContext(lookup=kim))
    assert gb in answer.text and "확인 필요" not in answer.text


def test_ai_summary_figures_are_checked(settings, stub) -> None:
    stub.script("POST", CHAT, chat_completion_stream("고객은 5G 슬림 14GB(월 55,000원)로 변경. 위약금 33,000원 안내."))
    text = OpenAIProvider(make_settings(settings, stub, ktcs_summary_max_tokens=123)).summarize(
        "상담원: 5G 슬림 14GB는 월 55,000원입니다.", facts="")
    assert "확인 필요" in text and "33,000원" in text.split("※")[1] and "55,000원" not in text.split("※")[1]
    body = chat_bodies(stub)[0]
    assert body["max_tokens"] == 123 and body["stream"] is True and "tools" not in body


def test_summary_failure_is_an_online_failure(settings, stub) -> None:
    stub.on("POST", CHAT, chat_completion_stream("요약" * 50, interval_s=0.2))
    with pytest.raises(OnlineFailure) as info:
        OpenAIProvider(make_settings(settings, stub, ktcs_llm_timeout=0.8)).summarize("상담원: 안녕하세요")
    assert info.value.kind is FailureKind.TIMEOUT


# -- the CLI ------------------------------------------------------------------------------------------------------
def test_cli_never_glues_a_cut_answer_to_the_offline_one(stub, monkeypatch, capsys) -> None:
    from ktcs_desktop.cli import main

    stub.on("POST", CHAT, chat_completion_stream("미확인모델문장 " * 10, drop_after_events=5))
    monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
    monkeypatch.setenv("KTCS_LLM_MAX_RETRIES", "0")
    assert main(["ask", "슬림 14기가 얼마예요?"]) == 0
    out, err = capsys.readouterr()
    assert "미확인모델문장" not in out and "55,000원" in out
    assert err.count(NOTICES[FailureKind.DISCONNECTED]) == 1


def test_erase_sequence_counts_wrapped_korean_rows() -> None:
    from ktcs_desktop.cli.assistant import erase_sequence

    assert erase_sequence("abc", 80) == "\r\x1b[2K"
    assert erase_sequence("가" * 41 + "\nx", 80).count("\x1b[1A") == 2  # 82 columns → 2 rows, plus one line


def test_stream_ending_without_finish_reason_is_not_an_answer(settings, stub) -> None:
    """llama.cpp ends the stream silently when the prompt exceeds its context: not an empty answer."""
    from tests.helpers.openai_stub import sse_response

    stub.script("POST", CHAT, sse_response([], done=False))
    answer = AssistantService(make_settings(settings, stub)).answer("슬림 14기가 얼마예요?")
    assert answer.provider == "offline"
    assert answer.fallback_notice == NOTICES[FailureKind.SERVER_ERROR].format(reason="빈 응답")
    partial = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
               "choices": [{"index": 0, "delta": {"content": "5G 슬림은 월 1"}, "finish_reason": None}]}
    stub.script("POST", CHAT, sse_response([partial], done=True))
    cut = AssistantService(make_settings(settings, stub)).answer("슬림 14기가 얼마예요?")
    assert cut.fallback_notice == NOTICES[FailureKind.DISCONNECTED]


# -- AI summaries: the same precise causes as answers ---------------------------------------------------------
@pytest.mark.parametrize(("case", "cause", "logged"), [
    ("timeout", "AI 서버 응답 시간 초과", "timeout"),
    ("refused", "AI 서버가 요청을 거부함(", "does not exist"),
    ("server_error", "AI 서버 오류(500)", "CUDA out of memory"),
    ("disconnected", "AI 서버 연결 끊김", "disconnected"),
    ("unreachable", "AI 서버에 연결할 수 없음", "unreachable"),
])
def test_failed_summary_says_why_and_logs_the_servers_reason(settings, stub, caplog, case, cause, logged) -> None:
    import pickle

    from ktcs_desktop.core.assistant import summary_failure_notice
    from ktcs_desktop.core.assistant.llm_client import SUMMARY_NOTICE

    extra: dict = {}
    if case == "timeout":
        stub.on("POST", CHAT, chat_completion_stream("요약" * 50, interval_s=0.2))
        extra["ktcs_llm_timeout"] = 0.8
    elif case == "refused":
        stub.on("POST", CHAT, error_response(404, "The model `gpt-4o` does not exist", code="model_not_found"))
    elif case == "server_error":
        stub.on("POST", CHAT, error_response(500, "CUDA out of memory at 0x7f"))
    elif case == "disconnected":
        stub.on("POST", CHAT, chat_completion_stream("고객은 요금제 변경을 원함. " * 10, drop_after_events=4))
    s = make_settings(settings, stub, **extra)
    if case == "unreachable":
        s = make_settings(settings, stub, openai_base_url="http://127.0.0.1:9/v1")
    with pytest.raises(OnlineFailure) as info:
        OpenAIProvider(s).summarize("상담원: 5G 슬림 14GB는 월 55,000원입니다.")
    # The wrap-up runs the summary in the knowledge worker: the failure crosses the pipe pickled.
    from ktcs_desktop.core.worker.server import _picklable

    assert _picklable(info.value) is info.value
    failure = pickle.loads(pickle.dumps(info.value))
    assert (failure.kind, failure.reason, failure.status, failure.detail) == (
        info.value.kind, info.value.reason, info.value.status, info.value.detail)
    with caplog.at_level(logging.WARNING, logger="ktcs_desktop.core.assistant.service"):
        notice = summary_failure_notice(failure)
    assert notice.startswith(SUMMARY_NOTICE + " — ") and cause in notice, notice
    assert "does not exist" not in notice and "CUDA" not in notice  # the server's words: log only
    assert logged in caplog.text
    if case == "refused":
        assert "404" in notice


def test_summary_breaker_and_unknown_failures_have_notices(caplog) -> None:
    from ktcs_desktop.core.assistant import summary_failure_notice
    from ktcs_desktop.core.assistant.llm_client import SUMMARY_NOTICE

    open_breaker = OnlineFailure(FailureKind.UNREACHABLE, "연속 실패", breaker_open=True)
    assert summary_failure_notice(open_breaker) == SUMMARY_NOTICE + " — AI 서버가 연속으로 응답하지 않음"
    with caplog.at_level(logging.WARNING):
        assert summary_failure_notice(RuntimeError("worker gone")) == SUMMARY_NOTICE
    assert "worker gone" in caplog.text
