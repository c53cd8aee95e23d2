"""Per-user UI settings (window geometry, splitter sizes, chosen audio devices) in an INI file in
the app's data dir: survives restarts, never needs .env edits, one file per user profile."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

FILE_NAME = "ui-settings.ini"


def user_settings(data_dir: Path) -> QSettings:
    """The user's UI settings file (created on first write)."""
    return QSettings(str(Path(data_dir) / FILE_NAME), QSettings.Format.IniFormat)
