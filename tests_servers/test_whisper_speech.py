"""Transcription against faster-whisper-server (Whisper base, CPU, int8) through the app's client,
and local faster-whisper in its own process (`WhisperProcessTranscriber`, the desktop app's path).

espeak-ng Korean is a poor stand-in for speech (CER 0.75–0.9 with Whisper base), so these check
the protocol, latency and that silence does not come back as the prompt — not accuracy.
"""

from __future__ import annotations

import importlib.util
import io
import shutil
import subprocess
import sys
import threading
import time
import wave
from pathlib import Path

import pytest

from ktcs_desktop.core.speech.transcribe import KT_DOMAIN_PROMPT, OpenAITranscriber, TranscriptionTimeoutError
from ktcs_desktop.core.speech.whisper_process import WhisperProcessTranscriber
from tests_servers.conftest import app_settings, record, whisper_dir

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


class Ticker:
    """A 5 ms ticker thread standing in for the GUI thread: the longest gap between its wake-ups."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        last = time.perf_counter()
        while not self._stop.is_set():
            time.sleep(0.005)
            now = time.perf_counter()
            self.longest = max(self.longest, now - last)
            last = now

    def __enter__(self) -> Ticker:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


def test_local_whisper_runs_in_its_own_process(tmp_path) -> None:
    if importlib.util.find_spec("faster_whisper") is None:  # find_spec: importing it here is the bug
        pytest.skip("faster-whisper is not installed in the app's venv (make test-servers installs it)")
    clip = speak(PHRASES[0], tmp_path / "clip.wav")
    transcriber = WhisperProcessTranscriber(whisper_dir())
    assert transcriber.available(), transcriber.unavailable_reason
    try:
        with Ticker() as ticker:
            started = time.monotonic()
            transcriber.start()  # what make_transcriber(isolated=True) does at call start
            start_call = time.monotonic() - started
            result = transcriber.transcribe(clip, prompt=KT_DOMAIN_PROMPT, timeout=120.0)
            first = time.monotonic() - started
            again_started = time.monotonic()
            again = transcriber.transcribe(clip.read_bytes(), timeout=120.0)
            second = time.monotonic() - again_started
        pid = transcriber.pid
        # a decode that outlives its deadline is killed, and the next call loads a new child
        with pytest.raises(TranscriptionTimeoutError):
            transcriber.transcribe(clip, timeout=0.05)
        respawn_started = time.monotonic()
        after = transcriber.transcribe(clip, timeout=120.0)
        respawned = time.monotonic() - respawn_started
        assert transcriber.pid != pid and transcriber.spawns == 2
    finally:
        transcriber.close()
    record("local whisper in its own process", "whisper-base (local)", start_call_s=start_call,
           spawn_to_ready_s=transcriber.ready_after_s, child_load_s=transcriber.load_s, first_text_s=first,
           second_transcribe_s=second, after_timeout_respawn_s=respawned,
           longest_gap_ms=round(ticker.longest * 1000, 1), audio_s=result.duration, text=result.text[:40])
    assert result.text.strip() and again.text.strip() and after.text.strip()
    assert result.provider == "local-whisper"
    assert "faster_whisper" not in sys.modules  # never imported, nor the model loaded, in this process
    assert start_call < 0.5  # the spawn happens on a background thread
