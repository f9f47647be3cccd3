"""The sample data set in ``data/``: file names, readers and writers.

``load_sample_dataset()`` gives the master data with the open tickets of the sample morning
as a :class:`DataSet`; ``load_ticket_history()`` gives the twelve months of history as a
pandas DataFrame with aware datetimes (Europe/Saratov). ``write_sample`` writes what
:func:`optimizer.samplegen.generate` returns, byte-identical for the same seed.

The folder is ``data/`` of the repository, or ``$WFM_DATA_DIR`` when set, or the
``data_dir`` argument of each function.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from optimizer.domain import (
    Absence,
    DataSet,
    Engineer,
    ShiftTemplate,
    Site,
    SkillCatalogue,
    SkillEntry,
    SlaPolicy,
    Ticket,
    default_catalogue,
    default_skills,
)
from optimizer.errors import InvalidInput
from optimizer.io.tables import (
    CsvRow,
    csv_text,
    fixed,
    iso_minutes,
    models_json,
    read_csv_models,
    read_csv_rows,
    read_json_models,
    write_text,
)
from optimizer.samplegen import SampleData
from optimizer.samplegen.catalog import SAMPLE_NOW
from optimizer.samplegen.sites import COORD_DECIMALS
from optimizer.samplegen.table import (
    BOOL_COLUMNS,
    DATETIME_COLUMNS,
    HISTORY_COLUMNS,
    INT_COLUMNS,
    typed_history,
)

__all__ = [
    "ABSENCES_CSV",
    "ENGINEERS_JSON",
    "OPEN_TICKETS_JSON",
    "SAMPLE_DIR",
    "SAMPLE_FILES",
    "SAMPLE_NOW",
    "SHIFT_TEMPLATES_JSON",
    "SITES_CSV",
    "SKILLS_JSON",
    "SLA_POLICIES_JSON",
    "TICKET_HISTORY_CSV",
    "load_open_tickets",
    "load_sample",
    "load_sample_dataset",
    "load_ticket_history",
    "read_absences_csv",
    "read_engineers_json",
    "read_open_tickets_json",
    "read_shift_templates_json",
    "read_sites_csv",
    "read_skills_json",
    "read_sla_policies_json",
    "read_ticket_history_csv",
    "sample_dir",
    "write_sample",
]

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "data"
"""The repository's ``data/`` folder (``$WFM_DATA_DIR`` overrides it)."""

DATA_DIR_ENV = "WFM_DATA_DIR"

SLA_POLICIES_JSON = "sla_policies.json"
SITES_CSV = "sites.csv"
ENGINEERS_JSON = "engineers.json"
ABSENCES_CSV = "absences.csv"
SHIFT_TEMPLATES_JSON = "shift_templates.json"
TICKET_HISTORY_CSV = "ticket_history.csv"
OPEN_TICKETS_JSON = "open_tickets.json"
SKILLS_JSON = "skills.json"
SAMPLE_FILES: tuple[str, ...] = (
    SKILLS_JSON,
    SLA_POLICIES_JSON,
    SITES_CSV,
    ENGINEERS_JSON,
    ABSENCES_CSV,
    SHIFT_TEMPLATES_JSON,
    TICKET_HISTORY_CSV,
    OPEN_TICKETS_JSON,
)

SITE_COLUMNS = ("id", "customer", "address", "city", "lat", "lon", "sla_policy")
ABSENCE_COLUMNS = ("engineer_id", "start", "end", "kind", "note")
_OFFSET = re.compile(r"([+-]\d{2}:\d{2}|Z)$")


def sample_dir(data_dir: Path | str | None = None) -> Path:
    """The folder of the sample files: the argument, else ``$WFM_DATA_DIR``, else ``data/``."""
    if data_dir is not None:
        return Path(data_dir)
    env = os.environ.get(DATA_DIR_ENV)
    return Path(env) if env else SAMPLE_DIR


# -- loading ------------------------------------------------------------------------------------


