"""One deadline and one retry budget per segment, and no prompt leaking into transcripts.

Through the real `openai` SDK against the scripted stub, built from Settings as the app does.
Before: SDK retries (3) × transcriber rounds (2) × pipeline attempts (2) = 12 requests per
segment, ~6 minutes against a hanging server.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from ktcs_desktop.core.config import Settings
from ktcs_desktop.core.speech.pipeline import transcribe_segment
from ktcs_desktop.core.speech.segments import SegmentStatus, SegmentStore
from ktcs_desktop.core.speech.transcribe import (
    KT_DOMAIN_PROMPT,
    OpenAITranscriber,
    TranscriptionError,
    TranscriptionTimeoutError,
    drop_hallucinations,
    make_transcriber,
    prompt_for,
)
from ktcs_desktop.core.speech.vad import Segment
from tests.helpers.fake_pyaudio import speech_like
from tests.helpers.openai_stub import OpenAIStub, error_response, transcription_response
from tests.speech.conftest import TRANSCRIPTIONS


def _transcriber(stub: OpenAIStub, **settings: object) -> OpenAITranscriber:
    values = {"openai_api_key": "sk-test", "openai_base_url": stub.base_url, **settings}
    transcriber = make_transcriber(Settings(_env_file=None, **values))  # type: ignore[call-arg]
    assert isinstance(transcriber, OpenAITranscriber)
    return transcriber


def _segment(store: SegmentStore, pattern: list[tuple[str, float]], seq: int = 1) -> Segment:
    pcm = speech_like(pattern).tobytes()
    segment = Segment(seq=seq, speaker="caller", start_s=0.0, end_s=len(pcm) / 32000, pcm=pcm)
    store.save(segment)
    return segment


SPEECH = [("silence", 0.2), ("speech", 2.5), ("silence", 0.2)]


def test_failing_server_gets_one_retry_budget_not_twelve(openai_stub: OpenAIStub, store: SegmentStore) -> None:
    openai_stub.on("POST", TRANSCRIPTIONS, error_response(500, "model crashed"))
    transcriber = _transcriber(openai_stub, ktcs_llm_max_retries=2, ktcs_transcribe_timeout=10)
    segment = _segment(store, SPEECH)
    with pytest.raises(TranscriptionError):
        transcribe_segment(transcriber, store, segment, backoff_s=0.01)
    assert len(openai_stub.requests_to(TRANSCRIPTIONS)) == 3  # 1 + KTCS_LLM_MAX_RETRIES, in all
    (record,) = store.records()
    assert record.status is SegmentStatus.FAILED and record.attempts == 3
    transcriber.close()


def test_hanging_server_costs_one_deadline(openai_stub: OpenAIStub, store: SegmentStore) -> None:
    openai_stub.on("POST", TRANSCRIPTIONS, transcription_response("너무 늦음", delay_s=10.0))
    transcriber = _transcriber(openai_stub, ktcs_llm_max_retries=2, ktcs_transcribe_timeout=1.0)
    segment = _segment(store, SPEECH)
    started = time.monotonic()
    with pytest.raises(TranscriptionTimeoutError):
        transcribe_segment(transcriber, store, segment)
    elapsed = time.monotonic() - started
    assert elapsed < 1.8, elapsed  # the deadline, not attempts × timeout
    assert len(openai_stub.requests_to(TRANSCRIPTIONS)) == 1  # no time left for a second one
    transcriber.close()


def test_a_slow_then_good_server_is_retried_within_the_deadline(openai_stub: OpenAIStub,
                                                                store: SegmentStore) -> None:
    openai_stub.script("POST", TRANSCRIPTIONS, error_response(503, "busy"), transcription_response("요금제 문의"))
    transcriber = _transcriber(openai_stub, ktcs_llm_max_retries=2, ktcs_transcribe_timeout=5)
    result = transcribe_segment(transcriber, store, _segment(store, SPEECH), backoff_s=0.01)
    assert result is not None and result.text == "요금제 문의"
    assert len(openai_stub.requests_to(TRANSCRIPTIONS)) == 2
    transcriber.close()


def test_no_prompt_on_silence_or_short_audio_but_on_speech(openai_stub: OpenAIStub, store: SegmentStore) -> None:
    openai_stub.on("POST", TRANSCRIPTIONS, transcription_response("네"))
    transcriber = _transcriber(openai_stub, ktcs_llm_max_retries=0)
    silence = _segment(store, [("silence", 3.0)], seq=1)
    short = _segment(store, [("speech", 0.8)], seq=2)
    speech = _segment(store, SPEECH, seq=3)
    for segment in (silence, short, speech):
        transcribe_segment(transcriber, store, segment, prompt=KT_DOMAIN_PROMPT)
    first, second, third = openai_stub.requests_to(TRANSCRIPTIONS)
    assert "prompt" not in first.form and "prompt" not in second.form
    assert third.form["prompt"] == KT_DOMAIN_PROMPT
    transcriber.close()


@pytest.mark.parametrize(
    ("returned", "kept"),
    [
        ("고객센터 상담 통화입니다.", ""),  # the old prompt, echoed over silence
        (KT_DOMAIN_PROMPT, ""),
        ("5G 슬림, 5G 심플, 5G 베이직.", ""),
        ("시청해 주셔서 감사합니다.", ""),
        ("고객센터 상담 통화입니다. 요금제 바꾸고 싶어요.", "요금제 바꾸고 싶어요."),
        ("요고 요금제는 얼마예요?", "요고 요금제는 얼마예요?"),
        ("네 감사합니다.", "네 감사합니다."),
    ],
)
def test_prompt_echo_and_silence_hallucinations_are_dropped(openai_stub: OpenAIStub, store: SegmentStore,
                                                            returned: str, kept: str) -> None:
    openai_stub.on("POST", TRANSCRIPTIONS, transcription_response(returned))
    transcriber = _transcriber(openai_stub, ktcs_llm_max_retries=0)
    result = transcribe_segment(transcriber, store, _segment(store, SPEECH), normalize=None)
    assert result is not None and result.text == kept and result.raw_text == returned
    (record,) = store.records()
    assert record.status is SegmentStatus.DONE and record.text == kept and record.raw_text == returned
    transcriber.close()


def test_prompt_helpers() -> None:
    loud = speech_like(SPEECH).tobytes()
    assert prompt_for(loud, KT_DOMAIN_PROMPT) == KT_DOMAIN_PROMPT
    assert prompt_for(np.zeros(48000, np.int16).tobytes(), KT_DOMAIN_PROMPT) is None
    assert prompt_for(loud, None) is None
    assert len(KT_DOMAIN_PROMPT) < 80 and "원" not in KT_DOMAIN_PROMPT  # short, and no amounts to copy
    assert drop_hallucinations("  ", KT_DOMAIN_PROMPT) == ""
