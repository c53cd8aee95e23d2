"""The main window: lookup + history on the left, the conversation in the middle, recommendations
on the right. It wires panes to core services; every service call goes through `TaskManager`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QObject, QPoint, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ktcs_desktop import __version__
from ktcs_desktop.core.call import (
    CallDesk,
    CallerChanged,
    CallSession,
    CallState,
    LineAdded,
    LookupDecision,
    StateChanged,
    SwitchChoice,
)
from ktcs_desktop.core.errors import DatabaseUnavailableError, InvalidInputError, NotFoundError, user_message
from ktcs_desktop.core.models import CallerLookup, Speaker, TranscriptLine
from ktcs_desktop.core.phone import format_phone, mask_name, mask_phone, normalize_phone
from ktcs_desktop.core.recommend import current_plan_summary
from ktcs_desktop.core.services.capabilities import capability_report
from ktcs_desktop.core.services.container import Services
from ktcs_desktop.core.services.recorder import ConsultationRecorder, RecoveryReport, recover_journals
from ktcs_desktop.core.storage.database import DatabaseStatus
from ktcs_desktop.ui.database_monitor import DatabaseMonitor
from ktcs_desktop.ui.features import install_all
from ktcs_desktop.ui.panes.conversation import ConversationPane
from ktcs_desktop.ui.panes.history import HistoryPane
from ktcs_desktop.ui.panes.lookup import CallerCard, LookupPane
from ktcs_desktop.ui.panes.recommendation import RecommendationPane
from ktcs_desktop.ui.shortcuts import DIALOG_SHORTCUTS, SHORTCUT_TABLE, SHORTCUTS
from ktcs_desktop.ui.tasks import TaskKind, TaskManager
from ktcs_desktop.ui.user_settings import user_settings
from ktcs_desktop.ui.widgets import Banner

if TYPE_CHECKING:
    from ktcs_desktop.core.worker import KnowledgeWorkerClient

log = logging.getLogger(__name__)


def _mmss(seconds: int) -> str:
    minutes, seconds = divmod(max(0, seconds), 60)
    return f"{minutes:02d}:{seconds:02d}"


class MainWindow(QMainWindow):
    """A thin shell: panes render the desk's current `CallSession` and are reset when it changes."""

    caller_loaded = Signal(object)  # CallerLookup shown for the current session
    closed = Signal()  # the window accepted its close (after saving and draining)
    session_changed = Signal(object, object)  # (old CallSession | None, new CallSession): reset everything
    consultation_started = Signal(object)  # ConsultationRecorder
    consultation_ending = Signal(object)  # ConsultationRecorder: 상담 종료 pressed, wrap-up follows
    consultation_closed = Signal(object)  # ConsultationRecorder
    transcript_line_added = Signal(object)  # TranscriptLine (typed or transcribed)
    database_status_changed = Signal(object)  # DatabaseStatus

    EXIT_DRAIN_MS = 5000
    RETENTION_MS = 24 * 60 * 60 * 1000

    def __init__(self, services: Services, *, start_background_work: bool = True,
                 knowledge_worker: KnowledgeWorkerClient | None = None) -> None:
        super().__init__()
        self.services = services
        self.prestarted_worker = knowledge_worker  # spawned by ktcs-desktop before the UI imports
        self.tasks = TaskManager(self)
        settings = services.settings
        self.desk = CallDesk(services.consultations, settings.paths.sessions_dir, settings.ktcs_agent_id)
        self.desk.on_session_changed(self._session_replaced)
        # Set by the wrap-up feature: called with the recorder when the agent ends a consultation;
        # it must eventually call `finish_consultation(summary, outcome)` or `resume_consultation()`.
        self.wrapup_handler: Callable[[ConsultationRecorder], None] | None = None
        self._lookup_handle = None
        self._next_caller: CallerLookup | None = None  # chosen "end this call, start one for …"
        self._pending_pop: str | None = None  # a screen pop that arrived during wrap-up
        self._quitting = False
        self.quit_confirmed = False  # the agent said 종료 to "상담이 진행 중입니다"
        self.quit_dialog: QMessageBox | None = None
        self.switch_dialog: QMessageBox | None = None
        self.view_dialog: QDialog | None = None

        self.setWindowTitle(f"KT CS AI 상담원 — {settings.ktcs_agent_id}")
        self.ui_settings = user_settings(settings.paths.data_dir)
        self._build_layout()
        self._build_menus()
        self._build_status_bar()
        self._shortcut_handlers: dict[str, Callable[[], object]] = {}
        self.shortcuts: dict[str, QShortcut] = {}
        self._register_shortcuts()

        self._clock = QTimer(self)  # the consultation's running time
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self._refresh_consultation_clock)

        # Retention runs at start (ui/app.py) and then daily while the window stays open.
        self._retention = QTimer(self)
        self._retention.setInterval(self.RETENTION_MS)
        self._retention.timeout.connect(self.run_retention)
        self._retention.start()

        self.database = DatabaseMonitor(services, self.tasks, self.db_banner, self.db_label,
                                        self.desk.live_recorders, self)
        self.database.status_changed.connect(self._database_status)
        self.database.reconnected.connect(self._database_reconnected)
        self.database.prepared.connect(self._recover_journals)

        self.lookup_pane.lookup_requested.connect(self.lookup)
        self.lookup_pane.identity_verified.connect(self._identity_verified)
        self.history_pane.load_more_requested.connect(self._load_more_history)
        self.history_pane.consultation_selected.connect(self._show_consultation)
        self.conversation_pane.start_requested.connect(self.start_consultation)
        self.conversation_pane.end_requested.connect(self.end_consultation)
        self.conversation_pane.line_submitted.connect(self.add_transcript_line)
        self.conversation_pane.notes_changed.connect(self._save_notes)

        self._watch(self.desk.session)
        install_all(self)
        self._guard_line_edits()
        self._restore_layout()
        if start_background_work:
            self.database.prepare()

    # -- the current call ----------------------------------------------------------------------
    @property
    def session(self) -> CallSession:
        return self.desk.session

    @property
    def caller(self) -> CallerLookup | None:
        """The caller of the current session (never another customer's)."""
        return self.desk.session.caller

    @property
    def recorder(self) -> ConsultationRecorder | None:
        return self.desk.session.recorder

    @property
    def db_ok(self) -> bool | None:
        return self.database.ok

    def _watch(self, session: CallSession) -> None:
        session.subscribe(self._on_session_event)

    def _session_replaced(self, old: CallSession | None, new: CallSession) -> None:
        """A new call session: every pane starts from a clean screen, then renders the new one."""
        self._watch(new)
        self._clock.stop()
        self.statusBar().clearMessage()  # e.g. "김철수 고객 조회 완료" belongs to the previous call
        self.alert_banner.hide()
        self.conversation_pane.reset()
        self.conversation_pane.set_active(False, "상담 대기")
        self.history_pane.clear()
        self.recommendation_pane.clear()
        if new.caller is None:
            self.lookup_pane.clear()
        else:
            self._render_caller(new.caller)
        self.consultation_label.setText("상담 대기")
        self.session_changed.emit(old, new)

    def _on_session_event(self, session: CallSession, event: object) -> None:
        if session is not self.desk.session:
            return  # an ended session still writing (late transcription): not on screen
        if isinstance(event, StateChanged):
            self._render_state(session)
        elif isinstance(event, CallerChanged):
            if event.caller is None:
                self.statusBar().clearMessage()
                self.lookup_pane.clear()
                self.history_pane.clear()
                self.recommendation_pane.clear()
            else:
                self._render_caller(event.caller)
            self._refresh_consultation_clock()
        elif isinstance(event, LineAdded):
            self.conversation_pane.add_line(event.line)

    def _render_caller(self, caller: CallerLookup) -> None:
        self.lookup_pane.show_result(caller, current_plan_summary(caller.profile, date.today(),
                                                                  self.services.catalog_provider.last()))
        self.history_pane.show_page(caller.profile.id, caller.history)
        self.recommendation_pane.show_caller(caller)
        self.caller_loaded.emit(caller)

    def _render_state(self, session: CallSession) -> None:
        state = session.state
        if state is CallState.LIVE:
            self.conversation_pane.set_active(True, f"상담 중 {_mmss(session.elapsed_s())}")
            self._refresh_consultation_clock()
            self._clock.start()
        elif state is CallState.WRAP_UP:
            self.conversation_pane.state_label.setText(f"후처리 중 {_mmss(session.elapsed_s())}")
        elif state is CallState.ENDED:
            self._clock.stop()
            self.conversation_pane.set_active(False, f"상담 종료됨 ({_mmss(session.elapsed_s())})")
            self.consultation_label.setText("상담 대기")

    # -- layout ----------------------------------------------------------------------------
    def _build_layout(self) -> None:
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(8, 8, 8, 4)
        outer.setSpacing(6)
        self.db_banner = Banner()
        self.db_banner.setObjectName("Banner")
        self.alert_banner = Banner()  # escalations and other call alerts
        self.db_banner.set_focus_after_close(lambda: self.conversation_pane.input)
        self.alert_banner.set_focus_after_close(lambda: self.conversation_pane.input)
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

        self.left = left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.lookup_pane)
        left.addWidget(self.history_pane)
        left.setStretchFactor(0, 3)
        left.setStretchFactor(1, 2)
        left.setChildrenCollapsible(False)

        # Three columns whose widths never follow their content (an AI answer, a long question):
        # each ignores its size hint, keeps a floor it is laid out for, and the splitter shares
        # the window by fixed proportions (or what the agent dragged, saved per user).
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        for column, floor, stretch in ((left, self.COLUMN_MIN[0], 3), (self.middle, self.COLUMN_MIN[1], 4),
                                       (self.recommendation_pane, self.COLUMN_MIN[2], 3)):
            column.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            column.setMinimumWidth(floor)
            self.splitter.addWidget(column)
            self.splitter.setStretchFactor(self.splitter.count() - 1, stretch)
        self.splitter.setChildrenCollapsible(False)
        outer.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

    # -- window size, splitters (per user) ------------------------------------------------
    COLUMN_MIN = (290, 400, 330)  # px at 100 %: what each column's content is laid out for
    COLUMN_SHARE = (0.28, 0.40, 0.32)
    DEFAULT_SIZE = (1440, 900)
    SCREEN_SHARE = 0.92  # of the available screen when that is smaller than DEFAULT_SIZE

    def default_geometry(self) -> QRect:
        """DEFAULT_SIZE, or 92 % of the screen's available area if smaller, centred on it."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        avail = screen.availableGeometry()
        width = min(self.DEFAULT_SIZE[0], int(avail.width() * self.SCREEN_SHARE))
        height = min(self.DEFAULT_SIZE[1], int(avail.height() * self.SCREEN_SHARE))
        rect = QRect(0, 0, max(width, self.minimumSizeHint().width()), height)
        rect.moveCenter(avail.center())
        # A screen narrower than the columns' floors: the window starts at its top-left corner.
        rect.moveTopLeft(QPoint(max(rect.left(), avail.left()), max(rect.top(), avail.top())))
        return rect

    def _fits_screen(self, rect: QRect, avail: QRect) -> bool:
        """On the screen's available area (wider only where the screen is narrower than the
        columns' floors)."""
        floor = self.minimumSizeHint()
        return (rect.left() >= avail.left() and rect.top() >= avail.top()
                and rect.right() <= avail.left() + max(avail.width(), floor.width()) - 1
                and rect.bottom() <= avail.bottom())

    def _restore_layout(self) -> None:
        store = self.ui_settings
        geometry = store.value("window/geometry")
        restored = isinstance(geometry, QByteArray | bytes) and self.restoreGeometry(QByteArray(geometry))
        screen = self.screen() or QGuiApplication.primaryScreen()
        if not restored or not self._fits_screen(self.geometry(), screen.availableGeometry()):
            self.setGeometry(self.default_geometry())  # first start, or a screen that got smaller
        width = max(self.width() - 40, sum(self.COLUMN_MIN))
        self.splitter.setSizes([int(width * share) for share in self.COLUMN_SHARE])
        height = max(self.height() - 120, 400)
        self.middle.setSizes([int(height * 0.45), int(height * 0.55)])  # the AI answer gets the larger half
        self.left.setSizes([int(height * 0.62), int(height * 0.38)])
        for key, splitter in (("splitter/columns", self.splitter), ("splitter/left", self.left),
                              ("splitter/middle", self.middle)):
            state = store.value(key)
            if isinstance(state, QByteArray | bytes):
                splitter.restoreState(QByteArray(state))

    def save_layout(self) -> None:
        """Window geometry and splitter positions for the next start (this user's settings file)."""
        store = self.ui_settings
        store.setValue("window/geometry", self.saveGeometry())
        store.setValue("splitter/columns", self.splitter.saveState())
        store.setValue("splitter/left", self.left.saveState())
        store.setValue("splitter/middle", self.middle.saveState())
        store.sync()

    # -- keyboard --------------------------------------------------------------------------
    def _register_shortcuts(self) -> None:
        """Bind every row of SHORTCUT_TABLE once, window-wide (menu rows on their QAction)."""
        actions = {"new": self.new_action, "end": self.end_action, "quit": self.quit_action,
                   "lookup": self.lookup_action}
        conversation, recommendation = self.conversation_pane, self.recommendation_pane
        self._shortcut_handlers.update({
            "input": conversation.focus_input,
            "notes": conversation.focus_notes,
            "speaker_caller": lambda: conversation.speaker.setCurrentIndex(0),
            "speaker_agent": lambda: conversation.speaker.setCurrentIndex(1),
            **{f"rec_{n}": (lambda n=n: recommendation.choose(n - 1)) for n in range(1, 5)},
            "rec_add": recommendation.add_chosen,
            "history": self.history_pane.focus_list,
            "banner_action": self._banner_action,
            "banner_close": self._banner_close,
        })
        self._shortcut_keys: set[tuple[int, int]] = set()
        for sid, key, _what in SHORTCUT_TABLE:
            sequence = QKeySequence(key)
            combo = sequence[0]
            self._shortcut_keys.add((combo.key().value, combo.keyboardModifiers().value))
            if sid in actions:
                actions[sid].setShortcut(sequence)
                actions[sid].setShortcutContext(Qt.ShortcutContext.WindowShortcut)
                continue
            shortcut = QShortcut(sequence, self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(lambda sid=sid: self.run_shortcut(sid))
            self.shortcuts[sid] = shortcut

    def set_shortcut_handler(self, sid: str, handler: Callable[[], object]) -> None:
        """A feature handles its SHORTCUT_TABLE row (e.g. "ask", "record")."""
        assert any(row[0] == sid for row in SHORTCUT_TABLE), sid
        self._shortcut_handlers[sid] = handler

    def run_shortcut(self, sid: str) -> None:
        handler = self._shortcut_handlers.get(sid)
        if handler is not None:
            handler()

    def _guard_line_edits(self) -> None:
        """A focused one-line field claims keys like Ctrl+E / Ctrl+H (emacs-style editing on some
        platforms) before the shortcut map sees them: the window's shortcuts win in this window.
        The filter sits on those fields only: a Python filter on the application or the window
        would run for every event (layout, paint) and cost the GUI thread ~20 % of a lookup."""
        for field in self.findChildren(QLineEdit):
            field.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            key = (event.key(), event.modifiers().value & ~Qt.KeyboardModifier.KeypadModifier.value)
            if key in self._shortcut_keys:
                event.ignore()
                return True
        return False

    def _banner_action(self) -> None:
        for banner in (self.alert_banner, self.db_banner):
            if banner.isVisible() and banner.action.isVisible():
                banner.action.click()
                return

    def _banner_close(self) -> None:
        for banner in (self.alert_banner, self.db_banner):
            if banner.isVisible() and banner.close_button.isVisible():
                banner.close_button.click()
                return

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("파일(&F)")
        self.new_action = QAction("새 상담", self, triggered=self.start_consultation)
        self.end_action = QAction("상담 종료", self, triggered=self.end_consultation)
        self.quit_action = QAction("종료", self, triggered=self.close)
        self.file_menu.addAction(self.new_action)
        self.file_menu.addAction(self.end_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit_action)

        self.tools_menu = bar.addMenu("도구(&T)")
        self.lookup_action = QAction("고객 조회", self, triggered=self.lookup_pane.focus_phone)
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
    def check_database(self) -> None:
        self.database.check()

    def _database_status(self, status: DatabaseStatus) -> None:
        self._update_pending_label()
        self.database_status_changed.emit(status)

    def _database_reconnected(self) -> None:
        self.statusBar().showMessage("데이터베이스 연결이 복구되었습니다.", 5000)
        # Calls that ended during the outage live only in their journals: write them now.
        self._recover_journals()

    def _recover_journals(self) -> None:
        """Save consultations a crash or an outage left only in the local journal. Calls live in
        this window (or any other process) hold their lock and are never touched."""
        sessions_dir = self.services.settings.paths.sessions_dir
        self.tasks.run(lambda ctx: recover_journals(sessions_dir, self.services.consultations),
                       on_success=self._journals_recovered, on_failure=self.report_background_failure)

    def _journals_recovered(self, report: RecoveryReport) -> None:
        if report.sessions:
            text = f"이전에 저장되지 않은 상담 {report.sessions}건을 복구해 저장했습니다."
            if report.quarantined:
                text += f" 손상된 기록 {report.quarantined}줄은 따로 보관했습니다."
            self.statusBar().showMessage(text, 8000)

    def run_retention(self) -> None:
        """Delete what KTCS_RETENTION_DAYS says has expired; the live call is never touched."""
        from ktcs_desktop.core.services.retention import run_retention

        settings = self.services.settings
        live = {r.key for r in self.desk.live_recorders()}
        self.tasks.run(lambda ctx: run_retention(settings, skip=live), on_failure=self.report_background_failure,
                       kind=TaskKind.IO)

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
        session = self.desk.session
        self._lookup_handle = self.tasks.run(
            lambda ctx: self.services.lookup.lookup(raw_phone),
            on_success=lambda result: self._lookup_done(result, session),
            on_failure=lambda exc: self._lookup_failed(exc, raw_phone),
            on_finished=lambda: self.lookup_pane.set_busy(False),
        )

    def _lookup_done(self, result: CallerLookup, asked_in: CallSession | None = None) -> None:
        if asked_in is not None and asked_in is not self.desk.session and asked_in.is_active:
            return  # the call changed while the lookup ran: a stale answer
        decision = self.desk.decide(result)
        if decision is LookupDecision.ASK:
            self.ask_switch_caller(result)
            return
        if self.desk.session.state is CallState.ENDED:
            self.desk.replace_session(result)
        else:
            self.desk.session.set_caller(result)
            if decision is LookupDecision.IDENTIFY:
                self._flush_recorder()
        self.statusBar().showMessage(f"{result.profile.name} 고객 조회 완료", 4000)

    def ask_switch_caller(self, result: CallerLookup) -> None:
        """Another customer during a call: the agent chooses; nothing is re-attached silently."""
        current = self.desk.session.caller
        assert current is not None
        if self.switch_dialog is not None:  # a newer number replaces an unanswered question
            self.switch_dialog.close()
        box = QMessageBox(self)
        box.setObjectName("SwitchCallerDialog")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("다른 고객 조회")
        box.setText(f"현재 {mask_name(current.profile.name)} 고객님({mask_phone(current.profile.phone)})과 "
                    f"상담 중입니다.\n{mask_name(result.profile.name)} 고객님({mask_phone(result.profile.phone)}) "
                    "정보를 어떻게 할까요?")
        box.setInformativeText("‘새 상담으로 전환’은 현재 상담을 마무리(요약 저장)한 뒤 새 고객의 상담을 시작합니다. "
                               "‘조회만’은 현재 상담에 연결하지 않고 별도 창으로 보여 줍니다.")
        new_call = box.addButton("현재 상담 종료 후 새 상담", QMessageBox.ButtonRole.AcceptRole)
        view_only = box.addButton("조회만 (연결 안 함)", QMessageBox.ButtonRole.ActionRole)
        box.addButton("취소", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(view_only)
        self.switch_dialog = box

        def answered(clicked: object) -> None:
            choice = (SwitchChoice.NEW_CALL if clicked is new_call else
                      SwitchChoice.VIEW_ONLY if clicked is view_only else SwitchChoice.CANCEL)
            self.switch_dialog = None
            self.apply_switch_choice(choice, result)

        box.buttonClicked.connect(answered)
        box.open()

    def apply_switch_choice(self, choice: SwitchChoice, result: CallerLookup) -> None:
        if choice is SwitchChoice.NEW_CALL:
            self._next_caller = result
            self.end_consultation()
        elif choice is SwitchChoice.VIEW_ONLY:
            self.view_dialog = CustomerViewDialog(self, result,
                                                  current_plan_summary(result.profile, date.today(),
                                                                       self.services.catalog_provider.last()))
            self.view_dialog.show()

    def _identity_verified(self) -> None:
        """Audit that the agent verified the caller (and note it in the consultation)."""
        session = self.desk.session
        caller = session.caller
        if caller is None:
            return
        profile = caller.profile
        agent = self.services.settings.ktcs_agent_id
        self.tasks.run(lambda ctx: self.services.audit.record(agent, "identity_verified", customer_id=profile.id,
                                                              phone_masked=mask_phone(profile.phone)),
                       on_failure=self.report_background_failure)
        if session.is_active:
            self.record_event("identity_verified", {"customer_id": profile.id})
        self.statusBar().showMessage(f"{profile.name} 고객 본인 확인 완료", 4000)

    def _lookup_failed(self, exc: BaseException, raw_phone: str = "") -> None:
        session = self.desk.session
        message = user_message(exc)
        if isinstance(exc, NotFoundError):
            if session.is_active and session.caller is not None:
                current = session.caller.profile
                message += (f"\n(아래는 현재 상담 중인 {mask_name(current.name)} 고객님"
                            f"({mask_phone(current.phone)}) 정보입니다.)")
            elif session.state is CallState.ENDED:
                self.desk.replace_session(None)
            else:
                session.clear_caller()
        self.lookup_pane.show_error(message)
        if isinstance(exc, DatabaseUnavailableError):
            self.database.failed(exc)

    def _load_more_history(self, offset: int) -> None:
        customer_id = self.history_pane.customer_id
        if customer_id is None:
            return
        self.tasks.run(lambda ctx: self.services.lookup.history(customer_id, offset=offset),
                       on_success=lambda page: self._history_page(customer_id, page, append=True),
                       on_failure=self.report_background_failure)

    def _history_page(self, customer_id: int, page, *, append: bool = False) -> None:  # noqa: ANN001
        if self.caller is None or self.caller.profile.id != customer_id:
            return  # the caller changed meanwhile
        self.history_pane.show_page(customer_id, page, append=append)

    def _show_consultation(self, consultation_id: int) -> None:
        customer_id = self.history_pane.customer_id
        self.tasks.run(lambda ctx: self.services.lookup.consultation(consultation_id),  # audited
                       on_success=lambda c: self.history_pane.show_detail(c)
                       if self.caller is not None and self.caller.profile.id == customer_id else None,
                       on_failure=self.report_background_failure)

    def report_background_failure(self, exc: BaseException) -> None:
        """Status-bar message for a failed background task (and the DB banner if the DB is down)."""
        self.statusBar().showMessage(user_message(exc), 8000)
        if isinstance(exc, DatabaseUnavailableError):
            self.database.failed(exc)

    # -- screen pop ------------------------------------------------------------------------
    def incoming_call(self, raw_phone: str) -> None:
        """The phone system hands us a caller (`ktcs-desktop --call`, `ktcs call`): a fresh call
        for that number. During a live call the agent chooses; during wrap-up it waits."""
        if QGuiApplication.platformName() not in ("offscreen", "minimal"):  # no window manager there
            if self.isMinimized():
                self.showNormal()
            self.raise_()
            self.activateWindow()
        try:
            normalize_phone(raw_phone)
        except InvalidInputError as exc:
            self.statusBar().showMessage(f"수신 전화 번호를 읽을 수 없습니다: {exc.user_message}", 8000)
            return
        session = self.desk.session
        if session.state is CallState.WRAP_UP:
            self._pending_pop = raw_phone
            self.alert_banner.show_message(f"새 전화 {mask_phone(raw_phone)}: 후처리를 저장하면 바로 연결됩니다.",
                                           level="info")
            return
        if session.state is CallState.LIVE:
            self.lookup(raw_phone)  # another customer → the switch prompt; same → refresh
            return
        self.tasks.run(lambda ctx: self.services.lookup.lookup(raw_phone),
                       on_success=self._pop_found, on_failure=lambda exc: self._pop_unknown(exc, raw_phone))

    def _pop_found(self, result: CallerLookup) -> None:
        if self.desk.session.is_active:
            self._lookup_done(result)
            return
        self.desk.open_screen_pop(result)
        self._call_started()
        self.statusBar().showMessage(f"수신 전화: {result.profile.name} 고객", 5000)

    def _pop_unknown(self, exc: BaseException, raw_phone: str) -> None:
        if self.desk.session.is_active:
            self._lookup_failed(exc, raw_phone)
            return
        self.desk.open_screen_pop(None)
        self._call_started()
        self.lookup_pane.phone_edit.setText(format_phone(normalize_phone(raw_phone)))
        self.lookup_pane.show_error(user_message(exc))

    # -- consultation ------------------------------------------------------------------------
    def start_consultation(self) -> None:
        if self.desk.session.is_active:
            return
        if self.desk.session.state is CallState.ENDED:
            self.desk.replace_session(None)
        try:
            self.desk.start_call()
        except OSError as exc:  # cannot even create the call's folder
            self.statusBar().showMessage(user_message(exc), 8000)
            return
        self._call_started()

    def _call_started(self) -> None:
        recorder = self.recorder
        assert recorder is not None
        self._flush_recorder()
        self._update_pending_label()
        self.consultation_started.emit(recorder)

    def _refresh_consultation_clock(self) -> None:
        """Handle time at a glance (agents are measured on it): status bar and conversation header."""
        session = self.desk.session
        if not session.is_active:
            return
        elapsed = _mmss(session.elapsed_s())
        caller = session.caller
        who = f"{caller.profile.name} ({format_phone(caller.profile.phone)})" if caller else "미확인 고객"
        prefix = "후처리 중" if session.state is CallState.WRAP_UP else "상담 중"
        self.consultation_label.setText(f"{prefix} {elapsed} · {who}")
        self.conversation_pane.state_label.setText(f"{prefix} {elapsed}")

    def add_transcript_line(self, speaker: Speaker, text: str) -> TranscriptLine | None:
        if not self.desk.session.is_active:
            self.start_consultation()
        if not self.desk.session.is_active:
            return None
        line = self.desk.session.add_line(speaker, text)
        self._after_write()
        self.transcript_line_added.emit(line)
        return line

    def _save_notes(self, notes: str) -> None:
        self.desk.session.save_notes(notes)
        if self.recorder is not None:
            self._after_write()

    def end_consultation(self) -> None:
        """The agent ends the call: hand over to wrap-up if installed, else close with the notes."""
        session = self.desk.session
        if session.state is not CallState.LIVE or session.recorder is None:
            return
        self.conversation_pane.flush_notes()
        session.begin_wrap_up()
        self.consultation_ending.emit(session.recorder)
        if self.wrapup_handler is not None:
            self.wrapup_handler(session.recorder)
            return
        self.finish_consultation(session.summary or session.notes.strip(), "상담 종료")

    def resume_consultation(self) -> None:
        """The wrap-up was closed without saving: the call goes on (a chosen switch is dropped)."""
        self._next_caller = None
        self.desk.session.resume_call()

    def record_event(self, kind: str, payload: dict) -> None:
        """Record something that happened in the call (offer made, escalation …)."""
        if not self.desk.session.is_active:
            self.start_consultation()
        if not self.desk.session.is_active:
            return
        self.desk.session.record_event(kind, payload)
        self._after_write()

    def save_wrapup_draft(self, summary: str, outcome: str | None) -> bool:
        saved = self.desk.session.save_draft(summary, outcome)
        if saved:
            self._after_write()
        return saved

    def finish_consultation(self, summary: str, outcome: str) -> None:
        session = self.desk.session
        recorder = session.recorder
        if recorder is None or session.state is CallState.ENDED:
            return
        session.finish(summary, outcome)
        self._flush_recorder(on_done=lambda: self._closed_saved(recorder))
        self.consultation_closed.emit(recorder)
        if self._quitting:
            return
        # The next call starts from a clean screen: nothing of this caller stays on it.
        next_caller, self._next_caller = self._next_caller, None
        pop, self._pending_pop = self._pending_pop, None
        if next_caller is not None:
            self.desk.open_screen_pop(next_caller)
            self._call_started()
            return
        self.desk.replace_session(None)
        if pop is not None:
            self.incoming_call(pop)

    def _closed_saved(self, recorder: ConsultationRecorder) -> None:
        if recorder.settled:
            self.statusBar().showMessage(f"상담 #{recorder.consultation_id} 저장 완료", 5000)

    def _after_write(self) -> None:
        """After a change to the call: say at once if the local journal failed, then write to the DB."""
        recorder = self.recorder
        held = recorder is not None and recorder.journal_error is not None
        self.conversation_pane.hold_input = held
        if held:
            assert recorder is not None
            self.show_storage_error(recorder)
        self._flush_recorder()

    def show_storage_error(self, recorder: ConsultationRecorder) -> None:
        self.alert_banner.show_message(
            "이 PC에 상담 내용을 저장하지 못했습니다(디스크 공간 부족 또는 권한 문제). 입력한 내용은 화면과 메모리에 "
            f"남아 있고 계속 다시 저장합니다. 미저장 {recorder.unjournaled_count}건.",
            level="error", action="다시 저장", on_action=self._flush_recorder)

    def _flush_recorder(self, on_done=None) -> None:  # noqa: ANN001
        recorder = self.recorder
        if recorder is None:
            return

        def done(_written: int) -> None:
            self._update_pending_label()
            if recorder.problems:
                self._show_write_problems(recorder)
            if recorder is self.recorder and (recorder.journal_error is None or recorder.pending_count == 0):
                self.conversation_pane.release_held_input()  # stored in the journal or the database
            if on_done:
                on_done()

        def failed(exc: BaseException) -> None:
            self._update_pending_label()
            if isinstance(exc, DatabaseUnavailableError):
                self.database.failed(exc)
            else:
                self.report_background_failure(exc)

        self.tasks.run(lambda ctx: recorder.flush(), on_success=done, on_failure=failed)

    def _show_write_problems(self, recorder: ConsultationRecorder) -> None:
        kinds = {"line": "대화", "notes": "메모", "summary": "요약", "event": "기록", "close": "종료", "start": "시작"}
        what = ", ".join(sorted({kinds.get(p.op, p.op) for p in recorder.problems}))
        self.alert_banner.show_message(
            f"데이터베이스가 일부 내용({what} {len(recorder.problems)}건)을 거부해 이 PC에 따로 보관했습니다. "
            "나머지는 정상 저장되었습니다. 관리자에게 문의해 주세요.", level="warning")

    def _update_pending_label(self) -> None:
        recorder = self.recorder
        if recorder is None:
            self.conversation_pane.set_save_state("")
            return
        pending = recorder.pending_count
        if recorder.journal_error is not None:
            text = f"⚠ 이 PC에 저장 실패 · DB 저장 대기 {pending}건"
        elif pending:
            text = f"이 PC에 임시 저장됨 · DB 저장 대기 {pending}건"
        else:
            text = f"모두 저장됨 · 상담 #{recorder.consultation_id}"
        self.conversation_pane.set_save_state(text)

    # -- help --------------------------------------------------------------------------------
    def shortcuts_text(self) -> str:
        """도움말 → 단축키: the rows the window registered, then the wrap-up window's."""
        native = QKeySequence.SequenceFormat.NativeText
        rows = [f"{QKeySequence(key).toString(native)}\t{what}" for key, what in SHORTCUTS]
        rows += [f"{QKeySequence(key).toString(native)}\t{what}" for _id, key, what in DIALOG_SHORTCUTS]
        return "\n".join(rows)

    def _show_shortcuts(self) -> None:
        box = QMessageBox(self)
        box.setObjectName("ShortcutsDialog")
        box.setWindowTitle("단축키")
        box.setText(self.shortcuts_text())
        box.open()
        self.shortcuts_dialog = box

    def show_capabilities(self) -> QDialog:
        """What runs online, what falls back to offline (no network access to find out)."""
        rows = "".join(
            f"<tr><td nowrap><b>{c.name}</b></td><td nowrap>{'● 연결' if c.online else '○ 내장'}</td>"
            f"<td>{c.mode}<br><span style='color:#6B7280'>{c.detail}</span></td></tr>"
            for c in capability_report(self.services.settings, catalog_provider=self.services.catalog_provider)
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
        session = self.desk.session
        if session.is_active and not self.quit_confirmed:
            event.ignore()  # asked without blocking; 종료 in the dialog closes the window again
            self._ask_quit()
            return
        if self._quitting:
            super().closeEvent(event)
            return
        self._quitting = True
        try:
            self.save_layout()
        except Exception:  # noqa: BLE001 - a read-only profile must not stop the exit
            log.warning("could not save the window layout", exc_info=True)
        self.conversation_pane.flush_notes()
        if session.is_active:
            # Keep what the agent wrote: the call is closed with its notes (or wrap-up draft).
            session.finish(session.summary or session.notes.strip(), "미완료(프로그램 종료)")
        self.database.stop()
        speech = getattr(self, "speech", None)
        if speech is not None:
            speech.shutdown()  # the microphone stops now; recorded audio stays on disk
        self.statusBar().showMessage("저장 중…")
        drained = self.tasks.shutdown(timeout_ms=self.EXIT_DRAIN_MS, drain_db=True,
                                      final_db=[r.flush for r in self.desk.live_recorders()])
        if not drained:
            log.warning("exit: background work still running after %d ms", self.EXIT_DRAIN_MS)
        for recorder in self.desk.live_recorders():
            if recorder.pending_count:
                log.warning("exit: consultation %s keeps %d operation(s) in its journal for the next start",
                            recorder.key, recorder.pending_count)
            recorder.release_lock()
        super().closeEvent(event)
        self.closed.emit()

    def _ask_quit(self) -> None:
        if self.quit_dialog is not None and self.quit_dialog.isVisible():
            self.quit_dialog.raise_()
            return
        box = QMessageBox(self)
        box.setObjectName("QuitConfirmDialog")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("프로그램 종료")
        box.setText("상담이 진행 중입니다. 프로그램을 종료할까요?")
        box.setInformativeText("종료하면 지금까지의 대화와 메모는 저장되고, 상담은 ‘미완료(프로그램 종료)’로 닫힙니다.")
        quit_button = box.addButton("종료", QMessageBox.ButtonRole.DestructiveRole)
        stay = box.addButton("계속 상담", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(stay)  # Enter keeps the call
        self.quit_dialog = box

        def answered(button: object) -> None:
            if button is quit_button:
                self.quit_confirmed = True
                self.close()

        box.buttonClicked.connect(answered)
        box.open()


class CustomerViewDialog(QDialog):
    """조회만: another customer's card in its own window, never attached to the current call."""

    def __init__(self, parent: QWidget, result: CallerLookup, plan_summary: str) -> None:
        super().__init__(parent)
        self.setObjectName("CustomerViewDialog")
        self.setWindowTitle(f"조회만 — {mask_name(result.profile.name)} ({mask_phone(result.profile.phone)})")
        layout = QVBoxLayout(self)
        note = QLabel("현재 통화와 연결되지 않은 조회입니다. 이 고객으로 상담하려면 현재 상담을 종료하세요.")
        note.setObjectName("Muted")
        note.setWordWrap(True)
        layout.addWidget(note)
        self.card = CallerCard()
        self.card.show_lookup(result, plan_summary=plan_summary)
        layout.addWidget(self.card)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
