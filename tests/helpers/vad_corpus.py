"""A synthetic noisy Korean corpus for VAD tests and `benchmarks/bench_vad.py` (built, never downloaded).

Utterances are espeak-ng Korean sentences in several voice variants, rates and pitches
(`tests.helpers.audio.espeak_korean`), trimmed to their voiced extent so each one's start and end
are known to the sample. A *scene* places them on a timeline with random pauses, normalises the
speech to an active level of -26 dBFS (a telephone headset) and adds noise at a given SNR
(active speech power / noise power):

- pink (1/f) and brown (1/f²) noise — stationary;
- babble: several *other* espeak talkers (different sentences and voices) talking continuously
  at once, summed — non-stationary and speech-like, the hard case;
- `noise_only`: a stretch of the same noise with no target speech, for false segments/minute.

`score()` turns a VAD's `Segment`s into frame F1 (10 ms frames, a ±0.25 s collar around each
reference boundary is not scored: pre-roll, tail and the exact onset are not errors), the
fraction of utterances cut as exactly one segment (one segment overlaps it and that segment
overlaps no other utterance), false segments per minute and end-of-speech latency (the stream
time at which the segment came out of `feed()` minus the utterance's true end).

Everything is deterministic for a given seed; generated espeak audio is cached in a directory.
"""

from __future__ import annotations

import hashlib
import shutil
import wave
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from tests.helpers.audio import espeak_korean

RATE = 16000
SPEECH_DBFS = -26.0  # active speech level of the target talker

SENTENCES = (
    "안녕하세요 요금제 변경하고 싶어요",
    "이번 달 요금이 왜 이렇게 많이 나왔나요",
    "데이터 무제한 요금제로 바꾸고 싶습니다",
    "선택약정 할인은 언제 끝나나요",
    "가족 결합 할인을 받을 수 있을까요",
    "해외 로밍 요금제도 있나요",
    "넷플릭스가 포함된 요금제를 알려주세요",
    "지금 쓰는 요금제가 뭔지 확인해 주세요",
    "위약금이 얼마나 나오는지 궁금해요",
    "번호이동 하면 혜택이 있나요",
    "기기 변경을 하려고 하는데요",
    "데이터가 너무 빨리 소진돼요",
    "부가서비스를 해지하고 싶어요",
    "어머니 명의로 된 휴대폰이에요",
    "다음 달부터 요금을 낮추고 싶어요",
    "상담원 연결 부탁드립니다",
)

# (espeak voice, words per minute, pitch 0-99): male/female variants, slow to fast.
VOICES = (
    ("ko", 150, 45),
    ("ko+f2", 165, 60),
    ("ko+m3", 140, 35),
    ("ko+f4", 175, 70),
    ("ko+m1", 160, 50),
    ("ko+f1", 145, 55),
)


class Vad(Protocol):
    def feed(self, pcm: bytes) -> list: ...
    def flush(self) -> list: ...


@dataclass(frozen=True)
class Utterance:
    start_s: float
    end_s: float


@dataclass
class Scene:
    name: str
    audio: np.ndarray  # int16 mono 16 kHz
    utterances: list[Utterance] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        return self.audio.size / RATE


@dataclass(frozen=True)
class Scores:
    f1: float
    precision: float
    recall: float
    exact_one: float  # fraction of utterances cut as exactly one segment
    false_per_min: float  # segments overlapping no utterance, per minute of audio
    latency_s: float  # median end-of-speech latency over utterances cut as one segment
    latency_max_s: float
    segments: int
    utterances: int


