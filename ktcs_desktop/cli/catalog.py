"""`ktcs catalog diff|approve|history|rollback|grant`: the floor's approved plan catalog.

A refresh (`ktcs ingest`, 요금제 정보 새로고침) turns the differences it found into a draft version;
a supervisor reviews it (`diff`) and approves it; every desktop then uses it at its next lookup.
`rollback V` approves a copy of version V as a new version. `grant` is the administrator's:
on MySQL/MariaDB the desktop accounts may only read `agent_roles`.
"""

from __future__ import annotations

import argparse
import json


def create_services():  # noqa: ANN201 - the container, imported when a command runs
    from ktcs_desktop.context import create_app_context

    return create_app_context()


def register(subparsers: argparse._SubParsersAction) -> None:
    catalog = subparsers.add_parser("catalog", help="승인된 요금제 카탈로그 (버전, 비교, 승인, 되돌리기)")
    sub = catalog.add_subparsers(dest="catalog_command", metavar="ACTION", required=True)
    diff = sub.add_parser("diff", help="초안과 기준 버전의 차이 (기본: 최신 초안)")
    diff.add_argument("version", nargs="?", type=int, default=None)
    diff.set_defaults(handler=_diff)
    approve = sub.add_parser("approve", help="초안 승인 (팀장 권한, DB에서 확인)")
    approve.add_argument("version", nargs="?", type=int, default=None)
    approve.set_defaults(handler=_approve)
    history = sub.add_parser("history", help="카탈로그 버전 이력")
    history.add_argument("--limit", type=int, default=20)
    history.add_argument("--json", action="store_true")
    history.set_defaults(handler=_history)
    rollback = sub.add_parser("rollback", help="이전 버전의 사본을 새 승인 버전으로 (팀장 권한)")
    rollback.add_argument("version", type=int)
    rollback.set_defaults(handler=_rollback)
    grant = sub.add_parser("grant", help="상담원에게 팀장(supervisor) 권한 부여 (관리자)")
    grant.add_argument("agent", help="상담원 ID (감사 로그에 기록되는 것: OS 로그인 또는 KTCS_AGENT_ID)")
    grant.add_argument("--revoke", action="store_true", help="권한 회수")
    grant.set_defaults(handler=_grant)


def _run(work):  # noqa: ANN001, ANN202
    services = create_services()
    try:
        services.prepare_database(seed=False)  # SQLite migrates; a shared DB is only checked; v1 seeded
        return work(services)
    finally:
        services.close()


def _version_line(v) -> str:  # noqa: ANN001
    from ktcs_desktop.core.services.catalog import status_label

    approved = f", 승인 {v.approved_by} {v.approved_at:%Y-%m-%d %H:%M}" if v.approved_at else ""
    base = f", 기준 v{v.based_on}" if v.based_on else ""
    effective = f", 시행 {v.effective_date:%Y-%m-%d}" if v.effective_date else ""
    return (f"v{v.version:<4} {status_label(v.status):<6} {v.source:<8} 작성 {v.created_by} "
            f"{v.created_at:%Y-%m-%d %H:%M}{approved}{base}{effective}")


def _diff(args: argparse.Namespace) -> int:
    result = _run(lambda s: s.approvals.diff(args.version))
    base = f"v{result.base.version}" if result.base else "-"
    print(f"v{result.version.version} ({result.version.status}) ← {base}")
    for line in result.lines:
        print(f"  - {line}")
    if result.version.note:
        print(result.version.note)
    return 0


def _approve(args: argparse.Namespace) -> int:
    approved = _run(lambda s: s.approvals.approve(args.version))
    print(f"v{approved.version}을(를) 승인했습니다. 모든 상담 PC가 다음 조회부터 이 버전을 사용합니다.")
    return 0


def _rollback(args: argparse.Namespace) -> int:
    created = _run(lambda s: s.approvals.rollback(args.version))
    print(f"v{args.version}의 사본을 v{created.version}(으)로 승인했습니다.")
    return 0


def _history(args: argparse.Namespace) -> int:
    versions = _run(lambda s: s.approvals.history(args.limit))
    if args.json:
        print(json.dumps([{"version": v.version, "status": v.status, "source": v.source, "based_on": v.based_on,
                           "created_by": v.created_by, "created_at": v.created_at.isoformat(),
                           "approved_by": v.approved_by,
                           "approved_at": v.approved_at.isoformat() if v.approved_at else None,
                           "effective_date": v.effective_date.isoformat() if v.effective_date else None,
                           "content_hash": v.content_hash, "note": v.note} for v in versions],
                         ensure_ascii=False, indent=2))
        return 0
    for v in versions:
        print(_version_line(v))
    return 0


def _grant(args: argparse.Namespace) -> int:
    from ktcs_desktop.core.storage.catalog_versions import SUPERVISOR

    def work(services) -> None:  # noqa: ANN001
        roles = services.approvals.roles
        if args.revoke:
            removed = roles.revoke(args.agent)
            services.audit.record(services.settings.agent_id, "role_revoke", detail=f"{args.agent}: {SUPERVISOR}")
            print(f"{args.agent}: 팀장 권한을 회수했습니다." if removed else f"{args.agent}: 부여된 권한이 없습니다.")
        else:
            roles.grant(args.agent, SUPERVISOR, granted_by=services.settings.agent_id)
            services.audit.record(services.settings.agent_id, "role_grant", detail=f"{args.agent}: {SUPERVISOR}")
            print(f"{args.agent}: 팀장(supervisor) 권한을 부여했습니다 (그 PC의 KTCS_AGENT_ROLE=supervisor도 필요).")

    from sqlalchemy.exc import DBAPIError

    from ktcs_desktop.core.errors import KtcsError

    try:
        _run(work)
    except DBAPIError as exc:
        code = getattr(getattr(exc, "orig", None), "args", (None,))[0]
        if code != 1142:  # not "command denied"
            raise
        raise KtcsError("이 데이터베이스 계정에는 권한을 부여할 권한이 없습니다. 관리자 계정(KTCS_DATABASE_URL)으로 "
                        "실행하세요.", detail=str(exc.orig)[:200]) from exc
    return 0
