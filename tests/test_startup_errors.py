"""A start-up problem someone can fix: one Korean message (core/startup.py) naming the setting or
file; `ktcs` prints it without a traceback and exits 1 (the window: tests/ui/test_startup_dialog.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ktcs_desktop.cli import main
from ktcs_desktop.core.catalog import forget_shipped_catalog
from ktcs_desktop.core.config import load_settings, resources_dir
from ktcs_desktop.core.startup import startup_error_message

REPO = Path(__file__).resolve().parents[1]


def write_env(home: Path, content: bytes) -> Path:
    path = home / "config" / ".env"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


@pytest.fixture
def damaged_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A resources folder whose plans.json has a plan with a text fee."""
    resources = tmp_path / "resources"
    shutil.copytree(resources_dir() / "catalog", resources / "catalog")
    plans_path = resources / "catalog" / "plans.json"
    data = json.loads(plans_path.read_text(encoding="utf-8"))
    data["plans"][2]["monthly_fee"] = "비쌈"
    plans_path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("KTCS_RESOURCES_DIR", str(resources))
    forget_shipped_catalog()
    yield plans_path
    forget_shipped_catalog()


def _fails(exc_type: type[BaseException], fn) -> BaseException:  # noqa: ANN001
    with pytest.raises(exc_type) as info:
        fn()
    return info.value


def test_malformed_value_names_the_setting_and_the_file(_isolated_env: Path) -> None:
    env = write_env(_isolated_env, b"KTCS_DB_CONNECT_TIMEOUT=abc\n")
    message = startup_error_message(_fails(Exception, load_settings))
    assert message is not None
    assert "KTCS_DB_CONNECT_TIMEOUT" in message and "정수" in message and str(env) in message and "'abc'" in message


def test_out_of_range_and_choice_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KTCS_LLM_MAX_RETRIES", "99")
    message = startup_error_message(_fails(Exception, load_settings))
    assert "KTCS_LLM_MAX_RETRIES" in message and "10 이하" in message and "환경 변수" in message
    monkeypatch.delenv("KTCS_LLM_MAX_RETRIES")
    monkeypatch.setenv("KTCS_LOG_LEVEL", "LOUD")
    assert "KTCS_LOG_LEVEL" in startup_error_message(_fails(Exception, load_settings))


def test_secret_values_are_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KTCS_DATABASE_URL", "postgresql://u:hunter2@db/x")
    message = startup_error_message(_fails(Exception, load_settings))
    assert "KTCS_DATABASE_URL" in message and "hunter2" not in message


def test_cp949_env_file_is_named_with_the_fix(_isolated_env: Path) -> None:
    env = write_env(_isolated_env, "KTCS_AGENT_ID=홍길동\n".encode("cp949"))
    message = startup_error_message(_fails(UnicodeDecodeError, load_settings))
    assert message is not None and str(env) in message and "UTF-8" in message


def test_an_unrelated_error_is_not_dressed_up() -> None:
    assert startup_error_message(RuntimeError("boom")) is None
    assert startup_error_message(UnicodeDecodeError("utf-8", b"\xff", 0, 1, "x")) is None  # no .env involved


@pytest.mark.parametrize(("content", "expected"), [
    (b"KTCS_DB_CONNECT_TIMEOUT=abc\n", "KTCS_DB_CONNECT_TIMEOUT"),
    ("KTCS_AGENT_ID=홍길동\n".encode("cp949"), "UTF-8"),
    (b"KTCS_DATABASE_URL=oracle://db/x\n", "KTCS_DATABASE_URL"),
])
def test_cli_prints_the_message_without_a_traceback(capsys: pytest.CaptureFixture[str], _isolated_env: Path,
                                                   content: bytes, expected: str) -> None:
    write_env(_isolated_env, content)
    assert main(["lookup", "010-1234-5678"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("오류: ") and expected in err and "Traceback" not in err


def test_cli_damaged_catalog(capsys: pytest.CaptureFixture[str], damaged_catalog: Path) -> None:
    assert main(["plans"]) == 1
    err = capsys.readouterr().err
    assert "plans.json" in err and "monthly_fee" in err and str(damaged_catalog) in err and "다시 설치" in err


def test_cli_unknown_database_scheme_url(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KTCS_DATABASE_URL", "mysql+nosuchdriver://u@h/db")
    assert main(["db", "status"]) == 1
    err = capsys.readouterr().err
    assert "KTCS_DATABASE_URL" in err and "Traceback" not in err


def test_real_process_shows_no_traceback(tmp_path: Path) -> None:
    """A CP949 `.env` in the working directory (read by the app and, on import, by chromadb)."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    (cwd / ".env").write_bytes("KTCS_AGENT_ID=홍길동\n".encode("cp949"))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "ktcs_desktop", "db", "status"], cwd=cwd,
                          env=env, capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert proc.returncode == 1
    assert str(cwd / ".env") in proc.stderr and "UTF-8" in proc.stderr and "Traceback" not in proc.stderr
