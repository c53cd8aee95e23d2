"""`ktcs ingest`, `ktcs search`, `ktcs plans`, `ktcs eval retrieval`: the knowledge feature's commands."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict


def _services():  # noqa: ANN202 - the composition root, imported when a command runs
    from ktcs_desktop.context import create_app_context

    services = create_app_context()
    services.prepare_database(seed=False)  # SQLite migrates; a shared DB is only checked; v1 seeded
    return services


def register(subparsers: argparse._SubParsersAction) -> None:
    ingest = subparsers.add_parser("ingest", help="요금제 페이지를 가져와 검색 색인을 새로 만듦")
    ingest.add_argument("--offline", action="store_true", help="동봉된 페이지 스냅샷만 사용")
    ingest.set_defaults(handler=_ingest)

    search = subparsers.add_parser("search", help="요금제 지식 검색")
    search.add_argument("query")
    search.add_argument("--k", type=int, default=5, help="결과 수")
    search.add_argument("--mode", choices=("hybrid", "bm25", "dense"), default="hybrid")
    search.add_argument("--age", type=int, default=None, help="고객 만 나이 (가입 가능 요금제만)")
    search.add_argument("--max-fee", type=int, default=None, help="월정액 상한 (원)")
    search.add_argument("--json", action="store_true", help="JSON으로 출력")
    search.set_defaults(handler=_search)

    plans = subparsers.add_parser("plans", help="요금제 카탈로그 목록")
    plans.add_argument("--json", action="store_true", help="JSON으로 출력")
    plans.set_defaults(handler=_plans)

    evaluate = subparsers.add_parser("eval", help="평가 실행")
    eval_sub = evaluate.add_subparsers(dest="eval_target", metavar="TARGET", required=True)
    retrieval = eval_sub.add_parser("retrieval", help="검색 recall@k / MRR (bm25, dense, hybrid)")
    retrieval.add_argument("--json", action="store_true", help="JSON으로 출력")
    retrieval.set_defaults(handler=_eval_retrieval)


def _ingest(args: argparse.Namespace) -> int:
    from ktcs_desktop.ingestion import IngestProgress, build_index

    def progress(event: IngestProgress) -> None:
        mark = {"ok": "✓", "failed": "✗", "fetching": "…", "indexing": "…"}.get(event.state)
        if mark and event.state != "fetching":
            print(f"[{event.done}/{event.total}] {mark} {event.message}", file=sys.stderr)

    services = _services()
    try:
        catalog = services.catalog  # the approved version in use: the refresh compares against it
        report = build_index(services.settings, offline=args.offline, progress=progress, catalog=catalog,
                             catalog_hash=services.catalog_hash())
        print(report.summary())
        if report.ok and report.changes:
            draft = services.approvals.draft_from_refresh(report.changes)
            if draft is not None:
                print(f"카탈로그 초안 v{draft.version}을(를) 만들었습니다: `ktcs catalog diff`로 확인하고 "
                      "팀장이 `ktcs catalog approve`로 승인하면 모든 PC에 적용됩니다.")
    finally:
        services.close()
    return 0 if report.ok else 1


def _search(args: argparse.Namespace) -> int:
    from ktcs_desktop.core.retrieval import SearchFilters

    filters = None
    if args.age is not None or args.max_fee is not None:
        filters = SearchFilters(age=args.age, max_fee=args.max_fee)
    services = _services()
    try:
        hits = services.knowledge.search(args.query, k=args.k, filters=filters, mode=args.mode)
    finally:
        services.close()
    if args.json:
        print(json.dumps([asdict(hit) for hit in hits], ensure_ascii=False, indent=2))
        return 0
    if not hits:
        print("검색 결과가 없습니다.")
    for n, hit in enumerate(hits, start=1):
        first = hit.text.splitlines()[1] if "\n" in hit.text else hit.text
        print(f"{n}. [{hit.kind}] {hit.title}  ({hit.score:.4f})  {hit.plan_id or ''}")
        print(f"   {first[:100]}")
    return 0


def _plans(args: argparse.Namespace) -> int:
    services = _services()
    try:
        catalog = services.catalog  # the newest approved version on the floor's database
        notice = services.catalog_provider.notice
    finally:
        services.close()
    if notice:
        print(f"주의: {notice}", file=sys.stderr)
    if args.json:
        rows = [{"id": p.id, "name": p.name, "family": p.family.value, "monthly_fee": p.monthly_fee,
                 "selective_fee": catalog.selective_fee(p), "data": p.data_label, "target": p.eligibility.label}
                for p in catalog]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for p in catalog:
        selective = catalog.selective_fee(p)
        selective_text = f"{selective:>8,}원" if selective else "       —  "
        print(f"{p.name:<20} {p.monthly_fee:>8,}원 {selective_text}  {p.data_label:<22} {p.eligibility.label}")
    print(f"총 {len(catalog)}개 요금제")
    return 0


def _eval_retrieval(args: argparse.Namespace) -> int:
    from ktcs_desktop.core.retrieval.evaluation import evaluate, load_eval_set

    services = _services()
    try:
        kb = services.knowledge
    finally:
        services.close()
    items = load_eval_set()
    modes = ["bm25", "dense", "hybrid"] if kb.dense_available else ["bm25", "hybrid"]
    results = [evaluate(kb, items, mode) for mode in modes]
    if args.json:
        print(json.dumps([asdict(r) for r in results], ensure_ascii=False, indent=2))
    else:
        for result in results:
            print(result.line())
        print("hybrid, 분류별:")
        print("\n".join(results[-1].category_lines()))
    return 0
