"""Feature modules plug into the main window here.

Each module has `install(window: MainWindow) -> None`, called once after the window is built.
A feature adds its menu actions (window.tools_menu …), connects to the window's signals
(caller_loaded, consultation_started, transcript_line_added, consultation_closed) and fills
its pane or the window's `assist_area`. Keep the GUI thread free: use `window.tasks.run(...)`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ktcs_desktop.ui.main_window import MainWindow

FEATURE_MODULES = (
    "ktcs_desktop.ui.features.knowledge",
    "ktcs_desktop.ui.features.recommendation",
    "ktcs_desktop.ui.features.assistant",
    "ktcs_desktop.ui.features.speech",
)


def install_all(window: MainWindow) -> None:
    for name in FEATURE_MODULES:
        importlib.import_module(name).install(window)
