"""Checks that `--self-check` runs besides the database and the window.

Feature modules add a zero-argument callable returning a small JSON-able dict; it raises on failure.
"""

from __future__ import annotations

from collections.abc import Callable

from ktcs_desktop.core.config import resources_dir


def _resources() -> dict:
    root = resources_dir()
    if not root.is_dir():
        raise RuntimeError(f"resources folder missing: {root}")
    return {"path": str(root), "files": sum(1 for p in root.rglob("*") if p.is_file())}


CHECKS: dict[str, Callable[[], dict]] = {"resources": _resources, "knowledge": lambda: __import__("ktcs_desktop.core.retrieval", fromlist=["self_check"]).self_check()}
