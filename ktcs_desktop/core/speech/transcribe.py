"""Speech-to-text providers behind one small protocol, and how the UI learns what is available.

- `OpenAITranscriber`: the official `openai` SDK against OpenAI or any compatible server
  (`OPENAI_BASE_URL`), Korean language hint and a short KT domain prompt; one request per
  `transcribe()` (the SDK never retries); errors become Korean `TranscriptionError`s.
- `LocalWhisperTranscriber`: faster-whisper, only from a local model directory; never downloads;
  bounded temperature fallback and a small beam so a 2-core PC has no 20–30 s outliers.
- `transcribe_with_retries()`: THE retry loop — one deadline per transcription and one attempt
  budget (`RetryPolicy`, carried by each provider), backoff with jitter, Retry-After honoured
  within the deadline. Nothing else retries, so a dead server costs at most `attempts` requests
  and `deadline_s` seconds per segment.
- `prompt_for()` gives no prompt to short or quiet audio and `drop_hallucinations()` removes
  output that echoes the prompt or is a known Whisper phrase on silence: a prompt must never
  become words nobody said.
- `make_transcriber(settings, isolated=...)` / `transcription_status(settings)`; isolated local
  Whisper (the desktop app) is `whisper_process.WhisperProcessTranscriber`, in its own process.

We never invent a transcript: when no provider is available the caller gets None and the
agent types instead.
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import logging
import random
import re
import threading
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, runtime_checkable

from ktcs_desktop.core.errors import CapabilityUnavailableError, KtcsError

if TYPE_CHECKING:
    from ktcs_desktop.core.config import Settings

log = logging.getLogger(__name__)

# Short, names only: no amounts (a prompt with "55,000원" primed invented amounts) and no
# sentence Whisper could echo on silence (the old "KT 고객센터 상담 통화입니다." came back verbatim).
KT_DOMAIN_PROMPT = "KT 요금제: 5G 슬림, 5G 심플, 5G 베이직, 초이스, 요고, 선택약정, 데이터 이월, 결합할인, 번호이동"

UNAVAILABLE_MESSAGE = (
    "음성 인식 사용 불가: OpenAI 키 또는 로컬 Whisper 모델이 설정되지 않았습니다. 직접 입력은 계속 가능합니다."
)

AudioInput = bytes | Path | str
"""WAV bytes, or a path to a WAV file."""


@dataclass(frozen=True)
class Transcript:
    text: str
    language: str
    duration: float  # seconds of audio
    provider: str
    raw_text: str = ""  # before `normalize_transcript`, when the pipeline normalized `text`


@runtime_checkable
class Transcriber(Protocol):
    name: str

    def transcribe(self, audio: AudioInput, *, prompt: str | None = None,
                   timeout: float | None = None) -> Transcript:
        """ONE attempt, at most `timeout` s where the provider can bound it; raises
        `TranscriptionError`. Safe to call from several worker threads. Retries belong to
        `transcribe_with_retries` (a provider may carry its `retry_policy`)."""
        ...


# -- errors ---------------------------------------------------------------------------------------
class TranscriptionError(KtcsError):
    """A transcription attempt failed; `retryable` says whether trying again may help."""

    user_message = "음성 인식 중 오류가 발생했습니다. 녹음 구간은 저장되어 있어 나중에 다시 변환할 수 있습니다."
    retryable = True


class TranscriptionTimeoutError(TranscriptionError):
    user_message = (
        "음성 인식 서버 응답 시간이 초과되었습니다. 잠시 후 다시 시도해 주세요. "
        "녹음 구간은 저장되어 있어 나중에 다시 변환할 수 있습니다."
    )


class TranscriptionRateLimitError(TranscriptionError):
    user_message = "음성 인식 요청이 너무 많습니다(사용량 제한). 잠시 후 다시 시도합니다."

    def __init__(self, user_message: str | None = None, *, detail: str | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(user_message, detail=detail)
        self.retry_after = retry_after


class TranscriptionAuthError(TranscriptionError):
    user_message = "음성 인식 인증에 실패했습니다. OpenAI API 키(OPENAI_API_KEY)를 확인해 주세요."
    retryable = False


class TranscriptionConnectionError(TranscriptionError):
    user_message = "음성 인식 서버에 연결할 수 없습니다. 네트워크와 서버 주소(OPENAI_BASE_URL)를 확인해 주세요."


class TranscriptionRequestError(TranscriptionError):
    user_message = "음성 인식 요청이 거부되었습니다. 모델 이름(KTCS_TRANSCRIBE_MODEL)과 오디오 형식을 확인해 주세요."
    retryable = False


class TranscriptionUnavailableError(CapabilityUnavailableError):
    user_message = UNAVAILABLE_MESSAGE


# -- helpers --------------------------------------------------------------------------------------
def _wav_bytes(audio: AudioInput) -> bytes:
    if isinstance(audio, bytes | bytearray):
        return bytes(audio)
    return Path(audio).read_bytes()


def wav_duration(wav_bytes: bytes) -> float:
    try:
        with wave.open(io.BytesIO(wav_bytes), "rb") as wav:
            return wav.getnframes() / float(wav.getframerate() or 1)
    except (wave.Error, EOFError):
        return 0.0


def _retry_after_seconds(exc: Any) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) * scale)
        except ValueError:
            continue
    return None


def _translate_openai_error(exc: Exception) -> TranscriptionError:
    """SDK exception → Korean `TranscriptionError` (timeout / auth / 429 / connection / status)."""
    import openai

    detail = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, openai.APITimeoutError):
        return TranscriptionTimeoutError(detail=detail)
    if isinstance(exc, openai.APIConnectionError):
        return TranscriptionConnectionError(detail=detail)
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return TranscriptionAuthError(detail=detail)
    if isinstance(exc, openai.RateLimitError):
        return TranscriptionRateLimitError(detail=detail, retry_after=_retry_after_seconds(exc))
    if isinstance(exc, openai.BadRequestError | openai.NotFoundError | openai.UnprocessableEntityError):
        return TranscriptionRequestError(detail=detail)
    if isinstance(exc, openai.APIStatusError):
        return TranscriptionError(
            f"음성 인식 서버 오류가 발생했습니다 (HTTP {exc.status_code}). 잠시 후 다시 시도합니다.",
            detail=detail,
        )
    return TranscriptionError(detail=detail)


# -- one retry loop, one deadline -----------------------------------------------------------------
@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one transcription: `attempts` requests in all, within `deadline_s`."""

    attempts: int = 2
    deadline_s: float = 30.0
    backoff_s: float = 0.5
    max_backoff_s: float = 8.0
    min_attempt_s: float = 0.25  # no new attempt with less time than this left