def load_sample_dataset(data_dir: Path | str | None = None) -> DataSet:
    """The skills catalogue, policies, sites, engineers, absences, shift templates and the open
    tickets, validated together (unique ids, resolved references, known skills). A folder
    without ``skills.json`` uses the built-in skills catalogue."""
    d = sample_dir(data_dir)
    skills = read_skills_json(d / SKILLS_JSON) if (d / SKILLS_JSON).exists() else None
    catalogue = SkillCatalogue.of(skills)
    return DataSet(
        skills=skills,
        sla_policies=read_sla_policies_json(d / SLA_POLICIES_JSON),
        sites=read_sites_csv(d / SITES_CSV),
        engineers=read_engineers_json(d / ENGINEERS_JSON, catalogue),
        absences=read_absences_csv(d / ABSENCES_CSV),
        shift_templates=read_shift_templates_json(d / SHIFT_TEMPLATES_JSON),
        tickets=read_open_tickets_json(d / OPEN_TICKETS_JSON, catalogue),
    )


def load_ticket_history(data_dir: Path | str | None = None) -> pd.DataFrame:
    """The ticket history: one row per ticket, datetimes aware in Europe/Saratov."""
    return read_ticket_history_csv(sample_dir(data_dir) / TICKET_HISTORY_CSV)


def load_open_tickets(data_dir: Path | str | None = None) -> list[Ticket]:
    """The open tickets of the sample morning (``SAMPLE_NOW``)."""
    return read_open_tickets_json(sample_dir(data_dir) / OPEN_TICKETS_JSON)


def load_sample(data_dir: Path | str | None = None, seed: int = -1) -> SampleData:
    """Every file of the folder as a :class:`SampleData` (``seed`` is not stored in files)."""
    ds = load_sample_dataset(data_dir)
    return SampleData(
        seed=seed,
        sla_policies=ds.sla_policies,
        sites=ds.sites,
        engineers=ds.engineers,
        absences=ds.absences,
        shift_templates=ds.shift_templates,
        open_tickets=ds.tickets,
        history=load_ticket_history(data_dir),
        skills=ds.skills if ds.skills is not None else default_skills(),
    )


# -- JSON files ---------------------------------------------------------------------------------


def read_skills_json(path: Path) -> list[SkillEntry]:
    """The skills catalogue from a JSON list of ``{id, name_ru, name_en}``."""
    return read_json_models(path, SkillEntry)


def read_sla_policies_json(path: Path) -> list[SlaPolicy]:
    """SLA policies from a JSON list."""
    return read_json_models(path, SlaPolicy)


def read_engineers_json(path: Path, catalogue: SkillCatalogue | None = None) -> list[Engineer]:
    """Engineers from a JSON list; their skills are in ``catalogue`` (the built-in one by
    default), an unknown one named by file and item."""
    engineers = read_json_models(path, Engineer)
    for i, e in enumerate(engineers):
        (catalogue or default_catalogue()).check(e.skills, f"{path.name}[{i}].skills")
    return engineers


def read_shift_templates_json(path: Path) -> list[ShiftTemplate]:
    """Shift templates from a JSON list."""
    return read_json_models(path, ShiftTemplate)


def read_open_tickets_json(path: Path, catalogue: SkillCatalogue | None = None) -> list[Ticket]:
    """Tickets from a JSON list; their required skills are in ``catalogue`` (the built-in one
    by default), an unknown one named by file and item."""
    tickets = read_json_models(path, Ticket)
    for i, t in enumerate(tickets):
        (catalogue or default_catalogue()).check(
            t.required_skills, f"{path.name}[{i}].required_skills"
        )
    return tickets


# -- sites.csv ----------------------------------------------------------------------------------


def read_sites_csv(path: Path) -> list[Site]:
    """Sites: ``id, customer, address, city, lat, lon, sla_policy``."""
    return read_csv_models(
        path,
        Site,
        SITE_COLUMNS,
        _site_data,
        {"location": "lat", "location.lat": "lat", "location.lon": "lon"},
    )


def _site_data(row: CsvRow) -> dict[str, object]:
    return {
        "id": row.text("id"),
        "customer": row.text("customer"),
        "address": row.text("address", required=False),
        "city": row.text("city"),
        "location": {"lat": row.number("lat"), "lon": row.number("lon")},
        "sla_policy": row.text("sla_policy"),
    }


def sites_csv(sites: list[Site]) -> str:
    """The text of sites.csv (coordinates with five decimals, about 1 m)."""
    rows = []
    for s in sites:
        lat, lon = s.location.lat, s.location.lon
        if lat is None or lon is None:
            raise InvalidInput(f"sites[{s.id}].location", s.location.key, "sites.csv needs lat/lon")
        rows.append(
            [
                s.id,
                s.customer,
                s.address,
                s.city,
                fixed(lat, COORD_DECIMALS),
                fixed(lon, COORD_DECIMALS),
                s.sla_policy,
            ]
        )
    return csv_text(SITE_COLUMNS, rows)


