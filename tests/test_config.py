from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from ktcs_desktop.core.config import Settings


def test_defaults_are_offline_and_under_home(settings: Settings, _isolated_env: Path) -> None:
    assert settings.database_url == f"sqlite:///{(_isolated_env / 'data' / 'ktcs.sqlite3').as_posix()}"
    assert settings.uses_embedded_database
    assert not settings.openai_enabled and not settings.firecrawl_enabled
    assert settings.paths.chroma_dir.parent == _isolated_env / "data"


def test_env_switches_backends(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KTCS_DATABASE_URL", "mysql+pymysql://ktcs:pw@db.local:3306/ktcs")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", "  ")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.database_url.startswith("mysql+pymysql://") and not s.uses_embedded_database
    assert s.openai_enabled and s.openai_base_url is None
    assert "sk-test" not in repr(s)  # secrets never printed


def test_env_file_is_read(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("KTCS_AGENT_ID=agent-77\nFIRECRAWL_API_KEY=fc-1\n", encoding="utf-8")
    s = Settings(_env_file=env)  # type: ignore[call-arg]
    assert s.ktcs_agent_id == "agent-77" and s.firecrawl_enabled


@pytest.mark.parametrize(("name", "value"), [("KTCS_DATABASE_URL", "postgresql://x/y"),
                                             ("KTCS_LOG_LEVEL", "LOUD"), ("KTCS_DB_CONNECT_TIMEOUT", "0")])
def test_invalid_settings_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_env_example_documents_every_setting_and_parses_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KTCS_HOME")
    example = Path(__file__).resolve().parents[1] / ".env.example"
    text = example.read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"{name.upper()}=" in text, f"{name.upper()} missing from .env.example"
    # …and the other way: every setting it documents is one that Settings reads (from `.env` too).
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, re.M))
    unread = documented - {name.upper() for name in Settings.model_fields}
    assert not unread, f".env.example documents settings nothing reads: {sorted(unread)}"
    s = Settings(_env_file=example)  # type: ignore[call-arg]
    assert s.ktcs_home is None and s.uses_embedded_database and not s.openai_enabled
