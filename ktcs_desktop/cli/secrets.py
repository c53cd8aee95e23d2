"""`ktcs secret set|delete|status`: API keys in the OS credential store instead of `.env`."""

from __future__ import annotations

import argparse
import getpass
import sys

from ktcs_desktop.core.secrets import SECRET_NAMES, delete_secret, read_secret, store_secret


def register(subparsers: argparse._SubParsersAction) -> None:
    secret = subparsers.add_parser("secret", help="API 키를 OS 자격 증명 저장소에 보관")
    actions = secret.add_subparsers(dest="secret_command", metavar="ACTION", required=True)
    set_ = actions.add_parser("set", help="키 저장 (입력은 화면에 표시되지 않음)")
    set_.add_argument("name", choices=SECRET_NAMES)
    set_.add_argument("--stdin", action="store_true", help="표준 입력에서 한 줄 읽기")
    set_.set_defaults(handler=_set)
    delete = actions.add_parser("delete", help="저장된 키 삭제")
    delete.add_argument("name", choices=SECRET_NAMES)
    delete.set_defaults(handler=_delete)
    actions.add_parser("status", help="저장 여부 (값은 표시하지 않음)").set_defaults(handler=_status)


def _set(args: argparse.Namespace) -> int:
    value = sys.stdin.readline().strip() if args.stdin else getpass.getpass(f"{args.name}: ").strip()
    if not value:
        print("오류: 빈 값은 저장하지 않습니다.", file=sys.stderr)
        return 1
    store_secret(args.name, value)
    print(f"{args.name}을(를) 자격 증명 저장소에 저장했습니다. 환경 변수나 .env에 같은 키가 있으면 그 값이 우선합니다.")
    return 0


def _delete(args: argparse.Namespace) -> int:
    print(f"{args.name} 삭제됨" if delete_secret(args.name) else f"{args.name}: 저장된 값이 없습니다.")
    return 0


def _status(args: argparse.Namespace) -> int:
    for name in SECRET_NAMES:
        print(f"{name}: {'저장됨' if read_secret(name) else '없음'}")
    return 0
