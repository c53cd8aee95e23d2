"""The window fits every agent's screen: 1366×768 at 100 %, 1920×1080 at 125 % and at 150 %.

Each size runs tests/ui/layout_probe.py in its own process (QT_SCALE_FACTOR only applies at
start-up): a loaded caller, the escalation banner, a three-card answer to a ~600-character
question and the recommendation pane. Nothing visible may be outside the window, clipped by a
parent, elided, cut, drawn over another control or squeezed; the columns keep their widths when
answers arrive. Screenshots: artifacts/screenshots/layout_<size>@<scale>.png.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("screen", "scale"), [("1366x768", "1"), ("1920x1080", "1.25"), ("1920x1080", "1.5")])
def test_nothing_a_call_needs_is_clipped(screen, scale, tmp_path, _template_data_dir, artifacts_dir) -> None:
    out = artifacts_dir / "screenshots" / f"layout_{screen}@{int(float(scale) * 100)}.png"
    env = {**os.environ, "QT_SCALE_FACTOR": scale}
    proc = subprocess.run(
        [sys.executable, "-m", "tests.ui.layout_probe", "--screen", screen, "--template", str(_template_data_dir),
         "--home", str(tmp_path / "home"), "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    report_path = out.with_suffix(".json")
    assert report_path.exists(), proc.stderr[-3000:]
    report = json.loads(report_path.read_text())
    assert report["problems"] == [], "\n".join(report["problems"])
    assert report["saved"] and out.exists()
    columns = report["columns"]
    assert columns["before"] == columns["three_cards"] == columns["one_card"]
    # The window opens inside the screen's available area (never 1440×900 on a 1366×768 screen).
    x, y, w, h = report["window"]
    ax, ay, aw, ah = report["screen_available"]
    assert ax <= x and ay <= y and x + w <= ax + aw and y + h <= ay + ah, report
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_window_geometry_and_splitters_are_saved_per_user(app, qtbot, services) -> None:
    from ktcs_desktop.ui.main_window import MainWindow
    from ktcs_desktop.ui.user_settings import FILE_NAME

    first = MainWindow(services, start_background_work=False)
    qtbot.addWidget(first)
    first.show()
    avail = first.screen().availableGeometry()
    floor = first.minimumSizeHint()
    geometry = first.geometry()
    # Inside the screen; on a screen smaller than the columns' floors (the 800×800 offscreen
    # default) it starts at the top-left corner with the floor's width.
    assert geometry.left() >= avail.left() and geometry.top() >= avail.top(), (geometry, avail)
    assert geometry.width() <= max(avail.width(), floor.width()), (geometry, avail, floor)
    assert geometry.height() <= avail.height(), (geometry, avail)
    size = (min(max(floor.width(), avail.width() - 40), 1200), min(avail.height() - 60, 700))  # fits this screen
    first.resize(*size)
    qtbot.wait(20)
    spare = first.splitter.width() - sum(first.COLUMN_MIN) - 2 * first.splitter.handleWidth()
    first.splitter.setSizes([first.COLUMN_MIN[0] + spare // 2, first.COLUMN_MIN[1], first.COLUMN_MIN[2] + spare // 2])
    qtbot.wait(20)
    sizes = first.splitter.sizes()
    first.quit_confirmed = True
    first.close()
    qtbot.waitUntil(lambda: not first.tasks.busy, timeout=10000)
    ini = services.settings.paths.data_dir / FILE_NAME
    assert ini.exists()  # in the (test's temporary) data dir, never the real profile

    second = MainWindow(services, start_background_work=False)
    qtbot.addWidget(second)
    second.show()
    qtbot.wait(20)
    assert (second.width(), second.height()) == size
    assert second.splitter.sizes() == sizes
    second.quit_confirmed = True
    second.close()
    qtbot.waitUntil(lambda: not second.tasks.busy, timeout=10000)


def test_restored_geometry_larger_than_the_screen_falls_back_to_a_fitting_one(app, qtbot, services) -> None:
    from PySide6.QtCore import QRect

    from ktcs_desktop.ui.main_window import MainWindow

    first = MainWindow(services, start_background_work=False)
    qtbot.addWidget(first)
    avail = first.screen().availableGeometry()
    first.setGeometry(QRect(0, 0, avail.width() * 2, avail.height() * 2))  # saved on a bigger monitor
    first.save_layout()
    first.quit_confirmed = True
    first.close()
    second = MainWindow(services, start_background_work=False)
    qtbot.addWidget(second)
    assert avail.contains(second.geometry()), (second.geometry(), avail)
    second.quit_confirmed = True
    second.close()
