"""The main window: lookup + history on the left, the conversation in the middle, recommendations
on the right. It wires panes to core services; every service call goes through `TaskManager`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ktcs_desktop import __version__
from ktcs_desktop.core.errors import DatabaseUnavailableError, InvalidInputError, KtcsError
from ktcs_desktop.core.models import CallerLookup, Speaker
from ktcs_desktop.core.phone import format_phone, mask_phone, normalize_phone
from ktcs_desktop.core.recommend import current_plan_summary
from ktcs_desktop.core.services.capabilities import capability_report
from ktcs_desktop.core.services.container import Services
from ktcs_desktop.core.services.recorder import ConsultationRecorder, RecoveryReport, recover_journals
from ktcs_desktop.core.storage.database import DatabaseStatus
from ktcs_desktop.ui.features import install_all
from ktcs_desktop.ui.panes.conversation import ConversationPane
from ktcs_desktop.ui.panes.history import HistoryPane
from ktcs_desktop.ui.panes.lookup import LookupPane
from ktcs_desktop.ui.panes.recommendation import RecommendationPane
from ktcs_desktop.ui.tasks import TaskManager
from ktcs_desktop.ui.widgets import Banner

log = logging.getLogger(__name__)


SHORTCUTS = (
    ("Ctrl+L", "고객 조회 (전화번호 입력)"),
    ("Ctrl+N", "새 상담"),
    ("Ctrl+E", "상담 종료 (요약 작성)"),
    ("Ctrl+K", "AI에게 질문"),
    ("F9", "통화 녹음 시작 / 종료"),
    ("Alt+1 / Alt+2", "대화 입력 화자: 고객 / 상담원"),
    ("Ctrl+Q", "프로그램 종료"),
)


def _elapsed(recorder: ConsultationRecorder) -> str:
    """mm:ss since the consultation started."""
    minutes, seconds = divmod(max(0, int((datetime.now() - recorder.started_at).total_seconds())), 60)
    return f"{minutes:02d}:{seconds:02d}"


def user_message(exc: BaseException) -> str:
    """The Korean text for an error (never a raw traceback)."""
    if isinstance(exc, KtcsError):
        return exc.user_message
    return f"예기치 못한 오류가 발생했습니다. 로그를 확인해 주세요. ({type(exc).__name__})"


class MainWindow(QMainWindow):
    caller_loaded = Signal(object)  # CallerLookup
    consultation_started = Signal(object)  # ConsultationRecorder
    consultation_ending = Signal(object)  # ConsultationRecorder: 상담 종료 pressed, wrap-up follows
    consultation_closed = Signal(object)  # ConsultationRecorder
    transcript_line_added = Signal(object)  # TranscriptLine (typed or transcribed)
    database_status_changed = Signal(object)  # DatabaseStatus

    DB_RETRY_MS = 5000
    DB_HEALTH_MS = 20000

    def __init__(self, services: Services, *, start_background_work: bool = True) -> None:
        super().__init__()
        self.services = services
        self.tasks = TaskManager(self)
        self.caller: CallerLookup | None = None
        self.recorder: ConsultationRecorder | None = None
        # Set by the wrap-up feature: called with the recorder when the agent ends a consultation;
        # it must eventually call `finish_consultation(summary, outcome)`.
        self.wrapup_handler: Callable[[ConsultationRecorder], None] | None = None
        self.db_ok: bool | None = None
        self._check_in_flight = False
        self._lookup_handle = None

        self.setWindowTitle(f"KT CS AI 상담원 — {services.settings.ktcs_agent_id}")
        self.resize(1440, 900)
        self._build_layout()
        self._build_menus()
        self._build_status_bar()

        self._clock = QTimer(self)  # the consultation's running time
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self._refresh_consultation_clock)

        self._db_timer = QTimer(self)
        self._db_timer.setSingleShot(True)
        self._db_timer.timeout.connect(self.check_database)

        self.lookup_pane.lookup_requested.connect(self.lookup)
        self.lookup_pane.identity_verified.connect(self._identity_verified)
        self.history_pane.load_more_requested.connect(self._load_more_history)
        self.history_pane.consultation_selected.connect(self._show_consultation)
        self.conversation_pane.start_requested.connect(self.start_consultation)
        self.conversation_pane.end_requested.connect(self.end_consultation)
        self.conversation_pane.line_submitted.connect(self.add_transcript_line)
        self.conversation_pane.notes_changed.connect(self._save_notes)

        install_all(self)
        if start_background_work:
            self._prepare_database()

    # -- layout ----------------------------------------------------------------------------
    def _build_layout(self) -> None:
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(8, 8, 8, 4)
        outer.setSpacing(6)
        self.db_banner = Banner()
        self.db_banner.setObjectName("Banner")
        self.alert_banner = Banner()  # escalations and other call alerts
        outer.addWidget(self.db_banner)
        outer.addWidget(self.alert_banner)

        self.lookup_pane = LookupPane()
        self.history_pane = HistoryPane()
        self.conversation_pane = ConversationPane()
        self.recommendation_pane = RecommendationPane()

        # Middle column: the conversation, and below it the assist area the assistant feature fills.
        self.middle = QSplitter(Qt.Orientation.Vertical)
        self.middle.addWidget(self.conversation_pane)
        self.assist_area = QWidget()
        self.assist_area.setLayout(QVBoxLayout())
        self.assist_area.layout().setContentsMargins(0, 0, 0, 0)
        self.assist_area.hide()
        self.middle.addWidget(self.assist_area)
        self.middle.setChildrenCollapsible(False)

        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.lookup_pane)
        left.addWidget(self.history_pane)
        left.setStretchFactor(0, 3)
        left.setStretchFactor(1, 2)
        left.setChildrenCollapsible(False)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.middle)
        self.splitter.addWidget(self.recommendation_pane)
        self.splitter.setSizes([380, 620, 440])
        self.splitter.setChildrenCollapsible(False)
        outer.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("파일(&F)")
        self.new_action = QAction("새 상담", self, shortcut=QKeySequence("Ctrl+N"), triggered=self.start_consultation)
        self.end_action = QAction("상담 종료", self, shortcut=QKeySequence("Ctrl+E"), triggered=self.end_consultation)
        self.quit_action = QAction("종료", self, shortcut=QKeySequence("Ctrl+Q"), triggered=self.close)
        self.file_menu.addAction(self.new_action)
        self.file_menu.addAction(self.end_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit_action)

        self.tools_menu = bar.addMenu("도구(&T)")
        self.lookup_action = QAction("고객 조회", self, shortcut=QKeySequence("Ctrl+L"),
                                     triggered=self.lookup_pane.focus_phone)
        self.reconnect_action = QAction("DB 다시 연결", self, triggered=self.check_database)
        self.tools_menu.addAction(self.lookup_action)
        self.tools_menu.addAction(self.reconnect_action)

        self.help_menu = bar.addMenu("도움말(&H)")
        self.shortcuts_action = QAction("단축키", self, triggered=self._show_shortcuts)
        self.status_action = QAction("기능 상태", self, triggered=self.show_capabilities)
        self.about_action = QAction("KT CS AI 상담원 정보", self, triggered=self._show_about)
        self.help_menu.addAction(self.shortcuts_action)
        self.help_menu.addAction(self.status_action)
        self.help_menu.addAction(self.about_action)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.db_label = QLabel("DB 확인 중…")
        self.consultation_label = QLabel("상담 대기")
        self.agent_label = QLabel(f"상담원 {self.services.settings.ktcs_agent_id}")
        status.addPermanentWidget(self.consultation_label)
        status.addPermanentWidget(self.db_label)
        status.addPermanentWidget(self.agent_label)

    def pane_names(self) -> list[str]:
        return [p.title_label.text() for p in (self.lookup_pane, self.history_pane, self.conversation_pane,
                                                self.recommendation_pane)]

    # -- database health ---------------------------------------------------------------------
    def _prepare_database(self) -> None:
        self._check_in_flight = True
        self.tasks.run(lambda ctx: self.services.prepare_database(),
                       on_success=lambda _report: self._after_prepare(),
                       on_failure=self._database_failed)

    def _after_prepare(self) -> None:
        self._check_in_flight = False
        self.check_database()
        self._recover_journals()

    def _recover_journals(self) -> None:
        """Save consultations a crash or an outage left only in the local journal."""
        skip = {self.recorder.key} if self.recorder is not None else set()
        sessions_dir = self.services.settings.paths.sessions_dir
        self.tasks.run(lambda ctx: recover_journals(sessions_dir, self.services.consultations, skip=skip),
                       on_success=self._journals_recovered, on_failure=self.report_background_failure)

    def _journals_recovered(self, report: RecoveryReport) -> None:
        if report.sessions:
            self.statusBar().showMessage(
                f"이전에 저장되지 않은 상담 {report.sessions}건을 복구해 저장했습니다.", 8000)

    def check_database(self) -> None:
        if self._check_in_flight:
            return
        self._check_in_flight = True
        if self.db_ok is False:
            self.db_label.setText("DB 재연결 시도 중…")
        self.tasks.run(lambda ctx: self._check_and_migrate(), on_success=self._database_checked,
                       on_failure=self._database_failed)

    def _check_and_migrate(self) -> DatabaseStatus:
        status = self.services.db.check()
        if status.reachable and not status.ok:  # e.g. the server came back empty: migrate (and seed)
            self.services.prepare_database()
            status = self.services.db.check()
        if status.ok and self.recorder is not None and self.recorder.pending_count:
            try:
                self.recorder.flush()
            except DatabaseUnavailableError:
                pass
        return status

    def _database_checked(self, status: DatabaseStatus) -> None:
        self._check_in_flight = False
        was_ok = self.db_ok
        self.db_ok = status.ok
        self.db_label.setText(f"● {status.message}")
        self.db_label.setToolTip(status.location)
        self.db_label.setStyleSheet("color: #047857;" if status.ok else "color: #B42318;")
        if status.ok:
            self.db_banner.hide()
            if was_ok is False:
                self.statusBar().showMessage("데이터베이스 연결이 복구되었습니다.", 5000)
                # Calls that ended during the outage live only in their journals: write them now.
                self._recover_journals()
            self._db_timer.start(self.DB_HEALTH_MS)
        else:
            self._show_db_banner()
            self._db_timer.start(self.DB_RETRY_MS)
        self._update_pending_label()
        self.database_status_changed.emit(status)

    def _database_failed(self, exc: BaseException) -> None:
        self._check_in_flight = False
        log.warning("database unavailable: %s", exc)
        self.db_ok = False
        self.db_label.setText(f"● DB 연결 끊김 ({self.services.db.backend})")
        self.db_label.setStyleSheet("color: #B42318;")
        self._show_db_banner(user_message(exc) if not isinstance(exc, DatabaseUnavailableError) else None)
        self._db_timer.start(self.DB_RETRY_MS)

    def _show_db_banner(self, detail: str | None = None) -> None:
        text = (f"데이터베이스({self.services.db.backend} {self.services.db.location})에 연결할 수 없습니다. "
                f"{self.DB_RETRY_MS // 1000}초마다 자동으로 다시 연결합니다. 입력한 대화와 메모는 이 PC에 "
                "임시 저장되며 연결이 복구되면 저장됩니다.")
        if detail:
            text += f"\n{detail}"
        self.db_banner.show_message(text, level="error", action="지금 다시 시도", on_action=self.check_database,
                                    closable=False)

    # -- lookup ----------------------------------------------------------------------------
    def lookup(self, raw_phone: str) -> None:
        try:
            normalize_phone(raw_phone)  # instant feedback, no I/O
        except InvalidInputError as exc:
            self.lookup_pane.show_error(exc.user_message)
            return
        if self._lookup_handle is not None and not self._lookup_handle.done:
            self._lookup_handle.cancel()
        self.lookup_pane.set_busy(True)
        def work(ctx) -> tuple[CallerLookup, str]:
            result = self.services.lookup.lookup(raw_phone)
            return result, current_plan_summary(result.profile, date.today())

        self._lookup_handle = self.tasks.run(
            work,
            on_success=self._lookup_done,
            on_failure=self._lookup_failed,
            on_finished=lambda: self.lookup_pane.set_busy(False),
        )

    def _lookup_done(self, found: tuple[CallerLookup, str]) -> None:
        result, plan_summary = found
        self.caller = result
        self.lookup_pane.show_result(result, plan_summary)
        self.history_pane.show_page(result.profile.id, result.history)
        self.recommendation_pane.show_caller(result)
        self.statusBar().showMessage(f"{result.profile.name} 고객 조회 완료", 4000)
        if self.recorder is not None and not self.recorder.closed:
            recorder = self.recorder
            recorder.attach_customer(result.profile.id)
            self._flush_recorder()
            self._refresh_consultation_clock()
        self.caller_loaded.emit(result)

    def _identity_verified(self) -> None:
        """Audit that the agent verified the caller (and note it in the consultation)."""
        if self.caller is None:
            return
        profile = self.caller.profile
        agent = self.services.settings.ktcs_agent_id
        self.tasks.run(lambda ctx: self.services.audit.record(agent, "identity_verified", customer_id=profile.id,
                                                              phone_masked=mask_phone(profile.phone)),
                       on_failure=self.report_background_failure)
        if self.recorder is not None and not self.recorder.closed:
            self.record_event("identity_verified", {"customer_id": profile.id})
        self.statusBar().showMessage(f"{profile.name} 고객 본인 확인 완료", 4000)

    def _lookup_failed(self, exc: BaseException) -> None:
        self.lookup_pane.show_error(user_message(exc))
        if isinstance(exc, DatabaseUnavailableError):
            self._database_failed(exc)

    def _load_more_history(self, offset: int) -> None:
        customer_id = self.history_pane.customer_id
        if customer_id is None:
            return
        self.tasks.run(lambda ctx: self.services.lookup.history(customer_id, offset=offset),
                       on_success=lambda page: self.history_pane.show_page(customer_id, page, append=True),
                       on_failure=self.report_background_failure)

    def _show_consultation(self, consultation_id: int) -> None:
        self.tasks.run(lambda ctx: self.services.lookup.consultation(consultation_id),  # audited
                       on_success=self.history_pane.show_detail, on_failure=self.report_background_failure)

    def report_background_failure(self, exc: BaseException) -> None:
        """Status-bar message for a failed background task (and the DB banner if the DB is down)."""
        self.statusBar().showMessage(user_message(exc), 8000)
        if isinstance(exc, DatabaseUnavailableError):
            self._database_failed(exc)

    # -- consultation ------------------------------------------------------------------------
    def start_consultation(self) -> None:
        if self.recorder is not None and not self.recorder.closed:
            return
        settings = self.services.settings
        self.recorder = ConsultationRecorder(
            self.services.consultations, settings.paths.sessions_dir, settings.ktcs_agent_id,
            customer_id=self.caller.profile.id if self.caller else None, autoflush=False,
        )
        self.conversation_pane.reset()
        self.conversation_pane.set_active(True, "상담 중 00:00")
        self._refresh_consultation_clock()
        self._clock.start()
        self._flush_recorder()
        self.consultation_started.emit(self.recorder)

    def _refresh_consultation_clock(self) -> None:
        """Handle time at a glance (agents are measured on it): status bar and conversation header."""
        recorder = self.recorder
        if recorder is None or recorder.closed:
            return
        elapsed = _elapsed(recorder)
        who = f"{self.caller.profile.name} ({format_phone(self.caller.profile.phone)})" if self.caller else "미확인 고객"
        self.consultation_label.setText(f"상담 중 {elapsed} · {who}")
        self.conversation_pane.state_label.setText(f"상담 중 {elapsed}")

    def add_transcript_line(self, speaker: Speaker, text: str) -> None:
        if self.recorder is None or self.recorder.closed:
            self.start_consultation()
        assert self.recorder is not None
        line = self.recorder.add_line(speaker, text)
        self.conversation_pane.add_line(line)
        self._flush_recorder()
        self.transcript_line_added.emit(line)

    def _save_notes(self, notes: str) -> None:
        if self.recorder is None or self.recorder.closed:
            return
        self.recorder.save_notes(notes)
        self._flush_recorder()

    def end_consultation(self) -> None:
        """The agent ends the call: hand over to wrap-up if installed, else close with the notes."""
        recorder = self.recorder
        if recorder is None or recorder.closed:
            return
        self.conversation_pane.flush_notes()
        self.consultation_ending.emit(recorder)
        if self.wrapup_handler is not None:
            self.wrapup_handler(recorder)
            return
        self.finish_consultation(recorder.summary or recorder.notes.strip(), "상담 종료")

    def record_event(self, kind: str, payload: dict) -> None:
        """Record something that happened in the call (offer made, escalation …)."""
        if self.recorder is None or self.recorder.closed:
            self.start_consultation()
        assert self.recorder is not None
        self.recorder.add_event(kind, payload)
        self._flush_recorder()

    def finish_consultation(self, summary: str, outcome: str) -> None:
        recorder = self.recorder
        if recorder is None or recorder.closed:
            return
        recorder.close(summary=summary, outcome=outcome)
        self._clock.stop()
        self.conversation_pane.set_active(False, f"상담 종료됨 ({_elapsed(recorder)})")
        self.consultation_label.setText("상담 대기")
        self._flush_recorder(on_done=self._after_close)
        self.consultation_closed.emit(recorder)

    def _after_close(self) -> None:
        if self.caller is not None:
            customer_id = self.caller.profile.id
            self.tasks.run(lambda ctx: self.services.lookup.history(customer_id),
                           on_success=lambda page: self.history_pane.show_page(customer_id, page),
                           on_failure=self.report_background_failure)

    def _flush_recorder(self, on_done=None) -> None:
        recorder = self.recorder
        if recorder is None:
            return

        def done(_written: int) -> None:
            self._update_pending_label()
            if on_done:
                on_done()

        def failed(exc: BaseException) -> None:
            self._update_pending_label()
            if isinstance(exc, DatabaseUnavailableError):
                self._database_failed(exc)
            else:
                self.report_background_failure(exc)

        self.tasks.run(lambda ctx: recorder.flush(), on_success=done, on_failure=failed)

    def _update_pending_label(self) -> None:
        recorder = self.recorder
        if recorder is None:
            return
        pending = recorder.pending_count
        text = (f"이 PC에 임시 저장됨 · DB 저장 대기 {pending}건" if pending
                else f"모두 저장됨 · 상담 #{recorder.consultation_id}")
        self.conversation_pane.set_save_state(text)

    # -- help --------------------------------------------------------------------------------
    def _show_shortcuts(self) -> None:
        QMessageBox.information(self, "단축키", "\n".join(f"{key}  {what}" for key, what in SHORTCUTS))

    def show_capabilities(self) -> QDialog:
        """What runs online, what falls back to offline (no network access to find out)."""
        rows = "".join(
            f"<tr><td nowrap><b>{c.name}</b></td><td nowrap>{'● 연결' if c.online else '○ 내장'}</td>"
            f"<td>{c.mode}<br><span style='color:#6B7280'>{c.detail}</span></td></tr>"
            for c in capability_report(self.services.settings)
        )
        db_state = "연결됨" if self.db_ok else ("연결 끊김" if self.db_ok is False else "확인 중")
        dialog = QDialog(self)
        dialog.setObjectName("CapabilitiesDialog")
        dialog.setWindowTitle("기능 상태")
        dialog.setMinimumWidth(720)
        layout = QVBoxLayout(dialog)
        self.capabilities_label = QLabel(f"<table cellspacing=6>{rows}</table><p>현재 DB 상태: {db_state}</p>")
        self.capabilities_label.setTextFormat(Qt.TextFormat.RichText)
        self.capabilities_label.setWordWrap(True)
        self.capabilities_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.capabilities_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(dialog.close)
        layout.addWidget(buttons)
        dialog.open()
        return dialog

    def _show_about(self) -> None:
        db = self.services.db
        QMessageBox.about(self, "KT CS AI 상담원",
                          f"KT CS AI 상담원 {__version__}\n데이터베이스: {db.backend} {db.location}")

    # -- shutdown ----------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        self.conversation_pane.flush_notes()
        self._db_timer.stop()
        if self.recorder is not None and self.recorder.pending_count:
            self._flush_recorder()
        self.tasks.shutdown(timeout_ms=5000)
        super().closeEvent(event)
