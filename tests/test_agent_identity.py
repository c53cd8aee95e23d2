"""The agent is the OS login unless KTCS_AGENT_ID overrides it, and the override is audited."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest

from ktcs_desktop.core.config import Settings, os_agent_id
from ktcs_desktop.core.services.container import create_services


def test_windows_identity_is_domain_backslash_user() -> None:
    assert os_agent_id({"USERDOMAIN": "KTCS", "USERNAME": "kim.cs"}, "win32") == "KTCS\\kim.cs"
    assert os_agent_id({"USERNAME": "kim.cs"}, "win32") == "kim.cs"


def test_elsewhere_the_login_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(getpass, "getuser", lambda: "lee")
    assert os_agent_id({"USERDOMAIN": "IGNORED", "USERNAME": "ignored"}, "linux") == "lee"


def test_no_login_name_asks_for_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_user() -> str:
        raise OSError("no passwd entry")

    monkeypatch.setattr(getpass, "getuser", no_user)
    with pytest.raises(ValueError, match="KTCS_AGENT_ID"):
        os_agent_id({}, "linux")


def test_default_is_the_os_login_not_a_shared_id(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KTCS_AGENT_ID", raising=False)
    monkeypatch.setattr(getpass, "getuser", lambda: "park")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.agent_id == "park" and s.ktcs_agent_id == "park" and not s.agent_id_overridden
    blank = Settings(_env_file=None, ktcs_agent_id="  ")  # type: ignore[call-arg]
    assert blank.agent_id == "park" and not blank.agent_id_overridden


def test_override_is_audited_once_at_start(monkeypatch: pytest.MonkeyPatch, _isolated_env: Path) -> None:
    monkeypatch.setattr(getpass, "getuser", lambda: "park")
    monkeypatch.setenv("KTCS_AGENT_ID", "shared-seat-7")
    services = create_services(Settings(_env_file=None))  # type: ignore[call-arg]
    try:
        assert services.settings.agent_id_overridden and services.lookup.agent_id == "shared-seat-7"
        services.prepare_database()
        services.prepare_database()  # the window re-prepares after an outage: still one entry
        overrides = [e for e in services.audit.recent() if e.action == "agent_override"]
        assert len(overrides) == 1
        assert overrides[0].agent_id == "shared-seat-7" and "park" in overrides[0].detail
    finally:
        services.close()


def test_no_override_no_override_entry(monkeypatch: pytest.MonkeyPatch, _isolated_env: Path) -> None:
    monkeypatch.setattr(getpass, "getuser", lambda: "park")
    services = create_services(Settings(_env_file=None))  # type: ignore[call-arg]
    try:
        services.prepare_database()
        assert not [e for e in services.audit.recent() if e.action == "agent_override"]
        services.lookup.lookup("010-1234-5678")
        assert services.audit.recent(limit=1)[0].agent_id == "park"
    finally:
        services.close()
