"""Rows ↔ contract models, and the create/read/update/delete steps every resource shares.

A row has a column for each field of its contract model (same name): scalar fields map
to scalar columns, nested ones (locations, lists, windows) to JSON columns. Converting
back re-validates through the model, so what leaves the database obeys the contract.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, ConfigDict, create_model
from sqlalchemy import JSON, ColumnElement, Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from optimizer.calendar import TZ
from service.guards import check_model
from service.models import Base
from service.problems import Conflict, NotFound, Unprocessable

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

MAX_OFFSET = 1_000_000_000
MAX_LIMIT = 1000


class Page(BaseModel, Generic[T]):
    """One page of a list: the items and how many match the filter in all."""

    data: list[T]
    count: int


@dataclass(frozen=True)
class Paging:
    """Which slice of a list: skip ``offset`` items, return at most ``limit``."""

    offset: int
    limit: int


def get_paging(
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page")] = 100,
) -> Paging:
    """The paging query parameters."""
    return Paging(offset=offset, limit=limit)


PagingDep = Annotated[Paging, Depends(get_paging)]


def _plain(value: Any) -> Any:
    """Enums become their values (a driver may otherwise store an enum's name)."""
    return value.value if isinstance(value, Enum) else value


def _local(value: Any) -> Any:
    """Datetimes are shown in Saratov time whether just written or read back."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(TZ)
    return value


def row_values(model: BaseModel, row_cls: type[Base]) -> dict[str, Any]:
    """Column values of ``model`` for a row of ``row_cls`` (fields without a column are skipped)."""
    table = row_cls.__table__
    dumped: dict[str, Any] | None = None
    out: dict[str, Any] = {}
    for name in type(model).model_fields:
        column = table.c.get(name)
        if column is None:
            continue
        if isinstance(column.type, JSON):
            dumped = dumped if dumped is not None else model.model_dump(mode="json")
            out[name] = dumped[name]
        else:
            out[name] = _plain(getattr(model, name))
    return out


def to_model(row: Base, model: type[M], **extra: Any) -> M:
    """The contract model of a row (fields of ``model`` read from same-named columns)."""
    values = {name: _local(getattr(row, name)) for name in model.model_fields if hasattr(row, name)}
    values.update(extra)
    return model.model_validate(values)


def partial_model(model: type[BaseModel], exclude: set[str], name: str) -> type[BaseModel]:
    """A model with the fields of ``model`` (less ``exclude``) all optional, for PATCH.

    Constraints are checked when the patch is merged into the stored item and the result
    validated as ``model``, so errors name the same field paths as a full update.
    """
    fields: dict[str, Any] = {
        fname: (_with_metadata(info.annotation, info.metadata) | None, None)
        for fname, info in model.model_fields.items()
        if fname not in exclude
    }
    return create_model(name, __config__=ConfigDict(extra="forbid"), **fields)


def _with_metadata(annotation: Any, metadata: list[Any]) -> Any:
    """The field's type with its validators and constraints (pydantic keeps them apart from
    the annotation): without them a patch would read ``true`` as 1 minute or a number as a
    date, which the merged model then takes as valid."""
    return Annotated[(annotation, *metadata)] if metadata else annotation


def merge(model: type[M], current: BaseModel, patch: BaseModel) -> M:
    """``current`` with the fields set in ``patch`` replaced, validated as ``model``."""
    values = current.model_dump(mode="json")
    values.update(patch.model_dump(mode="json", exclude_unset=True))
    return model.model_validate(values)


@dataclass(frozen=True)
class Reference:
    """Rows of ``row`` whose ``column`` names an item; they stop the item being deleted."""

    column: InstrumentedAttribute[Any]
    what: str


@dataclass(frozen=True)
class Store(Generic[M]):
    """The shared steps of one resource: its contract model, table, and who refers to it."""

    what: str
    model: type[M]
    row: type[Base]
    references: Sequence[Reference] = field(default_factory=tuple)

    def check(self, session: Session, item: M) -> None:
        """Rules that need the database (references); none by default."""

    def get(self, session: Session, ident: Any) -> Any:
        """The row, or 404 naming the resource and id."""
        row = session.get(self.row, ident)
        if row is None:
            raise NotFound(f"no {self.what} {ident!r}", id=ident)
        return row

    def read(self, session: Session, ident: Any) -> M:
        """The item as its contract model, or 404."""
        return to_model(self.get(session, ident), self.model)

    def read_row(self, row: Any) -> M:
        """A row as the contract model."""
        return to_model(row, self.model)

    def ensure_new(self, session: Session, ident: Any) -> None:
        """409 when an item with this id exists."""
        if session.get(self.row, ident) is not None:
            raise Conflict(f"{self.what} {ident!r} already exists", field="id", value=ident)

    def create(self, session: Session, item: M, **extra: Any) -> Any:
        """Insert ``item`` (409 on a duplicate id); the caller commits."""
        check_model(item)
        ident = getattr(item, "id", None)
        if ident is not None:
            self.ensure_new(session, ident)
        self.check(session, item)
        row = self.row(**row_values(item, self.row), **extra)
        session.add(row)
        session.flush()
        return row

    def replace(self, session: Session, ident: Any, item: M) -> Any:
        """Overwrite the stored item with ``item`` (the ids must agree)."""
        body_id = getattr(item, "id", ident)
        if body_id != ident:
            raise Unprocessable("id", body_id, f"the body's id differs from the path's {ident!r}")
        check_model(item)
        row = self.get(session, ident)
        self.check(session, item)
        for name, value in row_values(item, self.row).items():
            setattr(row, name, value)
        session.flush()
        return row

    def update(self, session: Session, ident: Any, patch: BaseModel) -> Any:
        """Apply a partial update, validated as a whole item."""
        row = self.get(session, ident)
        merged = merge(self.model, to_model(row, self.model), patch)
        check_model(merged)
        self.check(session, merged)
        for name, value in row_values(merged, self.row).items():
            setattr(row, name, value)
        session.flush()
        return row

    def delete(self, session: Session, ident: Any) -> None:
        """Delete the item; 409 while other rows still refer to it."""
        row = self.get(session, ident)
        for ref in self.references:
            n = session.scalar(select(func.count()).where(ref.column == ident)) or 0
            if n:
                raise Conflict(
                    f"{self.what} {ident!r} is used by {n} {ref.what}; change or delete them first",
                    id=ident,
                    referenced_by=ref.what,
                    count=n,
                )
        session.delete(row)
        session.flush()

    def page(
        self,
        session: Session,
        where: Sequence[ColumnElement[bool]],
        paging: Paging,
        order_by: Sequence[Any],
        convert: Callable[[Any], BaseModel] | None = None,
    ) -> dict[str, Any]:
        """One page of the items matching ``where``, with the total count."""
        stmt: Select[Any] = select(self.row).where(*where)
        count = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = session.scalars(stmt.order_by(*order_by).offset(paging.offset).limit(paging.limit))
        conv = convert or (lambda r: to_model(r, self.model))
        return {"data": [conv(r) for r in rows], "count": count}


def json_contains(column: Any, value: str) -> ColumnElement[bool]:
    """A JSON list column holds the string ``value`` (portable: a text match on the JSON)."""
    from sqlalchemy import String, cast

    needle = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return cast(column, String).like(f'%"{needle}"%', escape="\\")


def text_contains(column: Any, value: str) -> ColumnElement[bool]:
    """Case-insensitive substring match."""
    needle = value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{needle}%", escape="\\")
