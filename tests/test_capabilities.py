from __future__ import annotations

import pytest

from ktcs_desktop.cli import main
from ktcs_desktop.core.config import Settings
from ktcs_desktop.core.services.capabilities import capability_report


def _by_name(settings: Settings) -> dict:
    return {c.name: c for c in capability_report(settings)}


def test_offline_defaults_say_what_they_fall_back_to(settings: Settings) -> None:
    report = _by_name(settings)
    assert not any(c.online for c in report.values())
    assert report["AI 답변·요약"].mode == "오프라인 지식 기반"
    assert "사용 불가" in report["음성 인식"].mode and "미변환 음성 변환" in report["음성 인식"].detail
    assert report["데이터베이스"].mode.startswith("SQLite")
    assert report["요금제 카탈로그"].mode.startswith("49개 요금제")


def test_configured_services_are_reported(settings: Settings) -> None:
    online = settings.model_copy(update={
        "openai_api_key": "sk-x", "openai_base_url": "http://127.0.0.1:11434/v1", "ktcs_openai_model": "llama3",
        "ktcs_database_url": "mysql+pymysql://app:pw@db.local:3306/ktcs", "ktcs_chroma_url": "http://127.0.0.1:8000",
        "firecrawl_api_key": "fc-x"})
    report = _by_name(online)
    assert report["AI 답변·요약"].online and "llama3" in report["AI 답변·요약"].mode
    assert "11434" in report["AI 답변·요약"].mode
    assert report["데이터베이스"].mode == "MySQL (db.local:3306/ktcs)" and "pw" not in report["데이터베이스"].mode
    assert report["벡터 저장소"].online and report["요금제 새로고침"].mode == "Firecrawl"


def test_ktcs_status(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "오프라인 지식 기반" in out and "음성 인식 사용 불가" in out
