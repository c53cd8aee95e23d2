"""Typed records of the plan catalog: plans, add-ons and the general rules, validated on load."""

from __future__ import annotations

import enum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Won = Annotated[int, Field(strict=True, ge=0, le=1_000_000)]
Age = Annotated[int, Field(strict=True, ge=0, le=120)]
Mbps = Annotated[float, Field(gt=0, le=10_000)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=64)]
NonBlank = Annotated[str, Field(min_length=1)]

SELECTIVE_DISCOUNT_PERCENT = 25


def selective_discount(monthly_fee: int) -> int:
    """선택약정 discount in won: 25% of the monthly fee, rounded half up to the won."""
    return (monthly_fee * SELECTIVE_DISCOUNT_PERCENT + 50) // 100


def selective_price(monthly_fee: int) -> int:
    """The monthly fee under 선택약정 (e.g. 90,000 → 67,500)."""
    return monthly_fee - selective_discount(monthly_fee)


def field_problem(field: str, message: str) -> ValueError:
    """A cross-field check failure; the loader reads `field` back out to name it in the error."""
    return ValueError(f"{field}: {message}")


class PlanFamily(enum.StrEnum):
    """Product lines as KT sells them; the value is the Korean label agents use."""

    SIMPLE = "심플"
    CHOICE = "초이스"
    SPECIAL_BASIC = "스페셜·베이직"
    SLIM = "슬림"
    SLIM_CARRYOVER = "슬림(이월)"
    Y = "Y"
    Y_TEEN = "Y틴"
    JUNIOR = "주니어"
    SENIOR = "시니어"
    WELCOME = "웰컴"
    WELFARE = "복지"
    YOGO = "요고"


class Channel(enum.StrEnum):
    RETAIL = "retail"  # stores, 114, 마이케이티
    ONLINE = "online"  # 다이렉트 (online only, no contract)

    @property
    def label(self) -> str:
        return {Channel.RETAIL: "일반 (매장·고객센터·온라인)", Channel.ONLINE: "온라인 다이렉트 전용"}[self]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SourceRef(_Record):
    """Where a fact came from: the reference file and 1-based data row, plus source ids."""

    file: NonBlank
    row: Annotated[int, Field(strict=True, ge=1)]
    refs: tuple[str, ...] = ()
    kt_item_code: int | None = None

    @property
    def product_url(self) -> str | None:
        if self.kt_item_code is None:
            return None
        return f"https://product.kt.com/wDic/productDetail.do?ItemCode={self.kt_item_code}&CateCode=6002"


class Eligibility(_Record):
    """Who may subscribe: 만 나이 bounds (inclusive) and restricted groups."""

    min_age: Age | None = None
    max_age: Age | None = None
    foreigner_only: bool = False
    welfare_only: bool = False

    @model_validator(mode="after")
    def _bounds(self) -> Eligibility:
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise field_problem("min_age", "min_age must not exceed max_age")
        return self

    def allows(self, age: int, *, is_foreigner: bool = False, is_welfare: bool = False) -> bool:
        if self.min_age is not None and age < self.min_age:
            return False
        if self.max_age is not None and age > self.max_age:
            return False
        if self.foreigner_only and not is_foreigner:
            return False
        return not (self.welfare_only and not is_welfare)

    @property
    def label(self) -> str:
        parts: list[str] = []
        if self.min_age is not None:
            parts.append(f"만 {self.min_age}세 이상")
        if self.max_age is not None:
            parts.append(f"만 {self.max_age}세 이하")
        if self.foreigner_only:
            parts.append("외국인 전용")
        if self.welfare_only:
            parts.append("장애인 전용")
        return ", ".join(parts) or "제한 없음"


class Benefits(_Record):
    """Extras that come with a plan, as the reference states them."""

    choice_options: tuple[str, ...] = ()  # 초이스: pick one (OTT, device care, …)
    plus_options: tuple[str, ...] = ()  # 초이스: pick one more
    membership: Literal["VIP", "VVIP"] | None = None
    device_insurance: str | None = None
    smart_device: str | None = None
    data_sharing: str | None = None
    y_dom: str | None = None  # Y덤 for customers 만 34세 이하
    extras: tuple[str, ...] = ()  # 안심박스, 웰컴 promotions, …


