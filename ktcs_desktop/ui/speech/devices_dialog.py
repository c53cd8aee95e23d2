"""The "입력 장치 선택…" dialog: pick the agent microphone and an optional caller line."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from ktcs_desktop.core.speech import InputDevice

DeviceSpec = str | int | None

HELP_TEXT = (
    "통화 녹음에 사용할 입력 장치를 고르세요. 선택은 이 PC의 사용자 설정에 저장되어 다음 실행에도 "
    "유지됩니다. (.env의 KTCS_INPUT_DEVICE / KTCS_CALLER_INPUT_DEVICE는 아직 고르지 않았을 때의 기본값입니다.)"
)


def _matches(device: InputDevice, spec: DeviceSpec) -> bool:
    if spec is None or spec == "":
        return False
    if isinstance(spec, int) or str(spec).strip().isdigit():
        return device.index == int(spec)
    return str(spec).casefold() in device.name.casefold()


class InputDeviceDialog(QDialog):
    """Lists `list_input_devices()`; `agent_device()`/`caller_device()` return device indexes."""

    def __init__(
        self,
        devices: Sequence[InputDevice],
        *,
        agent: DeviceSpec = None,
        caller: DeviceSpec = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("입력 장치 선택")
        self.devices = list(devices)
        layout = QVBoxLayout(self)
        help_label = QLabel(HELP_TEXT)
        help_label.setWordWrap(True)
        help_label.setObjectName("Muted")
        layout.addWidget(help_label)
        if not self.devices:
            layout.addWidget(QLabel("사용 가능한 입력 장치가 없습니다. 마이크 연결을 확인해 주세요."))

        form = QFormLayout()
        self.agent_combo = QComboBox()
        self.agent_combo.addItem("시스템 기본 장치", None)
        self.caller_combo = QComboBox()
        self.caller_combo.addItem("사용 안 함 (상담원 마이크만)", None)
        for device in self.devices:
            label = f"{device.index}: {device.name}" + (" (기본)" if device.is_default else "")
            self.agent_combo.addItem(label, device.index)
            self.caller_combo.addItem(label, device.index)
            if _matches(device, agent):
                self.agent_combo.setCurrentIndex(self.agent_combo.count() - 1)
            if _matches(device, caller):
                self.caller_combo.setCurrentIndex(self.caller_combo.count() - 1)
        form.addRow("상담원 마이크", self.agent_combo)
        form.addRow("고객 통화 회선 (선택)", self.caller_combo)
        layout.addLayout(form)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("확인")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("취소")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    def agent_device(self) -> int | None:
        return self.agent_combo.currentData()

    def caller_device(self) -> int | None:
        return self.caller_combo.currentData()

    def _name(self, index: int | None) -> str:
        return next((d.name for d in self.devices if d.index == index), "") if index is not None else ""

    def agent_device_name(self) -> str:
        """What is saved for the next start: the name ("" = system default), since device
        numbers change when a headset is plugged into another port."""
        return self._name(self.agent_device())

    def caller_device_name(self) -> str:
        return self._name(self.caller_device())
