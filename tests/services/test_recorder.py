from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from ktcs_desktop.core.errors import DatabaseUnavailableError
from ktcs_desktop.core.models import ConsultationStatus, Speaker
from ktcs_desktop.core.services.recorder import ConsultationRecorder
from ktcs_desktop.core.storage.database import Database
from ktcs_desktop.core.storage.repositories import ConsultationRepository
from ktcs_desktop.core.storage.schema import ConsultationRow


class FlakyRepository(ConsultationRepository):
    """A real repository that can be switched 'down' like a dead server."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.down = False

    def __getattribute__(self, name: str):
        attr = super().__getattribute__(name)
        if name in {"start", "append_line", "save_notes", "save_summary", "add_event", "close",
                    "attach_customer"} and super().__getattribute__("down"):
            def fail(*_args, **_kwargs):
                raise DatabaseUnavailableError(detail="test: server down")
            return fail
        return attr


def test_write_through_records_everything(db: Database, tmp_path: Path) -> None:
    repo = ConsultationRepository(db)
    rec = ConsultationRecorder(repo, tmp_path, "agent-1")
    rec.add_line(Speaker.CALLER, "요금제 문의드려요")
    rec.add_line(Speaker.AGENT, "네 고객님")
    rec.save_notes("메모 1")
    rec.add_event("offer", {"plan": "5G 슬림 14GB"})
    rec.close(summary="요약", outcome="안내 완료")
    assert rec.pending_count == 0
    saved = repo.get(rec.consultation_id)
    assert [line.text for line in saved.lines] == ["요금제 문의드려요", "네 고객님"]
    assert saved.notes == "메모 1" and saved.summary == "요약" and saved.status is ConsultationStatus.CLOSED
    assert saved.events[0].payload == {"plan": "5G 슬림 14GB"}


def test_nothing_is_lost_while_the_database_is_down(db: Database, tmp_path: Path) -> None:
    repo = FlakyRepository(db)
    repo.down = True
    rec = ConsultationRecorder(repo, tmp_path, "agent-1", autoflush=False)
    rec.add_line(Speaker.CALLER, "첫 번째 말")
    rec.add_line(Speaker.CALLER, "두 번째 말")
    rec.save_notes("다운 중 메모")
    with pytest.raises(DatabaseUnavailableError):
        rec.flush()
    assert rec.pending_count == 4 and rec.consultation_id is None
    # The journal on disk holds every operation.
    ops = [json.loads(line) for line in rec.journal_path.read_text(encoding="utf-8").splitlines()]
    assert [o["op"] for o in ops if "op" in o] == ["start", "line", "line", "notes"]
    assert ops[1]["data"]["text"] == "첫 번째 말"

    repo.down = False
    assert rec.flush() == 4
    assert rec.pending_count == 0
    saved = repo.get(rec.consultation_id)
    assert [(line.seq, line.text) for line in saved.lines] == [(1, "첫 번째 말"), (2, "두 번째 말")]
    assert saved.notes == "다운 중 메모"


def test_autoflush_backs_off_after_a_failure(db: Database, tmp_path: Path) -> None:
    repo = FlakyRepository(db)
    repo.down = True
    rec = ConsultationRecorder(repo, tmp_path, "agent-1")  # autoflush: failure is logged, kept pending
    rec.add_line(Speaker.AGENT, "안내드리겠습니다")
    assert rec.pending_count == 2
    repo.down = False
    rec.flush()
    assert repo.get(rec.consultation_id).lines[0].text == "안내드리겠습니다"


def test_crash_recovery_writes_journals_and_closes_interrupted_calls(db: Database, tmp_path: Path) -> None:
    from ktcs_desktop.core.services.recorder import recover_journals

    repo = FlakyRepository(db)
    # Session A: started and partly saved, then the database went down and the app "crashed".
    a = ConsultationRecorder(repo, tmp_path, "agent-1", autoflush=False)
    a.add_line(Speaker.CALLER, "저장된 말")
    a.flush()
    repo.down = True
    a.add_line(Speaker.CALLER, "저장 안 된 말")
    a.save_notes("크래시 전 메모")
    # Session B: never reached the database at all.
    b = ConsultationRecorder(repo, tmp_path, "agent-1", autoflush=False)
    b.add_line(Speaker.AGENT, "오프라인 상담")
    # A torn last line, as a crash mid-write would leave.
    with b.journal_path.open("a", encoding="utf-8") as handle:
        handle.write('{"op": "line", "da')
    repo.down = False
    del a, b

    report = recover_journals(tmp_path, ConsultationRepository(db))
    assert report.sessions == 2 and report.failed == 0
    with db.session() as session:
        ids = list(session.execute(select(ConsultationRow.id)).scalars())
    assert len(ids) == 2
    history = {c.id: c for c in (ConsultationRepository(db).get(i) for i in ids)}
    texts = {c.id: [line.text for line in c.lines] for c in history.values()}
    assert sorted(texts.values()) == [["오프라인 상담"], ["저장된 말", "저장 안 된 말"]]
    assert all(c.status is ConsultationStatus.CLOSED and "복구" in c.outcome for c in history.values())
    assert any(c.notes == "크래시 전 메모" for c in history.values())
    # Running it again finds nothing left to do.
    assert recover_journals(tmp_path, ConsultationRepository(db)).sessions == 0