DEFAULT_RETRY_POLICY = RetryPolicy()


def retry_policy_of(transcriber: object) -> RetryPolicy:
    policy = getattr(transcriber, "retry_policy", None)
    return policy if isinstance(policy, RetryPolicy) else DEFAULT_RETRY_POLICY


def transcribe_with_retries(
    transcriber: Transcriber,
    audio: AudioInput,
    *,
    prompt: str | None = None,
    policy: RetryPolicy | None = None,
    cancel: threading.Event | None = None,
    on_attempt: Callable[[int], None] | None = None,
) -> Transcript | None:
    """Transcribe with at most `policy.attempts` attempts inside one `policy.deadline_s`.

    Returns None if `cancel` was set before success; raises the last `TranscriptionError`
    (a `TranscriptionTimeoutError` when the deadline ran out). Provider errors that are not
    `TranscriptionError`s are wrapped (and not retried when they are other `KtcsError`s).
    """
    policy = policy or retry_policy_of(transcriber)
    deadline = time.monotonic() + policy.deadline_s
    last_error: TranscriptionError | None = None
    for attempt in range(max(1, policy.attempts)):
        if cancel is not None and cancel.is_set():
            return None
        remaining = deadline - time.monotonic()
        if attempt and remaining < policy.min_attempt_s:
            break
        if on_attempt is not None:
            on_attempt(attempt + 1)
        try:
            return transcriber.transcribe(audio, prompt=prompt, timeout=max(remaining, policy.min_attempt_s))
        except TranscriptionError as exc:
            last_error = exc
        except KtcsError as exc:  # e.g. a provider that became unavailable
            last_error = TranscriptionError(exc.user_message, detail=exc.detail)
            last_error.retryable = False
        except Exception as exc:  # a provider bug must not kill the worker or lose the segment
            log.exception("transcriber %s crashed", getattr(transcriber, "name", "?"))
            last_error = TranscriptionError(detail=repr(exc))
        log.info("transcription attempt %d failed: %s", attempt + 1, last_error.detail or last_error)
        if not last_error.retryable or attempt + 1 >= policy.attempts:
            break
        delay = min(policy.max_backoff_s, policy.backoff_s * (2**attempt)) * (0.75 + 0.25 * random.random())
        if isinstance(last_error, TranscriptionRateLimitError) and last_error.retry_after is not None:
            delay = max(delay, last_error.retry_after)
        if time.monotonic() + delay + policy.min_attempt_s > deadline:
            break  # the next attempt could not finish before the deadline
        if cancel is not None:
            if cancel.wait(delay):
                return None
        else:
            time.sleep(delay)
    assert last_error is not None
    raise last_error


