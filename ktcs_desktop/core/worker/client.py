"""`KnowledgeWorkerClient`: the assistant and retrieval stack in a long-lived worker process.

    client = KnowledgeWorkerClient(settings, on_status=print)   # spawns and warms in the background
    client.answer("슬림 14기가 얼마예요?", AssistContext(lookup=caller), on_token=..., cancel=..., on_reset=...)
    client.search("슬림 14기가", k=5)
    client.close()

It offers the same calls as `AssistantService` (answer/suggest with streaming, `label`, `catalog`,
`online.summarize`, `session_usage`) plus search, plan-id search, recommendation and index builds,
so a caller swaps one for the other. Calls block the calling (worker) thread, never the GUI
thread, and never hold the GIL for long: the analyser, BM25, Chroma and the ingest run in the other
process. A dead worker is restarted (its running requests fail with `KnowledgeWorkerRestarting`);
`on_status(state, info)` is called from a background thread on every state change.

Qt-free; imports nothing heavy itself.
"""

from __future__ import annotations

import enum
import itertools
import logging
import multiprocessing
import queue
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ktcs_desktop.core.processes import end_process, spawn_without_main
from ktcs_desktop.core.worker.errors import KnowledgeWorkerError, KnowledgeWorkerRestarting

if TYPE_CHECKING:
    from ktcs_desktop.core.assistant.models import AssistAnswer, AssistContext, CancelCheck, TokenCallback

log = logging.getLogger(__name__)

POLL_S = 0.02  # how often a waiting call checks its cancel flag
WARMING_NOTICE = "지식 준비 중… 잠시 후 답변이 표시됩니다."
RESTART_NOTICE = "지식 엔진이 중단되어 다시 시작하고 있습니다. 진행 중이던 답변은 다시 요청해 주세요."
FAILED_NOTICE = "지식 엔진을 시작하지 못했습니다. 프로그램을 다시 시작해 주세요."


class WorkerState(enum.StrEnum):
    STARTING = "starting"
    WARMING = "warming"
    READY = "ready"
    RESTARTING = "restarting"
    FAILED = "failed"
    CLOSED = "closed"


STATE_TEXT = {
    WorkerState.STARTING: "지식 준비 중…",
    WorkerState.WARMING: "지식 준비 중…",
    WorkerState.READY: "지식 준비됨",
    WorkerState.RESTARTING: "지식 엔진 재시작 중…",
    WorkerState.FAILED: "지식 엔진 중단",
    WorkerState.CLOSED: "",
}


def _cancelled() -> BaseException:
    from ktcs_desktop.core.assistant.openai_provider import AssistantCancelled

    return AssistantCancelled()


class _OnlineProxy:
    """`client.online`: what the wrap-up calls on the online provider (summaries), in the worker."""

    def __init__(self, client: KnowledgeWorkerClient) -> None:
        self._client = client

    def summarize(self, transcript: str, names: tuple[str, ...] = (), **kwargs: Any) -> str | None:
        cancel = kwargs.pop("cancel", None)
        return self._client.call("summarize", transcript, tuple(names), cancel=cancel, **kwargs)


