"""The spawned worker's entry point, kept apart from `server`.

`multiprocessing` pickles the target by reference, which imports its module in the parent:
pointing at `server.main` imported the whole knowledge stack's front (≈0.1 s of module code) in
the GUI process, on a thread that competed with the event loop for the GIL. This module is tiny;
the child imports `server` itself.
"""

from __future__ import annotations

from typing import Any


def main(*args: Any, **kwargs: Any) -> None:
    from ktcs_desktop.core.worker import server

    server.main(*args, **kwargs)
