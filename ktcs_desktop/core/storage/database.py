"""Engine, sessions, health check and Alembic migrations for SQLite and MySQL/MariaDB."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

from ktcs_desktop.core.errors import (
    DatabaseConfigError,
    DatabaseUnavailableError,
    MigrationLockError,
    SchemaMismatchError,
)

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# `ktcs db upgrade` on MySQL/MariaDB runs under this server-wide named lock, so two administrators
# (or a script on every PC) migrating at once run one after the other; the second finds head.
MIGRATION_LOCK = "ktcs_migrate"
MIGRATION_LOCK_TIMEOUT_S = 60


@dataclass(frozen=True)
class SchemaState:
    """The database's Alembic revision against this app's head."""

    current: str | None
    head: str | None
    known: bool  # `current` is one of this app's revisions (False: a newer app migrated it)

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head

    @property
    def behind(self) -> bool:
        return not self.up_to_date and self.known

    @property
    def ahead(self) -> bool:
        return not self.known


@dataclass(frozen=True)
class DatabaseStatus:
    ok: bool
    reachable: bool
    backend: str  # "SQLite" / "MySQL"
    location: str  # file path or host:port/db, never a password
    revision: str | None
    message: str  # Korean, for the status bar


def display_location(url: str) -> tuple[str, str]:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return "SQLite", parsed.database or ":memory:"
    port = f":{parsed.port}" if parsed.port else ""
    return "MySQL", f"{parsed.host}{port}/{parsed.database}"


class Database:
    """One engine per process; `session()` is a unit of work that commits or rolls back."""

    def __init__(self, url: str, *, connect_timeout: int = 3, echo: bool = False) -> None:
        self.url = url
        parsed = make_url(url)
        self.backend, self.location = display_location(url)
        kwargs: dict = {"echo": echo, "future": True}
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 15}
        else:
            query = dict(parsed.query)
            query.setdefault("charset", "utf8mb4")
            parsed = parsed.set(query=query)
            kwargs["connect_args"] = {
                "connect_timeout": connect_timeout,
                "read_timeout": 30,
                "write_timeout": 30,
            }
            kwargs["pool_pre_ping"] = True
            kwargs["pool_recycle"] = 1800
        self.engine: Engine = create_engine(parsed, **kwargs)
        if parsed.get_backend_name() == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed on success, rolled back on error; connection errors become
        DatabaseUnavailableError with a Korean message."""
        try:
            with self._sessions() as session:
                try:
                    yield session
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
        except (OperationalError, DBAPIError) as exc:
            raise self._translate(exc) from exc

    def _translate(self, exc: DBAPIError) -> BaseException:
        """A configuration refusal, an outage (Korean messages) or the original error."""
        config = _config_error(exc, self.url)
        if config is not None:
            return config
        if _is_connection_error(exc):
            return DatabaseUnavailableError(detail=str(exc.orig)[:200])
        return exc

    # -- schema ----------------------------------------------------------------------------
    def _alembic_config(self) -> Config:
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        return cfg

    def upgrade(self, revision: str = "head") -> None:
        """Bring the schema to `revision` (idempotent). On MySQL/MariaDB this is the
        administrator's `ktcs db upgrade` (DDL rights), serialised by GET_LOCK('ktcs_migrate')."""
        if revision == "head" and self._at_head():
            return  # every start of the embedded DB: no alembic import, no migration run (~0.3 s)
        from alembic import command

        self._migrate(command.upgrade, revision)

    def _at_head(self) -> bool:
        """The stored revision is the migration files' head, read without alembic. False when
        either is unknown (no version table yet, a merge in the history …): then alembic decides."""
        head = head_from_files()
        if head is None:
            return False
        try:
            with self.engine.connect() as connection:
                return _stored_revisions(connection) == [head]
        except DBAPIError:
            return False

    def downgrade(self, revision: str = "base") -> None:
        from alembic import command

        self._migrate(command.downgrade, revision)

    def _migrate(self, action: Callable[[Config, str], None], revision: str) -> None:
        cfg = self._alembic_config()
        try:
            with self.engine.connect() as connection:
                locked = self._acquire_migration_lock(connection)
                try:
                    with connection.begin():
                        cfg.attributes["connection"] = connection
                        action(cfg, revision)
                finally:
                    if locked:
                        self._release_migration_lock(connection)
        except (OperationalError, DBAPIError) as exc:
            raise self._translate(exc) from exc

    def _acquire_migration_lock(self, connection: Connection) -> bool:
        if self.is_sqlite:  # one file, one writer: SQLite's own lock serialises the migration
            return False
        got = connection.execute(text("SELECT GET_LOCK(:name, :timeout)"),
                                 {"name": MIGRATION_LOCK, "timeout": MIGRATION_LOCK_TIMEOUT_S}).scalar()
        connection.commit()
        if got != 1:
            raise MigrationLockError(detail=f"GET_LOCK('{MIGRATION_LOCK}') returned {got}")
        return True

    @staticmethod
    def _release_migration_lock(connection: Connection) -> None:
        try:
            connection.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": MIGRATION_LOCK})
            connection.commit()
        except DBAPIError:  # the connection died: the server dropped the lock with it
            connection.invalidate()

    def current_revision(self) -> str | None:
        with self.engine.connect() as connection:
            return _current_revision(connection)

    @staticmethod
    def _scripts() -> ScriptDirectory:
        # alembic (with mako and pygments, ~0.2 s) is imported when the schema is first looked at,
        # in the background after the window is shown, never on the way to it.
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        return ScriptDirectory.from_config(cfg)

    @staticmethod
    def head_revision() -> str | None:
        return head_from_files() or Database._scripts().get_current_head()

    def schema_state(self) -> SchemaState:
        """Read the revision (SELECT only); raises DatabaseUnavailableError / DatabaseConfigError."""
        try:
            current = self.current_revision()
        except (OperationalError, DBAPIError) as exc:
            raise self._translate(exc) from exc
        scripts = self._scripts()
        known = True
        if current is not None:
            from alembic.util.exc import CommandError

            try:
                known = scripts.get_revision(current) is not None
            except CommandError:
                known = False
        return SchemaState(current, scripts.get_current_head(), known)

    def require_schema(self) -> SchemaState:
        """Check, never migrate: what the desktop does with a shared (MySQL/MariaDB) database,
        whose app account has no DDL rights. Raises SchemaMismatchError (Korean, says who acts)."""
        state = self.schema_state()
        if state.up_to_date:
            return state
        if state.ahead:
            raise SchemaMismatchError(
                f"데이터베이스({self.backend} {self.location}) 스키마가 이 앱보다 새 버전입니다 "
                f"(DB {state.current}, 앱 {state.head}). 상담 앱을 최신 버전으로 업데이트해 주세요.",
                detail=f"current={state.current} head={state.head}")
        raise SchemaMismatchError(
            f"데이터베이스({self.backend} {self.location}) 스키마가 이 앱 버전보다 오래되었습니다 "
            f"(DB {state.current or '비어 있음'}, 앱 {state.head}). 관리자가 관리자 계정으로 "
            "`ktcs db upgrade`를 실행해야 합니다 (상담원 계정에는 스키마 변경 권한이 없습니다).",
            detail=f"current={state.current} head={state.head}")

    # -- health ----------------------------------------------------------------------------
    def check(self) -> DatabaseStatus:
        """Ping the database; never raises."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
                revision = _current_revision(connection)
        except Exception as exc:  # noqa: BLE001 - health check reports, never raises
            log.warning("database check failed: %s", exc)
            refused = isinstance(exc, DBAPIError) and _config_error(exc, self.url) is not None
            return DatabaseStatus(False, False, self.backend, self.location, None,
                                  f"DB 설정 오류 ({self.backend})" if refused else f"DB 연결 끊김 ({self.backend})")
        if revision != self.head_revision():
            from alembic.util.exc import CommandError

            try:
                ahead = revision is not None and self._scripts().get_revision(revision) is None
            except CommandError:
                ahead = True
            message = (f"DB 스키마가 앱보다 최신 — 앱 업데이트 필요 ({self.backend})" if ahead
                       else f"DB 스키마 업데이트 필요 ({self.backend})")
            return DatabaseStatus(False, True, self.backend, self.location, revision, message)
        return DatabaseStatus(True, True, self.backend, self.location, revision, f"DB 연결됨 ({self.backend})")

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


_CONNECTION_ERROR_CODES = {2002, 2003, 2005, 2006, 2013, 2055, 1045, 1049}
_UNKNOWN_DATABASE, _ACCESS_DENIED = 1049, 1045


def _config_error(exc: DBAPIError, url: str) -> DatabaseConfigError | None:
    """The server refused the configuration itself (no such database, login refused)."""
    args = getattr(getattr(exc, "orig", None), "args", ())
    code = args[0] if args and isinstance(args[0], int) else None
    if code not in (_UNKNOWN_DATABASE, _ACCESS_DENIED):
        return None
    parsed = make_url(url)
    server = f"{parsed.host}:{parsed.port or 3306}"
    if code == _UNKNOWN_DATABASE:
        message = (f"KTCS_DATABASE_URL의 데이터베이스 '{parsed.database}'이(가) {server} 서버에 없습니다. "
                   "데이터베이스 이름을 확인하거나, 관리자에게 데이터베이스 생성과 `ktcs db upgrade`를 요청하세요.")
    else:
        message = (f"KTCS_DATABASE_URL의 계정 '{parsed.username}'(으)로 {server} 서버에 로그인할 수 없습니다. "
                   "계정 이름과 비밀번호를 확인하거나 관리자에게 계정 권한을 요청하세요.")
    return DatabaseConfigError(message, detail=str(exc.orig)[:200])


def _is_connection_error(exc: DBAPIError) -> bool:
    if exc.connection_invalidated:
        return True
    orig = getattr(exc, "orig", None)
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int) and args[0] in _CONNECTION_ERROR_CODES:
        return True
    message = str(orig).lower()
    return any(word in message for word in ("can't connect", "lost connection", "unable to open database",
                                              "connection refused", "gone away", "timed out"))


def _current_revision(connection: Connection) -> str | None:
    """The stored revision: one plain SELECT (the periodic health check never imports alembic);
    alembic answers when that fails (no version table yet: None) or there are several heads."""
    rows = _stored_revisions(connection)
    if rows is not None and len(rows) <= 1:
        return rows[0] if rows else None
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _stored_revisions(connection: Connection) -> list[str] | None:
    """The rows of `alembic_version`, or None when it cannot be read (not created yet)."""
    try:
        return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except DBAPIError:
        with suppress(DBAPIError):
            connection.rollback()
        return None


_REVISION_LINE = re.compile(r"^revision(?:\s*:\s*str)?\s*=\s*[\"']([^\"']+)[\"']\s*$", re.M)
_DOWN_REVISION_LINE = re.compile(
    r"^down_revision(?:\s*:[^=\n]+)?\s*=\s*(?:[\"']([^\"']+)[\"']|(None))\s*$", re.M)


@cache  # the scripts ship with the app: read once per process, not at every health check
def head_from_files() -> str | None:
    """The head revision from the migration scripts' `revision` / `down_revision` lines, without
    importing alembic: the one revision no other revises. None if the history is not one plain
    line (a merge's tuple, an unreadable script): the caller then asks alembic."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION_LINE.search(source), _DOWN_REVISION_LINE.search(source)
        if revision is None or down is None:
            return None
        revisions.add(revision.group(1))
        if down.group(1):
            revised.add(down.group(1))
    heads = revisions - revised
    return heads.pop() if len(heads) == 1 else None
