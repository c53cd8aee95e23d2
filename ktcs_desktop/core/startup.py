"""Start-up problems an agent or an administrator can fix, as one Korean message.

`startup_error_message(exc)` turns what goes wrong before the app can work — a malformed `.env`
value, a `.env` saved in CP949, a damaged plan catalog, a database URL the server refuses, a
shared schema that is behind or ahead — into text that names the setting or file and says what
to do. The window shows it in a dialog (ui/app.py), the CLI prints it (cli/__init__.py); both
exit non-zero. Anything else returns None and stays a crash (with its traceback in the log).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from ktcs_desktop.core.errors import DatabaseConfigError, DatabaseUnavailableError, KtcsError

if TYPE_CHECKING:
    from ktcs_desktop.core.services.container import Services

log = logging.getLogger(__name__)

_SECRET_HINTS = ("KEY", "PASSWORD", "SECRET", "TOKEN")
_EXAMPLE_HINT = ".env.example에 각 설정의 형식이 설명되어 있습니다. 값을 고치거나 그 줄을 지운 뒤 다시 실행하세요."


def env_files() -> tuple[Path, ...]:
    """Where settings files are read from (same order as config.load_settings)."""
    from ktcs_desktop.core import config

    return config._env_files()  # noqa: SLF001 - one definition of the locations


def _reason(error: ErrorDetails) -> str:
    """A pydantic error in Korean."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "정수여야 합니다"
    if kind in ("float_parsing", "float_type"):
        return "숫자여야 합니다"
    if kind in ("bool_parsing", "bool_type"):
        return "true 또는 false여야 합니다"
    if kind == "greater_than_equal":
        return f"{ctx.get('ge')} 이상이어야 합니다"
    if kind == "greater_than":
        return f"{ctx.get('gt')}보다 커야 합니다"
    if kind == "less_than_equal":
        return f"{ctx.get('le')} 이하여야 합니다"
    if kind == "less_than":
        return f"{ctx.get('lt')}보다 작아야 합니다"
    if kind == "string_too_long":
        return f"{ctx.get('max_length')}자 이하여야 합니다"
    if kind == "string_too_short":
        return f"{ctx.get('min_length')}자 이상이어야 합니다"
    if kind == "literal_error":
        return f"다음 중 하나여야 합니다: {ctx.get('expected')}"
    if kind == "value_error":
        return str(ctx.get("error") or error.get("msg", "")).removeprefix("Value error, ")
    return str(error.get("msg", "올바르지 않은 값입니다"))


def _where(setting: str, files: Iterable[Path]) -> str:
    """Which source holds the setting: the environment, or a `.env` file (last one wins)."""
    if setting in {name.upper() for name in os.environ}:
        return "환경 변수"
    found = None
    for path in files:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for line in text.splitlines():
            key = line.strip().removeprefix("export ").split("=", 1)[0].strip()
            if key.upper() == setting:
                found = path
    return f"설정 파일 {found}" if found else "환경 변수 또는 .env 파일"


def _settings_message(exc: ValidationError, files: tuple[Path, ...]) -> str:
    lines = []
    for error in exc.errors():
        loc = error.get("loc") or ()
        reason = _reason(error)
        if not loc:  # a model-level check: its message names the setting itself
            lines.append(f"설정 오류: {reason}")
            continue
        setting = str(loc[0]).upper()
        value = error.get("input")
        shown = ""
        if isinstance(value, str) and not any(hint in setting for hint in _SECRET_HINTS) and "URL" not in setting:
            shown = f" (지금 값 '{value[:60]}')"
        lines.append(f"설정 {setting}의 값이 올바르지 않습니다{shown}: {reason}.\n  위치: {_where(setting, files)}")
    return "\n".join(lines) + "\n" + _EXAMPLE_HINT


def _undecodable_env_file(files: Iterable[Path]) -> Path | None:
    for path in files:
        try:
            path.read_bytes().decode("utf-8")
        except OSError:
            continue
        except UnicodeDecodeError:
            return path
    return None


def startup_error_message(exc: BaseException) -> str | None:
    """Korean text naming the setting or file and what to do; None if `exc` is not a start-up
    configuration problem."""
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    from ktcs_desktop.core.catalog.errors import CatalogError

    files = env_files()
    if isinstance(exc, ValidationError) and exc.title == "Settings":
        return _settings_message(exc, files)
    if isinstance(exc, UnicodeDecodeError):
        path = _undecodable_env_file(files)
        if path is None:
            return None
        return (f"설정 파일 {path}을(를) UTF-8로 읽을 수 없습니다 (CP949/EUC-KR 등 다른 인코딩으로 저장된 것 같습니다).\n"
                "메모장에서 파일을 열고 '다른 이름으로 저장' → 인코딩 'UTF-8'을 골라 저장한 뒤 다시 실행하세요.")
    if isinstance(exc, CatalogError):
        where = f"\n  파일: {exc.path}" if exc.path is not None else ""
        return (f"{exc.user_message}{where}\n"
                "앱과 함께 설치되는 파일입니다: 앱을 다시 설치하거나 관리자에게 문의하세요.")
    if isinstance(exc, (ArgumentError, NoSuchModuleError)) or (
            isinstance(exc, ModuleNotFoundError) and exc.name in {"MySQLdb", "mysqlclient", "psycopg2"}):
        return (f"KTCS_DATABASE_URL을 사용할 수 없습니다: {exc}.\n"
                "형식: mysql+pymysql://계정:비밀번호@서버:3306/ktcs?charset=utf8mb4 "
                "(비워 두면 이 PC의 SQLite를 씁니다). " + _EXAMPLE_HINT)
    if isinstance(exc, KtcsError) and type(exc) is not DatabaseUnavailableError:
        return exc.user_message
    return None


def check_startup(services: Services) -> None:
    """What must be right before the window opens; raises what `startup_error_message` explains.

    The plan catalog loads; a shared database answers with this app's schema (checked only:
    the desktop never migrates it). A database that cannot be reached is no start-up error:
    the window opens, journals locally and reconnects.
    """
    from ktcs_desktop.core.catalog import load_shipped_catalog
    from ktcs_desktop.core.storage.database import Database

    load_shipped_catalog()  # the files the first approved version is seeded from
    if services.db.is_sqlite:
        return
    # Its own short connect timeout: a server that is down must not hold the window back long.
    probe = Database(services.db.url, connect_timeout=1)
    try:
        probe.require_schema()
    except DatabaseConfigError:
        raise
    except DatabaseUnavailableError as exc:
        log.warning("database unreachable at start (the window retries): %s", exc)
    finally:
        probe.dispose()
