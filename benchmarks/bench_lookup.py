"""Caller-lookup latency with many customers: median and p95 over random phone numbers.

    python benchmarks/bench_lookup.py [--customers 100000] [--lookups 2000] [--url mysql+pymysql://…]

Without --url it uses a temporary SQLite file; with KTCS_BENCH_MYSQL_URL or --url it creates a
scratch database on that server (dropped afterwards). Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from ktcs_desktop.core.services.lookup import CallerLookupService  # noqa: E402
from ktcs_desktop.core.stats import percentile  # noqa: E402
from ktcs_desktop.core.storage.database import Database  # noqa: E402
from ktcs_desktop.core.storage.repositories import (  # noqa: E402
    AuditLog,
    ConsultationRepository,
    CustomerRepository,
)
from ktcs_desktop.core.storage.seed import seed_database, synthetic_customers  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--url", default=os.environ.get("KTCS_BENCH_MYSQL_URL"))
    args = parser.parse_args()

    scratch = None
    if args.url:
        parsed = make_url(args.url)
        scratch = f"{parsed.database or 'ktcs_bench'}_{uuid.uuid4().hex[:6]}"
        server = create_engine(parsed.set(database="").render_as_string(hide_password=False))
        with server.begin() as conn:
            conn.execute(text(f"CREATE DATABASE `{scratch}` CHARACTER SET utf8mb4"))
        url = parsed.set(database=scratch).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    db = Database(url)
    try:
        db.upgrade()
        today = date.today()
        started = time.perf_counter()
        seed_database(db, synthetic=args.customers, today=today)
        load_s = time.perf_counter() - started
        people = synthetic_customers(args.customers, seed=7, today=today)
        service = CallerLookupService(CustomerRepository(db), ConsultationRepository(db), AuditLog(db),
                                      agent_id="bench")
        rng = random.Random(1)
        phones = [rng.choice(people).phone for _ in range(args.lookups)]
        for phone in phones[:50]:  # warm the pool and caches
            service.lookup(phone)
        timings = []
        for phone in phones:
            t0 = time.perf_counter()
            service.lookup(phone)
            timings.append((time.perf_counter() - t0) * 1000)
        print(f"backend: {db.backend} ({db.location})")
        print(f"customers: {CustomerRepository(db).count():,}  (load {load_s:.1f}s)")
        print(f"lookups: {len(timings)}  (profile + 6 months usage + history page + audit insert)")
        print(f"lookup latency ms: median {statistics.median(timings):.2f}  p95 {percentile(timings, 95):.2f}"
              f"  max {max(timings):.2f}")
    finally:
        db.dispose()
        if scratch:
            with server.begin() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS `{scratch}`"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
