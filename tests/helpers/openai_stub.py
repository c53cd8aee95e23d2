"""A scripted OpenAI-compatible HTTP server on 127.0.0.1 for tests that use the real `openai` SDK.

    with OpenAIStub() as stub:
        stub.script("POST", "/v1/audio/transcriptions",
                    error_response(429, "slow down", retry_after=0),
                    transcription_response("요금제 변경하고 싶어요"))
        client = openai.OpenAI(api_key="test", base_url=stub.base_url)
        ...
        req = stub.requests_to("/v1/audio/transcriptions")[-1]
        assert req.form["language"] == "ko" and "file" in req.files

Responses queued with `script()` are served in order, one per request to that route; after
the queue runs dry the route's `default` (set with `on()`) answers, else a 501 error. A
responder may be a callable `(RecordedRequest) -> ScriptedResponse` to compute the answer.
`ScriptedResponse` supports status codes, headers (Retry-After…), a delay before answering
(client timeouts), Server-Sent Events with per-event pacing, and dropping the connection
mid-stream. `chat_completion_stream()` builds a chat-completions SSE stream with text deltas
and tool calls whose JSON arguments arrive in pieces, as OpenAI sends them.
Every request is recorded (method, path, query, headers, raw body, parsed JSON or multipart).

Strict servers: `OpenAIStub(strict=True)` validates chat requests the way llama.cpp's server
does (an assistant message with `"content": null` is a 500 validation error) before any script
runs. `fastapi_422(...)` (an unknown body field, FastAPI's shape), `no_tools_400()` (Ollama's
"does not support tools"), `chat_completion_stream(interval_s=…)` (a trickle) and
`drop_after_events=` (a stream cut mid-way) cover the other behaviours of real servers.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


# -- what the server saw ---------------------------------------------------------------------------
@dataclass(frozen=True)
class UploadedFile:
    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)  # multipart text fields
    files: dict[str, UploadedFile] = field(default_factory=dict)  # multipart file parts
    received_at: float = 0.0  # time.monotonic()

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)


# -- what it answers -------------------------------------------------------------------------------
@dataclass(frozen=True)
class SSEEvent:
    data: Any  # dict/list → JSON, str → as is
    event: str | None = None
    id: str | None = None

    def encode(self) -> bytes:
        payload = self.data if isinstance(self.data, str) else json.dumps(self.data, ensure_ascii=False)
        lines = []
        if self.id is not None:
            lines.append(f"id: {self.id}")
        if self.event is not None:
            lines.append(f"event: {self.event}")
        lines.extend(f"data: {line}" for line in payload.split("\n"))
        return ("\n".join(lines) + "\n\n").encode("utf-8")


@dataclass(frozen=True)
class ScriptedResponse:
    status: int = 200
    json: Any = None
    body: bytes | str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # wait before sending anything (exercise client timeouts)
    sse: Sequence[Any] | None = None  # events (dict / str / SSEEvent) → text/event-stream
    sse_interval_s: float = 0.0  # pause between events
    sse_done: bool = True  # finish with "data: [DONE]" like OpenAI
    drop_after_events: int | None = None  # close the connection abruptly after N events


Responder = ScriptedResponse | Callable[[RecordedRequest], ScriptedResponse]


def json_response(obj: Any, status: int = 200, *, headers: dict[str, str] | None = None,
                  delay_s: float = 0.0) -> ScriptedResponse:
    return ScriptedResponse(status=status, json=obj, headers=dict(headers or {}), delay_s=delay_s)


def error_response(
    status: int,
    message: str = "error",
    *,
    type: str | None = None,
    code: str | None = None,
    retry_after: float | None = None,
    delay_s: float = 0.0,
) -> ScriptedResponse:
    """An OpenAI-shaped error body; `retry_after` sets the Retry-After header (seconds)."""
    default_type = {401: "invalid_request_error", 429: "rate_limit_exceeded"}.get(status, "server_error")
    headers = {} if retry_after is None else {"Retry-After": f"{retry_after:g}"}
    body = {"error": {"message": message, "type": type or default_type, "param": None, "code": code}}
    return ScriptedResponse(status=status, json=body, headers=headers, delay_s=delay_s)


def fastapi_422(*fields: str, msg: str = "Extra inputs are not permitted") -> ScriptedResponse:
    """A FastAPI/pydantic validation error for unknown body fields (llama.cpp, many proxies)."""
    detail = [{"type": "extra_forbidden", "loc": ["body", f], "msg": msg, "input": None} for f in fields]
    return json_response({"detail": detail}, status=422)


def no_tools_400(model: str = "gemma3:270m") -> ScriptedResponse:
    """Ollama's answer when a model has no tool support."""
    return json_response({"error": f"registry.ollama.ai/library/{model} does not support tools"}, status=400)


