"""Retrieval evaluation: recall@k and MRR of the plan ids each question should surface."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ktcs_desktop.core.config import resources_dir


@dataclass(frozen=True)
class EvalItem:
    question: str
    plan_ids: tuple[str, ...]
    tag: str = ""


@dataclass(frozen=True)
class EvalResult:
    mode: str
    questions: int
    recall_at_1: float
    recall_at_3: float
    recall_at_5: float
    mrr: float
    misses: tuple[str, ...] = ()  # questions with no answer in the top 5

    def line(self) -> str:
        return (f"{self.mode:<7} n={self.questions}  recall@1={self.recall_at_1:.3f}  "
                f"recall@3={self.recall_at_3:.3f}  recall@5={self.recall_at_5:.3f}  MRR={self.mrr:.3f}")


def default_eval_path() -> Path:
    return resources_dir().parent / "tests" / "data" / "retrieval_eval.jsonl"


def load_eval_set(path: Path | None = None) -> list[EvalItem]:
    items = []
    with (path or default_eval_path()).open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                items.append(EvalItem(row["question"], tuple(row["plan_ids"]), row.get("tag", "")))
    return items


def evaluate(kb, items: list[EvalItem], mode: str = "hybrid", depth: int = 5) -> EvalResult:
    """A question counts at k when one of its plans is among the first k hits (any kind)."""
    ranks: list[int | None] = []
    for item in items:
        hits = kb.search(item.question, k=depth, mode=mode)
        rank = next((n for n, hit in enumerate(hits, start=1) if hit.plan_id in item.plan_ids), None)
        ranks.append(rank)
    n = len(items) or 1

    def recall(k: int) -> float:
        return sum(1 for r in ranks if r is not None and r <= k) / n

    return EvalResult(mode, len(items), recall(1), recall(3), recall(5),
                      sum(1 / r for r in ranks if r is not None) / n,
                      tuple(item.question for item, r in zip(items, ranks, strict=True) if r is None))
