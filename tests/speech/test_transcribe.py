"""Transcription providers through the real `openai` SDK against the scripted local server."""

from __future__ import annotations

import sys
import time
import types
import wave
from pathlib import Path

import pytest

from ktcs_desktop.core.config import Settings
from ktcs_desktop.core.speech.segments import pcm_to_wav_bytes
from ktcs_desktop.core.speech.transcribe import (
    KT_DOMAIN_PROMPT,
    UNAVAILABLE_MESSAGE,
    LocalWhisperTranscriber,
    OpenAITranscriber,
    Transcriber,
    TranscriptionAuthError,
    TranscriptionConnectionError,
    TranscriptionError,
    TranscriptionRateLimitError,
    TranscriptionTimeoutError,
    make_transcriber,
    transcribe_with_retries,
    transcription_status,
)
from tests.helpers.openai_stub import (
    OpenAIStub,
    error_response,
    transcription_response,
)
from tests.speech.conftest import TRANSCRIPTIONS

ONE_SECOND_WAV = pcm_to_wav_bytes(b"\x01\x00" * 16000)


def test_multipart_upload_carries_file_model_language_and_prompt(
    openai_stub: OpenAIStub, stub_transcriber: OpenAITranscriber
) -> None:
    openai_stub.script("POST", TRANSCRIPTIONS, transcription_response("요금제 변경하고 싶어요"))
    result = stub_transcriber.transcribe(ONE_SECOND_WAV, prompt=KT_DOMAIN_PROMPT)
    assert (result.text, result.language, result.provider) == ("요금제 변경하고 싶어요", "ko", "openai")
    assert result.duration == pytest.approx(1.0)
    (request,) = openai_stub.requests_to(TRANSCRIPTIONS, "POST")
    assert request.header("authorization") == "Bearer sk-test"
    assert request.header("content-type", "").startswith("multipart/form-data")
    assert request.form["model"] == "whisper-1"
    assert request.form["language"] == "ko"
    assert request.form["prompt"] == KT_DOMAIN_PROMPT
    for term in ("5G 슬림", "초이스", "요고", "선택약정", "이월", "데이터", "요금제"):
        assert term in request.form["prompt"]
    upload = request.files["file"]
    assert upload.filename.endswith(".wav") and upload.data == ONE_SECOND_WAV


def test_accepts_a_wav_path_and_model_from_settings(openai_stub: OpenAIStub, tmp_path: Path) -> None:
    path = tmp_path / "x.wav"
    path.write_bytes(ONE_SECOND_WAV)
    settings = Settings(_env_file=None, openai_api_key="sk-settings", openai_base_url=openai_stub.base_url,  # type: ignore[call-arg]
                        ktcs_transcribe_model="gpt-4o-mini-transcribe", ktcs_llm_max_retries=0)
    openai_stub.script("POST", TRANSCRIPTIONS, transcription_response("  네 알겠습니다 "))
    transcriber = make_transcriber(settings)
    assert isinstance(transcriber, OpenAITranscriber) and isinstance(transcriber, Transcriber)
    assert transcriber.transcribe(path).text == "네 알겠습니다"
    request = openai_stub.requests[-1]
    assert request.form["model"] == "gpt-4o-mini-transcribe"
    assert request.header("authorization") == "Bearer sk-settings"
    transcriber.close()


def test_429_with_retry_after_is_retried_within_the_deadline(openai_stub: OpenAIStub) -> None:
    openai_stub.script("POST", TRANSCRIPTIONS, error_response(429, "Rate limit reached", retry_after=0.2),
                       transcription_response("두 번째에 성공"))
    transcriber = OpenAITranscriber(api_key="k", base_url=openai_stub.base_url, timeout=2, max_retries=2,
                                    backoff_s=0.01)
    started = time.monotonic()
    result = transcribe_with_retries(transcriber, ONE_SECOND_WAV)
    assert result is not None and result.text == "두 번째에 성공"
    first, second = openai_stub.requests_to(TRANSCRIPTIONS)
    assert second.received_at - first.received_at >= 0.19  # honoured Retry-After
    assert time.monotonic() - started < 2.0


