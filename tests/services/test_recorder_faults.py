"""Faults the recorder must survive: a full disk, damaged journals, content the database refuses,
lost acknowledgements, and a second instance on the same profile."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from ktcs_desktop.core.errors import DatabaseUnavailableError
from ktcs_desktop.core.models import Speaker
from ktcs_desktop.core.screenpop import ProfileLock
from ktcs_desktop.core.services.recorder import (
    QUARANTINE_NAME,
    REJECTED_NAME,
    ConsultationRecorder,
    SessionLockedError,
    recover_journals,
)
from ktcs_desktop.core.storage.database import Database
from ktcs_desktop.core.storage.repositories import ConsultationRepository


@contextlib.contextmanager
def _small_disk(tmp_path: Path) -> Iterator[tuple[Path, bool]]:
    """A 256 KB tmpfs when we are root (a real ENOSPC), else a plain folder (the write is patched)."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    mounted = False
    if os.geteuid() == 0:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
                                 capture_output=True).returncode == 0
    try:
        yield mount, mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def _fill(folder: Path) -> Path:
    filler = folder / "filler.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        with contextlib.suppress(OSError):
            while True:
                os.write(fd, b"\0" * 4096)
    finally:
        os.close(fd)
    return filler


def test_full_disk_keeps_every_line_in_memory_and_stores_each_once(db: Database, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    repo = ConsultationRepository(db)
    with _small_disk(tmp_path) as (disk, real):
        rec = ConsultationRecorder(repo, disk, "agent-1", autoflush=False)
        rec.flush()
        if real:
            filler = _fill(disk)
        else:
            def no_space(self, entry):  # noqa: ANN001, ARG001
                raise OSError(errno.ENOSPC, "No space left on device")
            monkeypatch.setattr(ConsultationRecorder, "_append_journal", no_space)
        db_down = {"on": True}
        real_apply = ConsultationRecorder._apply

        def apply(self, op):  # noqa: ANN001
            if db_down["on"]:
                raise DatabaseUnavailableError(detail="down too")
            return real_apply(self, op)

        monkeypatch.setattr(ConsultationRecorder, "_apply", apply)
        typed = [f"디스크가 가득 찬 동안 입력 {n} " + "가" * 400 for n in range(10)]  # > one page
        for text in typed:
            rec.add_line(Speaker.AGENT, text)
        assert rec.journal_error is not None and rec.journal_error.errno == errno.ENOSPC
        assert [line.text for line in rec.lines] == typed  # nothing dropped from memory
        assert rec.unjournaled_count >= 8  # the journal's last page may still take a line or two
        with pytest.raises(DatabaseUnavailableError):
            rec.flush()

        # The database comes back: everything typed is stored, once, though the disk is still full.
        db_down["on"] = False
        rec._retry_after = 0.0
        rec.flush()
        stored = repo.get(rec.consultation_id)
        assert [line.text for line in stored.lines] == typed
        # The disk frees up: the journal catches up and a replay stores nothing twice.
        if real:
            filler.unlink()
        else:
            monkeypatch.undo()
        rec.add_line(Speaker.CALLER, "공간 확보 후")
        assert rec.journal_error is None
        rec.flush()
        rec.close(summary="요약", outcome="안내 완료")
        rec.flush()
        assert [line.text for line in repo.get(rec.consultation_id).lines] == [*typed, "공간 확보 후"]


def _journal(folder: Path, key: str, entries: list[bytes]) -> Path:
    path = folder / key / "journal.jsonl"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"".join(entries))
    return path


def _op(n: int, kind: str, data: dict) -> bytes:
    return (json.dumps({"op": kind, "n": n, "data": data, "at": "2026-12-01T10:00:00"}, ensure_ascii=False)
            + "\n").encode("utf-8")


