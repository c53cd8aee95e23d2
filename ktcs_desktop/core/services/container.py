"""Builds the services the app needs from settings: one place, used by the CLI, the UI and tests."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from ktcs_desktop.core.config import Settings, load_settings, os_agent_id
from ktcs_desktop.core.services.lookup import CallerLookupService
from ktcs_desktop.core.storage.database import Database
from ktcs_desktop.core.storage.repositories import AuditLog, ConsultationRepository, CustomerRepository
from ktcs_desktop.core.storage.seed import SeedReport, seed_database

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    db: Database
    customers: CustomerRepository = field(init=False)
    consultations: ConsultationRepository = field(init=False)
    audit: AuditLog = field(init=False)
    lookup: CallerLookupService = field(init=False)
    _override_audited: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        self.customers = CustomerRepository(self.db)
        self.consultations = ConsultationRepository(self.db)
        self.audit = AuditLog(self.db)
        self.lookup = CallerLookupService(self.customers, self.consultations, self.audit,
                                          agent_id=self.settings.agent_id)

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


def create_services(settings: Settings | None = None) -> Services:
    settings = settings or load_settings()
    settings.paths.ensure()
    db = Database(settings.database_url, connect_timeout=settings.ktcs_db_connect_timeout)
    return Services(settings=settings, db=db)
