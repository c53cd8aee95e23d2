"""Energy VAD: utterance boundaries, blips, merging, the 15 s force-cut, flush, noise floor."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ktcs_desktop.core.speech.vad import EnergyVad, Segment, VadConfig
from tests.helpers.fake_pyaudio import read_wav, speech_like, to_device_format


def _run(signal: np.ndarray, vad: EnergyVad | None = None, block: int = 320) -> list[Segment]:
    vad = vad or EnergyVad("caller")
    out: list[Segment] = []
    for i in range(0, signal.size, block):
        out.extend(vad.feed(signal[i : i + block].tobytes()))
    out.extend(vad.flush())
    return out


def test_two_utterances_with_pre_roll_and_tail() -> None:
    segments = _run(speech_like([("silence", 0.5), ("speech", 2.0), ("silence", 1.0), ("speech", 1.5),
                                 ("silence", 1.0)]))
    assert [s.seq for s in segments] == [1, 2]
    first, second = segments
    assert first.speaker == "caller"
    assert 0.25 <= first.start_s <= 0.5  # ~0.2 s pre-roll before the onset at 0.5 s
    assert 2.5 <= first.end_s <= 2.8  # ~0.2 s tail after the end at 2.5 s
    assert 3.25 <= second.start_s <= 3.5 and 5.0 <= second.end_s <= 5.3
    assert first.duration_s == pytest.approx(first.end_s - first.start_s, abs=0.002)
    assert not first.forced_cut


def test_pcm_matches_the_input_timeline() -> None:
    signal = speech_like([("silence", 0.5), ("speech", 1.5), ("silence", 1.0)])
    (segment,) = _run(signal)
    start = round(segment.start_s * 16000)
    np.testing.assert_array_equal(np.frombuffer(segment.pcm, dtype="<i2"),
                                  signal[start : start + len(segment.pcm) // 2])


def test_blips_are_dropped() -> None:
    assert _run(speech_like([("silence", 0.5), ("speech", 0.12), ("silence", 2.0)])) == []


def test_short_utterance_merges_with_the_next_one() -> None:
    segments = _run(speech_like([("silence", 0.5), ("speech", 0.5), ("silence", 0.7), ("speech", 1.5),
                                 ("silence", 1.0)]))
    assert len(segments) == 1
    assert segments[0].start_s < 0.5 and segments[0].end_s > 3.2


def test_short_utterance_alone_is_kept() -> None:
    """A lone "네" (0.5 s) is still an answer: kept once no follow-up arrives."""
    (segment,) = _run(speech_like([("silence", 0.5), ("speech", 0.5), ("silence", 2.0)]))
    assert 0.5 <= segment.duration_s <= 1.2


def test_long_speech_is_force_cut_at_15_s_with_overlap() -> None:
    signal = speech_like([("silence", 0.5), ("speech", 40.0), ("silence", 1.0)])
    segments = _run(signal)
    assert len(segments) == 3
    assert all(s.duration_s <= 15.0 + 1e-6 for s in segments)
    assert [s.forced_cut for s in segments] == [True, True, False]
    for a, b in zip(segments, segments[1:], strict=False):
        overlap = a.end_s - b.start_s
        assert 0.15 <= overlap <= 0.25  # ~0.2 s shared so no word is cut in half
    assert segments[0].start_s < 0.5 and segments[-1].end_s > 40.5


def test_flush_emits_the_trailing_partial_utterance() -> None:
    vad = EnergyVad("agent")
    signal = speech_like([("silence", 0.5), ("speech", 2.0)])
    emitted = []
    for i in range(0, signal.size, 500):  # not a multiple of the 480-sample frame
        emitted.extend(vad.feed(signal[i : i + 500].tobytes()))
    assert emitted == [] and vad.in_utterance
    (segment,) = vad.flush()
    assert segment.end_s == pytest.approx(2.5, abs=0.001)  # includes the sub-frame remainder
    assert not vad.in_utterance and vad.flush() == []


def test_noise_floor_adapts_to_a_noisy_room() -> None:
    """Steady noise at -40 dBFS (above the absolute -50 dBFS gate) is not speech for long."""
    noisy = speech_like([("silence", 4.0), ("speech", 2.0), ("silence", 1.5)], noise_dbfs=-40.0, amplitude=0.5)
    segments = _run(noisy)
    assert len(segments) == 1
    assert 3.5 <= segments[0].start_s <= 4.0 and 5.9 <= segments[0].end_s <= 6.6


def test_quiet_speaker_in_quiet_room_is_detected() -> None:
    (segment,) = _run(speech_like([("silence", 1.0), ("speech", 1.5), ("silence", 1.0)], amplitude=0.02))
    assert segment.duration_s > 1.2


def test_shared_seq_source_across_speakers() -> None:
    counter = iter(range(100, 200))
    agent = EnergyVad("agent", next_seq=lambda: next(counter))
    caller = EnergyVad("caller", next_seq=lambda: next(counter))
    talk = speech_like([("silence", 0.5), ("speech", 1.2), ("silence", 1.0)])
    assert [s.seq for s in _run(talk, agent) + _run(talk, caller)] == [100, 101]


def test_custom_limits() -> None:
    cfg = VadConfig(max_utterance_s=5.0, hangover_s=0.3)
    segments = _run(speech_like([("silence", 0.5), ("speech", 12.0), ("silence", 1.0)]), EnergyVad("a", cfg))
    assert len(segments) == 3 and all(s.duration_s <= 5.0 for s in segments)


def test_espeak_korean_sentence_is_one_utterance(korean_wav: Path) -> None:
    data, rate, _channels = read_wav(korean_wav)
    mono16k = to_device_format(data, 16000, 1) if rate == 16000 else np.interp(
        np.linspace(0, data.size - 1, int(data.size * 16000 / rate)), np.arange(data.size), data
    ).astype(np.int16)
    padded = np.concatenate([np.zeros(8000, np.int16), mono16k, np.zeros(16000, np.int16)])
    segments = _run(padded)
    assert len(segments) == 1
    assert segments[0].duration_s == pytest.approx(data.size / rate, abs=0.6)
