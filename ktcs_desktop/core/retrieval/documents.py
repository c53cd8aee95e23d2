"""What the index holds: one "plan card" per catalog plan, chunks of the product pages and the
general rules, each with the metadata search filters on."""

from __future__ import annotations

from dataclasses import dataclass, field

from ktcs_desktop.core.catalog import CatalogRules, Channel, Plan, PlanCatalog, selective_price
from ktcs_desktop.core.catalog.addons import BRANDS, brands_in
from ktcs_desktop.core.formatting import won


def _amount(value: object) -> str:
    """A catalog example amount: won() for an integer, the text as written otherwise."""
    return won(value) if isinstance(value, int) else f"{value}원"


NO_MIN_AGE = 0
NO_MAX_AGE = 200


@dataclass(frozen=True)
class KnowledgeDoc:
    id: str
    title: str
    text: str
    kind: str  # "plan" | "page" | "rule" | "addon"
    source: str
    plan_id: str | None = None
    metadata: dict[str, str | int | float | bool] = field(default_factory=dict)


def plan_metadata(plan: Plan) -> dict[str, str | int | float | bool]:
    e = plan.eligibility
    return {
        "plan_id": plan.id, "family": plan.family.value, "monthly_fee": plan.monthly_fee,
        "fee_max": plan.monthly_fee,
        "is_unlimited": plan.is_unlimited, "data_gb": -1.0 if plan.data_gb is None else float(plan.data_gb),
        "min_age": NO_MIN_AGE if e.min_age is None else e.min_age,
        "max_age": NO_MAX_AGE if e.max_age is None else e.max_age,
        "foreigner_only": e.foreigner_only, "welfare_only": e.welfare_only,
    }


def family_metadata(plans: list[Plan]) -> dict[str, str | int | float | bool]:
    """Metadata of a page chunk about a whole family: the loosest terms of any of its plans."""
    metas = [plan_metadata(p) for p in plans]
    return {
        "plan_id": "", "family": str(metas[0]["family"]),
        "monthly_fee": min(int(m["monthly_fee"]) for m in metas),
        "fee_max": max(int(m["fee_max"]) for m in metas),
        "is_unlimited": any(bool(m["is_unlimited"]) for m in metas),
        "data_gb": max(float(m["data_gb"]) for m in metas),
        "min_age": min(int(m["min_age"]) for m in metas), "max_age": max(int(m["max_age"]) for m in metas),
        "foreigner_only": all(bool(m["foreigner_only"]) for m in metas),
        "welfare_only": all(bool(m["welfare_only"]) for m in metas),
    }


RULE_METADATA: dict[str, str | int | float | bool] = {
    "plan_id": "", "family": "", "monthly_fee": 0, "fee_max": 1_000_000, "is_unlimited": False, "data_gb": -1.0,
    "min_age": NO_MIN_AGE, "max_age": NO_MAX_AGE, "foreigner_only": False, "welfare_only": False,
}




def plan_card_text(plan: Plan) -> str:
    """All facts of one plan as Korean prose an agent could read out."""
    lines = [f"{plan.name} 요금제 ({plan.family.value} 계열, {plan.network or ''} {plan.channel.label})"]
    lines.append(f"월정액 {won(plan.monthly_fee)} ({plan.monthly_fee}원)")
    if plan.selective_discount_eligible:
        lines.append(f"선택약정 25% 할인 시 월 {won(selective_price(plan.monthly_fee))} (약정 할인 가능)")
    else:
        lines.append("선택약정 할인 없음 (무약정)")
    lines.append(f"데이터: {plan.data_text} ({'무제한 데이터' if plan.is_unlimited else plan.data_label})")
    if plan.carryover:
        lines.append("남은 데이터 이월 가능 (다음 달로 1개월 이월)")
    lines.append(f"음성: {plan.voice} / 문자: {plan.sms}")
    if plan.hotspot:
        lines.append(f"테더링(핫스팟): {plan.hotspot}")
    if plan.roaming:
        lines.append(f"로밍: {plan.roaming}")
    lines.append(f"가입 대상: {plan.target} ({plan.eligibility.label})")
    b = plan.benefits
    if b.choice_options:
        lines.append("초이스 혜택 택1 (OTT 등): " + ", ".join(b.choice_options))
    if b.plus_options:
        lines.append("추가 선택 혜택: " + ", ".join(b.plus_options))
    for label, value in (("멤버십", b.membership), ("기기 보험", b.device_insurance),
                         ("스마트기기", b.smart_device), ("데이터 쉐어링", b.data_sharing), ("Y덤", b.y_dom)):
        if value:
            lines.append(f"{label}: {value}")
    if b.extras:
        lines.append("기타 혜택: " + ", ".join(b.extras))
    if plan.notes:
        lines.append(f"참고: {plan.notes}")
    if plan.uncertain_notes:
        lines.append("확인 필요: " + "; ".join(plan.uncertain_notes))
    return "\n".join(lines)


