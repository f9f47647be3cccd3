"""Tables of the service (SQLAlchemy 2 typed ORM).

Rows mirror the contract models of ``optimizer.domain`` field by field (same names), so a
row converts to and from its pydantic model without a hand-written mapping; nested values
(locations, skill lists, windows, pins) are JSON columns. Datetimes are stored in UTC and
read back in Europe/Saratov.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    TypeDecorator,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from optimizer.calendar import TZ

JsonType = JSON().with_variant(JSONB(), "postgresql")


class AwareDateTime(TypeDecorator[datetime]):
    """An aware datetime stored in UTC (naive UTC text on SQLite), read back in Europe/Saratov."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} cannot be stored")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(TZ)


def utcnow() -> datetime:
    """Now, aware."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {
        datetime: AwareDateTime(),
        time: Time(),
        dict[str, Any]: JsonType,
        list[Any]: JsonType,
    }


class Stamped:
    """Rows that record when they were created and last changed."""

    created: Mapped[datetime] = mapped_column(default=utcnow)
    updated: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SlaPolicyRow(Stamped, Base):
    __tablename__ = "sla_policies"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    clock: Mapped[str] = mapped_column(String(20))
    response_min: Mapped[dict[str, Any]]


class SiteRow(Stamped, Base):
    __tablename__ = "sites"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    customer: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(Text, default="")
    city: Mapped[str] = mapped_column(String(200), index=True)
    location: Mapped[dict[str, Any]]
    sla_policy: Mapped[str] = mapped_column(
        String(100), ForeignKey("sla_policies.id", ondelete="RESTRICT"), index=True
    )


class SkillRow(Stamped, Base):
    """An entry of the department's skills catalogue (engineers and tickets name its id).

    ``position`` keeps the catalogue's order (the built-in eight first, then the skills in
    the order they were added); a row without one comes after, by creation."""

    __tablename__ = "skills"

    id: Mapped[str] = mapped_column(String(50), primary_key=True)
    name_ru: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    position: Mapped[int | None] = mapped_column(Integer, default=None)


class EngineerRow(Stamped, Base):
    __tablename__ = "engineers"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    skills: Mapped[list[Any]]
    licence_b: Mapped[bool] = mapped_column(Boolean)
    has_car: Mapped[bool] = mapped_column(Boolean)
    base: Mapped[dict[str, Any]]
    weekly_hours: Mapped[float] = mapped_column(Float)
    cost_per_hour_rub: Mapped[float] = mapped_column(Float)
    car_cost_per_km_rub: Mapped[float] = mapped_column(Float)
    holiday_work_consent: Mapped[bool] = mapped_column(Boolean)
    preferences: Mapped[list[Any]]


class AbsenceRow(Stamped, Base):
    __tablename__ = "absences"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    engineer_id: Mapped[str] = mapped_column(
        String(100), ForeignKey("engineers.id", ondelete="CASCADE"), index=True
    )
    start: Mapped[datetime]
    end: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(Text, default="")


class ShiftTemplateRow(Stamped, Base):
    __tablename__ = "shift_templates"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    start: Mapped[time]
    end: Mapped[time]
    break_min: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    weekdays: Mapped[list[Any]]


class TicketRow(Stamped, Base):
    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_status_deadline", "status", "sla_deadline"),)

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    site_id: Mapped[str | None] = mapped_column(
        String(100), ForeignKey("sites.id", ondelete="RESTRICT"), index=True
    )
    location: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(index=True)
    priority: Mapped[str] = mapped_column(String(20), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    mode: Mapped[str] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(200))
    required_skills: Mapped[list[Any]]
    duration_min: Mapped[int] = mapped_column(Integer)
    earliest_start: Mapped[datetime | None]
    deadline: Mapped[datetime | None]
    window: Mapped[dict[str, Any] | None]
    pinned: Mapped[dict[str, Any] | None]
    title: Mapped[str] = mapped_column(Text, default="")
    # Service-side state, not part of the engine contract.
    sla_deadline: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="open")
    engineer_id: Mapped[str | None] = mapped_column(
        String(100), ForeignKey("engineers.id", ondelete="SET NULL")
    )
    planned_start: Mapped[datetime | None]
    planned_end: Mapped[datetime | None]


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    key_hash: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200), default="")
    created: Mapped[datetime] = mapped_column(default=utcnow)
    revoked: Mapped[datetime | None]


class JobRow(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status", "status"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(20))
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    payload: Mapped[dict[str, Any]]
    result: Mapped[dict[str, Any] | None]
    error: Mapped[dict[str, Any] | None]
    created: Mapped[datetime] = mapped_column(default=utcnow)
    started: Mapped[datetime | None]
    finished: Mapped[datetime | None]
    accepted: Mapped[datetime | None]
    rerun_of: Mapped[str | None] = mapped_column(String(32))
    created_by: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    """Times a worker has started the job; a job whose workers keep dying stops at a limit."""
    worker: Mapped[str | None] = mapped_column(String(200))
    """``host:pid`` of the worker process running (or that ran) the job."""
    parts_total: Mapped[int | None] = mapped_column(Integer)
    """Parts a sweep was fanned out into (what-if replications); None for a single job."""


class JobPartRow(Base):
    """One part of a fanned-out job (a what-if replication): queued and run like a job."""

    __tablename__ = "job_parts"
    __table_args__ = (Index("ix_job_parts_status", "status"),)

    job_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True
    )
    part: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(200))
    result: Mapped[dict[str, Any] | None]
    created: Mapped[datetime] = mapped_column(default=utcnow)
    started: Mapped[datetime | None]
    finished: Mapped[datetime | None]


class AcceptedAssignmentRow(Base):
    """An assignment of an accepted plan or roster: who does what, when.

    A ticket's commitment is ``current`` until a later accepted plan or a manual change
    replaces it (``superseded``), the ticket leaves the plan (``released``) or is finished
    (``done``); the rows are kept as the ticket's history. At most one current dispatch
    assignment per ticket (a partial unique index). ``job_id`` is null for a manual one.
    """

    __tablename__ = "accepted_assignments"
    __table_args__ = (
        Index(
            "ux_accepted_assignments_current_ticket",
            "ticket_id",
            unique=True,
            sqlite_where=text("status = 'current' AND kind = 'dispatch'"),
            postgresql_where=text("status = 'current' AND kind = 'dispatch'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("jobs.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    engineer_id: Mapped[str] = mapped_column(String(100), index=True)
    ticket_id: Mapped[str | None] = mapped_column(String(100), index=True)
    template_id: Mapped[str | None] = mapped_column(String(100))
    start: Mapped[datetime]
    end: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="current")
    source: Mapped[str] = mapped_column(String(20), default="plan")
    travel_min: Mapped[float] = mapped_column(Float, default=0.0)
    travel_km: Mapped[float] = mapped_column(Float, default=0.0)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closed_by_job: Mapped[str | None] = mapped_column(String(32))
    created_by: Mapped[int | None] = mapped_column(Integer)


class TicketHistoryRow(Base):
    """One change of a ticket: its status, its engineer, a pin; who made it and when."""

    __tablename__ = "ticket_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[str] = mapped_column(
        String(100), ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]
    recorded: Mapped[datetime] = mapped_column(default=utcnow)
    event: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    engineer_id: Mapped[str | None] = mapped_column(String(100))
    job_id: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    by_key_id: Mapped[int | None] = mapped_column(Integer)
    by_name: Mapped[str] = mapped_column(String(200), default="")


class PlanBasisRow(Base):
    """What a plan made from the store was made from: the time it plans from, a fingerprint
    of the stored state (to refuse accepting it once the state has moved on), the event that
    prompted it, and what the dispatcher decided."""

    __tablename__ = "plan_bases"
    __table_args__ = (Index("ix_plan_bases_status", "status"),)

    job_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    as_of: Mapped[datetime]
    state: Mapped[dict[str, Any]]
    event: Mapped[dict[str, Any] | None]
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    created: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    decided: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(Integer)
