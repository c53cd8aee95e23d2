"""Device listing and selection: Korean errors, never a crash, even with no devices at all."""

from __future__ import annotations

import pytest

from ktcs_desktop.core.errors import CapabilityUnavailableError
from ktcs_desktop.core.speech.devices import (
    AUDIO_SYSTEM_MESSAGE,
    NO_DEVICE_MESSAGE,
    AudioDeviceError,
    StreamFormat,
    choose_device,
    list_input_devices,
    negotiate_format,
    select_input_device,
)
from tests.helpers.fake_pyaudio import FakeDevice, FakePyAudio, FakePyAudioFactory


def _factory() -> FakePyAudioFactory:
    return FakePyAudioFactory(
        [
            FakeDevice("스피커 (Realtek)", output_only=True),
            FakeDevice("마이크 배열 (Realtek)", rate=48000, channels=2),
            FakeDevice("USB 헤드셋 마이크", rate=16000, channels=1),
        ],
        default_index=1,
    )


def test_lists_only_input_devices_and_flags_the_default() -> None:
    factory = _factory()
    devices = list_input_devices(factory)
    assert [(d.index, d.name, d.channels, d.default_rate, d.is_default) for d in devices] == [
        (1, "마이크 배열 (Realtek)", 2, 48000.0, True),
        (2, "USB 헤드셋 마이크", 1, 16000.0, False),
    ]
    assert factory.instances[-1].terminated


def test_no_devices_is_an_empty_list_and_a_korean_error_on_select() -> None:
    factory = FakePyAudioFactory([], default_index=None)
    assert list_input_devices(factory) == []
    with pytest.raises(AudioDeviceError) as info:
        select_input_device(None, factory)
    assert info.value.user_message == NO_DEVICE_MESSAGE
    assert info.value.user_message.startswith("마이크를 찾을 수 없습니다")
    assert isinstance(info.value, CapabilityUnavailableError)
    assert all(pa.terminated for pa in factory.instances)


def test_only_output_devices_counts_as_no_microphone() -> None:
    factory = FakePyAudioFactory([FakeDevice("스피커", output_only=True)], default_index=None)
    with pytest.raises(AudioDeviceError, match="마이크를 찾을 수 없습니다"):
        select_input_device(None, factory)


def test_portaudio_init_failure_is_a_korean_error() -> None:
    def broken() -> FakePyAudio:
        raise OSError("PortAudio not initialized")

    with pytest.raises(AudioDeviceError) as info:
        list_input_devices(broken)
    assert info.value.user_message == AUDIO_SYSTEM_MESSAGE


@pytest.mark.parametrize(
    ("spec", "expected_index"),
    [
        (None, 1),
        ("", 1),
        (2, 2),
        ("2", 2),
        ("USB 헤드셋 마이크", 2),
        ("usb 헤드셋", 2),  # case-insensitive substring
        ("마이크 배열", 1),
    ],
)
def test_select_by_index_name_or_default(spec: str | int | None, expected_index: int) -> None:
    assert select_input_device(spec, _factory()).index == expected_index


@pytest.mark.parametrize("spec", ["블루투스 헤드셋", "7", 0])  # 0 is an output device
def test_missing_configured_device_names_it_in_korean(spec: str | int) -> None:
    with pytest.raises(AudioDeviceError) as info:
        select_input_device(spec, _factory())
    assert f"'{spec}'" in info.value.user_message
    assert "찾을 수 없습니다" in info.value.user_message


def test_first_device_when_there_is_no_system_default() -> None:
    devices = list_input_devices(FakePyAudioFactory([FakeDevice("A"), FakeDevice("B")], default_index=None))
    assert choose_device(devices, None).name == "A"


@pytest.mark.parametrize(
    ("device", "expected"),
    [
        (FakeDevice("16k", rate=16000, supported_rates=(16000, 48000)), StreamFormat(16000, 1)),
        (FakeDevice("48k", rate=48000, channels=2), StreamFormat(48000, 1)),
        (FakeDevice("stereo only", rate=44100, channels=2, supported_channels=(2,)), StreamFormat(44100, 2)),
    ],
)
def test_negotiate_prefers_16k_mono_then_native(device: FakeDevice, expected: StreamFormat) -> None:
    pa = FakePyAudio([device])
    (info,) = list_input_devices(lambda: pa)
    assert negotiate_format(pa, info) == expected
