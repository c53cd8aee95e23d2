"""The audit log's hash chain (embedded SQLite): each row's hash covers the previous row's hash
and the row itself, so an edited, inserted or deleted row breaks every hash after it.

`hash = sha256(prev_hash + canonical(row))`; the first row's prev_hash is GENESIS. The canonical
form is frozen: migrations and `ktcs audit verify` use this module, never a copy of it.
On MySQL/MariaDB the app account may only INSERT/SELECT the table (README), which makes it
append-only there; the chain columns stay empty.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

GENESIS = "0" * 64


def canonical(row_id: int, at: datetime, agent_id: str, action: str, customer_id: int | None,
              phone_masked: str, detail: str) -> str:
    return json.dumps([int(row_id), at.replace(microsecond=0).isoformat(sep=" "), agent_id, action,
                       customer_id, phone_masked, detail], ensure_ascii=False, separators=(",", ":"))


def chain_hash(prev_hash: str, canonical_row: str) -> str:
    return hashlib.sha256((prev_hash + canonical_row).encode("utf-8")).hexdigest()
