"""요금제 정보 새로고침: runs the ingestion pipeline in the background with per-page status and 취소;
when the pages differ from the approved catalog, the draft version it produced with its diff, and
a 승인 button for a supervisor (the role checked against the database by the caller)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from ktcs_desktop.core.errors import user_message
from ktcs_desktop.ingestion import KT_PAGES, IngestProgress, IngestReport
from ktcs_desktop.ui.tasks import TaskContext, TaskHandle, TaskKind, TaskManager

MARKS = {"pending": "·", "fetching": "…", "ok": "✓", "failed": "✗"}

BuildFn = Callable[..., IngestReport]  # build_index(settings, offline=, progress=, cancel=)


class RefreshDialog(QDialog):
    """A small modeless dialog: the 12 pages with ✓/✗/…, a progress bar, 취소 then 닫기."""

    finished_report = Signal(object)  # IngestReport, or None when cancelled
    approve_requested = Signal(int)  # the draft version the supervisor approves

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("요금제 정보 새로고침")
        self.setMinimumWidth(420)
        self.pages = QListWidget()
        self._items: dict[int, QListWidgetItem] = {}
        for page in KT_PAGES:
            item = QListWidgetItem(f"{MARKS['pending']}  {page.title}")
            item.setData(Qt.ItemDataRole.UserRole, "pending")
            self.pages.addItem(item)
            self._items[page.item_code] = item
        self.progress = QProgressBar()
        self.progress.setRange(0, len(KT_PAGES) + 1)
        self.progress.setValue(0)
        self.status = QLabel("준비 중…")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.cancel_button = self.buttons.addButton("취소", QDialogButtonBox.ButtonRole.RejectRole)
        self.close_button = self.buttons.addButton("닫기", QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button.setVisible(False)
        self.approve_button = self.buttons.addButton("승인", QDialogButtonBox.ButtonRole.ActionRole)
        self.approve_button.setToolTip("이 초안을 승인하면 모든 상담 PC가 다음 조회부터 새 요금을 사용합니다")
        self.approve_button.setVisible(False)
        self.approve_button.clicked.connect(self._approve_clicked)
        self.draft = QLabel()
        self.draft.setObjectName("DraftDiff")
        self.draft.setWordWrap(True)
        self.draft.setVisible(False)
        self.draft_version: int | None = None
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("KT 상품 페이지 12개를 읽어 검색 색인을 새로 만듭니다."))
        layout.addWidget(self.pages)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.draft)
        layout.addWidget(self.buttons)
        self.handle: TaskHandle | None = None
        self.report: IngestReport | None = None
        self.running = False

    # -- running -------------------------------------------------------------------------------
    def start(self, tasks: TaskManager, build: Callable[[TaskContext], IngestReport]) -> TaskHandle:
        """Run `build(ctx)` (which must pass `ctx.emit` as progress and `ctx.cancelled` as cancel)."""
        self.running = True
        self.handle = tasks.run(build, on_success=self._done, on_failure=self._failed,
                                on_partial=self.show_progress, on_cancelled=self._cancelled, kind=TaskKind.IO)
        return self.handle

    def cancel(self) -> None:
        if self.handle is not None and self.running:
            self.handle.cancel()
            self.cancel_button.setEnabled(False)
            self.status.setText("취소하는 중… (현재 페이지를 마치면 멈춥니다)")
        else:
            self.reject()

    def reject(self) -> None:  # Esc / window close also cancels a running refresh
        if self.running and self.handle is not None:
            self.handle.cancel()
        super().reject()

    def show_progress(self, event: IngestProgress) -> None:
        if not isinstance(event, IngestProgress):
            return
        if event.page is not None:
            item = self._items.get(event.page.item_code)
            state = event.state if event.state in MARKS else "pending"
            if item is not None:
                item.setText(f"{MARKS[state]}  {event.page.title}"
                             + (f" — {event.message.split(': ', 1)[-1]}" if state in ("ok", "failed") else ""))
                item.setData(Qt.ItemDataRole.UserRole, state)
        self.progress.setValue(min(event.done, self.progress.maximum()))
        self.status.setText(event.message)

    def page_states(self) -> dict[int, str]:
        return {code: item.data(Qt.ItemDataRole.UserRole) for code, item in self._items.items()}

    # -- outcomes ------------------------------------------------------------------------------
    def _finish(self) -> None:
        self.running = False
        self.cancel_button.setVisible(False)
        self.close_button.setVisible(True)
        self.close_button.setDefault(True)

    def _done(self, report: IngestReport) -> None:
        self.report = report
        self._finish()
        if report.ok:
            self.progress.setValue(self.progress.maximum())
        self.status.setText(report.summary())
        self.finished_report.emit(report)

    # -- the draft catalog version -----------------------------------------------------------
    def show_draft(self, version: int | None, lines: list[str], *, supervisor: bool, role_message: str = "") -> None:
        """The draft the refresh produced (None: nothing to approve) and, for a supervisor, 승인."""
        self.draft_version = version
        if version is None:
            self.draft.setVisible(False)
            self.approve_button.setVisible(False)
            return
        text = f"카탈로그 초안 v{version} (승인 전에는 어느 PC에도 적용되지 않습니다):\n" + "\n".join(
            f"  - {line}" for line in lines)
        if not supervisor:
            text += "\n" + (role_message or "승인은 팀장(supervisor) 권한이 있는 상담원만 할 수 있습니다. "
                                             "팀장에게 승인을 요청하세요.")
        self.draft.setText(text)
        self.draft.setVisible(True)
        self.approve_button.setVisible(supervisor)
        self.approve_button.setEnabled(supervisor)

    def _approve_clicked(self) -> None:
        if self.draft_version is not None:
            self.approve_button.setEnabled(False)
            self.approve_requested.emit(self.draft_version)

    def approved(self, version: int) -> None:
        self.approve_button.setVisible(False)
        self.draft.setText(f"카탈로그 v{version}을(를) 승인했습니다. 모든 상담 PC가 다음 조회부터 새 요금을 사용합니다.")

    def approve_failed(self, message: str) -> None:
        self.approve_button.setEnabled(True)
        self.draft.setText(f"{self.draft.text()}\n승인하지 못했습니다: {message}")

    def _failed(self, exc: BaseException) -> None:
        self._finish()
        message = user_message(exc)
        self.status.setText(f"새로고침 중 오류가 발생했습니다: {message}\n기존 색인을 그대로 사용합니다.")
        self.finished_report.emit(None)

    def _cancelled(self) -> None:
        self._finish()
        self.status.setText("새로고침이 취소되었습니다. 기존 색인을 그대로 사용합니다.")
        self.finished_report.emit(None)
