"""Speech core benchmarks (no hardware, no network beyond loopback).

    .venv/bin/python benchmarks/bench_speech.py

1. End-of-utterance → text latency: a fake microphone plays speech in real time into the
   full pipeline (capture → VAD → WAV on disk → real `openai` SDK → scripted local server).
   Reported from the moment the speaker stopped talking (includes the VAD hangover) and
   from the moment the segment was cut (persist + upload + answer + in-order delivery).
2. CPU of capture + VAD over 60 s of audio (48 kHz stereo → 16 kHz mono, and 16 kHz mono),
   measured per thread: the PortAudio-callback side and the consumer side.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ktcs_desktop.core.speech.capture import AudioCapture  # noqa: E402
from ktcs_desktop.core.speech.pipeline import TranscriptionPipeline  # noqa: E402
from ktcs_desktop.core.speech.segments import SegmentStore  # noqa: E402
from ktcs_desktop.core.speech.transcribe import OpenAITranscriber  # noqa: E402
from ktcs_desktop.core.speech.vad import EnergyVad  # noqa: E402
from tests.helpers.fake_pyaudio import (  # noqa: E402
    FakeDevice,
    FakePyAudioFactory,
    speech_like,
    to_device_format,
)
from tests.helpers.openai_stub import OpenAIStub, transcription_response  # noqa: E402

PATTERN = [("silence", 0.5)] + [("speech", 2.0), ("silence", 1.0)] * 5


def _speech_ends(pattern: list[tuple[str, float]]) -> list[float]:
    t, ends = 0.0, []
    for kind, seconds in pattern:
        t += seconds
        if kind == "speech":
            ends.append(t)
    return ends


def bench_latency(server_delay_s: float) -> None:
    with OpenAIStub() as stub, tempfile.TemporaryDirectory() as tmp:
        stub.on("POST", "/v1/audio/transcriptions", transcription_response("요금제 변경하고 싶어요", delay_s=server_delay_s))
        transcriber = OpenAITranscriber(api_key="bench", base_url=stub.base_url, timeout=10, max_retries=0)
        factory = FakePyAudioFactory([FakeDevice("mic", audio=speech_like(PATTERN))], speed=1.0)
        cut_at: dict[int, float] = {}
        text_at: dict[int, float] = {}
        pipeline = TranscriptionPipeline(
            transcriber,
            SegmentStore(Path(tmp), "bench"),
            [AudioCapture(None, factory=factory)],
            on_segment=lambda seg, rec: cut_at.setdefault(seg.seq, time.monotonic()),
            on_text=lambda seg, tr: text_at.setdefault(seg.seq, time.monotonic()),
        )
        pipeline.start()
        stream = factory.streams[0]
        while stream.callbacks == 0:
            time.sleep(0.001)
        t0 = time.monotonic() - stream.frames_delivered / 16000  # wall time of audio t=0
        stream.source_done.wait(30)
        time.sleep(0.2 + server_delay_s)
        pipeline.stop(timeout=10)
        transcriber.close()
    ends = _speech_ends(PATTERN)
    from_speech_end = [text_at[s] - (t0 + ends[s - 1]) for s in sorted(text_at)]
    from_cut = [text_at[s] - cut_at[s] for s in sorted(text_at)]
    print(f"  server delay {server_delay_s * 1000:4.0f} ms, {len(text_at)} utterances: "
          f"speech end → text median {statistics.median(from_speech_end) * 1000:.0f} ms "
          f"(max {max(from_speech_end) * 1000:.0f}); segment cut → text median "
          f"{statistics.median(from_cut) * 1000:.0f} ms (max {max(from_cut) * 1000:.0f})")


def bench_cpu(rate: int, channels: int, seconds: float = 60.0) -> None:
    pattern = [("silence", 0.5)] + [("speech", 4.0), ("silence", 1.0)] * int(seconds / 5)
    audio = to_device_format(speech_like(pattern), rate, channels)
    factory = FakePyAudioFactory([FakeDevice("mic", audio=audio, rate=rate, channels=channels,
                                             supported_channels=(channels,))])
    capture = AudioCapture(None, factory=factory, max_buffer_s=120, on_level=lambda s, db: None)
    callback_cpu = [0.0]
    original = capture._on_audio

    def timed_callback(*args: object) -> object:
        t = time.thread_time()
        try:
            return original(*args)  # type: ignore[arg-type]
        finally:
            callback_cpu[0] += time.thread_time() - t

    capture._on_audio = timed_callback  # type: ignore[method-assign]
    vad = EnergyVad("agent")
    segments = 0
    capture.start()
    stream = factory.streams[0]
    consumer_cpu = 0.0
    wall = time.perf_counter()
    done = threading.Event()
    while not done.is_set():
        t = time.thread_time()
        chunk = capture.read(0.01)
        if chunk is not None:
            segments += len(vad.feed(chunk.pcm))
        consumer_cpu += time.thread_time() - t
        if stream.source_done.is_set() and capture.buffered_seconds == 0:
            done.set()
    t = time.thread_time()
    for chunk in capture.stop():
        segments += len(vad.feed(chunk.pcm))
    segments += len(vad.flush())
    consumer_cpu += time.thread_time() - t
    wall = time.perf_counter() - wall
    audio_s = audio.size / channels / rate
    total = consumer_cpu + callback_cpu[0]
    print(f"  {rate / 1000:g} kHz × {channels} ch, {audio_s:.0f} s audio → {segments} segments: "
          f"consumer (convert+level+VAD) {consumer_cpu * 1000:.0f} ms CPU, callback {callback_cpu[0] * 1000:.0f} ms; "
          f"= {100 * total / audio_s:.2f} % of one core in real time (processed in {wall:.2f} s wall)")


def main() -> None:
    print("End-of-utterance → text latency (real-time fake mic, scripted server on loopback):")
    bench_latency(0.0)
    bench_latency(0.3)
    print("CPU of capture + VAD:")
    bench_cpu(48000, 2)
    bench_cpu(16000, 1)


if __name__ == "__main__":
    main()
