"""API keys in the operating system's credential store (Windows Credential Manager, macOS
Keychain, Secret Service) instead of a plain-text `.env`.

An environment variable or `.env` entry always wins; the store is only asked for keys that are
not set there. Without a usable store (a headless Linux box) the app simply runs without them.
"""

from __future__ import annotations

import logging
from types import ModuleType

from ktcs_desktop.core.errors import CapabilityUnavailableError

log = logging.getLogger(__name__)

SERVICE = "ktcs-desktop"
SECRET_NAMES = ("OPENAI_API_KEY", "FIRECRAWL_API_KEY")


def _keyring() -> tuple[ModuleType, type[Exception]]:
    import keyring
    from keyring.errors import KeyringError

    return keyring, KeyringError


def read_secret(name: str) -> str | None:
    """The stored value, or None (not stored, or no credential store on this machine)."""
    keyring, keyring_error = _keyring()
    try:
        return keyring.get_password(SERVICE, name) or None
    except keyring_error as exc:
        log.debug("credential store unavailable for %s: %s", name, exc)
        return None


def store_secret(name: str, value: str) -> None:
    if name not in SECRET_NAMES:
        raise ValueError(f"unknown secret {name}")
    keyring, keyring_error = _keyring()
    try:
        keyring.set_password(SERVICE, name, value)
    except keyring_error as exc:
        raise CapabilityUnavailableError(
            "이 PC에서 사용할 수 있는 자격 증명 저장소가 없습니다. .env 파일이나 환경 변수로 설정해 주세요.",
            detail=str(exc)) from exc


def delete_secret(name: str) -> bool:
    keyring, keyring_error = _keyring()
    try:
        keyring.delete_password(SERVICE, name)
        return True
    except keyring_error:
        return False


def secrets_from_store(present: set[str]) -> dict[str, str]:
    """Stored values for the secrets not already set (lower-case Settings field names)."""
    found = {}
    for name in SECRET_NAMES:
        if name.lower() in present:
            continue
        value = read_secret(name)
        if value:
            found[name.lower()] = value
    return found
