"""Injected-fault run of whole calls: lines the agent saw vs lines stored, under app kills, lost
acknowledgements (the COMMIT's OK dropped), a full disk and DB outages.

SQLite always; MariaDB too when KTCS_BENCH_MYSQL_URL is set (through the loopback fault proxy).
Prints one row per backend: calls, lines seen, stored, duplicates, missing, and the faults injected.
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from ktcs_desktop.core.call import CallDesk  # noqa: E402
from ktcs_desktop.core.errors import DatabaseUnavailableError  # noqa: E402
from ktcs_desktop.core.models import Speaker  # noqa: E402
from ktcs_desktop.core.services.recorder import ConsultationRecorder, recover_journals  # noqa: E402
from ktcs_desktop.core.storage.database import Database  # noqa: E402
from ktcs_desktop.core.storage.repositories import ConsultationRepository  # noqa: E402
from tests.helpers.fault_proxy import FaultProxy, FaultySqlite  # noqa: E402

CALLS = int(os.environ.get("KTCS_BENCH_FAULT_CALLS", "300"))


def run(app_db: Database, truth_db: Database, faults, label: str) -> None:  # noqa: ANN001
    rng = random.Random(11)
    folder = Path(tempfile.mkdtemp(prefix="ktcs-faults-"))
    repo = ConsultationRepository(app_db)
    desk = CallDesk(repo, folder, "bench")
    seen: dict[str, list[str]] = {}
    live: list[ConsultationRecorder] = []
    kills = acks = outages = disk_full = 0
    flagged_unsaved: set[str] = set()  # lines the agent was told (red banner) were not stored yet
    real_append = ConsultationRecorder._append_journal

    def full(self, entry):  # noqa: ANN001, ARG001
        raise OSError(errno.ENOSPC, "No space left on device")

    for call in range(CALLS):
        session = desk.open_screen_pop(None) if not desk.session.is_active else desk.session
        recorder = session.recorder
        assert recorder is not None
        live.append(recorder)
        seen[recorder.key] = []
        for n in range(rng.randint(3, 12)):
            roll = rng.random()
            if roll < 0.05:
                faults.lose_ack()
                acks += 1
            elif roll < 0.08:
                faults.down()
                outages += 1
            elif roll < 0.10:
                faults.up()
            elif roll < 0.12:
                ConsultationRecorder._append_journal = full  # type: ignore[method-assign]
                disk_full += 1
            elif roll < 0.16:
                ConsultationRecorder._append_journal = real_append  # type: ignore[method-assign]
            line = f"통화 {call} 문장 {n}"
            session.add_line(Speaker.CALLER if n % 2 else Speaker.AGENT, line)
            seen[recorder.key].append(line)
            for rec in list(live):
                with contextlib.suppress(DatabaseUnavailableError):
                    rec._retry_after = 0.0
                    rec.flush()
                if rec.settled:
                    live.remove(rec)
        if rng.random() < 0.1:  # the app is killed mid-call: what was neither journalled nor in the DB dies
            for rec in live:
                flagged_unsaved.update(f"{rec.key}:{op.data['text']}" for op in rec._ops
                                       if op.kind == "line" and not op.journaled and not op.synced)
                rec.release_lock()
            live = []
            desk = CallDesk(repo, folder, "bench")
            kills += 1
            with contextlib.suppress(DatabaseUnavailableError):
                recover_journals(folder, repo)
            continue
        session.begin_wrap_up()
        session.finish("요약", "안내 완료")
        for rec in list(live):
            with contextlib.suppress(DatabaseUnavailableError):
                rec.flush()
    ConsultationRecorder._append_journal = real_append  # type: ignore[method-assign]
    faults.up()
    for rec in live:
        rec._retry_after = 0.0
        rec.flush()
        rec.release_lock()
    recover_journals(folder, repo)
    truth = ConsultationRepository(truth_db)
    stored = duplicates = missing = silent = 0
    for key, lines in seen.items():
        cid = truth.id_for_key(key)
        texts = [ln.text for ln in truth.get(cid).lines] if cid is not None else []
        stored += len(texts)
        duplicates += len(texts) - len(set(texts))
        lost = set(lines) - set(texts)
        missing += len(lost)
        silent += len({f"{key}:{t}" for t in lost} - flagged_unsaved)
    total = sum(len(v) for v in seen.values())
    print(f"{label:<8} calls={len(seen)} lines_seen={total} stored={stored} duplicates={duplicates} "
          f"missing={missing} (silently={silent}) | kills={kills} lost_acks={acks} outages={outages} "
          f"disk_full_spells={disk_full}")


class SqliteFaults:
    def __init__(self, db: FaultySqlite) -> None:
        self.db = db

    def lose_ack(self) -> None:
        self.db.drop_ack = True

    def down(self) -> None:
        self.db.down = True

    def up(self) -> None:
        self.db.down = False


class ProxyFaults:
    def __init__(self, proxy: FaultProxy) -> None:
        self.proxy = proxy

    def lose_ack(self) -> None:
        self.proxy.drop_next_commit_ack()

    def down(self) -> None:
        self.proxy.down()

    def up(self) -> None:
        self.proxy.up()


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp, 'faults.sqlite3').as_posix()}"
        db = FaultySqlite(url)
        db.upgrade()
        run(db, Database(url), SqliteFaults(db), "SQLite")
    mysql = os.environ.get("KTCS_BENCH_MYSQL_URL")
    if mysql:
        name = "ktcs_faults_bench"
        server = create_engine(make_url(mysql).set(database="").render_as_string(hide_password=False))
        with server.begin() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
            conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
        target = make_url(mysql).set(database=name).render_as_string(hide_password=False)
        truth = Database(target)
        truth.upgrade()
        proxy = FaultProxy().start()
        try:
            run(Database(proxy.url(target), connect_timeout=2), truth, ProxyFaults(proxy), "MariaDB")
        finally:
            proxy.stop()
            with server.begin() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
