"""Map how agents and callers say a plan ("슬림 십사기가", "시니어 에이형") to catalog entries.

One small scorer instead of special cases: the query and every plan name go through the same
normalizer (aliases → ascii words, Korean numerals → digits, numbers with units), then a plan
matches when it has every word of the query and every number fits one of its attributes. The score
is the share of terms that matched, so "베이직" ranks 5G 베이직 above 5G 초이스 베이직.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Literal

from ktcs_desktop.core.korean_numbers import normalize_korean_numbers

if TYPE_CHECKING:
    from ktcs_desktop.core.catalog.models import Plan

Unit = Literal["gb", "won"] | None

# canonical word → the spellings people use (Hangul, English, common misspellings)
WORD_ALIASES: dict[str, tuple[str, ...]] = {
    "simple": ("심플", "심풀", "simple"),
    "choice": ("초이스", "쵸이스", "choice"),
    "special": ("스페셜", "스페샬", "special"),
    "basic": ("베이직", "베이식", "basic"),
    "premium": ("프리미엄", "프리미움", "premium"),
    "slim": ("슬림", "slim"),
    "carryover": ("이월", "carryover"),
    "yteen": ("틴", "teen"),
    "junior": ("주니어", "쥬니어", "junior"),
    "senior": ("시니어", "senior"),
    "welcome": ("웰컴", "웰콤", "welcome"),
    "welfare": ("복지", "장애인", "welfare"),
    "yogo": ("요고", "yogo"),
}
# Single letters said in Hangul; only taken as letters when they stand alone or before 형.
LETTER_ALIASES: dict[str, tuple[str, ...]] = {"y": ("와이",), "a": ("에이",), "b": ("비",), "c": ("씨",)}
NOISE_WORDS: tuple[str, ...] = ("요금제", "요금", "플랜", "다이렉트", "상품", "형")

FUZZY_THRESHOLD = 0.8
FUZZY_WEIGHT = 0.9
ATTRIBUTE_WEIGHT = 0.5  # a number that fits the plan's data or fee but is not in its name

_HANGUL_WORD_ALIASES = {
    alias: canon for canon, aliases in WORD_ALIASES.items() for alias in aliases if not alias.isascii()
}
_ASCII_WORDS = {
    alias: canon for canon, aliases in WORD_ALIASES.items() for alias in aliases if alias.isascii()
}
_ASCII_WORDS.update({canon: canon for canon in WORD_ALIASES})  # substituted Hangul aliases
_ASCII_WORDS.update({letter: letter for letter in LETTER_ALIASES})
# A particle right after a plan word ("슬림이", "베이직은", "요고로") goes with it: left alone it
# would read as a number ("이" → 2).
_PARTICLE = r"(?:(?:이랑|하고|으로|이|가|은|는|을|를|로|도|만|랑|과|와|요)(?![가-힣]))?"
_WORD_RE = re.compile(
    "(" + "|".join(sorted(map(re.escape, _HANGUL_WORD_ALIASES), key=len, reverse=True)) + ")" + _PARTICLE
)
_LETTER_RE = re.compile(
    r"(?<![가-힣])("
    + "|".join(alias for aliases in LETTER_ALIASES.values() for alias in aliases)
    + r")(?=형|[^가-힣]|$)"
)
_LETTER_BY_ALIAS = {alias: letter for letter, aliases in LETTER_ALIASES.items() for alias in aliases}
_NOISE_RE = re.compile("|".join(sorted(map(re.escape, NOISE_WORDS), key=len, reverse=True)))
_PUNCT_RE = re.compile(r"[^\w.]|_|(?<!\d)\.|\.(?!\d)")
_TERM_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(기가바이트|기가|gb|g|원)?|([a-z]+)|([가-힣]+)")


@dataclass(frozen=True)
class PlanQuery:
    """A normalized query: canonical words and numbers with their unit."""

    words: frozenset[str]
    numbers: tuple[tuple[float, Unit], ...]
    fuzzy_words: frozenset[str] = frozenset()  # words that were only matched approximately

    @property
    def is_empty(self) -> bool:
        return not self.words and not self.numbers


@dataclass(frozen=True)
class PlanMatch:
    plan: Plan
    score: float  # 0 < score <= 1; 1 means every term of query and plan name matched


def parse_plan_query(text: str) -> PlanQuery:
    """Normalize free text into canonical plan words and numbers.

    >>> parse_plan_query("5G 슬림 십사기가")
    PlanQuery(words=frozenset({'slim'}), numbers=((14.0, 'gb'),), fuzzy_words=frozenset())
    """
    text = unicodedata.normalize("NFKC", text).lower()
    text = _PUNCT_RE.sub(" ", text)
    text = _WORD_RE.sub(lambda m: f" {_HANGUL_WORD_ALIASES[m.group(1)]} ", text)
    text = _LETTER_RE.sub(lambda m: f" {_LETTER_BY_ALIAS[m.group(1)]} ", text)
    # Numbers first: a bare numeral is only read where it stands alone in what was said, not
    # where removing a noise word left a particle behind ("요금이" must not become "요금 2").
    text = normalize_korean_numbers(text, allow_bare_digit=True)
    text = _NOISE_RE.sub(" ", text)

    words: set[str] = set()
    exact: set[str] = set()
    fuzzy: set[str] = set()
    numbers: list[tuple[float, Unit]] = []
    for index, match in enumerate(_TERM_RE.finditer(text)):
        number, unit, ascii_word, hangul = match.groups()
        if number is not None:
            value = float(number)
            if index == 0 and value == 5 and unit == "g":
                continue  # a leading "5G" names the network, not 5GB
            if unit == "원" or (unit is None and value >= 1000):
                numbers.append((value, "won"))
            else:
                numbers.append((value, "gb" if unit else None))
        elif ascii_word is not None:
            if ascii_word in _ASCII_WORDS:
                words.add(_ASCII_WORDS[ascii_word])
                exact.add(_ASCII_WORDS[ascii_word])
        elif hangul is not None and (guess := _fuzzy_word(hangul)) is not None:
            words.add(guess)
            fuzzy.add(guess)
    if "yteen" in words:
        words.discard("y")  # "Y틴" is one product, not Y + 틴
    return PlanQuery(frozenset(words), tuple(numbers), frozenset(fuzzy - exact))


def _jamo(text: str) -> str:
    """Hangul syllables decomposed into jamo, so one wrong consonant costs little."""
    out: list[str] = []
    for char in text:
        code = ord(char) - 0xAC00
        if 0 <= code < 11172:
            out.append(chr(0x1100 + code // 588))
            out.append(chr(0x1161 + (code % 588) // 28))
            if code % 28:
                out.append(chr(0x11A7 + code % 28))
        else:
            out.append(char)
    return "".join(out)


_JAMO_ALIASES = {_jamo(alias): canon for alias, canon in _HANGUL_WORD_ALIASES.items() if len(alias) >= 2}


def _fuzzy_word(token: str) -> str | None:
    if len(token) < 2:
        return None
    decomposed = _jamo(token)
    best, best_ratio = None, 0.0
    for alias, canon in _JAMO_ALIASES.items():
        ratio = SequenceMatcher(None, decomposed, alias).ratio()
        if ratio > best_ratio:
            best, best_ratio = canon, ratio
    return best if best_ratio >= FUZZY_THRESHOLD else None


class PlanResolver:
    """Scores plans against a query; built once per catalog."""

    def __init__(self, plans: Iterable[Plan]):
        self._entries = [(plan, parse_plan_query(plan.name)) for plan in plans]

    def resolve(self, text: str) -> list[PlanMatch]:
        query = parse_plan_query(text)
        if query.is_empty:
            return []
        matches = []
        for plan, name_terms in self._entries:
            score = _score(query, plan, name_terms)
            if score > 0:
                matches.append(PlanMatch(plan, round(score, 4)))
        matches.sort(key=lambda m: -m.score)  # stable: ties keep catalog order
        return matches


def _score(query: PlanQuery, plan: Plan, name_terms: PlanQuery) -> float:
    if not query.words <= name_terms.words:
        return 0.0
    matched = sum(FUZZY_WEIGHT if word in query.fuzzy_words else 1.0 for word in query.words)
    for value, unit in query.numbers:
        weight = _number_weight(value, unit, plan, name_terms)
        if weight == 0:
            return 0.0
        matched += weight
    plan_terms = len(name_terms.words) + len(name_terms.numbers)
    query_terms = len(query.words) + len(query.numbers)
    return matched / max(plan_terms, query_terms)


def _number_weight(value: float, unit: Unit, plan: Plan, name_terms: PlanQuery) -> float:
    """How well a number fits: 1 when the plan's name says it, 0.5 for its data or fee, else 0."""
    names_price = plan.family == "요고"  # 요고 30 costs 30,000원
    names_data = bool(name_terms.numbers) and not names_price  # 슬림 14GB, 웰컴 3 (= 3GB)
    if unit == "won":
        if plan.monthly_fee == value:
            return 1.0 if names_price else ATTRIBUTE_WEIGHT
        return 0.0
    if unit is None and names_price and plan.monthly_fee == value * 1000:
        return 1.0
    if plan.data_gb is not None and plan.data_gb == value:
        return 1.0 if names_data else ATTRIBUTE_WEIGHT
    return 0.0


