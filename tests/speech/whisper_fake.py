"""A stand-in for `LocalWhisperTranscriber` inside `WhisperProcessTranscriber`'s child (imported there
by dotted path; no faster-whisper needed). Each load appends a line to `loads` when given.

Audio b"hang" never returns, b"crash" ends the process, b"boom" raises a plain exception; anything
else comes back as text naming the child's pid and the audio's length."""

from __future__ import annotations

import os
import time
from pathlib import Path

from ktcs_desktop.core.speech.transcribe import Transcript, TranscriptionError

FACTORY = "tests.speech.whisper_fake:FakeWhisper"


class FakeWhisper:
    name = "local-whisper"

    def __init__(self, model_dir: str | None, *, loads: str | None = None, fail_load: bool = False,
                 crash_load: bool = False) -> None:
        self.model_dir = model_dir
        self.loads = Path(loads) if loads else None
        self.fail_load = fail_load
        self.crash_load = crash_load

    def _load(self) -> None:
        if self.loads is not None:
            with self.loads.open("a", encoding="utf-8") as fh:
                fh.write(f"{os.getpid()}\n")
        if self.crash_load:
            os._exit(7)
        if self.fail_load:
            raise TranscriptionError("로컬 Whisper 모델을 불러올 수 없습니다. 모델 폴더를 확인해 주세요.",
                                     detail="fake load failure")

    def transcribe(self, audio: bytes | str, *, prompt: str | None = None,
                   timeout: float | None = None) -> Transcript:
        data = audio if isinstance(audio, bytes) else Path(audio).read_bytes()
        if data == b"hang":
            time.sleep(3600)
        if data == b"crash":
            os._exit(3)
        if data == b"boom":
            raise ValueError("boom")
        return Transcript(text=f"pid={os.getpid()} len={len(data)} prompt={prompt}", language="ko",
                          duration=0.0, provider=self.name)
