"""What leaves the machine: phone numbers and the caller's name are masked first."""

from __future__ import annotations

from ktcs_desktop.core.phone import mask_phones_in_text

CALLER_PLACEHOLDER = "고객"


def mask_text(text: str, names: tuple[str, ...] | list[str] = ()) -> str:
    """Mask mobile numbers and replace each given name (the caller's) with "고객"."""
    masked = mask_phones_in_text(text)
    for name in names:
        if name and len(name.strip()) >= 2:
            masked = masked.replace(name.strip(), CALLER_PLACEHOLDER)
            compact = name.replace(" ", "")
            if compact != name:
                masked = masked.replace(compact, CALLER_PLACEHOLDER)
    return masked
