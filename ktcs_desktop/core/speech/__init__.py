"""Live-call audio core: devices, capture, VAD, segment storage, transcription (Qt-free).

The Qt layer runs `TranscriptionPipeline` (or the pieces) in worker threads and turns the
callbacks into signals; nothing here imports Qt.
"""

from __future__ import annotations

from ktcs_desktop.core.speech.capture import AudioCapture, AudioChunk
from ktcs_desktop.core.speech.devices import (
    AudioDeviceError,
    InputDevice,
    list_input_devices,
    select_input_device,
)
from ktcs_desktop.core.speech.pipeline import PipelineStopResult, TranscriptionPipeline
from ktcs_desktop.core.speech.postprocess import normalize_transcript
from ktcs_desktop.core.speech.segments import SegmentRecord, SegmentStatus, SegmentStore
from ktcs_desktop.core.speech.transcribe import (
    KT_DOMAIN_PROMPT,
    LocalWhisperTranscriber,
    OpenAITranscriber,
    Transcriber,
    Transcript,
    TranscriptionError,
    TranscriptionStatus,
    make_transcriber,
    transcription_status,
)
from ktcs_desktop.core.speech.vad import EnergyVad, Segment, VadConfig
from ktcs_desktop.core.speech.whisper_process import WhisperProcessTranscriber

__all__ = [
    "KT_DOMAIN_PROMPT",
    "AudioCapture",
    "AudioChunk",
    "AudioDeviceError",
    "EnergyVad",
    "InputDevice",
    "LocalWhisperTranscriber",
    "OpenAITranscriber",
    "PipelineStopResult",
    "Segment",
    "SegmentRecord",
    "SegmentStatus",
    "SegmentStore",
    "Transcriber",
    "TranscriptionError",
    "TranscriptionPipeline",
    "TranscriptionStatus",
    "Transcript",
    "VadConfig",
    "WhisperProcessTranscriber",
    "list_input_devices",
    "make_transcriber",
    "normalize_transcript",
    "select_input_device",
    "transcription_status",
]
