"""Retention: recordings, journals and wrap-up drafts of CLOSED calls are deleted after
`KTCS_RETENTION_DAYS` (default 30; 0 keeps them). Run at start and daily; logged as counts only.

A session folder (sessions_dir/<key>/) is eligible when its journal records the call's close,
every operation in it reached the database, and the close is older than the limit. A journal
of a call that is still open — or has unsaved operations — is never deleted. Exports are not
touched (they are written where the agent chose, and any other file in the folder stays).
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ktcs_desktop.core.config import Settings

log = logging.getLogger(__name__)

JOURNAL = "journal.jsonl"
DRAFT = "wrapup_draft.json"
AUDIO = "audio"
CALL_FILES = ("rejected.jsonl", "quarantine.jsonl", "live.lock")  # the recorder's other files


@dataclass(frozen=True)
class RetentionReport:
    sessions: int = 0  # session folders whose call data was deleted
    audio_files: int = 0
    journals: int = 0
    drafts: int = 0
    kept_open: int = 0  # open or unsynced calls left alone


def _closed_at(journal: Path) -> datetime | None:
    """When the call was closed, if it is closed and every operation is settled (written to the
    database or set aside); else None."""
    ops: set[int] = set()
    settled: set[int] = set()
    closed: datetime | None = None
    for raw in journal.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(entry, dict):
            continue
        if "op" in entry:
            ops.add(int(entry.get("n", len(ops))))
            if entry["op"] == "close":
                data = entry.get("data") or {}
                try:
                    closed = datetime.fromisoformat(str(data.get("ended_at") or entry["at"]))
                except (TypeError, ValueError):
                    closed = datetime.fromtimestamp(journal.stat().st_mtime)
        elif "synced" in entry:
            settled.add(int(entry["synced"]))
        elif "rejected" in entry:
            settled.add(int(entry["rejected"]))
    if closed is None or not ops <= settled:
        return None
    return closed


def apply_retention(sessions_dir: Path | str, days: int, *, now: datetime | None = None,
                    skip: frozenset[str] | set[str] = frozenset()) -> RetentionReport:
    """Delete audio, journal and draft of every closed call older than `days` (keys in `skip`
    are live recorders of this process)."""
    root = Path(sessions_dir)
    if days <= 0 or not root.is_dir():
        return RetentionReport()
    cutoff = (now or datetime.now()) - timedelta(days=days)
    sessions = audio = journals = drafts = kept = 0
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        journal = folder / JOURNAL
        if folder.name in skip:
            kept += 1
            continue
        if journal.exists():
            try:
                closed = _closed_at(journal)
            except OSError:
                closed = None
            if closed is None:
                kept += 1
                continue
            if closed > cutoff:
                continue
        else:
            # audio with no journal (a recorder that never started): judge by the newest file
            files = [p for p in folder.rglob("*") if p.is_file()]
            if not files or datetime.fromtimestamp(max(p.stat().st_mtime for p in files)) > cutoff:
                continue
        audio_dir = folder / AUDIO
        if audio_dir.is_dir():
            audio += sum(1 for p in audio_dir.rglob("*.wav"))
            shutil.rmtree(audio_dir, ignore_errors=True)
        if (folder / DRAFT).exists():
            (folder / DRAFT).unlink()
            drafts += 1
        for name in CALL_FILES:
            (folder / name).unlink(missing_ok=True)
        if journal.exists():
            journal.unlink()
            journals += 1
        sessions += 1
        try:
            folder.rmdir()  # only when nothing else (an export) is left in it
        except OSError:
            pass
    report = RetentionReport(sessions, audio, journals, drafts, kept)
    if sessions:
        log.info("retention (%d days): %d call(s) removed — %d audio file(s), %d journal(s), %d draft(s); "
                 "%d open call(s) kept", days, sessions, audio, journals, drafts, kept)
    return report


def run_retention(settings: Settings, *, skip: frozenset[str] | set[str] = frozenset()) -> RetentionReport:
    """`apply_retention` over the app's sessions dir with `KTCS_RETENTION_DAYS`; never raises."""
    try:
        return apply_retention(settings.paths.sessions_dir, settings.ktcs_retention_days, skip=skip)
    except Exception as exc:  # noqa: BLE001 - retention must never stop the app from starting
        log.warning("retention pass failed: %s", type(exc).__name__)
        return RetentionReport()
