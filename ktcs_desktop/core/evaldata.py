"""The shipped evaluation sets (`ktcs_desktop/evaldata/*.jsonl`, package data) for `ktcs eval`.

Read through importlib.resources so an installed wheel, an editable install and a bundle agree;
tests read the same files from here.
"""

from __future__ import annotations

import importlib.resources
import json
from pathlib import Path

ASSISTANT = "assistant_eval.jsonl"
RETRIEVAL = "retrieval_eval.jsonl"
ESCALATION = "escalation_eval.jsonl"


def eval_set_path(name: str) -> Path:
    return Path(str(importlib.resources.files("ktcs_desktop") / "evaldata" / name))


def load_jsonl(name_or_path: str | Path) -> list[dict]:
    """Rows of a shipped set (by file name) or of any JSONL file (by path)."""
    path = Path(name_or_path) if isinstance(name_or_path, Path) else eval_set_path(name_or_path)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
