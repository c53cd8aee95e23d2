"""AudioCapture against the fake PyAudio: formats, level meter, bounded buffer, device loss."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from ktcs_desktop.core.speech.capture import AudioCapture, AudioChunk, StreamResampler, level_dbfs
from ktcs_desktop.core.speech.devices import DISCONNECTED_MESSAGE, NO_DEVICE_MESSAGE, AudioDeviceError
from tests.helpers.fake_pyaudio import FakeDevice, FakePyAudioFactory, speech_like, to_device_format


def _tone(freq: float, seconds: float, rate: int = 16000, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * 32767 * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def _pcm(chunks: list[AudioChunk]) -> np.ndarray:
    return np.frombuffer(b"".join(c.pcm for c in chunks), dtype="<i2")


def _read_until(capture: AudioCapture, event: threading.Event, timeout: float = 10.0) -> list[AudioChunk]:
    """Read like the pipeline's capture thread does until `event` is set, then stop()."""
    chunks: list[AudioChunk] = []
    deadline = time.monotonic() + timeout
    while not event.is_set():
        assert time.monotonic() < deadline, "fake device never finished"
        chunk = capture.read(0.02)
        if chunk is not None:
            chunks.append(chunk)
    chunks.extend(capture.stop())
    return chunks


def test_16k_mono_device_passes_audio_through_bit_exact() -> None:
    source = speech_like([("silence", 0.3), ("speech", 1.0), ("silence", 0.3)])
    factory = FakePyAudioFactory([FakeDevice("mic", audio=source)])
    capture = AudioCapture(None, speaker="agent", factory=factory)
    device = capture.start()
    assert device.name == "mic" and capture.format is not None and capture.format.rate == 16000
    stream = factory.streams[0]
    chunks = _read_until(capture, stream.source_done)
    pcm = _pcm(chunks)
    assert pcm.size >= source.size
    np.testing.assert_array_equal(pcm[: source.size], source)
    assert [c.start_sample for c in chunks] == list(np.cumsum([0] + [len(c.pcm) // 2 for c in chunks])[:-1])
    assert all(c.speaker == "agent" for c in chunks)
    assert stream.closed and factory.instances[0].terminated


@pytest.mark.parametrize(("rate", "channels"), [(48000, 2), (44100, 1), (22050, 1)])
def test_device_rate_and_channels_are_converted_to_16k_mono(rate: int, channels: int) -> None:
    tone16k = _tone(1000.0, 2.0)
    device = FakeDevice("headset", audio=to_device_format(tone16k, rate, channels), rate=rate, channels=channels,
                        supported_channels=(channels,))
    factory = FakePyAudioFactory([device])
    capture = AudioCapture(None, factory=factory)
    capture.start()
    assert capture.format is not None and (capture.format.rate, capture.format.channels) == (rate, channels)
    pcm = _pcm(_read_until(capture, factory.streams[0].source_done)).astype(np.float64)
    assert pcm.size == pytest.approx(tone16k.size, rel=0.05)  # + a little trailing silence
    body = pcm[1000:30000]
    spectrum = np.abs(np.fft.rfft(body * np.hanning(body.size)))
    peak_hz = np.argmax(spectrum) * 16000 / body.size
    assert peak_hz == pytest.approx(1000.0, abs=5.0)
    assert level_dbfs(body) == pytest.approx(level_dbfs(tone16k.astype(np.float64)), abs=0.5)


def test_resampler_keeps_sample_count_and_rejects_aliasing() -> None:
    resampler = StreamResampler(48000)
    t = np.arange(48000) / 48000
    alias = np.sin(2 * np.pi * 12000 * t) * 10000  # above the 8 kHz output Nyquist
    out = np.concatenate([resampler.process(block) for block in np.array_split(alias, 37)] + [resampler.flush()])
    assert out.size == pytest.approx(16000, abs=40)
    assert np.sqrt(np.mean(out[200:-200] ** 2)) < 0.02 * np.sqrt(np.mean(alias**2))


def test_level_meter_reports_dbfs_on_the_consumer_thread() -> None:
    levels: list[tuple[str, float, str]] = []
    source = np.concatenate([_tone(440.0, 1.0, amplitude=0.5), np.zeros(8000, dtype=np.int16)])
    factory = FakePyAudioFactory([FakeDevice("mic", audio=source)])
    capture = AudioCapture(
        None, speaker="caller", factory=factory,
        on_level=lambda speaker, db: levels.append((speaker, db, threading.current_thread().name)),
    )
    capture.start()
    _read_until(capture, factory.streams[0].source_done)
    assert len(levels) >= 20
    assert {s for s, _, _ in levels} == {"caller"}
    assert {name for _, _, name in levels} == {threading.current_thread().name}
    loud = [db for _, db, _ in levels[:15]]
    assert all(db == pytest.approx(-9.03, abs=0.3) for db in loud)  # RMS of a 0.5 sine
    assert levels[-1][1] == -96.0  # digital silence


def test_full_buffer_drops_oldest_and_counts_it_without_blocking_the_callback() -> None:
    source = speech_like([("speech", 3.0)])
    factory = FakePyAudioFactory([FakeDevice("mic", audio=source)])
    capture = AudioCapture(None, factory=factory, max_buffer_s=0.5)
    capture.start()
    stream = factory.streams[0]
    assert stream.source_done.wait(5.0)
    chunks = capture.stop()  # nobody read: everything but the newest 0.5 s overflowed
    kept = _pcm(chunks)
    assert capture.dropped_chunks > 0
    assert capture.dropped_frames + kept.size == stream.frames_delivered
    assert kept.size <= 0.5 * 16000 + 320
    first_kept = chunks[0].start_sample
    assert first_kept == capture.dropped_frames  # timeline skips the dropped audio
    if first_kept < source.size:
        np.testing.assert_array_equal(kept[: source.size - first_kept], source[first_kept:])


@pytest.mark.parametrize(("use_callback", "fail_mode"), [(True, "stop"), (True, "raise"), (False, "stop")])
def test_unplugged_device_reports_once_and_keeps_captured_audio(use_callback: bool, fail_mode: str) -> None:
    source = speech_like([("speech", 2.0)])
    errors: list[AudioDeviceError] = []
    factory = FakePyAudioFactory([FakeDevice("mic", audio=source, fail_after_s=1.2, fail_mode=fail_mode)])
    capture = AudioCapture(None, factory=factory, use_callback=use_callback, on_error=errors.append,
                           stall_timeout_s=0.5)
    capture.start()
    chunks: list[AudioChunk] = []
    deadline = time.monotonic() + 5.0
    while not capture.exhausted:
        assert time.monotonic() < deadline, "device loss was not detected"
        chunk = capture.read(0.05)
        if chunk is not None:
            chunks.append(chunk)
    assert len(errors) == 1 and errors[0] is capture.error
    assert errors[0].user_message == DISCONNECTED_MESSAGE
    assert errors[0].user_message.startswith("선택한 입력 장치가 연결 해제되었습니다")
    pcm = _pcm(chunks)
    np.testing.assert_array_equal(pcm, source[: int(1.2 * 16000)])  # everything before the loss
    assert not capture.is_running
    assert capture.stop() == []  # idempotent after loss
    assert factory.instances[0].terminated


def test_stalled_device_is_detected_as_lost() -> None:
    """Some drivers keep the stream 'active' but stop calling back when unplugged."""
    factory = FakePyAudioFactory([FakeDevice("mic", audio=speech_like([("speech", 0.5)]), fail_after_s=0.5)])
    capture = AudioCapture(None, factory=factory, stall_timeout_s=0.2)
    capture.start()
    stream = factory.streams[0]
    stream.is_active = lambda: True  # type: ignore[method-assign]  # the driver lies
    deadline = time.monotonic() + 3.0
    while not capture.exhausted and time.monotonic() < deadline:
        capture.read(0.05)
    assert capture.error is not None and capture.exhausted


def test_no_devices_fails_cleanly_with_korean_message() -> None:
    factory = FakePyAudioFactory([], default_index=None)
    capture = AudioCapture(None, factory=factory)
    with pytest.raises(AudioDeviceError) as info:
        capture.start()
    assert info.value.user_message == NO_DEVICE_MESSAGE
    assert factory.instances[0].terminated
    assert capture.read(0) is None and capture.exhausted
    assert capture.stop() == []


def test_device_that_fails_to_open_is_a_korean_error_not_a_crash() -> None:
    device = FakeDevice("mic", open_error=OSError(-9996, "Invalid input device (no default output device)"))
    factory = FakePyAudioFactory([device])
    with pytest.raises(AudioDeviceError) as info:
        AudioCapture(None, factory=factory).start()
    assert info.value.user_message == DISCONNECTED_MESSAGE
    assert "-9996" in str(info.value.detail)
    assert factory.instances[0].terminated


def test_configured_device_missing() -> None:
    factory = FakePyAudioFactory([FakeDevice("내장 마이크")])
    with pytest.raises(AudioDeviceError, match="'헤드셋'"):
        AudioCapture("헤드셋", factory=factory).start()
