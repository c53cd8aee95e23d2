"""Recommendation latency for one caller: median and p95 of `recommend()` over repeated runs.

    python benchmarks/bench_recommend.py [--runs 2000]

Uses the sample caller 박지민 (heavy user) with and without an OTT request; the catalog is loaded
once beforehand (as in the app). Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ktcs_desktop.core.catalog import load_shipped_catalog  # noqa: E402
from ktcs_desktop.core.models import CustomerProfile, UsageSummary  # noqa: E402
from ktcs_desktop.core.recommend import CallNeeds, recommend  # noqa: E402
from ktcs_desktop.core.stats import percentile  # noqa: E402
from ktcs_desktop.core.storage.seed import sample_customers  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args()
    today = date.today()
    caller = next(c for c in sample_customers(today) if c.phone == "01011112222")
    profile = CustomerProfile(
        id=1, phone=caller.phone, name=caller.name, birth_date=caller.birth_date,
        is_foreigner=caller.is_foreigner, is_welfare=caller.is_welfare, current_plan=caller.current_plan,
        contract_type=caller.contract_type, contract_end=caller.contract_end, join_date=caller.join_date)
    usage = UsageSummary(caller.usage)

    started = time.perf_counter()
    catalog = load_shipped_catalog()
    print(f"catalog load: {(time.perf_counter() - started) * 1000:.1f} ms ({len(catalog)} plans)")
    for label, needs in (("no needs", None), ("넷플릭스 + budget", CallNeeds(budget=70_000, ott=("넷플릭스",)))):
        recommend(profile, usage, needs, catalog=catalog, today=today)  # warm-up
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            recommend(profile, usage, needs, catalog=catalog, today=today)
            times.append((time.perf_counter() - t0) * 1000)
        p95 = percentile(times, 95)
        print(f"recommend ({label}): median {statistics.median(times):.3f} ms, p95 {p95:.3f} ms, "
              f"runs {args.runs}")


if __name__ == "__main__":
    main()
