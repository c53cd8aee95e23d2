"""Data minimisation: what a wrap-up summary needs from a transcript, and nothing more."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ktcs_desktop.core.privacy.redactor import find_pii, redact

# identity checks and payment details add nothing to a summary (intent, plans, offers, outcome)
IDENTITY_CATEGORIES = frozenset({"rrn", "arn", "dob", "card", "card_expiry", "account", "passport", "driver_license"})
_IDENTITY_WORDS = re.compile(r"본인\s*확인|생년\s*월일|생일|주민\s*(?:등록)?\s*번호|외국인\s*등록|여권|운전\s*면허|면허\s*번호"
                             r"|카드\s*번호|유효\s*기간|계좌\s*번호|비밀\s*번호")
OMITTED = "(본인 확인·결제 정보 발화 생략)"


def minimize_transcript(transcript: str, names: Iterable[str] | str | None = (),
                        others: Iterable[str] | str | None = ()) -> str:
    """The transcript for a summary request: identity-check and payment lines dropped (one marker
    per run of them), every other line redacted."""
    out: list[str] = []
    for line in transcript.splitlines():
        spans = find_pii(line, names=names, others=others)
        if _IDENTITY_WORDS.search(line) or any(s.category in IDENTITY_CATEGORIES for s in spans):
            if not out or out[-1] != OMITTED:
                out.append(OMITTED)
            continue
        out.append(redact(line, names=names, others=others))
    return "\n".join(out)
