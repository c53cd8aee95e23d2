"""The wrap-up dialog: generated summary (editable), outcome, autosaved draft, save and export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
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

from ktcs_desktop.core.summary import OUTCOMES, WrapUp, to_json, to_markdown
from ktcs_desktop.ui.assistant.pdf import write_pdf
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
        for fmt, label in (("md", "Markdown"), ("json", "JSON"), ("pdf", "PDF")):
            button = QPushButton(label)
            button.clicked.connect(lambda _=False, f=fmt: self._export_clicked(f))
            buttons.addWidget(button)
        buttons.addStretch(1)
        cancel = QPushButton("취소")
        cancel.clicked.connect(self.reject)
        self.save_button = QPushButton("저장")
        self.save_button.setObjectName("Primary")
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)

        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.save_draft)
        self.summary_edit.textChanged.connect(self._autosave.start)
        self.outcome.currentTextChanged.connect(self._autosave.start)
        self.drafts_saved = 0

    @property
    def draft_path(self) -> Path:
        return Path(self.recorder.dir) / "wrapup_draft.json"

    def current(self) -> WrapUp:
        return self.wrapup.with_edits(self.summary_edit.toPlainText().strip(), self.outcome.currentText())

    def save_draft(self) -> None:
        current = self.current()
        recorder, path = self.recorder, self.draft_path

        def work(_ctx) -> None:
            path.write_text(to_json(current), encoding="utf-8")
            recorder.save_summary(current.summary_text, current.outcome)
            recorder.flush()

        def done(_result) -> None:
            self.drafts_saved += 1
            self.draft_label.setText("임시 저장됨")

        self.window_.tasks.run(work, on_success=done, on_failure=lambda exc: self.draft_label.setText("임시 저장 실패"),
                               kind=TaskKind.DB)

    def save(self) -> None:
        self._autosave.stop()
        current = self.current()
        self.window_.finish_consultation(current.summary_text, current.outcome)
        self.accept()

    def export(self, fmt: str, path: Path) -> Path:
        current = self.current()
        path = Path(path)
        if fmt == "md":
            path.write_text(to_markdown(current), encoding="utf-8")
        elif fmt == "json":
            path.write_text(to_json(current), encoding="utf-8")
        elif fmt == "pdf":
            write_pdf(current, path)
        else:
            raise ValueError(fmt)
        return path

    def _export_clicked(self, fmt: str) -> None:
        default = Path(self.recorder.dir) / f"summary.{fmt}"
        name, _ = QFileDialog.getSaveFileName(self, "내보내기", str(default))
        if name:
            self.export(fmt, Path(name))
            self.draft_label.setText(f"내보냄: {Path(name).name}")


_ = json
