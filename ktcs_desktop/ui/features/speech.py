"""Main-window integration of the live-call audio: 통화 시작/종료, level meter, device dialog.

Decisions for a real agent:
- Without a transcription provider the 통화 시작 button stays enabled and records every utterance
  to disk as pending (it can be transcribed later with `transcribe_unfinished`); nothing is ever
  invented, and the status label/tooltip says speech recognition is unavailable.
- Devices are only probed when a call starts or the device dialog opens (PortAudio start-up is
  slow); a missing/unplugged microphone shows a Korean message in `window.alert_banner`, typing
  keeps working and whatever was captured before the loss is kept and transcribed.
- Audio goes under `sessions_dir/<recorder.key>/audio/` — the consultation's own session folder
  (the key exists before the DB assigns `consultation_id`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton

from ktcs_desktop.core.errors import KtcsError
from ktcs_desktop.core.models import Speaker
from ktcs_desktop.core.speech import InputDevice, PipelineStopResult, list_input_devices
from ktcs_desktop.ui.speech import CallState, InputDeviceDialog, SpeechController
from ktcs_desktop.ui.tasks import TaskKind

if TYPE_CHECKING:
    from ktcs_desktop.core.services.recorder import ConsultationRecorder
    from ktcs_desktop.ui.main_window import MainWindow

METER_FLOOR_DBFS = -60.0


class SpeechFeature(QObject):
    def __init__(self, window: MainWindow, controller: SpeechController | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.controller = controller or SpeechController(window.services.settings, window.tasks, self)
        self.call_recorder: ConsultationRecorder | None = None
        self.late_lines = 0  # transcribed after the consultation was closed; saved to it anyway
        self._levels: dict[str, float] = {}
        self.dialog: InputDeviceDialog | None = None
        self._restore_devices()

        self.status_label = QLabel()
        self.status_label.setWordWrap(True)  # "음성 인식 사용 불가" wraps in a narrow column instead of being cut
        self.status_label.setObjectName("Muted")
        self.meter = QProgressBar()
        self.meter.setRange(0, int(-METER_FLOOR_DBFS))
        self.meter.setValue(0)
        self.meter.setTextVisible(False)
        self.meter.setFixedSize(64, 10)
        self.meter.setToolTip("입력 음량")
        self.start_button = QPushButton("통화 시작")
        self.start_button.setToolTip("마이크 녹음과 실시간 음성 인식을 시작합니다 (상담이 없으면 새 상담 시작)")
        self.stop_button = QPushButton("통화 종료")
        self.stop_button.setToolTip("녹음을 멈추고 남은 음성을 모두 변환합니다")
        controls = window.conversation_pane.controls  # the call-control row under the pane title
        for offset, widget in enumerate((self.status_label, self.meter, self.start_button, self.stop_button)):
            controls.insertWidget(offset, widget)
        self.start_button.clicked.connect(self.start_call)
        window.set_shortcut_handler("record", self.toggle_call)
        self.stop_button.clicked.connect(self.stop_call)

        self.device_action = QAction("입력 장치 선택…", self, triggered=self.choose_devices)
        window.tools_menu.addAction(self.device_action)
        self.leftovers_action = QAction("미변환 음성 변환", self, triggered=self.transcribe_leftovers)
        self.leftovers_action.setStatusTip("음성 인식 없이 녹음된 통화 음성을 변환해 해당 상담 기록에 추가합니다")
        window.tools_menu.addAction(self.leftovers_action)

        c = self.controller
        c.text_ready.connect(self._on_text)
        c.level.connect(self._on_level)
        c.error.connect(self._on_error)
        c.device_lost.connect(self._on_device_lost)
        c.queue_size.connect(lambda _n: self.refresh())
        c.state_changed.connect(lambda _s: self.refresh())
        c.stopped.connect(self._on_stopped)
        window.consultation_ending.connect(self._on_consultation_closed)  # stop recording at 상담 종료
        window.consultation_closed.connect(self._on_consultation_closed)
        self.refresh()

    # -- actions -------------------------------------------------------------------------------
    def start_call(self) -> None:
        window = self.window
        if self.controller.active:
            return
        if window.recorder is None or window.recorder.closed:
            window.start_consultation()
        recorder = window.recorder
        assert recorder is not None
        self.call_recorder = recorder
        self.late_lines = 0
        self.controller.start(window.services.settings.paths.sessions_dir, recorder.key)

    def toggle_call(self) -> None:
        """F9: start recording, or stop it when a call is being recorded."""
        if self.controller.active:
            self.stop_call()
        else:
            self.start_call()

    def stop_call(self) -> None:
        self.controller.stop()

    def shutdown(self) -> None:
        """The window is closing: the microphone stops now (captured audio stays on disk)."""
        if self.controller.active:
            self.controller.cancel()

    def transcribe_leftovers(self) -> None:
        window = self.window
        busy = self.call_recorder.key if self.call_recorder is not None and self.controller.active else None
        held = {r.key: r for r in (window.recorder, self.call_recorder) if r is not None}
        sessions = window.services.settings.paths.sessions_dir
        repo = window.services.consultations
        self.leftovers_action.setEnabled(False)
        progress = "미변환 음성을 변환하는 중…"
        window.statusBar().showMessage(progress)

        def done(report) -> None:
            window.statusBar().showMessage(report.message, 10000)
            if window.caller is not None and report.transcribed:
                window.lookup(window.caller.profile.phone)  # refresh the history pane

        def failed(exc: BaseException) -> None:
            window.statusBar().clearMessage()  # "변환하는 중…" ends with the work
            message = exc.user_message if isinstance(exc, KtcsError) else "미변환 음성을 변환하지 못했습니다."
            window.alert_banner.show_message(message, level="warning")

        def finished() -> None:
            self.leftovers_action.setEnabled(True)
            if window.statusBar().currentMessage() == progress:
                window.statusBar().clearMessage()

        window.tasks.run(
            lambda ctx: self.controller.transcribe_leftovers(sessions, repo, skip=frozenset({busy} - {None}),
                                                             live=held),
            on_success=done, on_failure=failed, on_finished=finished, kind=TaskKind.IO)

    def choose_devices(self) -> None:
        factory = self.controller.pyaudio_factory
        self.window.tasks.run(lambda ctx: list_input_devices(factory), on_success=self._show_dialog,
                              on_failure=self._devices_failed, kind=TaskKind.IO)

    def _show_dialog(self, devices: list[InputDevice]) -> None:
        c = self.controller
        self.dialog = InputDeviceDialog(devices, agent=c.agent_device, caller=c.caller_device, parent=self.window)
        self.dialog.accepted.connect(self._devices_chosen)
        self.dialog.open()

    DEVICE_KEYS = ("audio/agent_device", "audio/caller_device")

    def _restore_devices(self) -> None:
        """The devices chosen in an earlier run (user settings), over the .env defaults."""
        store = self.window.ui_settings
        agent_key, caller_key = self.DEVICE_KEYS
        if store.contains(agent_key):
            self.controller.agent_device = str(store.value(agent_key) or "") or None
        if store.contains(caller_key):
            self.controller.caller_device = str(store.value(caller_key) or "") or None

    def _devices_chosen(self) -> None:
        assert self.dialog is not None
        self.controller.agent_device = self.dialog.agent_device()
        self.controller.caller_device = self.dialog.caller_device()
        store = self.window.ui_settings
        store.setValue(self.DEVICE_KEYS[0], self.dialog.agent_device_name())
        store.setValue(self.DEVICE_KEYS[1], self.dialog.caller_device_name())
        store.sync()
        self.window.statusBar().showMessage("입력 장치를 저장했습니다. 다음 통화부터 적용됩니다.", 5000)

    def _devices_failed(self, exc: BaseException) -> None:
        message = exc.user_message if isinstance(exc, KtcsError) else "입력 장치 목록을 읽지 못했습니다."
        self.window.alert_banner.show_message(message, level="warning")

    # -- controller signals (GUI thread) -----------------------------------------------------
    def _on_text(self, speaker: str, text: str) -> None:
        try:
            who = Speaker(speaker)
        except ValueError:
            who = Speaker.CALLER
        call = self.call_recorder
        if call is not None and self.window.recorder is call and not call.closed:
            self.window.add_transcript_line(who, text)
            return
        if call is None:
            return
        # The words were spoken during the call but their text arrived after the consultation
        # ended: they belong to that consultation's record, not to a new one.
        call.add_line(who, text)
        self.late_lines += 1
        self.window.tasks.run(lambda ctx: call.flush(), on_failure=self.window.report_background_failure)
        self.window.statusBar().showMessage(
            f"통화 종료 후 변환된 문장 {self.late_lines}건을 해당 상담 기록에 추가했습니다.", 6000)

    def _on_level(self, speaker: str, dbfs: float) -> None:
        self._levels[speaker] = dbfs
        loudest = max(self._levels.values())
        self.meter.setValue(int(max(0.0, loudest - METER_FLOOR_DBFS)))

    def _on_error(self, message: str) -> None:
        self.window.statusBar().showMessage(message, 8000)

    def _on_device_lost(self, message: str) -> None:
        self.window.alert_banner.show_message(message, level="error")
        self.refresh()

    def _on_stopped(self, result: PipelineStopResult) -> None:
        self._levels.clear()
        self.meter.setValue(0)
        note = f"통화 종료 · 변환 {result.transcribed}건"
        if result.failed:
            note += f" · 실패 {result.failed}건"
        if result.pending:
            note += f" · 미변환 {len(result.pending)}건 보관"
        self.window.statusBar().showMessage(note + " (녹음 파일 보존)", 8000)
        self.refresh()

    def _on_consultation_closed(self, _recorder: object) -> None:
        if self.controller.active:
            self.controller.stop()

    # -- view ----------------------------------------------------------------------------------
    def refresh(self) -> None:
        c = self.controller
        status = c.transcription_status()
        state = c.state
        self.start_button.setEnabled(state is CallState.IDLE)
        self.stop_button.setEnabled(state is CallState.RECORDING)
        self.meter.setVisible(state in (CallState.RECORDING, CallState.FINISHING))
        if state is CallState.STARTING:
            text = "장치 여는 중…"
        elif state is CallState.RECORDING:
            text = "● 녹음·인식 중" if status.available else "● 녹음 중 (음성 인식 사용 불가)"
        elif state is CallState.FINISHING:
            text = f"남은 음성 변환 중… ({c.pending}건)"
        else:
            text = "" if status.available else "음성 인식 사용 불가"
        self.status_label.setText(text)
        # Recording is shown in red so the agent always knows the microphone is live.
        self.status_label.setStyleSheet("color: #DC2626;" if state is CallState.RECORDING else "")
        self.status_label.setToolTip(status.message)
        self.start_button.setToolTip(
            "마이크 녹음과 실시간 음성 인식을 시작합니다 (상담이 없으면 새 상담 시작)"
            if status.available
            else f"{status.message}\n통화 녹음은 저장되며 나중에 변환할 수 있습니다."
        )


def install(window: MainWindow) -> None:
    window.speech = SpeechFeature(window)  # type: ignore[attr-defined]
