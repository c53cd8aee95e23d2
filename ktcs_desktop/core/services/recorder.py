"""Records a consultation as it happens: journal first, then the database, exactly once.

Every operation (start, transcript line, note, event, summary, close) gets a number and is
first appended to a local journal (JSON lines under the sessions dir), then written to the
database by `flush()`. The database writes are idempotent (the consultation's client-side key,
the session's line/event numbers and revisions, see `ConsultationRepository`), so replaying an
operation after a lost acknowledgement, a crash or an outage never stores it twice.

- Database down: operations stay pending; `flush()` replays them in order once it is back.
- Database rejects an operation for its content (not a connection error): it is set aside in
  `rejected.jsonl`, reported in `problems`, and the rest of the call is still written.
- Journal cannot be written (disk full, permissions): the operation stays in memory, is
  retried at the next operation or flush, and `journal_error` says so; a flush that reaches the
  database still stores it, so nothing is cleared that is not stored somewhere.
- A live recorder holds an OS file lock on its folder: recovery (in this or another process)
  never touches a call that is still live.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import filelock
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, SQLAlchemyError, StatementError

from ktcs_desktop.core.errors import DatabaseUnavailableError, KtcsError
from ktcs_desktop.core.models import Speaker, TranscriptLine
from ktcs_desktop.core.privacy.at_rest import ensure_private_dir, open_private
from ktcs_desktop.core.storage.repositories import ConsultationRepository

log = logging.getLogger(__name__)

# What "the database refused this content" looks like (too long, bad value, broken reference,
# an un-encodable string), as opposed to a connection or schema problem that a retry can heal.
_CONTENT_REJECTIONS = (DataError, IntegrityError, KtcsError, ValueError, TypeError)

JOURNAL_NAME = "journal.jsonl"
LOCK_NAME = "live.lock"
QUARANTINE_NAME = "quarantine.jsonl"
REJECTED_NAME = "rejected.jsonl"

# What each operation's data must hold: a journal entry without these is quarantined.
_REQUIRED = {
    "start": ("customer_id", "agent_id", "started_at"),
    "attach": ("customer_id",),
    "line": ("seq", "speaker", "text", "at"),
    "notes": ("notes",),
    "summary": ("summary",),
    "event": ("kind", "payload"),
    "close": ("ended_at",),
}


class JournalWriteError(KtcsError):
    """The local journal could not be written (disk full, permissions …)."""

    def __init__(self, detail: str = "") -> None:
        super().__init__("이 PC에 상담 내용을 저장하지 못했습니다(디스크 공간 또는 권한 문제). 입력한 내용은 "
                         "화면과 메모리에 남아 있으며 계속 다시 저장을 시도합니다.", detail=detail)


@dataclass
class _Op:
    n: int  # the operation's number in this call (journal order, revision for notes/summary)
    kind: str  # start | attach | line | notes | summary | event | close
    data: dict
    at: str
    synced: bool = False
    journaled: bool = False
    rejected: bool = False


@dataclass(frozen=True)
class WriteProblem:
    """An operation the database refused for its content: set aside, shown to the agent."""

    op: str
    n: int
    reason: str  # no call text, safe to log


@dataclass
class _JournalScan:
    ops: dict[int, _Op] = field(default_factory=dict)
    synced: set[int] = field(default_factory=set)
    rejected: set[int] = field(default_factory=set)
    consultation_id: int | None = None
    quarantined: int = 0


class SessionLockedError(KtcsError):
    def __init__(self, key: str) -> None:
        super().__init__("이 상담은 다른 창에서 진행 중입니다.", detail=key)


def new_session_key() -> str:
    """A client-generated consultation key: sortable by start time, unique across PCs."""
    return datetime.now().strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:12]


class ConsultationRecorder:
    """One live consultation. Thread-safe; DB calls happen on the caller's thread (a worker)."""

    RETRY_BACKOFF_S = 5.0

    def __init__(self, repo: ConsultationRepository, sessions_dir: Path, agent_id: str,
                 customer_id: int | None = None, *, autoflush: bool = True, key: str | None = None) -> None:
        """With `autoflush`, every operation is written through at once (CLI, tests); the UI
        passes False, records on the GUI thread (journal only) and calls `flush()` on a worker."""
        key = key or new_session_key()
        self._init_state(repo, sessions_dir / key, autoflush=autoflush, agent_id=agent_id, customer_id=customer_id)
        self._create_dir()
        self._take_lock()
        with self._lock:
            self._record("start", {"customer_id": customer_id, "agent_id": agent_id,
                                   "started_at": self.started_at.isoformat(), "session_key": self.key})
        self._write_through()

    def _init_state(self, repo: ConsultationRepository, directory: Path, *, autoflush: bool, agent_id: str,
                    customer_id: int | None) -> None:
        """The fields a new recorder and one resumed from its journal both start from."""
        self.repo = repo
        self.autoflush = autoflush
        self.agent_id = agent_id
        self.dir = directory
        self.key = directory.name
        self.journal_path = directory / JOURNAL_NAME
        self.customer_id = customer_id
        self.consultation_id: int | None = None
        self.started_at = datetime.now().replace(microsecond=0)
        self.ended_at: datetime | None = None
        self.lines: list[TranscriptLine] = []
        self.events: list[tuple[int, str, dict]] = []  # (event seq, kind, payload)
        self.notes = ""
        self.summary = ""
        self.summary_final = False
        self.outcome: str | None = None
        self.closed = False
        self.problems: list[WriteProblem] = []
        self.journal_error: OSError | None = None
        self._ops: list[_Op] = []
        self._lock = threading.RLock()
        self._flush_lock = threading.Lock()
        self._retry_after = 0.0
        self._file_lock: filelock.BaseFileLock | None = None
        self.quarantined = 0  # damaged journal lines set aside when resumed

    def _create_dir(self) -> None:
        try:
            ensure_private_dir(self.dir)  # 0700: call data is the agent's alone
        except OSError as exc:  # journaling fails visibly later; the call still runs in memory
            self.journal_error = exc
            log.error("consultation %s: cannot create its folder: %s", self.key, exc.strerror)

    def _take_lock(self) -> None:
        if self.journal_error is not None:
            return
        lock = filelock.FileLock(str(self.dir / LOCK_NAME))
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout as exc:
            raise SessionLockedError(self.key) from exc
        except OSError as exc:
            log.error("consultation %s: cannot lock its folder: %s", self.key, exc.strerror)
            return
        self._file_lock = lock

    def release_lock(self) -> None:
        """Let recovery have this call's folder (after it is closed and saved, or when a crash
        is simulated in tests: the OS releases the lock of a dead process the same way)."""
        if self._file_lock is not None:
            self._file_lock.release()
            self._file_lock = None

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

    def save_summary(self, summary: str, outcome: str | None = None, *, final: bool = False) -> bool:
        """Save a wrap-up draft (or, with `final`, the agent's saved summary). A draft after the
        final summary is ignored: returns False."""
        with self._lock:
            if self.summary_final and not final:
                return False
            self.summary = summary
            self.summary_final = self.summary_final or final
            if outcome is not None:
                self.outcome = outcome
            self._record("summary", {"summary": summary, "outcome": outcome, "final": final})
        self._write_through()
        return True

    def add_event(self, kind: str, payload: dict) -> int:
        with self._lock:
            seq = len(self.events) + 1
            self.events.append((seq, kind, payload))
            self._record("event", {"seq": seq, "kind": kind, "payload": payload})
        self._write_through()
        return seq

    def close(self, *, summary: str | None = None, outcome: str | None = None) -> None:
        with self._lock:
            if self.closed:
                return
            if summary is not None:
                self.summary = summary
                self.summary_final = True
            if outcome is not None:
                self.outcome = outcome
            self.closed = True
            self.ended_at = datetime.now().replace(microsecond=0)
            self._record("close", {"summary": summary, "outcome": outcome, "ended_at": self.ended_at.isoformat()})
        self._write_through()

    @property
    def pending_count(self) -> int:
        with self._lock:
            return sum(1 for op in self._ops if not op.synced)

    @property
    def unjournaled_count(self) -> int:
        with self._lock:
            return sum(1 for op in self._ops if not op.journaled and not op.synced)

    @property
    def settled(self) -> bool:
        """Closed and every operation stored in the database (or set aside)."""
        return self.closed and self.pending_count == 0

    def flush(self) -> int:
        """Write pending operations to the database in order; returns how many were written.

        Raises DatabaseUnavailableError (leaving the rest pending) if the database is down.
        Database I/O happens outside the state lock, so recording never waits on the database.
        """
        written = 0
        with self._flush_lock:
            with self._lock:
                self._retry_journal()
            while True:
                with self._lock:
                    pending = [op for op in self._ops if not op.synced]
                if not pending:
                    break
                for op in pending:
                    try:
                        self._apply(op)
                    except DatabaseUnavailableError:
                        self._retry_after = time.monotonic() + self.RETRY_BACKOFF_S
                        raise
                    except _CONTENT_REJECTIONS as exc:  # the DB refused this content: set it aside
                        self._set_aside(op, exc)
                        continue
                    except StatementError as exc:
                        if isinstance(exc, DBAPIError):  # schema or server trouble: keep it pending
                            self._retry_after = time.monotonic() + self.RETRY_BACKOFF_S
                            raise DatabaseUnavailableError(detail=type(exc).__name__) from exc
                        self._set_aside(op, exc)  # a value the driver cannot even send
                        continue
                    except SQLAlchemyError as exc:  # schema or server trouble: keep it pending
                        self._retry_after = time.monotonic() + self.RETRY_BACKOFF_S
                        raise DatabaseUnavailableError(detail=type(exc).__name__) from exc
                    with self._lock:
                        op.synced = True
                        entry: dict = {"synced": op.n}
                        if op.kind == "start":
                            entry["consultation_id"] = self.consultation_id
                        self._append_journal_quietly(entry)
                    written += 1
            self._retry_after = 0.0
        if self.settled:
            self.release_lock()
        return written

    # -- crash recovery --------------------------------------------------------------------
    @classmethod
    def resume(cls, journal_path: Path, repo: ConsultationRepository) -> ConsultationRecorder:
        """Rebuild a recorder from its journal (after a crash or a restart while the DB was down).

        Line by line: a torn or undecodable line, or one missing a field, is quarantined (kept
        in a side file, logged without its text) and the rest is still replayed. Takes the
        call's lock; raises SessionLockedError when the call is live in some process."""
        self = cls.__new__(cls)
        self._init_state(repo, journal_path.parent, autoflush=False, agent_id="", customer_id=None)
        self._take_lock()
        scan = _scan_journal(journal_path)
        for n in sorted(scan.ops):
            op = scan.ops[n]
            op.journaled = True
            op.synced = n in scan.synced or n in scan.rejected
            op.rejected = n in scan.rejected
            self._ops.append(op)
            self._replay_state(op)
        self.consultation_id = scan.consultation_id
        self.quarantined = scan.quarantined
        if scan.quarantined:
            log.warning("consultation %s: %d damaged journal line(s) quarantined in %s", self.key,
                        scan.quarantined, QUARANTINE_NAME)
        if self._ops and self._ops[0].kind != "start":  # the start line itself was damaged
            self._ops.insert(0, _Op(0, "start", {"customer_id": self.customer_id, "agent_id": self.agent_id or "?",
                                                 "started_at": self.started_at.isoformat(),
                                                 "session_key": self.key}, "", journaled=False))
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
            self.summary_final = self.summary_final or bool(data.get("final"))
        elif op.kind == "event":
            self.events.append((data.get("seq", len(self.events) + 1), data["kind"], data["payload"]))
        elif op.kind == "close":
            self.closed = True
            if data.get("summary") is not None:
                self.summary = data["summary"]
                self.summary_final = True

    # -- internals -------------------------------------------------------------------------
    def _record(self, kind: str, data: dict) -> None:
        """Append an operation to the journal (call with the state lock held)."""
        op = _Op(len(self._ops) + 1, kind, data, datetime.now().isoformat(timespec="seconds"))
        self._ops.append(op)
        self._retry_journal()

    def _retry_journal(self) -> None:
        """Journal every operation not yet journaled, in order (state lock held)."""
        for op in self._ops:
            if op.journaled or op.synced:
                continue
            try:
                self._append_journal({"op": op.kind, "n": op.n, "data": op.data, "at": op.at})
            except OSError as exc:
                if self.journal_error is None:
                    log.error("consultation %s: journal not writable (%s); keeping %d operation(s) in memory",
                              self.key, exc.strerror or type(exc).__name__, self.unjournaled_count)
                self.journal_error = exc
                return
            op.journaled = True
        if self.journal_error is not None:
            log.info("consultation %s: journal writable again", self.key)
        self.journal_error = None

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
        if not self.dir.is_dir():
            ensure_private_dir(self.dir)
        with open_private(self.journal_path, "a") as handle:  # 0600
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
            handle.flush()

    def _append_journal_quietly(self, entry: dict) -> None:
        """Bookkeeping lines (synced / rejected): losing one only means a harmless replay."""
        try:
            self._append_journal(entry)
        except OSError as exc:
            self.journal_error = exc

    def _set_aside(self, op: _Op, exc: BaseException) -> None:
        reason = f"{type(exc).__name__}"
        orig = getattr(exc, "orig", None)
        if orig is not None and getattr(orig, "args", None):
            reason += f" ({orig.args[0]})"  # the server's error code, never the statement or text
        log.error("consultation %s: database refused operation %d (%s): %s; set aside in %s",
                  self.key, op.n, op.kind, reason, REJECTED_NAME)
        with self._lock:
            op.synced = True
            op.rejected = True
            self.problems.append(WriteProblem(op.kind, op.n, reason))
            try:
                with (self.dir / REJECTED_NAME).open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps({"op": op.kind, "n": op.n, "data": op.data, "at": op.at,
                                             "reason": reason}, ensure_ascii=False) + "\n")
            except OSError as write_exc:
                self.journal_error = write_exc
            self._append_journal_quietly({"rejected": op.n})

    def _apply(self, op: _Op) -> None:
        data = op.data
        if op.kind == "start":
            self.consultation_id = self.repo.start(
                data["customer_id"], data["agent_id"], started_at=datetime.fromisoformat(data["started_at"]),
                session_key=data.get("session_key", self.key),
            )
            return
        if self.consultation_id is None:  # the start was set aside or never reached the DB
            if any(o.kind == "start" and o.rejected for o in self._ops):
                raise KtcsError("상담 시작 기록이 거부되어 이 기록을 저장할 수 없습니다.", detail="start rejected")
            self.consultation_id = self.repo.id_for_key(self.key)
            if self.consultation_id is None:
                raise DatabaseUnavailableError(detail="consultation not started in the database yet")
        cid = self.consultation_id
        if op.kind == "attach":
            self.repo.attach_customer(cid, data["customer_id"])
        elif op.kind == "line":
            self.repo.append_line(cid, Speaker(data["speaker"]), data["text"], at=datetime.fromisoformat(data["at"]),
                                  seq=data["seq"])
        elif op.kind == "notes":
            self.repo.save_notes(cid, data["notes"], rev=op.n)
        elif op.kind == "summary":
            self.repo.save_summary(cid, data["summary"], data.get("outcome"), rev=op.n,
                                   final=bool(data.get("final")))
        elif op.kind == "event":
            self.repo.add_event(cid, data["kind"], data["payload"], seq=data.get("seq"),
                                at=datetime.fromisoformat(op.at) if op.at else None)
        elif op.kind == "close":
            self.repo.close(cid, summary=data.get("summary"), outcome=data.get("outcome"),
                            ended_at=datetime.fromisoformat(data["ended_at"]), rev=op.n)
        else:  # pragma: no cover - programming error
            raise ValueError(op.kind)


