"""Tickets: single intake, bulk import (CSV / JSON, canonical or Okdesk-style), export,
and the usual read / update / delete. Each ticket carries its SLA deadline and status."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import AwareDatetime, BaseModel, ValidationError
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from optimizer.domain import Priority, Ticket, TicketKind, TicketMode
from optimizer.errors import InvalidInput
from optimizer.io.tables import safe_cell
from service.deps import Dispatcher, ReadSession, SettingsDep, Viewer, WriteSession
from service.dispatching import (
    Actor,
    AssignmentPublic,
    HistoryEntry,
    ManualAssignment,
    StatusChange,
    assign_manually,
    change_status,
    history,
    pin,
    record_created,
    release_deleted,
    set_status_by_import,
    unassign,
)
from service.importing import MalformedBody, Parsed, parse
from service.models import TicketRow
from service.problems import (
    Conflict,
    ProblemTooLarge,
    Unprocessable,
    field_errors,
    fields_problem,
    malformed_problem,
)
from service.repo import Page, PagingDep, Store, merge, partial_model, text_contains
from service.routers import API_PREFIX
from service.skills import stored_catalogue
from service.tickets import (
    Lookup,
    TicketPublic,
    TicketStatus,
    apply_ticket,
    as_ticket,
    create_ticket,
    public,
)

router = APIRouter(prefix="/tickets", tags=["tickets"])
store: Store[Ticket] = Store("ticket", Ticket, TicketRow)

MAX_IMPORT_ERRORS = 50
EXPORT_LIMIT = 100_000

_TicketFieldsPatch = partial_model(Ticket, {"id"}, "TicketFieldsPatch")


class TicketPatch(_TicketFieldsPatch):  # type: ignore[misc,valid-type]
    """Fields to change; ``status`` moves the ticket along (open → … → done)."""

    status: TicketStatus | None = None


class ImportReport(BaseModel):
    """What an import did; re-importing the same file changes nothing."""

    source: Literal["canonical", "okdesk"]
    received: int
    created: int
    updated: int
    unchanged: int
    ids: list[str]
    ignored_fields: list[str]


def ticket_filters(
    status_: Annotated[
        list[TicketStatus] | None, Query(alias="status", description="One or more statuses")
    ] = None,
    priority: Annotated[Priority | None, Query()] = None,
    kind: Annotated[TicketKind | None, Query()] = None,
    mode: Annotated[TicketMode | None, Query()] = None,
    site_id: Annotated[str | None, Query(max_length=100)] = None,
    engineer_id: Annotated[str | None, Query(max_length=100)] = None,
    external_id: Annotated[str | None, Query(max_length=200)] = None,
    created_from: Annotated[AwareDatetime | None, Query(description="created_at ≥ this")] = None,
    created_to: Annotated[AwareDatetime | None, Query(description="created_at < this")] = None,
    due_before: Annotated[AwareDatetime | None, Query(description="SLA deadline < this")] = None,
    q: Annotated[str | None, Query(max_length=100, description="Title contains")] = None,
) -> list[ColumnElement[bool]]:
    """Filters of the ticket list."""
    where: list[ColumnElement[bool]] = []
    if status_:
        where.append(TicketRow.status.in_([s.value for s in status_]))
    for column, value in (
        (TicketRow.priority, priority),
        (TicketRow.kind, kind),
        (TicketRow.mode, mode),
    ):
        if value is not None:
            where.append(column == value.value)
    for text_column, text in (
        (TicketRow.site_id, site_id),
        (TicketRow.engineer_id, engineer_id),
        (TicketRow.external_id, external_id),
    ):
        if text:
            where.append(text_column == text)
    for bound, cmp in ((created_from, "ge"), (created_to, "lt"), (due_before, "due")):
        if bound is None:
            continue
        _check_year(bound)
        if cmp == "ge":
            where.append(TicketRow.created_at >= bound)
        elif cmp == "lt":
            where.append(TicketRow.created_at < bound)
        else:
            where.append(TicketRow.sla_deadline < bound)
    if q:
        where.append(text_contains(TicketRow.title, q))
    return where


def _check_year(dt: datetime) -> None:
    if not 1900 <= dt.year <= 2200:
        raise Unprocessable("query", dt.isoformat(), "year outside 1900–2200")


Where = Annotated[list[ColumnElement[bool]], Depends(ticket_filters)]
Order = Annotated[
    Literal["created_at", "sla_deadline", "id"], Query(description="Sort key, ascending")
]
ORDER_COLUMNS = {
    "created_at": (TicketRow.created_at, TicketRow.id),
    "sla_deadline": (TicketRow.sla_deadline, TicketRow.id),
    "id": (TicketRow.id,),
}


@router.get("", response_model=Page[TicketPublic], summary="List tickets")
def list_tickets(
    session: ReadSession, _: Viewer, paging: PagingDep, where: Where, order: Order = "created_at"
) -> Any:
    return store.page(session, where, paging, ORDER_COLUMNS[order], convert=public)


@router.post(
    "",
    response_model=TicketPublic,
    status_code=201,
    summary="Take in one ticket",
    responses={409: {"description": "Duplicate id or external id"}},
)
def create(body: Ticket, session: WriteSession, who: Dispatcher, response: Response) -> Any:
    row = create_ticket(session, body, Lookup(session))
    record_created(session, row, Actor.of(who))
    session.commit()
    response.headers["Location"] = f"{API_PREFIX}/tickets/{row.id}"
    return public(row)


IMPORT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            "text/csv": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}


@router.post(
    "/import",
    response_model=ImportReport,
    summary="Import tickets from a CSV or JSON export (idempotent by external id)",
    openapi_extra=IMPORT_BODY,
)
async def import_tickets(
    request: Request,
    settings: SettingsDep,
    principal: Dispatcher,
    session: WriteSession,
    source: Annotated[
        Literal["auto", "canonical", "okdesk"], Query(description="Format of the records")
    ] = "auto",
) -> Any:
    content, fmt = await _import_body(request)
    try:
        skills = await run_in_threadpool(stored_catalogue, session)
        parsed = parse(content, fmt, source, skills=skills)
    except MalformedBody as err:
        return malformed_problem(request, str(err), fmt.upper())
    if len(parsed.records) > settings.max_tickets:
        raise ProblemTooLarge(
            "tickets",
            f"{len(parsed.records)} tickets",
            f"at most {settings.max_tickets} tickets per import; split the file",
        )
    return await run_in_threadpool(_store_import, request, session, parsed, Actor.of(principal))


async def _import_body(request: Request) -> tuple[bytes, str]:
    """The file's bytes and format (csv / json) from a raw body or a multipart upload."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise Unprocessable("file", None, "attach the export as the form field 'file'")
        content = await upload.read()
        name = (upload.filename or "").lower()
        fmt = "csv" if name.endswith(".csv") or "csv" in (upload.content_type or "") else "json"
        return content, fmt
    content = await request.body()
    if ctype in ("text/csv", "application/csv", "text/plain"):
        return content, "csv"
    if ctype in ("application/json", "") or ctype.endswith("+json"):
        return content, "json"
    raise Unprocessable(
        "content-type", ctype, "send application/json, text/csv or a multipart file upload"
    )


