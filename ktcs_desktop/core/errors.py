"""Errors that carry a Korean message an agent can act on."""

from __future__ import annotations


class KtcsError(Exception):
    """Base error: `user_message` is the Korean text shown in the UI and the CLI."""

    user_message: str = "알 수 없는 오류가 발생했습니다."

    def __init__(self, user_message: str | None = None, *, detail: str | None = None) -> None:
        if user_message is not None:
            self.user_message = user_message
        self.detail = detail
        super().__init__(self.user_message if detail is None else f"{self.user_message} ({detail})")


class InvalidInputError(KtcsError):
    """The agent typed something we cannot use (phone number, amount, …)."""


class NotFoundError(KtcsError):
    """The thing asked for does not exist."""


class DatabaseUnavailableError(KtcsError):
    """The database cannot be reached; the app keeps running and retries."""

    user_message = "데이터베이스에 연결할 수 없습니다. 네트워크와 DB 서버 상태를 확인해 주세요."


class CapabilityUnavailableError(KtcsError):
    """A feature needs something that is not configured or installed (key, model, device)."""
