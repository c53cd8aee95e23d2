"""Recommended plans for the caller on screen: filters, pick cards and a comparison table.

The pane only displays; `bind(window)` (done by `ui/features/recommendation.py`) gives it the
window so it can compute through `window.tasks` and record offers with `window.record_event`.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ktcs_desktop.core.catalog import Plan
from ktcs_desktop.core.errors import KtcsError
from ktcs_desktop.core.formatting import won
from ktcs_desktop.core.models import CallerLookup
from ktcs_desktop.core.recommend import OTT_CHOICES, CallNeeds, PlanOption, Recommendation, recommend_for
from ktcs_desktop.ui.widgets import (
    FitsInScrollArea,
    Pane,
    WrapLabel,
    badge,
    clear_layout,
    placeholder,
    repolish,
)

if TYPE_CHECKING:
    from ktcs_desktop.ui.main_window import MainWindow

NO_OTT = "없음"
IDLE_TEXT = "고객을 조회하면 이용 패턴에 맞는 요금제가 여기에 표시됩니다."
BUDGET_DEBOUNCE_MS = 250

def _speed_label(plan: Plan) -> str:
    if plan.is_unlimited:
        return "없음 (무제한)"
    speed = plan.speed_after_cap_mbps
    if speed is None:
        return "자료 없음"
    return f"{speed:g}Mbps" if speed >= 1 else f"{speed * 1000:g}Kbps"


def _benefits_label(plan: Plan) -> str:
    b = plan.benefits
    parts = []
    if b.choice_options:
        parts.append("OTT 등 택1")
    if b.membership:
        parts.append(f"멤버십 {b.membership}")
    if b.data_sharing:
        parts.append("쉐어링")
    if plan.carryover:
        parts.append("데이터 이월")
    parts.extend(b.extras[:1])
    return ", ".join(parts) or "-"


def _saving_text(saving: int | None, *, contract: bool = False) -> str:
    """Saving against the current plan; `contract`: the figure assumes a new 선택약정 ("약정 시")."""
    if saving is None:
        return "-"
    prefix = "약정 시 " if contract else ""
    if saving > 0:
        return f"{prefix}월 {won(saving)} 절약"
    if saving < 0:
        return f"{prefix}월 {won(-saving)} 추가"
    return f"{prefix}변동 없음"


def _option_saving_text(option: PlanOption) -> str:
    on_contract = option.selective_fee is not None and option.effective_fee == option.selective_fee
    return _saving_text(option.saving_monthly, contract=on_contract)


class FitTable(FitsInScrollArea, QTableWidget):
    """A table as tall as its rows (it lives in the pane's scroll area: no scroll area of its own,
    no last row cut, the wheel scrolls the pane). Columns share the width, but never below their
    widest word: a price such as 63,000원 does not break, and cut it would read as another figure.
    When the pane is too narrow for that, the columns keep their floor and the table scrolls
    sideways."""

    CELL_PADDING = 14  # the item's text margins and the stylesheet's cell padding, with room to spare

    def column_floor(self, column: int) -> int:
        header = self.horizontalHeaderItem(column)
        words = [(self.horizontalHeader().fontMetrics(), w) for w in (header.text() if header else "").split()]
        for row in range(self.rowCount()):
            item = self.item(row, column)
            if item is not None:
                words += [(self.fontMetrics(), w) for w in item.text().split()]
        return max((metrics.horizontalAdvance(word) for metrics, word in words), default=0) + self.CELL_PADDING

    def fit(self) -> None:
        header = self.horizontalHeader()
        floors = [self.column_floor(c) for c in range(self.columnCount())]
        narrow = sum(floors) > self.viewport().width()
        if narrow:
            header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
            for column, floor in enumerate(floors):
                header.resizeSection(column, floor)
        else:
            header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded if narrow
                                          else Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.resizeRowsToContents()
        chrome = header.height() + 2 * self.frameWidth() + 8  # frame + stylesheet padding
        bar = self.horizontalScrollBar().sizeHint().height() if narrow else 0
        self.setFixedHeight(chrome + bar + sum(self.rowHeight(r) for r in range(self.rowCount())))


class PlanCard(QFrame):
    """One pick: tag badge, name, fees, data, saving, reasons and the 상담 기록에 추가 button."""

    def __init__(self, option: PlanOption, parent: QWidget | None = None, *, budget: int | None = None) -> None:
        super().__init__(parent)
        self.option = option
        self.setObjectName("RecCard")
        self.setProperty("tag", option.tag)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(3)

        head = QHBoxLayout()
        head.addWidget(badge(option.tag_label, warn=option.tag == "budget"), 0, Qt.AlignmentFlag.AlignTop)
        self.name_label = WrapLabel(option.plan.name)
        self.name_label.setObjectName("RecName")
        head.addWidget(self.name_label, 1)
        self.over_budget = budget is not None and budget > 0 and option.total_fee > budget
        if self.over_budget:
            head.addWidget(badge("예산 초과", warn=True), 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(head)
        # Its own line: never pushed out by a long plan name in a narrow column.
        self.saving_label = WrapLabel(_option_saving_text(option))
        self.saving_label.setObjectName(
            "RecSaving" if (option.saving_monthly or 0) > 0 else "RecCost" if (option.saving_monthly or 0) < 0
            else "Muted")
        layout.addWidget(self.saving_label)

        selective = won(option.selective_fee) if option.selective_fee is not None else "할인 없음"
        fees = f"월정액 {won(option.fee)} · 선택약정 {selective} · 데이터 {option.plan.data_label}"
        if option.addons:
            fees += f" · 부가서비스 포함 월 {won(option.total_fee)}"
        self.fees_label = WrapLabel(fees)
        layout.addWidget(self.fees_label)

        self.reason_labels = []
        for reason in option.reasons:
            label = WrapLabel(f"• {reason}")
            label.setObjectName("Muted")
            label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
            self.reason_labels.append(label)
            layout.addWidget(label)

        foot = QHBoxLayout()
        foot.addStretch(1)
        self.add_button = QPushButton("상담 기록에 추가")
        self.add_button.setToolTip("Ctrl+1…4로 선택, Ctrl+Shift+A로 추가")
        if option.tag == "best":
            self.add_button.setObjectName("Primary")
        foot.addWidget(self.add_button)
        layout.addLayout(foot)

    def set_chosen(self, chosen: bool) -> None:
        self.setProperty("chosen", chosen)
        repolish(self)

    def mark_recorded(self) -> None:
        self.add_button.setText("기록됨 ✓")
        self.add_button.setEnabled(False)


class RecommendationPane(Pane):
    """Filters on top; cards, comparison table, excluded plans and notes in a scroll area."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("추천 요금제", parent)
        self._window: MainWindow | None = None
        self.caller: CallerLookup | None = None
        self.recommendation: Recommendation | None = None
        self.cards: list[PlanCard] = []
        self.chosen: int | None = None  # Ctrl+1…4
        self._generation = 0
        self._pending: int | None = None
        self.today: date | None = None  # tests pin the day; None = today
        outer = self.body

        filters = QGridLayout()
        filters.setHorizontalSpacing(6)
        filters.setVerticalSpacing(4)
        self.budget_spin = QSpinBox()
        self.budget_spin.setRange(0, 200_000)
        self.budget_spin.setSingleStep(5_000)
        self.budget_spin.setSpecialValueText("예산 제한 없음")
        self.budget_spin.setSuffix("원")
        self.budget_spin.setGroupSeparatorShown(True)
        self.budget_spin.setToolTip("월 예산 (선택약정·부가서비스 포함, 0 = 제한 없음)")
        self.ott_combo = QComboBox()
        self.ott_combo.addItems([NO_OTT, *OTT_CHOICES])
        self.ott_combo.setToolTip("고객이 원하는 OTT")
        self.unlimited_check = QCheckBox("무제한만")
        # Two short rows rather than one long one: all of it fits the narrowest column.
        budget_caption, ott_caption = QLabel("예산"), QLabel("OTT")
        budget_caption.setBuddy(self.budget_spin)
        ott_caption.setBuddy(self.ott_combo)
        filters.addWidget(budget_caption, 0, 0)
        filters.addWidget(self.budget_spin, 0, 1)
        filters.addWidget(self.unlimited_check, 0, 2)
        filters.addWidget(ott_caption, 1, 0)
        filters.addWidget(self.ott_combo, 1, 1, 1, 2)
        filters.setColumnStretch(1, 1)
        outer.addLayout(filters)
        extras = QHBoxLayout()
        extras.setSpacing(12)
        self.roaming_check = QCheckBox("해외 로밍 필요")
        self.roaming_check.setToolTip("로밍 데이터가 포함된 요금제를 우선 추천")
        self.family_check = QCheckBox("가족·기기 데이터 공유")
        self.family_check.setToolTip("데이터 쉐어링 혜택이 있는 요금제를 우선 추천")
        extras.addWidget(self.roaming_check)
        extras.addWidget(self.family_check)
        extras.addStretch(1)
        outer.addLayout(extras)

        # The budget's state first: whether anything fits, before any card or table.
        self.budget_label = WrapLabel()
        self.budget_label.hide()
        outer.addWidget(self.budget_label)
        self.summary_label = WrapLabel()
        self.summary_label.setObjectName("Muted")
        self.summary_label.hide()
        outer.addWidget(self.summary_label)

        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        content = QWidget()
        self.content_layout = QVBoxLayout(content)
        self.content_layout.setContentsMargins(0, 0, 4, 0)
        self.content_layout.setSpacing(8)
        self.message = placeholder(IDLE_TEXT)
        self.content_layout.addWidget(self.message)
        self.cards_layout = QVBoxLayout()
        self.cards_layout.setSpacing(8)
        self.content_layout.addLayout(self.cards_layout)
        self.table_title = QLabel("현재 요금제와 비교")
        self.table_title.setObjectName("PaneTitle")
        self.table = FitTable()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setWordWrap(True)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.content_layout.addWidget(self.table_title)
        self.content_layout.addWidget(self.table)
        self.excluded_label = WrapLabel()
        self.excluded_label.setObjectName("Muted")
        self.notes_label = WrapLabel()
        self.notes_label.setObjectName("Muted")
        self.content_layout.addWidget(self.excluded_label)
        self.content_layout.addWidget(self.notes_label)
        self.content_layout.addStretch(1)
        self.scroll.setWidget(content)
        outer.addWidget(self.scroll, 1)
        self._set_details_visible(False)

        self._budget_timer = QTimer(self)
        self._budget_timer.setSingleShot(True)
        self._budget_timer.setInterval(BUDGET_DEBOUNCE_MS)
        self._budget_timer.timeout.connect(self.refresh)
        self.budget_spin.valueChanged.connect(lambda _v: self._budget_timer.start())
        self.ott_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.unlimited_check.toggled.connect(lambda _c: self.refresh())
        self.roaming_check.toggled.connect(lambda _c: self.refresh())
        self.family_check.toggled.connect(lambda _c: self.refresh())

    # -- wiring ------------------------------------------------------------------------------------
    def bind(self, window: MainWindow) -> None:
        """Give the pane the window's task runner and consultation recorder."""
        self._window = window
        if self.caller is not None:
            self.refresh()

    @property
    def busy(self) -> bool:
        """True while a recommendation is being computed."""
        return self._pending is not None

    def needs(self) -> CallNeeds:
        """The filters as call needs."""
        ott = self.ott_combo.currentText()
        return CallNeeds(
            budget=self.budget_spin.value() or None,
            ott=() if ott == NO_OTT else (ott,),
            wants_unlimited=self.unlimited_check.isChecked(),
            roaming=self.roaming_check.isChecked(),
            family_sharing=self.family_check.isChecked(),
        )

    def show_caller(self, result: CallerLookup) -> None:
        self.caller = result
        filters = (self.budget_spin, self.ott_combo, self.unlimited_check, self.roaming_check, self.family_check)
        for widget in filters:
            widget.blockSignals(True)
        self.budget_spin.setValue(0)
        self.ott_combo.setCurrentIndex(0)
        for check in (self.unlimited_check, self.roaming_check, self.family_check):
            check.setChecked(False)
        for widget in filters:
            widget.blockSignals(False)
        self.refresh()

    def clear(self) -> None:
        self.caller = None
        self.recommendation = None
        self._generation += 1
        self._pending = None
        self._clear_cards()
        self.summary_label.hide()
        self.budget_label.hide()
        self._set_details_visible(False)
        self.message.setText(IDLE_TEXT)
        self.message.show()

    def refresh(self) -> None:
        """Recompute for the current caller and filters (off the GUI thread)."""
        caller = self.caller
        if caller is None:
            return
        if self._window is None:
            self.message.setText(f"{caller.profile.name} 고객님 추천 기능이 연결되지 않았습니다.")
            self.message.show()
            return
        from ktcs_desktop.ui.tasks import TaskKind

        self._generation += 1
        generation = self._pending = self._generation
        needs, today = self.needs(), self.today
        provider = self._window.services.catalog_provider  # the newest approved catalog, checked in the task
        if self.recommendation is None:
            self.message.setText("추천 요금제를 계산하는 중…")
            self.message.show()
        self._window.tasks.run(
            lambda ctx: recommend_for(caller, needs, today=today, catalog=provider.current()),
            on_success=lambda rec: self._computed(generation, rec),
            on_failure=lambda exc: self._failed(generation, exc),
            kind=TaskKind.IO,
        )

    # -- results -----------------------------------------------------------------------------------
    def _computed(self, generation: int, rec: Recommendation) -> None:
        if generation != self._generation:
            return  # a newer request (other caller or filter) is on its way
        self._pending = None
        self.recommendation = rec
        self._show(rec)

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._pending = None
        text = exc.user_message if isinstance(exc, KtcsError) else "추천 요금제를 계산하지 못했습니다."
        self._clear_cards()
        self._set_details_visible(False)
        self.message.setText(text)
        self.message.show()

    def _show(self, rec: Recommendation) -> None:
        self._clear_cards()
        current = rec.current_plan.name if rec.current_plan else (self.caller.profile.current_plan
                                                                   if self.caller else "-")
        fee = f" (월 {won(rec.current_fee)})" if rec.current_fee is not None else ""
        basis = "절약액: 현재 요금과 비교, ‘약정 시’는 새 24개월 선택약정(25% 할인) 가입 기준"
        if rec.needs.ott:
            otts = ", ".join(rec.needs.ott)
            extra = f" 부가서비스 월 {won(rec.current_addon_fee)}" if rec.current_addon_fee else ""
            basis += f" · {otts} 포함 비교: 현재 요금제 + {otts}{extra} 기준"
        self.summary_label.setText(
            f"만 {rec.age}세 · 최근 3개월 평균 {rec.avg_data_gb:.1f}GB, 최대 {rec.max_data_gb:.1f}GB → "
            f"필요 데이터 {rec.need_gb:g}GB · 현재 {current}{fee}\n{basis}")
        self.summary_label.show()
        self._show_budget(rec)
        if not rec.options:
            self.message.setText("조건에 맞는 요금제가 없습니다. 필터를 바꿔 보세요.")
            self.message.show()
            self._set_details_visible(False)
            return
        self.message.hide()
        for option in rec.options:
            card = PlanCard(option, budget=rec.needs.budget)
            card.add_button.clicked.connect(lambda _checked=False, c=card: self._add_offer(c))
            self.cards.append(card)
            self.cards_layout.addWidget(card)
        self._fill_table(rec)
        self.excluded_label.setText(
            "가입 불가 요금제\n" + "\n".join(f"• {reason}" for _name, reason in rec.excluded)
            if rec.excluded else "")
        self.notes_label.setText("참고\n" + "\n".join(f"• {note}" for note in rec.notes) if rec.notes else "")
        self._set_details_visible(True)

    def _show_budget(self, rec: Recommendation) -> None:
        budget = rec.needs.budget
        if not budget:
            self.budget_label.hide()
            return
        fitting = [o for o in rec.options if o.total_fee <= budget]
        if not fitting:
            self.budget_label.setObjectName("BudgetWarn")
            text = f"⚠ 예산에 맞는 요금제가 없습니다 (월 {won(budget)} 이하)."
            self.budget_label.setText(text + (" 아래 요금제는 모두 예산을 넘습니다." if rec.options else ""))
        else:
            over = len(rec.options) - len(fitting)
            self.budget_label.setObjectName("BudgetOk")
            self.budget_label.setText(f"예산 월 {won(budget)} 이하: {len(fitting)}개"
                                      + (f" · 예산 초과 {over}개 (카드에 ‘예산 초과’ 표시)" if over else ""))
        repolish(self.budget_label)  # its style (app sheet) follows the object name
        self.budget_label.show()

    def choose(self, index: int) -> None:
        """Ctrl+1…4: mark a pick, bring it into view, focus its 상담 기록에 추가 button."""
        if not 0 <= index < len(self.cards):
            return
        self.chosen = index
        for i, card in enumerate(self.cards):
            card.set_chosen(i == index)
        card = self.cards[index]
        self.scroll.ensureWidgetVisible(card)
        card.add_button.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def add_chosen(self) -> None:
        """Ctrl+Shift+A: record the chosen pick (the first, 최적, if none was chosen)."""
        if not self.cards:
            return
        if self.chosen is None:
            self.choose(0)
        assert self.chosen is not None
        button = self.cards[self.chosen].add_button
        if button.isEnabled():
            button.click()

    def _fill_table(self, rec: Recommendation) -> None:
        picks = [o for o in rec.options if o.tag != "alternative"]
        columns: list[tuple[str, Plan | None, int | None, str]] = []
        if rec.current_plan is not None:
            paid = None if rec.current_fee is None else rec.current_fee + rec.current_addon_fee
            columns.append(("현재", rec.current_plan, paid, "-"))
        for option in picks:
            columns.append((option.tag_label, option.plan, option.total_fee, _option_saving_text(option)))
        rows = ("요금제", "월정액", "선택약정", "실납부", "데이터", "속도제한", "혜택", "현재 대비")
        self.table.clear()
        self.table.setRowCount(len(rows))
        self.table.setColumnCount(len(columns))
        self.table.setVerticalHeaderLabels(list(rows))
        self.table.setHorizontalHeaderLabels([c[0] for c in columns])
        for col, (_label, plan, paid, saving) in enumerate(columns):
            assert plan is not None
            selective = won(plan.selective_fee) if plan.selective_fee is not None else "없음"
            values = (plan.name, won(plan.monthly_fee), selective, won(paid) if paid is not None else "-",
                      "무제한" if plan.is_unlimited else f"{plan.data_gb:g}GB", _speed_label(plan),
                      _benefits_label(plan), saving)
            for row, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(row, col, item)
        self.table.fit()

    def _add_offer(self, card: PlanCard) -> None:
        window = self._window
        rec = self.recommendation
        if window is None or rec is None:
            return
        payload = card.option.to_payload()
        payload.update({
            "need_gb": rec.need_gb,
            "current_plan": rec.current_plan.name if rec.current_plan else None,
            "current_fee": rec.current_fee,
            "filters": {"budget": rec.needs.budget, "ott": list(rec.needs.ott),
                        "wants_unlimited": rec.needs.wants_unlimited},
        })
        window.record_event("offer", payload)
        card.mark_recorded()
        window.statusBar().showMessage(f"{card.option.plan.name} 제안을 상담 기록에 추가했습니다.", 5000)

    # -- helpers -------------------------------------------------------------------------------------
    def _clear_cards(self) -> None:
        self.cards = []
        self.chosen = None
        clear_layout(self.cards_layout)

    def _set_details_visible(self, visible: bool) -> None:
        for widget in (self.table_title, self.table, self.excluded_label, self.notes_label):
            widget.setVisible(visible)
