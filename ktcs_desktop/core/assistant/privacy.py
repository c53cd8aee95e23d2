"""What leaves the machine is redacted first (compatibility wrapper over `core.privacy.redact`)."""

from __future__ import annotations

from collections.abc import Iterable

from ktcs_desktop.core.privacy import redact


def mask_text(text: str, names: Iterable[str] = (), others: Iterable[str] = ()) -> str:
    """Every PII span (phones, 주민번호, 생년월일, cards, accounts, e-mail, addresses, the given
    names and their variants …) replaced by a typed placeholder ([전화번호], [이름] …)."""
    return redact(text, names=tuple(names), others=tuple(others))
