"""The one background-task helper: run an operation off the GUI thread, get the result back on it.

    tasks.run(lambda ctx: services.lookup.lookup(phone),
              on_success=self._show, on_failure=self._error, kind=TaskKind.DB)

* Database work is serialised on a single worker thread; network/model work runs in parallel.
* Callbacks run on the GUI thread (signals from a QObject living there, queued across threads).
  Never touch widgets inside the operation itself.
* Operations receive a `TaskContext`: `ctx.progress(done, total, message)` reports progress,
  `ctx.cancelled` tells a long job to stop (raise `TaskCancelled` or just return).
"""

from __future__ import annotations

import enum
import itertools
import logging
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

log = logging.getLogger(__name__)


_SIGNALS_GRACE_MS = 1000


class TaskKind(enum.Enum):
    DB = "db"  # serialised: one at a time
    IO = "io"  # network, models, files: parallel


class TaskCancelled(Exception):
    """Raised inside an operation to stop early; reported as cancelled, not failed."""


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    message: str = ""


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

    def progress(self, done: int, total: int, message: str = "") -> None:
        self._signals.progress.emit(Progress(done, total, message))

    def emit(self, value: object) -> None:
        """Send an intermediate result (e.g. a streamed token) to `on_partial`."""
        self._signals.partial.emit(value)


class _TaskSignals(QObject):
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    progress = Signal(object)
    partial = Signal(object)
    finished = Signal()


class _Runnable(QRunnable):
    def __init__(self, fn: Callable[[TaskContext], Any], ctx: TaskContext, signals: _TaskSignals) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._fn = fn
        self._ctx = ctx
        self._signals = signals

    def run(self) -> None:  # worker thread
        try:
            if self._ctx.cancelled:
                raise TaskCancelled()
            result = self._fn(self._ctx)
        except TaskCancelled:
            self._signals.cancelled.emit()
        except BaseException as exc:  # noqa: BLE001 - reported to the GUI thread
            exc.__ktcs_traceback__ = traceback.format_exc()  # type: ignore[attr-defined]
            self._signals.failed.emit(exc)
        else:
            if self._ctx.cancelled:
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
        self._live: dict[int, tuple[_TaskSignals, TaskHandle]] = {}

    def run(
        self,
        fn: Callable[[TaskContext], Any],
        *,
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        on_partial: Callable[[Any], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
        on_finished: Callable[[], None] | None = None,
        kind: TaskKind = TaskKind.DB,
    ) -> TaskHandle:
        # Parentless on purpose: if the window (and this manager) goes away while a worker is
        # still running, the worker must not emit on an object its parent already deleted.
        signals = _TaskSignals()
        ctx = TaskContext(signals)
        handle = TaskHandle(next(self._ids), ctx)
        self._live[handle.id] = (signals, handle)

        guard = self._guard
        if on_success:
            signals.succeeded.connect(guard(on_success))
        signals.failed.connect(guard(on_failure) if on_failure else self._log_failure)
        if on_progress:
            signals.progress.connect(guard(on_progress))
        if on_partial:
            signals.partial.connect(guard(on_partial))
        if on_cancelled:
            signals.cancelled.connect(guard(on_cancelled))
        if on_finished:
            signals.finished.connect(guard(on_finished))
        signals.finished.connect(lambda task_id=handle.id: self._forget(task_id))

        pool = self._db_pool if kind is TaskKind.DB else self._io_pool
        pool.start(_Runnable(fn, ctx, signals))
        return handle

    def _guard(self, callback: Callable[..., None]) -> Callable[..., None]:
        """Callbacks touch widgets: once the window has shut the manager down, drop them."""

        def guarded(*args: Any) -> None:
            if self._accepting:
                callback(*args)

        return guarded

    @Slot()
    def _forget(self, task_id: int) -> None:
        entry = self._live.pop(task_id, None)
        if entry is not None:
            signals, handle = entry
            handle.done = True
            # `finished` is the worker's last emit, but the worker may still be returning from it:
            # delete on the GUI thread a moment later, never under its feet.
            QTimer.singleShot(_SIGNALS_GRACE_MS, signals.deleteLater)

    @staticmethod
    def _log_failure(exc: BaseException) -> None:
        log.error("background task failed: %s\n%s", exc, getattr(exc, "__ktcs_traceback__", ""))

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

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel what can be cancelled and wait for the workers (on window close).

        Results that arrive afterwards are dropped: their widgets are going away."""
        self._accepting = False
        self.cancel_all()
        self._db_pool.clear()  # queued, never started: their callbacks will not run
        self._io_pool.clear()
        ok_db = self._db_pool.waitForDone(timeout_ms)
        ok_io = self._io_pool.waitForDone(timeout_ms)
        for _signals, handle in self._live.values():
            handle.done = True
        self._live.clear()
        return ok_db and ok_io


def run_with_progress(
    tasks: TaskManager,
    parent: QWidget,
    title: str,
    fn: Callable[[TaskContext], Any],
    *,
    on_success: Callable[[Any], None] | None = None,
    on_failure: Callable[[BaseException], None] | None = None,
    on_cancelled: Callable[[], None] | None = None,
    kind: TaskKind = TaskKind.IO,
) -> tuple[TaskHandle, QProgressDialog]:
    """Run a long job with a modal-less progress dialog that has a working 취소 button."""
    dialog = QProgressDialog(title, "취소", 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setMinimumDuration(0)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)

    def progress(p: Progress) -> None:
        dialog.setMaximum(max(p.total, 0))
        dialog.setValue(min(p.done, p.total) if p.total else 0)
        if p.message:
            dialog.setLabelText(p.message)

    handle = tasks.run(fn, on_success=on_success, on_failure=on_failure, on_progress=progress,
                       on_cancelled=on_cancelled, on_finished=dialog.close, kind=kind)
    dialog.canceled.connect(handle.cancel)
    dialog.show()
    return handle, dialog
