"""Main-window integration of the knowledge feature: 도구 → 요금제 정보 새로고침 / 요금제 카탈로그.

Everything slow (page fetches, index builds, Kiwi/Chroma searches) runs through `window.tasks`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction

from ktcs_desktop.ingestion import build_index
from ktcs_desktop.core.catalog import default_catalog
from ktcs_desktop.core.retrieval import KnowledgeBase
from ktcs_desktop.ui.knowledge import CatalogBrowser, RefreshDialog
from ktcs_desktop.ui.tasks import TaskContext

if TYPE_CHECKING:
    from ktcs_desktop.ui.main_window import MainWindow

# The refresh tries the live pages (Firecrawl with a key, plain HTTP otherwise) and falls back to the
# shipped snapshots without network; tests set this to True.
REFRESH_OFFLINE = False


class KnowledgeFeature:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.settings = window.services.settings
        self.refresh_dialog: RefreshDialog | None = None
        self.catalog_browser: CatalogBrowser | None = None

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
        """The live index (worker threads only: the first call may build it)."""
        return KnowledgeBase.shared(self.settings)

    # -- refresh -------------------------------------------------------------------------------
    def refresh(self) -> RefreshDialog:
        if self.refresh_dialog is not None and self.refresh_dialog.running:
            self.refresh_dialog.activateWindow()
            return self.refresh_dialog
        dialog = RefreshDialog(self.window)
        self.refresh_dialog = dialog
        settings, offline = self.settings, REFRESH_OFFLINE

        def build(ctx: TaskContext):
            return build_index(settings, offline=offline, progress=ctx.emit, cancel=lambda: ctx.cancelled)

        dialog.finished_report.connect(self._refreshed)
        dialog.show()
        dialog.start(self.window.tasks, build)
        self.refresh_action.setEnabled(False)
        return dialog

    def _refreshed(self, report) -> None:
        self.refresh_action.setEnabled(True)
        if report is not None and report.ok:
            self.window.statusBar().showMessage(report.message, 8000)
            if report.changes:
                self.window.alert_banner.show_message(
                    f"요금제 페이지가 카탈로그와 {len(report.changes)}건 다릅니다: "
                    + "; ".join(c.message for c in report.changes[:3]), level="warning")
        elif report is not None:
            self.window.statusBar().showMessage(report.message, 8000)

    # -- catalog -------------------------------------------------------------------------------
    def open_catalog(self) -> CatalogBrowser:
        if self.catalog_browser is None:
            self.catalog_browser = CatalogBrowser(default_catalog(), self.window.tasks, self.search_plan_ids,
                                                  self.window)
        elif self.catalog_browser.isVisible():
            self.catalog_browser.activateWindow()
        self.catalog_browser.show()
        return self.catalog_browser

    def search_plan_ids(self, query: str) -> list[str]:
        """Plans the resolver names first, then plan hits of the hybrid search (worker thread)."""
        named = [plan.id for plan in default_catalog().resolve(query)]
        hits = self.knowledge_base().search(query, k=15)
        return list(dict.fromkeys(named + [hit.plan_id for hit in hits if hit.plan_id]))


def install(window: MainWindow) -> None:
    window.knowledge = KnowledgeFeature(window)  # type: ignore[attr-defined]
