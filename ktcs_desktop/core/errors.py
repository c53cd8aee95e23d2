"""Errors that carry a Korean message an agent can act on."""

from __future__ import annotations

from typing import Any


class KtcsError(Exception):
    """Base error: `user_message` is the Korean text shown in the UI and the CLI."""

    user_message: str = "알 수 없는 오류가 발생했습니다."

    def __init__(self, user_message: str | None = None, *, detail: str | None = None) -> None:
        if user_message is not None:
            self.user_message = user_message
        self.detail = detail
        super().__init__(self.user_message if detail is None else f"{self.user_message} ({detail})")

    def __reduce__(self) -> tuple[Any, ...]:
        # Crosses process boundaries (the knowledge worker) with its Korean message and detail intact,
        # whatever a subclass's __init__ takes.
        return _restore_error, (type(self), self.args, self.__dict__)


def _restore_error(cls: type[KtcsError], args: tuple, state: dict) -> KtcsError:
    exc = cls.__new__(cls)
    Exception.__init__(exc, *args)
    exc.__dict__.update(state)
    return exc


class InvalidInputError(KtcsError):
    """The agent typed something we cannot use (phone number, amount, …)."""


class NotFoundError(KtcsError):
    """The thing asked for does not exist."""


class DatabaseUnavailableError(KtcsError):
    """The database cannot be reached; the app keeps running and retries."""

    user_message = "데이터베이스에 연결할 수 없습니다. 네트워크와 DB 서버 상태를 확인해 주세요."


class CapabilityUnavailableError(KtcsError):
    """A feature needs something that is not configured or installed (key, model, device)."""


def user_message(exc: BaseException) -> str:
    """The Korean text shown to agents for any failure: never raw exception text."""
    if isinstance(exc, KtcsError):
        return exc.user_message
    return f"예기치 못한 오류가 발생했습니다. 로그 폴더의 ktcs.log를 확인해 주세요. ({type(exc).__name__})"


class DatabaseConfigError(DatabaseUnavailableError):
    """The server answers but refuses this configuration (unknown database, bad login): retrying
    will not help; KTCS_DATABASE_URL or the server's accounts must change."""

    user_message = "KTCS_DATABASE_URL 설정으로 데이터베이스를 사용할 수 없습니다. 설정을 확인해 주세요."


class SchemaMismatchError(KtcsError):
    """The shared database's schema is not the one this app version expects (behind or ahead).

    The desktop never migrates a shared database: an administrator runs `ktcs db upgrade`."""

    user_message = "데이터베이스 스키마가 이 앱 버전과 맞지 않습니다."


class MigrationLockError(KtcsError):
    """Another `ktcs db upgrade` held the migration lock for too long."""

    user_message = "다른 곳에서 DB 마이그레이션이 진행 중입니다. 잠시 후 `ktcs db upgrade`를 다시 실행해 주세요."
