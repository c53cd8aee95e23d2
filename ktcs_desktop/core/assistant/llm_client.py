"""Talking to one OpenAI-compatible chat server robustly (Qt-free).

- `Deadline`: one total time limit for a whole answer (every round, read and retry).
- `RetryBudget`: retries shared by all rounds of an answer; the SDK itself never retries
  (`max_retries=0`), so a request is retried in exactly one place (`create_with_retries`).
- `CircuitBreaker` (one per server): after repeated failures answers go offline at once for a
  cooldown, then a single request probes the server again.
- `ServerQuirks` (one per server, for the session): request parameters the server refused
  (`stream_options`, `tools`, `max_tokens`), read from the error *body* — OpenAI, FastAPI 422,
  vLLM and Ollama shapes — so they are never sent to it again.
- `StreamWatchdog`: shuts the socket of a running stream on cancel or deadline, so a blocked
  read returns at once and the server sees the client go (llama.cpp then stops generating).
- `OnlineFailure`: why an online answer failed (timeout, rejected + reason, server error,
  disconnected, unreachable), with the Korean notice the agent sees and the server's own
  reason for the log; raw exception text never reaches the agent.
"""

from __future__ import annotations

import enum
import json
import logging
import random
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5.0
MAX_BACKOFF_S = 4.0


# -- why it failed --------------------------------------------------------------------------------
class FailureKind(enum.StrEnum):
    TIMEOUT = "timeout"
    REJECTED = "rejected"  # 4xx: the server answered but refused the request
    SERVER_ERROR = "server_error"  # 5xx or an error event in the stream
    DISCONNECTED = "disconnected"  # the stream was cut
    UNREACHABLE = "unreachable"  # connection refused / DNS / circuit open


NOTICES = {
    FailureKind.TIMEOUT: "AI 서버 응답 시간 초과로 오프라인 답변을 표시합니다",
    FailureKind.REJECTED: "AI 서버가 요청을 거부해({reason}) 오프라인 답변을 표시합니다",
    FailureKind.SERVER_ERROR: "AI 서버 오류({reason})로 오프라인 답변을 표시합니다",
    FailureKind.DISCONNECTED: "AI 서버 연결이 끊겨 오프라인 답변을 표시합니다",
    FailureKind.UNREACHABLE: "AI 서버에 연결할 수 없어 오프라인 답변을 표시합니다",
}
BREAKER_NOTICE = "AI 서버가 연속으로 응답하지 않아 잠시 오프라인 답변을 표시합니다"

# The same causes for a wrap-up summary (the extractive summary stands in for the AI one).
SUMMARY_NOTICE = "AI 요약 생성에 실패해 자동 추출 요약을 표시합니다"  # + " — " + the cause
SUMMARY_CAUSES = {
    FailureKind.TIMEOUT: "AI 서버 응답 시간 초과",
    FailureKind.REJECTED: "AI 서버가 요청을 거부함({reason})",
    FailureKind.SERVER_ERROR: "AI 서버 오류({reason})",
    FailureKind.DISCONNECTED: "AI 서버 연결 끊김",
    FailureKind.UNREACHABLE: "AI 서버에 연결할 수 없음",
}
BREAKER_SUMMARY_CAUSE = "AI 서버가 연속으로 응답하지 않음"


class OnlineFailure(Exception):
    """An online answer failed; `notice` is for the agent, `detail` (the server's words) for the log."""

    def __init__(self, kind: FailureKind, reason: str = "", *, status: int | None = None, detail: str = "",
                 breaker_open: bool = False) -> None:
        self.kind = kind
        self.reason = reason
        self.status = status
        self.detail = detail
        self.breaker_open = breaker_open
        super().__init__(f"{kind.value}: {reason or '-'} (status={status}) {detail[:300]}")

    def __reduce__(self) -> tuple:
        # Crosses the knowledge worker's pipe as itself (the default would call cls(message) and
        # fail, so the wrap-up got a text-only KnowledgeWorkerError and could not say why).
        return (type(self), (self.kind, self.reason), dict(self.__dict__))

    @property
    def notice(self) -> str:
        if self.breaker_open:
            return BREAKER_NOTICE
        return NOTICES[self.kind].format(reason=self.reason or "알 수 없음")

    @property
    def summary_notice(self) -> str:
        """The notice for a failed AI summary: same causes as `notice`, about the summary."""
        cause = BREAKER_SUMMARY_CAUSE if self.breaker_open else SUMMARY_CAUSES[self.kind].format(
            reason=self.reason or "알 수 없음")
        return f"{SUMMARY_NOTICE} — {cause}"

    @property
    def counts_against_server(self) -> bool:
        """A refused request proves the server is up: only transport and server failures trip the breaker."""
        return self.kind is not FailureKind.REJECTED


