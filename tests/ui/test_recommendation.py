"""The recommendation pane over a real window: picks for a heavy user, OTT filter, offers recorded."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from ktcs_desktop.core.models import ContractType


def _lookup(qtbot, window, phone: str) -> None:
    window.lookup_pane.phone_edit.clear()
    qtbot.keyClicks(window.lookup_pane.phone_edit, phone)
    qtbot.keyClick(window.lookup_pane.phone_edit, Qt.Key.Key_Return)


def _wait_for_picks(qtbot, pane) -> None:
    qtbot.waitUntil(lambda: not pane.busy and bool(pane.cards), timeout=10000)


def test_heavy_user_gets_unlimited_pick_filters_update_and_offer_is_recorded(
        qtbot, window, artifacts_dir: Path) -> None:
    pane = window.recommendation_pane
    _lookup(qtbot, window, "01011112222")
    qtbot.waitUntil(lambda: window.caller is not None, timeout=10000)
    _wait_for_picks(qtbot, pane)

    rec = pane.recommendation
    assert rec is not None and rec.need_gb > 60  # 박지민 uses ~68GB a month
    assert any(card.option.plan.is_unlimited for card in pane.cards)
    assert all(card.option.covers_need for card in pane.cards if card.option.tag in ("best", "upgrade"))
    best = pane.cards[0]
    assert best.option.tag == "best"
    reasons = [label.text() for label in best.reason_labels]
    assert any("최근 3개월 평균" in r and "GB" in r for r in reasons)
    assert any("현재 대비 월" in r and "절약" in r for r in reasons)
    assert pane.table.columnCount() >= 3 and pane.table.item(0, 0).text() == "5G 심플 50GB"
    before = [(card.option.tag, card.option.plan.id) for card in pane.cards]
    assert not any("넷플릭스" in r for card in pane.cards for r in card.option.reasons)

    pane.ott_combo.setCurrentText("넷플릭스")
    qtbot.waitUntil(lambda: not pane.busy and pane.recommendation is not rec and bool(pane.cards), timeout=10000)
    after = [(card.option.tag, card.option.plan.id) for card in pane.cards]
    assert after != before
    assert pane.recommendation.needs.ott == ("넷플릭스",)
    assert any(card.option.plan.family.value == "초이스" for card in pane.cards)
    assert all(any("넷플릭스" in r for r in card.option.reasons) for card in pane.cards)

    card = pane.cards[0]
    # The new cards are laid out on the next event-loop pass (a click before that hits a 0-px button).
    qtbot.waitUntil(lambda: card.add_button.isVisible() and card.add_button.height() > 0, timeout=5000)
    qtbot.mouseClick(card.add_button, Qt.MouseButton.LeftButton)
    assert not card.add_button.isEnabled()
    assert "상담 기록에 추가" in window.statusBar().currentMessage()
    recorder = window.recorder
    assert recorder is not None
    qtbot.waitUntil(lambda: recorder.pending_count == 0 and recorder.consultation_id is not None, timeout=10000)
    consultation = window.services.consultations.get(recorder.consultation_id)
    offers = [e for e in consultation.events if e.kind == "offer"]
    assert len(offers) == 1
    payload = offers[0].payload
    assert payload["plan_id"] == card.option.plan.id
    assert payload["total_fee"] == card.option.total_fee and payload["reasons"]
    assert payload["filters"]["ott"] == ["넷플릭스"]

    shots = artifacts_dir / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    qtbot.wait(50)
    assert window.grab().save(str(shots / "recommendation_pane.png"))
    pane.scroll.ensureWidgetVisible(pane.table)
    qtbot.wait(50)
    assert pane.table.isVisible() and pane.table.rowCount() == 8
    # At the column's narrowest (this window), no price or name in the table is cut.
    from tests.ui.layout_probe import table_problems

    assert table_problems(pane.table) == []
    assert pane.grab().save(str(shots / "recommendation_table.png"))


def test_unlimited_and_budget_filters(qtbot, window) -> None:
    pane = window.recommendation_pane
    _lookup(qtbot, window, "01012345678")  # 김철수, ~11GB, 5G 베이직 on 선택약정
    _wait_for_picks(qtbot, pane)
    rec = pane.recommendation
    assert window.caller.profile.contract_type is ContractType.SELECTIVE_24
    assert rec.current_fee == 60_000 and not rec.best.plan.is_unlimited

    pane.unlimited_check.setChecked(True)
    qtbot.waitUntil(lambda: not pane.busy and pane.recommendation.needs.wants_unlimited, timeout=10000)
    assert pane.cards and all(card.option.plan.is_unlimited for card in pane.cards)

    pane.unlimited_check.setChecked(False)
    pane.budget_spin.setValue(35_000)
    qtbot.waitUntil(lambda: not pane.busy and pane.recommendation.needs.budget == 35_000, timeout=10000)
    assert pane.recommendation.best.total_fee <= 35_000


def test_roaming_and_sharing_filters_prefer_plans_that_give_them(qtbot, window) -> None:
    pane = window.recommendation_pane
    _lookup(qtbot, window, "01011112222")  # 박지민, heavy user, 만 25세
    _wait_for_picks(qtbot, pane)
    assert pane.recommendation.best.plan.roaming is None  # 5G 심플 90GB: no roaming data
    pane.roaming_check.setChecked(True)
    qtbot.waitUntil(lambda: not pane.busy and pane.recommendation.needs.roaming, timeout=10000)
    best = pane.recommendation.best
    assert best.plan.roaming is not None and best.covers_need
    assert any(reason.startswith("로밍") for reason in best.reasons)
    pane.roaming_check.setChecked(False)
    pane.family_check.setChecked(True)
    qtbot.waitUntil(lambda: not pane.busy and pane.recommendation.needs.family_sharing, timeout=10000)
    assert pane.recommendation.best.plan.benefits.data_sharing is not None


def test_clear_resets_the_pane(qtbot, window) -> None:
    pane = window.recommendation_pane
    _lookup(qtbot, window, "01087654321")
    _wait_for_picks(qtbot, pane)
    pane.clear()
    assert pane.cards == [] and pane.recommendation is None and pane.message.isVisible()
