"""The assist panel: question box, streamed answer, plan cards, copy, provider/status label."""

from __future__ import annotations

import html

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QTextBrowser, QVBoxLayout

from ktcs_desktop.core.assistant import AssistAnswer, PlanCard
from ktcs_desktop.core.formatting import won
from ktcs_desktop.ui.widgets import Pane, clear_layout


class PlanCardWidget(QFrame):
    def __init__(self, card: PlanCard) -> None:
        super().__init__()
        self.setObjectName("CallerCard")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(2)
        title = QLabel(f"<b>{html.escape(card.name)}</b>")
        layout.addWidget(title)
        layout.addWidget(QLabel(f"월정액 {won(card.monthly_fee)} · 선택약정 {card.selective_label}"))
        layout.addWidget(QLabel(f"데이터 {card.data}"))
        source = QLabel(f"출처: {card.source}")
        source.setObjectName("Muted")
        layout.addWidget(source)


class AssistantPanel(Pane):
    question_submitted = Signal(str)

    def __init__(self) -> None:
        super().__init__("AI 상담 도우미")
        self.status_label = QLabel()
        self.status_label.setObjectName("Muted")
        self.header.addWidget(self.status_label)
        row = QHBoxLayout()
        self.question = QLineEdit()
        self.question.setPlaceholderText("AI에게 질문…")
        self.question.returnPressed.connect(self._submit)
        self.ask_button = QPushButton("질문")
        self.ask_button.setObjectName("Primary")
        self.ask_button.clicked.connect(self._submit)
        row.addWidget(self.question, 1)
        row.addWidget(self.ask_button)
        self.body.addLayout(row)
        self.notice = QLabel()
        self.notice.setObjectName("BadgeWarn")
        self.notice.hide()
        self.body.addWidget(self.notice)
        self.answer_view = QTextBrowser()
        self.answer_view.setMinimumHeight(90)
        self.body.addWidget(self.answer_view, 1)
        self.cards_row = QHBoxLayout()
        self.body.addLayout(self.cards_row)
        bottom = QHBoxLayout()
        self.origin_label = QLabel()
        self.origin_label.setObjectName("Muted")
        self.copy_button = QPushButton("복사")
        self.copy_button.clicked.connect(self.copy_answer)
        bottom.addWidget(self.origin_label, 1)
        bottom.addWidget(self.copy_button)
        self.body.addLayout(bottom)
        self._text = ""

    def _submit(self) -> None:
        text = self.question.text().strip()
        if text:
            self.question_submitted.emit(text)

    def set_provider(self, label: str) -> None:
        self.status_label.setText(label)

    def begin(self, origin: str) -> None:
        self._text = ""
        self.answer_view.clear()
        self.notice.hide()
        clear_layout(self.cards_row)
        self.origin_label.setText(origin)

    def reset(self) -> None:
        """A new call: no answer, question or card of the previous caller stays."""
        self.begin("")
        self.question.clear()

    def append_token(self, token: str) -> None:
        self._text += token
        self.answer_view.setPlainText(self._text)

    def reset_stream(self, notice: str) -> None:
        self._text = ""
        self.answer_view.clear()
        self.show_notice(notice)

    def show_notice(self, notice: str) -> None:
        self.notice.setText(notice)
        self.notice.show()

    def show_answer(self, answer: AssistAnswer) -> None:
        self._text = answer.text
        self.answer_view.setPlainText(answer.text)
        if answer.fallback_notice:
            self.show_notice(answer.fallback_notice)
        else:
            self.notice.hide()  # e.g. "지식 준비 중…" shown while the knowledge worker warmed up
        clear_layout(self.cards_row)
        for card in answer.cards[:3]:
            self.cards_row.addWidget(PlanCardWidget(card))
        self.cards_row.addStretch(1)

    @property
    def answer_text(self) -> str:
        return self._text

    def card_count(self) -> int:
        return sum(1 for i in range(self.cards_row.count()) if isinstance(self.cards_row.itemAt(i).widget(),
                                                                          PlanCardWidget))

    def copy_answer(self) -> None:
        QGuiApplication.clipboard().setText(self._text)
