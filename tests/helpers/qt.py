"""Qt test helpers."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer


class StallMeter:
    """The longest gap between ticks of a 10 ms timer = the longest event-loop stall.

        with StallMeter() as stall:
            ...drive the window...
        assert stall.longest < 0.5
    """

    def __init__(self, interval_ms: int = 10) -> None:
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.last = time.monotonic()
        self.longest = 0.0
        self.ticks = 0

    def _tick(self) -> None:
        now = time.monotonic()
        self.longest = max(self.longest, now - self.last)
        self.last = now
        self.ticks += 1

    def start(self) -> StallMeter:
        self.last = time.monotonic()
        self.timer.start()
        return self

    def stop(self) -> None:
        self.timer.stop()

    def __enter__(self) -> StallMeter:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
