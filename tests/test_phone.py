from __future__ import annotations

import pytest

from ktcs_desktop.core.errors import InvalidInputError
from ktcs_desktop.core.phone import format_phone, mask_phone, mask_phones_in_text, normalize_phone


@pytest.mark.parametrize("raw", ["010-1234-5678", "01012345678", "010 1234 5678", "+82 10-1234-5678",
                                 "+821012345678", "82-10-1234-5678", "+82 (0)10 1234 5678", " 010.1234.5678 "])
def test_accepted_forms(raw: str) -> None:
    assert normalize_phone(raw) == "01012345678"


@pytest.mark.parametrize(("raw", "message"), [
    ("", "입력해 주세요"),
    ("   ", "입력해 주세요"),
    ("02-123-4567", "010으로 시작"),
    ("010-123", "자릿수"),
    ("010-1234-56789", "자릿수"),
    ("010-12ab-5678", "숫자만"),
    ("+1 555 123 4567", "+82"),
])
def test_rejected_with_korean_message(raw: str, message: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        normalize_phone(raw)
    assert message in info.value.user_message


def test_format_and_mask() -> None:
    assert format_phone("01012345678") == "010-1234-5678"
    assert format_phone("0111234567") == "011-123-4567"
    assert mask_phone("010-1234-5678") == "010-****-5678"
    assert mask_phone("garbage") == "***"


def test_mask_phones_in_free_text() -> None:
    text = "고객 010-1234-5678, 보호자 +82 10 9999 8888 / 요금 55,000원, 2026-11-26"
    masked = mask_phones_in_text(text)
    assert "1234" not in masked and "9999" not in masked
    assert "010-****-5678" in masked and "010-****-8888" in masked
    assert "55,000원" in masked and "2026-11-26" in masked
