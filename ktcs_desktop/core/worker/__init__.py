"""The knowledge worker: assistant, retrieval and index builds in a long-lived child process, so
the GUI process never runs GIL-heavy model code (Qt-free).

    client = KnowledgeWorkerClient(settings, on_status=...)  # same calls as AssistantService
"""

from __future__ import annotations

from ktcs_desktop.core.worker.client import (
    STATE_TEXT,
    WARMING_NOTICE,
    KnowledgeWorkerClient,
    WorkerState,
)
from ktcs_desktop.core.worker.errors import KnowledgeWorkerError, KnowledgeWorkerRestarting

__all__ = ["STATE_TEXT", "WARMING_NOTICE", "KnowledgeWorkerClient", "KnowledgeWorkerError",
           "KnowledgeWorkerRestarting", "WorkerState"]
