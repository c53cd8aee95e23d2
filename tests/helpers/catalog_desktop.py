"""One desktop on a floor for tests/storage/test_catalog_floor_mysql.py: a long-lived process.

`python -m tests.helpers.catalog_desktop PHONE` starts like the app (settings from the environment,
prepare_database), prints {"ready": …}, then for every line "lookup" on stdin looks PHONE up (the
lookup re-checks the newest approved catalog), computes the recommendation and searches the
index, and prints one JSON line: the 5G 슬림 14GB fee it would quote, the version, timings.
"""

from __future__ import annotations

import json
import sys
import time

SLIM = "5g-slim-14gb"


def main(phone: str) -> int:
    from ktcs_desktop.context import create_app_context
    from ktcs_desktop.core.config import load_settings

    services = create_app_context(load_settings())
    try:
        services.prepare_database(seed=False)
        print(json.dumps({"ready": True, "agent": services.settings.agent_id}), flush=True)
        for line in sys.stdin:
            if line.strip() != "lookup":
                break
            t0 = time.perf_counter()
            found = services.lookup.lookup(phone)
            lookup_ms = (time.perf_counter() - t0) * 1000
            catalog = services.catalog_provider.last()
            rec = services.recommend(found)
            t1 = time.perf_counter()
            hit = services.knowledge.search("5G 슬림 14GB 월정액", k=1)[0]
            index_s = time.perf_counter() - t1
            current = services.catalog_provider.current_version
            print(json.dumps({
                "fee": catalog.get(SLIM).monthly_fee,
                "version": current.version if current else None,
                "indexed_fee": next((f for f in (55000, 56000) if f"{f:,}" in hit.text), None),
                "recommended_current_fee": rec.current_fee,
                "lookup_ms": round(lookup_ms, 1), "index_s": round(index_s, 2),
                "checks": services.catalog_provider.checks, "loads": services.catalog_provider.loads,
            }), flush=True)
    finally:
        services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
