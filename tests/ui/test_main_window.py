from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontInfo

from ktcs_desktop.core.config import Settings
from ktcs_desktop.core.models import Speaker
from ktcs_desktop.core.services.container import create_services
from tests.helpers.qt import StallMeter


def _lookup(qtbot, window, phone: str) -> None:
    window.lookup_pane.phone_edit.clear()
    qtbot.keyClicks(window.lookup_pane.phone_edit, phone)
    qtbot.keyClick(window.lookup_pane.phone_edit, Qt.Key.Key_Return)


def test_lookup_shows_caller_card_and_history(qtbot, window, artifacts_dir: Path) -> None:
    _lookup(qtbot, window, "010-1234-5678")
    qtbot.waitUntil(lambda: window.lookup_pane.card.isVisible(), timeout=5000)
    card = window.lookup_pane.card
    assert card.name.text() == "김철수"
    # the plan, what this caller pays for it now (선택약정 running) and its data, from the catalog
    assert card.field_text("plan") == "5G 베이직\n월 80,000원 → 선택약정 60,000원 · 데이터 무제한"
    assert "선택약정 24개월" in card.field_text("contract")
    assert "평균" in card.field_text("data")
    checks = [window.lookup_pane.checks.item(i).text() for i in range(window.lookup_pane.checks.count())]
    assert any(c.startswith("생년월일 확인") for c in checks)
    qtbot.waitUntil(lambda: window.history_pane.list.count() == 2, timeout=5000)
    assert "로밍" in window.history_pane.list.item(0).text()  # newest first
    assert window.history_pane.count_label.text() == "총 2건"
    # The bundled Korean font is the one in use.
    assert QFontInfo(card.name.font()).family() == "NanumGothic"

    # Selecting a consultation shows its detail.
    window.history_pane.list.setCurrentRow(1)
    qtbot.waitUntil(lambda: window.history_pane.detail.isVisible(), timeout=5000)
    assert "슬림 요금제" in window.history_pane.detail.toPlainText()

    window.resize(1440, 900)
    qtbot.wait(50)
    path = artifacts_dir / "screenshots" / "main_window_caller.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(path))
    assert path.stat().st_size > 10_000


def test_malformed_number_shows_korean_error(qtbot, window) -> None:
    _lookup(qtbot, window, "02-12")
    assert window.lookup_pane.message.isVisible()
    assert "010으로 시작" in window.lookup_pane.message.text()
    assert not window.lookup_pane.card.isVisible()


def test_unknown_number_says_not_found(qtbot, window) -> None:
    _lookup(qtbot, window, "010-4444-4444")
    qtbot.waitUntil(lambda: window.lookup_pane.message.isVisible(), timeout=5000)
    assert "가입된 고객이 없습니다" in window.lookup_pane.message.text()


def test_consultation_is_recorded_and_appears_in_history(qtbot, window, services) -> None:
    _lookup(qtbot, window, "010-8765-4321")
    qtbot.waitUntil(lambda: window.history_pane.list.count() == 1, timeout=5000)
    qtbot.mouseClick(window.conversation_pane.start_button, Qt.MouseButton.LeftButton)
    pane = window.conversation_pane
    pane.input.setText("시니어 요금제로 바꾸고 싶어요")  # QTest can't type non-ASCII keys
    qtbot.keyClick(pane.input, Qt.Key.Key_Return)
    pane.speaker.setCurrentIndex(1)
    pane.input.setText("네, 가입 가능 여부 확인하겠습니다")
    qtbot.keyClick(pane.input, Qt.Key.Key_Return)
    assert pane.transcript.count() == 2
    pane.notes.setPlainText("시니어 베이직 안내")
    window.record_event("offer", {"plan_name": "5G 시니어 베이직", "effective_fee": 36750})
    qtbot.waitUntil(lambda: window.recorder.consultation_id is not None and window.recorder.pending_count == 0,
                    timeout=5000)
    qtbot.mouseClick(pane.end_button, Qt.MouseButton.LeftButton)
    # 상담 종료 opens the wrap-up (summary generated from the call, editable); saving closes the call.
    qtbot.waitUntil(lambda: getattr(window.assistant, "dialog", None) is not None
                    and window.assistant.dialog.isVisible(), timeout=5000)
    dialog = window.assistant.dialog
    assert "시니어" in dialog.summary_edit.toPlainText()
    dialog.outcome.setCurrentText("안내 완료")
    assert "결과: 안내 완료" in dialog.summary_edit.toPlainText()  # the summary follows the outcome
    recorder, caller_id = window.recorder, window.caller.profile.id
    dialog.save()
    qtbot.waitUntil(lambda: recorder.settled, timeout=5000)
    saved = services.consultations.get(recorder.consultation_id)
    assert [line.speaker for line in saved.lines] == [Speaker.CALLER, Speaker.AGENT]
    assert saved.notes == "시니어 베이직 안내"
    assert saved.outcome == "안내 완료" and "시니어" in saved.summary
    assert saved.customer_id == caller_id
    # The next call starts from a clean screen; looking the caller up again shows the new record.
    assert window.caller is None and pane.transcript.count() == 0 and not window.lookup_pane.card.isVisible()
    _lookup(qtbot, window, "010-8765-4321")
    qtbot.waitUntil(lambda: window.history_pane.list.count() == 2, timeout=5000)
    assert "안내 완료" in window.history_pane.list.item(0).text()  # newest first
    window.history_pane.list.setCurrentRow(0)
    qtbot.waitUntil(lambda: "요금제 제안: 5G 시니어 베이직 (월 36,750원)" in window.history_pane.detail.toPlainText(),
                    timeout=5000)


