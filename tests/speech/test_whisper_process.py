"""`WhisperProcessTranscriber`: local Whisper in a spawned child process. The protocol runs with a
fake transcriber (tests/speech/whisper_fake.py, imported by the child): round trip, a real timeout
that kills the child, a crash, a load failure that is not respawned, close(); and the parent never
imports faster_whisper."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest

from ktcs_desktop.core.config import Settings
from ktcs_desktop.core.speech import WhisperProcessTranscriber
from ktcs_desktop.core.speech.transcribe import (
    LocalWhisperTranscriber,
    TranscriptionError,
    TranscriptionTimeoutError,
    make_transcriber,
    transcribe_with_retries,
)
from ktcs_desktop.core.speech.whisper_process import DEFAULT_FACTORY
from tests.speech.whisper_fake import FACTORY


def _settings(**values: object) -> Settings:
    base: dict[str, object] = {"openai_api_key": None, "openai_base_url": None}
    return Settings(_env_file=None, **{**base, **values})  # type: ignore[arg-type]


def process_gone(pid: int | None, wait_s: float = 5.0) -> bool:
    """No such process any more, not even a zombie (Linux /proc; elsewhere: signal 0)."""
    if pid is None:
        return True
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if os.path.isdir("/proc"):
            if not os.path.exists(f"/proc/{pid}"):
                return True
        else:
            try:
                os.kill(pid, 0)
            except OSError:
                return True
        time.sleep(0.05)
    return False


@pytest.fixture
def fake(tmp_path: Path):
    transcribers: list[WhisperProcessTranscriber] = []

    def make(**options: object) -> WhisperProcessTranscriber:
        t = WhisperProcessTranscriber(tmp_path / "model", factory=FACTORY, options=options, start_timeout_s=60.0)
        transcribers.append(t)
        return t

    yield make
    for t in transcribers:
        t.close()


def _model_dir(tmp_path: Path) -> Path:
    model_dir = tmp_path / "whisper-ct2"
    model_dir.mkdir()
    (model_dir / "model.bin").write_bytes(b"\0")  # not a model: only the check's file
    return model_dir


# -- availability, without faster_whisper ---------------------------------------------------------
def test_unavailable_reasons_are_local_whispers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    none = WhisperProcessTranscriber(None)
    assert not none.available() and "KTCS_WHISPER_MODEL_DIR" in (none.unavailable_reason or "")
    assert none.unavailable_reason == LocalWhisperTranscriber(None).unavailable_reason
    monkeypatch.setitem(sys.modules, "faster_whisper", None)  # not importable
    missing = WhisperProcessTranscriber(_model_dir(tmp_path))
    assert not missing.available() and "faster-whisper" in (missing.unavailable_reason or "")
    assert missing.name == "local-whisper"
    assert missing.retry_policy == LocalWhisperTranscriber(None).retry_policy
    none.close()  # never started: fine, twice too
    none.close()


def test_isolated_make_transcriber_starts_a_process_transcriber_only_when_available(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[WhisperProcessTranscriber] = []
    monkeypatch.setattr(WhisperProcessTranscriber, "start", lambda self: started.append(self))
    model_dir = _model_dir(tmp_path)
    settings = _settings(ktcs_whisper_model_dir=model_dir)
    monkeypatch.setitem(sys.modules, "faster_whisper", None)
    assert make_transcriber(settings, isolated=True) is None  # no faster-whisper: none, nothing started
    assert make_transcriber(_settings(), isolated=True) is None  # no model folder
    assert not started
    monkeypatch.delitem(sys.modules, "faster_whisper")
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: object() if name == "faster_whisper" else None)
    isolated = make_transcriber(settings, isolated=True)
    assert isinstance(isolated, WhisperProcessTranscriber) and isolated.available()
    assert started == [isolated]  # loading while the agent speaks the first segment
    assert isolated.model_dir == model_dir
    assert isinstance(make_transcriber(settings), LocalWhisperTranscriber)  # the CLI stays in-process
    # a transcription server still wins over the local model
    assert not isinstance(make_transcriber(_settings(ktcs_whisper_model_dir=model_dir, openai_api_key="sk-x",
                                                     ktcs_transcribe_base_url="http://127.0.0.1:9/v1"),
                                           isolated=True), WhisperProcessTranscriber)


# -- the process protocol -------------------------------------------------------------------------
def test_round_trip_in_a_child_process(fake, tmp_path: Path) -> None:
    t = fake()
    before = time.monotonic()
    t.start()
    assert time.monotonic() - before < 0.5  # the spawn happens on a background thread
    result = t.transcribe(b"RIFF-audio", prompt="KT")
    assert result.text == f"pid={t.pid} len=10 prompt=KT" and result.provider == "local-whisper"
    assert t.pid is not None and t.pid != os.getpid()
    clip = tmp_path / "clip.wav"
    clip.write_bytes(b"12345")
    assert t.transcribe(clip).text == f"pid={t.pid} len=5 prompt=None"  # a path crosses as str
    assert t.spawns == 1 and t.ready_after_s is not None and t.load_s is not None
    assert "faster_whisper" not in sys.modules


def test_transcribe_spawns_on_first_use(fake) -> None:
    t = fake()
    assert t.pid is None
    assert t.transcribe(b"ab").text.endswith("len=2 prompt=None")
    assert t.spawns == 1


def test_a_timeout_kills_the_hanging_child_and_the_next_call_respawns(fake) -> None:
    t = fake()
    first = t.transcribe(b"warm")
    pid = t.pid
    started = time.monotonic()
    with pytest.raises(TranscriptionTimeoutError) as info:
        t.transcribe(b"hang", timeout=1.0)
    assert 0.9 <= time.monotonic() - started < 10
    assert info.value.retryable and "시간이 초과" in info.value.user_message
    assert process_gone(pid)  # killed and reaped, not left decoding
    again = t.transcribe(b"after")
    assert t.pid != pid and again.text.startswith(f"pid={t.pid} ")
    assert first.text != again.text and t.spawns == 2


def test_a_crashed_child_fails_the_request_and_the_next_call_recovers(fake) -> None:
    t = fake()
    t.transcribe(b"warm")
    pid = t.pid
    with pytest.raises(TranscriptionError) as info:
        t.transcribe(b"crash", timeout=30.0)
    assert not isinstance(info.value, TranscriptionTimeoutError)
    assert info.value.retryable and "중단" in info.value.user_message and "code 3" in (info.value.detail or "")
    assert process_gone(pid)
    assert t.transcribe(b"after").text.startswith(f"pid={t.pid} ") and t.pid != pid


def test_an_error_in_the_child_comes_back_and_the_child_keeps_serving(fake) -> None:
    t = fake()
    t.transcribe(b"warm")
    pid = t.pid
    with pytest.raises(TranscriptionError) as info:
        t.transcribe(b"boom")
    assert "ValueError" in (info.value.detail or "")
    assert t.transcribe(b"x").text.startswith(f"pid={pid} ") and t.spawns == 1


def test_a_load_failure_is_raised_and_not_respawned(fake, tmp_path: Path) -> None:
    loads = tmp_path / "loads.txt"
    t = fake(loads=str(loads), fail_load=True)
    for _ in range(3):
        with pytest.raises(TranscriptionError) as info:
            t.transcribe(b"x", timeout=5.0)
        assert "모델을 불러올 수 없습니다" in info.value.user_message and info.value.detail == "fake load failure"
        assert not info.value.retryable
    # the retry loop does not spawn again either
    with pytest.raises(TranscriptionError):
        transcribe_with_retries(t, b"x")
    t.start()
    assert t.spawns == 1 and len(loads.read_text().splitlines()) == 1


def test_a_child_that_dies_while_loading_is_respawned_a_bounded_number_of_times(fake, tmp_path: Path) -> None:
    loads = tmp_path / "loads.txt"
    t = fake(loads=str(loads), crash_load=True)
    errors = []
    for _ in range(4):
        with pytest.raises(TranscriptionError) as info:
            t.transcribe(b"x", timeout=5.0)
        errors.append(info.value)
    assert errors[0].retryable and not errors[-1].retryable
    assert t.spawns == 2 and len(loads.read_text().splitlines()) == 2


def test_the_real_factory_fails_in_the_child_without_importing_faster_whisper_here(tmp_path: Path) -> None:
    # faster-whisper missing (make test) → "not installed"; installed (after make test-servers) → the
    # stand-in model.bin does not load. Either way the child reports it and the parent never imports it.
    t = WhisperProcessTranscriber(_model_dir(tmp_path), start_timeout_s=120.0)
    assert t.factory == DEFAULT_FACTORY
    try:
        for _ in range(2):
            with pytest.raises(Exception) as info:
                t.transcribe(b"x", timeout=5.0)
            assert "faster-whisper" in str(info.value) or "모델을 불러올 수 없습니다" in str(info.value)
        assert t.spawns == 1
    finally:
        t.close()
    assert "faster_whisper" not in sys.modules


def test_close_is_idempotent_and_leaves_no_process(fake) -> None:
    t = fake()
    t.transcribe(b"warm")
    pid = t.pid
    t.close()
    t.close()
    assert process_gone(pid)
    with pytest.raises(TranscriptionError):
        t.transcribe(b"x")
    t.start()  # no-op once closed
    assert t.spawns == 1


def test_close_right_after_start_stops_the_child_being_spawned(fake) -> None:
    t = fake()
    t.start()
    child = t._child
    assert child is not None
    t.close()
    assert child.spawned.wait(30)  # the background spawn finished…
    assert process_gone(child.pid, wait_s=10)  # …and stopped the orphan it started
    assert t._child is None and t.spawns == 1


def test_close_during_a_request_fails_it_at_once(fake) -> None:
    t = fake()
    t.transcribe(b"warm")
    pid = t.pid
    outcome: list[BaseException] = []

    def call() -> None:
        try:
            t.transcribe(b"hang")  # no timeout: only close() ends it
        except BaseException as exc:  # noqa: BLE001
            outcome.append(exc)

    worker = threading.Thread(target=call)
    worker.start()
    time.sleep(0.3)
    t.close(timeout=0.5)
    worker.join(10)
    assert not worker.is_alive()
    assert isinstance(outcome[0], TranscriptionError) and "종료" in outcome[0].user_message
    assert process_gone(pid)


def test_the_desktop_controller_asks_for_an_isolated_transcriber(qapp, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from ktcs_desktop.core.errors import CapabilityUnavailableError
    from ktcs_desktop.ui.speech import controller as module

    class Built(Exception):
        pass

    calls: list[dict[str, object]] = []

    def fake_make(settings: Settings, **kwargs: object) -> None:
        calls.append(kwargs)
        if len(calls) > 1:
            raise Built

    monkeypatch.setattr(module, "make_transcriber", fake_make)
    jobs: list = []
    speech = module.SpeechController(_settings(), SimpleNamespace(run=lambda fn, **_kw: jobs.append(fn)))  # type: ignore[arg-type]
    with pytest.raises(CapabilityUnavailableError):
        speech.transcribe_leftovers(tmp_path, repo=None)  # type: ignore[arg-type]
    assert speech.start(tmp_path, "call-1")
    with pytest.raises(Built):
        jobs[0](None)  # open_devices, where the call's transcriber is built
    assert calls == [{"isolated": True}, {"isolated": True}]
