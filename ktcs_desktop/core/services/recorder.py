"""Records a consultation as it happens, so nothing is lost when the database is down.

Every operation (start, transcript line, note, event, close) is first appended to a local
journal (JSON lines under the sessions dir) and then written to the database. If the database
is unreachable the operation stays pending; `flush()` replays pending operations in order once
it is back. The journal is the agent's safety net, the database the record of truth.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ktcs_desktop.core.errors import DatabaseUnavailableError
from ktcs_desktop.core.models import Speaker, TranscriptLine
from ktcs_desktop.core.storage.repositories import ConsultationRepository

log = logging.getLogger(__name__)


@dataclass
class _Op:
    kind: str  # start | attach | line | notes | summary | event | close
    data: dict
    at: str
    synced: bool = False


class ConsultationRecorder:
    """One live consultation. Thread-safe; DB calls happen on the caller's thread (a worker)."""

    RETRY_BACKOFF_S = 5.0

    def __init__(self, repo: ConsultationRepository, sessions_dir: Path, agent_id: str,
                 customer_id: int | None = None, *, autoflush: bool = True) -> None:
        """With `autoflush`, every operation is written through at once (CLI, tests); the UI
        passes False, records on the GUI thread (journal only) and calls `flush()` on a worker."""
        key = datetime.now().strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
        self._init_state(repo, sessions_dir / key, autoflush=autoflush, agent_id=agent_id, customer_id=customer_id)
        self.dir.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self._record("start", {"customer_id": customer_id, "agent_id": agent_id,
                                   "started_at": self.started_at.isoformat()})
        self._write_through()

    def _init_state(self, repo: ConsultationRepository, directory: Path, *, autoflush: bool, agent_id: str,
                    customer_id: int | None) -> None:
        """The fields a new recorder and one resumed from its journal both start from."""
        self.repo = repo
        self.autoflush = autoflush
        self.agent_id = agent_id
        self.dir = directory
        self.key = directory.name
        self.journal_path = directory / "journal.jsonl"
        self.customer_id = customer_id
        self.consultation_id: int | None = None
        self.started_at = datetime.now().replace(microsecond=0)
        self.lines: list[TranscriptLine] = []
        self.notes = ""
        self.summary = ""
        self.closed = False
        self._ops: list[_Op] = []
        self._lock = threading.RLock()
        self._flush_lock = threading.Lock()
        self._retry_after = 0.0

    # -- public API ------------------------------------------------------------------------
    def attach_customer(self, customer_id: int) -> None:
        with self._lock:
            if self.customer_id == customer_id:
                return
            self.customer_id = customer_id
            self._record("attach", {"customer_id": customer_id})
        self._write_through()

    def add_line(self, speaker: Speaker, text: str) -> TranscriptLine:
        text = text.strip()
        if not text:
            raise ValueError("empty transcript line")
        with self._lock:
            line = TranscriptLine(len(self.lines) + 1, speaker, text, datetime.now().replace(microsecond=0))
            self.lines.append(line)
            self._record("line", {"seq": line.seq, "speaker": speaker.value, "text": text,
                                  "at": line.at.isoformat()})
        self._write_through()
        return line

    def save_notes(self, notes: str) -> None:
        with self._lock:
            if notes == self.notes:
                return
            self.notes = notes
            self._record("notes", {"notes": notes})
        self._write_through()

    def save_summary(self, summary: str, outcome: str | None = None) -> None:
        with self._lock:
            self.summary = summary
            self._record("summary", {"summary": summary, "outcome": outcome})
        self._write_through()

    def add_event(self, kind: str, payload: dict) -> None:
        with self._lock:
            self._record("event", {"kind": kind, "payload": payload})
        self._write_through()

    def close(self, *, summary: str | None = None, outcome: str | None = None) -> None:
        with self._lock:
            if summary is not None:
                self.summary = summary
            self.closed = True
            self._record("close", {"summary": summary, "outcome": outcome,
                                   "ended_at": datetime.now().replace(microsecond=0).isoformat()})
        self._write_through()

    @property
    def pending_count(self) -> int:
        with self._lock:
            return sum(1 for op in self._ops if not op.synced)

    def flush(self) -> int:
        """Write pending operations to the database in order; returns how many were written.

        Raises DatabaseUnavailableError (leaving the rest pending) if the database is down.
        Database I/O happens outside the state lock, so recording never waits on the database.
        """
        written = 0
        with self._flush_lock:
            while True:
                with self._lock:
                    pending = [(index, op) for index, op in enumerate(self._ops) if not op.synced]
                if not pending:
                    break
                for index, op in pending:
                    try:
                        self._apply(op)
                    except DatabaseUnavailableError:
                        self._retry_after = time.monotonic() + self.RETRY_BACKOFF_S
                        raise
                    with self._lock:
                        op.synced = True
                        entry: dict = {"synced": index}
                        if op.kind == "start":
                            entry["consultation_id"] = self.consultation_id
                        self._append_journal(entry)
                    written += 1
            self._retry_after = 0.0
        return written

    # -- crash recovery --------------------------------------------------------------------
    @classmethod
    def resume(cls, journal_path: Path, repo: ConsultationRepository) -> ConsultationRecorder:
        """Rebuild a recorder from its journal (after a crash or a restart while the DB was down)."""
        self = cls.__new__(cls)
        self._init_state(repo, journal_path.parent, autoflush=False, agent_id="", customer_id=None)
        content = journal_path.read_text(encoding="utf-8")
        if content and not content.endswith("\n"):  # seal a torn last line before appending
            with journal_path.open("a", encoding="utf-8") as handle:
                handle.write("\n")
        for raw in content.splitlines():
            if not raw.strip():
                continue
            try:
                entry = json.loads(raw)
            except json.JSONDecodeError:  # a torn last line from a crash
                continue
            if "op" in entry:
                op = _Op(entry["op"], entry["data"], entry.get("at", ""))
                self._ops.append(op)
                self._replay_state(op)
            elif "synced" in entry and entry["synced"] < len(self._ops):
                self._ops[entry["synced"]].synced = True
                if "consultation_id" in entry:
                    self.consultation_id = entry["consultation_id"]
        return self

    def _replay_state(self, op: _Op) -> None:
        data = op.data
        if op.kind == "start":
            self.customer_id = data["customer_id"]
            self.agent_id = data["agent_id"]
            self.started_at = datetime.fromisoformat(data["started_at"])
        elif op.kind == "attach":
            self.customer_id = data["customer_id"]
        elif op.kind == "line":
            self.lines.append(TranscriptLine(data["seq"], Speaker(data["speaker"]), data["text"],
                                             datetime.fromisoformat(data["at"])))
        elif op.kind == "notes":
            self.notes = data["notes"]
        elif op.kind == "summary":
            self.summary = data["summary"]
        elif op.kind == "close":
            self.closed = True

    # -- internals -------------------------------------------------------------------------
    def _record(self, kind: str, data: dict) -> None:
        """Append an operation to the journal (call with the state lock held)."""
        op = _Op(kind, data, datetime.now().isoformat(timespec="seconds"))
        self._ops.append(op)
        self._append_journal({"op": kind, "data": data, "at": op.at})

    def _write_through(self) -> None:
        """In autoflush mode, write what was just recorded (called without the state lock)."""
        if not self.autoflush or time.monotonic() < self._retry_after:
            return  # flushed later by the caller's worker / the database failed moments ago
        try:
            self.flush()
        except DatabaseUnavailableError as exc:
            log.warning("consultation %s: database unavailable, %d op(s) kept in the journal (%s)",
                        self.key, self.pending_count, exc.detail)

    def _append_journal(self, entry: dict) -> None:
        with self.journal_path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def _apply(self, op: _Op) -> None:
        data = op.data
        if op.kind == "start":
            self.consultation_id = self.repo.start(
                data["customer_id"], data["agent_id"], started_at=datetime.fromisoformat(data["started_at"])
            )
            return
        if self.consultation_id is None:  # start must have been synced first
            raise DatabaseUnavailableError(detail="consultation not started in the database yet")
        cid = self.consultation_id
        if op.kind == "attach":
            self.repo.attach_customer(cid, data["customer_id"])
        elif op.kind == "line":
            self.repo.append_line(cid, Speaker(data["speaker"]), data["text"], at=datetime.fromisoformat(data["at"]))
        elif op.kind == "notes":
            self.repo.save_notes(cid, data["notes"])
        elif op.kind == "summary":
            self.repo.save_summary(cid, data["summary"], data.get("outcome"))
        elif op.kind == "event":
            self.repo.add_event(cid, data["kind"], data["payload"])
        elif op.kind == "close":
            self.repo.close(cid, summary=data.get("summary"), outcome=data.get("outcome"),
                            ended_at=datetime.fromisoformat(data["ended_at"]))
        else:  # pragma: no cover - programming error
            raise ValueError(op.kind)


