"""Bulk ticket import: CSV or JSON, in the canonical columns or an Okdesk-style export.

Adapters turn each source record into a canonical ticket dict (the fields of
``optimizer.domain.Ticket``, plus an optional ``status``); validation, references and
the SLA deadline are then the same as for a single ``POST /tickets``.

Canonical columns: the ticket fields; nested ones dotted (``location.lat``,
``window.start``, ``pinned.engineer_id``) or with underscores (``lat``, ``lon``,
``window_start``); ``required_skills`` separated by ``;``, ``|`` or ``,``. The columns an
export adds (``sla_deadline``, ``engineer_id``, ``planned_start``, ``planned_end``) are
ignored; any other unknown column is an error.

Okdesk-style records (the helpdesk's API / export shape): ``id`` (becomes
``external_id``, and the ticket id ``okdesk-<id>``), ``title``, ``created_at`` with an ISO
offset such as ``+03:00``, ``priority`` as ``{code, name}``, ``type`` as ``{code, name}``
(``additional``/``paid`` → additional work), ``coordinates`` as ``[lat, lon]``,
``service_object`` or ``company`` as ``{id, name}`` naming the site, ``status`` as ``{code,
name}``, ``deadline_at``, ``duration_min`` (or ``planned_execution_in_hours``; 60 minutes when
absent), ``required_skills``, ``category`` (a code that is a skill of the department's
catalogue is also the required skill when none is given), ``mode`` or ``on_site``. Other
helpdesk fields (assignee, contact, description…) are ignored and listed in the report.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from typing import Any

from optimizer.domain import Priority, SkillCatalogue, default_catalogue
from optimizer.errors import InvalidInput
from optimizer.io.tables import unescape_cell
from service.guards import DEFAULT_MAX_DEPTH, strict_json
from service.problems import Malformed, Problem
from service.tickets import READ_ONLY_FIELDS, TicketStatus

TICKET_FIELDS: frozenset[str] = frozenset(
    {
        "id", "external_id", "site_id", "location", "created_at", "priority", "kind", "mode",
        "category", "required_skills", "duration_min", "earliest_start", "deadline", "window",
        "pinned", "title",
    }
)  # fmt: skip

OKDESK_PRIORITY: dict[str, Priority] = {
    "urgent": Priority.urgent, "critical": Priority.urgent, "highest": Priority.urgent,
    "high": Priority.urgent, "blocker": Priority.urgent,
    "normal": Priority.normal, "medium": Priority.normal, "middle": Priority.normal,
    "low": Priority.low, "lowest": Priority.low, "minor": Priority.low,
}  # fmt: skip
"""Helpdesk priority codes → ours. "High" is telephony down in this department: urgent."""

OKDESK_STATUS: dict[str, TicketStatus] = {
    "opened": TicketStatus.open, "open": TicketStatus.open, "new": TicketStatus.open,
    "delayed": TicketStatus.open, "reopened": TicketStatus.open,
    "in_progress": TicketStatus.in_progress, "assigned": TicketStatus.assigned,
    "completed": TicketStatus.done, "closed": TicketStatus.done, "done": TicketStatus.done,
    "cancelled": TicketStatus.cancelled, "canceled": TicketStatus.cancelled,
}  # fmt: skip

OKDESK_ADDITIONAL_TYPES: frozenset[str] = frozenset({"additional", "paid", "extra", "project"})
DEFAULT_DURATION_MIN = 60
OKDESK_HINTS: frozenset[str] = frozenset(
    {"coordinates", "service_object", "company", "deadline_at", "type"}
)


@dataclass
class Record:
    """One source record turned canonical: the ticket dict and the status it carries."""

    index: int
    ticket: dict[str, Any]
    status: TicketStatus | None = None


@dataclass
class Parsed:
    """What a body held: its source format and the canonical records."""

    source: str
    records: list[Record]
    ignored_fields: set[str] = field(default_factory=set)


class MalformedBody(Exception):
    """The body cannot be read at all (not JSON, not CSV)."""


# -- reading the body --------------------------------------------------------------------


def read_records(
    content: bytes, fmt: str, max_depth: int = DEFAULT_MAX_DEPTH
) -> list[dict[str, Any]]:
    """Source records of a ``csv`` or ``json`` body, as dicts."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise MalformedBody(f"the body is not UTF-8 text (byte {err.start})") from None
    return read_csv(text) if fmt == "csv" else read_json(text, max_depth)


