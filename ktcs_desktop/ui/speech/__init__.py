"""Qt layer of the live-call audio: a controller over `TranscriptionPipeline` and the device dialog."""

from __future__ import annotations

from ktcs_desktop.ui.speech.controller import CallState, SpeechController
from ktcs_desktop.ui.speech.devices_dialog import InputDeviceDialog

__all__ = ["CallState", "InputDeviceDialog", "SpeechController"]