# -- absences.csv -------------------------------------------------------------------------------


def read_absences_csv(path: Path) -> list[Absence]:
    """Absences: ``engineer_id, start, end, kind, note`` (aware ISO 8601 datetimes)."""
    return read_csv_models(path, Absence, ABSENCE_COLUMNS, _absence_data)


def _absence_data(row: CsvRow) -> dict[str, object]:
    return {
        "engineer_id": row.text("engineer_id"),
        "start": row.aware("start"),
        "end": row.aware("end"),
        "kind": row.text("kind"),
        "note": row.text("note", required=False),
    }


def absences_csv(absences: list[Absence]) -> str:
    """The text of absences.csv."""
    rows = [
        [a.engineer_id, iso_minutes(a.start), iso_minutes(a.end), a.kind.value, a.note]
        for a in absences
    ]
    return csv_text(ABSENCE_COLUMNS, rows)


# -- ticket_history.csv -------------------------------------------------------------------------


def read_ticket_history_csv(path: Path) -> pd.DataFrame:
    """The history table; every cell is checked (aware datetimes, integers, true/false)."""
    rows = read_csv_rows(path, HISTORY_COLUMNS)
    records = [_history_record(r) for r in rows]
    if not records:
        return typed_history(pd.DataFrame({c: [] for c in HISTORY_COLUMNS}))
    return typed_history(pd.DataFrame.from_records(records, columns=list(HISTORY_COLUMNS)))


_HISTORY_ENUMS = {
    "priority": ("urgent", "normal", "low"),
    "kind": ("maintenance", "additional"),
    "mode": ("remote", "onsite"),
}
_HISTORY_OPTIONAL = ("started_at", "finished_at", "engineer_id")


def _history_record(row: CsvRow) -> dict[str, object]:
    out: dict[str, object] = {}
    for col in HISTORY_COLUMNS:
        required = col not in _HISTORY_OPTIONAL
        if col in DATETIME_COLUMNS:
            out[col] = row.aware(col, required)
        elif col in INT_COLUMNS:
            out[col] = row.integer(col)
        elif col in BOOL_COLUMNS:
            out[col] = row.boolean(col)
        else:
            value = row.text(col, required)
            allowed = _HISTORY_ENUMS.get(col)
            if allowed is not None and value not in allowed:
                raise InvalidInput(row.where(col), value, f"expected one of {', '.join(allowed)}")
            out[col] = value
    return out


def ticket_history_csv(history: pd.DataFrame) -> str:
    """The text of ticket_history.csv: datetimes to the minute with offset, true/false."""
    df = typed_history(history)
    cols: dict[str, list[str]] = {}
    for col in HISTORY_COLUMNS:
        series = df[col]
        if col in DATETIME_COLUMNS:
            cols[col] = [iso_minutes(None if pd.isna(v) else v.to_pydatetime()) for v in series]
        elif col in BOOL_COLUMNS:
            cols[col] = ["true" if v else "false" for v in series]
        else:
            cols[col] = [str(v) for v in series]
    return csv_text(HISTORY_COLUMNS, zip(*(cols[c] for c in HISTORY_COLUMNS), strict=True))


# -- writing the whole sample -------------------------------------------------------------------


def sample_texts(sample: SampleData) -> dict[str, str]:
    """File name → text of every sample file (what ``write_sample`` writes)."""
    return {
        SKILLS_JSON: models_json(sample.skills),
        SLA_POLICIES_JSON: models_json(sample.sla_policies),
        SITES_CSV: sites_csv(sample.sites),
        ENGINEERS_JSON: models_json(sample.engineers),
        ABSENCES_CSV: absences_csv(sample.absences),
        SHIFT_TEMPLATES_JSON: models_json(sample.shift_templates),
        TICKET_HISTORY_CSV: ticket_history_csv(sample.history),
        OPEN_TICKETS_JSON: models_json(sample.open_tickets),
    }


def write_sample(sample: SampleData, out_dir: Path | str) -> list[Path]:
    """Write the eight sample files into ``out_dir`` (created if needed); returns the paths."""
    out = Path(out_dir)
    return [write_text(out / name, text) for name, text in sample_texts(sample).items()]
