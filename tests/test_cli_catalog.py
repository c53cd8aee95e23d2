"""`ktcs ingest` → draft → `ktcs catalog diff|approve|history|rollback`, and `ktcs plans` following
the approved version (embedded SQLite; the MariaDB two-process run is tests/storage/test_catalog_floor_mysql.py)."""

from __future__ import annotations

import json

import pytest

from ktcs_desktop.cli import main
from ktcs_desktop.ingestion.fetch import SnapshotFetcher

SLIM = "5g-slim-14gb"


@pytest.fixture
def raised_slim_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """The 5G 슬림 page now says 56,000원 for 슬림 14GB (shipped: 55,000원)."""
    original = SnapshotFetcher.fetch

    def fetch(self, page):  # noqa: ANN001, ANN202
        text = original(self, page)
        return text.replace("55,000원", "56,000원", 1) if page.item_code == 1284 else text

    monkeypatch.setattr(SnapshotFetcher, "fetch", fetch)


def _plans(capsys: pytest.CaptureFixture[str]) -> dict[str, int]:
    assert main(["plans", "--json"]) == 0
    return {row["id"]: row["monthly_fee"] for row in json.loads(capsys.readouterr().out)}


def test_refresh_diff_approve_history_rollback(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                               raised_slim_page: None) -> None:
    monkeypatch.setenv("KTCS_AGENT_ID", "kim")
    assert _plans(capsys)[SLIM] == 55000  # version 1, seeded from the shipped catalog
    assert main(["ingest", "--offline"]) == 0
    out = capsys.readouterr().out
    assert "55,000원 → 56,000원" in out and "초안 v2" in out

    assert main(["catalog", "diff"]) == 0
    out = capsys.readouterr().out
    assert "v2 (draft) ← v1" in out and "5G 슬림 14GB: 월정액 55,000원 → 56,000원" in out
    assert _plans(capsys)[SLIM] == 55000  # a draft reaches nobody

    # an agent, and a PC that merely claims the role, are refused in Korean (exit 1, no traceback)
    assert main(["catalog", "approve"]) == 1
    assert "KTCS_AGENT_ROLE" in capsys.readouterr().err
    monkeypatch.setenv("KTCS_AGENT_ROLE", "supervisor")
    assert main(["catalog", "approve"]) == 1
    err = capsys.readouterr().err
    assert "데이터베이스에 팀장(supervisor) 권한이 등록되어 있지 않습니다" in err and "Traceback" not in err

    monkeypatch.setenv("KTCS_AGENT_ID", "admin")
    assert main(["catalog", "grant", "lead"]) == 0
    monkeypatch.setenv("KTCS_AGENT_ID", "lead")
    assert main(["catalog", "approve"]) == 0
    assert "v2을(를) 승인했습니다" in capsys.readouterr().out
    assert _plans(capsys)[SLIM] == 56000

    assert main(["catalog", "history", "--json"]) == 0
    history = json.loads(capsys.readouterr().out)
    assert [(v["version"], v["status"], v["source"]) for v in history] == [(2, "approved", "refresh"),
                                                                           (1, "retired", "shipped")]
    assert history[0]["approved_by"] == "lead" and history[0]["created_by"] == "kim"

    assert main(["catalog", "rollback", "1"]) == 0
    assert "v3" in capsys.readouterr().out
    assert _plans(capsys)[SLIM] == 55000
    assert main(["catalog", "history"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("v3") and "rollback" in lines[0] and "기준 v1" in lines[0] and len(lines) == 3

    assert main(["audit", "recent"]) == 0
    audit = capsys.readouterr().out
    assert "catalog_approve" in audit and "catalog_rollback" in audit and "role_grant" in audit

    assert main(["catalog", "approve", "2"]) == 1  # not a draft any more
    assert "초안이 아닙니다" in capsys.readouterr().err
    assert main(["catalog", "diff", "9"]) == 1
    assert "v9" in capsys.readouterr().err


def test_the_same_refresh_twice_leaves_one_draft(capsys: pytest.CaptureFixture[str], raised_slim_page: None) -> None:
    assert main(["ingest", "--offline"]) == 0
    assert main(["ingest", "--offline"]) == 0
    capsys.readouterr()
    assert main(["catalog", "history", "--json"]) == 0
    assert [v["version"] for v in json.loads(capsys.readouterr().out)] == [2, 1]


def test_no_draft_when_the_pages_agree(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", "--offline"]) == 0
    assert "초안" not in capsys.readouterr().out
    assert main(["catalog", "diff"]) == 1
    assert "승인을 기다리는 카탈로그 초안이 없습니다" in capsys.readouterr().err
