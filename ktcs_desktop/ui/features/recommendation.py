"""Main-window integration of the recommendation feature (not installed yet)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ktcs_desktop.ui.main_window import MainWindow


def install(window: MainWindow) -> None:
    """Nothing to install yet."""
