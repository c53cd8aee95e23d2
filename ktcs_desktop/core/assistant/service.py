"""`AssistantService`: picks the provider from settings and falls back to offline on failure."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from ktcs_desktop.core.assistant.llm_client import SUMMARY_NOTICE, OnlineFailure
from ktcs_desktop.core.assistant.models import AssistAnswer, AssistContext, CancelCheck, TokenCallback, Usage
from ktcs_desktop.core.assistant.offline import OfflineProvider
from ktcs_desktop.core.assistant.openai_provider import AssistantCancelled, OpenAIProvider
from ktcs_desktop.core.catalog import PlanCatalog, given

if TYPE_CHECKING:
    from ktcs_desktop.core.assistant.knowledge import KnowledgeSource
    from ktcs_desktop.core.config import Settings

log = logging.getLogger(__name__)

FALLBACK_NOTICE = "AI 답변을 받지 못해 오프라인 답변을 표시합니다"  # when the cause is unknown
SUGGEST_PROMPT = "고객의 마지막 발화에 상담원이 어떻게 답하면 좋을지, 필요한 요금 정보와 함께 짧게 제안해 주세요."


class AssistantProvider(Protocol):
    name: str

    @property
    def label(self) -> str: ...

    def answer(self, question: str, context: AssistContext | None = None, *, on_token: TokenCallback | None = None,
               cancel: CancelCheck | None = None) -> AssistAnswer: ...


class AssistantService:
    """One entry point for the UI and the CLI. Thread-safe enough to call from worker threads."""

    def __init__(self, settings: Settings | None = None, catalog: PlanCatalog | None = None,
                 *, online: AssistantProvider | None = None, knowledge: KnowledgeSource | None = None) -> None:
        self.settings = settings
        self.catalog = given(catalog, "AssistantService")
        self.offline = OfflineProvider(self.catalog, settings, knowledge=knowledge)
        if online is None and settings is not None and settings.openai_enabled:
            online = OpenAIProvider(settings, self.catalog, knowledge=knowledge)
        self.online = online

    @property
    def label(self) -> str:
        return self.online.label if self.online is not None else self.offline.label

    @property
    def session_usage(self) -> Usage:
        return getattr(self.online, "session_usage", None) or self.offline.session_usage

    def answer(self, question: str, context: AssistContext | None = None, *, on_token: TokenCallback | None = None,
               cancel: CancelCheck | None = None, on_reset: TokenCallback | None = None) -> AssistAnswer:
        """The online answer, or the offline one with `fallback_notice` if the model fails or times out.

        `on_reset` is called (with the notice) before the offline answer streams, so the UI can
        drop tokens the failed model already sent.
        """
        context = context or AssistContext()
        if self.online is None:
            return self.offline.answer(question, context, on_token=on_token, cancel=cancel)
        try:
            return self.online.answer(question, context, on_token=on_token, cancel=cancel)
        except AssistantCancelled:
            raise
        except Exception as exc:  # noqa: BLE001 - timeouts, refusals, 5xx after retries, cut streams
            notice = _notice(exc, "online assistant failed, answering offline")
            return self._offline(question, context, notice, on_token, cancel, on_reset)

    def _offline(self, question: str, context: AssistContext, notice: str, on_token: TokenCallback | None,
                 cancel: CancelCheck | None, on_reset: TokenCallback | None) -> AssistAnswer:
        if on_reset is not None:
            on_reset(notice)
        answer = self.offline.answer(question, context, on_token=on_token, cancel=cancel)
        return AssistAnswer(answer.text, answer.cards, answer.citations, answer.intent, answer.provider,
                            answer.usage, notice)

    def suggest(self, utterance: str, context: AssistContext, *, on_token: TokenCallback | None = None,
                cancel: CancelCheck | None = None, on_reset: TokenCallback | None = None) -> AssistAnswer:
        """A suggestion for the caller's last utterance (already the last caller line of `context`)."""
        if self.online is None:
            return self.offline.answer(utterance, context, on_token=on_token, cancel=cancel)
        try:
            answer = self.online.answer(SUGGEST_PROMPT, context, on_token=on_token, cancel=cancel)
        except AssistantCancelled:
            raise
        except Exception as exc:  # noqa: BLE001
            notice = _notice(exc, "online suggestion failed, answering offline")
            return self._offline(utterance, context, notice, on_token, cancel, on_reset)
        return answer


def summary_failure_notice(exc: BaseException) -> str:
    """The wrap-up's notice for a failed AI summary (the cause, precisely); the server's reason is logged."""
    if isinstance(exc, OnlineFailure):
        log.warning("AI summary failed, showing the extractive one: %s (%s, status %s): %s",
                    exc.kind.value, exc.reason, exc.status, exc.detail)
        return exc.summary_notice
    log.warning("AI summary failed, showing the extractive one: %s: %s", type(exc).__name__, exc)
    return SUMMARY_NOTICE


def _notice(exc: BaseException, what: str) -> str:
    """The agent's notice for a failure; the server's reason (never shown raw) goes to the log."""
    if isinstance(exc, OnlineFailure):
        log.warning("%s: %s (%s, status %s): %s", what, exc.kind.value, exc.reason, exc.status, exc.detail)
        return exc.notice
    log.warning("%s: %s: %s", what, type(exc).__name__, exc)
    return FALLBACK_NOTICE
