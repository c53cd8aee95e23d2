"""The floor's approved plan catalog: `CatalogProvider` (what every lookup uses) and
`CatalogApprovals` (refresh → draft → diff → supervisor approval, history, rollback).

Every desktop asks the database for the newest approved version at each lookup (one indexed row:
id, version, hash) and rebuilds its `PlanCatalog` only when that changed, so a version approved on
one PC is used by every PC at its next lookup. When the database cannot answer, the last good
version is kept (in memory, else the copy saved in the data dir) and `notice` says so; the shipped
catalog is used only when nothing else exists, with a notice and an error in the log.

Approval needs the supervisor role twice: the PC's `KTCS_AGENT_ROLE=supervisor` and a row for
the agent in `agent_roles`, which only an administrator writes. Every approval and rollback is
written to the audit log.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from ktcs_desktop.core.catalog import (
    PlanCatalog,
    catalog_documents,
    catalog_from_documents,
    load_shipped_catalog,
)
from ktcs_desktop.core.catalog.models import selective_price
from ktcs_desktop.core.errors import KtcsError, NotFoundError
from ktcs_desktop.core.formatting import won
from ktcs_desktop.core.storage.catalog_versions import (
    APPROVED,
    DRAFT,
    REFRESH,
    ROLLBACK,
    SUPERVISOR,
    AgentRoles,
    CatalogVersion,
    CatalogVersionRepository,
    canonical_content,
    content_hash,
)
from ktcs_desktop.core.storage.database import Database
from ktcs_desktop.core.storage.repositories import AuditLog

log = logging.getLogger(__name__)

CACHE_FILE = "approved-catalog.json"


class NotSupervisorError(KtcsError):
    user_message = "카탈로그 승인과 되돌리기는 팀장(supervisor) 권한이 있는 상담원만 할 수 있습니다."


class CatalogUnavailableError(KtcsError):
    user_message = "승인된 요금제 카탈로그를 데이터베이스에서 읽을 수 없습니다."


@dataclass(frozen=True)
class CurrentVersion:
    version: int | None  # None: not from the database (the shipped copy during an outage)
    content_hash: str
    source: str  # "db" | "cache" | "shipped"


class CatalogProvider:
    """The newest approved catalog, cached per version; `current()` is cheap when nothing changed."""

    def __init__(self, db: Database, *, cache_dir: Path | None = None) -> None:
        self.versions = CatalogVersionRepository(db)
        self.cache_dir = cache_dir
        self._lock = threading.Lock()
        self._catalog: PlanCatalog | None = None
        self._current: CurrentVersion | None = None
        self.notice: str | None = None  # Korean: why the catalog in use may not be the newest approved
        self.checks = 0  # database checks made (tests, benchmarks)
        self.loads = 0  # versions loaded

    # -- seeding -----------------------------------------------------------------------------
    def ensure_seeded(self) -> None:
        """Version 1 from the shipped catalog when the table has none (idempotent, concurrent-safe)."""
        if self.versions.newest_approved() is None and self.versions.get(1) is None:
            self.versions.seed(catalog_documents())
            log.info("catalog: seeded version 1 from the shipped catalog")

    # -- the catalog in use ------------------------------------------------------------------
    def current(self) -> PlanCatalog:
        with self._lock:
            self.checks += 1
            try:
                head = self.versions.newest_approved()
                if head is None:
                    self.ensure_seeded()
                    head = self.versions.newest_approved()
                    if head is None:
                        raise CatalogUnavailableError(detail="no approved catalog version")
                _id, version, digest = head
                if self._catalog is not None and self._current is not None and self._current.version == version \
                        and self._current.content_hash == digest:
                    self.notice = None
                    return self._catalog
                documents = self.versions.content(version)
                catalog = catalog_from_documents(documents, label=f"catalog_versions/v{version}")
            except (KtcsError, SQLAlchemyError, OSError, LookupError, ValueError) as exc:
                return self._last_good(exc)
            self._catalog, self._current, self.notice = catalog, CurrentVersion(version, digest, "db"), None
            self.loads += 1
            log.info("catalog: using approved version %d (%s)", version, digest[:12])
            self._save_cache(version, digest, documents)
            return catalog

    def last(self) -> PlanCatalog:
        """The catalog the last check returned, without asking the database (the GUI thread
        renders with it; lookups, run as DB tasks, make the check). `current()` before the first."""
        catalog = self._catalog
        return catalog if catalog is not None else self.current()

    @property
    def current_version(self) -> CurrentVersion | None:
        """The version `current()` returned last (None before the first call)."""
        return self._current

    def _last_good(self, exc: BaseException) -> PlanCatalog:
        if self._catalog is not None and self._current is not None:
            self.notice = (f"카탈로그 데이터베이스에 연결할 수 없어 마지막으로 확인한 승인 버전"
                           f"{_label(self._current)}을 사용합니다.")
            log.warning("catalog: database check failed, keeping %s: %r", _label(self._current), exc)
            return self._catalog
        cached = self._load_cache()
        if cached is not None:
            version, digest, catalog = cached
            self._catalog, self._current = catalog, CurrentVersion(version, digest, "cache")
            self.notice = (f"카탈로그 데이터베이스에 연결할 수 없어 이 PC에 저장된 승인 버전 v{version}을 사용합니다. "
                           "더 새로운 승인 버전이 있을 수 있습니다.")
            log.warning("catalog: database unavailable, using the saved approved version v%d: %r", version, exc)
            return catalog
        catalog = load_shipped_catalog()
        self._catalog, self._current = catalog, CurrentVersion(None, "", "shipped")
        self.notice = ("카탈로그 데이터베이스에 연결할 수 없어 앱에 포함된 카탈로그를 사용합니다. "
                       "승인된 최신 요금과 다를 수 있으니 요금 안내 전에 확인하세요.")
        log.error("catalog: no approved version reachable and none saved, using the SHIPPED catalog: %r", exc)
        return catalog

    # -- the last good version on disk (a restart during an outage) ----------------------------
    def _save_cache(self, version: int, digest: str, documents: dict[str, Any]) -> None:
        if self.cache_dir is None:
            return
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            tmp = self.cache_dir / (CACHE_FILE + ".tmp")
            tmp.write_text(json.dumps({"version": version, "hash": digest, "documents": documents},
                                      ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self.cache_dir / CACHE_FILE)
        except OSError as exc:
            log.warning("catalog: could not save the approved version locally: %r", exc)

    def _load_cache(self) -> tuple[int, str, PlanCatalog] | None:
        if self.cache_dir is None:
            return None
        try:
            saved = json.loads((self.cache_dir / CACHE_FILE).read_text(encoding="utf-8"))
            catalog = catalog_from_documents(saved["documents"], label=f"{CACHE_FILE} v{saved['version']}")
            return int(saved["version"]), str(saved["hash"]), catalog
        except (OSError, ValueError, KeyError, TypeError, KtcsError):
            return None


def _label(current: CurrentVersion) -> str:
    return f" v{current.version}" if current.version is not None else "(앱에 포함된 카탈로그)"


# -- diff ------------------------------------------------------------------------------------------

def diff_documents(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What changed between two versions' content, one Korean line per change."""
    lines: list[str] = []
    old_plans = {p["id"]: p for p in old["plans"]["plans"]}
    new_plans = {p["id"]: p for p in new["plans"]["plans"]}
    for plan_id, plan in new_plans.items():
        before = old_plans.get(plan_id)
        if before is None:
            lines.append(f"새 요금제: {plan['name']} (월 {won(plan['monthly_fee'])})")
            continue
        if before["monthly_fee"] != plan["monthly_fee"]:
            lines.append(f"{plan['name']}: 월정액 {won(before['monthly_fee'])} → {won(plan['monthly_fee'])}")
        others = sorted(k for k in set(plan) | set(before)
                        if k not in ("monthly_fee", "selective_fee", "noted_selective_fee") and before.get(k) != plan.get(k))
        if others:
            lines.append(f"{plan['name']}: {', '.join(others)} 변경")
    lines += [f"삭제된 요금제: {p['name']}" for plan_id, p in old_plans.items() if plan_id not in new_plans]
    old_addons = {a["id"]: a for a in old["addons"]["addons"]}
    new_addons = {a["id"]: a for a in new["addons"]["addons"]}
    for addon_id, addon in new_addons.items():
        before = old_addons.get(addon_id)
        if before is None:
            lines.append(f"새 부가서비스: {addon['name']}")
        elif before != addon:
            lines.append(f"부가서비스 {addon['name']}: {', '.join(sorted(k for k in addon if before.get(k) != addon[k]))} 변경")
    lines += [f"삭제된 부가서비스: {a['name']}" for addon_id, a in old_addons.items() if addon_id not in new_addons]
    if old["rules"] != new["rules"]:
        lines.append("요금 규칙(rules) 변경")
    return lines


