"""How amounts are written for agents: one place, so every pane, answer and export agrees."""

from __future__ import annotations


def won(amount: int) -> str:
    """55000 → "55,000원"."""
    return f"{amount:,}원"
