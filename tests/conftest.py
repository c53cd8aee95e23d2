"""Shared fixtures: isolated settings and data dirs, and the database backends under test.

Storage tests take the `db` fixture, which runs each test on SQLite and, when
KTCS_TEST_MYSQL_URL is set (CI), again on MariaDB/MySQL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ktcs_desktop.context import install as install_composition_root
from ktcs_desktop.core.catalog import allow_shipped_fallback
from ktcs_desktop.core.config import Settings
from ktcs_desktop.core.storage.database import Database
from ktcs_desktop.core.storage.schema import Base

# Settings that must never leak from the developer's machine into a test.
_ISOLATED_ENV = (
    "KTCS_DATABASE_URL", "KTCS_CHROMA_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL", "FIRECRAWL_API_KEY",
    "FIRECRAWL_API_URL", "KTCS_DATA_DIR", "KTCS_LOG_DIR", "KTCS_CACHE_DIR", "KTCS_WHISPER_MODEL_DIR",
    "KTCS_INPUT_DEVICE", "KTCS_CALLER_INPUT_DEVICE", "KTCS_CHAT_BASE_URL", "KTCS_CHAT_API_KEY",
    "KTCS_EMBEDDING_BASE_URL", "KTCS_EMBEDDING_API_KEY", "KTCS_TRANSCRIBE_BASE_URL", "KTCS_TRANSCRIBE_API_KEY",
)

install_composition_root()  # as the app's entry points do: core gets ingestion's index builder
# Helpers called without a catalog use the shipped copy in tests; the app passes the approved one
# (there such a call raises CatalogNotProvidedError).
allow_shipped_fallback()

MYSQL_URL = os.environ.get("KTCS_TEST_MYSQL_URL")
ARTIFACTS = Path(os.environ.get("KTCS_TEST_ARTIFACTS", Path(__file__).resolve().parents[1] / "artifacts"))


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in _ISOLATED_ENV:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "ktcs-home"
    monkeypatch.setenv("KTCS_HOME", str(home))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("KTCS_USE_KEYRING", "0")  # the developer's credential store stays out of tests
    return home


@pytest.fixture
def settings(_isolated_env: Path) -> Settings:
    """Settings rooted in a temp dir, ignoring any `.env` file."""
    return Settings(_env_file=None, ktcs_home=_isolated_env)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


# -- database backends -------------------------------------------------------------------------

def _mysql_server_url(url: str) -> tuple[str, str]:
    parsed = make_url(url)
    return parsed.set(database="").render_as_string(hide_password=False), parsed.database or "ktcs_test"


@pytest.fixture(scope="session")
def mysql_database_url() -> Iterator[str]:
    """A fresh MariaDB/MySQL database for this test session, migrated to head, dropped afterwards."""
    if not MYSQL_URL:
        pytest.skip("KTCS_TEST_MYSQL_URL not set")
    server_url, base_name = _mysql_server_url(MYSQL_URL)
    name = f"{base_name}_{uuid.uuid4().hex[:8]}"
    engine = create_engine(server_url)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
    url = make_url(MYSQL_URL).set(database=name).render_as_string(hide_password=False)
    Database(url).upgrade()
    try:
        yield url
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        engine.dispose()


@pytest.fixture
def empty_mysql_url() -> Iterator[str]:
    """An empty database (no tables) for migration tests."""
    if not MYSQL_URL:
        pytest.skip("KTCS_TEST_MYSQL_URL not set")
    server_url, base_name = _mysql_server_url(MYSQL_URL)
    name = f"{base_name}_m{uuid.uuid4().hex[:8]}"
    engine = create_engine(server_url)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
    try:
        yield make_url(MYSQL_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        engine.dispose()


def _truncate(db: Database) -> None:
    with db.engine.begin() as conn:
        if db.is_sqlite:
            conn.execute(text("PRAGMA foreign_keys=OFF"))
        else:
            conn.execute(text("SET FOREIGN_KEY_CHECKS=0"))
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
        if not db.is_sqlite:
            conn.execute(text("SET FOREIGN_KEY_CHECKS=1"))


@pytest.fixture(params=["sqlite", pytest.param("mysql", marks=pytest.mark.mysql)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{(tmp_path / 'test.sqlite3').as_posix()}")
        database.upgrade()
    else:
        url = request.getfixturevalue("mysql_database_url")
        database = Database(url)
        _truncate(database)
    try:
        yield database
    finally:
        database.dispose()
