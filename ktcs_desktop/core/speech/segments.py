"""Per-consultation segment storage: every utterance is a WAV on disk before it is transcribed.

Layout: `<sessions_dir>/<consultation_id>/audio/0001-caller.wav` plus `manifest.jsonl`, an
append-only log where each line is the full state of one segment (pending → done | failed,
attempts, text). The last line for a seq wins, so a crash mid-write loses at most one status
update, never audio; failed and pending segments can be retried later.

Thread-safe: the pipeline's capture threads save and its workers update concurrently.
"""

from __future__ import annotations

import enum
import io
import json
import logging
import os
import re
import threading
import wave
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from ktcs_desktop.core.privacy.at_rest import ensure_private_dir, open_private, write_private_bytes
from ktcs_desktop.core.speech.capture import SAMPLE_WIDTH, TARGET_RATE
from ktcs_desktop.core.speech.vad import Segment

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.jsonl"
_SAFE_ID = re.compile(r"[^0-9A-Za-z_.-]")


class SegmentStatus(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class SegmentRecord:
    """What the manifest knows about one segment."""

    seq: int
    speaker: str
    start_s: float
    end_s: float
    file: str  # relative to the audio folder
    status: SegmentStatus = SegmentStatus.PENDING
    attempts: int = 0
    text: str = ""
    raw_text: str = ""
    language: str = ""
    provider: str = ""
    error: str = ""
    updated_at: str = ""

    def to_json(self) -> str:
        data = asdict(self)
        data["status"] = str(self.status)
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, line: str) -> SegmentRecord:
        data = json.loads(line)
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["status"] = SegmentStatus(known.get("status", "pending"))
        return cls(**known)


def pcm_to_wav_bytes(pcm: bytes, rate: int = TARGET_RATE) -> bytes:
    """16-bit mono WAV bytes (what transcription providers receive)."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(SAMPLE_WIDTH)
        wav.setframerate(rate)
        wav.writeframes(pcm)
    return buf.getvalue()


def read_wav_pcm(path: Path) -> tuple[bytes, int, int]:
    """(pcm, rate, channels) of a 16-bit WAV."""
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != SAMPLE_WIDTH:
            raise ValueError(f"{path}: expected 16-bit PCM, got {wav.getsampwidth() * 8}-bit")
        return wav.readframes(wav.getnframes()), wav.getframerate(), wav.getnchannels()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class SegmentStore:
    """Audio segments and their transcription status for one consultation."""

    def __init__(self, sessions_dir: Path, consultation_id: str | int) -> None:
        safe_id = _SAFE_ID.sub("_", str(consultation_id)) or "unknown"
        self.consultation_id = str(consultation_id)
        self.audio_dir = Path(sessions_dir) / safe_id / "audio"
        self.manifest_path = self.audio_dir / MANIFEST_NAME
        self._lock = threading.Lock()
        self._records: dict[int, SegmentRecord] = {}
        self._load()

    def _load(self) -> None:
        if not self.manifest_path.exists():
            return
        for n, line in enumerate(self.manifest_path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = SegmentRecord.from_json(line)
            except (ValueError, TypeError, KeyError):
                log.warning("%s:%d: unreadable manifest line skipped", self.manifest_path, n)
                continue
            self._records[record.seq] = record

    # -- writing --------------------------------------------------------------------------------
    def save(self, segment: Segment) -> SegmentRecord:
        """Write the WAV (atomically) and record it as pending. Call BEFORE transcribing."""
        name = f"{segment.seq:04d}-{segment.speaker}.wav"
        path = self.audio_dir / name
        with self._lock:
            ensure_private_dir(self.audio_dir)
            tmp = path.with_suffix(".wav.tmp")
            write_private_bytes(tmp, pcm_to_wav_bytes(segment.pcm))  # 0600: the call's voices
            os.replace(tmp, path)
            record = SegmentRecord(
                seq=segment.seq,
                speaker=segment.speaker,
                start_s=segment.start_s,
                end_s=segment.end_s,
                file=name,
                updated_at=_now(),
            )
            self._append(record)
        return record

    def _append(self, record: SegmentRecord) -> None:
        with open_private(self.manifest_path, "a") as fh:
            fh.write(record.to_json() + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        self._records[record.seq] = record

    def _update(self, seq: int, **changes: object) -> SegmentRecord:
        with self._lock:
            current = self._records[seq]
            record = replace(current, updated_at=_now(), **changes)  # type: ignore[arg-type]
            self._append(record)
            return record

    def mark_attempt(self, seq: int) -> SegmentRecord:
        with self._lock:
            attempts = self._records[seq].attempts + 1
        return self._update(seq, attempts=attempts)

    def mark_done(
        self, seq: int, text: str, *, raw_text: str = "", language: str = "", provider: str = ""
    ) -> SegmentRecord:
        return self._update(
            seq,
            status=SegmentStatus.DONE,
            text=text,
            raw_text=raw_text or text,
            language=language,
            provider=provider,
            error="",
        )

    def mark_failed(self, seq: int, error: str) -> SegmentRecord:
        return self._update(seq, status=SegmentStatus.FAILED, error=error)

    def mark_pending(self, seq: int) -> SegmentRecord:
        return self._update(seq, status=SegmentStatus.PENDING, error="")

    # -- reading --------------------------------------------------------------------------------
    def records(self) -> list[SegmentRecord]:
        with self._lock:
            return [self._records[k] for k in sorted(self._records)]

    def get(self, seq: int) -> SegmentRecord:
        with self._lock:
            return self._records[seq]

    def unfinished(self) -> list[SegmentRecord]:
        """Pending and failed segments, oldest first — what a retry should transcribe."""
        return [r for r in self.records() if r.status is not SegmentStatus.DONE]

    def next_seq(self) -> int:
        with self._lock:
            return max(self._records, default=0) + 1

    def wav_path(self, record: SegmentRecord | int) -> Path:
        if isinstance(record, int):
            record = self.get(record)
        return self.audio_dir / record.file

    def load_segment(self, record: SegmentRecord | int) -> Segment:
        if isinstance(record, int):
            record = self.get(record)
        pcm, _rate, _channels = read_wav_pcm(self.wav_path(record))
        return Segment(record.seq, record.speaker, record.start_s, record.end_s, pcm)
