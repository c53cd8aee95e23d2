"""API keys from the OS credential store, through the real `keyring` API with an in-memory backend."""

from __future__ import annotations

import io

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import PasswordDeleteError

from ktcs_desktop.cli import main
from ktcs_desktop.core.config import load_settings
from ktcs_desktop.core.errors import CapabilityUnavailableError
from ktcs_desktop.core.secrets import store_secret


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.items.get((service, username))

    def set_password(self, service, username, password):
        self.items[(service, username)] = password

    def delete_password(self, service, username):
        if self.items.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch):
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    monkeypatch.setenv("KTCS_USE_KEYRING", "1")
    yield backend
    keyring.set_keyring(previous)


def test_stored_key_is_used_when_no_env_key(store, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    store_secret("OPENAI_API_KEY", "sk-from-store")
    settings = load_settings()
    assert settings.openai_api_key is not None and settings.openai_api_key.get_secret_value() == "sk-from-store"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    assert load_settings().openai_api_key.get_secret_value() == "sk-from-env"  # env wins
    monkeypatch.setenv("KTCS_USE_KEYRING", "0")
    monkeypatch.delenv("OPENAI_API_KEY")
    assert load_settings().openai_api_key is None



def test_keyring_switched_off_in_a_dot_env_file(store, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """.env.example documents KTCS_USE_KEYRING: a `.env` line must count, not only the environment."""
    monkeypatch.delenv("KTCS_USE_KEYRING")
    monkeypatch.chdir(tmp_path)
    store_secret("OPENAI_API_KEY", "sk-from-store")
    assert load_settings().openai_api_key is not None
    (tmp_path / ".env").write_text("KTCS_USE_KEYRING=0\n", encoding="utf-8")
    assert load_settings().openai_api_key is None
def test_cli_set_status_delete(store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("fc-secret\n"))
    assert main(["secret", "set", "FIRECRAWL_API_KEY", "--stdin"]) == 0
    assert store.items[("ktcs-desktop", "FIRECRAWL_API_KEY")] == "fc-secret"
    assert main(["secret", "status"]) == 0
    out = capsys.readouterr().out
    assert "FIRECRAWL_API_KEY: 저장됨" in out and "fc-secret" not in out
    assert main(["secret", "delete", "FIRECRAWL_API_KEY"]) == 0
    assert ("ktcs-desktop", "FIRECRAWL_API_KEY") not in store.items


def test_no_credential_store_is_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    monkeypatch.setenv("KTCS_USE_KEYRING", "1")
    try:
        assert load_settings().openai_api_key is None  # runs without the key
        with pytest.raises(CapabilityUnavailableError, match="자격 증명 저장소"):
            store_secret("OPENAI_API_KEY", "sk")
    finally:
        keyring.set_keyring(previous)
