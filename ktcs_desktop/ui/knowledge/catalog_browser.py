"""요금제 카탈로그: every plan in a table, a search box (catalog resolver + knowledge search in the
background) and a detail card for the selected plan."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ktcs_desktop.core.catalog import Plan, PlanCatalog
from ktcs_desktop.core.errors import user_message
from ktcs_desktop.core.formatting import won
from ktcs_desktop.ui.tasks import TaskKind, TaskManager

COLUMNS = ("이름", "월정액", "선택약정", "데이터", "대상")
SEARCH_DELAY_MS = 250

SearchFn = Callable[[str], list[str]]  # query → plan ids, best first (runs off the GUI thread)


def _won(amount: int | None) -> str:
    return "—" if amount is None else won(amount)


class CatalogBrowser(QDialog):
    def __init__(self, catalog: PlanCatalog, tasks: TaskManager, search: SearchFn,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("요금제 카탈로그")
        self.resize(980, 600)
        self.catalog = catalog
        self._tasks = tasks
        self._search = search
        self._generation = 0
        self.shown_plans: list[Plan] = []

        self.search_box = QLineEdit()
        self.search_box.setPlaceholderText("요금제 이름·별칭·조건 검색 (예: 슬림 14기가, 와이, 넷플릭스)")
        self.search_box.setClearButtonEnabled(True)
        self.count_label = QLabel()
        self.count_label.setObjectName("Muted")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.detail = QTextBrowser()
        self.detail.setMinimumWidth(300)

        top = QHBoxLayout()
        top.addWidget(self.search_box, 1)
        top.addWidget(self.count_label)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.run_search)
        self.search_box.textChanged.connect(lambda _t: self._timer.start())
        self.search_box.returnPressed.connect(self.run_search)
        self.table.itemSelectionChanged.connect(self._show_selected)
        self.show_plans(list(catalog))

    # -- table ---------------------------------------------------------------------------------
    def show_plans(self, plans: list[Plan], note: str = "") -> None:
        self.shown_plans = plans
        self.table.setRowCount(len(plans))
        for row, plan in enumerate(plans):
            cells = (plan.name, _won(plan.monthly_fee), _won(self.catalog.selective_fee(plan)),
                     plan.data_label, plan.eligibility.label)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col in (1, 2):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                item.setData(Qt.ItemDataRole.UserRole, plan.id)
                self.table.setItem(row, col, item)
        self.count_label.setText(note or f"{len(plans)}개 요금제")
        self.table.clearSelection()
        if plans:
            self.table.selectRow(0)
            self._show_selected()
        else:
            self.detail.setHtml("<p>검색 결과가 없습니다.</p>")

    def _show_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows and rows[0].row() < len(self.shown_plans):
            self.detail.setHtml(plan_card_html(self.shown_plans[rows[0].row()], self.catalog))

    # -- search --------------------------------------------------------------------------------
    def run_search(self) -> None:
        self._timer.stop()
        query = self.search_box.text().strip()
        self._generation += 1
        generation = self._generation
        if not query:
            self.show_plans(list(self.catalog))
            return
        self.count_label.setText("검색 중…")
        self._tasks.run(lambda ctx: self._search(query),
                        on_success=lambda ids: self._search_done(generation, query, ids),
                        on_failure=lambda exc: self._search_failed(generation, query, exc),
                        kind=TaskKind.IO)

    def _search_done(self, generation: int, query: str, plan_ids: list[str]) -> None:
        if generation != self._generation:
            return  # a newer query is on its way
        plans = [p for p in (self.catalog.find(i) for i in dict.fromkeys(plan_ids)) if p is not None]
        self.show_plans(plans, f"'{query}' 검색 결과 {len(plans)}개")

    def _search_failed(self, generation: int, query: str, exc: BaseException) -> None:
        if generation != self._generation:
            return
        plans = self.catalog.resolve(query)  # the resolver alone still answers name queries
        message = user_message(exc)
        self.show_plans(plans, f"검색 색인 오류 ({message}) — 이름 검색 {len(plans)}개")


def plan_card_html(plan: Plan, catalog: PlanCatalog) -> str:
    e = html.escape
    rows = [("월정액", _won(plan.monthly_fee)), ("선택약정 (25%)", _won(catalog.selective_fee(plan))),
            ("데이터", plan.data_text), ("음성", plan.voice), ("문자", plan.sms),
            ("테더링", plan.hotspot or "—"), ("로밍", plan.roaming or "—"),
            ("가입 대상", f"{plan.target} ({plan.eligibility.label})"), ("채널", plan.channel.label)]
    b = plan.benefits
    if b.choice_options:
        rows.append(("택1 혜택", ", ".join(b.choice_options)))
    for label, value in (("멤버십", b.membership), ("기기 보험", b.device_insurance),
                         ("스마트기기", b.smart_device), ("데이터 쉐어링", b.data_sharing), ("Y덤", b.y_dom)):
        if value:
            rows.append((label, value))
    if b.extras:
        rows.append(("기타", ", ".join(b.extras)))
    body = "".join(f"<tr><td style='color:#666;padding-right:10px'>{e(k)}</td><td>{e(str(v))}</td></tr>"
                   for k, v in rows)
    notes = ""
    if plan.uncertain_notes:
        notes = "<p style='color:#a15c00'>확인 필요: " + e("; ".join(plan.uncertain_notes)) + "</p>"
    link = plan.source.product_url
    source = f"<p style='color:#666'>출처: {e(link)}</p>" if link else ""
    return f"<h3>{e(plan.name)}</h3><p>{e(plan.family.value)} 계열</p><table>{body}</table>{notes}{source}"