class PageChange(Protocol):
    """What the refresh reports per difference (`ktcs_desktop.ingestion.PlanChange`)."""

    @property
    def kind(self) -> str: ...

    @property
    def plan_id(self) -> str | None: ...

    @property
    def new_fee(self) -> int | None: ...

    @property
    def message(self) -> str: ...


def apply_page_changes(documents: dict[str, Any], changes: Iterable[PageChange]) -> tuple[dict[str, Any], list[str]]:
    """`documents` with the refresh's fee changes applied (선택약정 price recomputed), and the lines
    a person must still act on (plans added to or gone from a page: the catalog row needs editing)."""
    new = copy.deepcopy(documents)
    plans = {p["id"]: p for p in new["plans"]["plans"]}
    manual: list[str] = []
    for change in changes:
        plan = plans.get(change.plan_id or "")
        if change.kind == "fee_changed" and plan is not None and change.new_fee:
            plan["monthly_fee"] = change.new_fee
            if plan.get("selective_discount_eligible"):
                plan["selective_fee"] = selective_price(change.new_fee)
                plan["noted_selective_fee"] = None
        else:
            manual.append(change.message)
    return new, manual


# -- approvals -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CatalogDiff:
    version: CatalogVersion
    base: CatalogVersion | None
    lines: list[str]


