"""Microphone capture: PortAudio → bounded ring buffer → 16 kHz mono int16 chunks.

Threads:
- PortAudio's callback thread (or our reader thread in blocking mode) only appends raw bytes
  to a bounded deque under a short lock; when full the oldest chunk is dropped and counted.
  It never blocks and never calls user code.
- The consumer thread (whoever calls `read()`/`stop()`, e.g. the pipeline's capture thread)
  downmixes, resamples, meters the level (`on_level`) and detects device loss (`on_error`).

`close()` stops input but keeps everything buffered; `stop()` = close + return every chunk
not yet read, so pressing Stop never loses audio. A lost device (stream error, IOError on
read, a stream that stopped delivering) is reported once and the audio captured before the
loss stays readable.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ktcs_desktop.core.speech.devices import (
    DISCONNECTED_MESSAGE,
    PA_CONTINUE,
    PA_INT16,
    AudioDeviceError,
    InputDevice,
    PyAudioFactory,
    StreamFormat,
    choose_device,
    default_pyaudio_factory,
    input_devices_of,
    negotiate_format,
)

log = logging.getLogger(__name__)

TARGET_RATE = 16000
SAMPLE_WIDTH = 2  # int16
SILENCE_DBFS = -96.0

LevelCallback = Callable[[str, float], None]
"""on_level(speaker, dBFS) — called on the consumer thread, about every `level_interval_s`."""
ErrorCallback = Callable[[AudioDeviceError], None]
"""on_error(error) — called once per device loss, on the consumer/reader thread."""


@dataclass(frozen=True)
class AudioChunk:
    """16 kHz mono int16 audio from one speaker's device."""

    speaker: str
    pcm: bytes
    start_sample: int  # position in 16 kHz samples since the capture started

    @property
    def start_s(self) -> float:
        return self.start_sample / TARGET_RATE

    @property
    def duration_s(self) -> float:
        return len(self.pcm) / SAMPLE_WIDTH / TARGET_RATE


def level_dbfs(samples: np.ndarray) -> float:
    """RMS level of int16 samples in dBFS (0 = full scale, `SILENCE_DBFS` for digital silence)."""
    if samples.size == 0:
        return SILENCE_DBFS
    rms = math.sqrt(float(np.mean(np.square(samples, dtype=np.float64))))
    if rms <= 0.0:
        return SILENCE_DBFS
    return max(SILENCE_DBFS, 20.0 * math.log10(rms / 32768.0))


def _lowpass_taps(in_rate: int, out_rate: int, numtaps: int = 63) -> np.ndarray:
    """Windowed-sinc anti-alias filter, cut-off at 90 % of the output Nyquist frequency."""
    cutoff = 0.9 * (out_rate / 2.0) / in_rate  # cycles per input sample
    n = np.arange(numtaps) - (numtaps - 1) / 2.0
    taps = 2 * cutoff * np.sinc(2 * cutoff * n) * np.hamming(numtaps)
    return (taps / taps.sum()).astype(np.float64)