def read_json(text: str, max_depth: int = DEFAULT_MAX_DEPTH) -> list[dict[str, Any]]:
    """A JSON list of records, or an object holding it under tickets / issues / data.

    Read strictly (:func:`service.guards.strict_json`): NaN, Infinity, lone surrogates, NUL
    and deep nesting are refused naming the field, ``tickets[i].field`` for a bare list.
    """
    root = "tickets" if text.lstrip()[:1] == "[" else ""
    try:
        data = strict_json(text, max_depth, root)
    except Malformed as err:
        raise MalformedBody(err.detail) from None
    if isinstance(data, dict):
        for key in ("tickets", "issues", "data"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
        else:
            raise InvalidInput("(body)", _keys(data), "expected a list, or {tickets: [...]}")
    if not isinstance(data, list):
        raise InvalidInput("(body)", type(data).__name__, "expected a list of tickets")
    for i, rec in enumerate(data):
        if not isinstance(rec, dict):
            raise InvalidInput(f"tickets[{i}]", rec, "each ticket must be an object")
    return data


def _keys(d: dict[str, Any]) -> str:
    return ", ".join(list(d)[:5])


def read_csv(text: str) -> list[dict[str, Any]]:
    """CSV rows (``,`` ``;`` or tab separated) as nested dicts; empty cells are absent."""
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    rows: list[dict[str, Any]] = []
    try:
        for i, raw in enumerate(reader):
            if None in raw:
                raise InvalidInput(f"tickets[{i}]", raw[None], "more cells than header columns")
            rows.append(_nest({k.strip(): v for k, v in raw.items() if k and v not in (None, "")}))
    except csv.Error as err:
        raise MalformedBody(f"the body is not valid CSV: {err}") from None
    return rows


def _cell(value: str) -> Any:
    """A CSV cell; JSON objects and lists (``{"code": …}``, ``[51.5, 46.0]``) are decoded
    strictly (a cell that is not strict JSON stays text, and validation names it)."""
    v = unescape_cell(value.strip())  # our own exports escape formula-like text
    if v[:1] in ("{", "["):
        try:
            return strict_json(v, max_depth=4)
        except Problem:
            return v
    return v


INTEGER_COLUMNS: frozenset[str] = frozenset({"duration_min"})
NUMBER_COLUMNS: dict[str, tuple[str, ...]] = {"location": ("lat", "lon")}


def typed_csv_ticket(ticket: dict[str, Any], path: str) -> dict[str, Any]:
    """A canonical ticket read from CSV with its numeric cells as numbers.

    CSV has only text, so the numbers a CSV carries are read here, once and strictly: an
    integer column takes digits only, a coordinate a finite decimal number. Anything else is
    left as text for validation to refuse by name (JSON bodies are never converted).
    """
    out = dict(ticket)
    for name in INTEGER_COLUMNS:
        value = out.get(name)
        if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
            out[name] = int(value.strip())
    for parent, names in NUMBER_COLUMNS.items():
        sub = out.get(parent)
        if not isinstance(sub, dict):
            continue
        sub = dict(sub)
        for name in names:
            value = sub.get(name)
            if isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
                number = float(value.strip().replace(",", "."))
                if not math.isfinite(number):
                    raise InvalidInput(f"{path}.{parent}.{name}", value, "must be a finite number")
                sub[name] = number
        out[parent] = sub
    return out


_INTEGER = re.compile(r"[+-]?[0-9]{1,9}")
_DECIMAL = re.compile(r"[+-]?[0-9]{1,12}([.,][0-9]{1,15})?([eE][+-]?[0-9]{1,3})?")


def _nest(flat: dict[str, str]) -> dict[str, Any]:
    """``{"location.lat": "51.5"}`` → ``{"location": {"lat": "51.5"}}``."""
    out: dict[str, Any] = {}
    for key, value in flat.items():
        parts = key.split(".")
        target = out
        for part in parts[:-1]:
            nxt = target.setdefault(part, {})
            if not isinstance(nxt, dict):
                raise InvalidInput(key, value, f"column {part!r} is also used as a value")
            target = nxt
        target[parts[-1]] = _cell(value)
    return out


# -- adapters --------------------------------------------------------------------------


def detect_source(records: list[dict[str, Any]]) -> str:
    """``okdesk`` when records look like the helpdesk's export, else ``canonical``."""
    for rec in records[:20]:
        if OKDESK_HINTS & rec.keys() or isinstance(rec.get("priority"), dict):
            return "okdesk"
    return "canonical"


def parse(
    content: bytes,
    fmt: str,
    source: str = "auto",
    max_depth: int = DEFAULT_MAX_DEPTH,
    skills: SkillCatalogue | None = None,
) -> Parsed:
    """Read a body and turn every record canonical; an Okdesk category code that is a skill
    of ``skills`` (the stored catalogue; the built-in one by default) becomes the ticket's
    required skill."""
    raw = read_records(content, fmt, max_depth)
    if source == "auto":
        source = detect_source(raw)
    catalogue = skills or default_catalogue()
    parsed = Parsed(source=source, records=[])
    for i, rec in enumerate(raw):
        path = f"tickets[{i}]"
        if source == "okdesk":
            ticket, status, ignored = okdesk_record(rec, path, catalogue)
        else:
            ticket, status, ignored = canonical_record(rec, path)
        if fmt == "csv":
            ticket = typed_csv_ticket(ticket, path)
        parsed.records.append(Record(index=i, ticket=ticket, status=status))
        parsed.ignored_fields |= ignored
    return parsed


def _status(value: Any, path: str, table: dict[str, TicketStatus]) -> TicketStatus | None:
    if value is None:
        return None
    code = value.get("code") if isinstance(value, dict) else value
    if not isinstance(code, str) or code.strip().lower() not in table:
        known = ", ".join(sorted(table))
        raise InvalidInput(f"{path}.status", code, f"unknown status; use one of {known}")
    return table[code.strip().lower()]


def _skills(value: Any) -> Any:
    if isinstance(value, str):
        for sep in (";", "|"):
            value = value.replace(sep, ",")
        return [s.strip() for s in value.split(",") if s.strip()]
    return value


def canonical_record(
    rec: dict[str, Any], path: str
) -> tuple[dict[str, Any], TicketStatus | None, set[str]]:
    """A canonical record (flat CSV synonyms folded in); unknown fields are kept so that
    validation rejects them by name."""
    t = dict(rec)
    status = _status(t.pop("status", None), path, {s.value: s for s in TicketStatus})
    ignored = {k for k in t if k in READ_ONLY_FIELDS}
    for k in ignored:
        t.pop(k)
    if "lat" in t or "lon" in t:
        loc = t.setdefault("location", {})
        if isinstance(loc, dict):
            for k in ("lat", "lon"):
                if k in t:
                    loc[k] = t.pop(k)
    for prefix in ("window", "pinned"):
        for k in [k for k in t if k.startswith(prefix + "_")]:
            sub = t.setdefault(prefix, {})
            if isinstance(sub, dict):
                sub[k[len(prefix) + 1 :]] = t.pop(k)
    if "required_skills" in t:
        t["required_skills"] = _skills(t["required_skills"])
    return t, status, ignored


def okdesk_record(
    rec: dict[str, Any], path: str, skills: SkillCatalogue | None = None
) -> tuple[dict[str, Any], TicketStatus | None, set[str]]:
    """An Okdesk-style record → a canonical ticket dict, its status, the fields ignored.

    A record without ``required_skills`` whose category code is a skill of ``skills`` (the
    department's catalogue; the built-in one by default) requires that skill: helpdesks
    often file tickets by the kind of work ("sip_trunks", "freepbx")."""
    used = {"id", "title", "created_at", "priority", "type", "coordinates", "service_object",
            "company", "site_id", "status", "deadline_at", "deadline", "duration_min",
            "planned_execution_in_hours", "required_skills", "category", "mode", "on_site",
            "earliest_start", "window", "pinned", "external_id"}  # fmt: skip
    ext = rec.get("external_id", rec.get("id"))
    if ext is None or (isinstance(ext, str) and not ext.strip()):
        raise InvalidInput(f"{path}.id", ext, "an Okdesk record needs its id")
    ext = str(ext).strip()
    t: dict[str, Any] = {"id": _okdesk_ticket_id(ext), "external_id": ext}
    for key in ("title", "created_at", "earliest_start", "window", "pinned"):
        if rec.get(key) is not None:
            t[key] = rec[key]
    t["priority"] = _okdesk_priority(rec.get("priority"), path)
    t["kind"] = _okdesk_kind(rec.get("type"))
    if rec.get("coordinates") is not None:
        t["location"] = _coordinates(rec["coordinates"], f"{path}.coordinates")
    site = rec.get("site_id") or _ref_id(rec.get("service_object")) or _ref_id(rec.get("company"))
    if site is not None:
        t["site_id"] = str(site)
    deadline = rec.get("deadline_at", rec.get("deadline"))
    if deadline is not None:
        t["deadline"] = deadline
    t["duration_min"] = _okdesk_duration(rec, path)
    if rec.get("required_skills") is not None:
        t["required_skills"] = _skills(rec["required_skills"])
    category = rec.get("category")
    if category is not None:
        code = category.get("code") if isinstance(category, dict) else category
        t["category"] = str(code)
        if "required_skills" not in t and str(code) in (skills or default_catalogue()):
            t["required_skills"] = [str(code)]
    mode = rec.get("mode")
    if mode is None and rec.get("on_site") is not None:
        mode = "onsite" if _truthy(rec["on_site"]) else "remote"
    if mode is not None:
        t["mode"] = mode
    status = _status(rec.get("status"), path, OKDESK_STATUS)
    return t, status, {k for k in rec if k not in used}


def _okdesk_ticket_id(external_id: str) -> str:
    safe = "".join(c if c.isalnum() or c in "_.:-" else "-" for c in external_id)
    return f"okdesk-{safe}"[:100]


def _okdesk_priority(value: Any, path: str) -> str:
    if value is None:
        return Priority.normal.value
    code = value.get("code") if isinstance(value, dict) else value
    field_path = f"{path}.priority.code" if isinstance(value, dict) else f"{path}.priority"
    if not isinstance(code, str) or code.strip().lower() not in OKDESK_PRIORITY:
        known = ", ".join(sorted(OKDESK_PRIORITY))
        raise InvalidInput(field_path, code, f"unknown priority code; use one of {known}")
    return OKDESK_PRIORITY[code.strip().lower()].value


def _okdesk_kind(value: Any) -> str:
    code = value.get("code") if isinstance(value, dict) else value
    if isinstance(code, str) and code.strip().lower() in OKDESK_ADDITIONAL_TYPES:
        return "additional"
    return "maintenance"


def _coordinates(value: Any, path: str) -> dict[str, Any]:
    if isinstance(value, str):
        value = [p.strip() for p in value.strip("[]() ").split(",")]
    if isinstance(value, dict):
        return value
    if not isinstance(value, list) or len(value) != 2:
        raise InvalidInput(path, value, "coordinates must be [lat, lon]")
    return {"lat": value[0], "lon": value[1]}


def _ref_id(value: Any) -> Any:
    if isinstance(value, dict):
        return value.get("code") or value.get("id")
    return None


def _okdesk_duration(rec: dict[str, Any], path: str) -> Any:
    if rec.get("duration_min") is not None:
        return rec["duration_min"]
    hours = rec.get("planned_execution_in_hours")
    if hours is None:
        return DEFAULT_DURATION_MIN
    try:
        return round(float(hours) * 60)
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput(
            f"{path}.planned_execution_in_hours", hours, "must be a number of hours"
        ) from None


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "да"}
    return bool(value)
