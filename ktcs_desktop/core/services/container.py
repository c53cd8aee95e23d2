"""Builds the services the app needs from settings: one place, used by the CLI, the UI and tests.

`Services` owns every long-lived service: the database and its repositories, the caller lookup,
the floor's approved plan catalog (`catalog_provider`, checked against the database at each
lookup), the live index that follows it (`live_index`), the assistant, recommendations and the
transcriber. Nothing is a module-level singleton: whoever needs prices gets them from here. The index builder comes in from the
composition root (`ktcs_desktop.context`), since core never imports ingestion.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from ktcs_desktop.core.config import Settings, load_settings, os_agent_id
from ktcs_desktop.core.errors import KtcsError
from ktcs_desktop.core.services.catalog import CatalogApprovals, CatalogProvider
from ktcs_desktop.core.services.lookup import CallerLookupService
from ktcs_desktop.core.storage.database import Database
from ktcs_desktop.core.storage.repositories import AuditLog, ConsultationRepository, CustomerRepository
from ktcs_desktop.core.storage.seed import SeedReport, seed_database

if TYPE_CHECKING:
    from ktcs_desktop.core.assistant.service import AssistantService
    from ktcs_desktop.core.catalog import PlanCatalog
    from ktcs_desktop.core.models import CallerLookup
    from ktcs_desktop.core.recommend.models import CallNeeds, Recommendation
    from ktcs_desktop.core.retrieval import IndexBuilder, KnowledgeBase, LiveIndex
    from ktcs_desktop.core.speech import Transcriber

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    db: Database
    index_builder: IndexBuilder | None = None
    customers: CustomerRepository = field(init=False)
    consultations: ConsultationRepository = field(init=False)
    audit: AuditLog = field(init=False)
    lookup: CallerLookupService = field(init=False)
    catalog_provider: CatalogProvider = field(init=False)
    approvals: CatalogApprovals = field(init=False)
    _override_audited: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        self.customers = CustomerRepository(self.db)
        self.consultations = ConsultationRepository(self.db)
        self.audit = AuditLog(self.db)
        self.catalog_provider = CatalogProvider(self.db, cache_dir=self.settings.paths.data_dir / "catalog")
        # each caller lookup (a DB task) re-checks the newest approved catalog version
        self.lookup = CallerLookupService(self.customers, self.consultations, self.audit,
                                          agent_id=self.settings.agent_id, on_lookup=self.catalog_provider.current)
        self.approvals = CatalogApprovals(self.db, self.catalog_provider, self.audit, agent_id=self.settings.agent_id,
                                          claimed_role=self.settings.ktcs_agent_role)
        self._lazy_lock = threading.Lock()
        self._assistant: AssistantService | None = None
        self._live_index: LiveIndex | None = None

    # -- knowledge: the approved catalog and the index that follows it ---------------------------
    @property
    def catalog(self) -> PlanCatalog:
        """The newest approved catalog version (one cheap DB check per call; the last good one,
        with `catalog_provider.notice`, when the database cannot answer)."""
        return self.catalog_provider.current()

    def catalog_hash(self) -> str | None:
        current = self.catalog_provider.current_version
        return current.content_hash if current is not None and current.content_hash else None

    @property
    def live_index(self) -> LiveIndex:
        with self._lazy_lock:
            if self._live_index is None:
                from ktcs_desktop.core.retrieval import LiveIndex

                self._live_index = LiveIndex(self.settings, self.catalog_provider.current,
                                             catalog_hash=self.catalog_hash, build_index=self.index_builder)
            return self._live_index

    @property
    def knowledge(self) -> KnowledgeBase:
        """The live index for the catalog in use (rebuilt when a new version was approved)."""
        return self.live_index.current()

    @property
    def assistant(self) -> AssistantService:
        """The assistant for the catalog in use (offline templates, plus the model when configured);
        a new one when a newer catalog version was approved."""
        catalog = self.catalog
        live_index = self.live_index
        with self._lazy_lock:
            if self._assistant is None or self._assistant.catalog is not catalog:
                from ktcs_desktop.core.assistant.service import AssistantService

                self._assistant = AssistantService(self.settings, catalog, knowledge=live_index.current)
            return self._assistant

    def recommend(self, lookup: CallerLookup, needs: CallNeeds | None = None) -> Recommendation:
        """Plan recommendations for a looked-up caller, from this context's catalog."""
        from ktcs_desktop.core.recommend.engine import recommend_for

        return recommend_for(lookup, needs, catalog=self.catalog)

    def transcriber(self) -> Transcriber | None:
        """A new transcriber for one call (the caller closes it), or None when none is usable."""
        from ktcs_desktop.core.speech import make_transcriber

        return make_transcriber(self.settings)

    def ensure_schema(self) -> None:
        """The embedded SQLite migrates itself; a shared MySQL/MariaDB is only checked (the app
        account has no DDL rights; an administrator runs `ktcs db upgrade`): SchemaMismatchError
        in Korean when it is behind or ahead."""
        if self.db.is_sqlite:
            self.db.upgrade()
        else:
            self.db.require_schema()

    def prepare_database(self, *, seed: bool = True) -> SeedReport | None:
        """What the app does at start: the schema (above), the KTCS_AGENT_ID override audited
        once, and on the embedded database only, the sample callers on first start (a shared
        database is seeded by `ktcs seed`, never automatically)."""
        self.ensure_schema()
        self._audit_agent_override()
        try:  # version 1 from the shipped catalog on first start (insert-or-ignore: seeded once)
            self.catalog_provider.ensure_seeded()
        except (KtcsError, SQLAlchemyError) as exc:  # e.g. the account lacks the new table's GRANTs yet
            log.warning("catalog versions unavailable at start (the catalog says so at lookup): %r", exc)
        if (seed and self.db.is_sqlite and self.settings.ktcs_seed_on_first_start
                and self.customers.count() == 0):
            report = seed_database(self.db, agent_id=self.settings.agent_id)
            log.info("seeded %d sample customers", report.samples_added)
            return report
        return None

    def _audit_agent_override(self) -> None:
        if self._override_audited or not self.settings.agent_id_overridden:
            return
        try:
            login = os_agent_id()
        except ValueError:
            login = "(알 수 없음)"
        if login != self.settings.agent_id:
            self.audit.record(self.settings.agent_id, "agent_override", detail=f"KTCS_AGENT_ID; OS 로그인 {login}")
        self._override_audited = True

    def close(self) -> None:
        self.db.dispose()


def create_services(settings: Settings | None = None, *, index_builder: IndexBuilder | None = None) -> Services:
    """The services for `settings`; entry points call `ktcs_desktop.context.create_app_context`,
    which passes ingestion's index builder in."""
    settings = settings or load_settings()
    settings.paths.ensure()
    db = Database(settings.database_url, connect_timeout=settings.ktcs_db_connect_timeout)
    return Services(settings=settings, db=db, index_builder=index_builder)
