"""Transcript normalization: numbers with units, KT plan names; ordinary words left alone."""

from __future__ import annotations

import pytest

from ktcs_desktop.core.speech.postprocess import normalize_transcript, parse_korean_number


@pytest.mark.parametrize(
    ("spoken", "expected"),
    [
        ("오만오천원", "55,000원"),
        ("오만 오천 원이에요", "55,000원이에요"),
        ("요금은 육만 구천원입니다", "요금은 69,000원입니다"),
        ("구천구백원", "9,900원"),
        ("만 원 더 내요", "10,000원 더 내요"),
        ("4만 5천원", "45,000원"),
        ("55000원", "55,000원"),
        ("이 오만원짜리", "이 50,000원짜리"),
        ("삼십 기가", "30GB"),
        ("오백 메가", "500MB"),
        ("1.5기가", "1.5GB"),
        ("오 기가", "5GB"),
        ("슬림 십사 기가", "5G 슬림 14GB"),
        ("오지 슬림 이십일 기가로 바꿀게요", "5G 슬림 21GB로 바꿀게요"),
        ("5g 슬림 30 gb", "5G 슬림 30GB"),
        ("심플 백십 기가", "5G 심플 110GB"),
        ("파이브지 초이스 스페셜", "5G 초이스 스페셜"),
        ("초이스 프리미엄", "5G 초이스 프리미엄"),
        ("오지 요금제 중에 슬림 요금제", "5G 요금제 중에 5G 슬림 요금제"),
        ("엘티이 베이직", "LTE 베이직"),
        ("요고 육십구", "요고 69"),
        ("이십사개월", "24개월"),
        ("선택 약정 이십사 개월", "선택약정 24개월"),
        ("두 달 남았어요", "2개월 남았어요"),
        ("한 달에 삼십 기가 써요", "1개월에 30GB 써요"),
        ("이십오 퍼센트 할인", "25% 할인"),
        ("이십오프로 할인", "25% 할인"),
        ("이천이십사년", "2024년"),
        ("갤럭시 에스 이십사", "갤럭시 S24"),
        ("아이폰 십오 프로", "아이폰 15 프로"),
        # ordinary words that merely contain numeral syllables stay as they are
        ("데이터 이월 돼요", "데이터 이월 돼요"),
        ("사기가 의심돼요", "사기가 의심돼요"),
        ("오지 않아요", "오지 않아요"),
        ("이 분이 가입자세요", "이 분이 가입자세요"),
        ("기가지니 셋톱박스", "기가지니 셋톱박스"),
        ("이십 달러", "이십 달러"),
        ("원래 요금", "원래 요금"),
        ("공일공 일이삼사", "공일공 일이삼사"),
        ("", ""),
    ],
)
def test_normalize_transcript(spoken: str, expected: str) -> None:
    assert normalize_transcript(spoken) == expected


@pytest.mark.parametrize(
    ("text", "value"),
    [("오만오천", 55000), ("이십사", 24), ("백십", 110), ("만", 10000), ("4만5천", 45000),
     ("삼억 이천만", 320_000_000), ("1.5", 1.5), ("일이삼", None), ("기가", None)],
)
def test_parse_korean_number(text: str, value: int | float | None) -> None:
    assert parse_korean_number(text) == value


def test_idempotent() -> None:
    once = normalize_transcript("오지 슬림 십사 기가 오만오천원 선택 약정 이십사개월")
    assert once == "5G 슬림 14GB 55,000원 선택약정 24개월"
    assert normalize_transcript(once) == once
