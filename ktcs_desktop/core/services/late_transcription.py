"""Transcribe audio that calls left untranscribed (no provider at the time, server down, …)
and add the text to the consultation it belongs to.

Every call's audio lives beside its journal (`<sessions>/<key>/audio/` and `journal.jsonl`), so
the consultation is found from the journal, never guessed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ktcs_desktop.core.models import Speaker
from ktcs_desktop.core.services.recorder import ConsultationRecorder
from ktcs_desktop.core.speech import Segment, SegmentStore, Transcriber, Transcript
from ktcs_desktop.core.speech.pipeline import TextCallback, transcribe_unfinished
from ktcs_desktop.core.speech.segments import MANIFEST_NAME
from ktcs_desktop.core.storage.repositories import ConsultationRepository

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LateTranscriptionReport:
    calls: int  # calls that had untranscribed audio
    transcribed: int  # segments turned into transcript lines
    failed: int  # segments still untranscribed (kept for next time)

    @property
    def message(self) -> str:
        if not self.calls:
            return "변환할 음성이 없습니다."
        text = f"통화 {self.calls}건의 음성 {self.transcribed}건을 변환해 상담 기록에 추가했습니다."
        if self.failed:
            text += f" {self.failed}건은 변환하지 못해 보관합니다."
        return text


def pending_calls(sessions_dir: Path) -> list[str]:
    """Keys of the calls whose audio still has pending or failed segments."""
    keys = []
    for manifest in sorted(Path(sessions_dir).glob(f"*/audio/{MANIFEST_NAME}")):
        key = manifest.parent.parent.name
        if SegmentStore(sessions_dir, key).unfinished():
            keys.append(key)
    return keys


def transcribe_pending_calls(sessions_dir: Path, transcriber: Transcriber, repo: ConsultationRepository, *,
                             skip: frozenset[str] = frozenset(),
                             live: Mapping[str, ConsultationRecorder] | None = None,
                             cancel: threading.Event | None = None) -> LateTranscriptionReport:
    """Transcribe every call's leftover audio (blocking: run it on a worker) and record the text.

    `skip` holds keys of calls whose own pipeline is still transcribing. `live` maps keys to
    recorders this process still holds: their lines go through that recorder (one writer per
    journal) instead of one resumed from the journal.
    """
    live = live or {}
    calls = transcribed = failed = 0
    for key in pending_calls(sessions_dir):
        if key in skip or (cancel is not None and cancel.is_set()):
            continue
        journal = Path(sessions_dir) / key / "journal.jsonl"
        if key not in live and not journal.is_file():
            log.warning("audio of %s has no consultation journal; left untouched", key)
            continue
        calls += 1
        recorder = live.get(key) or ConsultationRecorder.resume(journal, repo)
        store = SegmentStore(sessions_dir, key)
        added: list[int] = []

        transcribe_unfinished(transcriber, store, on_text=_line_adder(recorder, added), cancel=cancel)
        recorder.flush()
        transcribed += len(added)
        failed += len(store.unfinished())
    return LateTranscriptionReport(calls, transcribed, failed)


def _line_adder(recorder: ConsultationRecorder, added: list[int]) -> TextCallback:
    """`on_text` for one call: each transcribed segment becomes a transcript line of its call."""

    def add(segment: Segment, transcript: Transcript) -> None:
        try:
            speaker = Speaker(segment.speaker)
        except ValueError:
            speaker = Speaker.CALLER
        added.append(recorder.add_line(speaker, transcript.text).seq)

    return add