# -- error bodies ---------------------------------------------------------------------------------
def error_body(exc: BaseException) -> str:
    """The server's error body as text (OpenAI SDK status errors), else ''."""
    response = getattr(exc, "response", None)
    if response is not None:
        try:
            text = response.text
            if text:
                return str(text)
        except Exception:  # noqa: BLE001 - a streamed body may be unreadable
            pass
    body = getattr(exc, "body", None)
    if body is None:
        return ""
    try:
        return json.dumps(body, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(body)


def server_reason(body: str) -> str:
    """The human part of an error body: OpenAI `error.message`, Ollama `error`, FastAPI `detail`."""
    try:
        data = json.loads(body)
    except (TypeError, ValueError):
        return body.strip()[:300]
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, str):
            parts.append(node)
        elif isinstance(node, dict):
            if "error" in node:
                walk(node["error"])
            elif "detail" in node:
                walk(node["detail"])
            elif "msg" in node or "loc" in node:  # FastAPI / pydantic validation item
                loc = ".".join(str(p) for p in node.get("loc", ()) if p != "body")
                parts.append(f"{loc}: {node.get('msg', '')}".strip(": "))
            elif "message" in node:
                parts.append(str(node["message"]))
        elif isinstance(node, list):
            for item in node[:5]:
                walk(item)

    walk(data)
    return ("; ".join(p for p in parts if p) or body.strip())[:300]


# request parameters a server may not implement, and how its error body names them
_UNSUPPORTED_PATTERNS = {
    "stream_options": re.compile(r"stream_options", re.I),
    "tools": re.compile(r"\btools\b|tool[ _]choice|function[ _]calling|support tool", re.I),
    "max_tokens": re.compile(r"\bmax_tokens\b", re.I),
}


def unsupported_parameters(status: int | None, body: str, sent: set[str]) -> set[str]:
    """Which of the parameters we `sent` a 400/404/422/501 body says the server does not support."""
    if status not in (400, 404, 422, 501) or not body:
        return set()
    return {name for name, pattern in _UNSUPPORTED_PATTERNS.items() if name in sent and pattern.search(body)}


def rejection_reason(status: int | None, unsupported: set[str]) -> str:
    """A short Korean reason for a refused request (shown to the agent)."""
    if "tools" in unsupported:
        return "도구 호출 미지원"
    if unsupported:
        return f"지원하지 않는 옵션: {', '.join(sorted(unsupported))}"
    return {401: "인증 실패 (401)", 403: "권한 없음 (403)", 404: "모델 또는 주소 없음 (404)",
            413: "요청이 너무 큼 (413)", 429: "요청 한도 초과 (429)"}.get(status or 0, f"요청 형식 오류 ({status})")


def classify(exc: BaseException, *, timed_out: bool = False) -> OnlineFailure:
    """Map an SDK / transport exception to an `OnlineFailure` (server's reason kept for the log)."""
    import openai

    if isinstance(exc, OnlineFailure):
        return exc
    if timed_out or isinstance(exc, openai.APITimeoutError | TimeoutError):
        return OnlineFailure(FailureKind.TIMEOUT, "시간 초과", detail=repr(exc))
    if isinstance(exc, openai.APIStatusError):
        body = error_body(exc)
        status = exc.status_code
        reason = server_reason(body)
        if status >= 500:
            return OnlineFailure(FailureKind.SERVER_ERROR, f"{status}", status=status, detail=reason)
        return OnlineFailure(FailureKind.REJECTED, rejection_reason(status, set()), status=status, detail=reason)
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__ or exc.__context__
        name = type(cause).__name__ if cause is not None else ""
        if "Connect" in name or isinstance(cause, ConnectionRefusedError | socket.gaierror):
            return OnlineFailure(FailureKind.UNREACHABLE, "연결 실패", detail=repr(cause))
        return OnlineFailure(FailureKind.DISCONNECTED, "연결 끊김", detail=repr(cause or exc))
    if isinstance(exc, openai.APIError):  # an error event inside the stream
        return OnlineFailure(FailureKind.SERVER_ERROR, "스트림 오류", detail=str(getattr(exc, "message", "")))
    if isinstance(exc, ConnectionError | OSError):
        return OnlineFailure(FailureKind.DISCONNECTED, "연결 끊김", detail=repr(exc))
    return OnlineFailure(FailureKind.SERVER_ERROR, "응답 처리 오류", detail=repr(exc))