def llama_cpp_validation_error(problem: str) -> ScriptedResponse:
    """llama-cpp-python's 500 when the request body fails its pydantic models."""
    return json_response({"error": {"message": f"1 validation error for ChatCompletionRequest\n{problem}",
                                    "type": "internal_server_error", "param": None, "code": None}}, status=500)


def strict_chat_problem(body: Any) -> str | None:
    """What llama.cpp's request validation would reject in a chat body, else None."""
    if not isinstance(body, dict):
        return "body: Input should be a valid dictionary"
    for i, message in enumerate(body.get("messages") or ()):
        if not isinstance(message, dict):
            return f"messages.{i}: Input should be a valid dictionary"
        if message.get("role") in ("assistant", "tool", "user", "system") and message.get("content", "") is None:
            return f"messages.{i}.content: Input should be a valid string [type=string_type, input_value=None]"
    return None


def transcription_response(text: str, *, delay_s: float = 0.0, **extra: Any) -> ScriptedResponse:
    """`/v1/audio/transcriptions` JSON answer (add language=…, duration=… for verbose_json)."""
    return json_response({"text": text, **extra}, delay_s=delay_s)


def sse_response(events: Iterable[Any], *, interval_s: float = 0.0, done: bool = True,
                 status: int = 200, headers: dict[str, str] | None = None) -> ScriptedResponse:
    return ScriptedResponse(status=status, sse=list(events), sse_interval_s=interval_s, sse_done=done,
                            headers=dict(headers or {}))


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: dict[str, Any] | str
    id: str = field(default_factory=lambda: f"call_{uuid.uuid4().hex[:12]}")

    @property
    def arguments_json(self) -> str:
        return self.arguments if isinstance(self.arguments, str) else json.dumps(self.arguments, ensure_ascii=False)


