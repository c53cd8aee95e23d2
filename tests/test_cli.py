from __future__ import annotations

import json

import pytest

from ktcs_desktop import __version__
from ktcs_desktop.cli import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_seed_then_lookup(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seed", "--customers", "20"]) == 0
    assert "합성 고객 20명" in capsys.readouterr().out
    assert main(["lookup", "010-8765-4321"]) == 0
    out = capsys.readouterr().out
    assert "이영희" in out and "5G 슬림 10GB" in out and "생년월일" in out
    assert main(["lookup", "01087654321", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["profile"]["name"] == "이영희" and payload["profile"]["birth_date"] == "1958-07-02"
    assert payload["history"]["total"] >= 1


def test_bad_phone_exits_1_with_korean_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lookup", "12-34"]) == 1
    assert "오류:" in capsys.readouterr().err


def test_db_upgrade_and_status(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "status"]) == 0
    assert "DB 연결됨" in capsys.readouterr().out
