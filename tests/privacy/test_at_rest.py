"""Files at rest: private modes (POSIX) and retention of closed calls."""

from __future__ import annotations

import json
import os
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from ktcs_desktop.core.config import AppPaths
from ktcs_desktop.core.privacy.at_rest import ensure_private_dir, open_private, tighten_tree
from ktcs_desktop.core.services.retention import apply_retention

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX modes (Windows relies on the LOCALAPPDATA ACL)")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@posix_only
def test_app_dirs_are_0700(tmp_path: Path) -> None:
    paths = AppPaths(tmp_path / "d", tmp_path / "l", tmp_path / "c").ensure()
    assert {mode(p) for p in (paths.data_dir, paths.log_dir, paths.cache_dir)} == {0o700}


@posix_only
def test_private_files_and_tightening(tmp_path: Path) -> None:
    folder = ensure_private_dir(tmp_path / "s" / "call")
    with open_private(folder / "journal.jsonl", "a") as fh:
        fh.write("{}\n")
    assert mode(folder) == 0o700 and mode(folder / "journal.jsonl") == 0o600
    old = tmp_path / "old"
    old.mkdir()
    os.chmod(old, 0o755)  # explicit: an earlier test may have set the private umask
    (old / "a.wav").write_bytes(b"x")
    os.chmod(old / "a.wav", 0o644)
    assert tighten_tree(old) == 2
    assert mode(old) == 0o700 and mode(old / "a.wav") == 0o600


@posix_only
def test_recorder_journal_and_audio_are_private(tmp_path: Path) -> None:
    from ktcs_desktop.core.speech.segments import SegmentStore
    from ktcs_desktop.core.speech.vad import Segment

    store = SegmentStore(tmp_path / "sessions", "call-1")
    fields = {f: None for f in Segment.__dataclass_fields__}
    fields.update(seq=1, speaker="caller", start_s=0.0, end_s=0.1, pcm=b"\0\0" * 160)
    record = store.save(Segment(**{k: v for k, v in fields.items() if v is not None}))
    assert mode(store.audio_dir) == 0o700
    assert mode(store.audio_dir / record.file) == 0o600 and mode(store.manifest_path) == 0o600


def _journal(folder: Path, *, closed_days_ago: int | None, synced: bool = True) -> None:
    folder.mkdir(parents=True)
    now = datetime.now()
    ops = [{"op": "start", "n": 0, "data": {"started_at": (now - timedelta(days=40)).isoformat()}, "at": ""},
           {"op": "line", "n": 1, "data": {"text": "주민번호 850302-1234567"}, "at": ""}]
    if closed_days_ago is not None:
        ended = (now - timedelta(days=closed_days_ago)).isoformat(timespec="seconds")
        ops.append({"op": "close", "n": 2, "data": {"ended_at": ended}, "at": ended})
    lines = [json.dumps(op, ensure_ascii=False) for op in ops]
    if synced:
        lines += [json.dumps({"synced": op["n"]}) for op in ops]
    (folder / "journal.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "audio").mkdir()
    (folder / "audio" / "0001-caller.wav").write_bytes(b"RIFF")
    (folder / "wrapup_draft.json").write_text("{}", encoding="utf-8")


def test_retention_deletes_only_old_closed_synced_calls(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    _journal(sessions / "old-closed", closed_days_ago=31)
    _journal(sessions / "old-open", closed_days_ago=None)  # a call never closed: never deleted
    _journal(sessions / "old-unsynced", closed_days_ago=45, synced=False)
    _journal(sessions / "recent", closed_days_ago=3)
    _journal(sessions / "live", closed_days_ago=60)
    _journal(sessions / "with-export", closed_days_ago=90)
    (sessions / "with-export" / "summary.md").write_text("# 상담 요약", encoding="utf-8")

    report = apply_retention(sessions, 30, skip={"live"})

    assert report.sessions == 2 and report.audio_files == 2 and report.journals == 2 and report.drafts == 2
    assert report.kept_open == 3
    assert not (sessions / "old-closed").exists()
    for kept in ("old-open", "old-unsynced", "recent", "live"):
        assert (sessions / kept / "journal.jsonl").exists() and (sessions / kept / "audio" / "0001-caller.wav").exists()
    assert sorted(p.name for p in (sessions / "with-export").iterdir()) == ["summary.md"]


def test_retention_zero_keeps_everything_and_logs_counts_only(tmp_path: Path, caplog) -> None:
    sessions = tmp_path / "sessions"
    _journal(sessions / "a", closed_days_ago=400)
    assert apply_retention(sessions, 0).sessions == 0 and (sessions / "a").exists()
    with caplog.at_level("INFO"):
        assert apply_retention(sessions, 30).sessions == 1
    assert "850302" not in caplog.text and "1 call(s) removed" in caplog.text


def test_retention_setting_default(settings) -> None:
    assert settings.ktcs_retention_days == 30
