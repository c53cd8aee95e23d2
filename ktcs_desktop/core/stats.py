"""Latency figures for evaluations and benchmarks: one definition of a percentile."""

from __future__ import annotations

from collections.abc import Iterable


def percentile(values: Iterable[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0–100) of a non-empty sample."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of an empty sample")
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]
