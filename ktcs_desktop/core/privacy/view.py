"""A normalised view of a text that the digit recognizers read, mapped back to the original.

Each character is NFKC-normalised (full-width digits become ASCII) and any other Unicode decimal
digit (Arabic-Indic, Devanagari …) is read as its ASCII digit, so PII typed in any script is
found. Spoken digit runs — Sino-Korean digit syllables (공/영/일/이 … 구) and native words
(하나/둘/셋 … 아홉) — become digits when they stand on their own inside a chain of at least
`MIN_CHAIN_DIGITS` digits ("공일공 일이삼사 오육칠팔", "팔오공삼공이에 일이삼사오육칠"), so short
words ("이 요금제", "일이 많아서", "하나도") stay words.

"이" before 요/에요/고 … is either the last digit or the copula ("…오육칠팔이요"); `views()`
returns one view for each reading, and the recognizers take the union.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ktcs_desktop.core.korean_numbers import DIGITS

NATIVE_DIGITS: dict[str, str] = {
    "하나": "1", "다섯": "5", "여섯": "6", "일곱": "7", "여덟": "8", "아홉": "9", "둘": "2", "셋": "3", "넷": "4",
}  # fmt: skip
MIN_CHAIN_DIGITS = 5

_DIGIT_UNIT = "|".join([*NATIVE_DIGITS, f"[{''.join(DIGITS)}]"])
_SPOKEN_RUN = re.compile(rf"(?:{_DIGIT_UNIT})+")
_UNIT = re.compile(_DIGIT_UNIT)
# what may follow a spoken digit run ("…오육칠팔이에요", "공일공에 …", "…구공일이예요")
_PARTICLES = (
    "이에요", "이예요", "이거든요", "이구요", "이고요", "이라고", "이었", "이네요", "입니다", "이요", "이고", "이며",
    "이랑", "이죠", "이야", "인데", "이에", "에요", "예요", "거든요", "구요", "고요", "라고", "네요", "에", "요", "고",
    "며", "랑", "죠", "야", "번", "로", "으로", "까지", "다시", "하고", "였", "맞", "생", "입",
)  # fmt: skip
_COPULA_AFTER_I = ("요", "에요", "예요", "고", "구요", "라고", "랑", "며", "죠", "야", "었", "네요", "거든요")
_CHAIN_GAP = re.compile(r"(?:\s*(?:[-.,/·–]|에|다시)\s*|\s+)")


def _is_hangul(ch: str) -> bool:
    return "가" <= ch <= "힣"


@dataclass(frozen=True)
class View:
    """Normalised text; `origin[i]` is the (start, end) in the original of view character i."""

    text: str
    origin: tuple[tuple[int, int], ...]

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        return self.origin[start][0], self.origin[end - 1][1]


def char_view(text: str) -> View:
    """NFKC per character, every Unicode decimal digit read as ASCII; no spoken digits."""
    chars: list[str] = []
    origin: list[tuple[int, int]] = []
    for i, ch in enumerate(text):
        norm = unicodedata.normalize("NFKC", ch) if not ch.isascii() else ch
        for out in norm or ch:
            if not out.isascii() and out.isdecimal():
                out = str(unicodedata.decimal(out))
            chars.append(out)
            origin.append((i, i + 1))
    return View("".join(chars), tuple(origin))


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    digits: str  # "" for an ASCII digit run (kept as is)


def _spoken_tokens(text: str, copula_i: bool) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _SPOKEN_RUN.finditer(text):
        start, end = match.span()
        if start > 0 and _is_hangul(text[start - 1]) and text[start - 1] != "에":
            continue
        units = [(m.start() + start, m.end() + start, m.group()) for m in _UNIT.finditer(match.group())]
        # the longest prefix (in whole units) followed by a boundary or a particle
        while units:
            stop = units[-1][1]
            rest = text[stop:]
            if copula_i and units[-1][2] == "이" and rest.startswith(_COPULA_AFTER_I) and len(units) > 1:
                units.pop()
                continue
            if not rest or not _is_hangul(rest[0]) or rest.startswith(_PARTICLES):
                break
            units.pop()
        if units == [(start, start + 1, "이")] and start > 0 and text[start - 1].isdigit() and \
                text[end:].startswith(_COPULA_AFTER_I):
            continue  # "…5678이에요": the copula after typed digits
        if units:
            digits = "".join(NATIVE_DIGITS.get(u, str(DIGITS.get(u, ""))) for _s, _e, u in units)
            tokens.append(_Token(units[0][0], units[-1][1], digits))
    for match in re.finditer(r"\d+", text):
        tokens.append(_Token(match.start(), match.end(), ""))
    tokens.sort(key=lambda t: t.start)
    return tokens


def _chains(text: str, tokens: list[_Token]) -> list[list[_Token]]:
    chains: list[list[_Token]] = []
    for token in tokens:
        if chains:
            last = chains[-1][-1]
            gap = text[last.end:token.start]
            if token.start >= last.end and (gap == "" or _CHAIN_GAP.fullmatch(gap)):
                chains[-1].append(token)
                continue
        chains.append([token])
    return chains


def spoken_view(base: View, *, copula_i: bool) -> View:
    """`base` with spoken digit runs of long enough chains rewritten as digits."""
    text = base.text
    chars: list[str] = []
    origin: list[tuple[int, int]] = []
    pos = 0
    for chain in _chains(text, _spoken_tokens(text, copula_i)):
        count = sum(len(t.digits) if t.digits else t.end - t.start for t in chain)
        if count < MIN_CHAIN_DIGITS or not any(t.digits for t in chain):
            continue
        for token in chain:
            if not token.digits:
                continue
            chars.extend(text[pos:token.start])
            origin.extend(base.origin[pos:token.start])
            units = [m.group() for m in _UNIT.finditer(text[token.start:token.end])]
            offset = token.start
            for unit, digit in zip(units, token.digits, strict=True):
                chars.append(digit)
                origin.append((base.origin[offset][0], base.origin[offset + len(unit) - 1][1]))
                offset += len(unit)
            pos = token.end
    chars.extend(text[pos:])
    origin.extend(base.origin[pos:])
    return View("".join(chars), tuple(origin))


def views(text: str) -> tuple[View, ...]:
    """The character view and both spoken-digit readings (deduplicated)."""
    base = char_view(text)
    out = [base]
    for copula in (True, False):
        view = spoken_view(base, copula_i=copula)
        if all(view.text != v.text for v in out):
            out.append(view)
    return tuple(out)
