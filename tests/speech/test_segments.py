"""Segment WAVs and the JSONL manifest: written before transcription, survive a restart."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np

from ktcs_desktop.core.speech.segments import SegmentStatus, SegmentStore
from ktcs_desktop.core.speech.vad import Segment


def _segment(seq: int, speaker: str = "caller", seconds: float = 1.0) -> Segment:
    pcm = (np.sin(np.arange(int(16000 * seconds)) / 5) * 8000).astype("<i2").tobytes()
    return Segment(seq, speaker, start_s=2.0 * seq, end_s=2.0 * seq + seconds, pcm=pcm)


def test_save_writes_a_16k_mono_wav_and_a_pending_record(tmp_path: Path) -> None:
    store = SegmentStore(tmp_path / "sessions", 42)
    record = store.save(_segment(1))
    path = tmp_path / "sessions" / "42" / "audio" / "0001-caller.wav"
    assert store.wav_path(record) == path
    with wave.open(str(path)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (16000, 1, 2)
        assert wav.readframes(wav.getnframes()) == _segment(1).pcm
    assert record.status is SegmentStatus.PENDING and record.attempts == 0
    line = json.loads((path.parent / "manifest.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    assert line["seq"] == 1 and line["status"] == "pending" and line["file"] == "0001-caller.wav"
    assert not list(path.parent.glob("*.tmp"))


def test_status_updates_and_reload(tmp_path: Path) -> None:
    store = SegmentStore(tmp_path, "c/../evil id")  # odd ids stay inside sessions_dir
    assert store.audio_dir.parent.parent == tmp_path
    for seq in (1, 2, 3):
        store.save(_segment(seq, "agent" if seq % 2 else "caller"))
    store.mark_attempt(1)
    store.mark_done(1, "55,000원 요금제", raw_text="오만오천원 요금제", language="ko", provider="openai")
    store.mark_attempt(2)
    store.mark_attempt(2)
    store.mark_failed(2, "음성 인식 서버 응답 시간이 초과되었습니다.")

    reloaded = SegmentStore(tmp_path, "c/../evil id")
    one, two, three = reloaded.records()
    assert (one.status, one.text, one.raw_text, one.attempts) == (SegmentStatus.DONE, "55,000원 요금제",
                                                                  "오만오천원 요금제", 1)
    assert (two.status, two.attempts) == (SegmentStatus.FAILED, 2) and "시간이 초과" in two.error
    assert three.status is SegmentStatus.PENDING
    assert [r.seq for r in reloaded.unfinished()] == [2, 3]
    assert reloaded.next_seq() == 4
    assert reloaded.load_segment(2).pcm == _segment(2).pcm


def test_torn_manifest_line_is_skipped(tmp_path: Path) -> None:
    store = SegmentStore(tmp_path, "x")
    store.save(_segment(1))
    with store.manifest_path.open("a", encoding="utf-8") as fh:
        fh.write('{"seq": 1, "status": "do')  # crash mid-write
    (record,) = SegmentStore(tmp_path, "x").records()
    assert record.status is SegmentStatus.PENDING
