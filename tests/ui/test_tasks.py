"""The background-task helper: results on the GUI thread, cancel, and nothing after shutdown."""

from __future__ import annotations

import threading

from ktcs_desktop.ui.tasks import TaskKind, TaskManager


def test_results_and_partials_arrive_on_the_gui_thread(qtbot, app) -> None:
    tasks = TaskManager()
    gui = threading.get_ident()
    seen: list[tuple[str, object, int]] = []

    def work(ctx):
        ctx.emit("반")
        ctx.emit("토큰")
        return threading.get_ident()

    tasks.run(work, on_success=lambda worker: seen.append(("ok", worker != gui, threading.get_ident())),
              on_partial=lambda t: seen.append(("partial", t, threading.get_ident())), kind=TaskKind.IO)
    qtbot.waitUntil(lambda: any(kind == "ok" for kind, *_ in seen), timeout=5000)
    assert [(kind, value) for kind, value, _ in seen] == [("partial", "반"), ("partial", "토큰"), ("ok", True)]
    assert all(thread == gui for *_, thread in seen)
    tasks.shutdown()


def test_cancel_and_failure(qtbot, app) -> None:
    tasks = TaskManager()
    started, release = threading.Event(), threading.Event()
    outcome: list[str] = []

    def slow(ctx):
        started.set()
        release.wait(5)
        ctx.raise_if_cancelled()
        return "done"

    handle = tasks.run(slow, on_success=outcome.append, on_cancelled=lambda: outcome.append("cancelled"),
                       kind=TaskKind.IO)
    started.wait(5)
    handle.cancel()
    release.set()
    qtbot.waitUntil(lambda: outcome == ["cancelled"], timeout=5000)

    def boom(ctx):
        raise ValueError("실패")

    tasks.run(boom, on_failure=lambda exc: outcome.append(str(exc)))
    qtbot.waitUntil(lambda: outcome[-1] == "실패", timeout=5000)
    tasks.shutdown()


def test_no_callbacks_after_shutdown(qtbot, app) -> None:
    tasks = TaskManager()
    release = threading.Event()
    delivered: list[object] = []
    tasks.run(lambda ctx: release.wait(5) and "late", on_success=delivered.append,
              on_partial=delivered.append, on_finished=lambda: delivered.append("finished"), kind=TaskKind.IO)
    tasks.shutdown(timeout_ms=10)  # the window closes while the worker still runs
    release.set()
    qtbot.waitUntil(lambda: not tasks.busy, timeout=5000)
    qtbot.wait(50)
    assert delivered == []


def test_failures_are_logged_with_the_traceback_even_with_on_failure(qtbot, app, caplog) -> None:
    tasks = TaskManager()
    shown: list[BaseException] = []

    def broken(ctx):
        raise ZeroDivisionError("boom")

    with caplog.at_level("ERROR", logger="ktcs_desktop.ui.tasks"):
        tasks.run(broken, on_failure=shown.append, kind=TaskKind.IO)
        qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    records = [r for r in caplog.records if r.name == "ktcs_desktop.ui.tasks"]
    assert records and records[0].exc_info and records[0].exc_info[0] is ZeroDivisionError
    assert "ZeroDivisionError" in caplog.text and "raise ZeroDivisionError" in caplog.text
    tasks.shutdown()


def test_crash_dialog_is_korean_and_opens_the_log_folder(qtbot, app, tmp_path) -> None:
    from ktcs_desktop.ui.crash_dialog import OPEN_LOGS, crash_dialog

    opened: list[object] = []
    box = crash_dialog(ZeroDivisionError("division by zero"), tmp_path, opener=opened.append)
    qtbot.addWidget(box)
    assert "division by zero" not in box.text() + box.informativeText()  # never raw exception text
    assert "예기치 못한 오류" in box.text() and str(tmp_path) in box.informativeText()
    button = next(b for b in box.buttons() if b.text() == OPEN_LOGS)
    button.click()
    assert opened == [tmp_path]
