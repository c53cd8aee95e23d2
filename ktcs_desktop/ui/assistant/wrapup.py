"""The wrap-up dialog: generated summary (editable), outcome, autosaved draft, save and export."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs
from PySide6.QtCore import QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
)

from ktcs_desktop.core import summary
from ktcs_desktop.core.errors import user_message
from ktcs_desktop.core.summary import OUTCOMES, WrapUp
from ktcs_desktop.ui.assistant.pdf import write_pdf
from ktcs_desktop.ui.shortcuts import DIALOG_SHORTCUTS
from ktcs_desktop.ui.tasks import TaskKind

if TYPE_CHECKING:
    from ktcs_desktop.core.services.recorder import ConsultationRecorder
    from ktcs_desktop.ui.main_window import MainWindow

AUTOSAVE_MS = 800


class WrapUpDialog(QDialog):
    def __init__(self, window: MainWindow, recorder: ConsultationRecorder, wrapup: WrapUp) -> None:
        super().__init__(window)
        self.setWindowTitle("상담 마무리")
        self.resize(620, 520)
        self.window_ = window
        self.recorder = recorder
        self.wrapup = wrapup
        layout = QVBoxLayout(self)
        origin = {"openai": "AI 생성", "saved": "저장된 초안"}.get(wrapup.generated_by, "자동 추출")
        layout.addWidget(QLabel(f"상담 요약 ({origin}, 수정 가능)"))
        if wrapup.extra.get("notice"):
            notice = QLabel(wrapup.extra["notice"])
            notice.setObjectName("ErrorText")
            layout.addWidget(notice)
        self.summary_edit = QPlainTextEdit(wrapup.summary_text)
        self.summary_edit.setTabChangesFocus(True)  # Tab goes on to 결과 and the buttons
        layout.addWidget(self.summary_edit, 1)
        row = QHBoxLayout()
        row.addWidget(QLabel("결과"))
        self.outcome = QComboBox()
        self.outcome.addItems(list(OUTCOMES))
        if wrapup.outcome in OUTCOMES:
            self.outcome.setCurrentText(wrapup.outcome)
        row.addWidget(self.outcome, 1)
        self.draft_label = QLabel("")
        self.draft_label.setObjectName("Muted")
        row.addWidget(self.draft_label)
        layout.addLayout(row)
        buttons = QHBoxLayout()
        keys = {sid: key for sid, key, _what in DIALOG_SHORTCUTS}
        for fmt, label in (("md", "Markdown"), ("json", "JSON"), ("pdf", "PDF")):
            button = QPushButton(label)
            button.setToolTip(f"{label} 파일로 내보내기 ({keys[f'export_{fmt}']})")
            button.clicked.connect(lambda _=False, f=fmt: self._export_clicked(f))
            QShortcut(QKeySequence(keys[f"export_{fmt}"]), self, activated=button.click)
            buttons.addWidget(button)
        buttons.addStretch(1)
        cancel = QPushButton("취소")
        cancel.clicked.connect(self.reject)
        self.save_button = QPushButton("저장")
        self.save_button.setObjectName("Primary")
        self.save_button.clicked.connect(self.save)
        self.save_button.setToolTip(f"저장 ({keys['save']})")
        QShortcut(QKeySequence(keys["save"]), self, activated=self.save_button.click)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)

        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.save_draft)
        self.summary_edit.textChanged.connect(self._autosave.start)
        self.outcome.currentTextChanged.connect(self._outcome_changed)
        self.drafts_saved = 0
        self._saved = False

    @property
    def draft_path(self) -> Path:
        return Path(self.recorder.dir) / "wrapup_draft.json"

    def current(self) -> WrapUp:
        edited = self.wrapup.with_edits(self.summary_edit.toPlainText().strip(), self.outcome.currentText())
        return summary.with_parties(edited, ended_at=self.recorder.ended_at or datetime.now().replace(microsecond=0))

    def save_draft(self) -> None:
        """Autosave: journalled at once on the GUI thread (cheap), written to the DB by the window.
        Once the final summary is saved, a late draft is refused by the call session itself."""
        if self._saved:
            return
        current = self.current()
        if self.window_.save_wrapup_draft(current.summary_text, current.outcome):
            self.drafts_saved += 1
            self.draft_label.setText("임시 저장됨")

    def _outcome_changed(self, outcome: str) -> None:
        """The summary's 결과 line follows the chosen outcome (the agent's other edits stay)."""
        text = self.summary_edit.toPlainText()
        lines = text.splitlines()
        for index, line in enumerate(lines):
            if line.startswith("결과:"):
                lines[index] = f"결과: {outcome}"
                break
        else:
            lines.append(f"결과: {outcome}")
        self.summary_edit.setPlainText("\n".join(lines))

    def save(self) -> None:
        self._autosave.stop()
        self._saved = True
        current = self.current()
        self.window_.finish_consultation(current.summary_text, current.outcome)
        self.accept()

    def reject(self) -> None:  # 취소 / Esc: the call goes on
        self._autosave.stop()
        if not self._saved:
            self.save_draft()
            self.window_.resume_consultation()
        super().reject()

    def export(self, fmt: str, path: Path) -> Path:
        return export_wrapup(self.current(), fmt, Path(path))

    def default_export_path(self, fmt: str) -> Path:
        return default_export_dir() / export_file_name(self.current(), fmt)

    def _export_clicked(self, fmt: str) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "내보내기", str(self.default_export_path(fmt)))
        if not name:
            return
        current = self.current()
        target = Path(name)

        def done(path: Path) -> None:
            self.draft_label.setText(f"내보냄: {path.name}")

        def failed(exc: BaseException) -> None:
            self.draft_label.setText(f"내보내기 실패: {user_message(exc)}")

        # PDF too: QTextDocument + QPdfWriter paint on a QPdfWriter (not a widget), which Qt allows
        # outside the GUI thread; the document and writer are created and used in the task only
        self.window_.tasks.run(lambda _ctx: export_wrapup(current, fmt, target), on_success=done,
                               on_failure=failed, kind=TaskKind.IO)


def default_export_dir() -> Path:
    """Exports default to the agent's Documents folder (created if needed)."""
    home = os.environ.get("KTCS_HOME")  # tests and portable installs keep everything under one root
    folder = Path(home) / "exports" if home else Path(platformdirs.user_documents_dir()) / "KT CS 상담 요약"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def export_file_name(wrap: WrapUp, fmt: str) -> str:
    when = wrap.started_at or datetime.now()
    number = f"상담{wrap.consultation_id}" if wrap.consultation_id is not None else "상담"
    return f"{when:%Y%m%d-%H%M}_{number}.{fmt}"


def export_wrapup(wrap: WrapUp, fmt: str, path: Path) -> Path:
    return summary.export_wrapup(wrap, fmt, path, pdf_writer=write_pdf)
