"""The assistant feature in the main window: streaming, escalation banner, wrap-up and export."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from ktcs_desktop.core.models import Speaker
from tests.helpers.qt import StallMeter


def _lookup(qtbot, window, phone: str) -> None:
    window.lookup_pane.phone_edit.setText(phone)
    window.lookup(phone)
    qtbot.waitUntil(lambda: window.caller is not None, timeout=5000)


def test_streamed_answer_with_cards_keeps_ui_responsive(qtbot, window, settings, artifacts_dir) -> None:
    from ktcs_desktop.core.assistant import AssistantService
    from ktcs_desktop.core.config import Settings
    from tests.helpers.openai_stub import OpenAIStub, ToolCall, chat_completion_stream

    feature = window.assistant
    panel = feature.panel
    assert window.assist_area.isVisible() and panel.status_label.text() == "오프라인 지식 기반"
    stub = OpenAIStub().start()
    stub.script("POST", "/v1/chat/completions",
                chat_completion_stream(tool_calls=[ToolCall("get_plan", {"plan": "5G 슬림 14GB"})]),
                chat_completion_stream(list("5G 슬림 14GB는 월 55,000원(선택약정 시 41,250원)입니다. 데이터 14GB 제공."),
                                       interval_s=0.01))
    online = Settings(_env_file=None, ktcs_home=settings.ktcs_home, openai_base_url=stub.base_url,  # type: ignore[call-arg]
                      openai_api_key="k", ktcs_llm_max_retries=0)
    feature.service = AssistantService(online)
    panel.set_provider(feature.service.label)
    stall = StallMeter().start()
    tokens: list[str] = []
    panel.answer_view.textChanged.connect(lambda: tokens.append("x"))
    panel.question.setText("슬림 14기가 얼마예요?")
    qtbot.keyClick(panel.question, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.card_count() == 1, timeout=5000)
    stall.stop()
    stub.stop()
    longest_ms = stall.longest * 1000
    print(f"\nlongest event-loop stall during streamed answer: {longest_ms:.1f} ms over {stall.ticks} ticks")
    assert longest_ms < 250
    assert len(tokens) > 10  # arrived piece by piece
    assert "월 55,000원(선택약정 시 41,250원)" in panel.answer_text
    out = artifacts_dir / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(out / "assistant_answer.png"))


def test_caller_line_triggers_escalation_and_suggestion(qtbot, window) -> None:
    _lookup(qtbot, window, "010-1234-5678")
    window.add_transcript_line(Speaker.AGENT, "해지 관련 문의 주셨나요")  # agent lines are ignored
    assert not window.alert_banner.isVisible()
    window.add_transcript_line(Speaker.CALLER, "해지하고 싶어요")
    assert window.alert_banner.isVisible() and "해지방어팀" in window.alert_banner.text.text()
    assert window.alert_banner.action.text() == "이관 기록"
    qtbot.waitUntil(lambda: "해지방어팀" in window.assistant.panel.answer_text, timeout=5000)
    journal = window.recorder.journal_path.read_text(encoding="utf-8")
    assert '"kind": "escalation"' in journal

    # 이관 기록 records the transfer in the consultation and clears the banner.
    qtbot.mouseClick(window.alert_banner.action, Qt.MouseButton.LeftButton)
    assert not window.alert_banner.isVisible()
    qtbot.waitUntil(lambda: window.recorder.pending_count == 0 and window.recorder.consultation_id is not None,
                    timeout=5000)
    saved = window.services.consultations.get(window.recorder.consultation_id)
    transfers = [e.payload for e in saved.events if e.kind == "escalation_transfer"]
    assert transfers and transfers[0]["suggested_transfer"] == "해지방어팀"

    # A later banner from another feature carries its own action (or none): no stray transfer.
    window.alert_banner.show_message("마이크 연결 해제", level="error")
    assert not window.alert_banner.action.isVisible()


def test_wrapup_end_to_end_with_exports(qtbot, window, services, tmp_path) -> None:
    _lookup(qtbot, window, "010-1234-5678")
    qtbot.waitUntil(lambda: window.history_pane.list.count() > 0, timeout=5000)  # 김철수 has earlier calls
    window.add_transcript_line(Speaker.CALLER, "요금이 너무 비싸요. 슬림 14기가로 바꾸고 싶어요")
    window.add_transcript_line(Speaker.AGENT, "5G 슬림 14GB는 월 55,000원입니다")
    window.record_event("offer", {"plan_name": "5G 슬림 14GB", "effective_fee": 41250})
    qtbot.waitUntil(lambda: window.recorder.consultation_id is not None and window.recorder.pending_count == 0,
                    timeout=5000)
    before = window.history_pane.list.count()
    window.end_consultation()
    qtbot.waitUntil(lambda: window.assistant.dialog is not None and window.assistant.dialog.isVisible(), timeout=5000)
    dialog = window.assistant.dialog
    text = dialog.summary_edit.toPlainText()
    assert "5G 슬림 14GB" in text and "요금제 변경 절차" in text
    dialog.outcome.setCurrentText("요금제 변경")
    dialog.summary_edit.setPlainText(text + "\n메모: 다음 달 적용 확인")
    qtbot.waitUntil(lambda: dialog.drafts_saved >= 1, timeout=5000)
    recorder = window.recorder
    assert recorder.outcome == "요금제 변경" and "다음 달 적용 확인" in recorder.summary  # journalled draft
    assert not recorder.summary_final

    md = dialog.export("md", tmp_path / "s.md").read_text(encoding="utf-8")
    js = json.loads(dialog.export("json", tmp_path / "s.json").read_text(encoding="utf-8"))
    pdf = dialog.export("pdf", tmp_path / "s.pdf").read_bytes()
    assert "5G 슬림 14GB" in md and "요금제 변경" in md
    # Exports carry the masked customer, the agent, start/end time and duration.
    assert "고객: 김*수 (010-****-5678)" in md and f"상담원: {recorder.agent_id}" in md and "통화 시간:" in md
    assert "김철수" not in md and "010-1234-5678" not in md
    assert "5G 슬림 14GB" in js["plans_discussed"] and js["outcome"] == "요금제 변경"
    assert js["customer_masked"] == "김*수" and js["duration_s"] is not None and js["ended_at"]
    assert pdf.startswith(b"%PDF") and len(pdf) > 1024
    default = dialog.default_export_path("pdf")
    assert default.name.endswith(f"상담{recorder.consultation_id}.pdf") and default.name[:8].isdigit()

    cid = recorder.consultation_id
    dialog.save()
    qtbot.waitUntil(lambda: recorder.settled, timeout=5000)
    # a late autosave after the final save never replaces it
    assert not window.desk.session.save_draft("늦은 초안", "기타")
    saved = services.consultations.get(cid)
    assert saved.outcome == "요금제 변경" and "다음 달 적용 확인" in saved.summary
    _lookup(qtbot, window, "010-1234-5678")
    qtbot.waitUntil(lambda: window.history_pane.list.count() == before + 1, timeout=5000)
    assert window.history_pane.list.item(0).text().split("\n")[1].startswith("요금제 변경 절차")


def test_wrapup_falls_back_to_extractive_summary_with_a_notice(qtbot, window, settings) -> None:
    from ktcs_desktop.core.assistant import AssistantService
    from ktcs_desktop.core.config import Settings
    from tests.helpers.openai_stub import OpenAIStub, error_response

    stub = OpenAIStub().start()
    stub.on("POST", "/v1/chat/completions", error_response(500, "model crashed"))
    online = Settings(_env_file=None, ktcs_home=settings.ktcs_home, openai_base_url=stub.base_url,  # type: ignore[call-arg]
                      openai_api_key="k", ktcs_llm_max_retries=0)
    window.assistant.service = AssistantService(online)
    try:
        _lookup(qtbot, window, "010-1234-5678")
        window.start_consultation()
        window.add_transcript_line(Speaker.CALLER, "슬림 14기가로 바꾸고 싶어요")
        window.end_consultation()
        qtbot.waitUntil(lambda: window.assistant.dialog is not None and window.assistant.dialog.isVisible(),
                        timeout=10000)
        dialog = window.assistant.dialog
        labels = [label.text() for label in dialog.findChildren(QLabel)]
        # the cause, precisely (as for answers); the server's words stay in the log
        assert "AI 요약 생성에 실패해 자동 추출 요약을 표시합니다 — AI 서버 오류(500)" in labels
        assert not any("model crashed" in text for text in labels)
        assert "5G 슬림 14GB" in dialog.summary_edit.toPlainText()  # the extractive summary stands
        assert stub.requests_to("/v1/chat/completions")  # the model was really asked
    finally:
        stub.stop()


def test_caller_need_gets_a_recommendation_suggestion_for_this_caller(qtbot, window) -> None:
    from ktcs_desktop.core.recommend import CallNeeds, recommend_for

    _lookup(qtbot, window, "010-1111-2222")  # 박지민, ~69GB a month
    window.add_transcript_line(Speaker.CALLER, "데이터가 자꾸 모자라요. 넷플릭스도 보는데 무제한으로 바꾸면 얼마예요?")
    panel = window.assistant.panel
    # The answer streams in; its cards come with the finished answer.
    qtbot.waitUntil(lambda: "추천 요금제" in panel.answer_text and panel.card_count() >= 1, timeout=5000)
    best = recommend_for(window.caller, CallNeeds(ott=("넷플릭스",), wants_unlimited=True)).options[0]
    assert best.plan.is_unlimited and best.plan.name in panel.answer_text
    assert f"{best.effective_fee:,}원" in panel.answer_text
