"""Ticket intake: references checked, the SLA deadline computed, stored with a status.

Used by the single ``POST /tickets``, the bulk import and the sample-data seed, so a
ticket is checked the same way whichever door it comes in by.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from optimizer.calendar import sla_deadline
from optimizer.domain import VISIT_CITIES, Id, SkillCatalogue, SlaPolicy, Ticket, TicketMode
from optimizer.errors import InvalidInput, UnknownReference
from service.guards import check_model
from service.models import EngineerRow, SiteRow, SlaPolicyRow, TicketRow
from service.problems import Conflict
from service.repo import row_values, to_model
from service.skills import stored_catalogue

DEFAULT_POLICY = SlaPolicy(id="default", name="Default (business hours)")


class TicketStatus(StrEnum):
    """Where a ticket is: open, assigned (a plan was accepted or the dispatcher gave it to an
    engineer), en route, in progress (on site or remotely), done, cancelled, or waiting for
    the customer."""

    open = "open"
    assigned = "assigned"
    en_route = "en_route"
    in_progress = "in_progress"
    done = "done"
    cancelled = "cancelled"
    waiting_customer = "waiting_customer"


UNDER_WAY: frozenset[TicketStatus] = frozenset({TicketStatus.en_route, TicketStatus.in_progress})
"""Work the engineer has set out for or started: a plan does not move it."""

ACTIVE: frozenset[TicketStatus] = frozenset(
    {
        TicketStatus.open,
        TicketStatus.assigned,
        TicketStatus.en_route,
        TicketStatus.in_progress,
        TicketStatus.waiting_customer,
    }
)
"""Tickets not finished or withdrawn."""

TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.open: frozenset(
        {TicketStatus.assigned, TicketStatus.cancelled, TicketStatus.waiting_customer}
    ),
    TicketStatus.assigned: frozenset(
        {
            TicketStatus.en_route,
            TicketStatus.in_progress,
            TicketStatus.open,
            TicketStatus.waiting_customer,
            TicketStatus.cancelled,
        }
    ),
    TicketStatus.en_route: frozenset(
        {
            TicketStatus.in_progress,
            TicketStatus.assigned,
            TicketStatus.waiting_customer,
            TicketStatus.cancelled,
        }
    ),
    TicketStatus.in_progress: frozenset(
        {TicketStatus.done, TicketStatus.open, TicketStatus.waiting_customer}
    ),
    TicketStatus.waiting_customer: frozenset({TicketStatus.open, TicketStatus.cancelled}),
    TicketStatus.cancelled: frozenset({TicketStatus.open}),
    TicketStatus.done: frozenset(),
}
"""The ticket lifecycle: from each status, the statuses it may move to."""


class TicketPublic(Ticket):
    """A stored ticket: the contract fields plus its SLA deadline, status and assignment."""

    sla_deadline: AwareDatetime = Field(
        description="When work must start: the given deadline, else from the site's SLA policy"
    )
    status: TicketStatus = TicketStatus.open
    engineer_id: Id | None = Field(default=None, description="Engineer of the accepted plan")
    planned_start: AwareDatetime | None = None
    planned_end: AwareDatetime | None = None


READ_ONLY_FIELDS: frozenset[str] = frozenset(
    {"sla_deadline", "engineer_id", "planned_start", "planned_end"}
)
"""Fields an export carries that an import ignores (the service computes them)."""


@dataclass
class Lookup:
    """Sites, policies and engineers read once per request."""

    session: Session
    sites: dict[str, SiteRow | None] = field(default_factory=dict)
    policies: dict[str, SlaPolicy] = field(default_factory=dict)
    engineers: dict[str, bool] = field(default_factory=dict)
    skills: SkillCatalogue | None = None

    def catalogue(self) -> SkillCatalogue:
        """The stored skills catalogue (read once)."""
        if self.skills is None:
            self.skills = stored_catalogue(self.session)
        return self.skills

    def site(self, site_id: str) -> SiteRow | None:
        if site_id not in self.sites:
            self.sites[site_id] = self.session.get(SiteRow, site_id)
        return self.sites[site_id]

    def policy(self, policy_id: str) -> SlaPolicy:
        if policy_id not in self.policies:
            row = self.session.get(SlaPolicyRow, policy_id)
            self.policies[policy_id] = to_model(row, SlaPolicy) if row else DEFAULT_POLICY
        return self.policies[policy_id]

    def engineer_exists(self, engineer_id: str) -> bool:
        if engineer_id not in self.engineers:
            self.engineers[engineer_id] = self.session.get(EngineerRow, engineer_id) is not None
        return self.engineers[engineer_id]


def _at(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def check_references(t: Ticket, lookup: Lookup, path: str = "") -> None:
    """The site exists; an on-site ticket is in a visited city; a pin names a known engineer;
    the required skills are in the skills catalogue."""
    if t.required_skills:
        lookup.catalogue().check(t.required_skills, _at(path, "required_skills"))
    if t.site_id is not None:
        site = lookup.site(t.site_id)
        if site is None:
            raise UnknownReference(
                _at(path, "site_id"), t.site_id, f"ticket {t.id!r} names an unknown site"
            )
        if t.mode == TicketMode.onsite and site.city not in VISIT_CITIES:
            raise InvalidInput(
                _at(path, "mode"),
                t.mode.value,
                f"site {site.id!r} is in {site.city}; only Saratov and Engels are visited on site",
            )
    if t.pinned is not None and not lookup.engineer_exists(t.pinned.engineer_id):
        raise UnknownReference(
            _at(path, "pinned.engineer_id"),
            t.pinned.engineer_id,
            f"ticket {t.id!r} is pinned to an unknown engineer",
        )


def deadline_of(t: Ticket, lookup: Lookup, path: str = "") -> datetime:
    """The given deadline, else created_at plus the response time of the site's SLA policy."""
    if t.deadline is not None:
        return t.deadline
    site = lookup.site(t.site_id) if t.site_id is not None else None
    policy = lookup.policy(site.sla_policy) if site is not None else DEFAULT_POLICY
    try:
        return sla_deadline(t.created_at, t.priority, policy)
    except InvalidInput as err:
        raise InvalidInput(_at(path, "created_at"), err.value, err.message) from None


