"""Voice-activity segmentation of 16 kHz mono int16 audio into utterances.

Two parts:
- `FrameSegmenter` assembles utterances from per-frame speech decisions (shared by every
  detector): a run of `start_frames` speech frames opens an utterance, a hangover of silence
  closes it so short pauses do not cut a sentence. Utterances are 1–15 s: longer ones are
  force-cut at the quietest frame of their last second, shorter ones (0.3–1 s) wait longer for
  a following utterance to merge with, blips under 0.3 s of voiced audio are dropped. Each
  segment starts with ~0.2 s of pre-roll and ends with ~0.2 s of tail so word edges survive;
  `flush()` emits the trailing partial utterance.
- the detector deciding each frame: `EnergyVad` here (pure numpy, 30 ms frames, a speech
  threshold a fixed margin above an adaptive `NoiseFloor`: minimum statistics — the quietest
  frame of the last few seconds, followed quickly downwards and at a limited rate upwards), or
  `SileroVad` (`vad_silero.py`: the Silero network, gated by the same noise floor).

Not thread-safe: one VAD per speaker, fed from one thread.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count

import numpy as np

from ktcs_desktop.core.speech.capture import SAMPLE_WIDTH, TARGET_RATE


@dataclass(frozen=True)
class Segment:
    """One utterance of one speaker: 16 kHz mono int16 PCM plus its place in the call."""

    seq: int
    speaker: str
    start_s: float
    end_s: float
    pcm: bytes = field(repr=False)
    forced_cut: bool = False  # cut at the length limit, the sentence continues in seq+1

    @property
    def duration_s(self) -> float:
        return len(self.pcm) / SAMPLE_WIDTH / TARGET_RATE


@dataclass(frozen=True)
class VadConfig:
    frame_ms: int = 30
    threshold_db: float = 10.0  # speech = this far above the noise floor …
    min_speech_dbfs: float = -50.0  # … and at least this loud
    initial_floor_dbfs: float = -60.0
    floor_min_dbfs: float = -90.0
    floor_window_s: float = 3.0  # the floor is the quietest frame of this window …
    floor_rise_per_s: float = 6.0  # … followed upwards at most this fast between utterances
    floor_rise_in_utterance_per_s: float = 1.0  # … and this fast inside one (steady noise only)
    calibration_s: float = 0.3  # the first frames set the floor directly (noisy room at start)
    start_frames: int = 2  # consecutive speech frames to open an utterance
    hangover_s: float = 0.5  # silence that ends an utterance of >= min_utterance_s
    merge_gap_s: float = 1.2  # silence that ends a short utterance (else it merges with the next)
    min_speech_s: float = 0.3  # less voiced audio than this = blip, dropped
    min_utterance_s: float = 1.0
    max_utterance_s: float = 15.0
    pre_roll_s: float = 0.2
    tail_s: float = 0.2
    cut_search_s: float = 1.0  # force-cut at the quietest frame within this window


class NoiseFloor:
    """Minimum-statistics noise floor (dBFS) over `config.floor_window_s`, one value per frame."""

    def __init__(self, config: VadConfig, frame_s: float) -> None:
        self.config = config
        self.frame_s = frame_s
        self.db = config.initial_floor_dbfs
        self._recent: deque[float] = deque(maxlen=max(1, round(config.floor_window_s / frame_s)))
        self._seen = 0
        self._calibration = max(1, round(config.calibration_s / frame_s))

    def update(self, db: float, *, in_utterance: bool) -> float:
        cfg = self.config
        self._recent.append(db)
        self._seen += 1
        candidate = max(cfg.floor_min_dbfs, min(self._recent))
        if self._seen <= self._calibration or candidate < self.db:
            self.db = candidate
        else:
            rise = cfg.floor_rise_in_utterance_per_s if in_utterance else cfg.floor_rise_per_s
            self.db = min(candidate, self.db + rise * self.frame_s)
        return self.db


def frame_dbfs(frames: np.ndarray) -> np.ndarray:
    """Mean power of each row of int16 samples, in dBFS."""
    power = np.mean(np.square(frames, dtype=np.float64), axis=1)
    return 10.0 * np.log10(np.maximum(power, 1e-12) / (32768.0**2))


class FrameSegmenter:
    """Feed PCM, get `Segment`s. `flush()` at the end emits the trailing partial utterance.

    Subclasses implement `_decide(frame, db)`: is this frame (int16 samples, its dBFS) speech?
    It is called once per frame, in order, before the frame joins the utterance state.
    """

    name = "frames"

    def __init__(
        self,
        speaker: str,
        config: VadConfig,
        *,
        frame_len: int,
        next_seq: Callable[[], int] | None = None,
        sample_rate: int = TARGET_RATE,
    ) -> None:
        self.speaker = str(speaker)
        self.config = cfg = config
        self.rate = sample_rate
        counter = count(1)
        self._next_seq = next_seq or (lambda: next(counter))
        self._frame_len = frame_len
        self._frame_s = frame_len / sample_rate
        self._pending = np.zeros(0, dtype=np.int16)  # less than one frame
        self._pos = 0  # samples consumed into frames so far
        pre_frames = max(1, round(cfg.pre_roll_s / self._frame_s))
        self._pre: deque[np.ndarray] = deque(maxlen=pre_frames)  # frames before an utterance
        self._active = False
        self._run = 0  # consecutive speech frames while idle
        self._frames: list[np.ndarray] = []  # utterance audio, frame by frame
        self._energies: list[float] = []
        self._speech: list[bool] = []
        self._start = 0  # sample index of the utterance's first frame
        self._last_speech = -1  # index into _frames of the last speech frame
        self._voiced = 0  # speech frames in the utterance

    # -- public ---------------------------------------------------------------------------------
    def feed(self, pcm: bytes) -> list[Segment]:
        samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % SAMPLE_WIDTH], dtype="<i2")
        if self._pending.size:
            samples = np.concatenate([self._pending, samples])
        n_frames = samples.size // self._frame_len
        usable = n_frames * self._frame_len
        self._pending = samples[usable:].copy()
        if n_frames == 0:
            return []
        frames = samples[:usable].reshape(n_frames, self._frame_len)
        energies = frame_dbfs(frames)
        out: list[Segment] = []
        for frame, db in zip(frames, energies, strict=True):
            segment = self._step(frame, float(db), self._decide(frame, float(db)))
            if segment is not None:
                out.append(segment)
        return out

    def flush(self) -> list[Segment]:
        """End of input: emit the open utterance (with the sub-frame remainder) if it has speech."""
        out: list[Segment] = []
        if self._active:
            if self._pending.size:
                self._frames.append(self._pending)
                self._energies.append(-math.inf)
                self._speech.append(False)
            segment = self._finish(len(self._frames))
            if segment is not None:
                out.append(segment)
        self._pos += self._pending.size
        self._pending = np.zeros(0, dtype=np.int16)
        self._reset_idle()
        return out

    @property
    def in_utterance(self) -> bool:
        return self._active

    # -- the detector ---------------------------------------------------------------------------
    def _decide(self, frame: np.ndarray, db: float) -> bool:
        raise NotImplementedError

    # -- utterance assembly ---------------------------------------------------------------------
    def _step(self, frame: np.ndarray, db: float, speech: bool) -> Segment | None:
        cfg = self.config
        frame_start = self._pos
        self._pos += frame.size

        if not self._active:
            self._run = self._run + 1 if speech else 0
            if self._run < cfg.start_frames:
                self._pre.append(frame)
                return None
            # Open an utterance: pre-roll frames + the run that triggered it (already in _pre).
            self._pre.append(frame)
            run_frames = list(self._pre)
            run = min(self._run, len(run_frames))
            self._active = True
            self._frames = run_frames
            self._energies = [-math.inf] * (len(run_frames) - run) + [db] * run
            self._speech = [False] * (len(run_frames) - run) + [True] * run
            self._start = frame_start + frame.size - len(run_frames) * self._frame_len
            self._voiced = run
            self._last_speech = len(self._frames) - 1
            self._pre.clear()
            self._run = 0
            return None

        self._frames.append(frame)
        self._energies.append(db)
        self._speech.append(speech)
        if speech:
            self._voiced += 1
            self._last_speech = len(self._frames) - 1

        silence_s = (len(self._frames) - 1 - self._last_speech) * self._frame_s
        voiced_s = self._voiced * self._frame_s
        gap_limit = cfg.hangover_s if voiced_s >= cfg.min_utterance_s else cfg.merge_gap_s
        if silence_s >= gap_limit - 1e-9:
            tail_frames = round(cfg.tail_s / self._frame_s)
            end = min(len(self._frames), self._last_speech + 1 + tail_frames)
            leftover = self._frames[end:]
            segment = self._finish(end)
            self._reset_idle()
            for f in leftover[-self._pre.maxlen :] if self._pre.maxlen else []:
                self._pre.append(f)
            return segment

        if len(self._frames) * self._frame_s >= cfg.max_utterance_s - 1e-9:
            return self._force_cut()
        return None

    def _force_cut(self) -> Segment | None:
        cfg = self.config
        n = len(self._frames)
        window = max(1, round(cfg.cut_search_s / self._frame_s))
        lo = max(1, n - window)
        energies = np.asarray(self._energies[lo:n])
        cut = lo + int(np.argmin(energies)) + 1  # cut after the quietest frame
        overlap = max(0, round(cfg.pre_roll_s / self._frame_s))
        keep_from = max(0, cut - overlap)
        rest_frames = self._frames[keep_from:]
        rest_energies = self._energies[keep_from:]
        rest_speech = self._speech[keep_from:]
        rest_start = self._start + keep_from * self._frame_len
        segment = self._finish(cut, forced=True)
        # The sentence continues: stay in the utterance with the overlap + what followed the cut.
        self._active = True
        self._frames, self._energies, self._speech = rest_frames, rest_energies, rest_speech
        self._start = rest_start
        self._voiced = sum(rest_speech)
        speech_idx = [i for i, s in enumerate(rest_speech) if s]
        self._last_speech = speech_idx[-1] if speech_idx else 0
        return segment

    def _finish(self, end: int, *, forced: bool = False) -> Segment | None:
        cfg = self.config
        voiced_s = sum(self._speech[:end]) * self._frame_s
        if voiced_s < cfg.min_speech_s or end <= 0:
            return None
        pcm = np.concatenate(self._frames[:end]).astype("<i2").tobytes()
        start_s = self._start / self.rate
        end_s = start_s + len(pcm) / SAMPLE_WIDTH / self.rate
        return Segment(
            seq=self._next_seq(),
            speaker=self.speaker,
            start_s=round(start_s, 3),
            end_s=round(end_s, 3),
            pcm=pcm,
            forced_cut=forced,
        )

    def _reset_idle(self) -> None:
        self._active = False
        self._frames, self._energies, self._speech = [], [], []
        self._voiced = 0
        self._last_speech = -1
        self._run = 0


class EnergyVad(FrameSegmenter):
    """Speech = a frame `threshold_db` above the adaptive noise floor and above `min_speech_dbfs`."""

    name = "energy"

    def __init__(
        self,
        speaker: str = "agent",
        config: VadConfig | None = None,
        *,
        next_seq: Callable[[], int] | None = None,
        sample_rate: int = TARGET_RATE,
    ) -> None:
        cfg = config or VadConfig()
        super().__init__(speaker, cfg, frame_len=sample_rate * cfg.frame_ms // 1000, next_seq=next_seq,
                         sample_rate=sample_rate)
        self._floor = NoiseFloor(cfg, self._frame_s)

    @property
    def noise_floor_db(self) -> float:
        return self._floor.db

    def _decide(self, frame: np.ndarray, db: float) -> bool:
        cfg = self.config
        floor = self._floor.update(db, in_utterance=self._active)
        return db > max(floor + cfg.threshold_db, cfg.min_speech_dbfs)
