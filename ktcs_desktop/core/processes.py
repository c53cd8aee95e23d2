"""Child processes of the app (the knowledge worker, local Whisper): how they are spawned and ended.

Both are `multiprocessing` spawn children; neither needs the parent's `__main__`, and both are
ended the same way: asked to stop, then terminated, then killed.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator
from typing import Any

_MAIN_LOCK = threading.Lock()


@contextlib.contextmanager
def spawn_without_main() -> Iterator[None]:
    """Spawn without re-running the parent's `__main__` in the child: the child needs none of it,
    and a GUI script, `python -c`/stdin or `-m pytest` main would cost time or fail there."""
    main = sys.modules.get("__main__")
    with _MAIN_LOCK:
        if main is None or getattr(sys, "frozen", False):
            yield
            return
        saved: dict[str, Any] = {name: main.__dict__[name] for name in ("__file__", "__spec__")
                                 if name in main.__dict__}
        main.__dict__.pop("__file__", None)
        main.__spec__ = None
        try:
            yield
        finally:
            main.__dict__.pop("__spec__", None)
            main.__dict__.update(saved)


def end_process(proc: Any, grace_s: float) -> None:
    """Wait up to `grace_s` for `proc` (a multiprocessing process asked to stop) to exit, then
    terminate it, then kill it; each escalation waits up to 2 s more."""
    proc.join(grace_s)
    if proc.is_alive():
        proc.terminate()
        proc.join(2)
    if proc.is_alive():
        proc.kill()
        proc.join(2)
