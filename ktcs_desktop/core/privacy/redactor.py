"""Recognizers to spans to placeholders (see the package docstring)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ktcs_desktop.core.privacy.recognizers import (
    DIGIT_RECOGNIZERS,
    TEXT_RECOGNIZERS,
    known_names,
)
from ktcs_desktop.core.privacy.view import char_view, views

PLACEHOLDERS: dict[str, str] = {
    "rrn": "[주민번호]", "arn": "[외국인등록번호]", "dob": "[생년월일]", "card": "[카드번호]",
    "card_expiry": "[카드유효기간]", "account": "[계좌번호]", "email": "[이메일]", "address": "[주소]",
    "name": "[이름]", "phone": "[전화번호]", "passport": "[여권번호]", "driver_license": "[운전면허번호]",
}  # fmt: skip
CATEGORIES = tuple(PLACEHOLDERS)
# which category wins when spans overlap (a licence looks like an account, an RRN front like a DOB …)
_PRIORITY = {"email": 12, "rrn": 11, "arn": 11, "card": 10, "driver_license": 9, "passport": 8, "phone": 7,
             "account": 6, "card_expiry": 5, "dob": 4, "address": 3, "name": 2}



@dataclass(frozen=True)
class PiiSpan:
    category: str
    start: int
    end: int
    text: str

    @property
    def placeholder(self) -> str:
        return PLACEHOLDERS[self.category]


def _names(names: Iterable[str] | str | None) -> tuple[str, ...]:
    if names is None:
        return ()
    if isinstance(names, str):
        return (names,)
    return tuple(n for n in names if n and n.strip())


def find_pii(text: str, *, names: Iterable[str] | str | None = (), others: Iterable[str] | str | None = ()
             ) -> list[PiiSpan]:
    """Non-overlapping PII spans of `text`, in order. `names`: the caller's; `others`: other customers'."""
    if not text:
        return []
    candidates: list[tuple[int, int, str]] = []
    for view in views(text):
        for recognizer in DIGIT_RECOGNIZERS:
            for hit in recognizer(view):
                candidates.append((*view.source_span(hit.start, hit.end), hit.category))
    base = char_view(text)
    for recognizer in (*TEXT_RECOGNIZERS, known_names(_names(names) + _names(others))):
        for hit in recognizer(base):
            candidates.append((*base.source_span(hit.start, hit.end), hit.category))
    candidates.sort(key=lambda c: (-_PRIORITY[c[2]], -(c[1] - c[0]), c[0]))
    taken: list[tuple[int, int, str]] = []
    for start, end, category in candidates:
        start, end = _trim(text, start, end)
        if end <= start or any(start < e and s < end for s, e, _c in taken):
            continue
        taken.append((start, end, category))
    taken.sort()
    return [PiiSpan(category, start, end, text[start:end]) for start, end, category in taken]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1] in " \t\n,.":
        end -= 1
    return start, end


def redact(text: str, *, names: Iterable[str] | str | None = (), others: Iterable[str] | str | None = ()) -> str:
    """`text` with every PII span replaced by its typed placeholder ([전화번호], [이름] …)."""
    if not text:
        return text
    spans = find_pii(text, names=names, others=others)
    if not spans:
        return text
    out: list[str] = []
    pos = 0
    for span in spans:
        out.append(text[pos:span.start])
        out.append(span.placeholder)
        pos = span.end
    out.append(text[pos:])
    return "".join(out)
