"""도구 → 요금제 정보 새로고침 (progress per page, 취소) and 요금제 카탈로그 (49 plans, search)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from ktcs_desktop.core.retrieval import store
from ktcs_desktop.ui.features import knowledge as knowledge_feature


@pytest.fixture(autouse=True)
def _offline_refresh(monkeypatch):
    monkeypatch.setattr(knowledge_feature, "REFRESH_OFFLINE", True)


def _action(window, text):
    return next(a for a in window.tools_menu.actions() if a.text().startswith(text))


def test_tools_menu_has_the_actions(window):
    assert _action(window, "요금제 정보 새로고침").isEnabled()
    assert _action(window, "요금제 카탈로그").isEnabled()


def test_refresh_shows_each_page_and_builds_the_index(window, qtbot, artifacts_dir):
    settings = window.services.settings
    before = store.current_version_dir(settings)  # the shipped index (copied from the session template)
    _action(window, "요금제 정보 새로고침").trigger()
    dialog = window.knowledge.refresh_dialog
    assert dialog is not None and dialog.isVisible()
    with qtbot.waitSignal(dialog.finished_report, timeout=60_000) as blocker:
        pass
    report = blocker.args[0]
    assert report is not None and report.ok, dialog.status.text()
    assert set(dialog.page_states().values()) == {"ok"}
    assert dialog.pages.item(0).text().startswith("✓")
    assert dialog.progress.value() == dialog.progress.maximum()
    assert "새로고침했습니다" in dialog.status.text()
    assert dialog.close_button.isVisible() and not dialog.cancel_button.isVisible()
    after = store.current_version_dir(settings)
    assert after is not None and after != before  # a new version went live
    assert _action(window, "요금제 정보 새로고침").isEnabled()
    dialog.resize(460, 560)
    qtbot.wait(50)
    (artifacts_dir / "screenshots").mkdir(exist_ok=True)
    dialog.grab().save(str(artifacts_dir / "screenshots" / "knowledge_refresh.png"))
    dialog.accept()


def test_refresh_cancel_keeps_the_old_index(window, qtbot):
    settings = window.services.settings
    from ktcs_desktop.ingestion import build_index

    assert build_index(settings, offline=True).ok
    live = store.current_version_dir(settings)
    dialog = window.knowledge.refresh()
    dialog.cancel_button.click()  # before the worker gets past the first page
    with qtbot.waitSignal(dialog.finished_report, timeout=60_000) as blocker:
        pass
    assert blocker.args[0] is None or blocker.args[0].cancelled
    assert "취소" in dialog.status.text() and "기존 색인" in dialog.status.text()
    assert list(dialog.page_states().values()).count("ok") < 12
    assert store.current_version_dir(settings) == live
    dialog.accept()


def test_catalog_browser_lists_49_plans_and_searches(window, qtbot, artifacts_dir):
    _action(window, "요금제 카탈로그").trigger()
    browser = window.knowledge.catalog_browser
    assert browser.isVisible()
    assert browser.table.rowCount() == 49
    assert [browser.table.horizontalHeaderItem(i).text() for i in range(5)] == [
        "이름", "월정액", "선택약정", "데이터", "대상"]
    assert "49개" in browser.count_label.text()

    browser.search_box.setText("슬림 14기가")
    qtbot.keyClick(browser.search_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "검색 결과" in browser.count_label.text(), timeout=60_000)
    assert 0 < browser.table.rowCount() < 49
    assert browser.table.item(0, 0).text() == "5G 슬림 14GB"
    assert browser.table.item(0, 1).text() == "55,000원" and browser.table.item(0, 2).text() == "41,250원"
    assert "55,000원" in browser.detail.toPlainText()

    browser.search_box.setText("외국인")
    qtbot.keyClick(browser.search_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "'외국인'" in browser.count_label.text(), timeout=30_000)
    names = [browser.table.item(r, 0).text() for r in range(browser.table.rowCount())]
    assert any(n.startswith("5G 웰컴") for n in names)

    browser.table.selectRow(1)
    assert browser.shown_plans[1].name in browser.detail.toPlainText()

    browser.search_box.setText("")
    qtbot.keyClick(browser.search_box, Qt.Key.Key_Return)
    assert browser.table.rowCount() == 49
    browser.search_box.setText("슬림 14기가")
    qtbot.keyClick(browser.search_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "검색 결과" in browser.count_label.text(), timeout=30_000)
    browser.resize(1000, 600)
    qtbot.wait(50)
    (artifacts_dir / "screenshots").mkdir(exist_ok=True)
    browser.grab().save(str(artifacts_dir / "screenshots" / "knowledge_catalog.png"))
    browser.close()
