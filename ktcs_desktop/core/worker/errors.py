"""Errors of the knowledge worker (Qt-free, picklable)."""

from __future__ import annotations

from ktcs_desktop.core.errors import KtcsError


class KnowledgeWorkerError(KtcsError):
    """The knowledge worker failed a request or is not running."""

    user_message = "지식 엔진 요청을 처리하지 못했습니다. 잠시 후 다시 시도해 주세요."


class KnowledgeWorkerRestarting(KnowledgeWorkerError):
    """The worker process died while the request was running; it is being restarted."""

    user_message = "지식 엔진이 중단되어 다시 시작하고 있습니다. 잠시 후 다시 시도해 주세요."