def test_damaged_journals_are_quarantined_and_never_block_the_others(db: Database, tmp_path: Path,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    repo = ConsultationRepository(db)
    start = {"customer_id": None, "agent_id": "a", "started_at": "2026-12-01T10:00:00"}
    line = lambda seq, text: _op(seq + 1, "line", {"seq": seq, "speaker": "caller", "text": text,  # noqa: E731
                                                   "at": "2026-12-01T10:00:05"})
    torn = line(3, "끊긴 줄 주민번호 850302-1234567")[:-9]  # a crash mid-write: a torn UTF-8 character
    _journal(tmp_path, "20261201-100000-aaaa", [
        _op(1, "start", start), line(1, "첫 줄"), b"\xff\xfe not utf-8 at all\n",
        _op(9, "line", {"seq": 2, "speaker": "caller"}),  # missing fields
        line(2, "셋째 줄"), torn])
    _journal(tmp_path, "20261201-100100-bbbb", [_op(1, "start", start), line(1, "다른 상담")])

    report = recover_journals(tmp_path, repo)
    assert report.failed == 0 and report.sessions == 2 and report.quarantined == 3
    ids = {k: repo.id_for_key(k) for k in ("20261201-100000-aaaa", "20261201-100100-bbbb")}
    assert [ln.text for ln in repo.get(ids["20261201-100000-aaaa"]).lines] == ["첫 줄", "셋째 줄"]
    assert [ln.text for ln in repo.get(ids["20261201-100100-bbbb"]).lines] == ["다른 상담"]
    quarantine = tmp_path / "20261201-100000-aaaa" / QUARANTINE_NAME
    assert len(quarantine.read_text(encoding="utf-8").splitlines()) == 3
    assert "850302" not in caplog.text and "끊긴 줄" not in caplog.text  # logged without their text
    # The next start finds nothing left to recover and nothing to quarantine again.
    again = recover_journals(tmp_path, repo)
    assert again.sessions == 0 and again.quarantined == 0 and again.failed == 0


def test_lost_acknowledgement_is_replayed_without_duplicates(db: Database, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    repo = ConsultationRepository(db)
    rec = ConsultationRecorder(repo, tmp_path, "agent-1", autoflush=False)
    real = {"start": repo.start, "append_line": repo.append_line, "add_event": repo.add_event}

    def lose_ack(name):  # noqa: ANN001, ANN202 - the write commits, the OK never arrives
        def call(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            real[name](*args, **kwargs)
            raise DatabaseUnavailableError(detail="lost acknowledgement")
        return call

    for name in real:
        monkeypatch.setattr(repo, name, lose_ack(name))
        rec.add_line(Speaker.CALLER, f"{name} 중 입력")
        rec.add_event("offer", {"plan_name": "요고 30"})
        with pytest.raises(DatabaseUnavailableError):
            rec.flush()
        monkeypatch.setattr(repo, name, real[name])
        rec._retry_after = 0.0
        rec.flush()
    stored = repo.get(rec.consultation_id)
    assert [ln.text for ln in stored.lines] == [f"{name} 중 입력" for name in real]
    assert len(stored.events) == 3
    assert repo.id_for_key(rec.key) == rec.consultation_id


@pytest.mark.mysql
def test_long_notes_fit_and_refused_content_is_set_aside(mysql_database_url: str, tmp_path: Path) -> None:
    db = Database(mysql_database_url)
    try:
        repo = ConsultationRepository(db)
        rec = ConsultationRecorder(repo, tmp_path, "agent-1", autoflush=False)
        long_note = "긴 메모 " * 20_000  # ~100 KB of UTF-8: over MariaDB's 64 KB TEXT
        rec.save_notes(long_note)
        rec.add_event("x" * 40, {"why": "kind is VARCHAR(32): refused in strict mode"})
        rec.add_line(Speaker.AGENT, "거부된 기록 뒤의 줄")
        rec.flush()
        stored = repo.get(rec.consultation_id)
        assert stored.notes == long_note
        assert [ln.text for ln in stored.lines] == ["거부된 기록 뒤의 줄"]
        assert [p.op for p in rec.problems] == ["event"] and rec.pending_count == 0
        assert (rec.dir / REJECTED_NAME).exists()
    finally:
        db.dispose()


def test_a_live_call_is_never_touched_by_another_instance(db: Database, tmp_path: Path) -> None:
    repo = ConsultationRepository(db)
    live = ConsultationRecorder(repo, tmp_path / "sessions", "agent-1", autoflush=False)
    live.add_line(Speaker.CALLER, "통화 중")
    with pytest.raises(SessionLockedError):
        ConsultationRecorder.resume(live.journal_path, repo)
    report = recover_journals(tmp_path / "sessions", repo)  # e.g. a second window's start-up
    assert report.skipped_live == 1 and report.sessions == 0
    live.flush()
    assert repo.get(live.consultation_id).status.value == "open"  # not closed as 비정상 종료

    first, second = ProfileLock(tmp_path / "profile"), ProfileLock(tmp_path / "profile")
    assert first.acquire() and not second.acquire()
    first.release()
    assert second.acquire()
    second.release()
