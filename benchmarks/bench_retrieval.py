"""Retrieval benchmark: offline ingest time, then per-query latency (p50/p95) and quality over the
eval set for bm25, dense and hybrid. Run: `.venv/bin/python benchmarks/bench_retrieval.py`."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ktcs_desktop.core.catalog import load_shipped_catalog  # noqa: E402
from ktcs_desktop.core.config import Settings  # noqa: E402
from ktcs_desktop.core.retrieval import KnowledgeBase  # noqa: E402
from ktcs_desktop.core.retrieval.evaluation import evaluate, load_eval_set  # noqa: E402
from ktcs_desktop.core.retrieval.text import morphemes, tokenize  # noqa: E402
from ktcs_desktop.core.stats import percentile  # noqa: E402
from ktcs_desktop.ingestion import build_index  # noqa: E402


def main() -> int:
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(_env_file=None, ktcs_home=Path(home), openai_api_key=None,  # type: ignore[call-arg]
                            openai_base_url=None, ktcs_chroma_url=None)
        t0 = time.perf_counter()
        morphemes("요금제")  # opens MeCab's dictionary
        analyser_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        catalog = load_shipped_catalog()  # the eval set's facts
        report = build_index(settings, offline=True, catalog=catalog)
        ingest_s = time.perf_counter() - t0
        if not report.ok:
            print(report.message)
            return 1
        print(f"analyser (MeCab-ko) open: {analyser_s * 1000:.0f}ms")
        print(f"ingest (offline, 12 pages, {report.documents} docs): {ingest_s:.2f}s")
        t0 = time.perf_counter()
        kb = KnowledgeBase.open(settings, catalog=catalog)
        print(f"open index: {(time.perf_counter() - t0) * 1000:.0f}ms")
        items = load_eval_set()
        for mode in ("bm25", "dense", "hybrid"):
            kb.search(items[0].question, mode=mode)  # warm-up (lazy Chroma client)
            tokenize.cache_clear()  # time the morpheme analysis too, not the memo
            latencies = []
            for item in items:
                t0 = time.perf_counter()
                kb.search(item.question, k=5, mode=mode)
                latencies.append((time.perf_counter() - t0) * 1000)
            print(f"{mode:<7} latency over {len(items)} queries: p50={statistics.median(latencies):.1f}ms "
                  f"p95={percentile(latencies, 95):.1f}ms")
            print("        " + evaluate(kb, items, mode).line())
        del kb
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
