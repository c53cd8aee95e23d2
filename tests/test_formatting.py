from __future__ import annotations

import pytest

from ktcs_desktop.core.formatting import josa, won


def test_won() -> None:
    assert won(55000) == "55,000원"
    assert won(0) == "0원"


@pytest.mark.parametrize(("word", "particle", "expected"), [
    ("5G 베이직", "은/는", "5G 베이직은"),
    ("5G 슬림 14GB", "은/는", "5G 슬림 14GB는"),
    ("5G 시니어 A형", "은/는", "5G 시니어 A형은"),
    ("요고 30", "이/가", "요고 30이"),
    ("요고 32", "이/가", "요고 32가"),
    ("5G 심플 110G", "은/는", "5G 심플 110G는"),
    ("5G 초이스 스페셜", "을/를", "5G 초이스 스페셜을"),
    ("5G Y틴", "과/와", "5G Y틴과"),
    ("5G 웰컴 5", "으로/로", "5G 웰컴 5로"),
    ("5G 웰컴 1", "으로/로", "5G 웰컴 1로"),  # 일 ends in ㄹ
    ("5G 베이직", "으로/로", "5G 베이직으로"),
    ("5G 슬림(이월) 21GB", "이/가", "5G 슬림(이월) 21GB가"),
    ("데이터 무제한 (최대 1Mbps)", "이/가", "데이터 무제한 (최대 1Mbps)가"),
    ("5G 스페셜+", "은/는", "5G 스페셜+는"),  # 플러스: one helper for the recommender and the assistant
    ("5G 스페셜+", "으로/로", "5G 스페셜+로"),
    ("요고 50%", "이/가", "요고 50%가"),
])
def test_josa_follows_the_spoken_final_consonant(word: str, particle: str, expected: str) -> None:
    assert josa(word, particle) == expected


def test_percentile_nearest_rank() -> None:
    from ktcs_desktop.core.stats import percentile

    values = list(range(1, 101))  # 1..100
    assert percentile(values, 50) in (50, 51)
    assert percentile(values, 95) == 95
    assert percentile([7.0], 95) == 7.0
    assert percentile(reversed(values), 100) == 100
    with pytest.raises(ValueError):
        percentile([], 50)