@dataclass(frozen=True)
class RecoveryReport:
    sessions: int  # journals that had unsaved work
    written: int  # operations written to the database
    failed: int  # journals still pending (database down or an error)


def recover_journals(sessions_dir: Path, repo: ConsultationRepository, *, skip: set[str] = frozenset(),
                     interrupted_outcome: str = "비정상 종료(자동 복구)") -> RecoveryReport:
    """Write every journal's unsaved operations to the database; close consultations that a crash
    left open. `skip` holds the keys of recorders still live in this process."""
    sessions = written = failed = 0
    if not sessions_dir.is_dir():
        return RecoveryReport(0, 0, 0)
    for journal in sorted(sessions_dir.glob("*/journal.jsonl")):
        if journal.parent.name in skip:
            continue
        recorder = ConsultationRecorder.resume(journal, repo)
        if recorder.closed and recorder.pending_count == 0:
            continue
        sessions += 1
        if not recorder.closed:
            recorder.close(summary=recorder.summary or recorder.notes.strip() or None,
                           outcome=interrupted_outcome)
        try:
            written += recorder.flush()
        except Exception as exc:  # noqa: BLE001 - keep going; the journal stays for next time
            log.warning("could not recover %s: %s", journal, exc)
            failed += 1
    return RecoveryReport(sessions, written, failed)
