"""A small fee calculator the assistant exposes as a tool: list fee, 선택약정, day proration."""

from __future__ import annotations

from dataclasses import dataclass

from ktcs_desktop.core.catalog.models import Plan, selective_discount
from ktcs_desktop.core.errors import InvalidInputError


@dataclass(frozen=True)
class FeeBreakdown:
    """Fees in KRW (VAT included) for `months` months, or for part of one month."""

    plan_id: str
    plan_name: str
    monthly_fee: int
    months: int
    days_used: int | None  # set when the month is prorated
    days_in_month: int | None
    base_fee: int  # list fee for the period
    discount: int  # 선택약정 discount for the period
    total: int  # base_fee - discount
    selective_applied: bool
    notes: tuple[str, ...] = ()

    @property
    def per_month(self) -> int:
        return self.total // self.months if self.days_used is None else self.total


def calculate_fee(
    plan: Plan,
    *,
    selective: bool,
    months: int = 1,
    proration_days: tuple[int, int] | None = None,
) -> FeeBreakdown:
    """Fee for `months` full months, or for `proration_days` = (days used, days in the month).

    Proration (plan changes take effect the same day) rounds to the won, half up, on the list fee
    and the discount separately. Asking for 선택약정 on a plan without it gives no discount and a note.
    """
    if months < 1 or months > 120:
        raise InvalidInputError("개월 수는 1~120 사이여야 합니다.", detail=f"months={months}")
    notes: list[str] = []
    applied = selective and plan.selective_discount_eligible
    if selective and not plan.selective_discount_eligible:
        notes.append(f"{plan.name}은(는) 선택약정 할인 대상이 아닙니다.")
    monthly_discount = selective_discount(plan.monthly_fee) if applied else 0

    if proration_days is None:
        base = plan.monthly_fee * months
        discount = monthly_discount * months
        days_used = days_in_month = None
    else:
        if months != 1:
            raise InvalidInputError("일할 계산은 한 달 단위로만 할 수 있습니다.", detail=f"months={months}")
        days_used, days_in_month = proration_days
        if not 28 <= days_in_month <= 31 or not 0 <= days_used <= days_in_month:
            raise InvalidInputError(
                "일할 계산 일수가 올바르지 않습니다 (사용 일수 0~월 일수, 월 일수 28~31).",
                detail=f"proration_days={proration_days}",
            )
        base = _prorate(plan.monthly_fee, days_used, days_in_month)
        discount = _prorate(monthly_discount, days_used, days_in_month)
        notes.append(f"{days_in_month}일 중 {days_used}일 일할 계산")
    if plan.uncertain:
        notes.extend(plan.uncertain_notes)
    return FeeBreakdown(
        plan_id=plan.id,
        plan_name=plan.name,
        monthly_fee=plan.monthly_fee,
        months=months,
        days_used=days_used,
        days_in_month=days_in_month,
        base_fee=base,
        discount=discount,
        total=base - discount,
        selective_applied=applied,
        notes=tuple(notes),
    )


def _prorate(amount: int, days: int, days_in_month: int) -> int:
    return (amount * days * 2 + days_in_month) // (days_in_month * 2)
