"""`SpeechController`: runs one call's `TranscriptionPipeline` and turns its callbacks into signals.

The pipeline calls back on its capture/transcription threads; every callback here only emits a
signal, and Qt delivers signals from other threads queued to the GUI thread, so slots may touch
widgets. Opening devices and `pipeline.stop()` (which transcribes what is still queued) run
through `window.tasks` (TaskKind.IO), never on the GUI thread.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from ktcs_desktop.core.config import Settings
from ktcs_desktop.core.errors import CapabilityUnavailableError, KtcsError, user_message
from ktcs_desktop.core.services.late_transcription import LateTranscriptionReport, transcribe_pending_calls
from ktcs_desktop.core.services.recorder import ConsultationRecorder
from ktcs_desktop.core.speech import (
    AudioCapture,
    PipelineStopResult,
    Segment,
    SegmentStore,
    Transcriber,
    Transcript,
    TranscriptionPipeline,
    TranscriptionStatus,
    make_transcriber,
    transcription_status,
)
from ktcs_desktop.core.speech.devices import AudioDeviceError, PyAudioFactory
from ktcs_desktop.core.speech.vad_silero import select_vad
from ktcs_desktop.ui.tasks import TaskKind, TaskManager

if TYPE_CHECKING:  # the repository comes from window.services; only its type is named here
    from ktcs_desktop.core.storage.repositories import ConsultationRepository

log = logging.getLogger(__name__)

DeviceSpec = str | int | None
_FROM_SETTINGS: Any = object()  # transcriber sentinel: build one from the settings at start


class CallState(enum.StrEnum):
    IDLE = "idle"
    STARTING = "starting"  # opening devices in a worker
    RECORDING = "recording"
    FINISHING = "finishing"  # devices closed, queued segments still being transcribed


class _Bridge(QObject):
    """Signals emitted from worker threads (queued into the GUI thread by Qt)."""

    text = Signal(str, str, object, object)  # speaker, text, Segment, Transcript
    level = Signal(str, float)
    error = Signal(object, object)  # KtcsError, Segment | None
    queue_size = Signal(int)
    segment = Signal(object, object)  # Segment, SegmentRecord


class SpeechController(QObject):
    """Start/stop live transcription for one consultation at a time.

    `pyaudio_factory` and `transcriber` are injectable (tests: a fake PyAudio and an
    OpenAI-compatible stub). `transcriber` left at its default means "from the settings at
    start" (`make_transcriber`), and `None` means record only: segments are kept on disk as
    pending, no text is invented.
    """

    text_ready = Signal(str, str)  # speaker ("agent"/"caller"), normalized text — in seq order
    transcribed = Signal(object, object)  # Segment, Transcript (same moment as text_ready)
    level = Signal(str, float)  # speaker, dBFS
    error = Signal(str)  # Korean message
    device_lost = Signal(str)  # Korean message; a capture device stopped delivering
    queue_size = Signal(int)  # segments saved but not yet transcribed
    segment_saved = Signal(object, object)  # Segment, SegmentRecord
    state_changed = Signal(str)  # CallState value
    stopped = Signal(object)  # PipelineStopResult

    def __init__(
        self,
        settings: Settings,
        tasks: TaskManager,
        parent: QObject | None = None,
        *,
        pyaudio_factory: PyAudioFactory | None = None,
        transcriber: Transcriber | None = _FROM_SETTINGS,
        stop_timeout_s: float = 60.0,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.tasks = tasks
        self.pyaudio_factory = pyaudio_factory
        self.transcriber = transcriber
        self.stop_timeout_s = stop_timeout_s
        self.agent_device: DeviceSpec = settings.ktcs_input_device
        self.caller_device: DeviceSpec = settings.ktcs_caller_input_device
        self.state = CallState.IDLE
        self.pipeline: TranscriptionPipeline | None = None
        self.store: SegmentStore | None = None
        self.speakers: list[str] = []
        self.started_at: float | None = None  # time.monotonic() when the devices were open
        self.last_result: PipelineStopResult | None = None
        self._pending_queue = 0
        self._stop_requested = False
        self._owned_transcriber: Transcriber | None = None
        self._bridge = _Bridge(self)
        self._bridge.text.connect(self._on_text)
        self._bridge.level.connect(self.level)
        self._bridge.error.connect(self._on_error)
        self._bridge.queue_size.connect(self._on_queue_size)
        self._bridge.segment.connect(self.segment_saved)

    # -- status ------------------------------------------------------------------------------
    def transcription_status(self) -> TranscriptionStatus:
        """Whether recorded speech will become text (no network access)."""
        if self.transcriber is _FROM_SETTINGS:
            return transcription_status(self.settings)
        if self.transcriber is None:
            return transcription_status(self.settings)._replace(available=False)
        name = getattr(self.transcriber, "name", type(self.transcriber).__name__)
        return TranscriptionStatus(True, f"음성 인식 사용 가능: {name}")

    @property
    def active(self) -> bool:
        return self.state is not CallState.IDLE

    def transcribe_leftovers(self, sessions_dir: Path, repo: ConsultationRepository, *,
                             skip: frozenset[str] = frozenset(),
                             live: dict[str, ConsultationRecorder] | None = None) -> LateTranscriptionReport:
        """Transcribe audio earlier calls left untranscribed into their consultations.

        Blocking (network): call it from a worker. Raises CapabilityUnavailableError when no
        transcription provider is configured.
        """
        transcriber, owned = self.transcriber, None
        if transcriber is _FROM_SETTINGS:
            transcriber = owned = make_transcriber(self.settings, isolated=True)
        if transcriber is None:
            raise CapabilityUnavailableError(self.transcription_status().message)
        try:
            return transcribe_pending_calls(sessions_dir, transcriber, repo, skip=skip, live=live)
        finally:
            _close_transcriber(owned)

    @property
    def pending(self) -> int:
        return self._pending_queue

    def _set_state(self, state: CallState) -> None:
        self.state = state
        self.state_changed.emit(state.value)

    # -- start ---------------------------------------------------------------------------------
    def start(self, sessions_dir: Path, consultation_key: str | int) -> bool:
        """Open the devices in a worker and start the pipeline; False if a call is already active."""
        if self.state is not CallState.IDLE:
            return False
        self._stop_requested = False
        self.store = store = SegmentStore(Path(sessions_dir), consultation_key)
        specs: list[tuple[str, DeviceSpec]] = [("agent", self.agent_device)]
        if self.caller_device not in (None, ""):
            specs.append(("caller", self.caller_device))
        factory = self.pyaudio_factory
        injected = self.transcriber
        bridge = self._bridge
        self._set_state(CallState.STARTING)

        def open_devices(_ctx: Any) -> tuple[TranscriptionPipeline, list[str], Transcriber | None]:
            owned = None
            transcriber = injected
            if transcriber is _FROM_SETTINGS:
                try:
                    transcriber = owned = make_transcriber(self.settings, isolated=True)
                except KtcsError as exc:  # provider misconfigured: still record, report it
                    bridge.error.emit(exc, None)
                    transcriber = None
            captures = [AudioCapture(spec, speaker=speaker, factory=factory) for speaker, spec in specs]
            pipeline = TranscriptionPipeline(
                transcriber,
                store,
                captures,
                vad_factory=select_vad(self.settings.ktcs_vad).factory,  # silero, energy as fallback
                on_text=lambda seg, tr: bridge.text.emit(seg.speaker, tr.text, seg, tr),
                on_error=lambda exc, seg: bridge.error.emit(exc, seg),
                on_level=lambda speaker, db: bridge.level.emit(speaker, float(db)),
                on_queue_size=lambda n: bridge.queue_size.emit(int(n)),
                on_segment=lambda seg, rec: bridge.segment.emit(seg, rec),
            )
            try:
                speakers = pipeline.start()
            except BaseException:
                _close_transcriber(owned)
                raise
            return pipeline, speakers, owned

        self.tasks.run(open_devices, on_success=self._started, on_failure=self._start_failed, kind=TaskKind.IO,
                       on_discarded=_release_opened)  # the window closed while the devices opened
        return True

    def _started(self, result: tuple[TranscriptionPipeline, list[str], Transcriber | None]) -> None:
        self.pipeline, self.speakers, self._owned_transcriber = result
        self.started_at = time.monotonic()
        self._set_state(CallState.RECORDING)
        if self._stop_requested:  # the consultation ended while the devices were opening
            self.stop()

    def _start_failed(self, exc: BaseException) -> None:
        self.store = None
        self._set_state(CallState.IDLE)
        if isinstance(exc, KtcsError):
            message = exc.user_message
        else:
            log.error("starting the call recording failed: %r", exc)
            message = "통화 녹음을 시작하지 못했습니다. 직접 입력은 계속 가능합니다."
        self.device_lost.emit(message) if isinstance(exc, AudioDeviceError) else self.error.emit(message)

    # -- stop ----------------------------------------------------------------------------------
    def stop(self) -> bool:
        """Close the devices and transcribe everything still queued, in a worker.

        The transcript keeps filling (text_ready) until `stopped` is emitted. No-op when idle.
        """
        if self.state is CallState.STARTING:
            self._stop_requested = True
            return True
        if self.state is not CallState.RECORDING or self.pipeline is None:
            return False
        pipeline, owned, timeout = self.pipeline, self._owned_transcriber, self.stop_timeout_s
        self._set_state(CallState.FINISHING)
        self.queue_size.emit(self._pending_queue)

        def finish(_ctx: Any) -> PipelineStopResult:
            try:
                return pipeline.stop(timeout)
            finally:
                _close_transcriber(owned)

        self.tasks.run(finish, on_success=self._finished, on_failure=self._finish_failed, kind=TaskKind.IO)
        return True

    def cancel(self) -> PipelineStopResult | None:
        """Abort now (window closing): audio stays on disk, unfinished segments stay pending."""
        pipeline = self.pipeline
        self._stop_requested = True
        if pipeline is None:
            return None
        result = pipeline.cancel()
        # A local Whisper child takes ~60 ms to exit: it is stopped off the GUI thread.
        threading.Thread(target=_close_transcriber, args=(self._owned_transcriber,),
                         name="ktcs-transcriber-close", daemon=True).start()
        self._finished(result)
        return result

    def _finished(self, result: PipelineStopResult) -> None:
        if self.pipeline is None:
            return  # already finished (cancel raced a stop)
        self.pipeline = None
        self._owned_transcriber = None
        self.last_result = result
        self._pending_queue = 0
        self._set_state(CallState.IDLE)
        self.stopped.emit(result)

    def _finish_failed(self, exc: BaseException) -> None:
        log.error("stopping the call recording failed: %r", exc)
        self.pipeline = None
        self._set_state(CallState.IDLE)
        self.error.emit("음성 변환 마무리 중 오류가 발생했습니다. 녹음 파일은 보존되었습니다.")

    # -- bridged callbacks (GUI thread) -------------------------------------------------------
    def _on_text(self, speaker: str, text: str, segment: Segment, transcript: Transcript) -> None:
        if not text.strip():
            return  # silence/noise that the provider returned as empty text
        self.transcribed.emit(segment, transcript)
        self.text_ready.emit(speaker, text)

    def _on_error(self, exc: KtcsError, segment: Segment | None) -> None:
        message = user_message(exc)
        if isinstance(exc, AudioDeviceError):
            self.device_lost.emit(message)
            pipeline = self.pipeline
            if (
                pipeline is not None
                and self.state is CallState.RECORDING
                and not any(c.is_running for c in pipeline.captures)
            ):
                self.stop()  # every device is gone: flush and transcribe what was captured
            return
        self.error.emit(message)

    def _on_queue_size(self, n: int) -> None:
        self._pending_queue = n
        self.queue_size.emit(n)


def _close_transcriber(transcriber: object) -> None:
    close = getattr(transcriber, "close", None)
    if callable(close):
        try:
            close()
        except Exception:  # closing an HTTP client must not mask the result
            log.debug("transcriber close failed", exc_info=True)


def _release_opened(result: tuple[TranscriptionPipeline, list[str], Transcriber | None]) -> None:
    """Stop the microphone that a start opened after nobody was left to use it."""
    pipeline, _speakers, owned = result
    pipeline.cancel()
    _close_transcriber(owned)
