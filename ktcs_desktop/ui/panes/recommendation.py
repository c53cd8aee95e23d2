"""Recommended plans for the caller on screen (filled by the recommendation engine)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ktcs_desktop.core.models import CallerLookup
from ktcs_desktop.ui.widgets import Pane, placeholder


class RecommendationPane(Pane):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("추천 요금제", parent)
        self.message = placeholder("고객을 조회하면 이용 패턴에 맞는 요금제가 여기에 표시됩니다.")
        self.body.addWidget(self.message)
        self.body.addStretch(1)

    def show_caller(self, result: CallerLookup) -> None:
        self.message.setText(
            f"{result.profile.name} 고객님 추천 기능은 아직 연결되지 않았습니다.\n"
            f"현재 요금제: {result.profile.current_plan}"
        )

    def clear(self) -> None:
        self.message.setText("고객을 조회하면 이용 패턴에 맞는 요금제가 여기에 표시됩니다.")
