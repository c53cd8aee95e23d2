"""A fake PyAudio whose input streams play numpy arrays or WAV files, for tests without hardware.

    devices = [FakeDevice("USB 헤드셋", audio=speech_like(...))]
    factory = FakePyAudioFactory(devices, speed=0)   # 0 = as fast as possible
    capture = AudioCapture("헤드셋", factory=factory)

Both callback mode (a feeder thread calls `stream_callback`, as PortAudio does) and blocking
`read()` are supported. `FakeDevice.fail_after_s` simulates unplugging: in callback mode the
callbacks stop and `is_active()` turns False (or raises, `fail_mode="raise"`); in blocking
mode `read()` raises `OSError(-9999, "Unanticipated host error")` like PyAudio does.
After the source audio ends a device keeps delivering digital silence at real-time pace,
like an idle microphone; `stream.source_done` is set once all source audio was delivered.
"""

from __future__ import annotations

import threading
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

PA_CONTINUE = 0


# -- signals ---------------------------------------------------------------------------------------
def speech_like(
    pattern: Sequence[tuple[str, float]],
    *,
    rate: int = 16000,
    amplitude: float = 0.3,
    noise_dbfs: float = -65.0,
    seed: int = 0,
) -> np.ndarray:
    """int16 mono: ("speech", 1.2) = a syllable-modulated harmonic tone, ("silence", 0.8) = low noise."""
    rng = np.random.default_rng(seed)
    parts = []
    for kind, seconds in pattern:
        n = int(round(seconds * rate))
        t = np.arange(n) / rate
        noise = rng.normal(0.0, 10 ** (noise_dbfs / 20.0), n)
        if kind == "speech":
            f0 = 140.0 + 30.0 * np.sin(2 * np.pi * 0.7 * t)
            phase = 2 * np.pi * np.cumsum(f0) / rate
            voice = sum(np.sin(k * phase) / k for k in range(1, 6))
            envelope = np.abs(np.sin(2 * np.pi * 3.0 * t)) ** 1.5  # ~6 syllables/s with short gaps
            parts.append(amplitude * 0.5 * voice * envelope + noise)
        elif kind == "silence":
            parts.append(noise)
        else:
            raise ValueError(kind)
    signal = np.concatenate(parts) if parts else np.zeros(0)
    return np.clip(signal * 32767.0, -32768, 32767).astype(np.int16)


def to_device_format(mono16k: np.ndarray, rate: int, channels: int) -> np.ndarray:
    """Linear-interpolate to `rate` and duplicate to `channels` (interleaved int16)."""
    if rate != 16000:
        n_out = int(round(mono16k.size * rate / 16000))
        x = np.linspace(0, mono16k.size - 1, n_out)
        mono = np.interp(x, np.arange(mono16k.size), mono16k.astype(np.float64)).astype(np.int16)
    else:
        mono = mono16k
    if channels == 1:
        return mono
    return np.repeat(mono[:, None], channels, axis=1).reshape(-1)


def read_wav(path: Path | str) -> tuple[np.ndarray, int, int]:
    """(interleaved int16 samples, rate, channels)."""
    with wave.open(str(path), "rb") as wav:
        assert wav.getsampwidth() == 2, "fake devices play 16-bit WAVs"
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
        return data, wav.getframerate(), wav.getnchannels()


# -- devices ---------------------------------------------------------------------------------------
@dataclass
class FakeDevice:
    name: str
    audio: np.ndarray | None = None  # interleaved int16 at `rate` × `channels`
    rate: int = 16000
    channels: int = 1
    supported_rates: tuple[int, ...] | None = None  # default: only `rate`
    supported_channels: tuple[int, ...] | None = None  # default: 1..channels
    fail_after_s: float | None = None
    fail_mode: str = "stop"  # "stop": callbacks stop, is_active() False; "raise": is_active() raises
    output_only: bool = False
    open_error: Exception | None = None  # raised by PyAudio.open for this device
    host_api: int = 0

    @classmethod
    def from_wav(cls, name: str, path: Path | str, **kwargs: Any) -> FakeDevice:
        data, rate, channels = read_wav(path)
        return cls(name, audio=data, rate=rate, channels=channels, **kwargs)

    def rates(self) -> tuple[int, ...]:
        return self.supported_rates or (self.rate,)

    def channel_counts(self) -> tuple[int, ...]:
        return self.supported_channels or tuple(range(1, self.channels + 1))


