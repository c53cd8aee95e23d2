"""Caller lookup: phone field, result card with 만 나이, plan, contract, usage and identity checks."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ktcs_desktop.core.models import CallerLookup
from ktcs_desktop.core.phone import format_phone
from ktcs_desktop.ui.widgets import FitsInScrollArea, Pane, WrapLabel, badge, clear_layout, placeholder

ADULT_AGE = 19  # 만 19세 미만은 미성년 (민법)


class FitList(FitsInScrollArea, QListWidget):
    """A check list as tall as its (word-wrapped) rows: no sideways scrolling, no inner scroll
    bar; the pane's scroll area scrolls it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def fit(self) -> None:
        self.doItemsLayout()
        rows = sum(max(self.sizeHintForRow(i), self.visualItemRect(self.item(i)).height())
                   for i in range(self.count()))
        self.setFixedHeight(rows + 2 * self.frameWidth() + 8)


class CallerCard(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CallerCard")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        top = QHBoxLayout()
        self.name = QLabel()
        self.name.setObjectName("CallerName")
        self.badges = QHBoxLayout()
        top.addWidget(self.name)
        top.addLayout(self.badges)
        top.addStretch(1)
        layout.addLayout(top)
        self.phone = QLabel()
        self.phone.setObjectName("Muted")
        layout.addWidget(self.phone)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(10)
        self.grid.setVerticalSpacing(3)
        layout.addLayout(self.grid)
        self._fields: dict[str, QLabel] = {}
        for row, (key, title) in enumerate((("plan", "요금제"), ("contract", "약정"), ("join", "가입일"),
                                            ("data", "데이터(3개월)"), ("voice", "통화(3개월)"),
                                            ("need", "필요 데이터"))):
            caption = QLabel(title)
            caption.setObjectName("Muted")
            value = WrapLabel()
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.grid.addWidget(caption, row, 0, Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(value, row, 1)
            self._fields[key] = value
        self.grid.setColumnStretch(1, 1)
        self.notes = WrapLabel()
        self.notes.setObjectName("Muted")
        layout.addWidget(self.notes)

    def field_text(self, key: str) -> str:
        return self._fields[key].text()

    def show_lookup(self, result: CallerLookup, today: date | None = None, plan_summary: str = "") -> None:
        p = result.profile
        today = today or date.today()
        self.name.setText(p.name)
        clear_layout(self.badges)
        self.badges.addWidget(badge(f"만 {result.age}세"))
        if result.age < ADULT_AGE:
            self.badges.addWidget(badge("미성년", warn=True))  # 법정대리인 동의가 필요한 업무가 있다
        if p.is_foreigner:
            self.badges.addWidget(badge("외국인", warn=True))
        if p.is_welfare:
            self.badges.addWidget(badge("복지", warn=True))
        self.phone.setText(format_phone(p.phone))
        self._fields["plan"].setText(p.current_plan + (f"\n{plan_summary}" if plan_summary else ""))
        contract = p.contract_type.label
        if p.contract_end:
            left = p.contract_months_left(today)
            state = "만료" if left == 0 else f"{left}개월 남음"
            contract += f" · {p.contract_end:%Y-%m-%d} ({state})"
        self._fields["contract"].setText(contract)
        years = (today - p.join_date).days // 365
        self._fields["join"].setText(f"{p.join_date:%Y-%m-%d} ({years}년)")
        usage = result.usage
        if usage.recent:
            months = " / ".join(f"{m.month.month}월 {m.data_gb:.1f}" for m in usage.recent)
            self._fields["data"].setText(f"평균 {usage.avg_data_gb:.1f}GB · 최대 {usage.max_data_gb:.1f}GB\n{months}")
            self._fields["voice"].setText(f"평균 {usage.avg_voice_min}분")
            self._fields["need"].setText(f"약 {usage.typical_data_need_gb:.1f}GB/월")
        else:
            for key in ("data", "voice", "need"):
                self._fields[key].setText("사용량 정보 없음")
        self.notes.setText(p.notes)
        self.notes.setVisible(bool(p.notes))


class LookupPane(Pane):
    """Emits `lookup_requested(raw_text)`; the window runs the lookup off the GUI thread."""

    lookup_requested = Signal(str)
    identity_verified = Signal()  # the agent ticked 생년월일 and 명의자 checks

    REQUIRED_CHECKS = 2  # 생년월일 + 명의자 성함; the rest are reminders

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("고객 조회", parent)
        row = QHBoxLayout()
        self.phone_edit = QLineEdit()
        self.phone_edit.setPlaceholderText("휴대전화 번호 (예: 010-1234-5678)")
        self.phone_edit.setClearButtonEnabled(True)
        self.phone_edit.returnPressed.connect(self._submit)
        self.lookup_button = QPushButton("조회")
        self.lookup_button.setObjectName("Primary")
        self.lookup_button.clicked.connect(self._submit)
        row.addWidget(self.phone_edit, 1)
        row.addWidget(self.lookup_button)
        self.body.addLayout(row)

        self.message = QLabel()
        self.message.setObjectName("ErrorText")
        self.message.setWordWrap(True)
        self.message.hide()
        self.body.addWidget(self.message)

        self.empty = placeholder("통화 중인 고객의 전화번호를 입력하고 Enter를 누르세요.")
        self.body.addWidget(self.empty)
        # The card and the checks scroll (a visible scroll bar says there is more) rather than
        # being clipped in a short window.
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 4, 0)
        self.card = CallerCard()
        self.card.hide()
        content_layout.addWidget(self.card)

        self.checks_title = QLabel("본인 확인 (생년월일·성함 확인 후 체크)")
        self.checks_title.setObjectName("PaneTitle")
        self.checks_title.setWordWrap(True)
        self.checks = FitList()
        self.checks.itemChanged.connect(self._check_changed)
        self._verified_emitted = False
        self.checks_title.hide()
        self.checks.hide()
        content_layout.addWidget(self.checks_title)
        content_layout.addWidget(self.checks)
        content_layout.addStretch(1)
        self.scroll.setWidget(content)
        self.body.addWidget(self.scroll, 1)

    def focus_phone(self) -> None:
        self.phone_edit.setFocus()
        self.phone_edit.selectAll()

    def _submit(self) -> None:
        self.lookup_requested.emit(self.phone_edit.text())

    def set_busy(self, busy: bool) -> None:
        self.lookup_button.setEnabled(not busy)
        self.lookup_button.setText("조회 중…" if busy else "조회")

    def clear(self) -> None:
        """No caller (new session, unknown number): nothing of the previous caller stays."""
        self.message.hide()
        self.card.hide()
        self.empty.show()
        self.checks.blockSignals(True)
        self.checks.clear()
        self.checks.blockSignals(False)
        self._verified_emitted = False
        self.checks_title.hide()
        self.checks.hide()

    def show_error(self, message: str) -> None:
        self.message.setText(message)
        self.message.show()

    def show_result(self, result: CallerLookup, plan_summary: str = "") -> None:
        self.message.hide()
        self.empty.hide()
        self.card.show_lookup(result, plan_summary=plan_summary)
        self.card.show()
        self.checks.blockSignals(True)
        self.checks.clear()
        self._verified_emitted = False
        self.checks_title.setText("본인 확인 (생년월일·성함 확인 후 체크)")
        for check in result.identity_checks:
            item = QListWidgetItem(check)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.checks.addItem(item)
        self.checks.blockSignals(False)
        self.checks_title.show()
        self.checks.show()
        self.checks.fit()

    def identity_confirmed(self) -> bool:
        required = min(self.REQUIRED_CHECKS, self.checks.count())
        return required > 0 and all(
            self.checks.item(i).checkState() == Qt.CheckState.Checked for i in range(required)
        )

    def _check_changed(self, _item: QListWidgetItem) -> None:
        confirmed = self.identity_confirmed()
        self.checks_title.setText("본인 확인 완료 ✓" if confirmed else "본인 확인 (생년월일·성함 확인 후 체크)")
        if confirmed and not self._verified_emitted:
            self._verified_emitted = True
            self.identity_verified.emit()