def test_dead_database_shows_banner_and_window_stays_responsive(qtbot, app, settings: Settings) -> None:
    from ktcs_desktop.ui.main_window import MainWindow

    dead = settings.model_copy(update={"ktcs_database_url": "mysql+pymysql://root@127.0.0.1:1/ktcs"})
    services = create_services(dead)
    win = MainWindow(services)
    qtbot.addWidget(win)
    win.show()
    try:
        qtbot.waitUntil(lambda: win.db_banner.isVisible(), timeout=10000)
        assert "데이터베이스" in win.db_banner.text.text() and "다시 연결" in win.db_banner.text.text()
        assert "연결 끊김" in win.db_label.text()

        # The event loop keeps turning while lookups fail in the background.
        stall = StallMeter().start()
        _lookup(qtbot, win, "010-1234-5678")
        qtbot.waitUntil(lambda: win.lookup_pane.message.isVisible(), timeout=10000)
        assert "데이터베이스에 연결할 수 없습니다" in win.lookup_pane.message.text()
        # Typing during the outage is kept locally.
        win.conversation_pane.input.setText("연결 끊긴 동안 입력")
        qtbot.keyClick(win.conversation_pane.input, Qt.Key.Key_Return)
        assert win.conversation_pane.transcript.count() == 1
        qtbot.waitUntil(lambda: "임시 저장" in win.conversation_pane.save_state.text(), timeout=10000)
        qtbot.wait(300)
        stall.stop()
        assert stall.longest < 0.5, f"GUI thread stalled {stall.longest:.3f}s"
        assert win.recorder.journal_path.exists()
    finally:
        win.quit_confirmed = True
        win.close()
        qtbot.waitUntil(lambda: not win.tasks.busy, timeout=15000)
        services.close()


def test_calls_during_an_outage_are_saved_when_the_database_returns(qtbot, app, settings: Settings) -> None:
    from sqlalchemy import select

    from ktcs_desktop.core.storage.database import Database
    from ktcs_desktop.core.storage.schema import ConsultationRow
    from ktcs_desktop.ui.main_window import MainWindow

    dead = settings.model_copy(update={"ktcs_database_url": "mysql+pymysql://root@127.0.0.1:1/ktcs"})
    services = create_services(dead)
    win = MainWindow(services)
    win.wrapup_handler = None  # 상담 종료 closes at once with the notes
    qtbot.addWidget(win)
    win.show()
    try:
        qtbot.waitUntil(lambda: win.db_banner.isVisible(), timeout=10000)
        win.add_transcript_line(Speaker.CALLER, "첫 번째 통화 내용")
        win.conversation_pane.notes.setPlainText("정전 중 메모")
        win.end_consultation()  # the first call ends while the server is still down
        win.add_transcript_line(Speaker.CALLER, "두 번째 통화 내용")
        second = win.recorder
        qtbot.waitUntil(lambda: "임시 저장" in win.conversation_pane.save_state.text(), timeout=10000)

        # The server comes back (migrated by the administrator; the app account never runs DDL on a
        # shared server) and the app writes what it kept.
        good = Database(f"sqlite:///{(settings.paths.data_dir / 'back.sqlite3').as_posix()}")
        good.upgrade()
        for holder in (services, services.customers, services.consultations, services.audit):
            holder.db = good
        win.check_database()
        qtbot.waitUntil(lambda: win.db_ok is True and not win.db_banner.isVisible(), timeout=10000)
        qtbot.waitUntil(lambda: second.consultation_id is not None and second.pending_count == 0, timeout=10000)

        def saved() -> dict:
            with good.session() as session:
                ids = list(session.execute(select(ConsultationRow.id)).scalars())
            return {c.lines[0].text: c for c in (services.consultations.get(i) for i in ids) if c.lines}

        ours = {"첫 번째 통화 내용", "두 번째 통화 내용"}
        qtbot.waitUntil(lambda: ours <= set(saved()), timeout=10000)
        calls = saved()
        first = calls["첫 번째 통화 내용"]
        assert first.notes == "정전 중 메모" and first.ended_at is not None
        assert calls["두 번째 통화 내용"].id == second.consultation_id
    finally:
        win.quit_confirmed = True
        win.close()
        qtbot.waitUntil(lambda: not win.tasks.busy, timeout=15000)
        services.close()


