"""Files at rest are the agent's alone: 0700 directories and 0600 files on POSIX.

`apply_private_umask()` (called once at start by the app and the CLI) makes everything the
process creates private — SQLite, Chroma, logs, journals, WAVs, drafts. `ensure_private_dir()`
and `open_private()` / `write_private_bytes()` also set the mode explicitly where call records
are written, and `tighten_tree()` fixes files left by older versions. On Windows the data lives
under %LOCALAPPDATA%, whose ACL already grants only the user (and SYSTEM/administrators); POSIX
modes mean little there, so these calls only create the folders.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import IO, Any

PRIVATE_UMASK = 0o077
DIR_MODE = 0o700
FILE_MODE = 0o600
POSIX = os.name == "posix"


def apply_private_umask() -> int:
    """Set the process umask to 077 (POSIX); returns the previous one."""
    if not POSIX:
        return 0
    return os.umask(PRIVATE_UMASK)


def _chmod(path: Path, mode: int) -> None:
    if POSIX:
        try:
            os.chmod(path, mode)
        except OSError:
            pass  # not ours (a shared mount): nothing more we can do here


def ensure_private_dir(path: Path | str) -> Path:
    """mkdir -p with 0700 on the directory itself (parents as the umask leaves them)."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    _chmod(path, DIR_MODE)
    return path


def make_private(path: Path | str) -> Path:
    path = Path(path)
    _chmod(path, DIR_MODE if path.is_dir() else FILE_MODE)
    return path


def open_private(path: Path | str, mode: str = "a", **kwargs: Any) -> IO[Any]:
    """`open()` that creates the file 0600 (and leaves an existing one 0600)."""
    path = Path(path)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    fd = os.open(path, flags | getattr(os, "O_BINARY", 0), FILE_MODE)
    _chmod(path, FILE_MODE)
    if "b" not in mode:
        kwargs.setdefault("encoding", "utf-8")
    return os.fdopen(fd, mode, **kwargs)


def write_private_bytes(path: Path | str, data: bytes) -> None:
    with open_private(path, "wb") as fh:
        fh.write(data)


def write_private_text(path: Path | str, text: str) -> None:
    with open_private(path, "w") as fh:
        fh.write(text)


def tighten_tree(root: Path | str) -> int:
    """Make every directory under `root` 0700 and every file 0600; returns how many changed."""
    root = Path(root)
    if not POSIX or not root.exists():
        return 0
    changed = 0
    for dirpath, dirnames, filenames in os.walk(root):
        for name in (dirpath, *(os.path.join(dirpath, f) for f in filenames)):
            try:
                st = os.lstat(name)
            except OSError:
                continue
            if stat.S_ISLNK(st.st_mode):
                continue
            mode = stat.S_IMODE(st.st_mode)
            if mode & 0o077:  # group/other bits go; the owner's stay (0700 dirs, 0600 files)
                _chmod(Path(name), DIR_MODE if stat.S_ISDIR(st.st_mode) else mode & 0o700)
                changed += 1
        del dirnames
    return changed
