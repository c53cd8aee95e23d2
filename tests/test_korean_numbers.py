"""Sino-Korean numeral parsing and in-text normalization."""

from __future__ import annotations

import pytest

from ktcs_desktop.core.korean_numbers import normalize_korean_numbers, parse_korean_number, read_digits


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("영", 0), ("일", 1), ("십", 10), ("십사", 14), ("이십", 20), ("삼십", 30), ("육십구", 69),
        ("백", 100), ("백십", 110), ("천", 1000), ("이천이십육", 2026), ("만", 10000), ("오만", 50000),
        ("오만오천", 55000), ("5만5천", 55000), ("12만", 120000), ("십이만삼천사백", 123400),
        ("일억 이천만", 120_000_000), ("14", 14),
    ],
)  # fmt: skip
def test_parse(text, value):
    assert parse_korean_number(text) == value


@pytest.mark.parametrize("text", ["", "사이", "이사", "십십", "백천", "만만", "슬림", "오이", "14gb"])
def test_parse_rejects(text):
    assert parse_korean_number(text) is None


def test_read_digits():
    assert read_digits("공일공") == "010"
    assert parse_korean_number("공일공") == 10


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("요고 삼십", "요고 30"),
        ("십사기가", "14기가"),
        ("슬림 십사기가 주세요", "슬림 14기가 주세요"),
        ("오만오천원", "55000원"),
        ("오만 오천원이요", "55000원이요"),
        ("5만5천원", "55000원"),
        ("이십사개월 약정", "24개월 약정"),
        ("만 원", "10000 원"),
        ("삼십일", "31"),
        ("십사일에 변경", "14일에 변경"),
        ("공일공 일이삼사", "010 1234"),
        ("초이스 베이직", "초이스 베이직"),  # 이 inside words stays
        ("와이 요금제", "와이 요금제"),
        ("사이 좋게", "사이 좋게"),
        ("이것만 오늘", "이것만 오늘"),
        ("천만에요", "천만에요"),
        ("이 요금제", "이 요금제"),  # a lone digit syllable needs a counter
        ("웰컴 삼", "웰컴 삼"),
        ("이월", "이월"),  # carry-over in this domain, never February (see test_carryover_is_not_february)
        ("5G 슬림 14GB", "5G 슬림 14GB"),
    ],
)
def test_normalize(text, expected):
    assert normalize_korean_numbers(text) == expected


def test_bare_digits_when_allowed():
    assert normalize_korean_numbers("웰컴 삼", allow_bare_digit=True) == "웰컴 3"
    assert normalize_korean_numbers("초이스 일", allow_bare_digit=True) == "초이스 1"
    assert normalize_korean_numbers("초이스", allow_bare_digit=True) == "초이스"


def test_carryover_is_not_february() -> None:
    from ktcs_desktop.core.korean_numbers import normalize_korean_numbers

    assert normalize_korean_numbers("데이터가 이월 되나요") == "데이터가 이월 되나요"
    assert normalize_korean_numbers("슬림 이월 요금제", allow_bare_digit=True) == "슬림 이월 요금제"
    assert normalize_korean_numbers("십이월에 바꿀게요") == "12월에 바꿀게요"