# -- espeak utterances ----------------------------------------------------------------------------
class Voices:
    """espeak-ng Korean utterances at 16 kHz float (full scale 1.0), cached as WAV in `cache_dir`."""

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = Path(cache_dir)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self._memo: dict[tuple[str, int], np.ndarray] = {}

    def get(self, sentence: int, voice: int) -> np.ndarray:
        key = (SENTENCES[sentence % len(SENTENCES)], voice % len(VOICES))
        if key not in self._memo:
            self._memo[key] = self._load(*key)
        return self._memo[key]

    def _load(self, text: str, voice_index: int) -> np.ndarray:
        name, speed, pitch = VOICES[voice_index]
        digest = hashlib.sha1(f"{text}|{name}|{speed}|{pitch}".encode()).hexdigest()[:16]
        path = self.cache_dir / f"{digest}.wav"
        if not path.exists():
            tmp = path.with_suffix(".tmp.wav")
            espeak_korean(text, tmp, voice=name, speed=speed, pitch=pitch)
            shutil.move(tmp, path)
        with wave.open(str(path), "rb") as wav:
            rate = wav.getframerate()
            raw = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float64) / 32768.0
        return _trim(_resample(raw, rate, RATE))


def _resample(x: np.ndarray, src: int, dst: int) -> np.ndarray:
    if src == dst:
        return x
    # Band-limit to 0.45·dst before linear interpolation (a windowed-sinc low-pass, enough here).
    cutoff = 0.45 * dst / src
    taps = np.arange(-64, 65)
    kernel = 2 * cutoff * np.sinc(2 * cutoff * taps) * np.hamming(taps.size)
    filtered = np.convolve(x, kernel / kernel.sum(), mode="same")
    positions = np.arange(int(x.size * dst / src)) * (src / dst)
    return np.interp(positions, np.arange(x.size), filtered)


def _trim(x: np.ndarray, threshold_db: float = -45.0) -> np.ndarray:
    """Cut espeak's leading/trailing silence: the utterance spans its first to last loud 10 ms."""
    frames = x[: x.size - x.size % 160].reshape(-1, 160)
    db = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    loud = np.flatnonzero(db > db.max() + threshold_db)
    return x[loud[0] * 160 : (loud[-1] + 1) * 160]


