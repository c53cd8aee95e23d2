"""The call as the unit of work, in the window: switching caller is the agent's choice, a new
call starts from a clean screen, a screen pop reaches the running window, Ctrl+Q asks first."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QListWidget, QPlainTextEdit, QTextEdit

from ktcs_desktop.core.call import CallState
from ktcs_desktop.core.models import Speaker
from ktcs_desktop.core.screenpop import send_call


def _lookup(qtbot, window, phone: str) -> None:
    window.lookup_pane.phone_edit.clear()
    qtbot.keyClicks(window.lookup_pane.phone_edit, phone)
    qtbot.keyClick(window.lookup_pane.phone_edit, Qt.Key.Key_Return)


def _visible_texts(window) -> str:
    """Every text an agent can see in the main window (labels, inputs, lists, answer views)."""
    parts: list[str] = [window.statusBar().currentMessage(), window.windowTitle()]
    for widget in window.findChildren(QLabel) + window.findChildren(QAbstractButton):
        if widget.isVisibleTo(window):
            parts.append(widget.text())
    for widget in window.findChildren(QLineEdit):
        if widget.isVisibleTo(window):
            parts.append(widget.text())
    for widget in window.findChildren(QPlainTextEdit) + window.findChildren(QTextEdit):
        if widget.isVisibleTo(window):
            parts.append(widget.toPlainText())
    for widget in window.findChildren(QListWidget):
        if widget.isVisibleTo(window):
            parts.extend(widget.item(i).text() for i in range(widget.count()))
    return "\n".join(parts)


def _button(box, text: str):
    return next(b for b in box.buttons() if b.text().startswith(text))


def _live_call_with_kim(qtbot, window) -> None:
    _lookup(qtbot, window, "010-1234-5678")
    qtbot.waitUntil(lambda: window.caller is not None, timeout=5000)
    window.start_consultation()
    window.add_transcript_line(Speaker.CALLER, "슬림 14기가로 바꾸고 싶어요")
    window.conversation_pane.notes.setPlainText("김철수 고객 요금제 변경 문의")
    window.conversation_pane.flush_notes()


def test_lookup_of_another_number_mid_call_asks_and_view_only_attaches_nothing(qtbot, window,
                                                                                artifacts_dir: Path) -> None:
    _live_call_with_kim(qtbot, window)
    recorder = window.recorder
    _lookup(qtbot, window, "010-8765-4321")
    qtbot.waitUntil(lambda: window.switch_dialog is not None and window.switch_dialog.isVisible(), timeout=5000)
    box = window.switch_dialog
    assert "김*수" in box.text() and "이*희" in box.text()
    qtbot.wait(50)
    path = artifacts_dir / "screenshots" / "switch_caller_prompt.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(artifacts_dir / "screenshots" / "switch_caller_window.png"))
    assert box.grab().save(str(path))

    _button(box, "조회만").click()
    qtbot.waitUntil(lambda: window.view_dialog is not None and window.view_dialog.isVisible(), timeout=5000)
    assert window.view_dialog.card.name.text() == "이영희"
    # Nothing moved: the call, its caller and its record stay 김철수's.
    assert window.caller.profile.name == "김철수" and window.recorder is recorder
    assert window.lookup_pane.card.name.text() == "김철수"
    assert recorder.customer_id == window.caller.profile.id
    assert window.conversation_pane.transcript.count() == 1
    window.view_dialog.close()


def test_switching_caller_ends_this_call_and_the_next_starts_clean(qtbot, window, services,
                                                                   artifacts_dir: Path) -> None:
    _live_call_with_kim(qtbot, window)
    kim_call = window.recorder
    window.assistant.panel.show_notice("김철수 고객님 답변")
    _lookup(qtbot, window, "010-8765-4321")
    qtbot.waitUntil(lambda: window.switch_dialog is not None and window.switch_dialog.isVisible(), timeout=5000)
    _button(window.switch_dialog, "현재 상담 종료").click()
    qtbot.waitUntil(lambda: window.assistant.dialog is not None and window.assistant.dialog.isVisible(),
                    timeout=5000)  # the wrap-up of 김철수's call comes first
    assert window.session.state is CallState.WRAP_UP
    window.assistant.dialog.save()
    qtbot.waitUntil(lambda: kim_call.settled, timeout=5000)
    qtbot.waitUntil(lambda: window.caller is not None and window.caller.profile.name == "이영희", timeout=5000)
    assert window.session.state is CallState.LIVE and window.recorder is not kim_call
    qtbot.waitUntil(lambda: window.history_pane.list.count() >= 1, timeout=5000)

    seen = _visible_texts(window)
    for previous in ("김철수", "슬림 14기가로 바꾸고 싶어요", "김철수 고객 요금제 변경 문의", "김철수 고객님 답변",
                     "010-1234-5678"):
        assert previous not in seen, previous
    assert "이영희" in seen
    window.grab().save(str(artifacts_dir / "screenshots" / "next_caller_clean.png"))
    saved = services.consultations.get(kim_call.consultation_id)
    assert saved.customer_id != window.caller.profile.id and [ln.text for ln in saved.lines] == [
        "슬림 14기가로 바꾸고 싶어요"]


def test_unknown_number_clears_the_previous_caller_when_no_call_runs(qtbot, window) -> None:
    _lookup(qtbot, window, "010-1234-5678")
    qtbot.waitUntil(lambda: window.lookup_pane.card.isVisible(), timeout=5000)
    _lookup(qtbot, window, "010-4444-4444")
    qtbot.waitUntil(lambda: window.lookup_pane.message.isVisible(), timeout=5000)
    assert "가입된 고객이 없습니다" in window.lookup_pane.message.text()
    assert not window.lookup_pane.card.isVisible() and window.caller is None
    assert window.history_pane.list.count() == 0 and "김철수" not in _visible_texts(window)


def test_notes_typed_before_the_call_survive_the_start(qtbot, window) -> None:
    window.conversation_pane.notes.setPlainText("통화 전에 적은 메모")
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # 새 상담
    qtbot.waitUntil(lambda: window.recorder is not None, timeout=5000)
    assert window.conversation_pane.notes.toPlainText() == "통화 전에 적은 메모"
    qtbot.waitUntil(lambda: window.recorder.notes == "통화 전에 적은 메모", timeout=5000)


def test_screen_pop_reaches_the_running_window(qtbot, window, services, tmp_path: Path) -> None:
    from ktcs_desktop.ui.single_instance import ScreenPopServer

    address = str(tmp_path / "pop.sock")
    server = ScreenPopServer(address, window.incoming_call, window)
    assert server.listen()
    answered: list[bool] = []
    sender = threading.Thread(target=lambda: answered.append(send_call(address, "01087654321")))
    sender.start()
    qtbot.waitUntil(lambda: bool(answered), timeout=5000)
    sender.join()
    assert answered == [True]
    qtbot.waitUntil(lambda: window.session.state is CallState.LIVE and window.caller is not None, timeout=5000)
    assert window.caller.profile.phone == "01087654321" and window.lookup_pane.card.name.text() == "이영희"
    qtbot.waitUntil(lambda: window.recorder.consultation_id is not None, timeout=5000)
    assert services.consultations.get(window.recorder.consultation_id).customer_id == window.caller.profile.id
    server.close()


def test_quit_during_a_call_asks_and_keeps_what_was_typed(qtbot, app, services) -> None:
    from ktcs_desktop.ui.main_window import MainWindow

    win = MainWindow(services)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.db_ok is True, timeout=10000)
    _live_call_with_kim(qtbot, win)
    recorder = win.recorder
    qtbot.keyClick(win, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: win.quit_dialog is not None and win.quit_dialog.isVisible(), timeout=5000)
    assert win.isVisible() and "상담이 진행 중입니다" in win.quit_dialog.text()
    _button(win.quit_dialog, "계속 상담").click()
    qtbot.wait(50)
    assert win.isVisible() and win.session.state is CallState.LIVE

    win.close()
    qtbot.waitUntil(lambda: win.quit_dialog.isVisible(), timeout=5000)
    _button(win.quit_dialog, "종료").click()
    qtbot.waitUntil(lambda: not win.isVisible(), timeout=10000)
    assert recorder.settled  # the DB queue was drained before the window went away
    saved = services.consultations.get(recorder.consultation_id)
    assert saved.outcome == "미완료(프로그램 종료)" and saved.notes == "김철수 고객 요금제 변경 문의"
    assert [ln.text for ln in saved.lines] == ["슬림 14기가로 바꾸고 싶어요"]


def test_daily_retention_never_touches_the_live_call(qtbot, window, services) -> None:
    import os
    import time

    window.start_consultation()
    live = window.recorder
    old = services.settings.paths.sessions_dir / "20200101-000000-old"
    old.mkdir(parents=True)
    (old / "journal.jsonl").write_text(
        '{"op": "start", "n": 1, "data": {"customer_id": null, "agent_id": "a", "started_at": "2020-01-01T00:00:00"},'
        ' "at": "2020-01-01T00:00:00"}\n{"synced": 1, "consultation_id": 999}\n'
        '{"op": "close", "n": 2, "data": {"ended_at": "2020-01-01T00:10:00"}, "at": "2020-01-01T00:10:00"}\n'
        '{"synced": 2}\n', encoding="utf-8")
    past = time.time() - 90 * 86400
    os.utime(old / "journal.jsonl", (past, past))
    assert window._retention.isActive() and window._retention.interval() == 24 * 3600 * 1000
    window.run_retention()
    qtbot.waitUntil(lambda: not (old / "journal.jsonl").exists(), timeout=5000)
    assert live.journal_path.exists() and window.recorder is live
