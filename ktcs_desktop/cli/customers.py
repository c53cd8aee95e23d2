"""`ktcs lookup`, `ktcs seed`, `ktcs db upgrade|status`, `ktcs gui`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from datetime import date, datetime

from ktcs_desktop.core.models import CallerLookup
from ktcs_desktop.core.phone import format_phone


def create_services(*args, **kwargs):
    """The container, imported when a command runs: the DB stack (SQLAlchemy, Alembic) costs
    every other `ktcs` command ~0.4 s of start-up."""
    from ktcs_desktop.core.services.container import create_services as create

    return create(*args, **kwargs)


def register(subparsers: argparse._SubParsersAction) -> None:
    lookup = subparsers.add_parser("lookup", help="전화번호로 고객 조회")
    lookup.add_argument("phone")
    lookup.add_argument("--json", action="store_true", help="JSON으로 출력")
    lookup.add_argument("--history", type=int, default=5, help="상담 이력 건수")
    lookup.set_defaults(handler=_lookup)

    seed = subparsers.add_parser("seed", help="샘플 고객(및 합성 고객) 생성")
    seed.add_argument("--customers", type=int, default=0, metavar="N", help="합성 고객 N명 추가")
    seed.add_argument("--seed", type=int, default=7, help="난수 시드")
    seed.set_defaults(handler=_seed)

    db = subparsers.add_parser("db", help="데이터베이스 관리")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_sub.add_parser("upgrade", help="스키마를 최신으로 마이그레이션 (공유 DB: 관리자 계정으로, GET_LOCK으로 직렬화)"
                      ).set_defaults(handler=_db_upgrade)
    db_sub.add_parser("status", help="연결 및 스키마 상태").set_defaults(handler=_db_status)
    grants = db_sub.add_parser("grants", help="상담원 DB 계정 생성·최소 권한 SQL 출력 (관리자가 실행)")
    grants.add_argument("users", nargs="+", metavar="USER", help="상담원별 DB 계정 이름")
    grants.add_argument("--database", default=None, help="데이터베이스 이름 (기본: KTCS_DATABASE_URL의 것)")
    grants.add_argument("--host", default="%", help="접속 허용 호스트 (기본 %%)")
    grants.add_argument("--supervisor", action="store_true",
                        help="팀장 계정: 카탈로그 승인(catalog_versions UPDATE)까지 (ktcs catalog grant와 함께)")
    grants.set_defaults(handler=_db_grants)

    status = subparsers.add_parser("status", help="기능 상태 (무엇이 켜져 있고 무엇으로 대체되는지)")
    status.add_argument("--json", action="store_true")
    status.add_argument("--no-probe", action="store_true", help="서버에 묻지 않고 설정만 보고")
    status.set_defaults(handler=_status)

    gui = subparsers.add_parser("gui", help="데스크톱 앱 실행")
    gui.add_argument("--self-check", action="store_true", help="창을 띄우지 않고 점검 후 종료")
    gui.set_defaults(handler=_gui)


def _json_default(value: object) -> object:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _lookup(args: argparse.Namespace) -> int:
    services = create_services()
    try:
        services.prepare_database(seed=False)  # SQLite migrates; a shared DB is only checked
        result = services.lookup.lookup(args.phone, history_limit=args.history)
    finally:
        services.close()
    if args.json:
        payload = asdict(result)
        payload["usage"]["avg_data_gb"] = result.usage.avg_data_gb
        payload["usage"]["typical_data_need_gb"] = result.usage.typical_data_need_gb
        print(json.dumps(payload, ensure_ascii=False, indent=2, default=_json_default))
    else:
        print(render_lookup(result))
    return 0


def render_lookup(result: CallerLookup) -> str:
    p = result.profile
    flags = [label for flag, label in ((p.is_foreigner, "외국인"), (p.is_welfare, "복지")) if flag]
    lines = [
        f"{p.name} ({format_phone(p.phone)})  만 {result.age}세" + (f"  [{', '.join(flags)}]" if flags else ""),
        f"  요금제: {p.current_plan}   약정: {p.contract_type.label}"
        + (f" (~{p.contract_end:%Y-%m-%d})" if p.contract_end else ""),
        f"  가입일: {p.join_date:%Y-%m-%d}",
        f"  최근 3개월 데이터: 평균 {result.usage.avg_data_gb:.1f}GB, 최대 {result.usage.max_data_gb:.1f}GB, "
        f"통화 평균 {result.usage.avg_voice_min}분",
        "  본인 확인:",
        *[f"    - {check}" for check in result.identity_checks],
        f"  상담 이력 ({result.history.total}건):",
        *[f"    - {c.started_at:%Y-%m-%d} {c.summary} [{c.outcome}]" for c in result.history.items],
    ]
    return "\n".join(lines)


def _seed(args: argparse.Namespace) -> int:
    from ktcs_desktop.core.storage.seed import seed_database

    services = create_services()
    try:
        services.db.upgrade()  # `ktcs seed` is an administrator's command on a shared DB
        started = time.perf_counter()
        report = seed_database(services.db, synthetic=args.customers, seed=args.seed,
                               agent_id=services.settings.agent_id)
    finally:
        services.close()
    print(f"샘플 고객 {report.samples_added}명, 합성 고객 {report.synthetic_added}명 추가 "
          f"(전체 {report.total}명, {time.perf_counter() - started:.1f}초)")
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    services = create_services()
    try:
        services.db.upgrade()
        print(f"스키마 최신 상태: {services.db.current_revision()} ({services.db.backend} {services.db.location})")
    finally:
        services.close()
    return 0


def _db_status(args: argparse.Namespace) -> int:
    services = create_services()
    try:
        status = services.db.check()
    finally:
        services.close()
    print(f"{status.message} — {status.location} (revision {status.revision or '-'})")
    return 0 if status.ok else 1


def _status(args: argparse.Namespace) -> int:
    from ktcs_desktop.core.config import load_settings
    from ktcs_desktop.core.services.capabilities import capability_report

    report = capability_report(load_settings(), probe=not args.no_probe)
    if args.json:
        print(json.dumps([asdict(c) for c in report], ensure_ascii=False, indent=2))
        return 0
    for c in report:
        print(f"{c.name:<10} {'●' if c.online else '○'} {c.mode}" + (f"\n{'':<12}{c.detail}" if c.detail else ""))
    return 0


def _gui(args: argparse.Namespace) -> int:
    from ktcs_desktop.ui.app import main as gui_main

    return gui_main(["--self-check"] if args.self_check else [])


def _db_grants(args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url

    from ktcs_desktop.core.config import load_settings
    from ktcs_desktop.core.storage.grants import rollout_sql

    database = args.database or make_url(load_settings().database_url).database
    if not database or database.endswith((".sqlite3", ".db")):
        print("오류: --database로 MySQL/MariaDB 데이터베이스 이름을 지정하세요.", file=sys.stderr)
        return 1
    try:
        sql = rollout_sql(database, args.users, args.host, supervisor=args.supervisor)
    except ValueError as exc:
        print(f"오류: 계정/호스트/데이터베이스 이름을 확인하세요 ({exc}).", file=sys.stderr)
        return 1
    print("-- `ktcs db upgrade` (관리자 계정) 뒤에 실행하세요. 비밀번호는 계정마다 바꾸세요.")
    print(sql)
    return 0
