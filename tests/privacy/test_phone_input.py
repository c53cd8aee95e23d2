"""Phone input: NFKC, then ASCII digits only — identical on every database backend."""

from __future__ import annotations

import pytest

from ktcs_desktop.core.errors import InvalidInputError
from ktcs_desktop.core.phone import mask_phone, normalize_phone

NON_ASCII_DIGITS = {
    "arabic-indic": "٠١٠-١٢٣٤-٥٦٧٨", "persian": "۰۱۰-۱۲۳۴-۵۶۷۸", "devanagari": "०१०-१२३४-५६७८",
    "bengali": "০১০-১২৩৪-৫৬৭৮", "thai": "๐๑๐-๑๒๓๔-๕๖๗๘", "mixed": "010-1234-٥٦٧٨", "nko": "߀߁߀߁߂߃߄߅߆߇߈",
    "mathematical-bold": "\U0001d7ce\U0001d7cf\U0001d7ce1234 5678",  # NFKC → ASCII: accepted, see below
}  # fmt: skip


@pytest.mark.parametrize("name", [n for n in NON_ASCII_DIGITS if n != "mathematical-bold"])
def test_non_ascii_digits_are_refused_in_korean(name: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        normalize_phone(NON_ASCII_DIGITS[name])
    assert "0~9" in info.value.user_message


@pytest.mark.parametrize("raw", ["０１０－１２３４－５６７８", "０１０ １２３４ ５６７８", NON_ASCII_DIGITS["mathematical-bold"]])
def test_nfkc_forms_become_ascii(raw: str) -> None:
    assert normalize_phone(raw) == "01012345678"


def test_the_audit_mask_is_canonical_whatever_the_input_form() -> None:
    # NFKC turns superscripts and full-width digits into ASCII: the same canonical number …
    assert normalize_phone("010¹²³⁴5678") == "01012345678"
    # … so the only form the audit log ever stores is the ASCII mask
    assert mask_phone("０１０-１２３４-５６７８") == mask_phone("010 1234 5678") == "010-****-5678"
    assert mask_phone("٠١٠-١٢٣٤-٥٦٧٨") == "***"