def plan_docs(catalog: PlanCatalog) -> list[KnowledgeDoc]:
    return [
        KnowledgeDoc(id=f"plan:{plan.id}", title=plan.name, text=plan_card_text(plan), kind="plan",
                     source=plan.source.product_url or "catalog", plan_id=plan.id, metadata=plan_metadata(plan))
        for plan in catalog
    ]


def rule_docs(rules: CatalogRules | None) -> list[KnowledgeDoc]:
    if rules is None:
        return []
    sd, bd, pc, co, yd = rules.selective_discount, rules.bundle_discount, rules.plan_change, rules.carryover, rules.y_dom
    texts = {
        "selective-discount": ("선택약정 할인 규칙",
                               f"선택약정(요금할인) {sd.rate_percent}% 할인, 약정 기간 "
                               f"{'/'.join(str(m) for m in sd.terms_months)}개월. 적용 대상: {sd.applies_to}. "
                               f"반올림: {sd.rounding}. 예: {sd.example.get('plan')} 월 "
                               f"{_amount(sd.example.get('monthly_fee'))} → {_amount(sd.example.get('selective_fee'))}"),
        "bundle-discount": ("총액결합할인 (가족결합)",
                            bd.description + ". " + ", ".join(
                                f"합계 {won(t.min_total)} 이상 {won(t.discount)} 할인" for t in bd.tiers[1:])),
        "plan-change": ("요금제 변경 규칙",
                        f"요금제 변경은 {pc.effective}, {pc.proration}. 변경 채널: {', '.join(pc.channels)}"),
        "carryover": ("데이터 이월 규칙", co.description),
        "y-dom": ("Y덤 혜택 규칙", f"만 {yd.max_age}세 이하 고객: 데이터 제공 요금제는 {yd.capped_plans}, "
                                   f"무제한 요금제는 {yd.unlimited_plans}"),
    }
    for family, note in rules.eligibility_notes.items():
        texts[f"eligibility-{len(texts)}"] = (f"{family} 요금제 가입 자격", f"{family} 요금제 가입 대상: {note}")
    return [
        KnowledgeDoc(id=f"rule:{key}", title=title, text=text, kind="rule", source="rules.json",
                     metadata=dict(RULE_METADATA))
        for key, (title, text) in texts.items()
    ]


_CATEGORY_LABELS = {"ott": "OTT 부가서비스", "ott_bundle": "OTT 묶음 부가서비스 (OTT + 쿠폰)", "magazine": "매거진 구독",
                    "ebook": "전자책 구독", "music": "음악 스트리밍"}


def addon_docs(catalog: PlanCatalog) -> list[KnowledgeDoc]:
    """One card per add-on: name, list and promotional price, what it gives, which plans include it."""
    docs = []
    for addon in catalog.addons():
        lines = [f"{addon.name} 부가서비스 ({_CATEGORY_LABELS.get(addon.category, addon.category)})"]
        if addon.promo_price is not None:
            lines.append(f"정가 월 {won(addon.list_price)} ({addon.list_price}원), 프로모션 할인가 월 "
                         f"{won(addon.promo_price)} ({addon.promo_price}원)")
        else:
            lines.append(f"월 {won(addon.list_price)} ({addon.list_price}원)")
        if addon.video_quality:
            lines.append(f"화질: {addon.video_quality}")
        if addon.streams:
            lines.append(f"동시 시청 {addon.streams}명")
        if addon.extras:
            lines.append(f"추가 혜택: {addon.extras}")
        for brand in brands_in(addon.name):
            lines.append(f"다른 이름: {', '.join(BRANDS[brand][:3])}")
        docs.append(KnowledgeDoc(id=f"addon:{addon.id}", title=addon.name, text="\n".join(lines), kind="addon",
                                 source=f"{addon.source.file} {addon.source.row}행", metadata=dict(RULE_METADATA)))
    return docs


def channel_docs(catalog: PlanCatalog) -> list[KnowledgeDoc]:
    """Where each line of plans is sold: 요고 다이렉트 online only (no store, no phone, no 선택약정)."""
    online = [p for p in catalog if p.channel is Channel.ONLINE]
    if not online:
        return []
    applies = catalog.rules.selective_discount.applies_to if catalog.rules else ""
    text = (f"요고 다이렉트 가입 방법: {Channel.ONLINE.label} 요금제로 KT닷컴·마이케이티 앱에서 온라인으로만 가입·변경합니다. "
            "매장·대리점 방문이나 전화(114, 고객센터)로는 요고 가입이 안 됩니다. 약정 없음(무약정). "
            f"선택약정: {applies}. 요고 요금제: " + ", ".join(f"{p.name} 월 {won(p.monthly_fee)}" for p in online))
    return [KnowledgeDoc(id="rule:yogo-channel", title="요고 다이렉트 가입 채널 (온라인 전용)", text=text, kind="rule",
                         source="rules.json", metadata=dict(RULE_METADATA))]
