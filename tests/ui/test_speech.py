"""Live-call audio in the window: fake PyAudio devices, the real openai SDK against a stub."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from ktcs_desktop.core.speech import OpenAITranscriber, SegmentStatus, SegmentStore
from ktcs_desktop.ui.speech import CallState
from tests.helpers.audio import KOREAN_SENTENCE, call_recording, espeak_korean
from tests.helpers.fake_pyaudio import FakeDevice, FakePyAudioFactory, speech_like
from tests.helpers.openai_stub import OpenAIStub, transcription_response
from tests.helpers.qt import StallMeter

TRANSCRIPTIONS = "/v1/audio/transcriptions"


@pytest.fixture
def openai_stub() -> Iterator[OpenAIStub]:
    with OpenAIStub() as stub:
        counter = itertools.count(1)
        stub.on("POST", TRANSCRIPTIONS,
                lambda _req: transcription_response(f"요금제 변경하고 싶어요 {next(counter)}번", delay_s=0.2))
        yield stub


@pytest.fixture
def stub_transcriber(openai_stub: OpenAIStub) -> Iterator[OpenAITranscriber]:
    transcriber = OpenAITranscriber(api_key="sk-test", base_url=openai_stub.base_url, timeout=5.0,
                                    max_retries=0, extra_attempts=0)
    yield transcriber
    transcriber.close()


@pytest.fixture(scope="module")
def korean_call_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """espeak-ng saying the sentence twice with pauses, 16 kHz mono (a caller line)."""
    folder = tmp_path_factory.mktemp("espeak")
    sentence = espeak_korean(KOREAN_SENTENCE, folder / "sentence.wav")
    return call_recording(sentence, folder / "call-16k.wav", pauses_s=(0.5, 1.2, 1.0), rate=16000, channels=1)


def _lines(window) -> list[str]:
    pane = window.conversation_pane.transcript
    return [pane.item(i).text() for i in range(pane.count())]


def _store(window, feature) -> SegmentStore:
    return SegmentStore(window.services.settings.paths.sessions_dir, feature.call_recorder.key)


def test_live_call_transcribes_in_order_and_keeps_every_segment(
    window, qtbot, korean_call_wav, stub_transcriber, openai_stub, artifacts_dir
):
    feature = window.speech
    ctl = feature.controller
    factory = FakePyAudioFactory(
        [FakeDevice("상담원 헤드셋"), FakeDevice.from_wav("고객 통화 회선", korean_call_wav)], speed=1.0
    )
    ctl.pyaudio_factory = factory
    ctl.transcriber = stub_transcriber
    ctl.agent_device, ctl.caller_device = 0, 1
    feature.refresh()
    assert "음성 인식 사용 가능" in feature.status_label.toolTip()

    cut_at: dict[int, float] = {}
    shown_at: dict[int, float] = {}
    ctl.segment_saved.connect(lambda seg, _rec: cut_at.setdefault(seg.seq, time.monotonic()))
    ctl.transcribed.connect(lambda seg, _tr: shown_at.setdefault(seg.seq, time.monotonic()))
    seg_end: dict[int, float] = {}
    ctl.transcribed.connect(lambda seg, _tr: seg_end.setdefault(seg.seq, seg.end_s))

    labels: list[str] = []
    ctl.state_changed.connect(lambda _s: labels.append(feature.status_label.text()))
    stall = StallMeter()
    stall.start()
    qtbot.mouseClick(feature.start_button, Qt.MouseButton.LeftButton)
    assert window.recorder is not None and not window.recorder.closed  # a consultation was started
    qtbot.waitUntil(lambda: ctl.state is CallState.RECORDING, timeout=5000)
    qtbot.waitUntil(lambda: len(_lines(window)) >= 1, timeout=15000)
    assert feature.status_label.text().startswith("● 녹음")
    qtbot.waitUntil(lambda: feature.meter.value() > 20, timeout=5000)  # second utterance is loud
    window.grab().save(str(_screenshot(artifacts_dir)))

    caller_stream = factory.streams[1]
    qtbot.waitUntil(caller_stream.source_done.is_set, timeout=20000)
    qtbot.mouseClick(feature.stop_button, Qt.MouseButton.LeftButton)
    assert ctl.state in (CallState.FINISHING, CallState.IDLE)
    qtbot.waitUntil(lambda: ctl.state is CallState.IDLE, timeout=20000)
    stall.stop()
    assert any(text.startswith("남은 음성 변환 중… (") for text in labels), labels
    assert feature.start_button.isEnabled() and not feature.stop_button.isEnabled()

    result = ctl.last_result
    assert result is not None and result.completed and result.failed == 0 and not result.pending
    records = _store(window, feature).records()
    assert len(records) >= 2  # two utterances at least
    assert all(r.status is SegmentStatus.DONE for r in records)
    audio_dir = _store(window, feature).audio_dir
    assert all((audio_dir / r.file).is_file() for r in records)
    assert (audio_dir / "manifest.jsonl").is_file() or any(audio_dir.glob("*.jsonl"))
    # every segment → one transcript line, in order, recorded in the consultation
    lines = _lines(window)
    assert len(lines) == result.transcribed == len(records) == len(openai_stub.requests_to(TRANSCRIPTIONS))
    assert all("고객: 요금제 변경하고 싶어요" in text for text in lines)
    numbers = [int(text.rsplit(" ", 1)[1].rstrip("번")) for text in lines]
    assert sorted(numbers) == list(range(1, len(lines) + 1))
    assert [line.speaker.value for line in window.recorder.lines] == ["caller"] * len(lines)
    assert stall.longest < 0.5, f"GUI stalled {stall.longest:.3f}s"

    started = ctl.started_at
    latencies = [shown_at[s] - (started + seg_end[s]) for s in shown_at]
    after_cut = [shown_at[s] - cut_at[s] for s in shown_at]
    print(f"\nsegments={len(records)} end-of-utterance→UI text: "
          f"{', '.join(f'{x:.2f}s' for x in latencies)}; VAD cut→UI text: "
          f"{', '.join(f'{x:.2f}s' for x in after_cut)}; longest GUI stall {stall.longest * 1000:.0f} ms")
    assert max(after_cut) < 3.0


def _screenshot(artifacts_dir: Path) -> Path:
    out = artifacts_dir / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    return out / "live_call.png"


def test_device_loss_shows_banner_keeps_audio_and_typing_works(window, qtbot, stub_transcriber):
    feature = window.speech
    ctl = feature.controller
    audio = speech_like([("silence", 0.3), ("speech", 1.0), ("silence", 0.8), ("speech", 3.0)])
    factory = FakePyAudioFactory([FakeDevice("USB 헤드셋", audio=audio, fail_after_s=2.6, fail_mode="raise")],
                                 speed=1.0)
    ctl.pyaudio_factory = factory
    ctl.transcriber = stub_transcriber

    qtbot.mouseClick(feature.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.alert_banner.isVisible(), timeout=10000)
    assert "연결 해제" in window.alert_banner.text.text()
    qtbot.waitUntil(lambda: ctl.state is CallState.IDLE, timeout=15000)  # stopped by itself, flushed

    records = _store(window, feature).records()
    assert records, "audio captured before the loss must be kept"
    assert all(r.status is SegmentStatus.DONE for r in records)
    assert len(_lines(window)) == len(records)

    pane = window.conversation_pane
    pane.input.setText("직접 입력 테스트")
    qtbot.keyClick(pane.input, Qt.Key.Key_Return)
    assert _lines(window)[-1].endswith("직접 입력 테스트")
    assert feature.start_button.isEnabled()


def test_no_microphone_shows_korean_banner(window, qtbot):
    feature = window.speech
    feature.controller.pyaudio_factory = FakePyAudioFactory([], default_index=None)
    qtbot.mouseClick(feature.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.alert_banner.isVisible(), timeout=5000)
    assert "마이크를 찾을 수 없습니다" in window.alert_banner.text.text()
    assert feature.controller.state is CallState.IDLE and feature.start_button.isEnabled()
    pane = window.conversation_pane
    pane.input.setText("마이크 없이 입력")
    qtbot.keyClick(pane.input, Qt.Key.Key_Return)
    assert _lines(window)[-1].endswith("마이크 없이 입력")


def test_no_provider_records_only_and_says_so(window, qtbot):
    feature = window.speech
    ctl = feature.controller
    assert "음성 인식 사용 불가" in feature.status_label.text()
    assert "음성 인식 사용 불가" in feature.status_label.toolTip()
    assert "직접 입력은 계속 가능합니다" in feature.status_label.toolTip()
    assert feature.start_button.isEnabled()

    audio = speech_like([("silence", 0.3), ("speech", 1.0), ("silence", 0.8), ("speech", 1.0), ("silence", 0.8)])
    factory = FakePyAudioFactory([FakeDevice("USB 헤드셋", audio=audio)], speed=0)
    ctl.pyaudio_factory = factory
    qtbot.mouseClick(feature.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ctl.state is CallState.RECORDING, timeout=5000)
    assert "음성 인식 사용 불가" in feature.status_label.text()
    qtbot.waitUntil(lambda: factory.streams and factory.streams[0].source_done.is_set(), timeout=5000)
    qtbot.wait(300)
    window.end_consultation()  # consultation_closed stops the call (wrap-up may take over first)
    if ctl.state is CallState.RECORDING:
        feature.stop_call()
    qtbot.waitUntil(lambda: ctl.state is CallState.IDLE, timeout=10000)
    records = _store(window, feature).records()
    assert len(records) >= 2
    assert all(r.status is SegmentStatus.PENDING for r in records)
    assert ctl.last_result is not None and len(ctl.last_result.pending) == len(records)
    assert _lines(window) == []  # never a fake transcript

    # Without a provider, 미변환 음성 변환 says why it can't; with one, the audio becomes text in that call.
    feature.leftovers_action.trigger()
    qtbot.waitUntil(lambda: window.alert_banner.isVisible(), timeout=5000)
    assert "음성 인식 사용 불가" in window.alert_banner.text.text()
    qtbot.waitUntil(lambda: feature.leftovers_action.isEnabled(), timeout=5000)
    assert "변환하는 중" not in window.statusBar().currentMessage()  # the status ends with the work
    call = feature.call_recorder
    with OpenAIStub() as stub:
        stub.on("POST", TRANSCRIPTIONS, lambda _req: transcription_response("나중에 변환된 문장"))
        ctl.transcriber = OpenAITranscriber(api_key="sk-test", base_url=stub.base_url, timeout=5.0,
                                            max_retries=0, extra_attempts=0)
        feature.leftovers_action.trigger()
        qtbot.waitUntil(lambda: "상담 기록에 추가했습니다" in window.statusBar().currentMessage(), timeout=10000)
        ctl.transcriber.close()
    assert all(r.status is SegmentStatus.DONE for r in _store(window, feature).records())
    qtbot.waitUntil(lambda: call.consultation_id is not None, timeout=5000)
    saved = window.services.consultations.get(call.consultation_id)
    assert [line.text for line in saved.lines] == ["나중에 변환된 문장"] * len(records)


def test_device_dialog_stores_choice(window, qtbot):
    feature = window.speech
    feature.controller.pyaudio_factory = FakePyAudioFactory([FakeDevice("내장 마이크"), FakeDevice("USB 헤드셋")])
    feature.device_action.trigger()
    qtbot.waitUntil(lambda: feature.dialog is not None and feature.dialog.isVisible(), timeout=5000)
    dialog = feature.dialog
    assert dialog.agent_combo.count() == 3 and dialog.caller_combo.count() == 3
    assert any("다음 실행에도 유지" in label.text() for label in dialog.findChildren(type(feature.status_label)))
    dialog.agent_combo.setCurrentIndex(2)
    dialog.caller_combo.setCurrentIndex(1)
    dialog.accept()
    assert feature.controller.agent_device == 1 and feature.controller.caller_device == 0

    # Saved by name in this user's settings (device numbers move between ports/restarts) and
    # used at the next start over the .env default.
    from ktcs_desktop.ui.user_settings import user_settings

    saved = user_settings(window.services.settings.paths.data_dir)
    assert saved.value("audio/agent_device") == "USB 헤드셋"
    assert saved.value("audio/caller_device") == "내장 마이크"
    feature.controller.agent_device = feature.controller.caller_device = None  # a fresh start
    feature._restore_devices()
    assert feature.controller.agent_device == "USB 헤드셋" and feature.controller.caller_device == "내장 마이크"


def test_text_transcribed_after_the_call_closed_goes_to_that_consultation(window, qtbot, services):
    """상담 종료 stops recording; words still being transcribed land in the closed consultation's record."""
    from ktcs_desktop.core.speech import OpenAITranscriber
    from tests.helpers.openai_stub import OpenAIStub

    feature = window.speech
    ctl = feature.controller
    audio = speech_like([("silence", 0.3), ("speech", 1.2), ("silence", 0.8), ("speech", 1.2), ("silence", 0.8)])
    ctl.pyaudio_factory = FakePyAudioFactory([FakeDevice("USB 헤드셋", audio=audio)], speed=1.0)
    with OpenAIStub() as slow:  # every transcription takes 1.5 s: the agent is faster than the server
        counter = itertools.count(1)
        slow.on("POST", TRANSCRIPTIONS,
                lambda _req: transcription_response(f"늦게 도착한 문장 {next(counter)}", delay_s=1.5))
        ctl.transcriber = OpenAITranscriber(api_key="sk-test", base_url=slow.base_url, timeout=10.0,
                                            max_retries=0, extra_attempts=0)
        qtbot.mouseClick(feature.start_button, Qt.MouseButton.LeftButton)
        call = window.recorder
        qtbot.waitUntil(lambda: len(_store(window, feature).records()) >= 2, timeout=15000)  # both cut
        window.wrapup_handler = None  # close at once with the notes (no wrap-up dialog)
        window.end_consultation()
        assert call.closed
        qtbot.waitUntil(lambda: ctl.state is CallState.IDLE, timeout=20000)  # stopped by 상담 종료
        qtbot.waitUntil(lambda: call.pending_count == 0 and len(call.lines) >= 2, timeout=10000)
        ctl.transcriber.close()

    saved = services.consultations.get(call.consultation_id)
    assert [line.text for line in saved.lines] == [f"늦게 도착한 문장 {n}" for n in range(1, len(saved.lines) + 1)]
    assert len(saved.lines) == len(_store(window, feature).records())
    assert feature.late_lines >= 1
    # No new consultation was opened for the late words: the screen waits for the next call.
    assert window.recorder is None and not window.session.is_active
