"""Korean mobile phone numbers: parsing what agents type, formatting and masking."""

from __future__ import annotations

import re
import unicodedata

from ktcs_desktop.core.errors import InvalidInputError

_SEPARATORS = re.compile(r"[\s\-.()/]")
_MOBILE = re.compile(r"^01[016789]\d{7,8}$")


def normalize_phone(raw: str) -> str:
    """Return the canonical 10–11 digit form ("01012345678") of a Korean mobile number.

    Accepts 010-1234-5678, 01012345678, "010 1234 5678", +82 10-1234-5678, 82-10-…,
    +82 (0)10 …. Raises InvalidInputError with a Korean message otherwise.
    """
    if raw is None or not str(raw).strip():
        raise InvalidInputError("전화번호를 입력해 주세요.")
    # NFKC first (full-width ０１０ becomes 010), then ASCII digits only: Arabic-Indic, Persian,
    # Devanagari … digits are refused, so every database backend sees the same canonical number.
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(raw)).strip())
    if any(ch.isdigit() and not ch.isascii() for ch in text):
        raise InvalidInputError("전화번호는 0~9 숫자로만 입력해 주세요. 예: 010-1234-5678", detail=raw)
    if text.startswith("+"):
        text = text[1:]
        if not text.startswith("82"):
            raise InvalidInputError("국내 휴대전화 번호(+82)만 조회할 수 있습니다.", detail=raw)
    if text.startswith("82") and len(text) >= 11:
        text = text[2:]
        if not text.startswith("0"):
            text = "0" + text
    if not (text.isascii() and text.isdigit()):
        raise InvalidInputError("전화번호에는 숫자만 입력해 주세요. 예: 010-1234-5678", detail=raw)
    if not text.startswith("01"):
        raise InvalidInputError("휴대전화 번호는 010으로 시작해야 합니다. 예: 010-1234-5678", detail=raw)
    if not _MOBILE.match(text):
        raise InvalidInputError(
            f"휴대전화 번호 자릿수가 맞지 않습니다({len(text)}자리). 예: 010-1234-5678", detail=raw
        )
    return text


def format_phone(digits: str) -> str:
    """01012345678 → 010-1234-5678 (010-123-4567 for 10 digits)."""
    if len(digits) == 11:
        return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    if len(digits) == 10:
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    return digits


def mask_phone(digits_or_formatted: str) -> str:
    """Hide the middle block: 010-1234-5678 → 010-****-5678."""
    try:
        digits = normalize_phone(digits_or_formatted)
    except InvalidInputError:
        return "***"
    middle = len(digits) - 7
    return f"{digits[:3]}-{'*' * middle}-{digits[-4:]}"


_PHONE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?82[\s-]?)?0?1[016789][\s.-]?\d{3,4}[\s.-]?\d{4}(?!\d)")


def mask_phones_in_text(text: str) -> str:
    """Mask every mobile number found in free text (before it leaves the machine)."""
    return _PHONE_IN_TEXT.sub(lambda match: mask_phone(match.group(0)), text)


def mask_name(name: str) -> str:
    """Hide the middle of a Korean name for exports and prompts: 김민수 → 김*수, 이산 → 이*."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
