"""Typed inputs and results of the plan recommender (plain frozen dataclasses, no Qt)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ktcs_desktop.core.catalog import AddOn, Plan

OptionTag = Literal["best", "upgrade", "budget", "alternative"]

TAG_LABELS: dict[str, str] = {"best": "최적", "upgrade": "업그레이드", "budget": "실속", "alternative": "대안"}

# OTT services a caller may ask for, in the order the UI offers them.
OTT_CHOICES: tuple[str, ...] = ("넷플릭스", "티빙", "유튜브 프리미엄", "디즈니+")


@dataclass(frozen=True)
class CallNeeds:
    """What the caller said they want during the call (all optional)."""

    budget: int | None = None  # most they want to pay per month, in won (effective fee + add-on)
    ott: tuple[str, ...] = ()  # from OTT_CHOICES
    roaming: bool = False
    family_sharing: bool = False
    wants_unlimited: bool = False
    min_data_gb: float | None = None


@dataclass(frozen=True)
class PlanOption:
    """One recommended plan with its fees and the reasons to offer it."""

    plan: Plan
    fee: int  # list monthly fee
    selective_fee: int | None  # with 선택약정 (None: not offered, e.g. 요고)
    effective_fee: int  # what the customer would pay: 선택약정 fee when allowed, else the list fee
    covers_need: bool
    saving_monthly: int | None  # current like-for-like cost minus this option's total; negative = costs more
    saving_yearly: int | None
    reasons: tuple[str, ...]
    tag: OptionTag
    addons: tuple[AddOn, ...] = ()  # OTT add-ons needed on top of this plan for the requested OTT
    near_fit: bool = False  # slightly under the need but keeps a usable speed after the cap

    @property
    def addon_fee(self) -> int:
        return sum(addon.price for addon in self.addons)

    @property
    def total_fee(self) -> int:
        """Effective fee plus the add-ons the caller asked for."""
        return self.effective_fee + self.addon_fee

    @property
    def tag_label(self) -> str:
        return TAG_LABELS[self.tag]

    def to_payload(self) -> dict:
        """JSON-friendly summary (for consultation events and `--json`)."""
        return {
            "plan_id": self.plan.id,
            "plan_name": self.plan.name,
            "tag": self.tag,
            "monthly_fee": self.fee,
            "selective_fee": self.selective_fee,
            "effective_fee": self.effective_fee,
            "addons": [{"id": a.id, "name": a.name, "price": a.price} for a in self.addons],
            "total_fee": self.total_fee,
            "data": self.plan.data_label,
            "covers_need": self.covers_need,
            "saving_monthly": self.saving_monthly,
            "saving_yearly": self.saving_yearly,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class Recommendation:
    """The recommender's answer for one caller: picks first (best, upgrade, budget, alternatives)."""

    need_gb: float
    current_plan: Plan | None
    current_fee: int | None  # what the caller pays now for the plan (선택약정 price if on one)
    options: tuple[PlanOption, ...]
    excluded: tuple[tuple[str, str], ...]  # (plan name, Korean reason) for popular ineligible plans
    notes: tuple[str, ...]
    age: int = 0
    avg_data_gb: float = 0.0
    max_data_gb: float = 0.0
    current_addon_fee: int = 0  # add-ons the caller would need on the current plan for the requested OTT
    needs: CallNeeds = field(default_factory=CallNeeds)

    @property
    def best(self) -> PlanOption | None:
        return next((o for o in self.options if o.tag == "best"), None)

    def option(self, tag: OptionTag) -> PlanOption | None:
        return next((o for o in self.options if o.tag == tag), None)

    def to_payload(self) -> dict:
        return {
            "need_gb": self.need_gb,
            "age": self.age,
            "avg_data_gb": self.avg_data_gb,
            "max_data_gb": self.max_data_gb,
            "current_plan": self.current_plan.name if self.current_plan else None,
            "current_fee": self.current_fee,
            "current_addon_fee": self.current_addon_fee,
            "options": [o.to_payload() for o in self.options],
            "excluded": [{"plan": name, "reason": reason} for name, reason in self.excluded],
            "notes": list(self.notes),
        }
