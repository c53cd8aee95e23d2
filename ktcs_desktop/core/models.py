"""Domain types shared by services, the CLI and the UI (plain dataclasses, no ORM, no Qt)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Generic, TypeVar

T = TypeVar("T")


def international_age(birth_date: date, on: date) -> int:
    """만 나이: full years since birth on the given day."""
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


class ContractType(enum.StrEnum):
    """선택약정 (25% monthly-fee discount) or none."""

    NONE = "none"
    SELECTIVE_12 = "selective_12"
    SELECTIVE_24 = "selective_24"

    @property
    def label(self) -> str:
        return {
            ContractType.NONE: "약정 없음",
            ContractType.SELECTIVE_12: "선택약정 12개월",
            ContractType.SELECTIVE_24: "선택약정 24개월",
        }[self]


class Speaker(enum.StrEnum):
    AGENT = "agent"
    CALLER = "caller"
    SYSTEM = "system"

    @property
    def label(self) -> str:
        return {Speaker.AGENT: "상담원", Speaker.CALLER: "고객", Speaker.SYSTEM: "시스템"}[self]


class ConsultationStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class UsageMonth:
    month: date  # first day of the month
    data_gb: float
    voice_min: int
    sms_count: int = 0


@dataclass(frozen=True)
class UsageSummary:
    """What recommendation and the caller card need from the usage history."""

    months: tuple[UsageMonth, ...]  # newest first

    @property
    def recent(self) -> tuple[UsageMonth, ...]:
        return self.months[:3]

    @property
    def avg_data_gb(self) -> float:
        recent = self.recent
        return round(sum(m.data_gb for m in recent) / len(recent), 2) if recent else 0.0

    @property
    def max_data_gb(self) -> float:
        return max((m.data_gb for m in self.recent), default=0.0)

    @property
    def avg_voice_min(self) -> int:
        recent = self.recent
        return round(sum(m.voice_min for m in recent) / len(recent)) if recent else 0

    @property
    def typical_data_need_gb(self) -> float:
        """The larger of the 3-month average × 1.2 and the 3-month max."""
        return round(max(self.avg_data_gb * 1.2, self.max_data_gb), 2)


@dataclass(frozen=True)
class CustomerProfile:
    id: int
    phone: str  # canonical digits
    name: str
    birth_date: date
    is_foreigner: bool
    is_welfare: bool
    current_plan: str
    contract_type: ContractType
    contract_end: date | None
    join_date: date
    notes: str = ""

    def age_on(self, day: date) -> int:
        return international_age(self.birth_date, day)

    def contract_months_left(self, day: date) -> int | None:
        if self.contract_end is None or self.contract_type is ContractType.NONE:
            return None
        if self.contract_end < day:
            return 0
        return (self.contract_end.year - day.year) * 12 + (self.contract_end.month - day.month)


@dataclass(frozen=True)
class TranscriptLine:
    seq: int
    speaker: Speaker
    text: str
    at: datetime


@dataclass(frozen=True)
class ConsultationEvent:
    """Something recorded during a call: an offer made, an escalation, a note."""

    kind: str
    payload: dict
    at: datetime
    seq: int | None = None  # the call session's event number (None for rows written before keys)


@dataclass(frozen=True)
class ConsultationSummary:
    """A consultation as the history pane lists it."""

    id: int
    customer_id: int | None
    agent_id: str
    started_at: datetime
    ended_at: datetime | None
    status: ConsultationStatus
    summary: str
    outcome: str
    notes: str = ""
    session_key: str | None = None  # the desktop's key for the call


@dataclass(frozen=True)
class Consultation(ConsultationSummary):
    lines: tuple[TranscriptLine, ...] = ()
    events: tuple[ConsultationEvent, ...] = ()


@dataclass(frozen=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    total: int
    offset: int
    limit: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.items) < self.total


@dataclass(frozen=True)
class CallerLookup:
    """Everything the lookup pane shows for one caller."""

    profile: CustomerProfile
    age: int
    usage: UsageSummary
    history: Page[ConsultationSummary]
    identity_checks: tuple[str, ...] = field(default_factory=tuple)
