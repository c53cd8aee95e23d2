"""Builds the services the app needs from settings: one place, used by the CLI, the UI and tests."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from ktcs_desktop.core.config import Settings, load_settings
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

    def __post_init__(self) -> None:
        self.customers = CustomerRepository(self.db)
        self.consultations = ConsultationRepository(self.db)
        self.audit = AuditLog(self.db)
        self.lookup = CallerLookupService(self.customers, self.consultations, self.audit,
                                          agent_id=self.settings.ktcs_agent_id)

    def prepare_database(self) -> SeedReport | None:
        """Migrate to head; on the embedded database, seed the sample callers on first start."""
        self.db.upgrade()
        if self.settings.ktcs_seed_on_first_start and self.customers.count() == 0:
            report = seed_database(self.db, agent_id=self.settings.ktcs_agent_id)
            log.info("seeded %d sample customers", report.samples_added)
            return report
        return None

    def close(self) -> None:
        self.db.dispose()


def create_services(settings: Settings | None = None) -> Services:
    settings = settings or load_settings()
    settings.paths.ensure()
    db = Database(settings.database_url, connect_timeout=settings.ktcs_db_connect_timeout)
    return Services(settings=settings, db=db)
