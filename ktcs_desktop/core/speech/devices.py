"""Input devices via PyAudio: list them, pick the one the settings name, negotiate a format.

Every PortAudio failure (no devices, bad index, unplugged device) becomes an
`AudioDeviceError` with a Korean message; nothing here lets a PortAudio error escape.
The PyAudio factory is injectable so tests pass a fake (`tests/helpers/fake_pyaudio.py`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ktcs_desktop.core.errors import CapabilityUnavailableError

log = logging.getLogger(__name__)

# PortAudio constants (stable C ABI values), so this module does not need pyaudio to import.
PA_INT16 = 8
PA_CONTINUE = 0

PyAudioFactory = Callable[[], Any]
"""Returns an object with PyAudio's interface (`pyaudio.PyAudio` or a fake)."""

NO_DEVICE_MESSAGE = (
    "마이크를 찾을 수 없습니다. 마이크 연결과 Windows 개인정보 설정(마이크 접근 허용)을 확인해 주세요. "
    "직접 입력은 계속 가능합니다."
)
DISCONNECTED_MESSAGE = (
    "선택한 입력 장치가 연결 해제되었습니다. 장치를 다시 연결하거나 설정에서 다른 장치를 선택해 주세요. "
    "연결 해제 전까지 녹음된 내용은 보존됩니다."
)
AUDIO_SYSTEM_MESSAGE = "오디오 시스템(PortAudio)을 초기화할 수 없습니다. 직접 입력은 계속 가능합니다."


class AudioDeviceError(CapabilityUnavailableError):
    """No usable input device: none present, the configured one is missing, or it was unplugged."""

    user_message = NO_DEVICE_MESSAGE


def missing_device_message(spec: str | int) -> str:
    return (
        f"설정한 입력 장치 '{spec}'을(를) 찾을 수 없습니다. 장치 연결을 확인하거나 설정에서 "
        "입력 장치를 다시 선택해 주세요."
    )


@dataclass(frozen=True)
class InputDevice:
    """One capture-capable device as PortAudio reports it."""

    index: int
    name: str
    channels: int
    default_rate: float
    is_default: bool = False
    host_api: int = 0


@dataclass(frozen=True)
class StreamFormat:
    """What we actually open the device with (we convert to 16 kHz mono afterwards)."""

    rate: int
    channels: int


def default_pyaudio_factory() -> Any:
    import pyaudio  # imported lazily: loading PortAudio is slow and may fail on odd machines

    return pyaudio.PyAudio()


@contextmanager
def pyaudio_session(factory: PyAudioFactory | None = None) -> Iterator[Any]:
    """A PyAudio instance that is always terminated; init failures become `AudioDeviceError`."""
    try:
        pa = (factory or default_pyaudio_factory)()
    except Exception as exc:  # PortAudio init raises OSError, a missing wheel ImportError
        raise AudioDeviceError(AUDIO_SYSTEM_MESSAGE, detail=repr(exc)) from exc
    try:
        yield pa
    finally:
        try:
            pa.terminate()
        except Exception:  # terminate failing must not hide the real error
            log.debug("PyAudio.terminate failed", exc_info=True)


def _device_from_info(info: dict, default_index: int | None) -> InputDevice | None:
    channels = int(info.get("maxInputChannels", 0) or 0)
    if channels <= 0:
        return None
    index = int(info["index"])
    return InputDevice(
        index=index,
        name=str(info.get("name", f"device {index}")),
        channels=channels,
        default_rate=float(info.get("defaultSampleRate", 16000.0) or 16000.0),
        is_default=index == default_index,
        host_api=int(info.get("hostApi", 0) or 0),
    )


def _default_input_index(pa: Any) -> int | None:
    try:
        return int(pa.get_default_input_device_info()["index"])
    except Exception:  # PyAudio raises IOError when there is no default input device
        return None


def input_devices_of(pa: Any) -> list[InputDevice]:
    """Input devices of an open PyAudio instance; [] when PortAudio reports none."""
    try:
        count = int(pa.get_device_count())
    except Exception as exc:
        raise AudioDeviceError(AUDIO_SYSTEM_MESSAGE, detail=repr(exc)) from exc
    default_index = _default_input_index(pa)
    devices: list[InputDevice] = []
    for i in range(count):
        try:
            info = pa.get_device_info_by_index(i)
        except Exception:  # a device vanishing while we enumerate
            log.debug("device %d disappeared during enumeration", i, exc_info=True)
            continue
        device = _device_from_info(info, default_index)
        if device is not None:
            devices.append(device)
    return devices


def list_input_devices(factory: PyAudioFactory | None = None) -> list[InputDevice]:
    """All capture devices; [] (not an error) when there are none.

    Raises `AudioDeviceError` only when PortAudio itself cannot start.
    """
    with pyaudio_session(factory) as pa:
        return input_devices_of(pa)


def choose_device(devices: list[InputDevice], spec: str | int | None) -> InputDevice:
    """Pick a device by index ("3" or 3), exact name, or name substring; None = system default.

    Raises `AudioDeviceError` (Korean) when there are no devices or `spec` matches none.
    """
    if not devices:
        raise AudioDeviceError(NO_DEVICE_MESSAGE)
    if spec is None or (isinstance(spec, str) and not spec.strip()):
        for device in devices:
            if device.is_default:
                return device
        return devices[0]
    if isinstance(spec, int) or spec.strip().isdigit():
        wanted = int(spec)
        for device in devices:
            if device.index == wanted:
                return device
        raise AudioDeviceError(missing_device_message(spec))
    needle = spec.strip().casefold()
    for device in devices:
        if device.name.casefold() == needle:
            return device
    partial = [d for d in devices if needle in d.name.casefold()]
    if partial:
        return partial[0]
    raise AudioDeviceError(missing_device_message(spec))


def select_input_device(spec: str | int | None, factory: PyAudioFactory | None = None) -> InputDevice:
    """`choose_device` over the devices PortAudio reports now (settings: `ktcs_input_device`)."""
    return choose_device(list_input_devices(factory), spec)


def negotiate_format(pa: Any, device: InputDevice, target_rate: int = 16000) -> StreamFormat:
    """16 kHz mono if the device takes it, else its native rate and/or 2 channels."""
    rates = [target_rate, int(device.default_rate), 48000, 44100]
    channel_options = [1, 2] if device.channels >= 2 else [1]
    for rate in dict.fromkeys(rates):  # ordered, unique
        for channels in channel_options:
            try:
                if pa.is_format_supported(
                    rate, input_device=device.index, input_channels=channels, input_format=PA_INT16
                ):
                    return StreamFormat(rate=rate, channels=channels)
            except ValueError:  # PyAudio's way to say "not supported"
                continue
            except Exception as exc:  # the device vanished between listing and opening
                raise AudioDeviceError(DISCONNECTED_MESSAGE, detail=repr(exc)) from exc
    # Nothing confirmed: try the device's own defaults and let `open` report a real failure.
    return StreamFormat(rate=int(device.default_rate), channels=min(device.channels, 2))
