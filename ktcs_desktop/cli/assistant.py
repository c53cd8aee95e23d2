"""`ktcs ask`, `ktcs summarize`, `ktcs export`, `ktcs eval assistant`."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import unicodedata
from pathlib import Path

from ktcs_desktop.core.config import resources_dir


def register(subparsers: argparse._SubParsersAction) -> None:
    ask = subparsers.add_parser("ask", help="AI 도우미에게 질문")
    ask.add_argument("question")
    ask.add_argument("--phone", help="화면에 조회된 고객처럼 이 번호의 고객을 맥락으로 사용")
    ask.add_argument("--offline", action="store_true", help="API 키가 있어도 오프라인으로 답변")
    ask.set_defaults(handler=_ask)

    summarize = subparsers.add_parser("summarize", help="상담 요약 생성")
    summarize.add_argument("session_id", type=int, help="상담 id")
    summarize.add_argument("--regenerate", action="store_true", help="저장된 요약 대신 대화에서 새로 추출")
    summarize.set_defaults(handler=_summarize)

    export = subparsers.add_parser("export", help="상담 요약 내보내기")
    export.add_argument("session_id", type=int)
    export.add_argument("--format", choices=("md", "json", "pdf"), default="md")
    export.add_argument("-o", "--output", type=Path)
    export.set_defaults(handler=_export)

    existing = subparsers.choices.get("eval")
    if existing is None:
        eval_parser = subparsers.add_parser("eval", help="품질 평가")
        eval_sub = eval_parser.add_subparsers(dest="eval_command", metavar="TARGET", required=True)
    else:  # another feature already owns `ktcs eval`: add our target to it
        eval_sub = next(a for a in existing._actions if isinstance(a, argparse._SubParsersAction))
    target = eval_sub.add_parser("assistant", help="오프라인 도우미: 의도 정확도, 완전한 답변 (분류별)")
    target.add_argument("--data", type=Path, default=None)
    target.add_argument("--failures", action="store_true", help="완전하지 않은 답변의 질문을 출력")
    target.set_defaults(handler=_eval)
    esc = eval_sub.add_parser("escalation", help="이관 감지: 정확도, 정밀도/재현율 (분류별)")
    esc.add_argument("--data", type=Path, default=None)
    esc.add_argument("--failures", action="store_true", help="틀린 발화를 출력")
    esc.set_defaults(handler=_eval_escalation)


def _ask(args: argparse.Namespace) -> int:
    from ktcs_desktop.context import create_app_context
    from ktcs_desktop.core.assistant import AssistantService, AssistContext

    lookup = None
    services = create_app_context()
    try:
        services.prepare_database(seed=False)
        if args.phone:
            lookup = services.lookup.lookup(args.phone)
        # the newest approved catalog; --offline: templates over the catalog only (no index, no model)
        service = AssistantService(None, services.catalog) if args.offline else services.assistant
    finally:
        services.close()
    # Tokens stream live only to a terminal, where a failed model's unchecked text can be erased
    # (on_reset); to a pipe or file only the final, checked answer is written.
    live = sys.stdout.isatty()
    shown: list[str] = []
    notices: list[str] = []

    def on_token(token: str) -> None:
        if live:
            print(token, end="", flush=True)
            shown.append(token)

    def on_reset(notice: str) -> None:
        if shown:
            sys.stdout.write(erase_sequence("".join(shown), shutil.get_terminal_size().columns))
            sys.stdout.flush()
            shown.clear()
        notices.append(notice)
        print(f"[{notice}]", file=sys.stderr, flush=True)

    answer = service.answer(args.question, AssistContext(lookup=lookup), on_token=on_token, on_reset=on_reset)
    print() if live else print(answer.text)
    if answer.fallback_notice and answer.fallback_notice not in notices:
        print(f"[{answer.fallback_notice}]", file=sys.stderr)
    for card in answer.cards:
        print(f"  · {card.name}: {card.fee_label}, 선택약정 {card.selective_label}, 데이터 {card.data} ({card.source})")
    print(f"  [{answer.intent.label} · {answer.provider}]")
    return 0


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def erase_sequence(printed: str, width: int) -> str:
    """ANSI codes that erase `printed` (streamed from the start of a line) on a `width`-column terminal."""
    width = max(1, width)
    rows = sum(max(1, -(-_columns(line) // width)) for line in printed.split("\n"))
    return "\r\x1b[2K" + "\x1b[1A\x1b[2K" * (rows - 1)


def _wrapup(session_id: int, *, regenerate: bool = False, action: str = "summarize", detail: str = ""):
    from ktcs_desktop.core.services.container import create_services
    from ktcs_desktop.core.summary import build_summary, with_parties

    services = create_services()
    try:
        services.prepare_database(seed=False)
        consultation = services.lookup.consultation(session_id, action=action, detail=detail)  # audited
        customer = services.customers.get(consultation.customer_id) if consultation.customer_id else None
        catalog = services.catalog
    finally:
        services.close()
    return with_parties(build_summary(consultation, catalog, regenerate=regenerate), customer=customer,
                        agent_id=consultation.agent_id, ended_at=consultation.ended_at)


def _summarize(args: argparse.Namespace) -> int:
    print(_wrapup(args.session_id, regenerate=args.regenerate).summary_text)
    return 0


def _export(args: argparse.Namespace) -> int:
    from ktcs_desktop.core.summary import export_wrapup

    wrap = _wrapup(args.session_id, action="export", detail=f"format={args.format}")
    output = args.output or Path(f"consultation-{args.session_id}.{args.format}")
    pdf_writer = None
    if args.format == "pdf":
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtGui import QGuiApplication

        from ktcs_desktop.ui.assistant.pdf import write_pdf

        app = QGuiApplication.instance() or QGuiApplication([])
        _ = app
        pdf_writer = write_pdf
    export_wrapup(wrap, args.format, output, pdf_writer=pdf_writer)
    print(output)
    return 0


def evaluate(path: Path | None = None) -> dict:
    """Intent accuracy, complete answers (per category) and latency of the offline provider."""
    from ktcs_desktop.core.assistant.evaluation import evaluate_assistant

    return evaluate_assistant(path)


def _eval(args: argparse.Namespace) -> int:
    result = evaluate(args.data)
    print(f"질문 {result['questions']}개 · 의도 정확도 {result['intent_accuracy']:.3f} · "
          f"필수 사실 포함 {result['facts_complete']:.3f} · p50 {result['p50_ms']:.2f}ms · p95 {result['p95_ms']:.2f}ms")
    for category, v in result["by_category"].items():
        print(f"  {category:<20} n={v['n']:<3} 의도 {v['intent_accuracy']:.3f}  완전한 답변 {v['facts_complete']:.3f}")
    if getattr(args, "failures", False):
        print("\n".join(result["failures"]))
    return 0 if result["intent_accuracy"] >= 0.9 else 1


def _eval_escalation(args: argparse.Namespace) -> int:
    from ktcs_desktop.core.assistant.evaluation import evaluate_escalation

    result = evaluate_escalation(args.data)
    print(f"발화 {result['utterances']}개 · 정확도 {result['accuracy']:.3f} · 정밀도 {result['precision']:.3f} · "
          f"재현율 {result['recall']:.3f}")
    for category, v in result["by_category"].items():
        print(f"  {category:<16} n={v['n']:<3} 정확도 {v['accuracy']:.3f}")
    if args.failures:
        print("\n".join(result["failures"]))
    return 0 if result["precision"] >= 0.9 and result["recall"] >= 0.9 else 1


_ = resources_dir
