from __future__ import annotations

import pytest

from ktcs_desktop.core.assistant import detect_escalation


@pytest.mark.parametrize(("text", "kind", "transfer"), [
    ("해지하고 싶어요", "cancellation", "해지방어팀"),
    ("그냥 번호이동 할게요", "cancellation", "해지방어팀"),
    ("상담원 연결해 주세요", "supervisor", "상급자(팀장)"),
    ("사람이랑 통화하고 싶어요", "supervisor", "상급자(팀장)"),
    ("팀장 바꿔", "supervisor", "상급자(팀장)"),
    ("책임자 연결해 주세요", "supervisor", "상급자(팀장)"),
    ("이거 민원 넣겠습니다", "complaint", "고객불만 전담"),
    ("정말 화나네요", "complaint", "고객불만 전담"),
    ("불만 접수하고 싶어요", "complaint", "고객불만 전담"),
    ("명의변경 하려고요", "name_transfer", "명의변경 전담"),
    ("아버지 명의를 바꾸고 싶어요", "name_transfer", "명의변경 전담"),
    ("요금이 미납됐다고 문자가 왔어요", "arrears", "수납/미납 상담"),
    ("연체료가 붙었어요", "arrears", "수납/미납 상담"),
])
def test_detects(text: str, kind: str, transfer: str) -> None:
    esc = detect_escalation(text)
    assert esc is not None
    assert (esc.kind, esc.suggested_transfer) == (kind, transfer)
    assert esc.matched and esc.matched in text
    assert esc.as_payload()["kind"] == kind


@pytest.mark.parametrize("text", ["슬림 14기가 얼마예요?", "요금제 변경하고 싶어요", "데이터가 부족해요", "", "감사합니다"])
def test_ignores_ordinary_questions(text: str) -> None:
    assert detect_escalation(text) is None
