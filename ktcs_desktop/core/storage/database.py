"""Engine, sessions, health check and Alembic migrations for SQLite and MySQL/MariaDB."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ktcs_desktop.core.errors import DatabaseUnavailableError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


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
            if _is_connection_error(exc):
                raise DatabaseUnavailableError(detail=str(exc.orig)[:200]) from exc
            raise

    # -- schema ----------------------------------------------------------------------------
    def _alembic_config(self) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        return cfg

    def upgrade(self, revision: str = "head") -> None:
        """Bring the schema to `revision` (idempotent)."""
        cfg = self._alembic_config()
        try:
            with self.engine.begin() as connection:
                cfg.attributes["connection"] = connection
                command.upgrade(cfg, revision)
        except OperationalError as exc:
            if _is_connection_error(exc):
                raise DatabaseUnavailableError(detail=str(exc.orig)[:200]) from exc
            raise

    def downgrade(self, revision: str = "base") -> None:
        cfg = self._alembic_config()
        with self.engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, revision)

    def current_revision(self) -> str | None:
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    @staticmethod
    def head_revision() -> str | None:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        return ScriptDirectory.from_config(cfg).get_current_head()

    # -- health ----------------------------------------------------------------------------
    def check(self) -> DatabaseStatus:
        """Ping the database; never raises."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
                revision = MigrationContext.configure(connection).get_current_revision()
        except Exception as exc:  # noqa: BLE001 - health check reports, never raises
            log.warning("database check failed: %s", exc)
            return DatabaseStatus(False, False, self.backend, self.location, None,
                                  f"DB 연결 끊김 ({self.backend})")
        if revision != self.head_revision():
            return DatabaseStatus(False, True, self.backend, self.location, revision,
                                  f"DB 스키마 업데이트 필요 ({self.backend})")
        return DatabaseStatus(True, True, self.backend, self.location, revision, f"DB 연결됨 ({self.backend})")

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


_CONNECTION_ERROR_CODES = {2002, 2003, 2005, 2006, 2013, 2055, 1045, 1049}


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
