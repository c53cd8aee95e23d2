"""Offline assistant answer latency (p50/p95) and intent accuracy over the shipped eval set (ktcs_desktop/evaldata/assistant_eval.jsonl)."""

from __future__ import annotations

import statistics
import time

from ktcs_desktop.cli.assistant import evaluate
from ktcs_desktop.core.assistant import OfflineProvider
from ktcs_desktop.core.catalog import load_shipped_catalog


def main() -> None:
    OfflineProvider(load_shipped_catalog()).answer("슬림 14기가 얼마예요?")  # warm the catalog (the eval set states shipped facts)
    runs = [evaluate() for _ in range(5)]
    p50 = statistics.median(r["p50_ms"] for r in runs)
    p95 = statistics.median(r["p95_ms"] for r in runs)
    start = time.perf_counter()
    print(f"questions={runs[0]['questions']} intent_accuracy={runs[0]['intent_accuracy']:.3f} "
          f"facts_complete={runs[0]['facts_complete']:.3f}")
    print(f"offline answer latency: p50={p50:.2f} ms  p95={p95:.2f} ms  (median of 5 passes)")
    _ = start


if __name__ == "__main__":
    main()