def _store_import(request: Request, session: Session, parsed: Parsed, actor: Actor) -> Any:
    """Validate every record, then create or update each ticket in one transaction."""
    tickets, errors = _validated(parsed)
    if errors:
        return fields_problem(request, errors)
    _no_duplicates(tickets)
    lookup = Lookup(session)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    ids: list[str] = []
    for (i, ticket, status_), row in zip(tickets, _existing(session, tickets), strict=True):
        path = f"tickets[{i}]"
        try:
            if row is None:
                row = create_ticket(session, ticket, lookup, status_ or TicketStatus.open)
                record_created(session, row, actor, "import")
                counts["created"] += 1
            else:
                changed = apply_ticket(row, ticket, lookup, path)
                if status_ is not None and row.status != status_.value:
                    set_status_by_import(session, row, status_, actor)
                    changed = True
                counts["updated" if changed else "unchanged"] += 1
        except InvalidInput as err:
            if not err.field.startswith("tickets["):
                err = InvalidInput(f"{path}.{err.field}", err.value, err.message)
            raise err from None
        except Conflict as err:
            raise Conflict(f"{path}: {err.detail}", **err.extensions) from None
        ids.append(row.id)
    session.commit()
    return ImportReport(
        source=parsed.source,
        received=len(parsed.records),
        ids=ids,
        ignored_fields=sorted(parsed.ignored_fields),
        **counts,
    )


def _validated(
    parsed: Parsed,
) -> tuple[list[tuple[int, Ticket, TicketStatus | None]], list[dict[str, Any]]]:
    """Every record validated; all errors (up to a limit) reported at once."""
    tickets: list[tuple[int, Ticket, TicketStatus | None]] = []
    errors: list[dict[str, Any]] = []
    for rec in parsed.records:
        path = f"tickets[{rec.index}]"
        try:
            tickets.append((rec.index, Ticket.model_validate(rec.ticket), rec.status))
        except ValidationError as err:
            errors.extend(field_errors(err.errors(include_url=False), path))
        if len(errors) >= MAX_IMPORT_ERRORS:
            break
    return tickets, errors


