"""Repository functions: the only code that turns rows into domain objects and back.

Each method is its own unit of work (one session), so callers on any worker thread can use
them without sharing ORM state.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ktcs_desktop.core.errors import NotFoundError
from ktcs_desktop.core.models import (
    Consultation,
    ConsultationEvent,
    ConsultationStatus,
    ConsultationSummary,
    ContractType,
    CustomerProfile,
    Page,
    Speaker,
    TranscriptLine,
    UsageMonth,
    UsageSummary,
)
from ktcs_desktop.core.storage.audit_chain import GENESIS, canonical, chain_hash
from ktcs_desktop.core.storage.database import Database
from ktcs_desktop.core.storage.schema import (
    AuditLogRow,
    ConsultationEventRow,
    ConsultationRow,
    CustomerRow,
    TranscriptLineRow,
    UsageRow,
)


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


@dataclass(frozen=True)
class NewCustomer:
    """A customer to insert (seed data, synthetic generator, imports)."""

    phone: str
    name: str
    birth_date: date
    current_plan: str
    join_date: date
    is_foreigner: bool = False
    is_welfare: bool = False
    contract_type: ContractType = ContractType.NONE
    contract_end: date | None = None
    notes: str = ""
    usage: tuple[UsageMonth, ...] = ()


def _profile(row: CustomerRow) -> CustomerProfile:
    return CustomerProfile(
        id=row.id,
        phone=row.phone,
        name=row.name,
        birth_date=row.birth_date,
        is_foreigner=bool(row.is_foreigner),
        is_welfare=bool(row.is_welfare),
        current_plan=row.current_plan,
        contract_type=ContractType(row.contract_type),
        contract_end=row.contract_end,
        join_date=row.join_date,
        notes=row.notes or "",
    )


def _summary(row: ConsultationRow) -> ConsultationSummary:
    return ConsultationSummary(
        id=row.id,
        customer_id=row.customer_id,
        agent_id=row.agent_id,
        started_at=row.started_at,
        ended_at=row.ended_at,
        status=ConsultationStatus(row.status),
        summary=row.summary or "",
        outcome=row.outcome or "",
        notes=row.notes or "",
        session_key=row.session_key,
    )


class CustomerRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def by_phone(self, phone_digits: str) -> CustomerProfile | None:
        with self.db.session() as s:
            row = s.execute(select(CustomerRow).where(CustomerRow.phone == phone_digits)).scalar_one_or_none()
            return _profile(row) if row else None

    def get(self, customer_id: int) -> CustomerProfile:
        with self.db.session() as s:
            row = s.get(CustomerRow, customer_id)
            if row is None:
                raise NotFoundError(f"고객 정보를 찾을 수 없습니다 (ID {customer_id}).")
            return _profile(row)

    def phone(self, customer_id: int) -> str | None:
        """The customer's number (for a masked audit subject), None if there is no such customer."""
        with self.db.session() as s:
            return s.execute(select(CustomerRow.phone).where(CustomerRow.id == customer_id)).scalar_one_or_none()

    def usage(self, customer_id: int, months: int = 6) -> UsageSummary:
        with self.db.session() as s:
            rows = s.execute(
                select(UsageRow)
                .where(UsageRow.customer_id == customer_id)
                .order_by(UsageRow.month.desc())
                .limit(months)
            ).scalars()
            return UsageSummary(
                tuple(UsageMonth(r.month, float(r.data_gb), int(r.voice_min), int(r.sms_count)) for r in rows)
            )

    def count(self) -> int:
        with self.db.session() as s:
            return int(s.execute(select(func.count()).select_from(CustomerRow)).scalar_one())

    def existing_phones(self, phones: Iterable[str]) -> set[str]:
        phones = list(phones)
        found: set[str] = set()
        with self.db.session() as s:
            for start in range(0, len(phones), 500):
                chunk = phones[start : start + 500]
                found.update(s.execute(select(CustomerRow.phone).where(CustomerRow.phone.in_(chunk))).scalars())
        return found

    def add_many(self, customers: Sequence[NewCustomer], *, batch_size: int = 2000) -> int:
        """Insert customers with their usage in bulk (Core executemany); returns how many."""
        customer_table = CustomerRow.__table__
        usage_table = UsageRow.__table__
        inserted = 0
        for start in range(0, len(customers), batch_size):
            batch = customers[start : start + batch_size]
            now = _now()
            with self.db.session() as s:
                s.execute(
                    insert(customer_table),
                    [
                        {
                            "phone": c.phone, "name": c.name, "birth_date": c.birth_date,
                            "is_foreigner": c.is_foreigner, "is_welfare": c.is_welfare,
                            "current_plan": c.current_plan, "contract_type": c.contract_type.value,
                            "contract_end": c.contract_end, "join_date": c.join_date, "notes": c.notes,
                            "created_at": now, "updated_at": now,
                        }
                        for c in batch
                    ],
                )
                ids = {
                    phone: customer_id
                    for phone, customer_id in s.execute(
                        select(CustomerRow.phone, CustomerRow.id).where(CustomerRow.phone.in_([c.phone for c in batch]))
                    )
                }
                usage_rows = [
                    {"customer_id": ids[c.phone], "month": u.month, "data_gb": u.data_gb,
                     "voice_min": u.voice_min, "sms_count": u.sms_count}
                    for c in batch
                    for u in c.usage
                ]
                if usage_rows:
                    s.execute(insert(usage_table), usage_rows)
            inserted += len(batch)
        return inserted

    def set_plan(self, customer_id: int, plan_name: str) -> None:
        with self.db.session() as s:
            result = s.execute(
                update(CustomerRow)
                .where(CustomerRow.id == customer_id)
                .values(current_plan=plan_name, updated_at=_now())
            )
            if result.rowcount == 0:
                raise NotFoundError(f"고객 정보를 찾을 수 없습니다 (ID {customer_id}).")