# -- quantities that are not plan names -------------------------------------------------------------
_NATIVE_TENS = {"열": 10, "스물": 20, "스무": 20, "서른": 30, "마흔": 40, "쉰": 50, "예순": 60, "일흔": 70, "여든": 80,
                "아흔": 90}
_NATIVE_UNITS = {"하나": 1, "한": 1, "둘": 2, "두": 2, "셋": 3, "세": 3, "넷": 4, "네": 4, "다섯": 5, "여섯": 6,
                 "일곱": 7, "여덟": 8, "아홉": 9}
_NATIVE_AGE_RE = re.compile(
    "(" + "|".join(_NATIVE_TENS) + ")?\\s*(" + "|".join(sorted(_NATIVE_UNITS, key=len, reverse=True)) + ")?\\s*살")
_AGE_RE = re.compile(r"(?:만\s*)?(\d{1,3})\s*(?:세|살)(?![가-힣]{0,1}대)")
_AMOUNT_RE = re.compile(r"(\d[\d,]*)\s*(만\s*원|천\s*원|원)(\s*대)?")
_BARE_MAN_RE = re.compile(r"(?<![\d.])(\d{1,2})\s*만(?=\s*(?:원|$|\s|이하|이상|안|대|정도|까지|짜리|내))")
_MONTHS_RE = re.compile(r"(\d{1,3})\s*개월")
_MAN_AGE_RE = re.compile(r"만\s*(?=[0-9일이삼사오육칠팔구십]+\s*(?:세|살))")


