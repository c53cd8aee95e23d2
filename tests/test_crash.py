"""Crash visibility: uncaught exceptions and hard faults leave a traceback in the log dir."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from pathlib import Path

from ktcs_desktop.core.crash import FAULT_LOG, install_crash_handlers


def test_uncaught_exceptions_are_logged_and_reported(tmp_path: Path, caplog) -> None:
    seen: list[BaseException] = []
    handlers = install_crash_handlers(tmp_path, on_crash=seen.append)
    try:
        assert sys.excepthook == handlers.excepthook
        try:
            raise RuntimeError("main boom")
        except RuntimeError as exc:
            with caplog.at_level(logging.CRITICAL, logger="ktcs_desktop.crash"):
                sys.excepthook(type(exc), exc, exc.__traceback__)
        assert [str(e) for e in seen] == ["main boom"]

        def worker() -> None:
            raise ValueError("thread boom")

        with caplog.at_level(logging.CRITICAL, logger="ktcs_desktop.crash"):
            t = threading.Thread(target=worker, name="db-worker")
            t.start()
            t.join()
        assert len(seen) == 1  # no dialog from a worker thread: logged only
    finally:
        handlers.uninstall()
    assert sys.excepthook is not handlers.excepthook
    messages = [(r.getMessage(), r.exc_info[0] if r.exc_info else None) for r in caplog.records]
    assert ("uncaught exception on the main thread", RuntimeError) in messages
    assert ("uncaught exception in thread db-worker", ValueError) in messages
    assert "raise RuntimeError" in caplog.text and "raise ValueError" in caplog.text
    assert (tmp_path / FAULT_LOG).exists()


def test_a_hard_crash_writes_every_threads_stack_to_the_log_dir(tmp_path: Path) -> None:
    code = (
        "import faulthandler, pathlib, sys\n"
        "from ktcs_desktop.core.crash import install_crash_handlers\n"
        "install_crash_handlers(pathlib.Path(sys.argv[1]))\n"
        "faulthandler._sigsegv()\n"
    )
    run = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert run.returncode != 0
    text = (tmp_path / FAULT_LOG).read_text(encoding="utf-8")
    assert "Segmentation fault" in text or "Fatal Python error" in text
    assert "<string>" in text  # the Python stack of the crashing line