def test_identity_check_is_audited(qtbot, window, services) -> None:
    _lookup(qtbot, window, "010-9999-8888")
    qtbot.waitUntil(lambda: window.lookup_pane.checks.count() >= 2, timeout=5000)
    checks = window.lookup_pane.checks
    checks.item(0).setCheckState(Qt.CheckState.Checked)
    assert not window.lookup_pane.identity_confirmed()
    checks.item(1).setCheckState(Qt.CheckState.Checked)
    assert window.lookup_pane.checks_title.text().startswith("본인 확인 완료")
    qtbot.waitUntil(lambda: any(e.action == "identity_verified" for e in services.audit.recent()), timeout=5000)
    entry = next(e for e in services.audit.recent() if e.action == "identity_verified")
    assert entry.customer_id == window.caller.profile.id and entry.phone_masked == "010-****-8888"


def test_history_pages_with_more_button(qtbot, window, services) -> None:
    customer = services.customers.by_phone("01012345678")
    for _ in range(25):
        cid = services.consultations.start(customer.id, "agent-001")
        services.consultations.close(cid, summary="반복 문의", outcome="안내 완료")
    _lookup(qtbot, window, "010-1234-5678")
    qtbot.waitUntil(lambda: window.history_pane.list.count() == 20, timeout=5000)
    assert window.history_pane.more_button.isVisible()
    assert window.history_pane.count_label.text() == "총 27건"
    qtbot.mouseClick(window.history_pane.more_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.history_pane.list.count() == 27, timeout=5000)
    assert not window.history_pane.more_button.isVisible()
    assert "로밍" in window.history_pane.list.item(25).text()  # the seeded calls are the oldest


def test_capability_status_dialog(qtbot, window, artifacts_dir: Path) -> None:
    dialog = window.show_capabilities()
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    text = window.capabilities_label.text()
    assert "오프라인 지식 기반" in text and "음성 인식 사용 불가" in text and "현재 DB 상태: 연결됨" in text
    from PySide6.QtWidgets import QDialogButtonBox

    close = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close)
    assert close.text() == "닫기"  # Qt's own strings are Korean too
    qtbot.wait(50)
    dialog.grab().save(str(artifacts_dir / "screenshots" / "capabilities.png"))
    dialog.close()


def test_running_time_and_shortcuts(qtbot, window) -> None:
    from datetime import datetime, timedelta

    from PySide6.QtGui import QKeySequence, QShortcut

    from ktcs_desktop.ui.main_window import SHORTCUTS

    window.start_consultation()
    assert window.consultation_label.text().startswith("상담 중 00:0")
    window.recorder.started_at = datetime.now() - timedelta(minutes=3, seconds=25)
    _lookup(qtbot, window, "010-1234-5678")  # attaching the caller mid-call updates the label at once
    qtbot.waitUntil(lambda: "김철수" in window.consultation_label.text(), timeout=5000)
    assert window.consultation_label.text().startswith(("상담 중 03:25", "상담 중 03:26"))
    assert window.conversation_pane.state_label.text().startswith(("상담 중 03:25", "상담 중 03:26"))

    # Every shortcut the help lists is really bound.
    bound = {s.key().toString() for s in window.findChildren(QShortcut)}
    bound |= {a.shortcut().toString() for a in window.findChildren(type(window.quit_action)) if not a.shortcut().isEmpty()}
    for key, _what in SHORTCUTS:
        for one in key.split(" / "):
            assert QKeySequence(one).toString() in bound, one
    # …and each key is bound once: two bindings of one key make Qt fire neither ("ambiguous").
    keys = [s.key().toString() for s in window.findChildren(QShortcut)]
    keys += [a.shortcut().toString() for a in window.findChildren(type(window.quit_action)) if not a.shortcut().isEmpty()]
    assert len(keys) == len(set(keys)), sorted(keys)
