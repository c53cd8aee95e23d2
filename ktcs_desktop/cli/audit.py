"""`ktcs audit verify` (the SQLite hash chain) and `ktcs audit recent`."""

from __future__ import annotations

import argparse


def create_services(*args, **kwargs):
    """The container, imported when a command runs: the DB stack (SQLAlchemy, Alembic) costs
    every other `ktcs` command ~0.4 s of start-up."""
    from ktcs_desktop.core.services.container import create_services as create

    return create(*args, **kwargs)


def register(subparsers: argparse._SubParsersAction) -> None:
    audit = subparsers.add_parser("audit", help="감사 로그")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    audit_sub.add_parser("verify", help="감사 로그 해시 체인 검증 (변경·삭제 탐지)").set_defaults(handler=_verify)
    recent = audit_sub.add_parser("recent", help="최근 감사 기록")
    recent.add_argument("--limit", type=int, default=20)
    recent.set_defaults(handler=_recent)


def _verify(args: argparse.Namespace) -> int:
    services = create_services()
    try:
        services.ensure_schema()
        result = services.audit.verify()
    finally:
        services.close()
    if not result.chained:
        print(f"감사 기록 {result.rows}건 ({services.db.backend}): 공유 DB의 감사 로그는 해시 체인 대신 권한으로 "
              "보호됩니다 (앱 계정은 INSERT/SELECT만 가능, README 참고).")
        return 0
    if not result.ok:
        print(f"감사 로그 변조 감지: {result.problem} (검사한 기록 {result.rows}건)")
        return 1
    print(f"감사 로그 정상: {result.rows}건, 마지막 해시 {result.head or '-'}")
    return 0


def _recent(args: argparse.Namespace) -> int:
    services = create_services()
    try:
        services.ensure_schema()
        entries = services.audit.recent(limit=args.limit)
    finally:
        services.close()
    for e in entries:
        subject = e.phone_masked or (f"고객 {e.customer_id}" if e.customer_id is not None else "-")
        print(f"{e.at:%Y-%m-%d %H:%M:%S}  {e.agent_id:<20} {e.action:<18} {subject}  {e.detail}")
    return 0