class ConsultationRepository:
    """Consultations are written as they happen: every line and event is its own commit.

    Writes from the desktop are idempotent, so a replay after a lost acknowledgement, a crash or
    an outage never stores anything twice: a consultation is found by its client-generated
    `session_key`, lines and events carry the session's sequence numbers (unique per
    consultation, inserted with "insert or ignore"), and notes/summary writes carry a revision
    that must be newer than the stored one (the agent's final summary is never overwritten by a
    late draft).
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    def _insert_ignoring_duplicates(self, table, values: dict):  # noqa: ANN001, ANN202 - SQLAlchemy types
        """INSERT … that does nothing when a unique key already holds the row (dialect-specific)."""
        if self.db.is_sqlite:
            return sqlite_insert(table).values(**values).on_conflict_do_nothing()
        first = next(iter(values))
        # Not INSERT IGNORE: that would also turn a too-long value into a silent truncation.
        return mysql_insert(table).values(**values).on_duplicate_key_update({first: table.c[first]})  # a no-op

    def start(self, customer_id: int | None, agent_id: str, *, started_at: datetime | None = None,
              session_key: str | None = None) -> int:
        """Create the consultation (or, with a `session_key` already stored, return that one)."""
        values = {"customer_id": customer_id, "agent_id": agent_id, "started_at": started_at or _now(),
                  "status": ConsultationStatus.OPEN.value, "notes": "", "summary": "", "outcome": ""}
        with self.db.session() as s:
            if session_key is None:
                row = ConsultationRow(**values)
                s.add(row)
                s.flush()
                return int(row.id)
            s.execute(self._insert_ignoring_duplicates(ConsultationRow.__table__, {"session_key": session_key,
                                                                                    **values}))
            return int(s.execute(select(ConsultationRow.id).where(ConsultationRow.session_key == session_key))
                       .scalar_one())

    def id_for_key(self, session_key: str) -> int | None:
        with self.db.session() as s:
            found = s.execute(select(ConsultationRow.id).where(ConsultationRow.session_key == session_key)).scalar()
            return int(found) if found is not None else None

    def attach_customer(self, consultation_id: int, customer_id: int) -> None:
        with self.db.session() as s:
            s.execute(update(ConsultationRow).where(ConsultationRow.id == consultation_id)
                      .values(customer_id=customer_id))

    def append_line(self, consultation_id: int, speaker: Speaker, text: str, *, at: datetime | None = None,
                    seq: int | None = None) -> int:
        """Append a transcript line; returns its sequence number. With `seq` (the session's own
        number) a line already stored under it is left as it is."""
        with self.db.session() as s:
            if seq is None:
                last = s.execute(
                    select(func.max(TranscriptLineRow.seq)).where(TranscriptLineRow.consultation_id == consultation_id)
                ).scalar_one()
                seq = (last or 0) + 1
                s.add(TranscriptLineRow(consultation_id=consultation_id, seq=seq, speaker=speaker.value,
                                        text=text, at=at or _now()))
                return seq
            s.execute(self._insert_ignoring_duplicates(TranscriptLineRow.__table__, {
                "consultation_id": consultation_id, "seq": seq, "speaker": speaker.value, "text": text,
                "at": at or _now()}))
            return seq

    def add_event(self, consultation_id: int, kind: str, payload: dict, *, seq: int | None = None,
                  at: datetime | None = None) -> None:
        with self.db.session() as s:
            if seq is None:
                s.add(ConsultationEventRow(consultation_id=consultation_id, kind=kind, payload=payload,
                                           at=at or _now()))
                return
            s.execute(self._insert_ignoring_duplicates(ConsultationEventRow.__table__, {
                "consultation_id": consultation_id, "seq": seq, "kind": kind, "payload": payload,
                "at": at or _now()}))

    def save_notes(self, consultation_id: int, notes: str, *, rev: int | None = None) -> None:
        if rev is None:
            self._update(consultation_id, notes=notes)
            return
        self._update_if_newer(consultation_id, ConsultationRow.notes_rev < rev, notes=notes, notes_rev=rev)

    def save_summary(self, consultation_id: int, summary: str, outcome: str | None = None, *,
                     rev: int | None = None, final: bool = False) -> None:
        """A draft (final=False) never replaces a final summary; with `rev`, only newer writes land."""
        values: dict = {"summary": summary}
        if outcome is not None:
            values["outcome"] = outcome
        if final:
            values["summary_final"] = True
        if rev is None:
            self._update(consultation_id, **values)
            return
        condition = ConsultationRow.summary_rev < rev
        if not final:
            condition = condition & (ConsultationRow.summary_final.is_(False))
        self._update_if_newer(consultation_id, condition, summary_rev=rev, **values)

    def close(self, consultation_id: int, *, summary: str | None = None, outcome: str | None = None,
              ended_at: datetime | None = None, rev: int | None = None) -> None:
        """Close the consultation; `summary` given here is the final one (idempotent on replay)."""
        if summary is not None:
            self.save_summary(consultation_id, summary, outcome, rev=rev, final=True)
        values: dict = {"status": ConsultationStatus.CLOSED.value, "ended_at": ended_at or _now()}
        if summary is None and outcome is not None:
            values["outcome"] = outcome
        self._update(consultation_id, **values)

    def _update(self, consultation_id: int, **values: object) -> None:
        with self.db.session() as s:
            result = s.execute(update(ConsultationRow).where(ConsultationRow.id == consultation_id).values(**values))
            if result.rowcount == 0:
                raise NotFoundError(f"상담 기록을 찾을 수 없습니다 (ID {consultation_id}).")

    def _update_if_newer(self, consultation_id: int, condition, **values: object) -> None:  # noqa: ANN001
        with self.db.session() as s:
            result = s.execute(update(ConsultationRow)
                               .where(ConsultationRow.id == consultation_id, condition).values(**values))
            if result.rowcount == 0 and s.get(ConsultationRow, consultation_id) is None:
                raise NotFoundError(f"상담 기록을 찾을 수 없습니다 (ID {consultation_id}).")

    def history(self, customer_id: int, *, offset: int = 0, limit: int = 20) -> Page[ConsultationSummary]:
        """A customer's consultations, newest first."""
        with self.db.session() as s:
            total = s.execute(
                select(func.count()).select_from(ConsultationRow).where(ConsultationRow.customer_id == customer_id)
            ).scalar_one()
            rows = s.execute(
                select(ConsultationRow)
                .where(ConsultationRow.customer_id == customer_id)
                .order_by(ConsultationRow.started_at.desc(), ConsultationRow.id.desc())
                .offset(offset)
                .limit(limit)
            ).scalars()
            return Page(tuple(_summary(r) for r in rows), int(total), offset, limit)

    def get(self, consultation_id: int) -> Consultation:
        with self.db.session() as s:
            row = s.get(ConsultationRow, consultation_id)
            if row is None:
                raise NotFoundError(f"상담 기록을 찾을 수 없습니다 (ID {consultation_id}).")
            base = _summary(row)
            return Consultation(
                **base.__dict__,
                lines=tuple(TranscriptLine(line.seq, Speaker(line.speaker), line.text, line.at) for line in row.lines),
                events=tuple(ConsultationEvent(e.kind, dict(e.payload), e.at, e.seq) for e in row.events),
            )

    def delete(self, consultation_id: int) -> None:
        with self.db.session() as s:
            s.execute(delete(ConsultationRow).where(ConsultationRow.id == consultation_id))


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    agent_id: str
    action: str
    customer_id: int | None
    phone_masked: str
    detail: str


