"""Caller lookup: phone number → profile, 만 나이, usage summary, identity-check prompts, history.

Every read of customer data goes through this service and is audited here, in one place
(agent, action, masked number): `lookup` / `lookup_miss`, `history` (a page of earlier
consultations), `consultation_view` (one consultation's detail), and `summarize` / `export`
(the CLI's wrap-up reads). The UI and the CLI never read those through the repositories.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from ktcs_desktop.core.errors import NotFoundError
from ktcs_desktop.core.models import (
    CallerLookup,
    Consultation,
    ConsultationSummary,
    ContractType,
    CustomerProfile,
    Page,
)
from ktcs_desktop.core.phone import format_phone, mask_phone, normalize_phone
from ktcs_desktop.core.storage.repositories import AuditLog, ConsultationRepository, CustomerRepository


def identity_checks(profile: CustomerProfile, age: int) -> tuple[str, ...]:
    """What the agent should verify before discussing the account (본인 확인)."""
    birth = profile.birth_date
    checks = [
        f"생년월일 확인: {birth.year}년 {birth.month}월 {birth.day}일 ({birth:%y%m%d})",
        f"명의자 성함 확인: {profile.name}",
    ]
    if age < 19:
        checks.append("미성년자: 법정대리인 동의 및 관계 확인 필요")
    if profile.is_foreigner:
        checks.append("외국인: 외국인등록번호 및 체류기간 확인")
    if profile.is_welfare:
        checks.append("복지 할인: 장애인 등록 상태 확인")
    if profile.contract_type is not ContractType.NONE and profile.contract_end is not None:
        checks.append(f"{profile.contract_type.label} 종료일 안내: {profile.contract_end:%Y-%m-%d}")
    return tuple(checks)


class CallerLookupService:
    def __init__(self, customers: CustomerRepository, consultations: ConsultationRepository, audit: AuditLog,
                 *, agent_id: str, today: Callable[[], date] = date.today,
                 on_lookup: Callable[[], object] | None = None) -> None:
        self.customers = customers
        self._on_lookup = on_lookup  # the services' catalog check: every lookup sees the newest approved version
        self.consultations = consultations
        self.audit = audit
        self.agent_id = agent_id
        self._today = today

    def lookup(self, raw_phone: str, *, history_limit: int = 20) -> CallerLookup:
        """Find the caller; raises InvalidInputError (bad number) or NotFoundError (no such customer)."""
        phone = normalize_phone(raw_phone)
        profile = self.customers.by_phone(phone)
        if profile is None:
            self.audit.record(self.agent_id, "lookup_miss", phone_masked=mask_phone(phone))
            raise NotFoundError(f"{format_phone(phone)} 번호로 가입된 고객이 없습니다. 번호를 다시 확인해 주세요.")
        self.audit.record(self.agent_id, "lookup", customer_id=profile.id, phone_masked=mask_phone(phone))
        if self._on_lookup is not None:
            self._on_lookup()
        today = self._today()
        age = profile.age_on(today)
        return CallerLookup(
            profile=profile,
            age=age,
            usage=self.customers.usage(profile.id, months=6),
            history=self.consultations.history(profile.id, limit=history_limit),
            identity_checks=identity_checks(profile, age),
        )

    def history(self, customer_id: int, *, offset: int = 0, limit: int = 20) -> Page[ConsultationSummary]:
        """A page of the customer's earlier consultations (audited as `history`)."""
        page = self.consultations.history(customer_id, offset=offset, limit=limit)
        self.audit.record(self.agent_id, "history", customer_id=customer_id,
                          phone_masked=self._masked_phone(customer_id), detail=f"offset={offset} limit={limit}")
        return page

    def consultation(self, consultation_id: int, *, action: str = "consultation_view",
                     detail: str = "") -> Consultation:
        """One consultation with its transcript and events, audited as `action`
        (`consultation_view` in the history pane, `summarize` / `export` from the CLI)."""
        consultation = self.consultations.get(consultation_id)
        customer_id = consultation.customer_id
        self.audit.record(self.agent_id, action, customer_id=customer_id,
                          phone_masked=self._masked_phone(customer_id) if customer_id is not None else "",
                          detail=f"consultation={consultation_id}" + (f" {detail}" if detail else ""))
        return consultation

    def _masked_phone(self, customer_id: int) -> str:
        phone = self.customers.phone(customer_id)
        return mask_phone(phone) if phone else ""
