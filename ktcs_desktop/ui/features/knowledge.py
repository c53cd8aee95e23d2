"""Main-window integration of the knowledge feature: the knowledge worker process, 도구 → 요금제 정보
새로고침 / 요금제 카탈로그.

The assistant, retrieval (MeCab-ko, BM25, dense vectors) and index builds run in a worker process started
with the window (`window.knowledge_worker`, a `KnowledgeWorkerClient`), so their GIL-heavy work never
stalls the GUI thread; calls still go through `window.tasks` because they wait for the worker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel

from ktcs_desktop.core.errors import KtcsError, user_message
from ktcs_desktop.core.worker import STATE_TEXT, KnowledgeWorkerClient, WorkerState, worker_process_enabled
from ktcs_desktop.ui.knowledge import CatalogBrowser, RefreshDialog
from ktcs_desktop.ui.tasks import TaskContext, TaskKind

if TYPE_CHECKING:
    from ktcs_desktop.core.retrieval import KnowledgeBase
    from ktcs_desktop.ui.main_window import MainWindow

# The refresh tries the live pages (Firecrawl with a key, plain HTTP otherwise) and falls back to the
# shipped snapshots without network; tests set this to True.
REFRESH_OFFLINE = False
# False (or KTCS_KNOWLEDGE_WORKER=0): everything in this process on worker threads, as before
# (tests that do not exercise the worker; a machine where a child process cannot start).
USE_WORKER_PROCESS = worker_process_enabled()
CLOSE_TIMEOUT_S = 1.0


class _WorkerBridge(QObject):
    """Carries the worker's status (reported on a background thread) to the GUI thread, and stops
    the worker when the window closes."""

    status = Signal(object, object)  # WorkerState, info

    def __init__(self, window: MainWindow, client: KnowledgeWorkerClient) -> None:
        super().__init__(window)
        self.client = client
        self.window = window
        # A signal, not an event filter on the window: a Python filter runs for every event the
        # window gets (each layout and paint), which cost the GUI thread measurably.
        window.closed.connect(lambda: QTimer.singleShot(0, self, self._closed))
        window.destroyed.connect(lambda *_: client.close(CLOSE_TIMEOUT_S))

    def _closed(self) -> None:
        if not self.window.isVisible():
            self.client.close(CLOSE_TIMEOUT_S)


class KnowledgeFeature:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.settings = window.services.settings
        self.services = window.services
        self.refresh_dialog: RefreshDialog | None = None
        self.catalog_browser: CatalogBrowser | None = None
        self.worker: KnowledgeWorkerClient | None = None
        self.worker_label = QLabel()
        self.worker_label.setObjectName("Muted")
        prestarted = getattr(window, "prestarted_worker", None)
        if USE_WORKER_PROCESS or prestarted is not None:
            # ktcs-desktop spawns the worker before importing the window's modules (its start-up
            # then overlaps ours); otherwise it starts here.
            self.worker = prestarted or KnowledgeWorkerClient(self.settings, autostart=False)
            self.worker.use_catalog(self.services.catalog_provider.last)
            self._bridge = _WorkerBridge(window, self.worker)
            self._bridge.status.connect(self._worker_status)
            self.worker.on_status = self._bridge.status.emit
            self.worker_label.setText(STATE_TEXT[WorkerState.STARTING])
            window.statusBar().addPermanentWidget(self.worker_label)
            if prestarted is None:
                self.worker.start()
            else:  # it may have changed state before it had a listener: show where it is now
                worker = self.worker
                QTimer.singleShot(0, window, lambda: self._bridge.status.emit(worker.state, worker.info))
        window.knowledge_worker = self.worker  # type: ignore[attr-defined] - the assistant's service

        window.tools_menu.addSeparator()
        self.refresh_action = QAction("요금제 정보 새로고침…", window)
        self.refresh_action.setStatusTip("KT 상품 페이지를 다시 읽어 요금제 검색 색인을 새로 만듭니다")
        self.refresh_action.triggered.connect(self.refresh)
        self.catalog_action = QAction("요금제 카탈로그…", window)
        self.catalog_action.setStatusTip("전체 요금제 목록과 상세 정보")
        self.catalog_action.triggered.connect(self.open_catalog)
        window.tools_menu.addAction(self.refresh_action)
        window.tools_menu.addAction(self.catalog_action)

    def knowledge_base(self) -> KnowledgeBase:
        """The live index in this process for the approved catalog (worker threads only: the first
        call, or the first after a new version was approved, builds it)."""
        return self.services.knowledge

    # -- worker --------------------------------------------------------------------------------
    def _worker_status(self, state: WorkerState, info: dict) -> None:
        self.worker_label.setText(STATE_TEXT.get(state, ""))
        if state is WorkerState.READY:
            assistant = getattr(self.window, "assistant", None)
            if assistant is not None and assistant.service is self.worker:
                assistant.panel.set_provider(self.worker.label)
            if self._worker_notice_shown:
                self.window.alert_banner.hide()
                self._worker_notice_shown = False
        elif state in (WorkerState.RESTARTING, WorkerState.FAILED) and info.get("notice"):
            self.window.alert_banner.show_message(info["notice"],
                                                  level="warning" if state is WorkerState.RESTARTING else "error")
            self._worker_notice_shown = True

    _worker_notice_shown = False

    # -- refresh -------------------------------------------------------------------------------
    def refresh(self) -> RefreshDialog:
        if self.refresh_dialog is not None and self.refresh_dialog.running:
            self.refresh_dialog.activateWindow()
            return self.refresh_dialog
        dialog = RefreshDialog(self.window)
        self.refresh_dialog = dialog
        settings, offline, services = self.settings, REFRESH_OFFLINE, self.services

        worker = self.worker

        def build(ctx: TaskContext):
            if worker is not None:  # the worker compares with, and indexes, the approved version it reads
                return worker.build_index(offline=offline, progress=ctx.emit, cancel=lambda: ctx.cancelled)
            from ktcs_desktop.ingestion import build_index

            return build_index(settings, offline=offline, progress=ctx.emit, cancel=lambda: ctx.cancelled,
                               catalog=services.catalog, catalog_hash=services.catalog_hash())

        dialog.finished_report.connect(self._refreshed)
        dialog.approve_requested.connect(self._approve)
        dialog.show()
        dialog.start(self.window.tasks, build)
        self.refresh_action.setEnabled(False)
        return dialog

    def _refreshed(self, report) -> None:
        self.refresh_action.setEnabled(True)
        if report is not None and report.ok and report.changes:
            self._draft(report.changes)
        if report is not None and report.ok:
            self.window.statusBar().showMessage(report.message, 8000)
            if report.changes:
                self.window.alert_banner.show_message(
                    f"요금제 페이지가 카탈로그와 {len(report.changes)}건 다릅니다: "
                    + "; ".join(c.message for c in report.changes[:3]), level="warning")
        elif report is not None:
            self.window.statusBar().showMessage(report.message, 8000)

    # -- draft and approval -------------------------------------------------------------------
    def _draft(self, changes) -> None:
        """The refresh's differences as a draft catalog version (DB task), shown in the dialog with
        승인 for a supervisor (KTCS_AGENT_ROLE and the role granted in the database)."""
        approvals, dialog = self.services.approvals, self.refresh_dialog

        def work(_ctx: TaskContext):
            draft = approvals.draft_from_refresh(changes)
            if draft is None:
                return None
            lines = approvals.diff(draft.version).lines
            try:
                approvals.require_supervisor()
            except KtcsError as exc:
                return draft.version, lines, False, exc.user_message
            return draft.version, lines, True, ""

        def done(result) -> None:
            if dialog is None:
                return
            if result is None:
                dialog.show_draft(None, [], supervisor=False)
            else:
                version, lines, supervisor, message = result
                dialog.show_draft(version, lines, supervisor=supervisor, role_message=message)

        self.window.tasks.run(work, on_success=done, on_failure=lambda exc: self.window.statusBar().showMessage(
            f"카탈로그 초안을 만들지 못했습니다: {user_message(exc)}", 8000), kind=TaskKind.DB)

    def _approve(self, version: int) -> None:
        approvals, dialog = self.services.approvals, self.refresh_dialog

        def done(approved) -> None:
            if dialog is not None:
                dialog.approved(approved.version)
            self.window.statusBar().showMessage(f"카탈로그 v{approved.version} 승인됨", 8000)

        def failed(exc: BaseException) -> None:
            if dialog is not None:
                dialog.approve_failed(user_message(exc))

        self.window.tasks.run(lambda _ctx: approvals.approve(version), on_success=done, on_failure=failed,
                              kind=TaskKind.DB)

    # -- catalog -------------------------------------------------------------------------------
    def open_catalog(self) -> CatalogBrowser:
        catalog = self.services.catalog_provider.last()  # the approved version the last check returned
        if self.catalog_browser is not None and self.catalog_browser.catalog is not catalog:
            self.catalog_browser.close()  # a newer version was approved since it opened
            self.catalog_browser.deleteLater()
            self.catalog_browser = None
        if self.catalog_browser is None:
            self.catalog_browser = CatalogBrowser(catalog, self.window.tasks, self.search_plan_ids, self.window)
        elif self.catalog_browser.isVisible():
            self.catalog_browser.activateWindow()
        self.catalog_browser.show()
        return self.catalog_browser

    def search_plan_ids(self, query: str) -> list[str]:
        """Plans the resolver names first, then plan hits of the hybrid search (worker thread)."""
        if self.worker is not None:
            return self.worker.search_plan_ids(query)
        named = [plan.id for plan in self.services.catalog_provider.current().resolve(query)]
        hits = self.knowledge_base().search(query, k=15)
        return list(dict.fromkeys(named + [hit.plan_id for hit in hits if hit.plan_id]))


def install(window: MainWindow) -> None:
    window.knowledge = KnowledgeFeature(window)  # type: ignore[attr-defined]
