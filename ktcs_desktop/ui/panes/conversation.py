"""The live conversation: transcript lines (typed now, transcribed later), input and call notes."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from ktcs_desktop.core.models import Speaker, TranscriptLine
from ktcs_desktop.ui.widgets import Pane

_SPEAKER_COLORS = {Speaker.CALLER: "#1D4ED8", Speaker.AGENT: "#047857", Speaker.SYSTEM: "#6B7280"}


class NotesEdit(QPlainTextEdit):
    """Call notes: Tab / Shift+Tab move to the next / previous field like everywhere else (no
    keyboard trap); Ctrl+Tab types a literal tab."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        # Key presses only (an event() override would run Python for every paint and layout event):
        # Ctrl+Tab is not taken for focus changes, so it arrives here.
        if event.key() == Qt.Key.Key_Tab and event.modifiers() == Qt.KeyboardModifier.ControlModifier:
            self.insertPlainText("\t")
            return
        super().keyPressEvent(event)


class ConversationPane(Pane):
    start_requested = Signal()
    end_requested = Signal()
    line_submitted = Signal(object, str)  # Speaker, text
    notes_changed = Signal(str)  # debounced

    NOTES_DEBOUNCE_MS = 1200

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("상담 대화", parent)
        self.state_label = QLabel("상담 대기")
        self.state_label.setObjectName("Muted")
        self.start_button = QPushButton("상담 시작")
        self.start_button.setObjectName("Primary")
        self.end_button = QPushButton("상담 종료")
        self.end_button.setEnabled(False)
        self.start_button.clicked.connect(self.start_requested)
        self.end_button.clicked.connect(self.end_requested)
        self.header.addWidget(self.state_label)
        # Call controls on their own row (features add theirs at the front, e.g. 통화 시작/종료):
        # the title row alone would not hold them in a narrow column.
        self.controls = QHBoxLayout()
        self.controls.setSpacing(6)
        self.controls.addStretch(1)
        self.controls.addWidget(self.start_button)
        self.controls.addWidget(self.end_button)
        self.body.addLayout(self.controls)

        self.transcript = QListWidget()
        self.transcript.setWordWrap(True)
        self.transcript.setAlternatingRowColors(False)
        self.body.addWidget(self.transcript, 4)

        row = QHBoxLayout()
        self.speaker = QComboBox()
        self.speaker.addItem(Speaker.CALLER.label, Speaker.CALLER)
        self.speaker.addItem(Speaker.AGENT.label, Speaker.AGENT)
        self.input = QLineEdit()
        self.input.setPlaceholderText("대화 내용을 입력하고 Enter (Alt+1 고객 / Alt+2 상담원)")
        self.input.returnPressed.connect(self._submit)
        self.add_button = QPushButton("추가")
        self.add_button.clicked.connect(self._submit)
        row.addWidget(self.speaker)
        row.addWidget(self.input, 1)
        row.addWidget(self.add_button)
        self.body.addLayout(row)

        notes_title = QLabel("상담 메모 (자동 저장)")
        notes_title.setObjectName("Muted")
        self.body.addWidget(notes_title)
        self.notes = NotesEdit()
        self.notes.setPlaceholderText("통화 중 메모를 남기세요. 입력 즉시 자동 저장됩니다.")
        self.notes.setMaximumHeight(110)
        self.notes.setMinimumHeight(48)
        self.body.addWidget(self.notes, 1)
        self.save_state = QLabel()
        self.save_state.setObjectName("Muted")
        self.body.addWidget(self.save_state)

        self.hold_input = False  # set by the window while the local journal cannot be written
        self._notes_timer = QTimer(self)
        self._notes_timer.setSingleShot(True)
        self._notes_timer.setInterval(self.NOTES_DEBOUNCE_MS)
        self._notes_timer.timeout.connect(lambda: self.notes_changed.emit(self.notes.toPlainText()))
        self.notes.textChanged.connect(self._notes_timer.start)

    def focus_input(self) -> None:
        self.input.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def focus_notes(self) -> None:
        self.notes.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # -- input -----------------------------------------------------------------------------
    def _submit(self) -> None:
        text = self.input.text().strip()
        if not text or self.input.isReadOnly():
            return
        self.line_submitted.emit(Speaker(self.speaker.currentData()), text)
        if self.hold_input:
            # The line could not be written to this PC: it stays in the input (and in the call's
            # memory, retried) until it is stored somewhere; a second Enter cannot add it twice.
            self.input.setReadOnly(True)
            self.input.setToolTip("저장을 다시 시도하는 중입니다. 저장되면 입력란이 비워집니다.")
            return
        self.input.clear()

    def release_held_input(self) -> None:
        """The held line is stored (journal or database): clear the input for the next line."""
        if self.input.isReadOnly():
            self.input.setReadOnly(False)
            self.input.setToolTip("")
            self.input.clear()

    def flush_notes(self) -> None:
        """Emit pending notes now (before closing a consultation)."""
        if self._notes_timer.isActive():
            self._notes_timer.stop()
            self.notes_changed.emit(self.notes.toPlainText())

    # -- state -----------------------------------------------------------------------------
    def set_active(self, active: bool, label: str = "") -> None:
        self.start_button.setEnabled(not active)
        self.end_button.setEnabled(active)
        self.state_label.setText(label or ("상담 중" if active else "상담 대기"))

    def reset(self) -> None:
        self.transcript.clear()
        self.input.setReadOnly(False)
        self.input.clear()
        self.hold_input = False
        self._notes_timer.stop()
        self.notes.blockSignals(True)
        self.notes.clear()
        self.notes.blockSignals(False)
        self.save_state.clear()

    def add_line(self, line: TranscriptLine) -> None:
        item = QListWidgetItem(f"[{line.at:%H:%M:%S}] {line.speaker.label}: {line.text}")
        item.setForeground(QBrush(QColor(_SPEAKER_COLORS[line.speaker])))
        item.setData(Qt.ItemDataRole.UserRole, line.seq)
        self.transcript.addItem(item)
        self.transcript.scrollToBottom()

    def set_save_state(self, text: str) -> None:
        self.save_state.setText(text)
