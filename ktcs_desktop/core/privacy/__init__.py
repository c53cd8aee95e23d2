"""Privacy by construction: find and replace Korean PII before any text leaves the PC.

    redact("제 번호는 공일공 일이삼사 오육칠팔이고 김철수예요", names=("김철수",))
    → "제 번호는 [전화번호]이고 [이름]예요"

`find_pii()` returns the spans (category, start, end) over the original text; `redact()` replaces
each with its typed placeholder. Categories: 주민번호, 외국인등록번호, 생년월일 (digits and spoken
"팔오년 삼월 이일"), 카드번호 and 유효기간, 계좌번호, 이메일, 주소, 이름 (the caller on screen and
other customers mentioned, with or without a space, the given name alone, before 님/씨/고객님,
and names after 성함/예금주/가족 words), 전화번호 (mobile, landline, spoken digits), 여권번호,
운전면허번호. Prices, GB, speeds, plan names with numbers, plan-change dates, ages and durations
are kept. `filter_model_output()` cleans what a model says before it is shown.
"""

from __future__ import annotations

from ktcs_desktop.core.privacy.minimize import minimize_transcript
from ktcs_desktop.core.privacy.output import (
    RedactingLogFilter,
    StreamRedactor,
    filter_model_output,
    strip_delimiters,
)
from ktcs_desktop.core.privacy.recognizers import name_variants
from ktcs_desktop.core.privacy.redactor import CATEGORIES, PLACEHOLDERS, PiiSpan, find_pii, redact

__all__ = [
    "CATEGORIES", "PLACEHOLDERS", "PiiSpan", "RedactingLogFilter", "StreamRedactor", "filter_model_output",
    "find_pii", "minimize_transcript", "name_variants", "redact", "strip_delimiters",
]
