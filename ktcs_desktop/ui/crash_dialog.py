"""The Korean dialog for an error nobody caught (installed by `ui/app.py` through core/crash.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QThread, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox

from ktcs_desktop.core.errors import user_message

TITLE = "KT CS AI 상담원 — 오류"
OPEN_LOGS = "로그 폴더 열기"


def open_folder(path: Path) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def crash_dialog(exc: BaseException, log_dir: Path, *,
                 opener: Callable[[Path], object] = open_folder) -> QMessageBox:
    """A dialog that names no raw exception text: the agent's message, where the log is, and a
    button that opens the log folder (the traceback is in ktcs.log / faulthandler.log there)."""
    box = QMessageBox(QMessageBox.Icon.Critical, TITLE, user_message(exc), QMessageBox.StandardButton.Close)
    box.setObjectName("crash_dialog")
    box.setInformativeText(f"작업은 계속할 수 있습니다. 문제가 반복되면 로그 폴더의 파일을 담당자에게 전달해 주세요.\n{log_dir}")
    logs = box.addButton(OPEN_LOGS, QMessageBox.ButtonRole.ActionRole)
    logs.setObjectName("open_logs")
    logs.clicked.connect(lambda: opener(log_dir))
    return box


def make_crash_reporter(log_dir: Path) -> Callable[[BaseException], None]:
    """`on_crash` for core.crash: shows the dialog when the exception reached the GUI thread."""

    def report(exc: BaseException) -> None:
        app = QApplication.instance()
        if app is None or QThread.currentThread() is not app.thread():
            return  # logged already; no widgets outside the GUI thread
        crash_dialog(exc, log_dir).exec()

    return report
