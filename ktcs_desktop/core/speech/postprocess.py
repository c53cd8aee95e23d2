"""Normalize Korean transcripts so search finds what was said: numbers, units and plan names.

"오만오천원" → "55,000원", "슬림 십사 기가" → "5G 슬림 14GB", "이십사개월" → "24개월".
Numbers are only converted next to a unit or inside a plan name, because bare Korean numeral
syllables are everyday words (이 "this", 사 "buy", 오 "come", 이월 "carry-over").

Numeral values come from the shared parser in `ktcs_desktop/core/korean_numbers.py`; this
module decides *where* a number stands (units, plan names) and how to print it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ktcs_desktop.core.korean_numbers import DIGITS as _DIGITS
from ktcs_desktop.core.korean_numbers import SMALL_UNITS as _SMALL_UNITS
from ktcs_desktop.core.korean_numbers import parse_korean_number as shared_parse_korean_number

_BIG_UNITS = {"만": 10_000, "억": 100_000_000}
_NATIVE = {
    "열한": 11, "열두": 12, "한": 1, "두": 2, "세": 3, "석": 3, "네": 4, "넉": 4, "다섯": 5,
    "여섯": 6, "일곱": 7, "여덟": 8, "아홉": 9, "열": 10,
}  # fmt: skip

_KO_NUM_CHARS = "".join(_DIGITS) + "".join(_SMALL_UNITS) + "".join(_BIG_UNITS)
_NUM_TOKEN = rf"(?:\d[\d,]*(?:\.\d+)?|[{_KO_NUM_CHARS}]+)"
_NUM = rf"(?<![가-힣A-Za-z0-9.,]){_NUM_TOKEN}(?:\s?{_NUM_TOKEN})*"


def parse_korean_number(text: str) -> int | float | None:
    """'오만오천' → 55000, '4만5천' → 45000, '이십사' → 24, '1.5' → 1.5; None if not a number.

    Digit-by-digit readings ('일이삼') are rejected here: in a transcript they are codes, not
    quantities. Everything else is the shared numeral parser (`core.korean_numbers`).
    """
    s = text.replace(" ", "").replace(",", "")
    if not s:
        return None
    if re.fullmatch(r"\d+\.\d+", s):
        return float(s)
    if len(s) >= 2 and all(ch in _DIGITS for ch in s):
        return None
    return shared_parse_korean_number(s)


def _is_single_digit_syllable(num_text: str) -> bool:
    compact = num_text.replace(" ", "")
    return len(compact) == 1 and compact in _DIGITS


@dataclass(frozen=True)
class _Unit:
    pattern: str
    canonical: str
    money: bool = False
    # A lone digit syllable (이, 사, 오…) is a number only if: "always", "spaced" (a space
    # before the unit: "사 기가" yes, "사기가" = fraud no) or "never" (이 분 = this person).
    single_digit: str = "never"
    not_after: str | None = None  # regex the text before the number must not end with


_UNITS: tuple[_Unit, ...] = (
    _Unit(r"원(?!래|칙|본|리|인)", "원", money=True),
    _Unit(r"기가\s?바이트|기가(?!\s?지니)|지비|[Gg][Bb]", "GB", single_digit="spaced"),
    _Unit(r"메가\s?바이트|메가|[Mm][Bb]", "MB", single_digit="spaced"),
    _Unit(r"테라\s?바이트|테라|[Tt][Bb]", "TB", single_digit="spaced"),
    _Unit(r"개월", "개월", single_digit="always"),
    _Unit(r"퍼센트|%", "%", single_digit="spaced"),
    _Unit(r"프로(?=\s?(?:할인|요금|씩|정도|이상|이하)|\s*$|\s*[.,?!])", "%", single_digit="spaced",
          not_after=r"(?:아이폰|갤럭시|패드|맥북|폰)\s*$"),  # 아이폰 15 프로 is a model name
    _Unit(r"년(?!생)", "년"),
    _Unit(r"회선", "회선"),
    _Unit(r"분", "분"),
)

_UNIT_RE = re.compile(
    rf"(?P<num>{_NUM})(?P<sp>\s?)(?:" + "|".join(f"(?P<u{i}>{u.pattern})" for i, u in enumerate(_UNITS)) + ")"
)


def _format(value: int | float, money: bool) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return f"{value:,}" if money else str(value)


def _parse_suffix(num_text: str) -> tuple[str, int | float] | None:
    """Parse the longest space-separated suffix that is a number ("이 오만" → ("이 ", 50000))."""
    tokens = num_text.split(" ")
    for start in range(len(tokens)):
        value = parse_korean_number("".join(tokens[start:]))
        if value is not None:
            prefix = " ".join(tokens[:start])
            return (prefix + " " if prefix else ""), value
    return None


def _replace_unit(match: re.Match[str]) -> str:
    unit_index = next(i for i in range(len(_UNITS)) if match.group(f"u{i}") is not None)
    unit = _UNITS[unit_index]
    if unit.not_after and re.search(unit.not_after, match.string[: match.start()]):
        return match.group(0)
    parsed = _parse_suffix(match.group("num"))
    if parsed is None:
        return match.group(0)
    prefix, value = parsed
    num_text = match.group("num")[len(prefix) :]
    if _is_single_digit_syllable(num_text):
        if unit.single_digit == "never" or (unit.single_digit == "spaced" and not match.group("sp")):
            return match.group(0)
    return f"{prefix}{_format(value, unit.money)}{unit.canonical}"


_NATIVE_MONTHS_RE = re.compile(
    r"(?<![가-힣])(" + "|".join(sorted(_NATIVE, key=len, reverse=True)) + r")\s?달(?![러라리력콤걀성래])"
)  # "두 달" → 2개월, but not 달러 (dollar), 달라 (different), 달력 (calendar)


def _replace_native_months(match: re.Match[str]) -> str:
    return f"{_NATIVE[match.group(1)]}개월"


_PLAN_WORDS = r"(?:슬림|심플|초이스|베이직|스페셜|프리미엄|요금제|요금|폰|단말|데이터|망|가입|전용|플랜)"
_SUBSTITUTIONS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    # Network generation: "오지"/"5지" only before a plan word ("오지 않아요" = "doesn't come").
    (re.compile(rf"(?<![가-힣A-Za-z0-9])(?:오\s?지|파이브\s?지|5\s?지)(?=\s?{_PLAN_WORDS})"), "5G"),
    (re.compile(r"(?<![A-Za-z0-9])5\s?[gG](?![A-Za-z])"), "5G"),
    (re.compile(r"(?<![가-힣A-Za-z])(?:엘티이|엘티E|[lL][tT][eE])(?![가-힣A-Za-z])"), "LTE"),
    (re.compile(r"(?<![가-힣])(?:5G\s?)?(슬림|심플)\s?(\d+(?:\.\d+)?GB)"), r"5G \1 \2"),
    (re.compile(r"(?<![가-힣\w])(?<!5G )(슬림|심플|베이직|스페셜)(?=\s?(?:요금제|플랜))"), r"5G \1"),
    (re.compile(r"(?<![가-힣])(?:5G\s?)?초이스\s?(베이직|스페셜|프리미엄)"), r"5G 초이스 \1"),
    (re.compile(r"선택\s+약정"), "선택약정"),
    (re.compile(r"데이터\s?쉐어링|데이터\s?셰어링"), "데이터 쉐어링"),
)

# Plan / device names followed by a bare number: "요고 육십구" → "요고 69", "아이폰 십오" → "아이폰 15".
_NAMED_NUMBER_RE = re.compile(rf"(?P<name>요고|아이폰|갤럭시\s?(?:에스|S))\s?(?P<num>{_NUM})(?![가-힣0-9])")


def _replace_named_number(match: re.Match[str]) -> str:
    value = parse_korean_number(match.group("num"))
    if value is None or isinstance(value, float) or not 5 <= value < 200:
        return match.group(0)
    name = match.group("name")
    if name.startswith("갤럭시"):
        return f"갤럭시 S{value}"
    return f"{name} {value}"


def normalize_transcript(text: str) -> str:
    """Canonical numbers, units and KT plan names; otherwise the text is left as spoken."""
    if not text:
        return text
    out = _NATIVE_MONTHS_RE.sub(_replace_native_months, text)
    out = _UNIT_RE.sub(_replace_unit, out)
    out = _NAMED_NUMBER_RE.sub(_replace_named_number, out)
    for pattern, replacement in _SUBSTITUTIONS:
        out = pattern.sub(replacement, out)
    return re.sub(r"[ \t]{2,}", " ", out).strip()
