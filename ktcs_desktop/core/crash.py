"""Crash visibility (Qt-free): nothing the app does wrong vanishes without a trace in the log dir.

    handlers = install_crash_handlers(settings.paths.log_dir, on_crash=show_dialog)

* `faulthandler` writes the Python stack of every thread to `<log dir>/faulthandler.log` on a
  segfault, abort or fatal signal (what logging cannot catch: the interpreter is dying).
* `sys.excepthook` (an exception nobody caught on the main thread, including one raised in a Qt
  slot) and `threading.excepthook` (one on a worker thread) log it with its traceback at CRITICAL,
  to the rotating `ktcs.log` the app set up, and call `on_crash(exc)` for the main thread (the
  window shows a Korean dialog with "로그 폴더 열기").
"""

from __future__ import annotations

import faulthandler
import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO

log = logging.getLogger("ktcs_desktop.crash")

FAULT_LOG = "faulthandler.log"

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]
ThreadHook = Callable[[threading.ExceptHookArgs], object]


@dataclass
class CrashHandlers:
    log_dir: Path
    fault_file: IO[str]
    on_crash: Callable[[BaseException], None] | None = None
    _previous_hook: ExceptHook = field(default=sys.__excepthook__)
    _previous_thread_hook: ThreadHook = field(default=threading.__excepthook__)
    _fault_was_enabled: bool = False

    @property
    def fault_log(self) -> Path:
        return self.log_dir / FAULT_LOG

    def excepthook(self, exc_type: type[BaseException], exc: BaseException,
                   tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self._previous_hook(exc_type, exc, tb)
            return
        log.critical("uncaught exception on the main thread", exc_info=(exc_type, exc, tb))
        if self.on_crash is not None:
            try:
                self.on_crash(exc)
            except Exception:  # the dialog itself failed: the log still has both
                log.exception("showing the crash dialog failed")

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        name = args.thread.name if args.thread is not None else "?"
        log.critical("uncaught exception in thread %s", name,
                     exc_info=(args.exc_type, args.exc_value, args.exc_traceback))

    def uninstall(self) -> None:
        if sys.excepthook == self.excepthook:
            sys.excepthook = self._previous_hook
        if threading.excepthook == self.thread_excepthook:
            threading.excepthook = self._previous_thread_hook
        faulthandler.disable()
        if self._fault_was_enabled:  # e.g. pytest's own, to stderr
            faulthandler.enable(sys.__stderr__ or sys.stderr, all_threads=True)
        self.fault_file.close()


def install_crash_handlers(log_dir: Path, *,
                           on_crash: Callable[[BaseException], None] | None = None) -> CrashHandlers:
    """Install the three hooks; `uninstall()` puts the previous ones back (tests)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    # Kept open for the life of the process: faulthandler writes to its descriptor from a
    # signal handler, where nothing can be opened.
    was_enabled = faulthandler.is_enabled()
    fault_file = (log_dir / FAULT_LOG).open("a", encoding="utf-8")
    faulthandler.enable(fault_file, all_threads=True)
    handlers = CrashHandlers(log_dir, fault_file, on_crash, sys.excepthook, threading.excepthook, was_enabled)
    sys.excepthook = handlers.excepthook
    threading.excepthook = handlers.thread_excepthook
    return handlers