class FakeStream:
    def __init__(
        self,
        device: FakeDevice,
        *,
        rate: int,
        channels: int,
        frames_per_buffer: int,
        stream_callback: Callable[..., Any] | None,
        speed: float,
    ) -> None:
        self.device = device
        self.rate = rate
        self.channels = channels
        self.frames_per_buffer = frames_per_buffer
        self.callback = stream_callback
        self.speed = speed
        self.source_done = threading.Event()
        self.lost = threading.Event()
        self.callbacks = 0
        self.frames_delivered = 0
        self.closed = False
        self._stop = threading.Event()
        self._active = False
        self._thread: threading.Thread | None = None
        audio = device.audio if device.audio is not None else np.zeros(0, dtype=np.int16)
        if channels != device.channels and audio.size:  # PortAudio mixes to what was opened
            mono = audio.reshape(-1, device.channels).mean(axis=1)
            audio = np.repeat(mono[:, None], channels, axis=1).reshape(-1)
        self._audio = np.ascontiguousarray(audio, dtype="<i2")
        self._pos = 0  # in samples (interleaved)
        fail = device.fail_after_s
        self._fail_at = None if fail is None else int(fail * rate) * channels
        if self._audio.size == 0:
            self.source_done.set()

    # PyAudio Stream API ----------------------------------------------------------------------------
    def start_stream(self) -> None:
        if self.callback is None or self._active:
            self._active = True
            return
        self._active = True
        self._thread = threading.Thread(target=self._feed, name=f"fake-portaudio-{self.device.name}", daemon=True)
        self._thread.start()

    def stop_stream(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5.0)  # like Pa_StopStream: returns after the last callback
        self._active = False

    def close(self) -> None:
        self.stop_stream()
        self.closed = True

    def is_active(self) -> bool:
        if self.lost.is_set() and self.device.fail_mode == "raise":
            raise OSError(-9988, "Stream closed")
        return self._active and not self.lost.is_set()

    def is_stopped(self) -> bool:
        return not self._active

    def read(self, num_frames: int, exception_on_overflow: bool = True) -> bytes:
        if self.closed:
            raise OSError(-9988, "Stream closed")
        block = self._next_block(num_frames)
        if block is None:
            raise OSError(-9999, "Unanticipated host error")
        self._pace(num_frames, block is _SILENCE)
        return self._to_bytes(block, num_frames)

    # internals ------------------------------------------------------------------------------------
    def _next_block(self, num_frames: int) -> np.ndarray | object | None:
        """The next block, `_SILENCE` after the source ended, None once the device is 'unplugged'."""
        if self._fail_at is not None and self._pos >= self._fail_at:
            self.lost.set()
            return None
        if self._pos >= self._audio.size:
            self.source_done.set()
            return _SILENCE
        end = self._pos + num_frames * self.channels
        if self._fail_at is not None:
            end = min(end, self._fail_at)
        block = self._audio[self._pos : end]
        self._pos = end
        if self._pos >= self._audio.size and self._fail_at is None:
            self.source_done.set()
        return block

    def _to_bytes(self, block: np.ndarray | object, num_frames: int) -> bytes:
        if block is _SILENCE:
            data = bytes(num_frames * self.channels * 2)
        else:
            assert isinstance(block, np.ndarray)
            data = block.tobytes()
        self.frames_delivered += len(data) // (2 * self.channels)
        return data

    def _pace(self, num_frames: int, silence: bool) -> None:
        seconds = num_frames / self.rate
        if silence:
            self._stop.wait(seconds)  # an idle microphone delivers in real time
        elif self.speed > 0:
            self._stop.wait(seconds / self.speed)

    def _feed(self) -> None:
        n = self.frames_per_buffer
        while not self._stop.is_set():
            block = self._next_block(n)
            if block is None:
                return  # unplugged: PortAudio simply stops calling back
            data = self._to_bytes(block, n)
            self.callbacks += 1
            result = self.callback(data, len(data) // (2 * self.channels), {}, 0)  # type: ignore[misc]
            if result[1] != PA_CONTINUE:
                self._active = False
                return
            self._pace(n, block is _SILENCE)


_SILENCE = object()


class FakePyAudio:
    """The subset of `pyaudio.PyAudio` the capture code uses."""

    def __init__(
        self, devices: Sequence[FakeDevice], *, default_index: int | None = 0, speed: float = 0.0
    ) -> None:
        self.devices = list(devices)
        self.default_index = default_index
        self.speed = speed
        self.streams: list[FakeStream] = []
        self.terminated = False

    def get_device_count(self) -> int:
        return len(self.devices)

    def get_device_info_by_index(self, index: int) -> dict[str, Any]:
        if not 0 <= index < len(self.devices):
            raise OSError(-9996, "Invalid device index")
        d = self.devices[index]
        return {
            "index": index,
            "name": d.name,
            "maxInputChannels": 0 if d.output_only else d.channels,
            "maxOutputChannels": 2 if d.output_only else 0,
            "defaultSampleRate": float(d.rate),
            "hostApi": d.host_api,
        }

    def get_default_input_device_info(self) -> dict[str, Any]:
        if self.default_index is None or not 0 <= self.default_index < len(self.devices):
            raise OSError(-9996, "No Default Input Device Available")
        return self.get_device_info_by_index(self.default_index)

    def is_format_supported(
        self,
        rate: float,
        input_device: int | None = None,
        input_channels: int | None = None,
        input_format: int | None = None,
        **_: Any,
    ) -> bool:
        d = self._device(input_device)
        if int(rate) not in d.rates():
            raise ValueError("Invalid sample rate", -9997)
        if input_channels not in d.channel_counts():
            raise ValueError("Invalid number of channels", -9998)
        return True

    def open(
        self,
        *,
        rate: int,
        channels: int,
        format: int,
        input: bool = False,
        input_device_index: int | None = None,
        frames_per_buffer: int = 1024,
        stream_callback: Callable[..., Any] | None = None,
        start: bool = True,
        **_: Any,
    ) -> FakeStream:
        d = self._device(input_device_index)
        if d.open_error is not None:
            raise d.open_error
        if int(rate) not in d.rates() or channels not in d.channel_counts():
            raise OSError(-9997, "Invalid sample rate")
        stream = FakeStream(
            d, rate=int(rate), channels=channels, frames_per_buffer=frames_per_buffer,
            stream_callback=stream_callback, speed=self.speed,
        )
        self.streams.append(stream)
        if start:
            stream.start_stream()
        return stream

    def terminate(self) -> None:
        for stream in self.streams:
            stream.stop_stream()
        self.terminated = True

    def _device(self, index: int | None) -> FakeDevice:
        if index is None:
            index = self.default_index
        if index is None or not 0 <= index < len(self.devices):
            raise OSError(-9996, "Invalid input device (no default output device)")
        return self.devices[index]


@dataclass
class FakePyAudioFactory:
    """Pass as `factory=`; every call makes a FakePyAudio over the same devices (like PortAudio)."""

    devices: Sequence[FakeDevice]
    default_index: int | None = 0
    speed: float = 0.0
    instances: list[FakePyAudio] = field(default_factory=list)

    def __call__(self) -> FakePyAudio:
        pa = FakePyAudio(self.devices, default_index=self.default_index, speed=self.speed)
        self.instances.append(pa)
        return pa

    @property
    def streams(self) -> list[FakeStream]:
        return [s for pa in self.instances for s in pa.streams]
