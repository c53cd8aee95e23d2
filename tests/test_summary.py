"""Wrap-up summaries of saved consultations, their exports, and `ktcs summarize/export`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ktcs_desktop.cli import main
from ktcs_desktop.core.models import Speaker
from ktcs_desktop.core.services.container import Services, create_services
from ktcs_desktop.core.summary import build_summary, to_json, to_markdown


@pytest.fixture
def call(settings) -> tuple[Services, int]:
    services = create_services(settings)
    services.prepare_database()
    kim = services.customers.by_phone("01012345678")
    repo = services.consultations
    cid = repo.start(kim.id, "agent-001")
    repo.append_line(cid, Speaker.CALLER, "요금이 너무 많이 나와요. 슬림 14기가는 얼마예요?")
    repo.append_line(cid, Speaker.AGENT, "5G 슬림 14GB는 월 55,000원입니다.")
    repo.append_line(cid, Speaker.CALLER, "해지하고 싶어요")
    repo.add_event(cid, "offer", {"plan_name": "5G 슬림 14GB", "effective_fee": 41250})
    repo.add_event(cid, "escalation", {"label": "해지 요청", "suggested_transfer": "해지방어팀"})
    repo.add_event(cid, "escalation_transfer", {"label": "해지 요청", "suggested_transfer": "해지방어팀"})
    yield services, cid
    services.close()


def test_extractive_summary_of_a_saved_call(call) -> None:
    services, cid = call
    wrap = build_summary(services.consultations.get(cid))
    assert wrap.generated_by == "offline" and wrap.line_count == 3
    assert "5G 슬림 14GB" in wrap.plans_discussed
    assert wrap.offers == ("5G 슬림 14GB (월 41,250원)",)
    assert wrap.outcome == "이관"  # the agent recorded the transfer
    assert any("해지방어팀" in f for f in wrap.follow_ups)
    md = to_markdown(wrap)
    assert f"# 상담 요약 #{cid}" in md and "5G 슬림 14GB (월 41,250원)" in md
    data = json.loads(to_json(wrap))
    assert data["outcome"] == "이관" and data["plans_discussed"][0] == "5G 슬림 14GB"


def test_the_agents_saved_summary_wins_unless_regenerated(call) -> None:
    services, cid = call
    services.consultations.close(cid, summary="상담원이 고친 요약", outcome="재상담 예정")
    saved = build_summary(services.consultations.get(cid))
    assert saved.summary_text == "상담원이 고친 요약" and saved.generated_by == "saved"
    assert saved.outcome == "재상담 예정"
    fresh = build_summary(services.consultations.get(cid), regenerate=True)
    assert fresh.summary_text != "상담원이 고친 요약" and "5G 슬림 14GB" in fresh.summary_text


def test_cli_summarize_and_export(call, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    services, cid = call
    services.consultations.close(cid, summary="저장된 요약 첫 줄\n둘째 줄", outcome="안내 완료")
    assert main(["summarize", str(cid)]) == 0
    assert capsys.readouterr().out.startswith("저장된 요약 첫 줄")
    assert main(["summarize", str(cid), "--regenerate"]) == 0
    assert "논의한 요금제: 5G 슬림 14GB" in capsys.readouterr().out
    for fmt in ("md", "json"):
        out = tmp_path / f"s.{fmt}"
        assert main(["export", str(cid), "--format", fmt, "-o", str(out)]) == 0
        assert out.stat().st_size > 200
    # PDF needs a Qt application of its own: run the real command in its own process.
    pdf = subprocess.run([sys.executable, "-m", "ktcs_desktop", "export", str(cid), "--format", "pdf",
                          "-o", str(tmp_path / "s.pdf")], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert pdf.returncode == 0, pdf.stderr
    assert (tmp_path / "s.pdf").stat().st_size > 1000
    assert "저장된 요약 첫 줄" in (tmp_path / "s.md").read_text(encoding="utf-8")
    assert json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))["outcome"] == "안내 완료"
    assert (tmp_path / "s.pdf").read_bytes().startswith(b"%PDF")
    assert main(["summarize", "99999"]) == 1
    assert "상담 기록을 찾을 수 없습니다" in capsys.readouterr().err


def test_describe_event() -> None:
    from datetime import datetime

    from ktcs_desktop.core.models import ConsultationEvent
    from ktcs_desktop.core.summary import describe_event

    at = datetime(2026, 11, 26, 10, 0)
    assert describe_event(ConsultationEvent("offer", {"plan_name": "5G 슬림 14GB", "effective_fee": 41250}, at)) \
        == "요금제 제안: 5G 슬림 14GB (월 41,250원)"
    assert describe_event(ConsultationEvent("escalation", {"label": "해지 요청", "suggested_transfer": "해지방어팀"},
                                            at)) == "이관 감지: 해지 요청 → 해지방어팀"
    assert describe_event(ConsultationEvent("identity_verified", {"customer_id": 1}, at)) == "본인 확인 완료"


def test_a_detected_alert_alone_is_not_a_transfer(settings) -> None:
    services = create_services(settings)
    services.prepare_database()
    try:
        kim = services.customers.by_phone("01012345678")
        cid = services.consultations.start(kim.id, "agent-001")
        services.consultations.append_line(cid, Speaker.CALLER, "해지하면 위약금 얼마예요?")
        services.consultations.add_event(cid, "escalation", {"label": "해지 의사", "suggested_transfer": "해지방어팀"})
        wrap = build_summary(services.consultations.get(cid))
    finally:
        services.close()
    assert wrap.outcome != "이관" and wrap.escalations == ()
    assert not any("이관" in f for f in wrap.follow_ups)
    assert wrap.extra["escalation_alerts"] == ["해지 의사 → 해지방어팀"]