class KnowledgeWorkerClient:
    """Thread-safe; one per application."""

    def __init__(self, settings, *, catalog=None, on_status: Callable[[WorkerState, dict], None] | None = None,
                 warm: bool = True, autostart: bool = True, max_restarts: int = 3,
                 log_level: int | None = logging.WARNING) -> None:
        self.settings = settings
        self._catalog = catalog
        self.on_status = on_status
        self._warm = warm
        self._log_level = log_level
        self.max_restarts = max_restarts
        self.restarts = 0
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._pending: dict[int, queue.Queue] = {}
        self._unsent: list[tuple] = []
        self._conn = None
        self._proc = None
        self._generation = 0
        self._closed = False
        self._state = WorkerState.STARTING
        self._info: dict = {}
        self._ready = threading.Event()
        self._started = False
        self._usage = None
        if autostart:
            self.start()

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        """Spawn the worker in the background (returns at once); calls made meanwhile are queued."""
        with self._lock:
            if self._started or self._closed:
                return
            self._started = True
        threading.Thread(target=self._spawn, name="ktcs-knowledge-start", daemon=True).start()

    def _spawn(self) -> None:
        from ktcs_desktop.core.worker import entry  # not `server`: see entry's docstring

        ctx = multiprocessing.get_context("spawn")
        try:
            parent, child = ctx.Pipe(duplex=True)
            proc = ctx.Process(target=entry.main, args=(child, self.settings, self._warm, self._log_level),
                               name="ktcs-knowledge-worker", daemon=True)
            with spawn_without_main():
                proc.start()
            child.close()
        except Exception as exc:  # noqa: BLE001 - reported as a failed worker, calls fail with a notice
            log.exception("could not start the knowledge worker")
            self._fail_pending(KnowledgeWorkerError(detail=str(exc)))
            self._set_state(WorkerState.FAILED, {"error": str(exc)})
            return
        with self._lock:
            if self._closed:
                self._stop_process(parent, proc)
                return
            self._generation += 1
            generation = self._generation
            self._conn, self._proc = parent, proc
            unsent, self._unsent = self._unsent, []
            for message in unsent:
                self._send_locked(message)
        if self._state is not WorkerState.RESTARTING:
            self._set_state(WorkerState.STARTING, {"pid": proc.pid})
        threading.Thread(target=self._read, args=(parent, proc, generation), name="ktcs-knowledge-reader",
                         daemon=True).start()

    def _read(self, conn, proc, generation: int) -> None:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                break
            except Exception:  # noqa: BLE001 - a message that does not unpickle: drop it, keep reading
                log.exception("unreadable message from the knowledge worker")
                continue
            kind = message[0]
            if kind == "status":
                self._set_state(WorkerState(message[1]), message[2])
                continue
            with self._lock:
                q = self._pending.get(message[1])
            if q is not None:
                q.put(message)
        proc.join(timeout=5)  # reap it: no zombie
        with self._lock:
            if generation != self._generation or self._closed:
                return
            self._conn = None
            self._ready.clear()
            code = proc.exitcode
        log.error("knowledge worker exited (code %s)", code)
        self._fail_pending(KnowledgeWorkerRestarting(detail=f"exit code {code}"))
        if self.restarts >= self.max_restarts:
            self._set_state(WorkerState.FAILED, {"exitcode": code, "notice": FAILED_NOTICE})
            return
        self.restarts += 1
        self._set_state(WorkerState.RESTARTING, {"exitcode": code, "notice": RESTART_NOTICE})
        self._spawn()

    def _fail_pending(self, exc: BaseException) -> None:
        with self._lock:
            pending = list(self._pending.items())
            self._unsent = []
        for rid, q in pending:
            q.put(("died", rid, exc))

    def _set_state(self, state: WorkerState, info: dict) -> None:
        with self._lock:
            if self._closed and state is not WorkerState.CLOSED:
                return
            self._state = state
            self._info = {**self._info, **info}
        if state is WorkerState.READY:
            self._ready.set()
        if self.on_status is not None:
            try:
                self.on_status(state, dict(info))
            except Exception:  # noqa: BLE001 - a broken listener never takes the worker down
                log.exception("knowledge worker status listener failed")

    def close(self, timeout: float = 5.0) -> None:
        """Stop the worker and wait for it to exit (kill it after `timeout`)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            conn, proc = self._conn, self._proc
            self._conn = None
        self._fail_pending(KnowledgeWorkerError("지식 엔진이 종료되었습니다."))
        if conn is not None and proc is not None:
            self._stop_process(conn, proc, timeout)
        self._state = WorkerState.CLOSED
        self._ready.clear()

    @staticmethod
    def _stop_process(conn, proc, timeout: float = 5.0) -> None:
        try:
            conn.send(("stop",))
        except (OSError, EOFError, BrokenPipeError):
            pass
        end_process(proc, timeout)
        try:
            conn.close()
        except OSError:
            pass
        proc.join()  # a killed process is reaped before its handle is released
        try:
            proc.close()
        except ValueError:  # still not reaped (the OS is slow under load): leave it to GC
            pass

    def __enter__(self) -> KnowledgeWorkerClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- state -----------------------------------------------------------------------------------
    @property
    def state(self) -> WorkerState:
        return self._state

    @property
    def ready(self) -> bool:
        return self._state is WorkerState.READY

    def wait_ready(self, timeout: float | None = None) -> bool:
        return self._ready.wait(timeout)

    @property
    def pid(self) -> int | None:
        proc = self._proc
        try:
            return proc.pid if proc is not None else None
        except ValueError:  # closed
            return None

    @property
    def info(self) -> dict:
        return dict(self._info)

    # -- AssistantService interface --------------------------------------------------------------
    @property
    def label(self) -> str:
        if "label" in self._info:
            return self._info["label"]
        chat = getattr(self.settings, "chat_endpoint", None) if self.settings is not None else None
        if chat is not None:
            return f"OpenAI {getattr(chat, 'model', '')}".strip()
        return "오프라인 지식 기반"

    def use_catalog(self, source) -> None:
        """The catalog (or a callable returning it) for `catalog`: given later when the client was
        started before the application's services existed (the desktop spawns it first)."""
        self._catalog = source

    @property
    def catalog(self):
        """The catalog in use in this process: `catalog` given to the constructor, or called when it
        is a callable (the services' `CatalogProvider.current`, checked against the DB each time).
        The worker process reads the same approved version from the database itself."""
        from ktcs_desktop.core.catalog import given

        source = self._catalog
        return given(source() if callable(source) else source, "KnowledgeWorkerClient")

    @property
    def online(self) -> _OnlineProxy | None:
        enabled = self.settings is not None and getattr(self.settings, "openai_enabled", False)
        return _OnlineProxy(self) if enabled else None

    @property
    def session_usage(self):
        if self._usage is None:
            from ktcs_desktop.core.assistant.models import Usage

            self._usage = Usage()
        return self._usage

    def answer(self, question: str, context: AssistContext | None = None, *, on_token: TokenCallback | None = None,
               cancel: CancelCheck | None = None, on_reset: TokenCallback | None = None) -> AssistAnswer:
        return self._answer("answer", question, context, on_token, cancel, on_reset)

    def suggest(self, utterance: str, context: AssistContext, *, on_token: TokenCallback | None = None,
                cancel: CancelCheck | None = None, on_reset: TokenCallback | None = None) -> AssistAnswer:
        return self._answer("suggest", utterance, context, on_token, cancel, on_reset)

    def _answer(self, method, text, context, on_token, cancel, on_reset):
        if not self.ready and on_reset is not None:
            on_reset(WARMING_NOTICE)  # shown instead of blocking; the answer replaces it

        def event(kind: str, value: Any) -> None:
            if kind == "token" and on_token is not None:
                on_token(value)
            elif kind == "reset" and on_reset is not None:
                on_reset(value)

        answer = self.call(method, text, context, on_event=event, cancel=cancel)
        usage = getattr(answer, "usage", None)
        if usage is not None:
            self.session_usage.add(usage)
        return answer

    # -- knowledge -------------------------------------------------------------------------------
    def search(self, query: str, *, k: int = 5, filters=None, mode: str = "hybrid", cancel: CancelCheck | None = None):
        return self.call("search", query, k=k, filters=filters, mode=mode, cancel=cancel)

    def search_plan_ids(self, query: str, *, cancel: CancelCheck | None = None) -> list[str]:
        return self.call("search_plan_ids", query, cancel=cancel)

    def recommend_for(self, lookup, needs, *, today=None, cancel: CancelCheck | None = None):
        return self.call("recommend_for", lookup, needs, today=today, cancel=cancel)

    def build_index(self, *, offline: bool = True, progress: Callable[[Any], None] | None = None,
                    cancel: CancelCheck | None = None):
        """Refresh the index in the worker; a cancel asks the build to stop and returns its report."""
        return self.call("build_index", offline=offline, cancel=cancel, wait_after_cancel=True,
                         on_event=(lambda _kind, value: progress(value)) if progress is not None else None)

    def ping(self, timeout: float | None = 30.0) -> int:
        return self.call("ping", timeout=timeout)

    # -- transport -------------------------------------------------------------------------------
    def _send_locked(self, message: tuple) -> None:
        if self._conn is None:
            self._unsent.append(message)
            return
        try:
            self._conn.send(message)
        except (OSError, EOFError, BrokenPipeError):
            pass  # the reader sees the worker die and fails the request

    def call(self, method: str, *args: Any, on_event: Callable[[str, Any], None] | None = None,
             cancel: CancelCheck | None = None, timeout: float | None = None, wait_after_cancel: bool = False,
             **kwargs: Any) -> Any:
        """Run `method` in the worker and wait for its result (from a non-GUI thread)."""
        rid = next(self._ids)
        q: queue.Queue = queue.Queue()
        with self._lock:
            if self._closed:
                raise KnowledgeWorkerError("지식 엔진이 종료되었습니다.")
            if self._state is WorkerState.FAILED:
                raise KnowledgeWorkerError(FAILED_NOTICE)
            self._pending[rid] = q
            self._send_locked(("call", rid, method, args, kwargs))
        if not self._started:
            self.start()
        deadline = None if timeout is None else time.monotonic() + timeout
        cancel_sent = False
        try:
            while True:
                if cancel is not None and not cancel_sent and cancel():
                    with self._lock:
                        self._send_locked(("cancel", rid))
                    cancel_sent = True
                    if not wait_after_cancel:
                        raise _cancelled()
                try:
                    message = q.get(timeout=POLL_S)
                except queue.Empty:
                    if deadline is not None and time.monotonic() > deadline:
                        with self._lock:
                            self._send_locked(("cancel", rid))
                        raise KnowledgeWorkerError(detail=f"{method} timed out") from None
                    continue
                kind = message[0]
                if kind == "event":
                    if on_event is not None:
                        on_event(message[2], message[3])
                elif kind == "result":
                    return message[2]
                elif kind == "error":
                    raise message[2]
                elif kind == "cancelled":
                    raise _cancelled()
                elif kind == "died":
                    raise message[2]
        finally:
            with self._lock:
                self._pending.pop(rid, None)