# -- prompt leaks and hallucinations ---------------------------------------------------------------
PROMPT_MIN_SECONDS = 1.5  # shorter audio gets no prompt (Whisper echoes it when there is little speech)
PROMPT_MIN_DBFS = -45.0  # nor audio whose loud part is quieter than this


def speech_level_dbfs(pcm: bytes, rate: int = 16000) -> float:
    """Level of the loudest fifth of 30 ms frames of 16-bit mono PCM (the speech, not the pauses)."""
    import numpy as np

    samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype="<i2").astype(np.float64)
    frame = rate * 30 // 1000
    n = samples.size // frame
    if n == 0:
        return -120.0
    power = np.mean(samples[: n * frame].reshape(n, frame) ** 2, axis=1)
    loud = np.sort(power)[-max(1, n // 5):]
    return float(10 * np.log10(max(float(np.mean(loud)), 1e-12) / 32768.0**2))


def prompt_for(pcm: bytes, prompt: str | None, *, rate: int = 16000) -> str | None:
    """The domain prompt for this audio, or None for short or quiet audio."""
    if not prompt:
        return None
    if len(pcm) / 2 / rate < PROMPT_MIN_SECONDS or speech_level_dbfs(pcm, rate) < PROMPT_MIN_DBFS:
        return None
    return prompt


# What Whisper says over silence or noise (YouTube-caption training data), and old prompt echoes.
KNOWN_HALLUCINATIONS = (
    "시청해 주셔서 감사합니다", "시청해주셔서 감사합니다", "구독과 좋아요", "좋아요와 구독", "구독 좋아요",
    "다음 영상에서 만나요", "MBC 뉴스", "KBS 뉴스", "SBS 뉴스", "자막 제공", "자막 by", "한글자막",
    "고객센터 상담 통화입니다", "thank you for watching", "subtitles by",
)
_SENTENCE = re.compile(r"[^.!?。\n]+[.!?。]*")
_NOT_WORD = re.compile(r"[^0-9a-z가-힣]+")
ECHO_MIN_CHARS = 6  # a sentence this long (letters only) found inside the prompt is an echo


def _letters(text: str) -> str:
    return _NOT_WORD.sub("", text.lower())


def drop_hallucinations(text: str, prompt: str | None = None) -> str:
    """`text` without sentences that echo `prompt` or are known Whisper phrases on silence."""
    prompt_letters = _letters(prompt or "")
    known = [_letters(h) for h in KNOWN_HALLUCINATIONS]
    kept: list[str] = []
    for sentence in _SENTENCE.findall(text):
        letters = _letters(sentence)
        if not letters:
            continue
        if prompt_letters and len(letters) >= ECHO_MIN_CHARS and letters in prompt_letters:
            continue
        if any(k in letters for k in known):
            continue
        kept.append(sentence.strip())
    return " ".join(kept).strip()


# -- OpenAI-compatible ----------------------------------------------------------------------------
class OpenAITranscriber:
    """`/v1/audio/transcriptions` through the official SDK; any OpenAI-compatible server works.

    `timeout` is the deadline of one whole transcription and `max_retries` the retries within it
    (`retry_policy`, used by `transcribe_with_retries`); the SDK client itself never retries.
    """

    name = "openai"

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str | None = None,
        model: str = "whisper-1",
        timeout: float = 30.0,
        max_retries: int = 2,
        backoff_s: float = 0.5,
        max_backoff_s: float = 8.0,
        language: str = "ko",
        client: Any = None,
        extra_attempts: int = 0,  # older name for more retries: added to the same one budget
    ) -> None:
        if client is None:
            import openai

            if not api_key and not base_url:
                raise TranscriptionUnavailableError()
            client = openai.OpenAI(
                # A self-hosted compatible server may need no key; the SDK insists on one.
                api_key=api_key or "no-key-configured",
                base_url=base_url or None,
                timeout=timeout,
                max_retries=0,  # retries live in transcribe_with_retries, under one deadline
            )
        self._client = client
        self.model = model
        self.language = language
        self.timeout = timeout
        self.retry_policy = RetryPolicy(attempts=1 + max(0, max_retries) + max(0, extra_attempts), deadline_s=timeout,
                                        backoff_s=backoff_s, max_backoff_s=max_backoff_s)
        self.base_url = str(getattr(client, "base_url", base_url or ""))

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> OpenAITranscriber:
        endpoint = settings.transcription_endpoint  # KTCS_TRANSCRIBE_BASE_URL, else the shared server
        kwargs: dict[str, Any] = dict(
            api_key=endpoint.api_key if endpoint else None,
            base_url=endpoint.base_url if endpoint else None,
            model=endpoint.model if endpoint else settings.ktcs_transcribe_model,
            timeout=settings.ktcs_transcribe_timeout,
            max_retries=settings.ktcs_llm_max_retries,
        )
        kwargs.update(overrides)
        return cls(**kwargs)

    def close(self) -> None:
        close = getattr(self._client, "close", None)
        if callable(close):
            close()

    def transcribe(self, audio: AudioInput, *, prompt: str | None = None,
                   timeout: float | None = None) -> Transcript:
        """One request (no retries), bounded by `timeout` (default: the whole deadline)."""
        import openai

        wav = _wav_bytes(audio)
        kwargs: dict[str, Any] = dict(
            model=self.model,
            file=("segment.wav", wav, "audio/wav"),
            language=self.language,
            response_format="json",
            timeout=min(timeout, self.timeout) if timeout is not None else self.timeout,
        )
        if prompt:
            kwargs["prompt"] = prompt
        try:
            result = self._client.audio.transcriptions.create(**kwargs)
        except openai.OpenAIError as exc:
            raise _translate_openai_error(exc) from exc
        text = result if isinstance(result, str) else getattr(result, "text", None)
        if text is None:
            raise TranscriptionError(
                "음성 인식 서버의 응답 형식이 올바르지 않습니다.", detail=repr(result)[:200]
            )
        language = getattr(result, "language", None) or self.language
        duration = getattr(result, "duration", None) or wav_duration(wav)
        return Transcript(text=str(text).strip(), language=str(language), duration=float(duration),
                          provider=self.name)


# -- local faster-whisper -------------------------------------------------------------------------
def _looks_like_ct2_model(model_dir: Path) -> bool:
    return model_dir.is_dir() and (model_dir / "model.bin").is_file()


class LocalWhisperTranscriber:
    """faster-whisper from `ktcs_whisper_model_dir` (a CTranslate2 model folder), CPU int8.

    `available()` is False (with a Korean `unavailable_reason`) unless faster-whisper imports
    and the folder holds a model; the model loads lazily on first use, never from the network.
    """

    name = "local-whisper"

    def __init__(
        self,
        model_dir: Path | str | None,
        *,
        device: str = "cpu",
        compute_type: str = "int8",
        language: str = "ko",
        beam_size: int = 2,
        temperature: tuple[float, ...] = (0.0, 0.2),
        retry_policy: RetryPolicy | None = None,
    ) -> None:
        self.model_dir = Path(model_dir) if model_dir else None
        self.device = device
        self.compute_type = compute_type
        self.language = language
        # A small beam and at most one fallback temperature: faster-whisper's default (beam 5,
        # six temperatures 0.0–1.0) re-decodes noisy segments up to six times — 24–33 s on 2 cores.
        self.beam_size = beam_size
        self.temperature = tuple(temperature)
        # A local decode cannot be interrupted; one retry (e.g. after a transient error) at most.
        self.retry_policy = retry_policy or RetryPolicy(attempts=2, deadline_s=60.0)
        self._model: Any = None
        self._lock = threading.Lock()
        self.unavailable_reason = self._check()

    def _check(self) -> str | None:
        if self.model_dir is None:
            return "로컬 Whisper 모델 폴더(KTCS_WHISPER_MODEL_DIR)가 설정되지 않았습니다."
        if importlib.util.find_spec("faster_whisper") is None:
            return "로컬 음성 인식 모듈(faster-whisper)이 설치되어 있지 않습니다."
        if not _looks_like_ct2_model(self.model_dir):
            return f"로컬 Whisper 모델 폴더에 모델 파일(model.bin)이 없습니다: {self.model_dir}"
        return None

    def available(self) -> bool:
        return self.unavailable_reason is None

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                if self.unavailable_reason is not None:
                    raise TranscriptionUnavailableError(f"음성 인식 사용 불가: {self.unavailable_reason}")
                module = importlib.import_module("faster_whisper")
                try:
                    self._model = module.WhisperModel(
                        str(self.model_dir),
                        device=self.device,
                        compute_type=self.compute_type,
                        local_files_only=True,
                    )
                except Exception as exc:
                    raise TranscriptionError(
                        "로컬 Whisper 모델을 불러올 수 없습니다. 모델 폴더를 확인해 주세요.", detail=repr(exc)
                    ) from exc
            return self._model

    def transcribe(self, audio: AudioInput, *, prompt: str | None = None,
                   timeout: float | None = None) -> Transcript:
        """One decode (`timeout` cannot interrupt it; the bounded decoding keeps it short)."""
        model = self._load()
        source: Any = io.BytesIO(audio) if isinstance(audio, bytes | bytearray) else str(audio)
        try:
            with self._lock:  # one decode at a time: CTranslate2 already uses several cores
                segments, info = model.transcribe(
                    source,
                    language=self.language,
                    initial_prompt=prompt or None,
                    beam_size=self.beam_size,
                    best_of=self.beam_size,
                    temperature=list(self.temperature),
                    condition_on_previous_text=False,  # no drift from one 30 s window into the next
                    without_timestamps=True,
                )
                text = "".join(s.text for s in segments).strip()
        except Exception as exc:
            raise TranscriptionError(detail=repr(exc)) from exc
        return Transcript(
            text=text,
            language=str(getattr(info, "language", self.language) or self.language),
            duration=float(getattr(info, "duration", 0.0) or 0.0),
            provider=self.name,
        )


# -- factory / status -----------------------------------------------------------------------------
class TranscriptionStatus(NamedTuple):
    """`available, message = transcription_status(settings)`."""

    available: bool
    message: str


def transcription_status(settings: Settings) -> TranscriptionStatus:
    """What the UI shows next to the record button. No network access."""
    endpoint = settings.transcription_endpoint
    if endpoint is not None:
        where = endpoint.base_url or "OpenAI"
        return TranscriptionStatus(
            True, f"음성 인식 사용 가능: {where} (모델 {settings.ktcs_transcribe_model})"
        )
    local = LocalWhisperTranscriber(settings.ktcs_whisper_model_dir)
    if local.available():
        return TranscriptionStatus(True, f"음성 인식 사용 가능: 로컬 Whisper ({local.model_dir})")
    if settings.ktcs_whisper_model_dir is not None:
        return TranscriptionStatus(
            False, f"음성 인식 사용 불가: {local.unavailable_reason} 직접 입력은 계속 가능합니다."
        )
    return TranscriptionStatus(False, UNAVAILABLE_MESSAGE)


def make_transcriber(settings: Settings, *, isolated: bool = False) -> Transcriber | None:
    """The transcription server if configured (KTCS_TRANSCRIBE_BASE_URL, or the shared OpenAI
    settings when no local Whisper folder is set), else local Whisper if usable, else None.

    `isolated` (the desktop app): local Whisper runs in its own process (`WhisperProcessTranscriber`,
    already started: the model loads while the call begins), never in the caller's; the CLI keeps
    it in-process."""
    if settings.transcription_endpoint is not None:
        return OpenAITranscriber.from_settings(settings)
    if isolated:
        from ktcs_desktop.core.speech.whisper_process import WhisperProcessTranscriber

        process = WhisperProcessTranscriber(settings.ktcs_whisper_model_dir)
        if not process.available():
            return None
        process.start()
        return process
    local = LocalWhisperTranscriber(settings.ktcs_whisper_model_dir)
    if local.available():
        return local
    return None
