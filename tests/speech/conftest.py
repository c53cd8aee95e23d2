"""Fixtures for the speech tests: the scripted OpenAI server, a segment store, test audio."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ktcs_desktop.core.speech.segments import SegmentStore
from ktcs_desktop.core.speech.transcribe import OpenAITranscriber
from tests.helpers.audio import KOREAN_SENTENCE, call_recording, espeak_korean
from tests.helpers.openai_stub import OpenAIStub

TRANSCRIPTIONS = "/v1/audio/transcriptions"


@pytest.fixture
def openai_stub() -> Iterator[OpenAIStub]:
    with OpenAIStub() as stub:
        yield stub


@pytest.fixture
def stub_transcriber(openai_stub: OpenAIStub) -> Iterator[OpenAITranscriber]:
    """The real SDK against the stub, with retries fast enough for tests."""
    transcriber = OpenAITranscriber(
        api_key="sk-test", base_url=openai_stub.base_url, timeout=2.0, max_retries=0, backoff_s=0.01
    )
    yield transcriber
    transcriber.close()


@pytest.fixture
def store(tmp_path: Path) -> SegmentStore:
    return SegmentStore(tmp_path / "sessions", "c-42")


@pytest.fixture(scope="session")
def korean_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """espeak-ng's Korean voice saying KOREAN_SENTENCE, as produced (22.05 kHz mono 16-bit)."""
    return espeak_korean(KOREAN_SENTENCE, tmp_path_factory.mktemp("espeak") / "sentence.wav")


@pytest.fixture(scope="session")
def korean_call_wav(korean_wav: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two utterances of the sentence with pauses, at 48 kHz stereo (a typical USB headset)."""
    return call_recording(korean_wav, tmp_path_factory.mktemp("espeak") / "call-48k-stereo.wav",
                          pauses_s=(0.6, 1.2, 0.8), rate=48000, channels=2)
