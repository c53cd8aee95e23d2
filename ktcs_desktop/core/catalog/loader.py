"""Read and validate a catalog into a `PlanCatalog`: the shipped files (`resources/catalog/*.json`)
or a version's content from the database (the same three documents in one JSON object).

The app uses the floor's newest approved version (`core.services.catalog.CatalogProvider`);
`load_shipped_catalog()` is the shipped copy, for seeding the first version and for tests.
Nothing here is a process-wide default: a caller that needs prices is handed a catalog."""

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

_shipped: PlanCatalog | None = None
_shipped_lock = threading.Lock()


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
    return _build(_read_json(plans_path), _read_json(folder / ADDONS_FILE), _read_json(folder / RULES_FILE),
                  plans_path, folder / ADDONS_FILE, folder / RULES_FILE)


def catalog_documents(path: Path | str | None = None) -> dict[str, Any]:
    """The raw documents of a catalog folder as one JSON object {"plans", "addons", "rules"}: the
    content stored in a `catalog_versions` row (validated first)."""
    folder = catalog_dir() if path is None else Path(path)
    load_catalog(folder)  # errors name the real file
    return {"plans": _read_json(folder / PLANS_FILE), "addons": _read_json(folder / ADDONS_FILE),
            "rules": _read_json(folder / RULES_FILE)}


def catalog_from_documents(documents: dict[str, Any], *, label: str = "catalog") -> PlanCatalog:
    """Validate a version's content (see `catalog_documents`); `label` names it in errors."""
    if not isinstance(documents, dict) or not all(key in documents for key in ("plans", "addons", "rules")):
        raise CatalogError("카탈로그 버전에 plans, addons, rules 문서가 있어야 합니다.", path=Path(label))
    base = Path(label)
    return _build(documents["plans"], documents["addons"], documents["rules"],
                  base / PLANS_FILE, base / ADDONS_FILE, base / RULES_FILE)


def _build(plans_doc: Any, addons_doc: Any, rules_doc: Any, plans_path: Path, addons_path: Path,
           rules_path: Path) -> PlanCatalog:
    plans = _rows(plans_doc, plans_path, "plans", Plan)
    addons = _rows(addons_doc, addons_path, "addons", AddOn)
    rules = _rules(rules_doc, rules_path)
    _check_unique(plans_path, plans, "id", lambda p: p.id)
    _check_unique(plans_path, plans, "name", lambda p: " ".join(p.name.split()).casefold())
    _check_unique(addons_path, addons, "id", lambda a: a.id)
    return PlanCatalog(plans, addons, rules)


def load_shipped_catalog() -> PlanCatalog:
    """The catalog shipped with the app (validated once per process). For seeding the first
    database version and for tests: the app's prices come from the approved version."""
    global _shipped
    with _shipped_lock:
        if _shipped is None:
            _shipped = load_catalog()
        return _shipped


def forget_shipped_catalog() -> None:
    """Forget the cached shipped copy (tests that damage the shipped files)."""
    global _shipped
    with _shipped_lock:
        _shipped = None


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError("파일이 없습니다.", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"파일을 읽을 수 없습니다 ({exc}).", path=path) from exc
    except json.JSONDecodeError as exc:
        raise CatalogError(f"JSON 형식 오류 ({exc.lineno}행 {exc.colno}열).", path=path) from exc


def _rows(document: Any, path: Path, key: str, model: type[M]) -> list[M]:
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


def _rules(document: Any, path: Path) -> CatalogRules:
    try:
        rules = CatalogRules.model_validate(document)
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


class CatalogNotProvidedError(CatalogError):
    """A function that needs prices was called without a catalog (a wiring bug in the caller)."""

    def __init__(self, where: str) -> None:
        super().__init__(f"요금제 카탈로그가 전달되지 않았습니다 ({where}).")


_shipped_fallback = False


def allow_shipped_fallback(allowed: bool = True) -> None:
    """Tests only: let helpers called without a catalog use the shipped copy. The app never does
    (it would quote the shipped prices after a newer version was approved)."""
    global _shipped_fallback
    _shipped_fallback = allowed


def given(catalog: PlanCatalog | None, where: str) -> PlanCatalog:
    """`catalog`, which the caller must pass; never a silent fallback to the shipped prices."""
    if catalog is not None:
        return catalog
    if _shipped_fallback:
        return load_shipped_catalog()
    raise CatalogNotProvidedError(where)
