"""`ktcs call PHONE`: the screen-pop contract from the command line (a softphone/CTI hook).

Hands the number to the window running on this profile, which opens a fresh call for that
caller; starts the window (`ktcs-desktop --call PHONE`) when none runs.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from ktcs_desktop.core.config import load_settings
from ktcs_desktop.core.phone import format_phone, normalize_phone
from ktcs_desktop.core.screenpop import ProfileLock, instance_address, send_call


def register(subparsers: argparse._SubParsersAction) -> None:
    call = subparsers.add_parser("call", help="수신 전화 화면 표시 (실행 중인 창에 새 상담으로 전달)")
    call.add_argument("phone", help="발신 번호 (예: 010-1234-5678)")
    call.add_argument("--no-start", action="store_true", help="실행 중인 창이 없으면 시작하지 않음")
    call.add_argument("--wait", type=float, default=20.0, help="창이 시작되기를 기다리는 시간(초)")
    call.set_defaults(handler=_call)


def _call(args: argparse.Namespace) -> int:
    digits = normalize_phone(args.phone)  # InvalidInputError → a Korean message, exit 1
    settings = load_settings()
    address = instance_address(settings.paths.data_dir)
    if send_call(address, digits):
        print(f"{format_phone(digits)}: 실행 중인 창에 전달했습니다.")
        return 0
    lock = ProfileLock(settings.paths.data_dir)
    if lock.acquire():  # nothing runs on this profile
        lock.release()
        if args.no_start:
            print("실행 중인 KT CS AI 상담원 창이 없습니다.", file=sys.stderr)
            return 3
        subprocess.Popen([sys.executable, "-m", "ktcs_desktop.ui.app", "--call", digits],  # noqa: S603
                         start_new_session=True, stdin=subprocess.DEVNULL)
        print(f"{format_phone(digits)}: 창을 시작해 새 상담을 엽니다.")
        return 0
    deadline = time.monotonic() + args.wait  # a window is starting: it listens in a moment
    while time.monotonic() < deadline:
        if send_call(address, digits):
            print(f"{format_phone(digits)}: 실행 중인 창에 전달했습니다.")
            return 0
        time.sleep(0.25)
    print("창이 응답하지 않습니다. 창이 멈춰 있는지 확인해 주세요.", file=sys.stderr)
    return 4
