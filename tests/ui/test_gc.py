"""The cyclic collector runs on the GUI thread only (never in a worker, where it could delete Qt objects)."""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QObject


def test_collection_happens_on_the_gui_thread(qtbot, app) -> None:
    assert not gc.isenabled()  # the application switched automatic collection off
    collector = app._ktcs_gc
    threads: list[int] = []

    def record(phase: str, info: dict) -> None:
        if phase == "start":
            threads.append(threading.get_ident())

    class Cycle(QObject):
        pass

    gc.callbacks.append(record)
    try:
        for _ in range(gc.get_threshold()[0] + 50):  # garbage cycles holding Qt objects
            a, b = Cycle(), Cycle()
            a.other, b.other = b, a
        worker = threading.Thread(target=lambda: [list(range(100)) for _ in range(20000)])
        worker.start()
        worker.join()
        collector.check()
        qtbot.waitUntil(lambda: bool(threads), timeout=3000)
    finally:
        gc.callbacks.remove(record)
    assert set(threads) == {threading.get_ident()}