# -- noise ----------------------------------------------------------------------------------------
def _shaped_noise(n: int, rng: np.random.Generator, exponent: float) -> np.ndarray:
    """Gaussian noise with power spectrum ∝ 1/f^exponent (1 = pink, 2 = brown), above 20 Hz."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1.0 / RATE)
    gain = np.zeros_like(freqs)
    band = freqs >= 20.0
    gain[band] = freqs[band] ** (-exponent / 2.0)
    out = np.fft.irfft(spectrum * gain, n)
    return out / (np.std(out) + 1e-12)


def pink_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    return _shaped_noise(n, rng, 1.0)


def brown_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    return _shaped_noise(n, rng, 2.0)


def babble_noise(n: int, rng: np.random.Generator, voices: Voices, *, talkers: int = 6,
                 exclude_voice: int | None = None) -> np.ndarray:
    """`talkers` other espeak talkers, each speaking sentences back to back with short pauses."""
    total = np.zeros(n)
    voice_pool = [v for v in range(len(VOICES)) if v != exclude_voice] or list(range(len(VOICES)))
    for _ in range(talkers):
        track: list[np.ndarray] = [np.zeros(int(rng.uniform(0, 1.0) * RATE))]
        length = track[0].size
        while length < n:
            utt = voices.get(int(rng.integers(len(SENTENCES))), int(rng.choice(voice_pool)))
            utt = utt / (np.sqrt(np.mean(utt**2)) + 1e-12) * 10 ** (rng.uniform(-4, 4) / 20)
            pause = np.zeros(int(rng.uniform(0.05, 0.4) * RATE))
            track += [utt, pause]
            length += utt.size + pause.size
        total += np.concatenate(track)[:n]
    return total / (np.std(total) + 1e-12)


NoiseMaker = Callable[[int, np.random.Generator], np.ndarray]


def noise_maker(kind: str, voices: Voices, voice: int | None = None) -> NoiseMaker:
    if kind == "pink":
        return pink_noise
    if kind == "brown":
        return brown_noise
    if kind == "babble":
        return lambda n, rng: babble_noise(n, rng, voices, exclude_voice=voice)
    raise ValueError(kind)


# -- scenes ---------------------------------------------------------------------------------------
def _active_power(x: np.ndarray) -> float:
    """Mean power over the 10 ms frames within 35 dB of the loudest (speech, not its pauses)."""
    frames = x[: x.size - x.size % 160].reshape(-1, 160)
    power = np.mean(frames**2, axis=1)
    active = power[power > power.max() * 10 ** (-35 / 10)]
    return float(np.mean(active))


def build_scene(voices: Voices, *, noise: str | None, snr_db: float | None, seed: int, utterances: int = 10,
                voice: int | None = None, gap_s: tuple[float, float] = (0.8, 2.0), lead_s: float = 1.0,
                name: str = "") -> Scene:
    """`utterances` target sentences (one voice, or a random one per utterance) in noise."""
    rng = np.random.default_rng(seed)
    parts: list[np.ndarray] = [np.zeros(int(lead_s * RATE))]
    refs: list[Utterance] = []
    pos = parts[0].size
    order = rng.permutation(len(SENTENCES))
    for i in range(utterances):
        v = voice if voice is not None else int(rng.integers(len(VOICES)))
        utt = voices.get(int(order[i % len(order)]), v)
        utt = utt * 10 ** (rng.uniform(-3, 3) / 20)  # a little loudness variation
        parts.append(utt)
        refs.append(Utterance(pos / RATE, (pos + utt.size) / RATE))
        pos += utt.size
        gap = np.zeros(int(rng.uniform(*gap_s) * RATE))
        parts.append(gap)
        pos += gap.size
    parts.append(np.zeros(int(lead_s * RATE)))
    speech = np.concatenate(parts)
    speech *= 10 ** (SPEECH_DBFS / 20) / np.sqrt(_active_power(speech))
    mix = speech
    if noise is not None and snr_db is not None:
        n = noise_maker(noise, voices, voice)(speech.size, rng)
        n *= np.sqrt(_active_power(speech) / 10 ** (snr_db / 10)) / (np.std(n) + 1e-12)
        mix = speech + n
    else:
        mix = speech + rng.normal(0, 10 ** (-70 / 20), speech.size)  # a quiet room
    return Scene(name or f"{noise or 'clean'} {snr_db if snr_db is not None else ''}".strip(),
                 _to_int16(mix), refs)


def noise_only(voices: Voices, *, noise: str, snr_db: float, seed: int, seconds: float = 60.0) -> Scene:
    """Noise at the level it has in `build_scene(noise, snr_db)`, with nobody speaking."""
    rng = np.random.default_rng(seed)
    n = noise_maker(noise, voices)(int(seconds * RATE), rng)
    level = 10 ** ((SPEECH_DBFS - snr_db) / 20)
    return Scene(f"{noise} only", _to_int16(n / (np.std(n) + 1e-12) * level), [])


def _to_int16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x * 32767.0), -32768, 32767).astype(np.int16)


# -- running and scoring --------------------------------------------------------------------------
@dataclass(frozen=True)
class Emitted:
    start_s: float
    end_s: float
    emitted_at_s: float  # stream time when feed()/flush() returned it


def run_vad(vad: Vad, audio: np.ndarray, *, chunk: int = 320) -> list[Emitted]:
    """Feed `audio` in `chunk`-sample pieces (20 ms, like the capture thread) and then flush."""
    out: list[Emitted] = []
    for i in range(0, audio.size, chunk):
        piece = audio[i : i + chunk]
        now = (i + piece.size) / RATE
        out += [Emitted(s.start_s, s.end_s, now) for s in vad.feed(piece.tobytes())]
    end = audio.size / RATE
    out += [Emitted(s.start_s, s.end_s, end) for s in vad.flush()]
    return out


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def score(emitted: Sequence[Emitted], scene: Scene, *, collar_s: float = 0.25, frame_s: float = 0.01) -> Scores:
    n = int(np.ceil(scene.duration_s / frame_s))
    t = (np.arange(n) + 0.5) * frame_s
    ref = np.zeros(n, bool)
    hyp = np.zeros(n, bool)
    scored = np.ones(n, bool)
    for u in scene.utterances:
        ref |= (t >= u.start_s) & (t < u.end_s)
        for edge in (u.start_s, u.end_s):
            scored &= np.abs(t - edge) > collar_s
    for e in emitted:
        hyp |= (t >= e.start_s) & (t < e.end_s)
    tp = int(np.sum(ref & hyp & scored))
    fp = int(np.sum(~ref & hyp & scored))
    fn = int(np.sum(ref & ~hyp & scored))
    precision = tp / (tp + fp) if tp + fp else (1.0 if not fn else 0.0)
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    def hits(e: Emitted) -> list[int]:
        # an utterance counts as touched when the segment covers > 0.1 s of it (pre-roll overlap of a
        # neighbouring segment is not a merge)
        return [i for i, u in enumerate(scene.utterances) if _overlap(e.start_s, e.end_s, u.start_s, u.end_s) > 0.1]

    seg_hits = [hits(e) for e in emitted]
    exact = 0
    latencies: list[float] = []
    for i, u in enumerate(scene.utterances):
        covering = [j for j, h in enumerate(seg_hits) if i in h]
        if len(covering) == 1 and seg_hits[covering[0]] == [i]:
            exact += 1
            latencies.append(emitted[covering[0]].emitted_at_s - u.end_s)
    false = sum(1 for h in seg_hits if not h)
    minutes = scene.duration_s / 60.0
    return Scores(
        f1=f1, precision=precision, recall=recall,
        exact_one=exact / len(scene.utterances) if scene.utterances else 1.0,
        false_per_min=false / minutes if minutes else 0.0,
        latency_s=float(np.median(latencies)) if latencies else float("nan"),
        latency_max_s=float(np.max(latencies)) if latencies else float("nan"),
        segments=len(emitted), utterances=len(scene.utterances),
    )


def pooled(results: Iterable[tuple[Sequence[Emitted], Scene]]) -> Scores:
    """Scores over several scenes as one: frames and utterances pooled, latency median of all."""
    items = list(results)
    # Shift every scene onto one timeline so pooled frame counts and utterance matching stay exact.
    offset = 0.0
    all_emitted: list[Emitted] = []
    utts: list[Utterance] = []
    audio: list[np.ndarray] = []
    for emitted, scene in items:
        all_emitted += [Emitted(e.start_s + offset, e.end_s + offset, e.emitted_at_s + offset) for e in emitted]
        utts += [Utterance(u.start_s + offset, u.end_s + offset) for u in scene.utterances]
        audio.append(np.zeros(scene.audio.size, np.int16))
        offset += scene.duration_s
    return score(all_emitted, Scene("pooled", np.concatenate(audio) if audio else np.zeros(0, np.int16), utts))


# Conditions of the benchmark: (label, noise kind, SNR dB)
CONDITIONS: tuple[tuple[str, str | None, float | None], ...] = (
    ("clean", None, None),
    ("pink 10 dB", "pink", 10.0),
    ("pink 5 dB", "pink", 5.0),
    ("pink 0 dB", "pink", 0.0),
    ("brown 10 dB", "brown", 10.0),
    ("brown 5 dB", "brown", 5.0),
    ("brown 0 dB", "brown", 0.0),
    ("babble 10 dB", "babble", 10.0),
    ("babble 5 dB", "babble", 5.0),
)
NOISE_ONLY: tuple[tuple[str, str, float], ...] = (
    ("pink only (0 dB level)", "pink", 0.0),
    ("brown only (0 dB level)", "brown", 0.0),
    ("babble only (5 dB level)", "babble", 5.0),
)
