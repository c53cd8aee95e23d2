"""Render the main window mid-call at one screen size and scale, check that nothing is clipped.

Run in a subprocess (QT_SCALE_FACTOR only applies at start-up), e.g.

    QT_QPA_PLATFORM=offscreen QT_SCALE_FACTOR=1.5 python -m tests.ui.layout_probe \
        --screen 1920x1080 --template DATA_DIR --home TMP --out artifacts/screenshots/layout_1920x1080@150.png

The window shows a loaded caller, an escalation banner, a three-card AI answer and the
recommendation pane. Every visible button, check box and label must lie inside the window and
inside its ancestors' visible area, and must not be narrower than its text (single-line) or its
minimum size hint. Column widths must not change when an answer arrives. A JSON report (problems,
column widths) is written next to the screenshot and printed on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path


def _screen_config(width: int, height: int) -> str:
    path = Path(tempfile.mkdtemp(prefix="ktcs-screen-")) / "screens.json"
    path.write_text(json.dumps({"screens": [{"name": "probe", "x": 0, "y": 0, "width": width, "height": height,
                                             "logicalDpi": 96, "dpr": 1}]}))
    return str(path)


def _process(app, ms: int = 30) -> None:
    from PySide6.QtTest import QTest

    QTest.qWait(ms)


def _wait(app, predicate, timeout_ms: int = 10000) -> bool:
    from PySide6.QtCore import QElapsedTimer

    timer = QElapsedTimer()
    timer.start()
    while not predicate():
        if timer.elapsed() > timeout_ms:
            return False
        _process(app, 20)
    return True


def table_problems(table) -> list[str]:
    """Cells whose longest word is wider than their column (Qt cuts it: "63,00…"), unless the
    table scrolls sideways to show it."""
    if not table.isVisible() or table.horizontalScrollBar().isVisible():
        return []
    problems = []
    metrics = table.fontMetrics()
    for column in range(table.columnCount()):
        width = table.columnWidth(column)
        for row in range(table.rowCount()):
            item = table.item(row, column)
            for word in (item.text() if item is not None else "").split():
                if metrics.horizontalAdvance(word) + 8 > width:  # + the item's text margins
                    problems.append(f"table cell ({row}, {column}) {word!r} cut: "
                                    f"{metrics.horizontalAdvance(word)}px in a {width}px column")
    return problems


def widget_problems(window) -> list[str]:
    """Visible buttons, check boxes and labels that are outside the window, outside their
    ancestors' visible area, or narrower/shorter than their content."""
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractScrollArea,
        QHeaderView,
        QLabel,
        QToolButton,
        QWidget,
    )

    problems: list[str] = []
    shown: list[tuple[QWidget, str, QRect]] = []  # what is on screen now, for the overlap check
    win_rect = QRect(QPoint(0, 0), window.size())
    for widget in window.findChildren(QWidget):
        if isinstance(widget, QAbstractScrollArea) and not isinstance(widget, QHeaderView) and widget.isVisible() and widget.window() is window \
                and widget.viewport().height() < 24:
            problems.append(f"{type(widget).__name__}({widget.objectName()!r}) squeezed: viewport "
                            f"{widget.viewport().height()}px high")
        if not isinstance(widget, QAbstractButton | QLabel) or not widget.isVisible():
            continue
        if isinstance(widget, QToolButton) and widget.objectName().startswith("qt_"):
            continue  # scroll-area arrows, tab-bar scrollers
        if isinstance(widget, QLabel) and not widget.text().strip():
            continue
        if widget.window() is not window:
            continue
        text = widget.text().replace("&", "").strip()
        name = f"{type(widget).__name__}({text[:30]!r})"
        top_left = widget.mapTo(window, QPoint(0, 0))
        rect = QRect(top_left, widget.size())
        # Walk up: every ancestor must show the widget whole, except that a scroll area's viewport
        # may hide it above or below (reachable by scrolling: vertically, never sideways); the
        # viewport itself must then be inside the window and its own ancestors.
        parent = widget.parentWidget()
        clipped_by = None
        check = rect
        while parent is not None and parent is not window:
            prect = QRect(parent.mapTo(window, QPoint(0, 0)), parent.size())
            scroll = parent.parentWidget()
            if isinstance(scroll, QAbstractScrollArea) and scroll.viewport() is parent:
                if check.left() < prect.left() or check.right() > prect.right():
                    clipped_by = f"scroll area {type(scroll).__name__} (sideways)"
                    break
                if check.bottom() >= prect.top() and check.top() <= prect.bottom():
                    check = check.intersected(prect)  # the part on screen now
                else:
                    check = QRect(check.left(), prect.top(), check.width(), 1)  # scrolled away: reachable
            elif not prect.contains(check):
                clipped_by = f"{type(parent).__name__} {prect.getRect()}"
                break
            parent = parent.parentWidget()
        if clipped_by:
            problems.append(f"{name} clipped by {clipped_by}: {rect.getRect()}")
            continue
        if not win_rect.contains(check):
            problems.append(f"{name} outside the window: {rect.getRect()} in {win_rect.getRect()}")
            continue
        if check.height() > 1:
            shown.append((widget, name, check))
        hint = widget.minimumSizeHint()
        if isinstance(widget, QLabel) and widget.wordWrap():
            needed_h = widget.heightForWidth(widget.width()) if widget.hasHeightForWidth() else hint.height()
            if needed_h > widget.height() + 1:
                problems.append(f"{name} cut vertically: needs {needed_h}px, has {widget.height()}px")
            continue
        if isinstance(widget, QLabel) and widget.textFormat() != 0 and "<" in widget.text():
            doc_w = hint.width()
            if doc_w > widget.width() + 1:
                problems.append(f"{name} rich text clipped: needs {doc_w}px, has {widget.width()}px")
            continue
        metrics = widget.fontMetrics()
        longest = max((metrics.horizontalAdvance(line) for line in text.splitlines() or [""]), default=0)
        margin = 0 if isinstance(widget, QLabel) else 8  # a button's text needs its padding too
        if isinstance(widget, QLabel):
            m = widget.contentsMargins()
            margin = m.left() + m.right() + 2 * widget.margin()
        if longest + margin > widget.width() + 1 or hint.width() > widget.width() + 1:
            problems.append(f"{name} elided: text {longest}px, hint {hint.width()}px, width {widget.width()}px")
        if hint.height() > widget.height() + 1:
            problems.append(f"{name} cut vertically: hint {hint.height()}px, height {widget.height()}px")
    from PySide6.QtWidgets import QTableWidget

    for table in window.findChildren(QTableWidget):
        problems += table_problems(table)
    # Two visible controls drawn over each other (a layout squeezed below its minimum).
    for i, (a, a_name, a_rect) in enumerate(shown):
        for b, b_name, b_rect in shown[i + 1:]:
            if a.isAncestorOf(b) or b.isAncestorOf(a):
                continue
            overlap = a_rect.intersected(b_rect)
            if overlap.width() > 2 and overlap.height() > 2:
                problems.append(f"{a_name} overlaps {b_name}: {a_rect.getRect()} / {b_rect.getRect()}")
    return problems