def _scan_journal(path: Path) -> _JournalScan:
    """Read a journal line by line, quarantining what cannot be replayed."""
    scan = _JournalScan()
    raw = path.read_bytes()
    if raw and not raw.endswith(b"\n"):  # seal a torn last line before anything is appended
        with path.open("ab") as handle:
            handle.write(b"\n")
    quarantine: list[dict] = []
    legacy_index = 0  # journals written before operations were numbered
    for line_no, chunk in enumerate(raw.split(b"\n"), start=1):
        if not chunk.strip():
            continue
        try:
            entry = json.loads(chunk.decode("utf-8"))
            if not isinstance(entry, dict):
                raise ValueError("not an object")
            if "op" in entry:
                kind = entry["op"]
                data = entry["data"]
                if kind not in _REQUIRED or not isinstance(data, dict):
                    raise ValueError(f"unknown operation {kind!r}")
                missing = [name for name in _REQUIRED[kind] if name not in data]
                if missing:
                    raise ValueError(f"missing {', '.join(missing)}")
                if kind == "line":
                    Speaker(data["speaker"])
                    datetime.fromisoformat(data["at"])
                if kind in ("start", "close"):
                    datetime.fromisoformat(data["started_at" if kind == "start" else "ended_at"])
                n = entry.get("n", legacy_index)
                legacy_index += 1
                scan.ops[int(n)] = _Op(int(n), kind, data, str(entry.get("at", "")))
            elif "synced" in entry:
                scan.synced.add(int(entry["synced"]))
                if entry.get("consultation_id") is not None:
                    scan.consultation_id = int(entry["consultation_id"])
            elif "rejected" in entry:
                scan.rejected.add(int(entry["rejected"]))
            else:
                raise ValueError("unknown entry")
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            reason = type(exc).__name__ if isinstance(exc, UnicodeDecodeError | json.JSONDecodeError) else str(exc)
            quarantine.append({"line": line_no, "reason": reason[:80],
                               "raw_b64": base64.b64encode(chunk).decode("ascii")})
    if quarantine:
        scan.quarantined = len(quarantine)
        try:
            with (path.parent / QUARANTINE_NAME).open("a", encoding="utf-8") as handle:
                for item in quarantine:
                    handle.write(json.dumps(item) + "\n")
            _rewrite_without_quarantined(path, raw, {item["line"] for item in quarantine})
        except OSError as exc:
            log.error("journal %s: could not quarantine damaged lines: %s", path.parent.name, exc.strerror)
    return scan