@dataclass(frozen=True)
class AuditVerification:
    """The outcome of `AuditLog.verify()`; `problem` (Korean) names the first bad row."""

    ok: bool
    rows: int
    head: str | None  # the last row's hash: note it elsewhere to detect a cut-off tail later
    problem: str = ""
    row_id: int | None = None
    chained: bool = True  # False on MySQL/MariaDB (append-only by grants, no chain)


def _row_hash(row: AuditLogRow, prev_hash: str) -> str:
    return chain_hash(prev_hash, canonical(row.id, row.at, row.agent_id, row.action, row.customer_id,
                                           row.phone_masked, row.detail))


class AuditLog:
    """Who read or did what to which customer, and when. Phone numbers are stored masked.

    On the embedded SQLite every row is chained to the previous one (storage/audit_chain.py) and
    `verify()` finds an edited, inserted or deleted row; on MySQL/MariaDB the app account may only
    INSERT and SELECT (README), which keeps the table append-only.
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, agent_id: str, action: str, *, customer_id: int | None = None, phone_masked: str = "",
               detail: str = "") -> None:
        with self.db.session() as s:
            row = AuditLogRow(at=_now(), agent_id=agent_id, action=action, customer_id=customer_id,
                              phone_masked=phone_masked, detail=detail)
            s.add(row)
            if self.db.is_sqlite:
                # INSERT first: from here this transaction holds SQLite's write lock, so no other
                # writer can slip a row in between the previous hash read and this row's hash.
                s.flush()
                previous = s.execute(select(AuditLogRow.hash).where(AuditLogRow.id < row.id)
                                     .order_by(AuditLogRow.id.desc()).limit(1)).scalar()
                row.prev_hash = previous or GENESIS
                row.hash = _row_hash(row, row.prev_hash)

    def verify(self) -> AuditVerification:
        """Walk the chain from the first row; the first row that does not fit is reported."""
        if not self.db.is_sqlite:
            with self.db.session() as s:
                total = int(s.execute(select(func.count()).select_from(AuditLogRow)).scalar_one())
            return AuditVerification(True, total, None, chained=False)
        prev_hash, prev_id, count = GENESIS, None, 0
        with self.db.session() as s:
            for row in s.execute(select(AuditLogRow).order_by(AuditLogRow.id)
                                 .execution_options(yield_per=1000)).scalars():
                count += 1
                if row.hash is None or row.prev_hash is None:
                    return AuditVerification(False, count, prev_hash, row_id=row.id, problem=(
                        f"감사 기록 #{row.id}에 해시가 없습니다: 앱을 거치지 않고 추가된 기록입니다."))
                if row.prev_hash != prev_hash:
                    before = f"#{prev_id}" if prev_id is not None else "체인의 시작"
                    return AuditVerification(False, count, prev_hash, row_id=row.id, problem=(
                        f"감사 기록 #{row.id}이(가) 바로 앞 기록({before})과 이어지지 않습니다: "
                        "그 사이의 기록이 삭제되었거나 앞 기록이 바뀌었습니다."))
                if _row_hash(row, prev_hash) != row.hash:
                    return AuditVerification(False, count, prev_hash, row_id=row.id, problem=(
                        f"감사 기록 #{row.id}의 내용이 기록된 뒤에 바뀌었습니다 (해시 불일치)."))
                prev_hash, prev_id = row.hash, row.id
        return AuditVerification(True, count, prev_hash if count else None)

    def recent(self, *, limit: int = 50, customer_id: int | None = None) -> list[AuditEntry]:
        with self.db.session() as s:
            query = select(AuditLogRow).order_by(AuditLogRow.id.desc()).limit(limit)
            if customer_id is not None:
                query = query.where(AuditLogRow.customer_id == customer_id)
            return [
                AuditEntry(r.at, r.agent_id, r.action, r.customer_id, r.phone_masked, r.detail)
                for r in s.execute(query).scalars()
            ]