def column_widths(window) -> list[int]:
    return [window.splitter.widget(i).width() for i in range(window.splitter.count())]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--screen", default="1366x768")
    parser.add_argument("--template", required=True, help="a migrated, seeded data dir to copy")
    parser.add_argument("--home", required=True)
    parser.add_argument("--out", required=True, help="screenshot path (.png); the report goes next to it")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.screen.split("x"))

    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_screen_config(width, height)}"
    os.environ["KTCS_HOME"] = args.home
    os.environ["KTCS_USE_KEYRING"] = "0"
    for key in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "KTCS_DATABASE_URL", "KTCS_CHAT_BASE_URL"):
        os.environ.pop(key, None)

    from ktcs_desktop.context import create_app_context
    from ktcs_desktop.core.assistant import AssistAnswer
    from ktcs_desktop.core.assistant.models import PlanCard
    from ktcs_desktop.core.config import Settings
    from ktcs_desktop.core.models import Speaker
    from ktcs_desktop.ui.app import create_application
    from ktcs_desktop.ui.features import knowledge

    knowledge.USE_WORKER_PROCESS = False
    settings = Settings(_env_file=None, ktcs_home=Path(args.home))  # type: ignore[call-arg]
    shutil.copytree(args.template, settings.paths.data_dir, dirs_exist_ok=True)
    app = create_application()
    services = create_app_context(settings)
    from ktcs_desktop.ui.main_window import MainWindow

    window = MainWindow(services)
    window.show()
    report: dict = {"screen": args.screen, "scale": os.environ.get("QT_SCALE_FACTOR", "1"), "problems": []}
    try:
        ok = _wait(app, lambda: window.db_ok is True)
        window.incoming_call("01012345678")
        ok = ok and _wait(app, lambda: window.caller is not None)
        pane = window.recommendation_pane
        ok = ok and _wait(app, lambda: not pane.busy and bool(pane.cards))
        window.add_transcript_line(Speaker.CALLER, "요금이 너무 비싸서 해지하고 싶어요")
        ok = ok and _wait(app, lambda: window.alert_banner.isVisible())
        _process(app, 600)  # the suggestion debounce fires and its answer lands
        _wait(app, lambda: not window.tasks.busy, 8000)
        _process(app, 100)
        report["screen_available"] = list(window.screen().availableGeometry().getRect())
        report["window"] = list(window.frameGeometry().getRect())
        before = column_widths(window)
        panel = window.assistant.panel
        panel.begin("질문: " + "선택약정 남은 기간과 위약금, 넷플릭스 포함 요금제 비교 " * 12)  # ~600 characters
        cards = tuple(PlanCard(f"p{i}", name, fee, int(fee * 0.75), data, f"kt-5g-plans-2025.csv {i + 3}행")
                      for i, (name, fee, data) in enumerate((("5G 심플 50GB", 63000, "50GB 소진 후 1Mbps"),
                                                             ("5G 베이직", 80000, "무제한"),
                                                             ("5G 스페셜 넷플릭스 초이스", 100000, "무제한"))))
        panel.show_answer(AssistAnswer("요금 비교 결과입니다. " * 20, cards=cards))
        _process(app, 150)
        after_three = column_widths(window)
        panel.show_answer(AssistAnswer("한 장만.", cards=cards[:1]))
        _process(app, 150)
        after_one = column_widths(window)
        panel.show_answer(AssistAnswer("요금 비교 결과입니다. " * 20, cards=cards))
        _process(app, 150)
        report["columns"] = {"before": before, "three_cards": after_three, "one_card": after_one}
        if not ok:
            report["problems"].append("the window never showed the caller, the picks or the banner")
        if not (before == after_three == after_one):
            report["problems"].append(f"column widths changed with the answer: {report['columns']}")
        report["problems"].extend(widget_problems(window))
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        report["screenshot"] = str(out)
        report["saved"] = window.grab().save(str(out))
    finally:
        window.quit_confirmed = True
        window.close()
        _wait(app, lambda: not window.tasks.busy, 10000)
        services.close()
    Path(args.out).with_suffix(".json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    print(json.dumps(report, ensure_ascii=False))
    return 0 if not report["problems"] and report.get("saved") else 1


if __name__ == "__main__":
    sys.exit(main())
