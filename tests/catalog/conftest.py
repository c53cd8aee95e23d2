"""Fixtures for catalog tests: the shipped catalog and a writable copy of its files."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ktcs_desktop.core.catalog import PlanCatalog, load_catalog
from ktcs_desktop.core.catalog.loader import catalog_dir


@pytest.fixture(scope="session")
def catalog() -> PlanCatalog:
    return load_catalog()


@pytest.fixture
def catalog_copy(tmp_path: Path) -> Path:
    """A temp folder with the shipped JSON files, for tests that break them."""
    target = tmp_path / "catalog"
    shutil.copytree(catalog_dir(), target)
    return target


def _edit_json(path: Path, change: Callable[[Any], None]) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


@pytest.fixture
def edit_json() -> Callable[[Path, Callable[[Any], None]], None]:
    """Rewrite a JSON file through a function that mutates the parsed document."""
    return _edit_json
