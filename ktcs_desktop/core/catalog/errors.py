"""The error a malformed catalog file raises, naming the file, row and field."""

from __future__ import annotations

from pathlib import Path

from ktcs_desktop.core.errors import KtcsError


class CatalogError(KtcsError):
    """The plan catalog cannot be used; `row_index` (0-based), `item_name` and `field` locate it."""

    user_message = "요금제 카탈로그를 불러올 수 없습니다."

    def __init__(
        self,
        reason: str,
        *,
        path: Path | None = None,
        row_index: int | None = None,
        item_name: str | None = None,
        field: str | None = None,
    ) -> None:
        self.path = path
        self.row_index = row_index
        self.item_name = item_name
        self.field = field
        where: list[str] = []
        if path is not None:
            where.append(f"파일 {path.name}")
        if row_index is not None:
            where.append(f"{row_index + 1}번째 항목(인덱스 {row_index})")
        if item_name:
            where.append(f"'{item_name}'")
        if field:
            where.append(f"필드 '{field}'")
        location = ", ".join(where)
        prefix = "요금제 카탈로그 파일이 올바르지 않습니다"
        message = f"{prefix}: {location} — {reason}" if location else f"{prefix}: {reason}"
        super().__init__(message)
