"""The one background-task helper: run an operation off the GUI thread, get the result back on it.

    tasks.run(lambda ctx: services.lookup.lookup(phone),
              on_success=self._show, on_failure=self._error, kind=TaskKind.DB)

* Database work is serialised on a single worker thread; network/model work runs in parallel.
* Callbacks run on the GUI thread (signals from a QObject living there, queued across threads).
  Never touch widgets inside the operation itself.
* Operations receive a `TaskContext`: `ctx.emit(value)` sends intermediate results (progress
  events, streamed tokens) to `on_partial`, `ctx.cancelled` tells a long job to stop (raise
  `TaskCancelled` or just return).
* Every failure is logged with its traceback on the worker, whether or not `on_failure` is given.
"""

from __future__ import annotations

import enum
import itertools
import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

from ktcs_desktop.core.errors import KtcsError

log = logging.getLogger(__name__)


_SIGNALS_GRACE_MS = 1000


class TaskKind(enum.Enum):
    DB = "db"  # serialised: one at a time
    IO = "io"  # network, models, files: parallel


class TaskCancelled(Exception):
    """Raised inside an operation to stop early; reported as cancelled, not failed."""


class TaskContext:
    """Handed to the operation; thread-safe."""

    def __init__(self, signals: _TaskSignals) -> None:
        self._signals = signals
        self._cancel = threading.Event()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    def raise_if_cancelled(self) -> None:
        if self._cancel.is_set():
            raise TaskCancelled()

    def emit(self, value: object) -> None:
        """Send an intermediate result (e.g. a streamed token) to `on_partial`."""
        self._signals.partial.emit(value)


class _TaskSignals(QObject):
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    partial = Signal(object)
    finished = Signal()


class _Discard:
    """Releases a result that owns a resource (an opened audio stream) when nobody will take it:
    the window shut down before the result could be delivered. Runs at most once."""

    def __init__(self, release: Callable[[Any], None] | None, shut_down: threading.Event) -> None:
        self._release = release
        self._shut_down = shut_down
        self._lock = threading.Lock()
        self._done = False

    def __call__(self, result: Any) -> bool:
        """Release `result` if the manager is shut down; True if it was released."""
        if self._release is None or not self._shut_down.is_set():
            return False
        with self._lock:
            if self._done:
                return True
            self._done = True
        try:
            self._release(result)
        except Exception:  # noqa: BLE001 - releasing at exit must not raise
            log.exception("releasing a discarded task result failed")
        return True


class _Runnable(QRunnable):
    def __init__(self, fn: Callable[[TaskContext], Any], ctx: TaskContext, signals: _TaskSignals,
                 discard: _Discard | None = None) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._fn = fn
        self._ctx = ctx
        self._signals = signals
        self._discard = discard

    def run(self) -> None:  # worker thread
        try:
            if self._ctx.cancelled:
                raise TaskCancelled()
            result = self._fn(self._ctx)
        except TaskCancelled:
            self._signals.cancelled.emit()
        except BaseException as exc:  # noqa: BLE001 - reported to the GUI thread
            exc.__ktcs_traceback__ = traceback.format_exc()  # type: ignore[attr-defined]
            # Logged here, always: the callback shows the agent a Korean message, the log keeps
            # the traceback. An expected KtcsError (DB down, bad input) is a warning.
            level = logging.WARNING if isinstance(exc, KtcsError) else logging.ERROR
            log.log(level, "background task %s failed: %s", getattr(self._fn, "__qualname__", "?"),
                    type(exc).__name__, exc_info=exc)
            self._signals.failed.emit(exc)
        else:
            if self._discard is not None and self._discard(result):
                pass  # the window is gone: the result's resource was released here
            elif self._ctx.cancelled:
                self._signals.cancelled.emit()
            else:
                self._signals.succeeded.emit(result)
        finally:
            self._signals.finished.emit()


class TaskHandle:
    """What `TaskManager.run` returns: lets the caller cancel and see whether it is done."""

    def __init__(self, task_id: int, ctx: TaskContext) -> None:
        self.id = task_id
        self._ctx = ctx
        self.done = False

    def cancel(self) -> None:
        self._ctx.cancel()

    @property
    def cancelled(self) -> bool:
        return self._ctx.cancelled