class StreamResampler:
    """Streaming low-pass + linear-interpolation resampler (enough for speech recognition)."""

    def __init__(self, in_rate: int, out_rate: int = TARGET_RATE) -> None:
        self.in_rate = in_rate
        self.out_rate = out_rate
        self._step = in_rate / out_rate
        self._taps = _lowpass_taps(in_rate, out_rate) if in_rate > out_rate else np.array([1.0])
        self._hist = np.zeros(len(self._taps) - 1)
        self._buf = np.zeros(0)
        self._pos = 0.0

    def process(self, x: np.ndarray) -> np.ndarray:
        raw = np.concatenate([self._hist, x.astype(np.float64)])
        keep = len(self._taps) - 1
        filtered = np.convolve(raw, self._taps, mode="valid")
        self._hist = raw[len(raw) - keep :] if keep else np.zeros(0)
        buf = np.concatenate([self._buf, filtered])
        last = len(buf) - 1
        if last < 0 or self._pos > last:
            self._buf = buf
            return np.zeros(0)
        count = int(math.floor((last - self._pos) / self._step)) + 1
        idx = self._pos + self._step * np.arange(count)
        i0 = np.floor(idx).astype(np.int64)
        frac = idx - i0
        i1 = np.minimum(i0 + 1, last)
        out = buf[i0] * (1.0 - frac) + buf[i1] * frac
        next_pos = self._pos + count * self._step
        drop = min(int(math.floor(next_pos)), last)
        self._buf = buf[drop:]
        self._pos = next_pos - drop
        return out

    def flush(self) -> np.ndarray:
        """Push the filter's delay line through so the last few milliseconds come out too."""
        return self.process(np.zeros(len(self._taps) // 2 + int(math.ceil(self._step))))


def to_int16_bytes(samples: np.ndarray) -> bytes:
    return np.clip(np.rint(samples), -32768, 32767).astype("<i2").tobytes()


class AudioCapture:
    """One input device captured as 16 kHz mono chunks, labelled with a speaker.

    `device` is an index, a name (substring ok) or None for the system default, as in
    `Settings.ktcs_input_device` / `ktcs_caller_input_device`.
    """

    def __init__(
        self,
        device: str | int | None = None,
        *,
        speaker: str = "agent",
        factory: PyAudioFactory | None = None,
        max_buffer_s: float = 60.0,
        frame_ms: int = 20,
        on_level: LevelCallback | None = None,
        on_error: ErrorCallback | None = None,
        level_interval_s: float = 0.05,
        stall_timeout_s: float = 2.0,
        use_callback: bool = True,
    ) -> None:
        self.device_spec = device
        self.speaker = str(speaker)
        self._factory = factory or default_pyaudio_factory
        self._max_buffer_s = max_buffer_s
        self._frame_ms = frame_ms
        self.on_level = on_level
        self.on_error = on_error
        self._level_interval = level_interval_s
        self._stall_timeout = stall_timeout_s
        self._use_callback = use_callback

        self._lock = threading.Lock()
        self._data_ready = threading.Condition(self._lock)
        self._raw: deque[tuple[int, bytes]] = deque()  # (device frame index, bytes)
        self._raw_bytes = 0
        self._max_bytes = 0
        self._frames_in = 0  # device frames delivered by PortAudio
        self._last_data_at = 0.0
        self.dropped_chunks = 0
        self.dropped_frames = 0

        self._consume_lock = threading.Lock()
        self._stream_lock = threading.Lock()
        self._pa: Any = None
        self._stream: Any = None
        self._reader: threading.Thread | None = None
        self._input_open = False
        self._started = False
        self._flushed = False
        self.exhausted = False
        self._reporting_loss = False
        self.error: AudioDeviceError | None = None
        self.device: InputDevice | None = None
        self.format: StreamFormat | None = None

        self._resampler: StreamResampler | None = None
        self._expected_frame = 0
        self._out_samples = 0
        self._level_sq = 0.0
        self._level_n = 0

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> InputDevice:
        """Open the device and start capturing. Raises `AudioDeviceError` (Korean), never crashes."""
        if self._started:
            raise RuntimeError("AudioCapture.start() called twice")
        try:
            self._pa = self._factory()
        except Exception as exc:
            raise AudioDeviceError(
                "오디오 시스템(PortAudio)을 초기화할 수 없습니다. 직접 입력은 계속 가능합니다.",
                detail=repr(exc),
            ) from exc
        try:
            device = choose_device(input_devices_of(self._pa), self.device_spec)
            fmt = negotiate_format(self._pa, device, TARGET_RATE)
            frames_per_buffer = max(64, fmt.rate * self._frame_ms // 1000)
            self._max_bytes = int(self._max_buffer_s * fmt.rate) * fmt.channels * SAMPLE_WIDTH
            self.device, self.format = device, fmt
            self._resampler = StreamResampler(fmt.rate) if fmt.rate != TARGET_RATE else None
            self._input_open = True
            self._last_data_at = time.monotonic()
            kwargs: dict[str, Any] = dict(
                format=PA_INT16,
                channels=fmt.channels,
                rate=fmt.rate,
                input=True,
                input_device_index=device.index,
                frames_per_buffer=frames_per_buffer,
            )
            if self._use_callback:
                kwargs["stream_callback"] = self._on_audio
                kwargs["start"] = False
                self._stream = self._pa.open(**kwargs)
                self._stream.start_stream()
            else:
                self._stream = self._pa.open(**kwargs)
                self._reader = threading.Thread(
                    target=self._read_loop,
                    args=(frames_per_buffer,),
                    name=f"ktcs-audio-reader-{self.speaker}",
                    daemon=True,
                )
                self._reader.start()
        except AudioDeviceError:
            self._input_open = False
            self._release()
            raise
        except Exception as exc:  # PortAudio: "Invalid input device", "Device unavailable", …
            self._input_open = False
            self._release()
            raise AudioDeviceError(DISCONNECTED_MESSAGE, detail=repr(exc)) from exc
        self._started = True
        log.info("capture %s started on %r (%s Hz, %s ch)", self.speaker, device.name, fmt.rate, fmt.channels)
        return device

    @property
    def is_running(self) -> bool:
        return self._input_open

    def close(self) -> None:
        """Stop taking input; audio already buffered stays readable. Idempotent, thread-safe."""
        reader = self._reader
        with self._lock:
            was_open = self._input_open
            self._input_open = False
            self._data_ready.notify_all()
        if reader is not None and reader is not threading.current_thread():
            reader.join(timeout=2.0)
        if was_open or self._pa is not None:
            self._release()

    def stop(self) -> list[AudioChunk]:
        """Close the device and return every chunk not yet read (nothing captured is lost)."""
        self.close()
        chunks: list[AudioChunk] = []
        while not self.exhausted:
            chunk = self.read(timeout=0)
            if chunk is not None:
                chunks.append(chunk)
        return chunks

    def _release(self) -> None:
        with self._stream_lock:
            stream, pa = self._stream, self._pa
            self._stream, self._pa = None, None
        if stream is not None:
            try:
                if self._use_callback:
                    stream.stop_stream()  # waits for the last callback: its audio is in the buffer
            except Exception:
                log.debug("stop_stream failed", exc_info=True)
            try:
                stream.close()
            except Exception:
                log.debug("stream.close failed", exc_info=True)
        if pa is not None:
            try:
                pa.terminate()
            except Exception:
                log.debug("PyAudio.terminate failed", exc_info=True)

    # -- producer side (PortAudio thread / reader thread) ----------------------------------------
    def _push(self, data: bytes) -> None:
        fmt = self.format
        assert fmt is not None
        frame_bytes = fmt.channels * SAMPLE_WIDTH
        with self._lock:
            if not self._input_open:
                return
            self._raw.append((self._frames_in, data))
            self._frames_in += len(data) // frame_bytes
            self._raw_bytes += len(data)
            while self._raw_bytes > self._max_bytes and len(self._raw) > 1:
                _, old = self._raw.popleft()
                self._raw_bytes -= len(old)
                self.dropped_chunks += 1
                self.dropped_frames += len(old) // frame_bytes
            self._last_data_at = time.monotonic()
            self._data_ready.notify()

    def _on_audio(self, in_data: bytes | None, frame_count: int, time_info: Any, status: int) -> tuple[None, int]:
        try:
            if in_data:
                self._push(bytes(in_data))
        except Exception:  # an exception here would kill PortAudio's thread
            log.exception("audio callback failed")
        return None, PA_CONTINUE

    def _read_loop(self, frames_per_buffer: int) -> None:
        while self._input_open:
            stream = self._stream
            if stream is None:
                return
            try:
                data = stream.read(frames_per_buffer, exception_on_overflow=False)
            except Exception as exc:  # IOError -9999 / -9988 when the device goes away
                if self._input_open:
                    self._device_lost(exc)
                return
            self._push(bytes(data))

    # -- consumer side ----------------------------------------------------------------------------
    def read(self, timeout: float | None = 0.1) -> AudioChunk | None:
        """The next 16 kHz mono chunk, or None if nothing arrived within `timeout`.

        After `close()`/device loss, returns the remaining chunks, then None with `exhausted`.
        """
        with self._consume_lock:
            item = self._pop(timeout)
            if item is not None:
                return self._convert(*item)
            if self._input_open:
                self._check_health()
                return None
            with self._lock:
                if self._raw or self._reporting_loss:
                    return None  # arrived between checks / loss being reported: call again
            if not self._flushed:
                self._flushed = True
                if self._resampler is not None:
                    tail = self._resampler.flush()
                    if tail.size:
                        return self._emit(tail)
            self.exhausted = True
            return None

    def _pop(self, timeout: float | None) -> tuple[int, bytes] | None:
        with self._lock:
            if not self._raw and self._input_open and timeout:
                self._data_ready.wait(timeout)
            if not self._raw:
                return None
            frame_index, data = self._raw.popleft()
            self._raw_bytes -= len(data)
            return frame_index, data

    @property
    def buffered_seconds(self) -> float:
        fmt = self.format
        if fmt is None:
            return 0.0
        with self._lock:
            return self._raw_bytes / (fmt.rate * fmt.channels * SAMPLE_WIDTH)

    def _convert(self, frame_index: int, data: bytes) -> AudioChunk | None:
        fmt = self.format
        assert fmt is not None
        if frame_index != self._expected_frame:
            # Frames were dropped (buffer overflow): restart the resampler at the new position.
            self._out_samples = int(round(frame_index * TARGET_RATE / fmt.rate))
            if self._resampler is not None:
                self._resampler = StreamResampler(fmt.rate)
        samples = np.frombuffer(data[: len(data) - len(data) % (fmt.channels * SAMPLE_WIDTH)], dtype="<i2")
        frames = samples.size // fmt.channels
        self._expected_frame = frame_index + frames
        if fmt.channels == 1 and self._resampler is None:
            return self._emit_int16(samples)
        mono = samples.reshape(-1, fmt.channels).mean(axis=1) if fmt.channels > 1 else samples.astype(np.float64)
        if self._resampler is not None:
            mono = self._resampler.process(mono)
        if mono.size == 0:
            return None
        return self._emit(mono)

    def _emit(self, samples: np.ndarray) -> AudioChunk:
        return self._emit_int16(np.frombuffer(to_int16_bytes(samples), dtype="<i2"))

    def _emit_int16(self, samples: np.ndarray) -> AudioChunk:
        chunk = AudioChunk(self.speaker, samples.tobytes(), self._out_samples)
        self._out_samples += samples.size
        self._meter(samples)
        return chunk

    def _meter(self, samples: np.ndarray) -> None:
        if self.on_level is None or samples.size == 0:
            return
        self._level_sq += float(np.sum(np.square(samples, dtype=np.float64)))
        self._level_n += samples.size
        if self._level_n >= self._level_interval * TARGET_RATE:
            rms = math.sqrt(self._level_sq / self._level_n)
            db = SILENCE_DBFS if rms <= 0 else max(SILENCE_DBFS, 20.0 * math.log10(rms / 32768.0))
            self._level_sq, self._level_n = 0.0, 0
            try:
                self.on_level(self.speaker, db)
            except Exception:
                log.exception("on_level callback failed")

    def _check_health(self) -> None:
        stream = self._stream
        if stream is None or not self._use_callback:
            return  # blocking mode: the reader thread sees the IOError itself
        try:
            active = bool(stream.is_active())
        except Exception as exc:
            self._device_lost(exc)
            return
        stalled = time.monotonic() - self._last_data_at > self._stall_timeout
        if not active or stalled:
            self._device_lost(RuntimeError("stream inactive" if not active else "no audio from device"))

    def _device_lost(self, cause: BaseException) -> None:
        error = AudioDeviceError(DISCONNECTED_MESSAGE, detail=repr(cause))
        with self._lock:
            if not self._input_open:
                return
            self._reporting_loss = True  # `exhausted` waits until on_error has run
            self.error = error
            self._input_open = False
            self._data_ready.notify_all()
        log.warning("capture %s lost its device: %r", self.speaker, cause)
        try:
            self._release()
            if self.on_error is not None:
                try:
                    self.on_error(error)
                except Exception:
                    log.exception("on_error callback failed")
        finally:
            self._reporting_loss = False
