"""One PC on a floor, as a subprocess of tests/storage/test_floor_mysql.py.

`python -m tests.helpers.floor_agent app PHONE` does what the desktop does at start against the
shared database in KTCS_DATABASE_URL (settings, the start-up check, prepare_database, retried
while the schema is behind as the window's reconnect timer does), then looks up PHONE and
records a consultation. `… admin` runs `ktcs db upgrade`. Both print "ready", wait for a line on
stdin (so every process hits the server at once) and print one JSON result line.
"""

from __future__ import annotations

import json
import sys
import time
import uuid


def _app(phone: str) -> dict:
    from ktcs_desktop.core.config import load_settings
    from ktcs_desktop.core.errors import NotFoundError, SchemaMismatchError
    from ktcs_desktop.core.models import Speaker
    from ktcs_desktop.core.services.container import create_services
    from ktcs_desktop.core.startup import check_startup

    print("ready", flush=True)
    sys.stdin.readline()
    started = time.perf_counter()
    services = create_services(load_settings())
    retries = 0
    try:
        deadline = time.monotonic() + 40
        while True:
            try:
                check_startup(services)
                services.prepare_database()
                break
            except SchemaMismatchError:
                if time.monotonic() > deadline:
                    raise
                retries += 1
                time.sleep(0.25)
        try:
            found = services.lookup.lookup(phone)
        except NotFoundError:
            return {"ok": False, "not_found": True}
        repo = services.consultations
        cid = repo.start(found.profile.id, services.settings.agent_id, session_key=uuid.uuid4().hex)
        repo.append_line(cid, Speaker.CALLER, "요금제 바꾸고 싶어요", seq=1)
        repo.close(cid, summary="요금제 문의", outcome="안내 완료", rev=1)
        return {"ok": True, "consultation": cid, "schema_retries": retries,
                "seconds": round(time.perf_counter() - started, 3)}
    finally:
        services.close()


def _admin() -> dict:
    from ktcs_desktop.cli import build_parser, main

    build_parser()  # the CLI's feature modules imported before the barrier, as on an idle PC
    print("ready", flush=True)
    sys.stdin.readline()
    return {"ok": main(["db", "upgrade"]) == 0}


def main() -> None:
    role = sys.argv[1]
    try:
        result = _app(sys.argv[2]) if role == "app" else _admin()
    except Exception as exc:  # noqa: BLE001 - reported to the test
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
