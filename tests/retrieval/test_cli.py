from __future__ import annotations

import json

import pytest

from ktcs_desktop.cli import main


def test_ingest_search_plans_eval(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", "--offline"]) == 0
    out = capsys.readouterr()
    assert "새로고침했습니다" in out.out and "✓" in out.err

    assert main(["search", "슬림 십사기가", "--k", "3"]) == 0
    assert "1. [plan] 5G 슬림 14GB" in capsys.readouterr().out

    assert main(["search", "와이 요금제", "--json", "--mode", "hybrid"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert {h["plan_id"] for h in hits[:3]} == {"5g-y-special", "5g-y-basic", "5g-y-slim"}

    assert main(["search", "데이터 무제한 요금제", "--age", "40", "--json", "--k", "20", "--mode", "bm25"]) == 0
    ids = [h["plan_id"] for h in json.loads(capsys.readouterr().out) if h["plan_id"]]
    assert ids and not any(i.startswith(("5g-y-", "5g-senior", "5g-junior")) for i in ids)

    assert main(["plans", "--json"]) == 0
    plans = json.loads(capsys.readouterr().out)
    assert len(plans) == 49 and plans[0]["selective_fee"] == 51750

    assert main(["eval", "retrieval"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[:3]] == ["bm25", "dense", "hybrid"]
    assert any(line.strip().startswith("addon") for line in lines[3:])  # per-category figures
    assert all("recall@1=" in line and "MRR=" in line for line in lines[:3])


def test_bad_mode_is_rejected(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["search", "슬림", "--mode", "fuzzy"])
