"""PII redaction on the Korean call corpus (tests/data/pii_corpus.jsonl): recall and precision per
category, for the hand-written recognizers (`ktcs_desktop.core.privacy`) and, when it is
installed, Microsoft Presidio with the same categories as custom Korean PatternRecognizers.

    .venv/bin/python benchmarks/bench_redaction.py [--presidio-python PATH] [--json]

Scoring, per category:
- an expected span is found when >= 90% of its non-space characters are covered by predicted
  spans of the same category (recall);
- a predicted span is correct when >= 50% of its non-space characters lie inside expected spans of
  its category (precision); every span predicted on a PII-free utterance is a false positive.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "pii_corpus.jsonl"
sys.path.insert(0, str(ROOT))

Span = tuple[int, int, str]


def load_corpus(path: Path = CORPUS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _covered(text: str, start: int, end: int, spans: list[Span], category: str) -> float:
    chars = [i for i in range(start, end) if not text[i].isspace()]
    if not chars:
        return 1.0
    inside = sum(1 for i in chars if any(s <= i < e and c == category for s, e, c in spans))
    return inside / len(chars)


def score(records: list[dict], predict) -> dict:
    """Per-category counts and figures; `predict(record) -> list[(start, end, category)]`."""
    tp_recall: dict[str, int] = defaultdict(int)
    expected: dict[str, int] = defaultdict(int)
    tp_precision: dict[str, int] = defaultdict(int)
    predicted: dict[str, int] = defaultdict(int)
    misses: list[tuple[str, str, str]] = []
    false_positives: list[tuple[str, str, str]] = []
    started = time.perf_counter()
    for record in records:
        text = record["text"]
        gold: list[Span] = [(s["start"], s["end"], s["category"]) for s in record["spans"]]
        pred = predict(record)
        for start, end, category in gold:
            expected[category] += 1
            if _covered(text, start, end, pred, category) >= 0.9:
                tp_recall[category] += 1
            else:
                misses.append((category, text[start:end], text))
        for start, end, category in pred:
            predicted[category] += 1
            if _covered(text, start, end, gold, category) >= 0.5:
                tp_precision[category] += 1
            else:
                false_positives.append((category, text[start:end], text))
    elapsed = time.perf_counter() - started
    categories = sorted(set(expected) | set(predicted))
    rows = {c: {"expected": expected[c], "found": tp_recall[c], "predicted": predicted[c],
                "recall": tp_recall[c] / expected[c] if expected[c] else 1.0,
                "precision": tp_precision[c] / predicted[c] if predicted[c] else 1.0} for c in categories}
    total_expected, total_predicted = sum(expected.values()), sum(predicted.values())
    overall = {"recall": sum(tp_recall.values()) / total_expected if total_expected else 1.0,
               "precision": sum(tp_precision.values()) / total_predicted if total_predicted else 1.0}
    return {"categories": rows, "overall": overall, "misses": misses, "false_positives": false_positives,
            "ms_per_utterance": 1000 * elapsed / max(1, len(records))}


def predict_builtin(record: dict) -> list[Span]:
    from ktcs_desktop.core.privacy import find_pii

    names = [record["caller"]] if record.get("caller") else []
    return [(s.start, s.end, s.category) for s in find_pii(record["text"], names=names, others=record["others"])]


def print_table(title: str, result: dict) -> None:
    print(f"\n{title}  ({result['ms_per_utterance']:.2f} ms/utterance)")
    print(f"  {'category':<16}{'expected':>9}{'found':>7}{'predicted':>10}{'recall':>9}{'precision':>11}")
    for category, row in result["categories"].items():
        print(f"  {category:<16}{row['expected']:>9}{row['found']:>7}{row['predicted']:>10}"
              f"{row['recall']:>9.3f}{row['precision']:>11.3f}")
    print(f"  {'overall':<16}{'':>26}{result['overall']['recall']:>9.3f}{result['overall']['precision']:>11.3f}")
    for category, value, text in result["misses"][:15]:
        print(f"  missed {category}: {value!r} in {text!r}")
    for category, value, text in result["false_positives"][:15]:
        print(f"  false positive {category}: {value!r} in {text!r}")


def run_presidio(python: str) -> dict | None:
    """Presidio in its own interpreter (it is not a dependency of the app); None if unavailable."""
    import subprocess

    script = Path(__file__).with_name("presidio_korean.py")
    try:
        proc = subprocess.run([python, str(script), str(CORPUS)], capture_output=True, text=True, timeout=600,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"}
    return json.loads(proc.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presidio-python", help="a Python with presidio-analyzer installed (compared when given)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    records = load_corpus()
    pii = sum(r["kind"] == "pii" for r in records)
    result = score(records, predict_builtin)
    report = {"corpus": {"utterances": len(records), "with_pii": pii, "without_pii": len(records) - pii,
                         "spans": sum(len(r["spans"]) for r in records)},
              "builtin": {k: v for k, v in result.items() if k not in ("misses", "false_positives")}}
    presidio = None
    if args.presidio_python:
        presidio = run_presidio(args.presidio_python)
        if presidio is not None and "predictions" in presidio:
            by_id = presidio["predictions"]
            scored = score(records, lambda r: [tuple(p) for p in by_id.get(r["id"], [])])
            scored["ms_per_utterance"] = presidio["ms_per_utterance"]
            report["presidio"] = {k: v for k, v in scored.items() if k not in ("misses", "false_positives")}
            presidio = scored
        else:
            report["presidio"] = presidio
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return 0
    corpus = report["corpus"]
    print(f"PII corpus: {corpus['utterances']} utterances ({corpus['with_pii']} with PII, "
          f"{corpus['without_pii']} without), {corpus['spans']} spans")
    print_table("ktcs_desktop.core.privacy (hand-written Korean recognizers)", result)
    if presidio is not None:
        if "categories" in presidio:
            print_table("Presidio analyzer (no NLP model) + the same Korean patterns as PatternRecognizers", presidio)
        else:
            print(f"\nPresidio: not run ({presidio.get('error')})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