def _pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def chat_completion_response(
    content: str | None = None, *, tool_calls: Sequence[ToolCall] = (), model: str = "gpt-4o",
    finish_reason: str | None = None, usage: dict[str, int] | None = None,
) -> ScriptedResponse:
    """A non-streaming `/v1/chat/completions` answer."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments_json}}
            for c in tool_calls
        ]
    return json_response({
        "id": f"chatcmpl-{uuid.uuid4().hex[:12]}", "object": "chat.completion", "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message,
                     "finish_reason": finish_reason or ("tool_calls" if tool_calls else "stop")}],
        "usage": usage or {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    })


def chat_completion_stream(
    content: str | Sequence[str] = (),
    *,
    tool_calls: Sequence[ToolCall] = (),
    model: str = "gpt-4o",
    finish_reason: str | None = None,
    argument_chunk_chars: int = 8,
    interval_s: float = 0.0,
    usage: dict[str, int] | None = None,
    drop_after_events: int | None = None,
) -> ScriptedResponse:
    """A streaming `/v1/chat/completions` answer as OpenAI sends it.

    `content` (a string, or the exact deltas) streams first, then each tool call: a delta
    with id/name, then its JSON arguments in `argument_chunk_chars` pieces; a final chunk
    carries `finish_reason` ("tool_calls" if there are tool calls, else "stop"), an optional
    usage chunk follows, then `data: [DONE]`.
    """
    cid, created = f"chatcmpl-{uuid.uuid4().hex[:12]}", int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    events: list[Any] = [chunk({"role": "assistant", "content": ""})]
    deltas = _pieces(content, 4) if isinstance(content, str) and content else list(content)
    events.extend(chunk({"content": d}) for d in deltas)
    for i, call in enumerate(tool_calls):
        events.append(chunk({"tool_calls": [{"index": i, "id": call.id, "type": "function",
                                             "function": {"name": call.name, "arguments": ""}}]}))
        for piece in _pieces(call.arguments_json, argument_chunk_chars):
            events.append(chunk({"tool_calls": [{"index": i, "function": {"arguments": piece}}]}))
    events.append(chunk({}, finish_reason or ("tool_calls" if tool_calls else "stop")))
    if usage is not None:
        events.append({"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                       "choices": [], "usage": usage})
    return ScriptedResponse(sse=events, sse_interval_s=interval_s, drop_after_events=drop_after_events)


# -- the server ------------------------------------------------------------------------------------
def _parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    form: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name is None:
            continue
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            files[str(name)] = UploadedFile(str(name), filename, part.get_content_type(), payload)
        else:
            form[str(name)] = payload.decode(part.get_content_charset() or "utf-8")
    return form, files


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _StubHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        body = self._read_body()
        url = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        content_type = headers.get("content-type", "")
        parsed_json: Any = None
        form: dict[str, str] = {}
        files: dict[str, UploadedFile] = {}
        if content_type.startswith("application/json") and body:
            try:
                parsed_json = json.loads(body)
            except ValueError:
                parsed_json = None
        elif content_type.startswith("multipart/form-data"):
            form, files = _parse_multipart(content_type, body)
        request = RecordedRequest(
            method=self.command, path=url.path, query=parse_qs(url.query), headers=headers, body=body,
            json=parsed_json, form=form, files=files, received_at=time.monotonic(),
        )
        stub = self.server.stub
        response = stub._respond(request)
        try:
            self._send(response)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True  # the client gave up (timeout, cancel): count it
            with stub._lock:
                stub.client_disconnects += 1

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

    def _send(self, response: ScriptedResponse) -> None:
        stop = self.server.stub._stopping
        if response.delay_s and stop.wait(response.delay_s):
            self.close_connection = True
            return
        if response.sse is not None:
            self._send_sse(response, stop)
            return
        if response.json is not None:
            payload = json.dumps(response.json, ensure_ascii=False).encode("utf-8")
            content_type = "application/json"
        else:
            raw = response.body or b""
            payload = raw.encode("utf-8") if isinstance(raw, str) else raw
            content_type = "text/plain; charset=utf-8"
        self.send_response(response.status)
        headers = {"Content-Type": content_type, **response.headers, "Content-Length": str(len(payload))}
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()

    def _send_sse(self, response: ScriptedResponse, stop: threading.Event) -> None:
        self.send_response(response.status)
        headers = {"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache",
                   **response.headers, "Transfer-Encoding": "chunked"}
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

        def write_chunk(data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        for n, event in enumerate(response.sse or ()):
            if response.drop_after_events is not None and n >= response.drop_after_events:
                self.close_connection = True
                return  # no terminating chunk: the client sees a broken stream
            if n and response.sse_interval_s and stop.wait(response.sse_interval_s):
                self.close_connection = True
                return
            sse = event if isinstance(event, SSEEvent) else SSEEvent(event)
            write_chunk(sse.encode())
        if response.sse_done:
            write_chunk(SSEEvent("[DONE]").encode())
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


class _StubHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, stub: OpenAIStub, address: tuple[str, int]) -> None:
        self.stub = stub
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:  # client hung up etc.
        pass


class OpenAIStub:
    """Start with `start()` or `with OpenAIStub() as stub:`; `base_url` ends with /v1."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, strict: bool = False) -> None:
        self._address = (host, port)
        self.strict = strict
        self._lock = threading.Lock()
        self._queues: dict[tuple[str, str], deque[Responder]] = defaultdict(deque)
        self._defaults: dict[tuple[str, str], Responder] = {}
        self._stopping = threading.Event()
        self._server: _StubHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.requests: list[RecordedRequest] = []
        self.client_disconnects = 0  # responses the client hung up on mid-way
        self._request_seen = threading.Condition(self._lock)

    # lifecycle -----------------------------------------------------------------------------------
    def start(self) -> OpenAIStub:
        self._stopping.clear()
        self._server = _StubHTTPServer(self, self._address)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="openai-stub", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5.0)
        self._server = self._thread = None

    def __enter__(self) -> OpenAIStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "stub not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    # scripting -----------------------------------------------------------------------------------
    def script(self, method: str, path: str, *responses: Responder) -> OpenAIStub:
        """Queue responses for the next requests to (method, path), served first in, first out."""
        with self._lock:
            self._queues[(method.upper(), path)].extend(responses)
        return self

    def on(self, method: str, path: str, responder: Responder) -> OpenAIStub:
        """The answer for (method, path) whenever its queue is empty."""
        with self._lock:
            self._defaults[(method.upper(), path)] = responder
        return self

    def reset(self) -> None:
        with self._lock:
            self._queues.clear()
            self._defaults.clear()
            self.requests.clear()

    def _respond(self, request: RecordedRequest) -> ScriptedResponse:
        key = (request.method, request.path)
        with self._lock:
            self.requests.append(request)
            self._request_seen.notify_all()
            if self.strict and request.path.endswith("/chat/completions"):
                problem = strict_chat_problem(request.json)
                if problem is not None:
                    return llama_cpp_validation_error(problem)
            queue = self._queues.get(key)
            responder = queue.popleft() if queue else self._defaults.get(key)
        if responder is None:
            return error_response(501, f"openai_stub: nothing scripted for {request.method} {request.path}")
        return responder(request) if callable(responder) else responder

    # assertions ----------------------------------------------------------------------------------
    def requests_to(self, path: str, method: str | None = None) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path and (method is None or r.method == method.upper())]

    def wait_for_requests(self, count: int, *, path: str | None = None, timeout: float = 5.0) -> list[RecordedRequest]:
        """Block until at least `count` requests (to `path`, if given) arrived; raises on timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                matching = [r for r in self.requests if path is None or r.path == path]
                if len(matching) >= count:
                    return matching
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"expected {count} requests, got {len(matching)}")
                self._request_seen.wait(remaining)
