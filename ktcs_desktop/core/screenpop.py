"""Screen pop: the phone system hands the running window an incoming caller's number.

The contract a softphone / CTI integration uses (see README "Screen pop"):

    ktcs-desktop --call 01012345678     (starts the app if none runs on this profile)
    ktcs call 010-1234-5678             (the same from the CLI)

One window runs per profile (an OS file lock on the data dir, held while it runs). The window
listens on a local socket (QLocalServer: a Unix socket on Linux/macOS, a named pipe on Windows)
whose address derives from the data dir; a message is one JSON line `{"call": "<digits>"}`,
answered by one JSON line `{"ok": true}` once the window has taken the call.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sys
import tempfile
from pathlib import Path

import filelock

INSTANCE_LOCK_NAME = "instance.lock"


def instance_address(data_dir: Path) -> str:
    """The local-socket address of the window that runs on this profile."""
    digest = hashlib.sha1(str(Path(data_dir).resolve()).encode("utf-8")).hexdigest()[:12]
    name = f"ktcs-desktop-{digest}"
    if sys.platform == "win32":
        return name  # a named pipe: \\.\pipe\<name>
    return str(Path(tempfile.gettempdir()) / f"{name}-{os.getuid()}.sock")


class ProfileLock:
    """Held by the one window running on a profile; a second start hands over and exits."""

    def __init__(self, data_dir: Path) -> None:
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        self._lock = filelock.FileLock(str(Path(data_dir) / INSTANCE_LOCK_NAME))

    def acquire(self) -> bool:
        try:
            self._lock.acquire(timeout=0)
        except filelock.Timeout:
            return False
        return True

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release()


def encode_call(phone_digits: str) -> bytes:
    return (json.dumps({"call": phone_digits}) + "\n").encode("utf-8")


def decode_message(raw: bytes) -> str | None:
    """The phone number in a screen-pop message, or None for anything else."""
    try:
        message = json.loads(raw.decode("utf-8").strip() or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    phone = message.get("call") if isinstance(message, dict) else None
    return phone if isinstance(phone, str) and phone else None


def send_call(address: str, phone_digits: str, *, timeout_s: float = 3.0) -> bool:
    """Hand the number to the running window; False when no window listens."""
    payload = encode_call(phone_digits)
    if sys.platform == "win32":
        try:
            with open(rf"\\.\pipe\{address}", "r+b", buffering=0) as pipe:
                pipe.write(payload)
                return b'"ok": true' in pipe.readline()
        except OSError:
            return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout_s)
            sock.connect(address)
            sock.sendall(payload)
            reply = b""
            while not reply.endswith(b"\n"):
                chunk = sock.recv(256)
                if not chunk:
                    break
                reply += chunk
            return b'"ok": true' in reply
    except OSError:
        return False