def test_one_transcribe_call_is_one_request(openai_stub: OpenAIStub) -> None:
    """The SDK never retries: a provider call is one attempt, the loop is elsewhere."""
    openai_stub.on("POST", TRANSCRIPTIONS, error_response(500, "boom"))
    transcriber = OpenAITranscriber(api_key="k", base_url=openai_stub.base_url, timeout=2, max_retries=5)
    with pytest.raises(TranscriptionError):
        transcriber.transcribe(ONE_SECOND_WAV)
    assert len(openai_stub.requests_to(TRANSCRIPTIONS)) == 1


def test_retries_recover_after_server_errors(openai_stub: OpenAIStub) -> None:
    openai_stub.script("POST", TRANSCRIPTIONS, error_response(500, "boom"), error_response(503, "busy"),
                       transcription_response("복구됨"))
    transcriber = OpenAITranscriber(api_key="k", base_url=openai_stub.base_url, timeout=2, max_retries=2,
                                    backoff_s=0.01)
    result = transcribe_with_retries(transcriber, ONE_SECOND_WAV)
    assert result is not None and result.text == "복구됨"
    assert len(openai_stub.requests_to(TRANSCRIPTIONS)) == 3


def test_persistent_429_becomes_a_korean_rate_limit_error(openai_stub: OpenAIStub) -> None:
    openai_stub.on("POST", TRANSCRIPTIONS, error_response(429, "quota", retry_after=0.01))
    transcriber = OpenAITranscriber(api_key="k", base_url=openai_stub.base_url, timeout=2, max_retries=1,
                                    backoff_s=0.01)
    with pytest.raises(TranscriptionRateLimitError) as info:
        transcribe_with_retries(transcriber, ONE_SECOND_WAV)
    assert "너무 많습니다" in info.value.user_message and info.value.retryable
    assert info.value.retry_after == pytest.approx(0.01)
    assert len(openai_stub.requests_to(TRANSCRIPTIONS)) == 2  # 1 + 1 retry, one budget


def test_retry_after_beyond_the_deadline_gives_up_at_once(openai_stub: OpenAIStub) -> None:
    openai_stub.on("POST", TRANSCRIPTIONS, error_response(429, "quota", retry_after=30))
    transcriber = OpenAITranscriber(api_key="k", base_url=openai_stub.base_url, timeout=2, max_retries=3)
    started = time.monotonic()
    with pytest.raises(TranscriptionRateLimitError):
        transcribe_with_retries(transcriber, ONE_SECOND_WAV)
    assert time.monotonic() - started < 1.0
    assert len(openai_stub.requests_to(TRANSCRIPTIONS)) == 1


def test_timeout_is_a_korean_error(openai_stub: OpenAIStub) -> None:
    openai_stub.on("POST", TRANSCRIPTIONS, transcription_response("늦은 답", delay_s=3.0))
    transcriber = OpenAITranscriber(api_key="k", base_url=openai_stub.base_url, timeout=0.3, max_retries=0)
    started = time.monotonic()
    with pytest.raises(TranscriptionTimeoutError) as info:
        transcriber.transcribe(ONE_SECOND_WAV)
    assert time.monotonic() - started < 1.5
    assert "시간이 초과" in info.value.user_message
    assert info.value.retryable


def test_auth_failure_is_not_retried(openai_stub: OpenAIStub) -> None:
    openai_stub.on("POST", TRANSCRIPTIONS, error_response(401, "Incorrect API key provided", code="invalid_api_key"))
    transcriber = OpenAITranscriber(api_key="bad", base_url=openai_stub.base_url, timeout=2, max_retries=2,
                                    backoff_s=0.01)
    with pytest.raises(TranscriptionAuthError) as info:
        transcribe_with_retries(transcriber, ONE_SECOND_WAV)
    assert "인증에 실패" in info.value.user_message and "OPENAI_API_KEY" in info.value.user_message
    assert not info.value.retryable
    assert len(openai_stub.requests_to(TRANSCRIPTIONS)) == 1


