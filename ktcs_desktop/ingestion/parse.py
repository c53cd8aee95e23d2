"""Page HTML → readable text (tables as Markdown rows), plan facts from those tables, and chunks.

Firecrawl returns Markdown with the same `| a | b |` table rows, so one parser serves both paths.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

_BLOCK_TAGS = {"p", "div", "section", "article", "h1", "h2", "h3", "h4", "h5", "li", "ul", "ol",
               "caption", "dl", "dt", "dd", "br", "header", "footer", "table"}
_SKIP_TAGS = {"script", "style", "noscript", "template", "svg"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._skip = 0
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._header_row = False
        self._rows_in_table = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")
        elif tag == "table":
            self._rows_in_table = 0
            self.out.append("\n\n")
        elif tag == "tr":
            self._row, self._header_row = [], False
        elif tag in ("td", "th"):
            self._cell = []
            self._header_row = self._header_row or tag == "th"
        elif tag in ("h1", "h2", "h3", "h4") and self._cell is None:
            self.out.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag == "li" and self._cell is None:
            self.out.append("\n- ")
        elif tag in _BLOCK_TAGS and self._cell is None:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row:
                self.out.append("\n| " + " | ".join(c.replace("|", "/") for c in self._row) + " |")
                if self._rows_in_table == 0:
                    self.out.append("\n|" + "---|" * len(self._row))
                self._rows_in_table += 1
            self._row = None
        elif tag == "table":
            self.out.append("\n\n")
        elif tag in _BLOCK_TAGS and self._cell is None:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._cell is not None:
            self._cell.append(data)
        else:
            self.out.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """Visible text of a page, headings as `#`, list items as `-`, tables as Markdown rows."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.out)
    lines = [re.sub(r" {2,}", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


@dataclass(frozen=True)
class PageFact:
    """One plan row read off a product page."""

    name: str
    monthly_fee: int | None
    data_text: str
    target: str


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _money(text: str) -> int | None:
    match = re.search(r"(\d{1,3}(?:,\d{3})+|\d{4,7})\s*원", text)
    return int(match.group(1).replace(",", "")) if match else None


def _column(header: list[str], *keys: str, avoid: tuple[str, ...] = ()) -> int | None:
    for key in keys:
        for i, cell in enumerate(header):
            if key in cell and not any(a in cell for a in avoid):
                return i
    return None


def parse_plan_facts(text: str) -> list[PageFact]:
    """Plan rows from every table whose header names a plan column and a fee column."""
    facts: list[PageFact] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if not lines[i].lstrip().startswith("|"):
            i += 1
            continue
        block = []
        while i < len(lines) and lines[i].lstrip().startswith("|"):
            block.append(lines[i])
            i += 1
        rows = [_cells(line) for line in block if not re.fullmatch(r"\|?(\s*:?-{2,}:?\s*\|)+\s*", line.strip())]
        if len(rows) < 2:
            continue
        header = rows[0]
        name_col = _column(header, "요금제", "상품명", "상품")
        fee_col = _column(header, "월정액", "월 요금", "기본료", "요금", avoid=("요금제", "할인"))
        if name_col is None or fee_col is None:
            continue
        data_col = _column(header, "데이터")
        target_col = _column(header, "대상", "가입")
        for row in rows[1:]:
            if len(row) <= max(name_col, fee_col) or not row[name_col]:
                continue
            facts.append(PageFact(
                name=row[name_col], monthly_fee=_money(row[fee_col]),
                data_text=row[data_col] if data_col is not None and data_col < len(row) else "",
                target=row[target_col] if target_col is not None and target_col < len(row) else "",
            ))
    return facts


def chunk_text(text: str, max_chars: int = 700) -> list[str]:
    """Paragraph-packed chunks of at most about `max_chars`; long tables split by rows, header kept."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
    pieces: list[str] = []
    for block in blocks:
        if len(block) <= max_chars:
            pieces.append(block)
            continue
        lines = block.splitlines()
        header = lines[:2] if lines and lines[0].startswith("|") else []
        current: list[str] = list(header)
        for line in lines[len(header):]:
            if current and len("\n".join(current + [line])) > max_chars and len(current) > len(header):
                pieces.append("\n".join(current))
                current = list(header)
            current.append(line)
        if len(current) > len(header):
            pieces.append("\n".join(current))
    chunks: list[str] = []
    for piece in pieces:
        if chunks and len(chunks[-1]) + len(piece) + 2 <= max_chars:
            chunks[-1] += "\n\n" + piece
        else:
            chunks.append(piece)
    return chunks
