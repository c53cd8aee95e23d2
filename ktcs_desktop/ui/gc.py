"""Run Python's cyclic garbage collector on the GUI thread only.

Left alone, the collector runs in whichever thread happens to allocate — often a worker doing
database or model work — and may then destroy Qt objects (widgets, timers, signal holders) from
that thread, which crashes Qt. Automatic collection is switched off and the GUI thread collects
on a timer with the same generation thresholds instead (the approach pyqtgraph uses).

With automatic collection off, everything allocated while the app starts (imports, the window's
widgets) piles up in generation 0: the first timed collection scanned all of it (~100 ms right
after the window showed) and the first generation-1 collection ten seconds later scanned it again
(~125 ms, typically on the first caller line). The first check instead freezes those long-lived
start-up objects (`gc.freeze`), so later collections only look at what the app allocated since.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class GuiThreadGarbageCollector(QObject):
    def __init__(self, parent: QObject, interval_ms: int = 1000) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        self.frozen = False
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    def check(self) -> None:
        if not self.frozen:  # the first tick, once the event loop runs: the window is built
            self.frozen = True
            gc.freeze()
            return
        gen0, gen1, gen2 = gc.get_count()
        if gen0 > self.threshold[0]:
            gc.collect(0)
            if gen1 > self.threshold[1]:
                gc.collect(1)
                if gen2 > self.threshold[2]:
                    gc.collect(2)
