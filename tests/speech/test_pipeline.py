"""End to end: fake device → capture → VAD → WAV on disk → real SDK → scripted server → text in order."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from ktcs_desktop.core.errors import KtcsError
from ktcs_desktop.core.speech.capture import AudioCapture
from ktcs_desktop.core.speech.devices import DISCONNECTED_MESSAGE, AudioDeviceError
from ktcs_desktop.core.speech.pipeline import TranscriptionPipeline, transcribe_unfinished
from ktcs_desktop.core.speech.segments import SegmentStatus, SegmentStore
from ktcs_desktop.core.speech.transcribe import OpenAITranscriber, Transcript, TranscriptionError
from ktcs_desktop.core.speech.vad import Segment
from tests.helpers.fake_pyaudio import FakeDevice, FakePyAudioFactory, speech_like
from tests.helpers.openai_stub import (
    OpenAIStub,
    RecordedRequest,
    ScriptedResponse,
    error_response,
    transcription_response,
)
from tests.speech.conftest import TRANSCRIPTIONS


class Recorder:
    """Collects pipeline callbacks (as the Qt layer's signal adapter would)."""

    def __init__(self) -> None:
        self.texts: list[tuple[Segment, Transcript]] = []
        self.errors: list[tuple[KtcsError, Segment | None]] = []
        self.levels: list[tuple[str, float]] = []
        self.queue_sizes: list[int] = []
        self.persisted: list[int] = []
        self.lock = threading.Lock()

    def kwargs(self) -> dict[str, Callable]:
        return dict(on_text=self.on_text, on_error=self.on_error, on_level=self.on_level,
                    on_queue_size=self.queue_sizes.append, on_segment=lambda s, r: self.persisted.append(s.seq))

    def on_text(self, segment: Segment, transcript: Transcript) -> None:
        with self.lock:
            self.texts.append((segment, transcript))

    def on_error(self, error: KtcsError, segment: Segment | None) -> None:
        with self.lock:
            self.errors.append((error, segment))

    def on_level(self, speaker: str, db: float) -> None:
        self.levels.append((speaker, db))


def answer_by_segment(store: SegmentStore, *, slow_odd: float = 0.0,
                      fail: Callable[[int], bool] = lambda seq: False) -> Callable[[RecordedRequest], ScriptedResponse]:
    """Server side: identify the uploaded WAV by comparing it with the files on disk.

    Finding it there proves the segment was persisted BEFORE it was sent for transcription.
    """

    def respond(request: RecordedRequest) -> ScriptedResponse:
        data = request.files["file"].data
        for path in sorted(store.audio_dir.glob("*.wav")):
            if path.read_bytes() == data:
                seq = int(path.name.split("-")[0])
                if fail(seq):
                    return error_response(500, "model overloaded")
                if slow_odd and seq % 2:
                    time.sleep(slow_odd)  # odd segments finish after the even ones
                return transcription_response(f"구간 {seq} 오만오천원")
        return error_response(400, "upload does not match any persisted segment")

    return respond


def _wait(event: threading.Event, timeout: float = 10.0) -> None:
    assert event.wait(timeout), "fake device did not deliver its audio in time"


FIVE_UTTERANCES = [("silence", 0.3)] + [("speech", 1.2), ("silence", 0.8)] * 4 + [("speech", 1.2)]


def test_stop_right_after_the_audio_transcribes_every_segment_in_order(
    openai_stub: OpenAIStub, stub_transcriber: OpenAITranscriber, store: SegmentStore
) -> None:
    openai_stub.on("POST", TRANSCRIPTIONS, answer_by_segment(store, slow_odd=0.15))
    factory = FakePyAudioFactory([FakeDevice("mic", audio=speech_like(FIVE_UTTERANCES))])
    rec = Recorder()
    capture = AudioCapture(None, speaker="caller", factory=factory)
    pipeline = TranscriptionPipeline(stub_transcriber, store, [capture], **rec.kwargs())
    assert pipeline.start() == ["caller"]
    _wait(factory.streams[0].source_done)
    result = pipeline.stop(timeout=15)  # the last utterance has no trailing silence: only flush finds it

    assert result.completed and result.transcribed == 5 and result.failed == 0 and result.pending == ()
    assert [s.seq for s, _ in rec.texts] == [1, 2, 3, 4, 5]
    assert [t.text for _, t in rec.texts] == [f"구간 {n} 55,000원" for n in range(1, 6)]  # normalized
    assert [t.raw_text for _, t in rec.texts] == [f"구간 {n} 오만오천원" for n in range(1, 6)]
    assert rec.errors == []
    assert rec.persisted == [1, 2, 3, 4, 5]
    assert rec.queue_sizes[-1] == 0 and max(rec.queue_sizes) >= 2
    assert rec.levels and {s for s, _ in rec.levels} == {"caller"}
    records = store.records()
    assert [(r.status, r.attempts) for r in records] == [(SegmentStatus.DONE, 1)] * 5
    assert all(store.wav_path(r).exists() for r in records)
    first_arrivals = [int(t.text.split()[1]) for _, t in rec.texts]
    assert first_arrivals == sorted(first_arrivals)
    # two workers really ran in parallel: some request started before the previous one finished
    starts = sorted(r.received_at for r in openai_stub.requests_to(TRANSCRIPTIONS))
    assert len(starts) == 5 and min(np.diff(starts)) < 0.15


def test_korean_speech_from_a_48k_stereo_headset(
    openai_stub: OpenAIStub, stub_transcriber: OpenAITranscriber, store: SegmentStore, korean_call_wav: Path
) -> None:
    openai_stub.on("POST", TRANSCRIPTIONS, answer_by_segment(store))
    factory = FakePyAudioFactory([FakeDevice.from_wav("USB 헤드셋", korean_call_wav, supported_channels=(2,))])
    rec = Recorder()
    capture = AudioCapture("헤드셋", factory=factory)
    pipeline = TranscriptionPipeline(stub_transcriber, store, [capture], **rec.kwargs())
    pipeline.start()
    assert capture.format is not None and (capture.format.rate, capture.format.channels) == (48000, 2)
    _wait(factory.streams[0].source_done)
    result = pipeline.stop(timeout=15)
    assert result.completed and [s.seq for s, _ in rec.texts] == [1, 2]
    for request in openai_stub.requests_to(TRANSCRIPTIONS):
        assert request.form["language"] == "ko" and "5G 슬림" in request.form["prompt"]
        assert request.files["file"].data[:4] == b"RIFF"
    for segment, _ in rec.texts:
        assert 2.5 <= segment.duration_s <= 4.5  # the ~3.2 s sentence plus pre-roll and tail


def test_device_loss_mid_call_keeps_and_transcribes_what_was_captured(
    openai_stub: OpenAIStub, stub_transcriber: OpenAITranscriber, store: SegmentStore
) -> None:
    openai_stub.on("POST", TRANSCRIPTIONS, answer_by_segment(store))
    audio = speech_like([("silence", 0.3), ("speech", 1.5), ("silence", 1.0), ("speech", 3.0)])
    factory = FakePyAudioFactory([FakeDevice("mic", audio=audio, fail_after_s=4.0)])  # 1.2 s into utterance 2
    rec = Recorder()
    pipeline = TranscriptionPipeline(stub_transcriber, store, [AudioCapture(None, factory=factory)],
                                     **rec.kwargs())
    pipeline.start()
    _wait(factory.streams[0].lost)
    deadline = time.monotonic() + 10
    while len(rec.texts) < 2 and time.monotonic() < deadline:  # no stop(): loss alone flushes
        time.sleep(0.02)
    result = pipeline.stop(timeout=10)
    device_errors = [e for e, seg in rec.errors if seg is None]
    assert len(device_errors) == 1 and isinstance(device_errors[0], AudioDeviceError)
    assert device_errors[0].user_message == DISCONNECTED_MESSAGE
    assert result.completed and [s.seq for s, _ in rec.texts] == [1, 2]
    partial = rec.texts[1][0]
    assert partial.end_s == pytest.approx(4.0, abs=0.05)  # right up to the moment of loss


def test_failed_segment_stays_on_disk_as_failed_and_retry_works(
    openai_stub: OpenAIStub, stub_transcriber: OpenAITranscriber, store: SegmentStore
) -> None:
    outage = {"on": True}
    openai_stub.on("POST", TRANSCRIPTIONS, answer_by_segment(store, fail=lambda seq: outage["on"] and seq == 2))
    factory = FakePyAudioFactory([FakeDevice("mic", audio=speech_like(FIVE_UTTERANCES[:6]))])  # 3 utterances
    rec = Recorder()
    pipeline = TranscriptionPipeline(stub_transcriber, store, [AudioCapture(None, factory=factory)],
                                     segment_attempts=2, retry_backoff_s=0.01, **rec.kwargs())
    pipeline.start()
    _wait(factory.streams[0].source_done)
    result = pipeline.stop(timeout=10)

    assert (result.transcribed, result.failed) == (2, 1)
    assert [s.seq for s, _ in rec.texts] == [1, 3]
    ((error, segment),) = rec.errors
    assert isinstance(error, TranscriptionError) and segment is not None and segment.seq == 2
    failed = store.get(2)
    assert (failed.status, failed.attempts) == (SegmentStatus.FAILED, 2) and failed.error == error.user_message
    assert store.wav_path(failed).exists()
    assert len([r for r in openai_stub.requests_to(TRANSCRIPTIONS)]) == 4

    outage["on"] = False  # network is back: the "다시 변환" button
    retried: list[tuple[int, str]] = []
    records = transcribe_unfinished(stub_transcriber, SegmentStore(store.audio_dir.parent.parent, "c-42"),
                                    on_text=lambda s, t: retried.append((s.seq, t.text)))
    assert retried == [(2, "구간 2 55,000원")]
    assert [r.status for r in records] == [SegmentStatus.DONE] * 3
    assert records[1].attempts == 3


def test_cancel_returns_at_once_and_leaves_segments_pending(
    openai_stub: OpenAIStub, stub_transcriber: OpenAITranscriber, store: SegmentStore
) -> None:
    openai_stub.on("POST", TRANSCRIPTIONS, transcription_response("늦은 답", delay_s=1.5))
    factory = FakePyAudioFactory([FakeDevice("mic", audio=speech_like(FIVE_UTTERANCES))])
    rec = Recorder()
    pipeline = TranscriptionPipeline(stub_transcriber, store, [AudioCapture(None, factory=factory)],
                                     **rec.kwargs())
    pipeline.start()
    _wait(factory.streams[0].source_done)
    started = time.monotonic()
    result = pipeline.cancel()
    assert time.monotonic() - started < 1.0
    assert not result.completed and result.transcribed == 0
    assert len(store.records()) == 5  # every utterance still reached the disk
    assert set(result.pending) == {1, 2, 3, 4, 5}
    time.sleep(0.1)
    assert rec.texts == []


def test_without_a_transcriber_segments_are_recorded_as_pending(store: SegmentStore) -> None:
    factory = FakePyAudioFactory([FakeDevice("mic", audio=speech_like(FIVE_UTTERANCES[:4]))])
    rec = Recorder()
    pipeline = TranscriptionPipeline(None, store, [AudioCapture(None, factory=factory)], **rec.kwargs())
    pipeline.start()
    _wait(factory.streams[0].source_done)
    result = pipeline.stop(timeout=5)
    assert result.completed and result.pending == (1, 2) and rec.texts == []
    assert rec.queue_sizes[-1] == 0


def test_agent_and_caller_devices_share_one_ordered_sequence(
    openai_stub: OpenAIStub, stub_transcriber: OpenAITranscriber, store: SegmentStore
) -> None:
    openai_stub.on("POST", TRANSCRIPTIONS, answer_by_segment(store))
    agent_audio = speech_like([("silence", 0.3), ("speech", 1.2), ("silence", 3.0)], seed=1)
    caller_audio = speech_like([("silence", 2.0), ("speech", 1.5), ("silence", 1.0)], seed=2)
    factory = FakePyAudioFactory([FakeDevice("헤드셋", audio=agent_audio), FakeDevice("전화 라인", audio=caller_audio)],
                                 speed=8.0)
    rec = Recorder()
    captures = [AudioCapture("헤드셋", speaker="agent", factory=factory),
                AudioCapture("전화 라인", speaker="caller", factory=factory)]
    pipeline = TranscriptionPipeline(stub_transcriber, store, captures, **rec.kwargs())
    assert pipeline.start() == ["agent", "caller"]
    for stream in factory.streams:
        _wait(stream.source_done)
    result = pipeline.stop(timeout=10)
    assert result.completed
    assert [(s.seq, s.speaker) for s, _ in rec.texts] == [(1, "agent"), (2, "caller")]
    assert sorted(p.name for p in store.audio_dir.glob("*.wav")) == ["0001-agent.wav", "0002-caller.wav"]


def test_missing_caller_device_is_reported_and_the_agent_keeps_recording(
    stub_transcriber: OpenAITranscriber, store: SegmentStore
) -> None:
    factory = FakePyAudioFactory([FakeDevice("헤드셋", audio=speech_like([("silence", 0.5)]))])
    rec = Recorder()
    captures = [AudioCapture("헤드셋", speaker="agent", factory=factory),
                AudioCapture("전화 라인", speaker="caller", factory=factory)]
    pipeline = TranscriptionPipeline(stub_transcriber, store, captures, **rec.kwargs())
    assert pipeline.start() == ["agent"]
    ((error, segment),) = rec.errors
    assert isinstance(error, AudioDeviceError) and "'전화 라인'" in error.user_message and segment is None
    assert pipeline.stop(timeout=5).completed


def test_no_devices_start_raises_korean_error_without_crashing(
    stub_transcriber: OpenAITranscriber, store: SegmentStore
) -> None:
    pipeline = TranscriptionPipeline(stub_transcriber, store,
                                     [AudioCapture(None, factory=FakePyAudioFactory([], default_index=None))])
    with pytest.raises(AudioDeviceError, match="마이크를 찾을 수 없습니다"):
        pipeline.start()
    assert pipeline.stop(timeout=1).transcribed == 0


def test_feed_audio_without_a_device_and_resume_numbering(
    openai_stub: OpenAIStub, stub_transcriber: OpenAITranscriber, store: SegmentStore
) -> None:
    openai_stub.on("POST", TRANSCRIPTIONS, answer_by_segment(store))
    store.save(Segment(1, "agent", 0.0, 1.0, b"\0\0" * 16000))  # from an earlier recording of this call
    rec = Recorder()
    pipeline = TranscriptionPipeline(stub_transcriber, store, [], **rec.kwargs())
    pipeline.start()
    pipeline.feed_audio("caller", speech_like([("silence", 0.3), ("speech", 1.5)]).tobytes())
    result = pipeline.stop(timeout=10)
    assert result.completed and [(s.seq, t.text) for s, t in rec.texts] == [(2, "구간 2 55,000원")]