def _no_duplicates(tickets: list[tuple[int, Ticket, TicketStatus | None]]) -> None:
    """One file must not name the same ticket twice."""
    seen: dict[str, int] = {}
    for i, t, _ in tickets:
        key = f"external_id:{t.external_id}" if t.external_id else f"id:{t.id}"
        if key in seen:
            field = "external_id" if t.external_id else "id"
            raise Unprocessable(
                f"tickets[{i}].{field}",
                t.external_id or t.id,
                f"the same ticket is already in tickets[{seen[key]}]",
            )
        seen[key] = i


def _existing(session: Session, tickets: list[tuple[int, Ticket, Any]]) -> list[TicketRow | None]:
    """The stored ticket each record updates: same external id, else same id."""
    ext_ids = [t.external_id for _, t, _ in tickets if t.external_id]
    ids = [t.id for _, t, _ in tickets]
    by_ext: dict[str, TicketRow] = {}
    by_id: dict[str, TicketRow] = {}
    for chunk in _chunks(ext_ids, 500):
        for stored in session.scalars(select(TicketRow).where(TicketRow.external_id.in_(chunk))):
            if stored.external_id is not None:
                by_ext[stored.external_id] = stored
    for chunk in _chunks(ids, 500):
        for stored in session.scalars(select(TicketRow).where(TicketRow.id.in_(chunk))):
            by_id[stored.id] = stored
    out: list[TicketRow | None] = []
    for i, t, _ in tickets:
        row = by_ext.get(t.external_id) if t.external_id else None
        if row is None:
            row = by_id.get(t.id)
            if row is not None and t.external_id and row.external_id not in (None, t.external_id):
                raise Conflict(
                    f"tickets[{i}]: ticket {t.id!r} exists with external id {row.external_id!r}",
                    field=f"tickets[{i}].external_id",
                    value=t.external_id,
                )
        out.append(row)
    return out


def _chunks(items: list[Any], n: int) -> list[list[Any]]:
    return [items[i : i + n] for i in range(0, len(items), n)]


CSV_COLUMNS = [
    "id", "external_id", "site_id", "location.lat", "location.lon", "location.id", "created_at",
    "priority", "kind", "mode", "category", "required_skills", "duration_min", "earliest_start",
    "deadline", "window.start", "window.end", "pinned.engineer_id", "pinned.start", "title",
    "status", "sla_deadline", "engineer_id", "planned_start", "planned_end",
]  # fmt: skip


def _flat(ticket: TicketPublic) -> dict[str, Any]:
    d = ticket.model_dump(mode="json")
    out: dict[str, Any] = {}
    for col in CSV_COLUMNS:
        head, _, tail = col.partition(".")
        value = d.get(head)
        if tail:
            value = value.get(tail) if isinstance(value, dict) else None
        if isinstance(value, list):
            value = ";".join(str(v) for v in value)
        out[col] = "" if value is None else safe_cell(value)
    return out


@router.get(
    "/export",
    summary="Export tickets as CSV or JSON (the import's canonical format)",
    responses={200: {"content": {"text/csv": {}, "application/json": {}}}},
)
def export_tickets(
    session: ReadSession,
    _: Viewer,
    where: Where,
    format: Annotated[Literal["csv", "json"], Query(description="File format")] = "csv",
) -> Response:
    stmt = select(TicketRow).where(*where).order_by(TicketRow.created_at, TicketRow.id)
    tickets = [public(r) for r in session.scalars(stmt.limit(EXPORT_LIMIT))]
    headers = {"Content-Disposition": f'attachment; filename="tickets.{format}"'}
    if format == "json":
        body = json.dumps([t.model_dump(mode="json") for t in tickets], ensure_ascii=False)
        return Response(body, media_type="application/json", headers=headers)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for t in tickets:
        writer.writerow(_flat(t))
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


@router.get(
    "/{ticket_id}",
    response_model=TicketPublic,
    summary="Read a ticket",
    responses={404: {"description": "No such ticket"}},
)
def read(ticket_id: str, session: ReadSession, _: Viewer) -> Any:
    return public(store.get(session, ticket_id))


