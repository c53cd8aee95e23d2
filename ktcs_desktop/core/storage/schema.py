"""SQLAlchemy 2 table definitions. Alembic migrations (``migrations/versions``) create them.

Types are chosen to behave the same on SQLite and MySQL/MariaDB (utf8mb4): bounded VARCHARs
for indexed columns, TEXT for free text, JSON for structured event payloads.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


# Free text the agent writes: TEXT stops at 64 KB on MySQL/MariaDB, MEDIUMTEXT at 16 MB.
LongText = Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")


class CustomerRow(Base):
    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("phone", name="uq_customers_phone"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    phone: Mapped[str] = mapped_column(String(16), nullable=False)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    birth_date: Mapped[date] = mapped_column(Date, nullable=False)
    is_foreigner: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_welfare: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    current_plan: Mapped[str] = mapped_column(String(64), nullable=False)
    contract_type: Mapped[str] = mapped_column(String(16), nullable=False, default="none")
    contract_end: Mapped[date | None] = mapped_column(Date, nullable=True)
    join_date: Mapped[date] = mapped_column(Date, nullable=False)
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)

    usage: Mapped[list[UsageRow]] = relationship(back_populates="customer", cascade="all, delete-orphan")


class UsageRow(Base):
    __tablename__ = "monthly_usage"
    __table_args__ = (UniqueConstraint("customer_id", "month", name="uq_usage_customer_month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    month: Mapped[date] = mapped_column(Date, nullable=False)
    data_gb: Mapped[float] = mapped_column(Float, nullable=False)
    voice_min: Mapped[int] = mapped_column(Integer, nullable=False)
    sms_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    customer: Mapped[CustomerRow] = relationship(back_populates="usage")


class ConsultationRow(Base):
    __tablename__ = "consultations"
    __table_args__ = (Index("ix_consultations_customer_started", "customer_id", "started_at"),
                      UniqueConstraint("session_key", name="uq_consultations_session_key"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_key: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the desktop's call key
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), nullable=True
    )
    agent_id: Mapped[str] = mapped_column(String(64), nullable=False)
    started_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    notes: Mapped[str] = mapped_column(LongText, nullable=False, default="")
    summary: Mapped[str] = mapped_column(LongText, nullable=False, default="")
    outcome: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    # A write lands only if newer than what is stored (late or replayed autosaves are harmless).
    notes_rev: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    summary_rev: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    summary_final: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    lines: Mapped[list[TranscriptLineRow]] = relationship(
        back_populates="consultation", cascade="all, delete-orphan", order_by="TranscriptLineRow.seq"
    )
    events: Mapped[list[ConsultationEventRow]] = relationship(
        back_populates="consultation", cascade="all, delete-orphan", order_by="ConsultationEventRow.id"
    )


class TranscriptLineRow(Base):
    __tablename__ = "transcript_lines"
    __table_args__ = (UniqueConstraint("consultation_id", "seq", name="uq_line_consultation_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), nullable=False
    )
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    speaker: Mapped[str] = mapped_column(String(16), nullable=False)
    text: Mapped[str] = mapped_column(LongText, nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False)

    consultation: Mapped[ConsultationRow] = relationship(back_populates="lines")


class ConsultationEventRow(Base):
    __tablename__ = "consultation_events"
    __table_args__ = (UniqueConstraint("consultation_id", "seq", name="uq_event_consultation_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    seq: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the session's event number
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    payload: Mapped[dict] = mapped_column(JSON, nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False)

    consultation: Mapped[ConsultationRow] = relationship(back_populates="events")


class AuditLogRow(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_customer_at", "customer_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    agent_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    customer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    phone_masked: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Hash chain on the embedded SQLite (storage/audit_chain.py); NULL on MySQL (append-only by grants).
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


class CatalogVersionRow(Base):
    """One version of the plan catalog (the floor's prices). Append-only history: a version's
    content never changes; only a draft's status moves to approved, and an approved one to retired
    when a newer one is approved. A rollback approves a copy of an earlier version as a new one."""

    __tablename__ = "catalog_versions"
    __table_args__ = (UniqueConstraint("version", name="uq_catalog_versions_version"),
                      Index("ix_catalog_versions_status_version", "status", "version"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # draft | approved | retired
    effective_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    source: Mapped[str] = mapped_column(String(16), nullable=False)  # shipped | refresh | rollback
    based_on: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the version it was derived from
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    approved_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    note: Mapped[str] = mapped_column(LongText, nullable=False, default="")
    content: Mapped[str] = mapped_column(LongText, nullable=False)  # canonical JSON: plans, addons, rules
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)


class AgentRoleRow(Base):
    """Roles granted by an administrator (e.g. `supervisor`); the desktop account only reads them."""

    __tablename__ = "agent_roles"

    agent_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    granted_by: Mapped[str] = mapped_column(String(64), nullable=False)
    granted_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
