"""Start-up problems: the window shows a Korean dialog naming the setting or file, exits non-zero."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ktcs_desktop.core.catalog import forget_shipped_catalog
from ktcs_desktop.core.config import resources_dir


def _run_and_capture(qtbot, argv: list[str] | None = None) -> tuple[int, str]:  # noqa: ANN001
    """Run the app's main(); read and close the dialog it shows."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from ktcs_desktop.ui.app import main

    seen: list[str] = []
    tries = [0]

    def close_dialog() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and box.objectName() == "startup_error":
            seen.append(f"{box.windowTitle()}\n{box.text()}")
            box.done(0)
        elif tries[0] < 200:
            tries[0] += 1
            QTimer.singleShot(50, close_dialog)
        else:  # no dialog after 10 s: the window started instead; end it so the test fails, not hangs
            QApplication.closeAllWindows()
            QApplication.quit()

    QTimer.singleShot(50, close_dialog)
    code = main(argv or [])
    assert seen, "no start-up dialog was shown"
    return code, seen[0]


def _env(home: Path, content: bytes) -> Path:
    path = home / "config" / ".env"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def test_malformed_value_dialog_names_the_setting(qtbot, qapp, _isolated_env: Path) -> None:
    env = _env(_isolated_env, b"KTCS_DB_CONNECT_TIMEOUT=abc\n")
    code, text = _run_and_capture(qtbot)
    assert code != 0
    assert "시작할 수 없습니다" in text and "KTCS_DB_CONNECT_TIMEOUT" in text and str(env) in text


def test_cp949_env_dialog_names_the_file(qtbot, qapp, _isolated_env: Path) -> None:
    env = _env(_isolated_env, "KTCS_AGENT_ID=홍길동\n".encode("cp949"))
    code, text = _run_and_capture(qtbot)
    assert code != 0 and str(env) in text and "UTF-8" in text


@pytest.fixture
def damaged_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    resources = tmp_path / "resources"
    shutil.copytree(resources_dir() / "catalog", resources / "catalog")
    plans = resources / "catalog" / "plans.json"
    plans.write_text(json.dumps({"plans": [{"id": "broken"}]}), encoding="utf-8")
    monkeypatch.setenv("KTCS_RESOURCES_DIR", str(resources))
    forget_shipped_catalog()
    yield plans
    forget_shipped_catalog()


def test_damaged_catalog_dialog_names_the_file(qtbot, qapp, damaged_catalog: Path) -> None:
    code, text = _run_and_capture(qtbot)
    assert code != 0 and "plans.json" in text and str(damaged_catalog) in text


@pytest.mark.mysql
def test_unknown_database_dialog_names_the_setting(qtbot, qapp, mysql_database_url: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(mysql_database_url).set(database="ktcs_no_such_db").render_as_string(hide_password=False)
    monkeypatch.setenv("KTCS_DATABASE_URL", url)
    code, text = _run_and_capture(qtbot)
    assert code != 0 and "KTCS_DATABASE_URL" in text and "ktcs_no_such_db" in text
