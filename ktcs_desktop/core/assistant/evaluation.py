"""Offline evaluation of the assistant and the escalation detector, per category (`ktcs eval`).

Assistant items: {"question", "category", "intent", "facts": [...], "forbid": [...]?, "caller": phone?}.
An answer is *complete* when it contains every fact and none of the forbidden strings (an answer
about another plan is worse than none). `caller` puts that sample caller (the seed's callers, no
database needed) on screen.

Escalation items: {"text", "kind": kind | null, "category"}; right when `detect_escalation` raises
exactly that kind (or nothing for null).
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import date
from pathlib import Path

from ktcs_desktop.core.evaldata import ASSISTANT, ESCALATION, load_jsonl
from ktcs_desktop.core.models import CallerLookup, CustomerProfile, Page, UsageSummary
from ktcs_desktop.core.stats import percentile


def sample_lookup(phone: str, today: date | None = None) -> CallerLookup:
    """The seed's sample caller with this number as the lookup pane would show them (no DB)."""
    from ktcs_desktop.core.storage.seed import sample_customers

    today = today or date.today()
    for n, c in enumerate(sample_customers(today), start=1):
        if c.phone == phone:
            profile = CustomerProfile(id=n, phone=c.phone, name=c.name, birth_date=c.birth_date,
                                      is_foreigner=c.is_foreigner, is_welfare=c.is_welfare,
                                      current_plan=c.current_plan, contract_type=c.contract_type,
                                      contract_end=c.contract_end, join_date=c.join_date, notes=c.notes)
            return CallerLookup(profile=profile, age=profile.age_on(today), usage=UsageSummary(c.usage),
                                history=Page((), 0, 0, 0))
    raise KeyError(phone)


def answer_complete(text: str, row: dict) -> bool:
    return all(f in text for f in row.get("facts", ())) and not any(f in text for f in row.get("forbid", ()))


def _table(groups: dict[str, list[tuple[bool, bool]]]) -> dict[str, dict[str, float]]:
    return {cat: {"n": len(v), "intent_accuracy": sum(i for i, _ in v) / len(v),
                  "facts_complete": sum(f for _, f in v) / len(v)} for cat, v in sorted(groups.items())}


def evaluate_assistant(path: Path | None = None, provider=None, *, today: date | None = None) -> dict:
    """Intent accuracy and complete answers of the offline provider, overall and per category."""
    from ktcs_desktop.core.assistant import AssistContext, OfflineProvider
    from ktcs_desktop.core.catalog import load_shipped_catalog

    rows = load_jsonl(path or ASSISTANT)
    provider = provider or OfflineProvider(load_shipped_catalog())  # the eval set states the shipped facts
    today = today or date.today()
    groups: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    latencies: list[float] = []
    failures: list[str] = []
    for row in rows:
        lookup = sample_lookup(row["caller"], today) if row.get("caller") else None
        start = time.perf_counter()
        answer = provider.answer(row["question"], AssistContext(lookup=lookup, today=today))
        latencies.append((time.perf_counter() - start) * 1000)
        intent_ok = "intent" not in row or answer.intent.value == row["intent"]
        complete = answer_complete(answer.text, row)
        groups[row.get("category", "-")].append((intent_ok, complete))
        if not complete:
            failures.append(f"[{row.get('category', '-')}] {row['question']}")
    flat = [x for v in groups.values() for x in v]
    return {"questions": len(rows), "intent_accuracy": sum(i for i, _ in flat) / len(flat),
            "facts_complete": sum(f for _, f in flat) / len(flat), "by_category": _table(groups),
            "failures": failures, "p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95)}


def evaluate_escalation(path: Path | None = None) -> dict:
    """Accuracy per category, and alert precision/recall (an alert of the wrong kind is wrong)."""
    from ktcs_desktop.core.assistant.escalation import detect_escalation

    rows = load_jsonl(path or ESCALATION)
    groups: dict[str, list[bool]] = defaultdict(list)
    tp = fp = fn = 0
    failures: list[str] = []
    for row in rows:
        esc = detect_escalation(row["text"])
        got = esc.kind if esc else None
        ok = got == row["kind"]
        groups[row.get("category", "-")].append(ok)
        if got is not None and ok:
            tp += 1
        if got is not None and not ok:
            fp += 1
        if row["kind"] is not None and not ok:
            fn += 1
        if not ok:
            failures.append(f"[{row.get('category', '-')}] {row['text']} → {got} (기대 {row['kind']})")
    flat = [x for v in groups.values() for x in v]
    return {"utterances": len(rows), "accuracy": sum(flat) / len(flat),
            "precision": tp / (tp + fp) if tp + fp else 1.0, "recall": tp / (tp + fn) if tp + fn else 1.0,
            "by_category": {cat: {"n": len(v), "accuracy": sum(v) / len(v)} for cat, v in sorted(groups.items())},
            "failures": failures}