def _retryable(exc: BaseException) -> bool:
    import openai

    if isinstance(exc, openai.APIStatusError):
        if exc.status_code == 500 and "validation error" in error_body(exc).lower():
            return False  # the request itself is bad (llama.cpp reports it as a 500): same answer again
        return exc.status_code in (408, 409, 429) or exc.status_code >= 500
    return isinstance(exc, openai.APIConnectionError)  # includes APITimeoutError


def _retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if not headers:
        return None
    value = headers.get("retry-after-ms")
    if value:
        try:
            return float(value) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


# -- time and retries -----------------------------------------------------------------------------
@dataclass
class Deadline:
    """One total time limit, measured from its creation."""

    seconds: float
    start: float = field(default_factory=time.monotonic)

    @property
    def at(self) -> float:
        return self.start + self.seconds

    def remaining(self) -> float:
        return max(0.0, self.at - time.monotonic())

    def expired(self) -> bool:
        return time.monotonic() >= self.at

    def httpx_timeout(self) -> Any:
        """A per-request timeout no longer than what is left (connects capped shorter)."""
        import httpx2

        left = max(0.05, self.remaining())
        return httpx2.Timeout(left, connect=min(left, CONNECT_TIMEOUT_S))

    def pause(self, seconds: float) -> None:
        """Give back time spent locally (tool calls, a first index build): the deadline is for the server."""
        self.start += max(0.0, seconds)

    def check(self) -> None:
        if self.expired():
            raise OnlineFailure(FailureKind.TIMEOUT, "시간 초과", detail=f"deadline of {self.seconds:g}s passed")


@dataclass
class RetryBudget:
    """Retries left for one answer, shared by all its requests."""

    left: int
    used: int = 0

    def take(self) -> bool:
        if self.left <= 0:
            return False
        self.left -= 1
        self.used += 1
        return True


def create_with_retries(call: Callable[[Any], Any], deadline: Deadline, budget: RetryBudget,
                        *, backoff_s: float = 0.5, sleep: Callable[[float], None] = time.sleep) -> Any:
    """`call(timeout)` until it succeeds, the budget is spent or the deadline passes.

    Retries 408/409/429/5xx and connection errors with jittered exponential backoff (honouring
    Retry-After, never past the deadline); other errors go straight up.
    """
    attempt = 0
    while True:
        deadline.check()
        try:
            return call(deadline.httpx_timeout())
        except Exception as exc:
            if not _retryable(exc) or deadline.expired() or not budget.take():
                raise
            wait = _retry_after(exc)
            if wait is None:
                wait = min(MAX_BACKOFF_S, backoff_s * (2 ** attempt)) * (0.75 + 0.5 * random.random())
            if wait >= deadline.remaining():
                raise
            log.info("chat request failed (%s), retry %d in %.2fs", type(exc).__name__, budget.used, wait)
            sleep(wait)
            attempt += 1