def public(row: TicketRow) -> TicketPublic:
    """The stored ticket as the API shows it."""
    return to_model(row, TicketPublic)


def as_ticket(row: TicketRow) -> Ticket:
    """The stored ticket as the engines' contract model."""
    return to_model(row, Ticket)


def find_by_external_id(session: Session, external_id: str) -> TicketRow | None:
    """The ticket imported under ``external_id``."""
    return session.scalar(select(TicketRow).where(TicketRow.external_id == external_id))


def create_ticket(
    session: Session, t: Ticket, lookup: Lookup, status: TicketStatus = TicketStatus.open
) -> TicketRow:
    """Store a new ticket; 409 on a duplicate id or external id, 422 on a bad reference."""
    check_model(t)
    if session.get(TicketRow, t.id) is not None:
        raise Conflict(f"ticket {t.id!r} already exists", field="id", value=t.id)
    if t.external_id is not None and find_by_external_id(session, t.external_id) is not None:
        raise Conflict(
            f"a ticket with external id {t.external_id!r} already exists",
            field="external_id",
            value=t.external_id,
        )
    check_references(t, lookup)
    row = TicketRow(
        **row_values(t, TicketRow), sla_deadline=deadline_of(t, lookup), status=status.value
    )
    session.add(row)
    session.flush()
    return row


def apply_ticket(row: TicketRow, t: Ticket, lookup: Lookup, path: str = "") -> bool:
    """Overwrite a stored ticket with ``t`` (id kept); True when anything changed."""
    check_model(t, path)
    check_references(t, lookup, path)
    before = as_ticket(row).model_dump(mode="json")
    values = row_values(t, TicketRow)
    values["id"] = row.id
    for name, value in values.items():
        setattr(row, name, value)
    deadline = deadline_of(t, lookup, path)
    changed = before != as_ticket(row).model_dump(mode="json") or row.sla_deadline != deadline
    row.sla_deadline = deadline
    return changed


def status_filter_values(values: list[Any] | None) -> list[str]:
    """Status values of a filter, as stored."""
    return [TicketStatus(v).value for v in values or []]
