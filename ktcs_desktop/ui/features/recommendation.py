"""Main-window integration of the recommendation feature: binds the pane to the window's services.

The pane computes through `window.tasks` (I/O pool) on every lookup and filter change, and records
offers the agent makes with `window.record_event("offer", …)`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ktcs_desktop.ui.main_window import MainWindow


def install(window: MainWindow) -> None:
    window.recommendation_pane.bind(window)
