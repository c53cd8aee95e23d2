"""Korean test speech: espeak-ng sentences made into call-like recordings (pauses, rate, channels)."""

from __future__ import annotations

import shutil
import subprocess
import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

KOREAN_SENTENCE = "안녕하세요 요금제 변경하고 싶어요"


def espeak_korean(text: str, out: Path, *, voice: str = "ko", speed: int | None = None,
                  pitch: int | None = None) -> Path:
    """espeak-ng's Korean voice saying `text` (22.05 kHz mono 16-bit); skips the test without espeak-ng.

    `voice` may name a variant ("ko+f2"), `speed` is words per minute, `pitch` 0-99.
    """
    exe = shutil.which("espeak-ng")
    if exe is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng) — cannot synthesize Korean speech")
    args = [exe, "-v", voice, "-w", str(out)]
    if speed is not None:
        args += ["-s", str(speed)]
    if pitch is not None:
        args += ["-p", str(pitch)]
    subprocess.run([*args, text], check=True, capture_output=True, timeout=30)
    return out


def call_recording(speech_wav: Path, out: Path, *, pauses_s: Sequence[float], rate: int, channels: int,
                   seed: int = 1) -> Path:
    """The speech repeated between quiet pauses (room noise), resampled to `rate` with `channels`.

    `pauses_s` has one more entry than there are utterances: pause, speech, pause, speech, …, pause.
    """
    with wave.open(str(speech_wav), "rb") as wav:
        source_rate = wav.getframerate()
        speech = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float64)
    rng = np.random.default_rng(seed)
    parts: list[np.ndarray] = []
    for index, pause in enumerate(pauses_s):
        if index:
            parts.append(speech)
        parts.append(rng.normal(0, 20, int(pause * source_rate)))
    mono = np.concatenate(parts)
    x = np.linspace(0, mono.size - 1, int(mono.size * rate / source_rate))
    samples = np.clip(np.interp(x, np.arange(mono.size), mono), -32768, 32767).astype("<i2")
    frames = np.repeat(samples[:, None], channels, axis=1) if channels > 1 else samples
    with wave.open(str(out), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(frames.tobytes())
    return out
