"""Load the sample data set into the database, idempotently (ids already stored are kept)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from optimizer.domain import DataSet, default_skills
from service.db import transaction
from service.models import (
    AbsenceRow,
    EngineerRow,
    ShiftTemplateRow,
    SiteRow,
    SkillRow,
    SlaPolicyRow,
    TicketRow,
)
from service.repo import row_values
from service.tickets import Lookup, create_ticket

log = logging.getLogger("wfm.seed")


@dataclass
class SeedReport:
    """How many rows of each kind were added (0 everywhere on a second run)."""

    added: dict[str, int] = field(default_factory=dict)
    available: bool = True

    @property
    def total(self) -> int:
        """Rows added in all."""
        return sum(self.added.values())


def load_sample() -> DataSet | None:
    """The sample data set, or None when it is not installed."""
    try:
        from optimizer.io.sample import load_sample_dataset
    except ImportError:
        return None
    return load_sample_dataset()


def seed(engine: Engine, dataset: DataSet | None = None) -> SeedReport:
    """Insert every item of ``dataset`` (the sample by default) whose id is not stored yet."""
    ds = dataset if dataset is not None else load_sample()
    if ds is None:
        return SeedReport(available=False)
    report = SeedReport()
    with transaction(engine) as session:
        for name, items, row_cls in (
            ("skills", ds.skills if ds.skills is not None else default_skills(), SkillRow),
            ("sla_policies", ds.sla_policies, SlaPolicyRow),
            ("engineers", ds.engineers, EngineerRow),
            ("sites", ds.sites, SiteRow),
            ("shift_templates", ds.shift_templates, ShiftTemplateRow),
        ):
            have = set(session.scalars(select(row_cls.id)))  # type: ignore[attr-defined]
            new = [row_cls(**row_values(item, row_cls)) for item in items if item.id not in have]
            session.add_all(new)
            session.flush()
            report.added[name] = len(new)
        report.added["absences"] = _seed_absences(session, ds)
        have_tickets = set(session.scalars(select(TicketRow.id)))
        have_ext = set(session.scalars(select(TicketRow.external_id)))
        lookup = Lookup(session)
        n = 0
        for t in ds.tickets:
            if t.id in have_tickets or (t.external_id is not None and t.external_id in have_ext):
                continue
            create_ticket(session, t, lookup)
            n += 1
        report.added["tickets"] = n
    log.info("sample data seeded", extra={"event": "seed", **report.added})
    return report


def _seed_absences(session: object, ds: DataSet) -> int:
    """Absences have no id of their own: one is new when no stored absence has the same
    engineer, start, end and kind."""
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    have = {(r.engineer_id, r.start, r.end, r.kind) for r in session.scalars(select(AbsenceRow))}
    new = [
        AbsenceRow(**row_values(a, AbsenceRow))
        for a in ds.absences
        if (a.engineer_id, a.start, a.end, a.kind.value) not in have
    ]
    session.add_all(new)
    session.flush()
    return len(new)