class TaskManager(QObject):
    """Owns the thread pools; lives on the GUI thread."""

    def __init__(self, parent: QObject | None = None, *, io_threads: int = 4) -> None:
        super().__init__(parent)
        self._db_pool = QThreadPool(self)
        self._db_pool.setMaxThreadCount(1)
        self._io_pool = QThreadPool(self)
        self._io_pool.setMaxThreadCount(io_threads)
        self._ids = itertools.count(1)
        self._accepting = True  # False after shutdown(): late results are not delivered
        self._shut_down = threading.Event()  # the same, readable from worker threads
        self._live: dict[int, tuple[_TaskSignals, TaskHandle]] = {}
        self._kinds: dict[int, TaskKind] = {}

    def run(
        self,
        fn: Callable[[TaskContext], Any],
        *,
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        on_partial: Callable[[Any], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
        on_finished: Callable[[], None] | None = None,
        on_discarded: Callable[[Any], None] | None = None,
        kind: TaskKind = TaskKind.DB,
    ) -> TaskHandle:
        """`on_discarded(result)` releases a result that owns a resource when the manager was shut
        down before it could be delivered (it may run on a worker thread)."""
        # Parentless on purpose: if the window (and this manager) goes away while a worker is
        # still running, the worker must not emit on an object its parent already deleted.
        signals = _TaskSignals()
        ctx = TaskContext(signals)
        handle = TaskHandle(next(self._ids), ctx)
        self._live[handle.id] = (signals, handle)
        self._kinds[handle.id] = kind
        discard = _Discard(on_discarded, self._shut_down) if on_discarded else None

        guard = self._guard
        if on_success:
            if discard is not None:
                def deliver(result: Any, callback: Callable[[Any], None] = on_success) -> None:
                    if not discard(result):
                        callback(result)
                signals.succeeded.connect(guard(deliver))
            else:
                signals.succeeded.connect(guard(on_success))
        if on_failure:
            signals.failed.connect(guard(on_failure))
        if on_partial:
            signals.partial.connect(guard(on_partial))
        if on_cancelled:
            signals.cancelled.connect(guard(on_cancelled))
        if on_finished:
            signals.finished.connect(guard(on_finished))
        signals.finished.connect(lambda task_id=handle.id: self._forget(task_id))

        pool = self._db_pool if kind is TaskKind.DB else self._io_pool
        pool.start(_Runnable(fn, ctx, signals, discard))
        return handle

    def _guard(self, callback: Callable[..., None]) -> Callable[..., None]:
        """Callbacks touch widgets: once the window has shut the manager down, drop them."""

        def guarded(*args: Any) -> None:
            if self._accepting:
                callback(*args)
            elif args and getattr(callback, "__name__", "") == "deliver":
                callback(*args)  # releases the discarded result, touches no widget

        return guarded

    @Slot()
    def _forget(self, task_id: int) -> None:
        entry = self._live.pop(task_id, None)
        self._kinds.pop(task_id, None)
        if entry is not None:
            signals, handle = entry
            handle.done = True
            # `finished` is the worker's last emit, but the worker may still be returning from it:
            # delete on the GUI thread a moment later, never under its feet.
            QTimer.singleShot(_SIGNALS_GRACE_MS, signals.deleteLater)

    @property
    def active_count(self) -> int:
        """Tasks started and not yet reported finished."""
        return len(self._live)

    @property
    def busy(self) -> bool:
        """Whether any worker thread is still running an operation."""
        return self._db_pool.activeThreadCount() + self._io_pool.activeThreadCount() > 0

    def cancel_all(self) -> None:
        for _signals, handle in list(self._live.values()):
            handle.cancel()

    def shutdown(self, timeout_ms: int = 5000, *, drain_db: bool = False,
                 final_db: list[Callable[[], object]] | None = None) -> bool:
        """Cancel what can be cancelled and wait for the workers (on window close).

        Results that arrive afterwards are dropped: their widgets are going away."""
        self._accepting = False
        self._shut_down.set()
        for task_id, (_signals, handle) in list(self._live.items()):
            if not drain_db or self._kinds.get(task_id) is not TaskKind.DB:
                handle.cancel()
        if drain_db:
            # Database writes queued for the agent's call still run (bounded by timeout_ms); then
            # the final writes (e.g. a last flush of the live call) run on the same worker.
            for fn in final_db or ():
                self._db_pool.start(_Runnable(lambda _ctx, fn=fn: fn(), TaskContext(_TaskSignals()),
                                              _TaskSignals()))
        else:
            self._db_pool.clear()  # queued, never started: their callbacks will not run
        self._io_pool.clear()
        ok_db = self._db_pool.waitForDone(timeout_ms)
        ok_io = self._io_pool.waitForDone(timeout_ms)
        for _signals, handle in self._live.values():
            handle.done = True
        self._live.clear()
        return ok_db and ok_io
