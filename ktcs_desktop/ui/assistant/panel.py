"""The assist panel: question box, streamed answer, plan cards, copy, provider/status label."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ktcs_desktop.core.assistant import AssistAnswer, PlanCard
from ktcs_desktop.core.formatting import won
from ktcs_desktop.ui.widgets import Pane, RefitOnWidth, WrapLabel, clear_layout

ORIGIN_MAX_CHARS = 64  # "질문: …" shown in full in its tooltip


class PlanCardWidget(QFrame):
    def __init__(self, card: PlanCard) -> None:
        super().__init__()
        self.setObjectName("CallerCard")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(2)
        # Cards share the column equally and wrap their text: an answer never widens the column.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        for text, name in ((f"<b>{html.escape(card.name)}</b>", ""),
                           (f"월정액 {won(card.monthly_fee)} · 선택약정 {card.selective_label}", ""),
                           (f"데이터 {card.data}", ""), (f"출처: {card.source}", "Muted")):
            label = WrapLabel(text)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            if name:
                label.setObjectName(name)
            layout.addWidget(label)
        layout.addStretch(1)


class CardsArea(RefitOnWidth, QScrollArea):
    """The answer's plan cards: as tall as they need up to MAX_HEIGHT, then scrolled (never
    sideways, never squeezed into cut lines)."""

    MAX_HEIGHT = 150
    MIN_HEIGHT = 56  # a short window: two lines of each card show, the rest scrolls

    def __init__(self) -> None:
        super().__init__()
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setStyleSheet("QScrollArea { background: transparent; border: none; padding: 0; }")
        content = QWidget()
        self.row = QHBoxLayout(content)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.setWidget(content)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._need = 0
        self.hide()

    def sizeHint(self):  # noqa: ANN201, N802 - Qt API
        hint = super().sizeHint()
        hint.setHeight(min(self._need, self.MAX_HEIGHT))
        return hint

    def minimumSizeHint(self):  # noqa: ANN201, N802 - Qt API
        hint = super().minimumSizeHint()
        hint.setHeight(min(self._need, self.MIN_HEIGHT))
        return hint

    def fit(self) -> None:
        if self.row.count() == 0:
            self.hide()
            return
        self.show()
        width = self.viewport().width() if self.width() > 20 else 300
        row = self.row
        need = row.totalHeightForWidth(width) if row.hasHeightForWidth() else row.totalSizeHint().height()
        self._need = max(need, row.totalMinimumSize().height(), 1)
        self.setMaximumHeight(min(self._need, self.MAX_HEIGHT))
        self.updateGeometry()


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
        # Plan cards side by side, in their own vertical scroll area when the window is short.
        self.cards_area = CardsArea()
        self.cards_row = self.cards_area.row
        self.body.addWidget(self.cards_area)
        bottom = QHBoxLayout()
        self.origin_label = QLabel()
        self.origin_label.setObjectName("Muted")
        self.origin_label.setWordWrap(True)  # "질문: …" of any length stays in the column
        self.origin_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
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
        self.cards_area.fit()
        shown = origin if len(origin) <= ORIGIN_MAX_CHARS else origin[:ORIGIN_MAX_CHARS - 1].rstrip() + "…"
        self.origin_label.setText(shown)
        self.origin_label.setToolTip(origin if shown != origin else "")

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
            self.cards_row.addWidget(PlanCardWidget(card), 1)
        if answer.cards and len(answer.cards) < 3:
            self.cards_row.addStretch(3 - len(answer.cards))  # one card is a third, not the whole row
        for i in range(self.cards_row.count()):
            widget = self.cards_row.itemAt(i).widget()
            if widget is not None:
                widget.show()  # now, so the area can measure them
        self.cards_area.fit()

    @property
    def answer_text(self) -> str:
        return self._text

    def card_count(self) -> int:
        return sum(1 for i in range(self.cards_row.count()) if isinstance(self.cards_row.itemAt(i).widget(),
                                                                          PlanCardWidget))

    def copy_answer(self) -> None:
        QGuiApplication.clipboard().setText(self._text)
