"""Retrieval evaluation: recall@k and MRR of the documents each question should surface, per category.

An item names the plans (`plan_ids`) and/or documents (`doc_ids`: "addon:netflix-standard",
"rule:plan-change") that answer it; a hit counts when it is one of them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ktcs_desktop.core.evaldata import RETRIEVAL, eval_set_path, load_jsonl


@dataclass(frozen=True)
class EvalItem:
    question: str
    plan_ids: tuple[str, ...]
    tag: str = ""  # the category ("price", "addon", "stt", …)
    doc_ids: tuple[str, ...] = ()

    @property
    def category(self) -> str:
        return self.tag

    def matches(self, hit) -> bool:
        return (hit.plan_id is not None and hit.plan_id in self.plan_ids) or (
            bool(self.doc_ids) and getattr(hit, "doc_id", "") in self.doc_ids)


@dataclass(frozen=True)
class EvalResult:
    mode: str
    questions: int
    recall_at_1: float
    recall_at_3: float
    recall_at_5: float
    mrr: float
    misses: tuple[str, ...] = ()  # questions with no answer in the top 5
    by_category: dict[str, dict[str, float]] = field(default_factory=dict)  # category → n, recall@3, mrr

    def line(self) -> str:
        return (f"{self.mode:<7} n={self.questions}  recall@1={self.recall_at_1:.3f}  "
                f"recall@3={self.recall_at_3:.3f}  recall@5={self.recall_at_5:.3f}  MRR={self.mrr:.3f}")

    def category_lines(self) -> list[str]:
        return [f"  {cat:<16} n={int(v['n']):<3} recall@3={v['recall_at_3']:.3f}  MRR={v['mrr']:.3f}"
                for cat, v in sorted(self.by_category.items())]


def default_eval_path() -> Path:
    return eval_set_path(RETRIEVAL)


def load_eval_set(path: Path | None = None) -> list[EvalItem]:
    rows = load_jsonl(path) if path is not None else load_jsonl(RETRIEVAL)
    return [EvalItem(row["question"], tuple(row.get("plan_ids", ())), row.get("category", row.get("tag", "")),
                     tuple(row.get("doc_ids", ()))) for row in rows]


def evaluate(kb, items: list[EvalItem], mode: str = "hybrid", depth: int = 5) -> EvalResult:
    """A question counts at k when one of its documents is among the first k hits."""
    ranks: list[int | None] = []
    for item in items:
        hits = kb.search(item.question, k=depth, mode=mode)
        ranks.append(next((n for n, hit in enumerate(hits, start=1) if item.matches(hit)), None))
    n = len(items) or 1

    def recall(rs: list[int | None], k: int) -> float:
        return sum(1 for r in rs if r is not None and r <= k) / (len(rs) or 1)

    def mrr(rs: list[int | None]) -> float:
        return sum(1 / r for r in rs if r is not None) / (len(rs) or 1)

    grouped: dict[str, list[int | None]] = defaultdict(list)
    for item, rank in zip(items, ranks, strict=True):
        grouped[item.category or "-"].append(rank)
    by_category = {cat: {"n": len(rs), "recall_at_3": recall(rs, 3), "mrr": mrr(rs)} for cat, rs in grouped.items()}
    return EvalResult(mode, len(items), recall(ranks, 1), recall(ranks, 3), recall(ranks, 5),
                      sum(1 / r for r in ranks if r is not None) / n,
                      tuple(item.question for item, r in zip(items, ranks, strict=True) if r is None), by_category)
