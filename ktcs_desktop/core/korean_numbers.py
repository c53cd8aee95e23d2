"""Sino-Korean numerals in free text → digits ("십사기가" → "14기가", "오만오천원" → "55000원").

Shared by the plan resolver, the speech post-processor and the assistant. Conversion is
conservative: a run of numeral syllables is only rewritten when it stands on its own (not inside
a word such as "초이스" or "베이직") and reads as a well-formed number, so ordinary words survive.
"""

from __future__ import annotations

import re

DIGITS: dict[str, int] = {
    "영": 0, "공": 0, "일": 1, "이": 2, "삼": 3, "사": 4,
    "오": 5, "육": 6, "륙": 6, "칠": 7, "팔": 8, "구": 9,
}  # fmt: skip
SMALL_UNITS: dict[str, int] = {"십": 10, "백": 100, "천": 1000}
BIG_UNITS: dict[str, int] = {"만": 10_000, "억": 100_000_000, "조": 1_000_000_000_000}

# Counters that may follow a number directly ("삼십기가", "이일", "오만원").
COUNTERS: tuple[str, ...] = (
    "기가바이트", "기가", "메가", "테라", "퍼센트", "프로", "개월", "회선", "만원", "천원",
    "원", "분", "초", "달", "세", "살", "형", "년", "월", "일", "시", "번", "건", "명", "gb", "g", "%",
)  # fmt: skip

_NUMERAL_CHARS = "".join(DIGITS) + "".join(SMALL_UNITS) + "".join(BIG_UNITS)
_RUN = re.compile(rf"[0-9{_NUMERAL_CHARS}]+")
# "오만 오천" is one number: join a big unit to a following numeral across spaces.
_SPACED_BIG_UNIT = re.compile(
    rf"(?<=[0-9{''.join(DIGITS)}{''.join(SMALL_UNITS)}])([만억조])\s+(?=[0-9{_NUMERAL_CHARS}])"
)
_TOKEN = re.compile(rf"\d+|[{''.join(DIGITS)}]|[{''.join(SMALL_UNITS)}]|[{''.join(BIG_UNITS)}]")


def _is_hangul(char: str) -> bool:
    return "가" <= char <= "힣"


def parse_korean_number(text: str) -> int | None:
    """The value of a whole numeral string, or None when it is not a well-formed number.

    Accepts Sino-Korean numerals ("삼십", "십사", "오만오천"), digits mixed with units ("5만5천"),
    and digit-by-digit readings of three or more digits ("공일공" → 10; use `read_digits` to
    keep the leading zero).
    """
    text = text.strip().replace(" ", "")
    if not text or _RUN.fullmatch(text) is None:
        return None
    if text.isdigit():
        return int(text)
    if len(text) >= 3 and all(ch in DIGITS for ch in text):
        return int(read_digits(text))
    tokens = _TOKEN.findall(text)
    total = 0
    section = 0  # the part below the current big unit
    digit: int | None = None
    last_small = 10**5  # small units must descend inside a section (천 > 백 > 십)
    last_big = 10**13
    for token in tokens:
        if token.isdigit():
            if digit is not None:
                return None
            digit = int(token)
        elif token in DIGITS:
            if digit is not None:  # two digits in a row ("사이") is not a number
                return None
            digit = DIGITS[token]
        elif token in SMALL_UNITS:
            unit = SMALL_UNITS[token]
            if unit >= last_small or (digit is not None and digit >= 10):
                return None
            section += (1 if digit is None else digit) * unit
            last_small = unit
            digit = None
        else:
            unit = BIG_UNITS[token]
            if unit >= last_big:
                return None
            section += 0 if digit is None else digit
            total += (section or 1) * unit
            section, digit, last_small, last_big = 0, None, 10**5, unit
    return total + section + (0 if digit is None else digit)


def read_digits(text: str) -> str:
    """Digit-by-digit reading ("공일공" → "010"); characters that are not digits are dropped."""
    return "".join(str(DIGITS[ch]) for ch in text if ch in DIGITS)


def normalize_korean_numbers(text: str, *, allow_bare_digit: bool = False) -> str:
    """Rewrite standalone Sino-Korean numerals in `text` as digits, leaving other words alone.

    A run is rewritten when nothing Hangul touches it on the left and it is followed by the end,
    a non-Hangul character or a counter (기가, 원, 분, 세, …). A lone digit syllable ("이", "일")
    is too often a word, so it needs a counter after it unless `allow_bare_digit` is set.
    """
    text = _SPACED_BIG_UNIT.sub(r"\1", text)
    out: list[str] = []
    pos = 0
    for match in _RUN.finditer(text):
        start, end = match.span()
        run = match.group()
        if run.isdigit() or (start > 0 and _is_hangul(text[start - 1])):
            continue
        replacement = _convert_run(run, text[end:], allow_bare_digit)
        if replacement is None:
            continue
        value, used = replacement
        out.append(text[pos:start])
        out.append(str(value))
        pos = start + used
    out.append(text[pos:])
    return "".join(out)


def _convert_run(run: str, rest: str, allow_bare_digit: bool) -> tuple[str, int] | None:
    """Longest prefix of `run` that is a number followed by a boundary; (digits, chars used)."""
    for length in range(len(run), 0, -1):
        head, tail = run[:length], run[length:] + rest
        if not _ends_cleanly(tail):
            continue
        if length == 1 and head in DIGITS and not allow_bare_digit and not _starts_with_counter(tail):
            continue
        if head == "이" and tail.startswith("월"):
            continue  # 이월 is data carry-over in this domain, not February
        if len(head) >= 3 and all(ch in DIGITS for ch in head):
            return read_digits(head), length
        value = parse_korean_number(head)
        if value is not None:
            return str(value), length
    return None


def _starts_with_counter(tail: str) -> bool:
    lowered = tail.lower()
    return any(lowered.startswith(counter) for counter in COUNTERS)


def _ends_cleanly(tail: str) -> bool:
    return not tail or not _is_hangul(tail[0]) or _starts_with_counter(tail)