@router.put(
    "/{ticket_id}",
    response_model=TicketPublic,
    summary="Replace a ticket's fields (status and assignment kept)",
    responses={404: {"description": "No such ticket"}},
)
def replace(ticket_id: str, body: Ticket, session: WriteSession, _: Dispatcher) -> Any:
    if body.id != ticket_id:
        raise Unprocessable("id", body.id, f"the body's id differs from the path's {ticket_id!r}")
    row = store.get(session, ticket_id)
    _ensure_external_id_free(session, body, ticket_id)
    apply_ticket(row, body, Lookup(session))
    session.commit()
    return public(row)


@router.patch(
    "/{ticket_id}",
    response_model=TicketPublic,
    summary="Change some fields or the status of a ticket",
    responses={404: {"description": "No such ticket"}},
)
def patch(ticket_id: str, body: TicketPatch, session: WriteSession, who: Dispatcher) -> Any:
    row = store.get(session, ticket_id)
    new_status = body.status
    fields = body.model_dump(exclude_unset=True, exclude={"status"})
    fields_patch = _TicketFieldsPatch.model_validate(fields)
    merged = merge(Ticket, as_ticket(row), fields_patch)
    _ensure_external_id_free(session, merged, ticket_id)
    apply_ticket(row, merged, Lookup(session))
    if new_status is not None and new_status.value != row.status:
        change_status(session, ticket_id, StatusChange(status=new_status.value), Actor.of(who))
    session.commit()
    return public(row)


def _ensure_external_id_free(session: Session, t: Ticket, ticket_id: str) -> None:
    if t.external_id is None:
        return
    other = session.scalar(
        select(TicketRow.id).where(
            TicketRow.external_id == t.external_id, TicketRow.id != ticket_id
        )
    )
    if other is not None:
        raise Conflict(
            f"external id {t.external_id!r} belongs to ticket {other!r}",
            field="external_id",
            value=t.external_id,
        )


@router.delete(
    "/{ticket_id}",
    status_code=204,
    summary="Delete a ticket",
    responses={404: {"description": "No such ticket"}},
)
def delete(ticket_id: str, session: WriteSession, _: Dispatcher) -> Response:
    store.delete(session, ticket_id)
    release_deleted(session, ticket_id)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- the lifecycle, history and manual assignment (rules in service.dispatching) -----------


@router.post(
    "/{ticket_id}/status",
    response_model=TicketPublic,
    summary="Move a ticket along its lifecycle (en route, in progress, done, second visit…)",
    responses={404: {"description": "No such ticket"}, 422: {"description": "Illegal change"}},
)
def set_status(ticket_id: str, body: StatusChange, session: WriteSession, who: Dispatcher) -> Any:
    row = change_status(session, ticket_id, body, Actor.of(who))
    session.commit()
    return public(row)


@router.get(
    "/{ticket_id}/history",
    response_model=Page[HistoryEntry],
    summary="Every change of a ticket: status, engineer, pins; who and when",
    responses={404: {"description": "No such ticket"}},
)
def read_history(ticket_id: str, session: ReadSession, _: Viewer) -> Any:
    entries = history(session, ticket_id)
    return {"data": entries, "count": len(entries)}


@router.post(
    "/{ticket_id}/assignment",
    response_model=AssignmentPublic,
    summary="Give a ticket to an engineer at a start time (checked against their day)",
    responses={404: {"description": "No such ticket or engineer"}},
)
def assign(
    ticket_id: str,
    body: ManualAssignment,
    session: WriteSession,
    who: Dispatcher,
    lang: Annotated[Literal["ru", "en"], Query(description="Language of a refusal")] = "ru",
) -> Any:
    row = assign_manually(session, ticket_id, body, Actor.of(who), lang)
    session.commit()
    return AssignmentPublic.model_validate(row, from_attributes=True)


@router.delete(
    "/{ticket_id}/assignment",
    response_model=TicketPublic,
    summary="Release a ticket's commitment; it goes back to the queue",
)
def release(ticket_id: str, session: WriteSession, who: Dispatcher) -> Any:
    row = unassign(session, ticket_id, Actor.of(who))
    session.commit()
    return public(row)


@router.post(
    "/{ticket_id}/pin",
    response_model=TicketPublic,
    summary="Pin a ticket to its current engineer and start (plans keep it)",
)
def pin_ticket(ticket_id: str, session: WriteSession, who: Dispatcher) -> Any:
    row = pin(session, ticket_id, Actor.of(who))
    session.commit()
    return public(row)


@router.delete("/{ticket_id}/pin", response_model=TicketPublic, summary="Remove a ticket's pin")
def unpin_ticket(ticket_id: str, session: WriteSession, who: Dispatcher) -> Any:
    row = pin(session, ticket_id, Actor.of(who), pinned=False)
    session.commit()
    return public(row)
