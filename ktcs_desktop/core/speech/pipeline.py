"""Live transcription: capture → VAD → WAV on disk → 2 transcription workers → text in order.

Threads and callbacks (the Qt layer turns each callback into a signal):
- one capture thread per `AudioCapture` ("ktcs-capture-<speaker>"): reads audio, runs that
  speaker's VAD, persists each segment, submits it. Calls `on_level`, `on_segment`, device
  errors via `on_error(error, None)`, and `on_queue_size`.
- a `ThreadPoolExecutor` ("ktcs-stt", 2 workers): transcribes with retries. Results are
  delivered strictly in segment seq order, one at a time, from whichever worker completes the
  next seq: `on_text(segment, transcript)` or `on_error(error, segment)` for a segment whose
  attempts are exhausted (it stays on disk as failed for a later retry).

`stop()` closes the devices, drains every buffered sample through the VAD (flushing the last
utterance), transcribes everything still queued and waits up to a timeout — the last words
are not dropped. `cancel()` aborts: audio still gets persisted, nothing more is transcribed,
unfinished segments stay on disk as pending.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, replace

from ktcs_desktop.core.errors import KtcsError
from ktcs_desktop.core.speech.capture import AudioCapture
from ktcs_desktop.core.speech.devices import AudioDeviceError
from ktcs_desktop.core.speech.postprocess import normalize_transcript
from ktcs_desktop.core.speech.segments import SegmentRecord, SegmentStatus, SegmentStore, pcm_to_wav_bytes
from ktcs_desktop.core.speech.transcribe import (
    KT_DOMAIN_PROMPT,
    Transcriber,
    Transcript,
    TranscriptionError,
    drop_hallucinations,
    prompt_for,
    retry_policy_of,
    transcribe_with_retries,
)
from ktcs_desktop.core.speech.vad import EnergyVad, FrameSegmenter, Segment, VadConfig

log = logging.getLogger(__name__)

TextCallback = Callable[[Segment, Transcript], None]
ErrorCallback = Callable[[KtcsError, "Segment | None"], None]
LevelCallback = Callable[[str, float], None]
QueueSizeCallback = Callable[[int], None]
SegmentCallback = Callable[[Segment, SegmentRecord], None]
Normalizer = Callable[[str], str]

SAVE_FAILED_MESSAGE = "녹음 구간을 디스크에 저장하지 못했습니다. 저장 공간과 권한을 확인해 주세요."


@dataclass(frozen=True)
class PipelineStopResult:
    completed: bool  # everything captured was transcribed (or failed) before the timeout
    transcribed: int
    failed: int
    pending: tuple[int, ...]  # seqs left on disk as pending (timeout, cancel, no transcriber)


@dataclass(frozen=True)
class _Outcome:
    segment: Segment
    transcript: Transcript | None = None
    error: KtcsError | None = None


def transcribe_segment(
    transcriber: Transcriber,
    store: SegmentStore,
    segment: Segment,
    *,
    prompt: str | None = KT_DOMAIN_PROMPT,
    normalize: Normalizer | None = normalize_transcript,
    attempts: int | None = None,
    backoff_s: float | None = None,
    deadline_s: float | None = None,
    cancel: threading.Event | None = None,
) -> Transcript | None:
    """Transcribe one persisted segment and record the outcome in the manifest.

    Retries come from the provider's `retry_policy` (one deadline, one attempt budget; the
    arguments override it) through `transcribe_with_retries` — nothing else retries. Short or
    quiet audio is sent without the domain prompt, and output that echoes the prompt or is a
    known Whisper phrase on silence is dropped (`text` "" = nothing was said; `raw_text` keeps
    what the provider returned).

    Returns None if cancelled before success (the segment stays pending); raises the last
    `TranscriptionError` after marking the segment failed.
    """
    policy = retry_policy_of(transcriber)
    overrides = {k: v for k, v in (("attempts", attempts), ("backoff_s", backoff_s), ("deadline_s", deadline_s))
                 if v is not None}
    if overrides:
        policy = replace(policy, **overrides)
    wav = pcm_to_wav_bytes(segment.pcm)
    used_prompt = prompt_for(segment.pcm, prompt)
    try:
        result = transcribe_with_retries(
            transcriber, wav, prompt=used_prompt, policy=policy, cancel=cancel,
            on_attempt=lambda _n: _safe_store(store.mark_attempt, segment.seq),
        )
    except TranscriptionError as exc:
        log.info("segment %d failed: %s", segment.seq, exc.detail or exc)
        _safe_store(store.mark_failed, segment.seq, exc.user_message)
        raise
    if result is None:
        return None
    kept = drop_hallucinations(result.text, prompt)
    if kept != result.text.strip():
        log.info("segment %d: dropped prompt echo / hallucination %r", segment.seq, result.text)
    text = normalize(kept) if normalize and kept else kept
    transcript = replace(result, text=text, raw_text=result.text)
    _safe_store(
        store.mark_done,
        segment.seq,
        transcript.text,
        raw_text=result.text,
        language=result.language,
        provider=result.provider,
    )
    return transcript


def _safe_store(method: Callable[..., object], *args: object, **kwargs: object) -> None:
    try:
        method(*args, **kwargs)
    except (OSError, KeyError):  # the manifest is bookkeeping; the transcript still goes out
        log.exception("segment manifest update failed")


def transcribe_unfinished(
    transcriber: Transcriber,
    store: SegmentStore,
    *,
    on_text: TextCallback | None = None,
    on_error: ErrorCallback | None = None,
    prompt: str | None = KT_DOMAIN_PROMPT,
    normalize: Normalizer | None = normalize_transcript,
    attempts: int | None = None,
    cancel: threading.Event | None = None,
) -> list[SegmentRecord]:
    """Retry every pending/failed segment of a consultation (blocking; run it in a worker)."""
    for record in store.unfinished():
        if cancel is not None and cancel.is_set():
            break
        try:
            segment = store.load_segment(record)
        except (OSError, ValueError, EOFError) as exc:
            log.warning("segment %d unreadable: %r", record.seq, exc)
            continue
        try:
            transcript = transcribe_segment(
                transcriber, store, segment, prompt=prompt, normalize=normalize, attempts=attempts, cancel=cancel
            )
        except TranscriptionError as exc:
            if on_error is not None:
                on_error(exc, segment)
            continue
        if transcript is not None and on_text is not None:
            on_text(segment, transcript)
    return store.records()


class TranscriptionPipeline:
    """Runs one call's live transcription. Construct, `start()`, later `stop()` or `cancel()`.

    `transcriber=None` (no provider configured) still records and persists every segment as
    pending, so it can be transcribed later; no text is ever invented.
    """

    def __init__(
        self,
        transcriber: Transcriber | None,
        store: SegmentStore,
        captures: Sequence[AudioCapture] = (),
        *,
        vad_config: VadConfig | None = None,
        vad_factory: Callable[[str, Callable[[], int]], FrameSegmenter] | None = None,
        prompt: str | None = KT_DOMAIN_PROMPT,
        normalize: Normalizer | None = normalize_transcript,
        workers: int = 2,
        segment_attempts: int | None = None,  # None = the transcriber's retry_policy
        retry_backoff_s: float | None = None,
        read_timeout_s: float = 0.05,
        on_text: TextCallback | None = None,
        on_error: ErrorCallback | None = None,
        on_level: LevelCallback | None = None,
        on_queue_size: QueueSizeCallback | None = None,
        on_segment: SegmentCallback | None = None,
    ) -> None:
        self.transcriber = transcriber
        self.store = store
        self.captures = list(captures)
        self.vad_config = vad_config or VadConfig()
        # `vad_factory(speaker, next_seq)`, e.g. `select_vad(settings.ktcs_vad).factory`; default energy.
        self._vad_factory = vad_factory or (lambda speaker, next_seq: EnergyVad(speaker, self.vad_config,
                                                                                 next_seq=next_seq))
        self.prompt = prompt
        self.normalize = normalize
        self.segment_attempts = segment_attempts
        self.retry_backoff_s = retry_backoff_s
        self._read_timeout = read_timeout_s
        self.on_text = on_text
        self.on_error = on_error
        self.on_level = on_level
        self.on_queue_size = on_queue_size
        self.on_segment = on_segment

        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ktcs-stt")
        self._cancel = threading.Event()
        self._closed = threading.Event()  # after stop()/cancel() returned: no more callbacks
        self._seq_lock = threading.Lock()
        self._next_seq = store.next_seq()
        self._deliver_lock = threading.RLock()  # callbacks may read queue_size
        self._next_delivery = self._next_seq
        self._outcomes: dict[int, _Outcome | None] = {}  # None = nothing to deliver (pending)
        self._futures: list[Future[None]] = []
        self._futures_lock = threading.Lock()
        self._queued = 0
        self._vads: dict[str, FrameSegmenter] = {}
        self._threads: list[threading.Thread] = []
        self._started = False
        self.transcribed = 0
        self.failed = 0

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> list[str]:
        """Start every capture and its thread; returns the speakers that are recording.

        A device that cannot start is reported through `on_error`; if none can, the first
        `AudioDeviceError` is raised (Korean message) and nothing keeps running.
        """
        if self._started:
            raise RuntimeError("TranscriptionPipeline.start() called twice")
        self._started = True
        started: list[AudioCapture] = []
        errors: list[AudioDeviceError] = []
        for capture in self.captures:
            if self.on_level is not None and capture.on_level is None:
                capture.on_level = self.on_level
            if capture.on_error is None:
                capture.on_error = self._device_error
            try:
                capture.start()
            except AudioDeviceError as exc:
                errors.append(exc)
                continue
            started.append(capture)
        if self.captures and not started:
            self._closed.set()
            self._executor.shutdown(wait=False)
            raise errors[0]
        for exc in errors:
            self._emit_error(exc, None)
        for capture in started:
            thread = threading.Thread(
                target=self._capture_loop, args=(capture,), name=f"ktcs-capture-{capture.speaker}", daemon=True
            )
            self._threads.append(thread)
            thread.start()
        return [c.speaker for c in started]

    def feed_audio(self, speaker: str, pcm: bytes) -> None:
        """Push 16 kHz mono int16 audio for `speaker` without a device (file import, tests).

        Call from one thread per speaker, and not for a speaker that has a running capture.
        """
        for segment in self._vad(speaker).feed(pcm):
            self._accept(segment)

    def end_audio(self, speaker: str) -> None:
        """The fed audio of `speaker` ended: flush its trailing utterance."""
        for segment in self._vad(speaker).flush():
            self._accept(segment)

    def stop(self, timeout: float = 30.0) -> PipelineStopResult:
        """Stop recording, transcribe everything captured so far, wait at most `timeout` s."""
        deadline = time.monotonic() + timeout
        for capture in self.captures:
            capture.close()
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        for speaker in list(self._vads):
            if not any(t.name == f"ktcs-capture-{speaker}" and t.is_alive() for t in self._threads):
                self.end_audio(speaker)  # fed audio (captures flush in their own thread)
        with self._futures_lock:
            futures = list(self._futures)
        _done, not_done = wait_futures(futures, timeout=max(0.0, deadline - time.monotonic()))
        completed = not not_done and not any(t.is_alive() for t in self._threads)
        if not completed:
            self._cancel.set()  # the rest stays on disk as pending
        self._closed.set()
        self._executor.shutdown(wait=False, cancel_futures=True)
        return self._result(completed)

    def cancel(self) -> PipelineStopResult:
        """Hard abort: persist what was captured, transcribe nothing more, return at once."""
        self._cancel.set()
        self._closed.set()
        for capture in self.captures:
            capture.close()
        for thread in self._threads:
            thread.join(2.0)  # drains device buffers to disk; no network involved
        self._executor.shutdown(wait=False, cancel_futures=True)
        return self._result(False)

    @property
    def queue_size(self) -> int:
        """Segments persisted but not yet delivered (transcribing or waiting)."""
        with self._deliver_lock:
            return self._queued

    # -- capture thread --------------------------------------------------------------------------
    def _vad(self, speaker: str) -> FrameSegmenter:
        vad = self._vads.get(speaker)
        if vad is None:
            vad = self._vads[speaker] = self._vad_factory(speaker, self._take_seq)
        return vad

    def _take_seq(self) -> int:
        with self._seq_lock:
            seq = self._next_seq
            self._next_seq += 1
            return seq

    def _capture_loop(self, capture: AudioCapture) -> None:
        vad = self._vad(capture.speaker)
        try:
            while True:
                chunk = capture.read(self._read_timeout)
                if chunk is not None:
                    for segment in vad.feed(chunk.pcm):
                        self._accept(segment)
                elif capture.exhausted:
                    break
            for segment in vad.flush():
                self._accept(segment)
        except Exception:  # never let a bug here silently stop the recording
            log.exception("capture loop for %s crashed", capture.speaker)
            self._emit_error(KtcsError("음성 처리 중 오류가 발생했습니다. 녹음을 다시 시작해 주세요."), None)
            capture.close()

    def _device_error(self, error: AudioDeviceError) -> None:
        self._emit_error(error, None)

    def _accept(self, segment: Segment) -> None:
        """Persist, announce and queue one segment. Every seq taken ends up in `_outcomes`."""
        try:
            record = self.store.save(segment)
        except OSError as exc:
            log.exception("could not persist segment %d", segment.seq)
            self._emit_error(KtcsError(SAVE_FAILED_MESSAGE, detail=repr(exc)), segment)
            record = None
        with self._deliver_lock:
            self._queued += 1
            queued = self._queued
        self._emit_queue_size(queued)
        if record is not None and self.on_segment is not None and not self._closed.is_set():
            try:
                self.on_segment(segment, record)
            except Exception:
                log.exception("on_segment callback failed")
        if self.transcriber is None or self._cancel.is_set():
            self._complete(segment.seq, None)
            return
        try:
            future = self._executor.submit(self._work, segment)
        except RuntimeError:  # executor already shut down (cancel raced us)
            self._complete(segment.seq, None)
            return
        with self._futures_lock:
            self._futures.append(future)

    # -- workers ---------------------------------------------------------------------------------
    def _work(self, segment: Segment) -> None:
        assert self.transcriber is not None
        try:
            transcript = transcribe_segment(
                self.transcriber,
                self.store,
                segment,
                prompt=self.prompt,
                normalize=self.normalize,
                attempts=self.segment_attempts,
                backoff_s=self.retry_backoff_s,
                cancel=self._cancel,
            )
        except TranscriptionError as exc:
            self._complete(segment.seq, _Outcome(segment, error=exc))
        except Exception as exc:  # pragma: no cover - transcribe_segment wraps provider errors
            log.exception("segment %d worker crashed", segment.seq)
            self._complete(segment.seq, _Outcome(segment, error=TranscriptionError(detail=repr(exc))))
        else:
            self._complete(segment.seq, _Outcome(segment, transcript) if transcript is not None else None)

    def _complete(self, seq: int, outcome: _Outcome | None) -> None:
        """Record an outcome and deliver every outcome that is next in seq order."""
        with self._deliver_lock:
            self._outcomes[seq] = outcome
            while self._next_delivery in self._outcomes:
                ready = self._outcomes.pop(self._next_delivery)
                self._next_delivery += 1
                self._queued -= 1
                if ready is not None and ready.transcript is not None:
                    self.transcribed += 1
                    if self.on_text is not None and not self._closed.is_set():
                        try:
                            self.on_text(ready.segment, ready.transcript)
                        except Exception:
                            log.exception("on_text callback failed")
                elif ready is not None and ready.error is not None:
                    self.failed += 1
                    self._emit_error(ready.error, ready.segment)
                self._emit_queue_size(self._queued)

    # -- callbacks -------------------------------------------------------------------------------
    def _emit_error(self, error: KtcsError, segment: Segment | None) -> None:
        if self.on_error is None or self._closed.is_set():
            return
        try:
            self.on_error(error, segment)
        except Exception:
            log.exception("on_error callback failed")

    def _emit_queue_size(self, size: int) -> None:
        if self.on_queue_size is None or self._closed.is_set():
            return
        try:
            self.on_queue_size(size)
        except Exception:
            log.exception("on_queue_size callback failed")

    def _result(self, completed: bool) -> PipelineStopResult:
        pending = tuple(r.seq for r in self.store.records() if r.status is SegmentStatus.PENDING)
        return PipelineStopResult(completed, self.transcribed, self.failed, pending)