def _rewrite_without_quarantined(path: Path, raw: bytes, bad_lines: set[int]) -> None:
    """Drop quarantined lines from the journal (they live in the side file) so they are not
    reported again at every start. Written to a temporary file and swapped in atomically."""
    kept = [chunk for line_no, chunk in enumerate(raw.split(b"\n"), start=1)
            if line_no not in bad_lines and chunk.strip()]
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(b"".join(chunk + b"\n" for chunk in kept))
    tmp.replace(path)


@dataclass(frozen=True)
class RecoveryReport:
    sessions: int  # journals that had unsaved work
    written: int  # operations written to the database
    failed: int  # journals still pending (database down or an error)
    quarantined: int = 0  # damaged journal lines set aside
    skipped_live: int = 0  # calls live in this or another window


def recover_journals(sessions_dir: Path, repo: ConsultationRepository, *, skip: frozenset[str] | set[str] = frozenset(),
                     interrupted_outcome: str = "비정상 종료(자동 복구)") -> RecoveryReport:
    """Write every journal's unsaved operations to the database; close consultations that a crash
    left open. One journal at a time: a damaged or failing one never blocks the others. A call
    whose lock is held (live in some process) is never touched; `skip` holds keys to pass over."""
    sessions = written = failed = quarantined = skipped = 0
    if not sessions_dir.is_dir():
        return RecoveryReport(0, 0, 0)
    for journal in sorted(sessions_dir.glob(f"*/{JOURNAL_NAME}")):
        if journal.parent.name in skip:
            continue
        try:
            recorder = ConsultationRecorder.resume(journal, repo)
        except SessionLockedError:
            skipped += 1
            continue
        except Exception as exc:  # noqa: BLE001 - keep going with the other journals
            log.error("could not read journal %s: %s", journal.parent.name, type(exc).__name__)
            failed += 1
            continue
        quarantined += recorder.quarantined
        try:
            if recorder.settled:
                continue
            sessions += 1
            if not recorder.closed:
                recorder.close(summary=recorder.summary or recorder.notes.strip() or None,
                               outcome=interrupted_outcome)
            try:
                written += recorder.flush()
            except DatabaseUnavailableError as exc:
                log.warning("could not recover %s now (database unavailable: %s)", journal.parent.name, exc.detail)
                failed += 1
            except Exception as exc:  # noqa: BLE001 - the journal stays for next time
                log.error("could not recover %s: %s", journal.parent.name, type(exc).__name__)
                failed += 1
        finally:
            recorder.release_lock()
    return RecoveryReport(sessions, written, failed, quarantined, skipped)
