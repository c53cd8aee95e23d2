"""Transcription against faster-whisper-server (Whisper base, CPU, int8) through the app's client.

espeak-ng Korean is a poor stand-in for speech (CER 0.75–0.9 with Whisper base), so these check
the protocol, latency and that silence does not come back as the prompt — not accuracy.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import time
import wave
from pathlib import Path

import pytest

from ktcs_desktop.core.speech.transcribe import KT_DOMAIN_PROMPT, OpenAITranscriber
from tests_servers.conftest import app_settings, record

PHRASES = ("요금제를 바꾸고 싶어요", "데이터 무제한 요금제 있나요", "선택약정 할인은 얼마예요")


def speak(text: str, path: Path) -> Path:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    raw = path.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", "ko", "-s", "150", "-w", str(raw), text], check=True, capture_output=True)
    if shutil.which("sox"):
        subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(path)], check=True)
        return path
    return raw


def silence(seconds: float = 2.0, rate: int = 16000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"\x00\x00" * int(rate * seconds))
    return buffer.getvalue()


def transcriber(tmp_path, whisper) -> OpenAITranscriber:
    settings = app_settings(tmp_path, ktcs_transcribe_base_url=whisper.base_url, ktcs_transcribe_model="whisper-1")
    return OpenAITranscriber.from_settings(settings)


def test_espeak_clips(tmp_path, whisper) -> None:
    client = transcriber(tmp_path, whisper)
    for i, phrase in enumerate(PHRASES):
        clip = speak(phrase, tmp_path / f"clip{i}.wav")
        started = time.monotonic()
        result = client.transcribe(clip)
        elapsed = time.monotonic() - started
        record(f"transcribe espeak clip {i}", "whisper-base", seconds=elapsed, audio_s=result.duration,
               text=result.text[:40])
        assert result.text.strip(), phrase
        assert elapsed < 60


def test_silence_does_not_echo_the_prompt(tmp_path, whisper) -> None:
    client = transcriber(tmp_path, whisper)
    started = time.monotonic()
    result = client.transcribe(silence())
    record("transcribe silence", "whisper-base", seconds=time.monotonic() - started, text=result.text[:40])
    leaked = [term for term in ("5G 슬림", "선택약정", "데이터 이월", "번호이동", "결합할인") if term in result.text]
    assert not leaked, f"prompt leaked into a silent clip: {result.text!r} (prompt {KT_DOMAIN_PROMPT!r})"


def test_status_probes_speech_and_chat_separately(tmp_path, whisper, smollm2) -> None:
    from ktcs_desktop.core.services.capabilities import capability_report

    settings = app_settings(tmp_path, openai_base_url=smollm2.base_url, ktcs_openai_model="smollm2",
                            ktcs_transcribe_base_url=whisper.base_url)
    started = time.monotonic()
    report = {c.name: c for c in capability_report(settings, probe=True)}
    record("ktcs status probes", "smollm2+whisper", seconds=time.monotonic() - started)
    assert report["AI 답변·요약"].online and report["음성 인식"].online
    assert not report["검색 임베딩"].online
    # the same chat-only server as the transcription endpoint is reported as not transcribing
    shared = {c.name: c for c in capability_report(app_settings(tmp_path, openai_base_url=smollm2.base_url),
                                                   probe=True)}
    assert not shared["음성 인식"].online
