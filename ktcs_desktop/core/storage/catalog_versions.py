"""The floor's plan catalog as versions in the database, and the roles that may approve one.

    catalog_versions   version (unique), status draft|approved|retired, effective date, source
                       shipped|refresh|rollback, who created and approved it, content (JSON), hash
    agent_roles        agent_id → role (`supervisor`), written by an administrator

The newest approved version (highest version number with status `approved`) is the one every
desktop uses. History is append-only: content never changes; approving moves a draft to
`approved` and the previous approved version to `retired`; a rollback approves a copy of an
earlier version as a new version. The shipped catalog is version 1, inserted with
insert-or-ignore on the unique version number, so desktops starting at once seed it once.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ktcs_desktop.core.storage.database import Database
from ktcs_desktop.core.storage.schema import AgentRoleRow, CatalogVersionRow

DRAFT, APPROVED, RETIRED = "draft", "approved", "retired"
SHIPPED, REFRESH, ROLLBACK = "shipped", "refresh", "rollback"
SUPERVISOR = "supervisor"
SYSTEM_AGENT = "system"


def canonical_content(documents: dict[str, Any]) -> str:
    """One stable JSON text for a catalog's documents (the stored content; its hash names it)."""
    return json.dumps(documents, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CatalogVersion:
    """One stored version without its content (see `CatalogVersionRepository.content`)."""

    id: int
    version: int
    status: str
    effective_date: date | None
    source: str
    based_on: int | None
    created_by: str
    created_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    note: str
    content_hash: str


def _info(row: CatalogVersionRow) -> CatalogVersion:
    return CatalogVersion(row.id, row.version, row.status, row.effective_date, row.source, row.based_on,
                          row.created_by, row.created_at, row.approved_by, row.approved_at, row.note or "",
                          row.content_hash)


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


class CatalogVersionRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- reading -----------------------------------------------------------------------------
    def newest_approved(self) -> tuple[int, int, str] | None:
        """(id, version, content hash) of the version every desktop uses: one indexed row."""
        with self.db.session() as s:
            row = s.execute(select(CatalogVersionRow.id, CatalogVersionRow.version, CatalogVersionRow.content_hash)
                            .where(CatalogVersionRow.status == APPROVED)
                            .order_by(CatalogVersionRow.version.desc()).limit(1)).first()
        return (row.id, row.version, row.content_hash) if row is not None else None

    def get(self, version: int) -> CatalogVersion | None:
        with self.db.session() as s:
            row = s.execute(select(CatalogVersionRow).where(CatalogVersionRow.version == version)).scalar()
            return _info(row) if row is not None else None

    def content(self, version: int) -> dict[str, Any]:
        with self.db.session() as s:
            text = s.execute(select(CatalogVersionRow.content)
                             .where(CatalogVersionRow.version == version)).scalar()
        if text is None:
            raise LookupError(version)
        loaded: dict[str, Any] = json.loads(text)
        return loaded

    def history(self, limit: int = 50) -> list[CatalogVersion]:
        with self.db.session() as s:
            rows = s.execute(select(CatalogVersionRow).order_by(CatalogVersionRow.version.desc())
                             .limit(limit)).scalars()
            return [_info(row) for row in rows]

    def newest_draft(self) -> CatalogVersion | None:
        with self.db.session() as s:
            row = s.execute(select(CatalogVersionRow).where(CatalogVersionRow.status == DRAFT)
                            .order_by(CatalogVersionRow.version.desc()).limit(1)).scalar()
            return _info(row) if row is not None else None

    def count(self) -> int:
        with self.db.session() as s:
            return int(s.execute(select(func.count()).select_from(CatalogVersionRow)).scalar_one())

    # -- writing -----------------------------------------------------------------------------
    def seed(self, documents: dict[str, Any], *, effective: date | None = None) -> None:
        """Version 1 = the shipped catalog, approved by `system`. Insert-or-ignore on the unique
        version: concurrent first starts insert it once (a no-op when any version 1 exists)."""
        content = canonical_content(documents)
        values = dict(version=1, status=APPROVED, effective_date=effective or _now().date(), source=SHIPPED, based_on=None,
                      created_by=SYSTEM_AGENT, created_at=_now(), approved_by=SYSTEM_AGENT, approved_at=_now(),
                      note="앱에 포함된 카탈로그", content=content, content_hash=content_hash(content))
        # A plain INSERT whose duplicate key is ignored: ON DUPLICATE KEY UPDATE would need the UPDATE
        # privilege the desktop accounts do not have, INSERT IGNORE would hide a truncation.
        try:
            with self.db.session() as s:
                s.execute(insert(CatalogVersionRow).values(**values))
        except IntegrityError:
            pass  # another desktop seeded it first

    def add(self, documents: dict[str, Any], *, status: str, source: str, created_by: str,
            based_on: int | None, note: str = "", effective: date | None = None) -> CatalogVersion:
        """A new version numbered after the newest one (retried when another desktop took that
        number first). An approved one retires the previous approved version in the same transaction."""
        content = canonical_content(documents)
        digest = content_hash(content)
        for _attempt in range(5):
            try:
                with self.db.session() as s:
                    newest = s.execute(select(func.max(CatalogVersionRow.version))).scalar() or 0
                    now = _now()
                    row = CatalogVersionRow(
                        version=newest + 1, status=status, effective_date=effective or now.date(), source=source,
                        based_on=based_on, created_by=created_by, created_at=now,
                        approved_by=created_by if status == APPROVED else None,
                        approved_at=now if status == APPROVED else None, note=note, content=content,
                        content_hash=digest)
                    if status == APPROVED:
                        s.execute(update(CatalogVersionRow).where(CatalogVersionRow.status == APPROVED)
                                  .values(status=RETIRED))
                    s.add(row)
                    s.flush()
                    return _info(row)
            except IntegrityError:
                continue
        raise RuntimeError("could not allocate a catalog version number")

    def approve(self, version: int, approver: str) -> CatalogVersion:
        """Draft → approved (the previous approved version → retired), in one transaction."""
        with self.db.session() as s:
            row = s.execute(select(CatalogVersionRow).where(CatalogVersionRow.version == version)
                            .with_for_update()).scalar()
            if row is None:
                raise LookupError(version)
            if row.status != DRAFT:
                raise ValueError(row.status)
            s.execute(update(CatalogVersionRow).where(CatalogVersionRow.status == APPROVED)
                      .values(status=RETIRED))
            now = _now()
            row.status, row.approved_by, row.approved_at = APPROVED, approver, now
            row.effective_date = row.effective_date or now.date()
            s.flush()
            return _info(row)


class AgentRoles:
    """Who holds which role; the desktop reads it, an administrator grants it (`ktcs catalog grant`)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def role_of(self, agent_id: str) -> str | None:
        with self.db.session() as s:
            role: str | None = s.execute(select(AgentRoleRow.role).where(AgentRoleRow.agent_id == agent_id)).scalar()
            return role

    def grant(self, agent_id: str, role: str, *, granted_by: str) -> None:
        with self.db.session() as s:
            row = s.get(AgentRoleRow, agent_id)
            if row is None:
                s.add(AgentRoleRow(agent_id=agent_id, role=role, granted_by=granted_by, granted_at=_now()))
            else:
                row.role, row.granted_by, row.granted_at = role, granted_by, _now()

    def revoke(self, agent_id: str) -> bool:
        with self.db.session() as s:
            row = s.get(AgentRoleRow, agent_id)
            if row is None:
                return False
            s.delete(row)
            return True
