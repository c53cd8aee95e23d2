"""Value types the assistant hands to the UI, the CLI and the wrap-up (Qt-free, immutable)."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from ktcs_desktop.core.formatting import won
from ktcs_desktop.core.models import CallerLookup, Speaker, TranscriptLine

TokenCallback = Callable[[str], None]
CancelCheck = Callable[[], bool]


class Intent(enum.StrEnum):
    """What a question is about; the value is a stable id, `label` the Korean name."""

    PLAN_INFO = "plan_info"  # price / data / voice of a plan
    ELIGIBILITY = "eligibility"
    COMPARISON = "comparison"
    RECOMMENDATION = "recommendation"
    SELECTIVE_DISCOUNT = "selective_discount"  # 선택약정
    CARRYOVER = "carryover"  # 이월
    PLAN_CHANGE = "plan_change"
    BUNDLE_DISCOUNT = "bundle_discount"  # 가족결합 / 총액결합할인
    ROAMING = "roaming"
    ADDON = "addon"  # 부가서비스 (OTT …): price, which plans include it, plan + add-on total
    ESCALATION = "escalation"
    GREETING = "greeting"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _INTENT_LABELS[self]


_INTENT_LABELS = {
    Intent.PLAN_INFO: "요금제 요금·데이터 문의",
    Intent.ELIGIBILITY: "가입 조건 문의",
    Intent.COMPARISON: "요금제 비교",
    Intent.RECOMMENDATION: "요금제 추천",
    Intent.SELECTIVE_DISCOUNT: "선택약정 할인 문의",
    Intent.CARRYOVER: "데이터 이월 문의",
    Intent.PLAN_CHANGE: "요금제 변경 절차",
    Intent.BUNDLE_DISCOUNT: "가족결합·총액결합할인 문의",
    Intent.ROAMING: "해외 로밍 문의",
    Intent.ADDON: "부가서비스 문의",
    Intent.ESCALATION: "이관·민원",
    Intent.GREETING: "인사",
    Intent.OTHER: "기타 문의",
}


@dataclass(frozen=True)
class PlanCard:
    """A plan as a knowledge card: every figure comes from the catalog."""

    plan_id: str
    name: str
    monthly_fee: int
    selective_fee: int | None
    data: str  # "14GB 소진 후 1Mbps", "무제한"
    source: str  # "kt-5g-plans-2025.csv 12행"
    note: str = ""  # why this card (추천 이유, 절감액 …)

    @property
    def fee_label(self) -> str:
        return f"월 {won(self.monthly_fee)}"

    @property
    def selective_label(self) -> str:
        return won(self.selective_fee) if self.selective_fee is not None else "해당 없음"


@dataclass(frozen=True)
class Citation:
    """Where a statement came from (catalog row, rules.json, a retrieved document)."""

    title: str
    source: str
    url: str | None = None


@dataclass
class Usage:
    """Tokens and estimated cost, per answer and summed per session."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    requests: int = 0
    cost_usd: float = 0.0

    def add(self, other: Usage) -> None:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.requests += other.requests
        self.cost_usd += other.cost_usd

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class AssistContext:
    """What the assistant may know about the call: the caller on screen and the transcript so far."""

    lookup: CallerLookup | None = None
    transcript: tuple[TranscriptLine, ...] = ()
    today: date | None = None

    @property
    def caller_name(self) -> str | None:
        return self.lookup.profile.name if self.lookup else None

    def caller_utterances(self, limit: int = 6) -> list[str]:
        lines = [line.text for line in self.transcript if line.speaker is Speaker.CALLER]
        return lines[-limit:]


@dataclass(frozen=True)
class AssistAnswer:
    text: str
    cards: tuple[PlanCard, ...] = ()
    citations: tuple[Citation, ...] = ()
    intent: Intent = Intent.OTHER
    provider: str = "offline"
    usage: Usage = field(default_factory=Usage)
    fallback_notice: str | None = None
