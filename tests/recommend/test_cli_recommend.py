"""`ktcs recommend` over the seeded sample callers."""

from __future__ import annotations

import json

import pytest

from ktcs_desktop.cli import main


def test_recommend_prints_picks_savings_and_exclusions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recommend", "010-1111-2222"]) == 0
    out = capsys.readouterr().out
    assert "박지민" in out and "필요 데이터" in out
    assert "[최적] 5G 심플 90GB" in out and "[업그레이드] 5G Y 베이직" in out
    assert "현재 대비 월" in out and "절약" in out
    assert "5G 시니어 베이직은 만 65세 이상만 가입할 수 있습니다 (고객 만 25세)" in out


def test_recommend_json_with_ott_budget_and_unlimited(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recommend", "01099998888", "--ott", "넷플릭스", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["customer"]["name"] == "정미영"
    assert payload["current_plan"] == "5G 초이스 베이직" and payload["current_fee"] == 67_500
    best = payload["options"][0]
    assert best["tag"] == "best" and best["addons"][0]["name"] == "넷플릭스 스탠다드"
    assert best["total_fee"] == best["effective_fee"] + 12_500
    assert any(o["plan_name"] == "5G 초이스 베이직" for o in payload["options"])

    assert main(["recommend", "01012345678", "--unlimited", "--json"]) == 0
    options = json.loads(capsys.readouterr().out)["options"]
    assert options and all(o["data"] == "무제한" for o in options)

    assert main(["recommend", "01012345678", "--budget", "35000", "--json"]) == 0
    best = json.loads(capsys.readouterr().out)["options"][0]
    assert best["total_fee"] <= 35_000 and best["covers_need"]


def test_recommend_rejects_unknown_ott(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recommend", "01012345678", "--ott", "왓챠"]) == 1
    assert "알 수 없는 OTT" in capsys.readouterr().err
