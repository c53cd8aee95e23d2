"""`ktcs recommend PHONE`: plan picks for a caller, with fees, savings, reasons and excluded plans."""

from __future__ import annotations

import argparse
import json

from ktcs_desktop.core.errors import InvalidInputError
from ktcs_desktop.core.formatting import won
from ktcs_desktop.core.models import CallerLookup
from ktcs_desktop.core.phone import format_phone
from ktcs_desktop.core.recommend import (
    OTT_CHOICES,
    CallNeeds,
    Recommendation,
    canonical_ott,
    recommend_for,
)


def create_services(*args, **kwargs):
    """The container, imported when a command runs: the DB stack (SQLAlchemy, Alembic) costs
    every other `ktcs` command ~0.4 s of start-up."""
    from ktcs_desktop.core.services.container import create_services as create

    return create(*args, **kwargs)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("recommend", help="고객에게 맞는 요금제 추천")
    parser.add_argument("phone")
    parser.add_argument("--budget", type=int, metavar="N", help="월 예산(원, 선택약정·부가서비스 포함)")
    parser.add_argument("--ott", action="append", default=[], metavar="이름",
                        help=f"원하는 OTT ({', '.join(OTT_CHOICES)}); 여러 번 쓸 수 있음")
    parser.add_argument("--unlimited", action="store_true", help="무제한 요금제만")
    parser.add_argument("--min-data", type=float, metavar="GB", help="최소 데이터(GB)")
    parser.add_argument("--json", action="store_true", help="JSON으로 출력")
    parser.set_defaults(handler=_recommend)


def needs_from_args(args: argparse.Namespace) -> CallNeeds:
    try:
        otts = tuple(canonical_ott(name) for name in args.ott)
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from None
    if args.budget is not None and args.budget <= 0:
        raise InvalidInputError("예산은 0보다 커야 합니다.", detail=f"budget={args.budget}")
    return CallNeeds(budget=args.budget, ott=otts, wants_unlimited=args.unlimited, min_data_gb=args.min_data)


def _recommend(args: argparse.Namespace) -> int:
    needs = needs_from_args(args)
    services = create_services()
    try:
        services.prepare_database()
        lookup = services.lookup.lookup(args.phone, history_limit=1)
        catalog = services.catalog  # the newest approved version
    finally:
        services.close()
    rec = recommend_for(lookup, needs, catalog=catalog)
    if args.json:
        payload = {"customer": {"name": lookup.profile.name, "phone": format_phone(lookup.profile.phone)},
                   **rec.to_payload()}
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(render_recommendation(lookup, rec))
    return 0


def render_recommendation(lookup: CallerLookup, rec: Recommendation) -> str:
    p = lookup.profile
    current = f"{rec.current_plan.name} (월 {won(rec.current_fee or 0)})" if rec.current_plan else p.current_plan
    lines = [
        f"{p.name} ({format_phone(p.phone)})  만 {rec.age}세  현재 {current}",
        f"  최근 3개월 평균 {rec.avg_data_gb:.1f}GB, 최대 {rec.max_data_gb:.1f}GB → 필요 데이터 {rec.need_gb:g}GB",
        "",
    ]
    for option in rec.options:
        selective = won(option.selective_fee) if option.selective_fee is not None else "없음"
        saving = ("" if option.saving_monthly is None else
                  f"  현재 대비 {'+' if option.saving_monthly < 0 else '-'}{won(abs(option.saving_monthly))}/월")
        lines.append(f"[{option.tag_label}] {option.plan.name}  월정액 {won(option.fee)} · 선택약정 {selective}"
                     f" · 실납부 {won(option.total_fee)}  데이터 {option.plan.data_label}{saving}")
        lines.extend(f"    - {reason}" for reason in option.reasons)
    if rec.excluded:
        lines += ["", "가입 불가:"] + [f"  - {reason}" for _name, reason in rec.excluded]
    if rec.notes:
        lines += ["", "참고:"] + [f"  - {note}" for note in rec.notes]
    return "\n".join(lines)
