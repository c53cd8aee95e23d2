"""Fixtures for the speech tests: the scripted OpenAI server, a segment store, test audio."""

from __future__ import annotations

import shutil
import subprocess
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from ktcs_desktop.core.speech.segments import SegmentStore
from ktcs_desktop.core.speech.transcribe import OpenAITranscriber
from tests.helpers.openai_stub import OpenAIStub

TRANSCRIPTIONS = "/v1/audio/transcriptions"
KOREAN_SENTENCE = "안녕하세요 요금제 변경하고 싶어요"


@pytest.fixture
def openai_stub() -> Iterator[OpenAIStub]:
    with OpenAIStub() as stub:
        yield stub


@pytest.fixture
def stub_transcriber(openai_stub: OpenAIStub) -> Iterator[OpenAITranscriber]:
    """The real SDK against the stub, with retries fast enough for tests."""
    transcriber = OpenAITranscriber(
        api_key="sk-test", base_url=openai_stub.base_url, timeout=2.0, max_retries=0, extra_attempts=0
    )
    yield transcriber
    transcriber.close()


@pytest.fixture
def store(tmp_path: Path) -> SegmentStore:
    return SegmentStore(tmp_path / "sessions", "c-42")


def _espeak(text: str, out: Path) -> Path:
    exe = shutil.which("espeak-ng")
    if exe is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng) — cannot synthesize Korean speech")
    subprocess.run([exe, "-v", "ko", "-w", str(out), text], check=True, capture_output=True, timeout=30)
    return out


@pytest.fixture(scope="session")
def korean_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """espeak-ng's Korean voice saying KOREAN_SENTENCE, as produced (22.05 kHz mono 16-bit)."""
    return _espeak(KOREAN_SENTENCE, tmp_path_factory.mktemp("espeak") / "sentence.wav")


@pytest.fixture(scope="session")
def korean_call_wav(korean_wav: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two utterances of the sentence with pauses, at 48 kHz stereo (a typical USB headset)."""
    with wave.open(str(korean_wav), "rb") as wav:
        rate = wav.getframerate()
        speech = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float64)
    rng = np.random.default_rng(1)

    def pause(seconds: float) -> np.ndarray:
        return rng.normal(0, 20, int(seconds * rate))

    mono = np.concatenate([pause(0.6), speech, pause(1.2), speech, pause(0.8)])
    x = np.linspace(0, mono.size - 1, int(mono.size * 48000 / rate))
    resampled = np.interp(x, np.arange(mono.size), mono)
    stereo = np.repeat(np.clip(resampled, -32768, 32767).astype("<i2")[:, None], 2, axis=1)
    out = tmp_path_factory.mktemp("espeak") / "call-48k-stereo.wav"
    with wave.open(str(out), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(48000)
        wav.writeframes(stereo.tobytes())
    return out