def test_connection_refused_is_a_korean_error() -> None:
    with OpenAIStub() as stub:
        base_url = stub.base_url
    transcriber = OpenAITranscriber(api_key="k", base_url=base_url, timeout=1, max_retries=0)
    with pytest.raises(TranscriptionConnectionError, match="연결할 수 없습니다"):
        transcriber.transcribe(ONE_SECOND_WAV)


def test_unexpected_response_shape_is_an_error_not_an_empty_transcript(openai_stub: OpenAIStub) -> None:
    openai_stub.on("POST", TRANSCRIPTIONS, error_response(400, "Invalid file format."))
    transcriber = OpenAITranscriber(api_key="k", base_url=openai_stub.base_url, timeout=2, max_retries=0)
    with pytest.raises(TranscriptionError, match="거부"):
        transcriber.transcribe(ONE_SECOND_WAV)


# -- availability -------------------------------------------------------------------------------
def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_nothing_configured_means_no_transcriber_and_a_korean_status() -> None:
    settings = _settings()
    assert make_transcriber(settings) is None
    available, message = transcription_status(settings)
    assert not available
    assert message == UNAVAILABLE_MESSAGE
    assert message == "음성 인식 사용 불가: OpenAI 키 또는 로컬 Whisper 모델이 설정되지 않았습니다. 직접 입력은 계속 가능합니다."


def test_openai_status_without_network() -> None:
    status = transcription_status(_settings(openai_api_key="sk-x"))
    assert status.available and "whisper-1" in status.message and "사용 가능" in status.message


def test_local_whisper_unavailable_reasons(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "설정되지 않았습니다" in (LocalWhisperTranscriber(None).unavailable_reason or "")
    monkeypatch.setitem(sys.modules, "faster_whisper", None)  # not importable
    local = LocalWhisperTranscriber(tmp_path)
    assert not local.available() and "faster-whisper" in (local.unavailable_reason or "")
    status = transcription_status(_settings(ktcs_whisper_model_dir=tmp_path))
    assert not status.available and "faster-whisper" in status.message and "직접 입력은 계속 가능합니다" in status.message


def _fake_faster_whisper(calls: list[dict]) -> types.ModuleType:
    module = types.ModuleType("faster_whisper")

    class WhisperModel:
        def __init__(self, path: str, **kwargs: object) -> None:
            calls.append({"path": path, **kwargs})

        def transcribe(self, source: object, **kwargs: object) -> tuple[list, object]:
            calls.append({"source": source, **kwargs})
            seg = types.SimpleNamespace(text=" 오만오천원 요금제")
            return [seg], types.SimpleNamespace(language="ko", duration=1.0)

    module.WhisperModel = WhisperModel  # type: ignore[attr-defined]
    module.__spec__ = types.SimpleNamespace(name="faster_whisper")  # type: ignore[assignment]
    return module


def test_local_whisper_needs_a_model_folder_and_never_downloads(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict] = []
    monkeypatch.setitem(sys.modules, "faster_whisper", _fake_faster_whisper(calls))
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: object() if name == "faster_whisper" else None)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "model.bin" in (LocalWhisperTranscriber(empty).unavailable_reason or "")
    model_dir = tmp_path / "whisper-small-ct2"
    model_dir.mkdir()
    (model_dir / "model.bin").write_bytes(b"\0")
    settings = _settings(ktcs_whisper_model_dir=model_dir)
    transcriber = make_transcriber(settings)
    assert isinstance(transcriber, LocalWhisperTranscriber)
    assert transcription_status(settings).available
    result = transcriber.transcribe(ONE_SECOND_WAV, prompt="KT")
    assert result.text == "오만오천원 요금제" and result.provider == "local-whisper"
    load, call = calls
    assert load["path"] == str(model_dir) and load["local_files_only"] is True
    assert call["language"] == "ko" and call["initial_prompt"] == "KT"
    # bounded decoding on a 2-core PC: at most one fallback temperature, a small beam
    assert list(call["temperature"]) == [0.0, 0.2] and call["beam_size"] <= 2
    assert call["condition_on_previous_text"] is False


def test_wav_helper_writes_16k_mono(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    path.write_bytes(ONE_SECOND_WAV)
    with wave.open(str(path)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth(), wav.getnframes()) == (16000, 1, 2, 16000)