# -- per-server memory ----------------------------------------------------------------------------
class CircuitBreaker:
    """closed → (N failures in a row) → open for `cooldown_s` → half-open: one probe request."""

    def __init__(self, failures: int = 3, cooldown_s: float = 30.0, clock: Callable[[], float] = time.monotonic):
        self.failures = failures
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._lock = threading.Lock()
        self._count = 0
        self._open_until: float | None = None
        self._probing = False

    @property
    def state(self) -> str:
        with self._lock:
            if self._open_until is None:
                return "closed"
            return "open" if self._clock() < self._open_until else "half-open"

    def allow(self) -> bool:
        with self._lock:
            if self._open_until is None:
                return True
            if self._clock() < self._open_until or self._probing:
                return False
            self._probing = True  # half-open: this caller is the probe
            return True

    def record_success(self) -> None:
        with self._lock:
            self._count = 0
            self._open_until = None
            self._probing = False

    def record_failure(self) -> None:
        with self._lock:
            self._count += 1
            if self._probing or self._count >= self.failures:
                if self._open_until is None or self._probing:
                    log.warning("chat server failed %d times in a row: offline for %.0fs", self._count,
                                self.cooldown_s)
                self._open_until = self._clock() + self.cooldown_s
            self._probing = False

    def release(self) -> None:
        """A probe that ended without a verdict (cancelled): let the next request probe."""
        with self._lock:
            self._probing = False


@dataclass
class ServerQuirks:
    """What one server refused this session."""

    unsupported: set[str] = field(default_factory=set)
    max_tokens_key: str = "max_tokens"

    def supports(self, parameter: str) -> bool:
        return parameter not in self.unsupported


_REGISTRY_LOCK = threading.Lock()
_QUIRKS: dict[str, ServerQuirks] = {}
_BREAKERS: dict[str, CircuitBreaker] = {}


def quirks_for(base_url: str | None) -> ServerQuirks:
    with _REGISTRY_LOCK:
        return _QUIRKS.setdefault(base_url or "", ServerQuirks())


def breaker_for(base_url: str | None, failures: int, cooldown_s: float) -> CircuitBreaker:
    with _REGISTRY_LOCK:
        breaker = _BREAKERS.get(base_url or "")
        if breaker is None or (breaker.failures, breaker.cooldown_s) != (failures, cooldown_s):
            breaker = _BREAKERS[base_url or ""] = CircuitBreaker(failures, cooldown_s)
        return breaker


def forget_servers() -> None:
    """Drop every server's quirks and breaker (tests; a settings change)."""
    with _REGISTRY_LOCK:
        _QUIRKS.clear()
        _BREAKERS.clear()


# -- streams --------------------------------------------------------------------------------------
class StreamWatchdog:
    """Watches a running stream; on cancel or deadline it shuts the socket so the read returns.

    Use as a context manager around the iteration; `reason` says why it fired ("cancel",
    "deadline") or is None.
    """

    POLL_S = 0.05

    def __init__(self, stream: Any, deadline: Deadline, cancel: Callable[[], bool] | None) -> None:
        self._stream = stream
        self._deadline = deadline
        self._cancel = cancel
        self._done = threading.Event()
        self.reason: str | None = None
        self._thread = threading.Thread(target=self._watch, name="llm-stream-watchdog", daemon=True)

    def __enter__(self) -> StreamWatchdog:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join(1.0)

    def _watch(self) -> None:
        while not self._done.wait(min(self.POLL_S, max(0.0, self._deadline.remaining()) + 0.001)):
            if self._cancel is not None and self._cancel():
                self.reason = "cancel"
            elif self._deadline.expired():
                self.reason = "deadline"
            else:
                continue
            abort_stream(self._stream)
            return


def abort_stream(stream: Any) -> None:
    """Shut the stream's socket (unblocks a read in another thread), then close the response."""
    response = getattr(stream, "response", None)
    network = getattr(response, "extensions", {}).get("network_stream") if response is not None else None
    sock = None
    if network is not None:
        try:
            sock = network.get_extra_info("socket")
        except Exception:  # noqa: BLE001
            sock = None
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


# -- probes ---------------------------------------------------------------------------------------
def is_loopback(base_url: str | None) -> bool:
    from urllib.parse import urlsplit

    host = (urlsplit(base_url or "").hostname or "").lower()
    return host in ("localhost", "::1") or host.startswith("127.")


def probe_client(base_url: str | None, timeout: float) -> Any:
    """An HTTP client for short probes; a loopback server is reached directly (no proxy from the env)."""
    import httpx2

    return httpx2.Client(timeout=httpx2.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT_S)),
                         trust_env=not is_loopback(base_url), follow_redirects=True)
