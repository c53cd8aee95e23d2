"""App start-to-window time: a fresh Python process until the main window has been shown.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_startup.py [--runs 5]

The child builds the QApplication, services and MainWindow exactly as `ktcs-desktop` does and
prints a line once the first show() has been processed; the parent times that wall-clock span.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

CHILD = r"""
import sys
from ktcs_desktop.core.config import load_settings
from ktcs_desktop.core.services.container import create_services
from ktcs_desktop.ui.app import create_application
from ktcs_desktop.ui.main_window import MainWindow
app = create_application()
services = create_services(load_settings())
window = MainWindow(services)
window.show()
app.processEvents()
print("shown", flush=True)
window.tasks.shutdown()
services.close()
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
           "KTCS_HOME": tempfile.mkdtemp()}
    timings = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                text=True, env=env)
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("shown"):
                timings.append(time.perf_counter() - t0)
                break
        proc.wait(timeout=60)
    print(f"start-to-window s: median {statistics.median(timings):.2f}  min {min(timings):.2f}  "
          f"max {max(timings):.2f}  (runs {len(timings)}, first run includes DB creation)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
