"""Audio a call left untranscribed is transcribed later and lands in that call's consultation."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ktcs_desktop.core.models import Speaker
from ktcs_desktop.core.services.late_transcription import pending_calls, transcribe_pending_calls
from ktcs_desktop.core.services.recorder import ConsultationRecorder
from ktcs_desktop.core.speech import SegmentStatus, SegmentStore
from ktcs_desktop.core.speech.vad import Segment
from ktcs_desktop.core.storage.database import Database
from ktcs_desktop.core.storage.repositories import ConsultationRepository
from tests.helpers.openai_stub import error_response, transcription_response
from tests.speech.conftest import TRANSCRIPTIONS


def _tone(seconds: float) -> bytes:
    t = np.arange(int(16000 * seconds)) / 16000
    return (np.sin(2 * np.pi * 220 * t) * 8000).astype("<i2").tobytes()


def _recorded_call(sessions: Path, repo: ConsultationRepository, segments: int) -> ConsultationRecorder:
    """A closed call whose audio was recorded with no speech provider (all segments pending)."""
    recorder = ConsultationRecorder(repo, sessions, "agent-1")
    recorder.add_line(Speaker.AGENT, "직접 입력한 문장")
    store = SegmentStore(sessions, recorder.key)
    for seq in range(1, segments + 1):
        store.save(Segment(seq, "caller", seq * 2.0, seq * 2.0 + 1.0, _tone(1.0)))
    recorder.close(summary="녹음만 된 통화", outcome="안내 완료")
    return recorder


def test_pending_audio_is_transcribed_into_its_consultation(db: Database, tmp_path: Path, openai_stub,
                                                           stub_transcriber) -> None:
    repo = ConsultationRepository(db)
    sessions = tmp_path / "sessions"
    call = _recorded_call(sessions, repo, segments=2)
    other = _recorded_call(sessions, repo, segments=1)
    assert pending_calls(sessions) == sorted([call.key, other.key])
    texts = iter(["요금제 바꾸고 싶어요", "슬림 14기가요", "해지 문의"])
    openai_stub.on("POST", TRANSCRIPTIONS, lambda _req: transcription_response(next(texts)))

    report = transcribe_pending_calls(sessions, stub_transcriber, repo, skip=frozenset({other.key}))

    assert (report.calls, report.transcribed, report.failed) == (1, 2, 0)
    saved = repo.get(call.consultation_id)
    assert [(line.speaker, line.text) for line in saved.lines] == [
        (Speaker.AGENT, "직접 입력한 문장"), (Speaker.CALLER, "요금제 바꾸고 싶어요"),
        (Speaker.CALLER, "5G 슬림 14GB요")]  # post-processed like live text
    assert all(r.status is SegmentStatus.DONE for r in SegmentStore(sessions, call.key).records())
    assert pending_calls(sessions) == [other.key]  # the skipped live call is untouched
    assert "음성 2건" in report.message


def test_failed_transcription_keeps_the_audio_pending(db: Database, tmp_path: Path, openai_stub,
                                                      stub_transcriber) -> None:
    repo = ConsultationRepository(db)
    sessions = tmp_path / "sessions"
    call = _recorded_call(sessions, repo, segments=1)
    openai_stub.on("POST", TRANSCRIPTIONS, error_response(500, "down"))

    report = transcribe_pending_calls(sessions, stub_transcriber, repo)

    assert (report.calls, report.transcribed, report.failed) == (1, 0, 1)
    assert [line.text for line in repo.get(call.consultation_id).lines] == ["직접 입력한 문장"]
    assert pending_calls(sessions) == [call.key] and "보관" in report.message


def test_a_recorder_still_held_in_memory_is_written_through_not_resumed(db: Database, tmp_path: Path,
                                                                        openai_stub, stub_transcriber) -> None:
    repo = ConsultationRepository(db)
    sessions = tmp_path / "sessions"
    call = _recorded_call(sessions, repo, segments=1)
    openai_stub.on("POST", TRANSCRIPTIONS, lambda _req: transcription_response("붙잡고 있던 통화"))

    report = transcribe_pending_calls(sessions, stub_transcriber, repo, live={call.key: call})

    assert report.transcribed == 1
    assert [line.text for line in call.lines][-1] == "붙잡고 있던 통화"  # the held instance saw it
    # One writer per journal: replaying it gives exactly the same state, nothing left pending.
    replayed = ConsultationRecorder.resume(call.journal_path, repo)
    assert [line.text for line in replayed.lines] == [line.text for line in call.lines]
    assert replayed.pending_count == 0
    assert [line.text for line in repo.get(call.consultation_id).lines] == ["직접 입력한 문장", "붙잡고 있던 통화"]