@dataclass(frozen=True)
class Quantities:
    """Ages, amounts and durations said in a question, and the text with them blanked out, so
    "34살" or "4만원" is never read as 요고 34 / 요고 40."""

    text: str  # the question with each quantity replaced by spaces
    ages: tuple[int, ...] = ()
    amounts: tuple[int, ...] = ()  # won
    amount_ranges: tuple[tuple[int, int], ...] = ()  # "3만원대" → (30000, 39999)
    months: tuple[int, ...] = ()


def _native_age(m: re.Match[str]) -> int | None:
    tens, units = m.group(1), m.group(2)
    if not tens and not units:
        return None
    return _NATIVE_TENS.get(tens or "", 0) + _NATIVE_UNITS.get(units or "", 0)


def extract_quantities(text: str) -> Quantities:
    text = unicodedata.normalize("NFKC", text)
    ages: list[int] = []
    blank = list(text)

    def cut(start: int, end: int) -> None:
        blank[start:end] = " " * (end - start)

    for m in _NATIVE_AGE_RE.finditer(text):
        age = _native_age(m)
        if age:
            ages.append(age)
            cut(m.start(), m.end())
    text = "".join(blank)
    text = _MAN_AGE_RE.sub("", text)  # "만 육십오세": 만 나이, not 10,000
    text = normalize_korean_numbers(text, allow_bare_digit=True)
    text = _BARE_MAN_RE.sub(lambda m: f"{m.group(1)}0000원" if not text[m.end():].lstrip().startswith("원")
                            else f"{m.group(1)}0000", text)
    blank = list(text)
    amounts: list[int] = []
    ranges: list[tuple[int, int]] = []
    months: list[int] = []
    for m in _AGE_RE.finditer(text):
        ages.append(int(m.group(1)))
        cut(m.start(), m.end())
    for m in _AMOUNT_RE.finditer(text):
        value = int(m.group(1).replace(",", ""))
        unit = m.group(2).replace(" ", "")
        value *= 10_000 if unit == "만원" else 1_000 if unit == "천원" else 1
        if m.group(3):
            step = 10 ** (len(str(value)) - 1)
            ranges.append((value, value + step - 1))
        amounts.append(value)
        cut(m.start(), m.end())
    for m in _MONTHS_RE.finditer(text):
        months.append(int(m.group(1)))
        cut(m.start(), m.end())
    return Quantities("".join(blank), tuple(ages), tuple(amounts), tuple(ranges), tuple(months))


_STT_RE = re.compile(r"(?<![가-힣])(?:오지|5지|오쥐)(?=\s*(?:슬림|심플|씸플|베이직|베이식|스페셜|초이스|주니어|시니어|웰컴|복지|Y|와이))")


def normalize_spoken(text: str) -> str:
    """STT forms of the network name: "오지 슬림" → "5G 슬림"."""
    return _STT_RE.sub("5G", text)
