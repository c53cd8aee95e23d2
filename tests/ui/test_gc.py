"""The cyclic collector runs on the GUI thread only (never in a worker, where it could delete Qt objects)."""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QObject


def test_collection_happens_on_the_gui_thread(qtbot, app) -> None:
    assert not gc.isenabled()  # the application switched automatic collection off
    collector = app._ktcs_gc
    if not collector.frozen:
        collector.check()  # the first check only freezes the start-up objects
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


def test_the_first_check_freezes_start_up_objects_and_later_garbage_is_still_collected(app) -> None:
    """Start-up objects are frozen at the first tick, so the next collections don't rescan them
    (they were the 100-125 ms stalls after show and on the first caller line)."""
    from ktcs_desktop.ui.gc import GuiThreadGarbageCollector

    parent = QObject()
    collector = GuiThreadGarbageCollector(parent, interval_ms=3_600_000)
    collector.timer.stop()
    before = gc.get_freeze_count()
    try:
        start_up = [[i] for i in range(5000)]  # long-lived objects made while the app starts
        collector.check()
        assert collector.frozen
        assert gc.get_freeze_count() >= before + len(start_up)

        collected: list[int] = []

        def record(phase: str, info: dict) -> None:
            if phase == "stop":
                collected.append(info["collected"])

        class Cycle:
            pass

        for _ in range(gc.get_threshold()[0] + 50):
            a, b = Cycle(), Cycle()
            a.other, b.other = b, a
        gc.callbacks.append(record)
        try:
            collector.check()
        finally:
            gc.callbacks.remove(record)
        assert collected and sum(collected) >= 2 * gc.get_threshold()[0]
    finally:
        gc.unfreeze()
        collector.timer.stop()