class Plan(_Record):
    """One subscribable plan variant, fees in KRW per month with VAT."""

    id: Slug
    family: PlanFamily
    name: NonBlank
    network: Literal["5G", "LTE"] | None
    channel: Channel
    monthly_fee: Won
    data_gb: Annotated[float, Field(ge=0, le=10_000)] | None
    is_unlimited: bool
    speed_after_cap_mbps: Mbps | None  # None: no throttle, or not stated (see uncertain_notes)
    carryover: bool
    data_text: NonBlank
    voice: NonBlank
    voice_unlimited: bool
    voice_min: Annotated[int, Field(strict=True, ge=0)] | None  # when calls are metered (웰컴 200분)
    extra_voice_min: Annotated[int, Field(strict=True, ge=0)] | None  # 영상/부가통화 on unlimited plans
    sms: NonBlank
    hotspot: str | None
    roaming: str | None
    roaming_speed_mbps: Mbps | None
    eligibility: Eligibility
    target: NonBlank
    selective_discount_eligible: bool
    selective_fee: Won | None
    noted_selective_fee: Won | None  # the 선택약정 price printed in the reference, if any
    benefits: Benefits
    notes: str
    source: SourceRef
    as_of: NonBlank
    uncertain: bool
    uncertain_notes: tuple[str, ...]

    @model_validator(mode="after")
    def _consistent(self) -> Plan:
        if self.is_unlimited != (self.data_gb is None):
            raise field_problem("data_gb", "must be null exactly when is_unlimited is true")
        if self.voice_unlimited == (self.voice_min is not None):
            raise field_problem("voice_min", "must be set exactly when voice_unlimited is false")
        if self.uncertain != bool(self.uncertain_notes):
            raise field_problem("uncertain", "must be true exactly when uncertain_notes are given")
        if self.selective_discount_eligible:
            expected = selective_price(self.monthly_fee)
            if self.selective_fee != expected:
                raise field_problem("selective_fee", f"must be {expected} (25% off {self.monthly_fee})")
            if self.noted_selective_fee is not None and self.noted_selective_fee != expected:
                raise field_problem(
                    "noted_selective_fee", f"{self.noted_selective_fee} disagrees with 25% rule ({expected})"
                )
        elif self.selective_fee is not None or self.noted_selective_fee is not None:
            raise field_problem("selective_fee", "must be null when selective_discount_eligible is false")
        return self

    @property
    def data_label(self) -> str:
        """Short Korean description of the data allowance ("14GB 소진 후 1Mbps", "무제한")."""
        if self.data_gb is None:
            return "무제한"
        amount = f"{self.data_gb:g}GB"
        if self.carryover:
            amount += " (+이월)"
        if self.speed_after_cap_mbps is None:
            return amount
        speed = self.speed_after_cap_mbps
        return f"{amount} 소진 후 {speed:g}Mbps" if speed >= 1 else f"{amount} 소진 후 {speed * 1000:g}Kbps"


class AddOn(_Record):
    """A paid subscription add-on (OTT, magazines, …)."""

    id: Slug
    name: NonBlank
    category: Literal["ott", "ott_bundle", "magazine", "ebook", "music"]
    list_price: Won
    promo_price: Won | None
    video_quality: str | None
    streams: Annotated[int, Field(strict=True, ge=1, le=10)] | None
    extras: str | None
    source: SourceRef

    @model_validator(mode="after")
    def _promo_is_cheaper(self) -> AddOn:
        if self.promo_price is not None and self.promo_price > self.list_price:
            raise field_problem("promo_price", "must not exceed list_price")
        return self

    @property
    def price(self) -> int:
        """What the customer pays now (promotional price when there is one)."""
        return self.list_price if self.promo_price is None else self.promo_price


class SelectiveDiscountRule(_Record):
    rate_percent: Annotated[int, Field(ge=0, le=100)]
    terms_months: tuple[int, ...]
    rounding: str
    applies_to: str
    example: dict[str, str | int]
    uncertain: bool


class BundleTier(_Record):
    min_total: Won
    discount: Won


class BundleDiscountRule(_Record):
    """총액결합할인: the household's total mobile fees → a monthly discount."""

    description: str
    tiers: tuple[BundleTier, ...]
    uncertain: bool
    uncertain_notes: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _ascending(self) -> BundleDiscountRule:
        totals = [tier.min_total for tier in self.tiers]
        if not totals or totals != sorted(set(totals)) or totals[0] != 0:
            raise field_problem("tiers", "must start at 0 and ascend strictly")
        return self

    def discount_for(self, household_total: int) -> int:
        discount = 0
        for tier in self.tiers:
            if household_total >= tier.min_total:
                discount = tier.discount
        return discount


class PlanChangeRule(_Record):
    effective: str
    proration: str
    channels: tuple[str, ...]


class CarryoverRule(_Record):
    carry_months: int
    used_first: bool
    lost_on_plan_change: bool
    description: str


class YDomRule(_Record):
    max_age: Age
    capped_plans: str
    unlimited_plans: str
    uncertain_notes: tuple[str, ...] = ()


class CatalogRules(_Record):
    """General rules from the reference, as data (see resources/catalog/rules.json)."""

    schema_version: int
    source: str
    selective_discount: SelectiveDiscountRule
    bundle_discount: BundleDiscountRule
    plan_change: PlanChangeRule
    carryover: CarryoverRule
    y_dom: YDomRule
    eligibility_notes: dict[str, str]
