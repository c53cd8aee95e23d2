"""`ktcs` command line: a thin front over the Qt-free core.

Each feature lives in its own module with `register(subparsers)`; add new modules to
`_FEATURE_MODULES` below.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from ktcs_desktop import __version__
from ktcs_desktop.core.errors import KtcsError

_FEATURE_MODULES = [
    "ktcs_desktop.cli.customers",
    "ktcs_desktop.cli.knowledge",
    "ktcs_desktop.cli.recommend",
    "ktcs_desktop.cli.assistant",
    "ktcs_desktop.cli.secrets",
    "ktcs_desktop.cli.audit",
    "ktcs_desktop.cli.privacy",
    "ktcs_desktop.cli.call",
    "ktcs_desktop.cli.catalog",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ktcs", description="KT CS AI 상담원 command line")
    parser.add_argument("--version", action="version", version=f"ktcs {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in _FEATURE_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    from ktcs_desktop.core.startup import startup_error_message

    try:
        from ktcs_desktop.context import install

        install()  # the composition root: ingestion's index builder for core
        parser = build_parser()
    except Exception as exc:  # chromadb reads ./.env when imported: a CP949 file already fails here
        message = startup_error_message(exc)
        if message is None:
            raise
        print(f"오류: {message}", file=sys.stderr)
        return 1
    args = parser.parse_args(argv)
    from ktcs_desktop.core.privacy.at_rest import apply_private_umask

    apply_private_umask()  # what the CLI writes (DB, index, exports) is the user's alone
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except KtcsError as exc:
        print(f"오류: {startup_error_message(exc) or exc.user_message}", file=sys.stderr)
        if args.verbose and exc.detail:
            print(f"  ({exc.detail})", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("중단되었습니다.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `ktcs … | head`: the reader left; that's not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - stop Python's exit flush from raising again
        return 0
    except Exception as exc:  # a malformed .env, a CP949 .env, a bad URL: the window's message, no traceback
        message = startup_error_message(exc)
        if message is None:
            raise
        print(f"오류: {message}", file=sys.stderr)
        return 1
