"""Read and validate the shipped catalog (`resources/catalog/*.json`) into a `PlanCatalog`."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ktcs_desktop.core.catalog.catalog import PlanCatalog
from ktcs_desktop.core.catalog.errors import CatalogError
from ktcs_desktop.core.catalog.models import SELECTIVE_DISCOUNT_PERCENT, AddOn, CatalogRules, Plan
from ktcs_desktop.core.config import resources_dir

PLANS_FILE = "plans.json"
ADDONS_FILE = "addons.json"
RULES_FILE = "rules.json"
SUPPORTED_SCHEMA = 1

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

_default: PlanCatalog | None = None
_default_lock = threading.Lock()


def catalog_dir() -> Path:
    return resources_dir() / "catalog"


def load_catalog(path: Path | str | None = None) -> PlanCatalog:
    """Load and validate the catalog from a folder holding plans/addons/rules JSON (always fresh).

    `path` may also point at a `plans.json` file; its siblings supply add-ons and rules.
    Raises `CatalogError` naming the file, row and field of the first problem.
    """
    folder = catalog_dir() if path is None else Path(path)
    if folder.is_file():
        plans_path, folder = folder, folder.parent
    else:
        plans_path = folder / PLANS_FILE
    plans = _load_rows(plans_path, "plans", Plan)
    addons = _load_rows(folder / ADDONS_FILE, "addons", AddOn)
    rules = _load_rules(folder / RULES_FILE)
    _check_unique(plans_path, plans, "id", lambda p: p.id)
    _check_unique(plans_path, plans, "name", lambda p: " ".join(p.name.split()).casefold())
    _check_unique(folder / ADDONS_FILE, addons, "id", lambda a: a.id)
    return PlanCatalog(plans, addons, rules)


def default_catalog() -> PlanCatalog:
    """The shipped catalog, loaded once per process."""
    global _default
    with _default_lock:
        if _default is None:
            _default = load_catalog()
        return _default


def clear_default_catalog() -> None:
    """Forget the cached catalog (after the data files were refreshed)."""
    global _default
    with _default_lock:
        _default = None


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError("파일이 없습니다.", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"파일을 읽을 수 없습니다 ({exc}).", path=path) from exc
    except json.JSONDecodeError as exc:
        raise CatalogError(f"JSON 형식 오류 ({exc.lineno}행 {exc.colno}열).", path=path) from exc


def _load_rows(path: Path, key: str, model: type[M]) -> list[M]:
    document = _read_json(path)
    if not isinstance(document, dict) or not isinstance(document.get(key), list):
        raise CatalogError(f"최상위에 '{key}' 목록이 있어야 합니다.", path=path, field=key)
    if document.get("schema_version") != SUPPORTED_SCHEMA:
        raise CatalogError(
            f"지원하지 않는 schema_version입니다 ({document.get('schema_version')!r}).",
            path=path,
            field="schema_version",
        )
    rows: list[M] = []
    for index, raw in enumerate(document[key]):
        name = raw.get("name") if isinstance(raw, dict) else None
        try:
            rows.append(model.model_validate(raw))
        except ValidationError as exc:
            field, reason = _describe(exc)
            raise CatalogError(
                reason,
                path=path,
                row_index=index,
                item_name=name if isinstance(name, str) else None,
                field=field,
            ) from exc
    return rows


_FIELD_PROBLEM = re.compile(r"^Value error, (?P<field>[\w.]+): (?P<reason>.*)$", re.DOTALL)


def _describe(exc: ValidationError) -> tuple[str | None, str]:
    """The dotted field path and a short reason for the first validation error."""
    error = exc.errors()[0]
    parts = [str(part) for part in error["loc"]]
    reason = error["msg"]
    if match := _FIELD_PROBLEM.match(reason):  # a cross-field check from models.field_problem
        parts.append(match["field"])
        reason = match["reason"]
    elif parts:
        value = repr(error.get("input"))
        reason = f"{reason} (값: {value[:60] + '…' if len(value) > 60 else value})"
    return (".".join(parts) or None), reason


def _load_rules(path: Path) -> CatalogRules:
    try:
        rules = CatalogRules.model_validate(_read_json(path))
    except ValidationError as exc:
        field, reason = _describe(exc)
        raise CatalogError(reason, path=path, field=field) from exc
    if rules.selective_discount.rate_percent != SELECTIVE_DISCOUNT_PERCENT:
        raise CatalogError(
            f"선택약정 할인율은 {SELECTIVE_DISCOUNT_PERCENT}%여야 합니다.",
            path=path,
            field="selective_discount.rate_percent",
        )
    return rules


def _check_unique(path: Path, rows: list[T], field: str, key: Any) -> None:
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        value = key(row)
        if value in seen:
            raise CatalogError(
                f"'{value}' 값이 {seen[value] + 1}번째 항목과 중복됩니다.",
                path=path,
                row_index=index,
                item_name=getattr(row, "name", None),
                field=field,
            )
        seen[value] = index
