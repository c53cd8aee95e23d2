"""The conversation assistant (Qt-free): offline and OpenAI providers, escalation detection.

    service = AssistantService(settings)
    answer = service.answer("슬림 14기가 얼마예요?", AssistContext(lookup=caller), on_token=print)
"""

from __future__ import annotations

from ktcs_desktop.core.assistant.escalation import Escalation, detect_escalation
from ktcs_desktop.core.assistant.intents import detect_intent
from ktcs_desktop.core.assistant.models import AssistAnswer, AssistContext, Citation, Intent, PlanCard, Usage
from ktcs_desktop.core.assistant.offline import OfflineProvider
from ktcs_desktop.core.assistant.openai_provider import AssistantCancelled, OpenAIProvider
from ktcs_desktop.core.assistant.service import (
    FALLBACK_NOTICE,
    AssistantProvider,
    AssistantService,
    summary_failure_notice,
)

__all__ = [
    "FALLBACK_NOTICE",
    "AssistAnswer",
    "AssistContext",
    "AssistantCancelled",
    "AssistantProvider",
    "AssistantService",
    "Citation",
    "Escalation",
    "Intent",
    "OfflineProvider",
    "OpenAIProvider",
    "PlanCard",
    "Usage",
    "detect_escalation",
    "detect_intent",
    "summary_failure_notice",
]
