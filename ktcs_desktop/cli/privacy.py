"""`ktcs redact`: what a text would look like when it leaves the PC (stdin → stdout)."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    redact = subparsers.add_parser("redact", help="개인정보 가리기 (표준 입력 → 표준 출력)",
                                   description="표준 입력의 글에서 주민번호·전화번호·생년월일·카드·계좌·이메일·주소·이름 등을 "
                                               "[주민번호] 같은 표시로 바꿔 출력합니다.")
    redact.add_argument("--name", action="append", default=[], metavar="NAME",
                        help="통화 중인 고객 이름 (띄어쓰기·이름만·님/씨 형태도 가림; 여러 번 지정 가능)")
    redact.add_argument("--other", action="append", default=[], metavar="NAME", help="대화에 나오는 다른 고객 이름")
    redact.add_argument("--spans", action="store_true", help="가린 부분을 JSON 줄(범주, 위치, 원문)로 출력")
    redact.set_defaults(handler=_redact)


def _redact(args: argparse.Namespace) -> int:
    import json

    from ktcs_desktop.core.privacy import find_pii, redact

    for line in sys.stdin.read().splitlines():
        if args.spans:
            for span in find_pii(line, names=args.name, others=args.other):
                print(json.dumps({"category": span.category, "start": span.start, "end": span.end,
                                  "text": span.text}, ensure_ascii=False))
        else:
            print(redact(line, names=args.name, others=args.other))
    return 0
