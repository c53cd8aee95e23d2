"""The caller's earlier consultations (newest first, paged) and the selected one's detail."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QPushButton, QTextBrowser, QWidget

from ktcs_desktop.core.models import Consultation, ConsultationStatus, ConsultationSummary, Page
from ktcs_desktop.core.summary import describe_event
from ktcs_desktop.ui.widgets import Pane, placeholder


def _escape(text: str) -> str:
    return html.escape(text, quote=False).replace("\n", "<br>")


class HistoryPane(Pane):
    load_more_requested = Signal(int)  # offset
    consultation_selected = Signal(int)  # consultation id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("상담 이력", parent)
        self.count_label = QLabel()
        self.count_label.setObjectName("Muted")
        self.header.addWidget(self.count_label)
        self.empty = placeholder("고객을 조회하면 이전 상담 이력이 표시됩니다.")
        self.body.addWidget(self.empty)
        self.list = QListWidget()
        self.list.setObjectName("HistoryList")
        self.list.setWordWrap(True)
        self.list.setSpacing(2)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        # Entries separated by a rule, the selected one marked (not only by focus colour).
        self.list.setStyleSheet("QListWidget#HistoryList::item { border-bottom: 1px solid #E3E6EA; padding: 4px 2px; }"
                                "QListWidget#HistoryList::item:selected { background: #EEF2FF; color: #1F2329; }")
        self.list.currentItemChanged.connect(self._selected)
        self.list.hide()
        self.body.addWidget(self.list, 2)
        self.more_button = QPushButton("이전 상담 더 보기")
        self.more_button.clicked.connect(lambda: self.load_more_requested.emit(self.list.count()))
        self.more_button.hide()
        self.body.addWidget(self.more_button)
        self.detail = QTextBrowser()
        self.detail.setOpenLinks(False)
        self.detail.hide()
        self.body.addWidget(self.detail, 3)
        self._customer_id: int | None = None

    def focus_list(self) -> None:
        """Ctrl+H: the list takes the keyboard (↑↓ opens an entry's detail)."""
        if self.list.isVisible() and self.list.count():
            self.list.setFocus(Qt.FocusReason.ShortcutFocusReason)
            if self.list.currentRow() < 0:
                self.list.setCurrentRow(0)
        else:
            self.setFocus(Qt.FocusReason.ShortcutFocusReason)

    @property
    def customer_id(self) -> int | None:
        return self._customer_id

    def show_page(self, customer_id: int, page: Page[ConsultationSummary], *, append: bool = False) -> None:
        if not append or customer_id != self._customer_id:
            self.list.clear()
            self.detail.clear()
            self.detail.hide()
        self._customer_id = customer_id
        for item in page.items:
            self._add_item(item)
        self.count_label.setText(f"총 {page.total}건")
        self.empty.setVisible(page.total == 0)
        if page.total == 0:
            self.empty.setText("이전 상담 이력이 없습니다.")
        self.list.setVisible(page.total > 0)
        self.more_button.setVisible(page.has_more)

    def prepend(self, summary: ConsultationSummary) -> None:
        """A consultation just closed in this window goes on top."""
        item = self._make_item(summary)
        self.list.insertItem(0, item)
        self.list.show()
        self.empty.hide()

    def _make_item(self, c: ConsultationSummary) -> QListWidgetItem:
        state = "진행 중" if c.status is ConsultationStatus.OPEN else (c.outcome or "종료")
        title = c.summary.splitlines()[0] if c.summary else "(요약 없음)"
        item = QListWidgetItem(f"{c.started_at:%Y-%m-%d %H:%M} · {state}\n{title}")
        item.setData(Qt.ItemDataRole.UserRole, c.id)
        item.setToolTip(c.summary or "")
        return item

    def _add_item(self, c: ConsultationSummary) -> None:
        self.list.addItem(self._make_item(c))

    def _selected(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if current is not None:
            self.consultation_selected.emit(int(current.data(Qt.ItemDataRole.UserRole)))

    def show_detail(self, c: Consultation) -> None:
        parts = [
            f"<b>{c.started_at:%Y-%m-%d %H:%M}</b>"
            + (f" ~ {c.ended_at:%H:%M}" if c.ended_at else "")
            + f" · 상담원 {_escape(c.agent_id)}",
            f"<p><b>요약</b><br>{_escape(c.summary) or '(요약 없음)'}</p>",
        ]
        if c.outcome:
            parts.append(f"<p><b>결과</b> {_escape(c.outcome)}</p>")
        if c.notes:
            parts.append(f"<p><b>메모</b><br>{_escape(c.notes)}</p>")
        if c.events:
            events = "<br>".join(f"{e.at:%H:%M} {_escape(describe_event(e))}" for e in c.events)
            parts.append(f"<p><b>기록</b><br>{events}</p>")
        if c.lines:
            lines = "<br>".join(f"<b>{line.speaker.label}</b> {_escape(line.text)}" for line in c.lines)
            parts.append(f"<p><b>대화</b><br>{lines}</p>")
        self.detail.setHtml("".join(parts))
        self.detail.show()

    def clear(self) -> None:
        self._customer_id = None
        self.list.clear()
        self.detail.clear()
        self.detail.hide()
        self.list.hide()
        self.more_button.hide()
        self.count_label.clear()
        self.empty.setText("고객을 조회하면 이전 상담 이력이 표시됩니다.")
        self.empty.show()
