"""The knowledge worker: assistant, retrieval and index builds in a long-lived child process, so
the GUI process never runs GIL-heavy model code (Qt-free).

    client = KnowledgeWorkerClient(settings, on_status=...)  # same calls as AssistantService
"""

from __future__ import annotations

import os

from ktcs_desktop.core.worker.client import (
    STATE_TEXT,
    WARMING_NOTICE,
    KnowledgeWorkerClient,
    WorkerState,
)
from ktcs_desktop.core.worker.errors import KnowledgeWorkerError, KnowledgeWorkerRestarting


def worker_process_enabled() -> bool:
    """False with KTCS_KNOWLEDGE_WORKER=0: the knowledge stack runs in the app's own process (a
    machine where a child process cannot start)."""
    return os.environ.get("KTCS_KNOWLEDGE_WORKER", "1") != "0"


__all__ = ["STATE_TEXT", "WARMING_NOTICE", "KnowledgeWorkerClient", "KnowledgeWorkerError",
           "KnowledgeWorkerRestarting", "WorkerState", "worker_process_enabled"]
