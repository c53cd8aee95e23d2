"""Wrap-up export to PDF with Qt's own writer (QTextDocument → QPdfWriter, NanumGothic)."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtGui import QFont, QPageSize, QPdfWriter, QTextDocument

from ktcs_desktop.core.summary import WrapUp


def wrapup_html(w: WrapUp) -> str:
    def items(values: tuple[str, ...]) -> str:
        return "".join(f"<li>{html.escape(v)}</li>" for v in values) or "<li>없음</li>"

    title = f"상담 요약 #{w.consultation_id}" if w.consultation_id is not None else "상담 요약"
    when = "".join(f"<p>{html.escape(line)}</p>" for line in w.header_lines())
    return (f"<h1>{html.escape(title)}</h1>{when}<p>결과: <b>{html.escape(w.outcome)}</b></p>"
            f"<h2>고객 문의 의도</h2><ul>{items(w.intents)}</ul>"
            f"<h2>논의한 요금제</h2><ul>{items(w.plans_discussed)}</ul>"
            f"<h2>제안 내용</h2><ul>{items(w.offers)}</ul>"
            f"<h2>후속 조치</h2><ul>{items(w.follow_ups)}</ul>"
            f"<h2>요약</h2><p>{html.escape(w.summary_text).replace(chr(10), '<br>')}</p>")


def write_pdf(w: WrapUp, path: Path) -> Path:
    """Needs a QGuiApplication (the CLI creates an offscreen one)."""
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setResolution(96)
    writer.setTitle("상담 요약")
    doc = QTextDocument()
    doc.setDefaultFont(QFont("NanumGothic", 11))
    doc.setHtml(wrapup_html(w))
    doc.print_(writer)
    return Path(path)
