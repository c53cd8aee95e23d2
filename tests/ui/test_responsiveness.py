"""The window never freezes: with the knowledge worker starting cold, a lookup and the first
automatic suggestion leave the event loop free (a loose bound; benchmarks/bench_responsiveness.py
measures the real figures)."""

from __future__ import annotations

import pytest

from ktcs_desktop.core.models import Speaker
from tests.helpers.qt import StallMeter
from tests.worker.test_client import process_gone

STALL_BOUND_S = 0.25


@pytest.fixture
def worker_window(app, qtbot, services, monkeypatch):
    from ktcs_desktop.ui.features import knowledge
    from ktcs_desktop.ui.main_window import MainWindow

    monkeypatch.setattr(knowledge, "USE_WORKER_PROCESS", True)
    win = MainWindow(services)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.db_ok is True, timeout=10000)
    yield win
    worker = win.knowledge_worker
    pid = worker.pid
    tasks = win.tasks
    win.close()
    qtbot.waitUntil(lambda: not tasks.busy, timeout=15000)
    qtbot.waitUntil(lambda: worker.state.value == "closed", timeout=10000)
    assert process_gone(pid)  # the worker exited and was reaped


def test_first_suggestion_from_a_cold_worker_never_stalls_the_window(worker_window, qtbot):
    window = worker_window
    assert window.assistant.service is window.knowledge_worker
    with StallMeter(interval_ms=5) as stall:
        window.start_consultation()
        window.lookup("010-1234-5678")
        qtbot.waitUntil(lambda: window.caller is not None, timeout=10000)
        window.add_transcript_line(Speaker.CALLER, "와이파이가 자꾸 끊기는데 어떻게 해요?")
        # while the worker warms the panel says so instead of blocking
        qtbot.waitUntil(lambda: bool(window.assistant.panel.notice.text() or window.knowledge_worker.ready),
                        timeout=240000)
        qtbot.waitUntil(lambda: bool(window.knowledge_worker.ready and not window.tasks.busy
                                     and window.assistant.panel.answer_text), timeout=240000)
        window.assistant.ask("슬림 14기가 얼마예요?")
        qtbot.waitUntil(lambda: "55,000원" in window.assistant.panel.answer_text, timeout=60000)
    assert stall.longest < STALL_BOUND_S, f"event loop stalled {stall.longest * 1000:.0f} ms"
    assert window.knowledge_worker.pid != __import__("os").getpid()