class CatalogApprovals:
    """Drafts, approvals, rollbacks and history; approvals only by a supervisor (checked in the DB)."""

    def __init__(self, db: Database, provider: CatalogProvider, audit: AuditLog, *, agent_id: str,
                 claimed_role: str = "agent") -> None:
        self.versions = CatalogVersionRepository(db)
        self.roles = AgentRoles(db)
        self.provider = provider
        self.audit = audit
        self.agent_id = agent_id
        self.claimed_role = claimed_role

    # -- role ----------------------------------------------------------------------------------
    def is_supervisor(self) -> bool:
        """KTCS_AGENT_ROLE=supervisor on this PC *and* the role granted to this agent in the DB."""
        return self.claimed_role == SUPERVISOR and self.roles.role_of(self.agent_id) == SUPERVISOR

    def require_supervisor(self) -> None:
        if self.claimed_role != SUPERVISOR:
            raise NotSupervisorError(
                "카탈로그 승인과 되돌리기는 팀장(supervisor)만 할 수 있습니다. 이 PC의 KTCS_AGENT_ROLE이 "
                "supervisor로 설정되어 있지 않습니다.")
        if self.roles.role_of(self.agent_id) != SUPERVISOR:
            raise NotSupervisorError(
                f"'{self.agent_id}' 상담원은 데이터베이스에 팀장(supervisor) 권한이 등록되어 있지 않습니다. "
                f"관리자에게 `ktcs catalog grant {self.agent_id}` 실행을 요청하세요.")

    # -- drafts ----------------------------------------------------------------------------------
    def draft_from_refresh(self, changes: Iterable[PageChange]) -> CatalogVersion | None:
        """A draft version from a refresh's differences (fee changes applied to the current approved
        version); None when nothing changed. Needs no role: anyone may propose."""
        changes = list(changes)
        if not changes:
            return None
        head = self.versions.newest_approved()
        if head is None:
            self.provider.ensure_seeded()
            head = self.versions.newest_approved()
        if head is None:
            raise CatalogUnavailableError(detail="no approved version to base a draft on")
        base = head[1]
        base_documents = self.versions.content(base)
        documents, manual = apply_page_changes(base_documents, changes)
        if documents == base_documents:  # only plans added/removed on a page: a person edits the catalog
            log.info("catalog: refresh found %d differences, none applicable to a draft: %s", len(changes), manual)
            return None
        digest = content_hash(canonical_content(documents))
        pending = self.versions.newest_draft()
        if pending is not None and pending.based_on == base and pending.content_hash == digest:
            return pending  # the same refresh result again: the draft already waits for approval
        note = "새로고침 결과: " + "; ".join(c.message for c in changes)
        if manual:
            note += "\n카탈로그 행을 직접 고쳐야 하는 항목: " + "; ".join(manual)
        return self.versions.add(documents, status=DRAFT, source=REFRESH, created_by=self.agent_id,
                                 based_on=base, note=note)

    def diff(self, version: int | None = None) -> CatalogDiff:
        """The draft (newest unless given) against the version it was based on (else the approved one)."""
        info = self._version_or_newest_draft(version)
        base_number = info.based_on
        if base_number is None:
            head = self.versions.newest_approved()
            base_number = head[1] if head is not None and head[1] != info.version else None
        base = self.versions.get(base_number) if base_number is not None else None
        if base is None:
            return CatalogDiff(info, None, ["(비교할 이전 버전 없음)"])
        lines = diff_documents(self.versions.content(base.version), self.versions.content(info.version))
        return CatalogDiff(info, base, lines or ["변경 없음"])

    def approve(self, version: int | None = None) -> CatalogVersion:
        self.require_supervisor()
        info = self._version_or_newest_draft(version)
        if info.status != DRAFT:
            raise KtcsError(f"v{info.version}은(는) 초안이 아닙니다 (상태: {_STATUS.get(info.status, info.status)}).")
        head = self.versions.newest_approved()
        if head is not None and info.based_on is not None and head[1] != info.based_on:
            raise KtcsError(f"초안 v{info.version}은(는) v{info.based_on}을(를) 기준으로 만들어졌지만 지금 승인된 버전은 "
                            f"v{head[1]}입니다. 요금제 정보 새로고침을 다시 실행해 새 초안을 만드세요.")
        lines = self.diff(info.version).lines
        try:
            approved = self.versions.approve(info.version, self.agent_id)
        except DBAPIError as exc:
            raise _refused(exc) from exc
        self.audit.record(self.agent_id, "catalog_approve",
                          detail=f"v{approved.version} (기준 v{info.based_on}); " + "; ".join(lines)[:900])
        log.info("catalog: v%d approved by %s", approved.version, self.agent_id)
        return approved

    def rollback(self, to_version: int) -> CatalogVersion:
        """Approve a copy of `to_version` as a new version (history stays append-only)."""
        self.require_supervisor()
        target = self.versions.get(to_version)
        if target is None:
            raise NotFoundError(f"카탈로그 버전 v{to_version}이(가) 없습니다.")
        head = self.versions.newest_approved()
        try:
            created = self.versions.add(self.versions.content(to_version), status=APPROVED, source=ROLLBACK,
                                        created_by=self.agent_id, based_on=to_version,
                                        note=f"v{to_version}(으)로 되돌림 (이전 승인 v{head[1] if head else '-'})")
        except DBAPIError as exc:
            raise _refused(exc) from exc
        self.audit.record(self.agent_id, "catalog_rollback",
                          detail=f"v{created.version} = v{to_version}의 사본 (이전 승인 v{head[1] if head else '-'})")
        return created

    def history(self, limit: int = 50) -> list[CatalogVersion]:
        return self.versions.history(limit)

    def _version_or_newest_draft(self, version: int | None) -> CatalogVersion:
        info = self.versions.get(version) if version is not None else self.versions.newest_draft()
        if info is None:
            raise NotFoundError(f"카탈로그 버전 v{version}이(가) 없습니다." if version is not None
                                else "승인을 기다리는 카탈로그 초안이 없습니다. 먼저 요금제 정보 새로고침을 실행하세요.")
        return info


def _refused(exc: DBAPIError) -> BaseException:
    """The server refused the write (MySQL 1142: the account lacks UPDATE on catalog_versions)."""
    args = getattr(getattr(exc, "orig", None), "args", ())
    if args and args[0] == 1142:
        return NotSupervisorError("이 PC의 데이터베이스 계정에는 카탈로그 승인 권한이 없습니다. 관리자에게 "
                                  "`ktcs db grants --supervisor` 권한을 요청하세요.", detail=str(exc.orig)[:200])
    return exc


_STATUS = {"draft": "초안", "approved": "승인", "retired": "이전 승인"}


def status_label(status: str) -> str:
    return _STATUS.get(status, status)
