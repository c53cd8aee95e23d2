"""`WhisperProcessTranscriber`: local faster-whisper in its own spawned process (Qt-free).

    transcriber = WhisperProcessTranscriber(settings.ktcs_whisper_model_dir)
    transcriber.start()          # spawns in the background; the model loads while the agent speaks
    transcriber.transcribe(wav, prompt=..., timeout=30.0)
    transcriber.close()

`import faster_whisper` holds the GIL for ~0.15 s and loading the CTranslate2 model another ~0.1 s;
in the desktop app that froze the event loop. Here the child builds a `LocalWhisperTranscriber`,
loads the model at once and answers requests over a `Pipe`; the parent only waits on the pipe
(`conn.poll`, which releases the GIL). Because the decode runs in another process, a timeout is
real: the child is killed at the deadline and the next call spawns a new one. A child that dies
mid-request fails that request (retryable); a model that does not load is reported once and
remembered until `close()` — no respawn loop.

This module is the spawn target's module too: it imports only the standard library and
`transcribe` (which imports faster-whisper lazily, in `_load`), so pickling `_child_main` by
reference costs the parent nothing (compare `core.worker.entry`). The child's transcriber factory
is a dotted path ("module:attr") so tests can run the protocol with a fake and no faster-whisper.
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NoReturn

from ktcs_desktop.core.errors import KtcsError
from ktcs_desktop.core.processes import end_process, spawn_without_main
from ktcs_desktop.core.speech.transcribe import (
    AudioInput,
    LocalWhisperTranscriber,
    RetryPolicy,
    Transcript,
    TranscriptionError,
    TranscriptionTimeoutError,
)

log = logging.getLogger(__name__)

DEFAULT_FACTORY = "ktcs_desktop.core.speech.transcribe:LocalWhisperTranscriber"
START_TIMEOUT_S = 120.0  # spawn + import faster_whisper + model load, on a busy 2-core PC
MAX_START_FAILURES = 2  # children that die before they are ready, in a row: stop spawning

DIED_MESSAGE = (
    "로컬 음성 인식 프로세스가 중단되었습니다. 다시 시도합니다. "
    "녹음 구간은 저장되어 있어 나중에 다시 변환할 수 있습니다."
)
START_TIMEOUT_MESSAGE = "로컬 Whisper 모델 준비 시간이 초과되었습니다. 잠시 후 다시 시도합니다."
START_FAILED_MESSAGE = "로컬 음성 인식 프로세스를 시작할 수 없습니다. 프로그램을 다시 시작해 주세요."
CLOSED_MESSAGE = "로컬 음성 인식이 종료되었습니다."


# -- child ------------------------------------------------------------------------------------------
def _resolve(path: str) -> Any:
    module, _, attr = path.partition(":")
    target: Any = importlib.import_module(module)
    for part in attr.split("."):
        target = getattr(target, part)
    return target


def _portable(exc: BaseException) -> KtcsError:
    """An error that pickles back to the parent with a Korean message (KtcsError's __reduce__)."""
    if isinstance(exc, KtcsError):
        return exc
    return TranscriptionError(detail=f"{type(exc).__name__}: {exc}")


def _child_main(conn: Connection, model_dir: str | None, factory: str, options: dict[str, Any],
                log_level: int | None) -> None:
    """Entry point of the spawned process: load at once, then one request at a time until "stop"."""
    started = time.monotonic()
    if log_level is not None:
        logging.basicConfig(level=log_level, format="%(asctime)s %(levelname)s whisper-process %(name)s: %(message)s")
    try:
        transcriber = _resolve(factory)(model_dir, **options)
        load = getattr(transcriber, "_load", None)
        if callable(load):
            load()
    except Exception as exc:  # noqa: BLE001 - every load failure goes back to the parent
        conn.send(("failed", _portable(exc)))
        conn.close()
        return
    conn.send(("ready", os.getpid(), time.monotonic() - started))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        if message[0] != "transcribe":
            return  # "stop"
        _, audio, prompt, timeout = message
        try:
            reply: tuple[str, Any] = ("ok", transcriber.transcribe(audio, prompt=prompt, timeout=timeout))
        except Exception as exc:  # noqa: BLE001 - reported, the process keeps serving
            reply = ("error", _portable(exc))
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return
        except Exception as exc:  # noqa: BLE001 - a result or error that does not pickle
            conn.send(("error", TranscriptionError(detail=f"unpicklable reply: {exc!r}")))


# -- parent -----------------------------------------------------------------------------------------
class _Child:
    """One spawned process; `spawned` is set once `proc`/`conn` (or `error`) are filled in."""

    def __init__(self) -> None:
        self.spawned = threading.Event()
        self.stop_lock = threading.Lock()  # close() and a failing call may both stop it
        self.proc: Any = None  # multiprocessing.process.BaseProcess
        self.conn: Connection | None = None
        self.error: KtcsError | None = None
        self.ready = False
        self.pid: int | None = None
        self.exitcode: int | None = None  # once stopped


class WhisperProcessTranscriber:
    """`Transcriber` running `LocalWhisperTranscriber` in a spawned child process.

    Thread-safe: requests are serialized (one decode at a time, as in-process). `available()` and
    `unavailable_reason` are LocalWhisperTranscriber's, computed without importing faster-whisper.
    """

    name = "local-whisper"

    def __init__(self, model_dir: Path | str | None, *, factory: str = DEFAULT_FACTORY,
                 options: dict[str, Any] | None = None, start_timeout_s: float = START_TIMEOUT_S,
                 retry_policy: RetryPolicy | None = None, log_level: int | None = logging.WARNING) -> None:
        self.model_dir = Path(model_dir) if model_dir else None
        self.factory = factory
        self.options = dict(options or {})
        self.start_timeout_s = start_timeout_s
        self.log_level = log_level
        self.unavailable_reason = LocalWhisperTranscriber(self.model_dir).unavailable_reason
        self.retry_policy = retry_policy or RetryPolicy(attempts=2, deadline_s=60.0)
        self._state_lock = threading.Lock()
        self._call_lock = threading.Lock()  # one request at a time
        self._child: _Child | None = None
        self._load_error: KtcsError | None = None
        self._start_failures = 0
        self._closed = False
        self.spawns = 0  # children started so far
        self.started_at: float | None = None  # monotonic time of the last spawn request
        self.ready_after_s: float | None = None  # spawn request → ready seen by a call, last child
        self.load_s: float | None = None  # the child's own start → model loaded, last child

    def available(self) -> bool:
        return self.unavailable_reason is None

    @property
    def pid(self) -> int | None:
        child = self._child
        return child.pid if child is not None else None

    # -- lifecycle -----------------------------------------------------------------------------------
    def start(self) -> None:
        """Spawn the child in the background (returns at once); no-op when one is running or
        starting, after a load failure, or once closed."""
        with self._state_lock:
            if self._closed or self._load_error is not None or self._child is not None:
                return
            self._child = child = _Child()
            self.spawns += 1
            self.started_at = time.monotonic()
        threading.Thread(target=self._spawn, args=(child,), name="ktcs-whisper-start", daemon=True).start()

    def _spawn(self, child: _Child) -> None:
        ctx = multiprocessing.get_context("spawn")
        try:
            parent, child_end = ctx.Pipe(duplex=True)
            proc = ctx.Process(
                target=_child_main,
                args=(child_end, str(self.model_dir) if self.model_dir else None, self.factory, self.options,
                      self.log_level),
                name="ktcs-whisper", daemon=True,
            )
            with spawn_without_main():
                proc.start()
            child_end.close()
        except Exception as exc:  # noqa: BLE001 - the waiting call raises it
            log.exception("could not start the local Whisper process")
            child.error = TranscriptionError(START_FAILED_MESSAGE, detail=repr(exc))
            child.spawned.set()
            return
        with self._state_lock:  # against close(): exactly one of the two stops an orphan
            child.proc, child.conn, child.pid = proc, parent, proc.pid
            child.spawned.set()
            orphaned = self._closed or self._child is not child
        if orphaned:  # closed (or given up) while it started
            _stop(child)

    def close(self, timeout: float = 2.0) -> None:
        """Ask the child to stop, kill it after `timeout`; idempotent, fine if never started."""
        with self._state_lock:
            if self._closed:
                return
            self._closed = True
            child, self._child = self._child, None
            spawned = child is not None and child.spawned.is_set()
        if child is None or not spawned:
            return  # never started, or `_spawn` sees `_closed` and stops it
        # A request in flight owns the connection: it sees the child's end (EOF) and closes it.
        idle = self._call_lock.acquire(blocking=False)
        try:
            _stop(child, timeout, close_conn=idle)
        finally:
            if idle:
                self._call_lock.release()

    def __enter__(self) -> WhisperProcessTranscriber:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _discard(self, child: _Child, *, kill: bool) -> None:
        """Forget `child` (the next call spawns anew) and make sure it is gone."""
        with self._state_lock:
            if self._child is child:
                self._child = None
        _stop(child, 0.0 if kill else 2.0)

    # -- requests ------------------------------------------------------------------------------------
    def transcribe(self, audio: AudioInput, *, prompt: str | None = None,
                   timeout: float | None = None) -> Transcript:
        """One decode in the child, at most `timeout` s (then the child is killed); the first call
        also waits up to `start_timeout_s` for the model to load."""
        payload: bytes | str = bytes(audio) if isinstance(audio, bytes | bytearray) else str(audio)
        with self._call_lock:
            child = self._ready_child()
            assert child.conn is not None
            try:
                child.conn.send(("transcribe", payload, prompt, timeout))
            except (OSError, EOFError):
                self._discard(child, kill=True)
                raise TranscriptionError(DIED_MESSAGE, detail="the pipe to the child broke") from None
            try:
                answered = child.conn.poll(timeout)
                message = child.conn.recv() if answered else None
            except (EOFError, OSError):
                self._discard(child, kill=True)
                if self._closed:
                    raise TranscriptionError(CLOSED_MESSAGE, detail="closed during the request") from None
                raise TranscriptionError(DIED_MESSAGE, detail=f"the child exited (code {child.exitcode})") from None
            if message is None:
                log.warning("local Whisper decode exceeded %.1f s: killing pid %s", timeout, child.pid)
                self._discard(child, kill=True)
                raise TranscriptionTimeoutError(detail=f"local decode exceeded {timeout:.1f} s")
        kind, value = message
        if kind == "ok":
            if not isinstance(value, Transcript):
                raise TranscriptionError(detail=f"unexpected reply {type(value).__name__}")
            return value
        raise value

    def _ready_child(self) -> _Child:
        """The running, loaded child (spawning one if needed); raises its load failure."""
        if self._closed:
            raise TranscriptionError(CLOSED_MESSAGE, detail="closed")
        if self._load_error is not None:
            raise self._load_error
        self.start()
        child = self._child
        if child is None:  # closed, or the load failed, in between
            raise self._load_error or TranscriptionError(CLOSED_MESSAGE, detail="closed")
        if child.ready:
            return child
        deadline = (self.started_at or time.monotonic()) + self.start_timeout_s
        if not child.spawned.wait(max(0.0, deadline - time.monotonic())):
            self._start_failed(child, TranscriptionTimeoutError(START_TIMEOUT_MESSAGE, detail="spawn timed out"))
        if child.error is not None:
            self._start_failed(child, child.error)
        assert child.conn is not None
        try:
            answered = child.conn.poll(max(0.0, deadline - time.monotonic()))
            message = child.conn.recv() if answered else None
        except (EOFError, OSError):
            self._discard(child, kill=True)
            self._start_failed(child, TranscriptionError(DIED_MESSAGE,
                                                         detail=f"exited while loading (code {child.exitcode})"))
        if message is None:
            self._start_failed(child, TranscriptionTimeoutError(
                START_TIMEOUT_MESSAGE, detail=f"model not loaded after {self.start_timeout_s:.0f} s"))
        if message[0] == "failed":
            self._remember_load_error(child, message[1])
        child.ready = True
        self._start_failures = 0
        self.load_s = float(message[2])
        if self.started_at is not None:
            self.ready_after_s = time.monotonic() - self.started_at
        log.info("local Whisper ready in pid %s (loaded in %.2f s)", message[1], self.load_s)
        return child

    def _start_failed(self, child: _Child, error: KtcsError) -> NoReturn:
        """A child that never got ready: the next call respawns, unless that keeps happening."""
        self._discard(child, kill=True)
        self._start_failures += 1
        if self._start_failures >= MAX_START_FAILURES:
            self._remember_load_error(child, TranscriptionError(START_FAILED_MESSAGE, detail=error.detail))
        raise error

    def _remember_load_error(self, child: _Child, error: KtcsError) -> NoReturn:
        """The model cannot load here: raise this from now on, spawn no more (until closed)."""
        error.retryable = False  # type: ignore[attr-defined]  # also on non-Transcription KtcsErrors
        with self._state_lock:
            self._load_error = error
        self._discard(child, kill=False)
        raise error


def _stop(child: _Child, timeout: float = 2.0, *, close_conn: bool = True) -> None:
    """Ask `child` to stop ("stop", unless `timeout` is 0), then terminate and kill it; reaped."""
    with child.stop_lock:
        _stop_locked(child, timeout, close_conn)


def _stop_locked(child: _Child, timeout: float, close_conn: bool) -> None:
    conn, proc = child.conn, child.proc
    if conn is not None and timeout > 0:
        try:
            conn.send(("stop",))
        except (OSError, EOFError, ValueError):
            pass
    if proc is not None:
        end_process(proc, timeout)
        child.exitcode = proc.exitcode
        try:
            proc.close()  # its sentinel fd now, not at garbage collection
            child.proc = None
        except ValueError:  # not reaped yet (a slow OS under load): leave it to GC
            pass
    if conn is not None and close_conn:
        conn.close()
