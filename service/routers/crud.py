"""The five standard routes of a master-data resource (list, create, read, replace/patch,
delete), added to the resource's own router.

No ``from __future__ import annotations`` here on purpose: the route functions are built
in a closure, and FastAPI must see their annotations as real types.
"""

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response, status
from pydantic import BaseModel
from sqlalchemy import ColumnElement

from service.auth import Principal, Role
from service.deps import ReadSession, WriteSession, require
from service.repo import Page, PagingDep, Store, partial_model
from service.routers import API_PREFIX

Filters = Callable[..., list[ColumnElement[bool]]]


def add_crud_routes(
    router: APIRouter,
    store: Store[Any],
    *,
    filters: Filters,
    order_by: Sequence[Any],
    write_role: Role,
    id_type: type = str,
    create_model: type[BaseModel] | None = None,
    public: Callable[[Any], BaseModel] | None = None,
    public_model: type[BaseModel] | None = None,
) -> None:
    """Add list/create/read/replace/patch/delete routes for ``store`` to ``router``."""
    model = store.model
    body_model = create_model or model
    out_model = public_model or model
    to_public = public or (lambda row: store.read_row(row))
    patch_model = partial_model(model, {"id"}, f"{model.__name__}Patch")
    what = store.what
    Writer = Annotated[Principal, Depends(require(write_role))]  # noqa: N806
    Reader = Annotated[Principal, Depends(require(Role.viewer))]  # noqa: N806
    Where = Annotated[list[ColumnElement[bool]], Depends(filters)]  # noqa: N806
    limits: dict[str, Any] = {"ge": 1, "le": 2**62} if id_type is int else {"max_length": 100}
    Ident = Annotated[id_type, Path(description=f"Id of the {what}", **limits)]  # type: ignore[valid-type]  # noqa: N806

    def list_items(session: ReadSession, _: Reader, paging: PagingDep, where: Where) -> Any:
        return store.page(session, where, paging, order_by, convert=to_public)

    def create_item(body: body_model, session: WriteSession, _: Writer, response: Response) -> Any:  # type: ignore[valid-type]
        row = store.create(session, body)
        session.commit()
        response.headers["Location"] = f"{API_PREFIX}{router.prefix}/{row.id}"
        return to_public(row)

    def read_item(ident: Ident, session: ReadSession, _: Reader) -> Any:
        return to_public(store.get(session, ident))

    def replace_item(ident: Ident, body: body_model, session: WriteSession, _: Writer) -> Any:  # type: ignore[valid-type]
        row = store.replace(session, ident, body)
        session.commit()
        return to_public(row)

    def patch_item(ident: Ident, body: patch_model, session: WriteSession, _: Writer) -> Any:  # type: ignore[valid-type]
        row = store.update(session, ident, body)
        session.commit()
        return to_public(row)

    def delete_item(ident: Ident, session: WriteSession, _: Writer) -> Response:
        store.delete(session, ident)
        session.commit()
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    name = what.replace(" ", "_")
    a = "an" if what[:1] in "aeiou" else "a"  # "an engineer", "an absence"
    router.add_api_route(
        "", list_items, methods=["GET"], response_model=Page[out_model],  # type: ignore[valid-type]
        summary=f"List {what}s", name=f"list_{name}s",
    )  # fmt: skip
    router.add_api_route(
        "", create_item, methods=["POST"], response_model=out_model, status_code=201,
        summary=f"Create {a} {what}", name=f"create_{name}",
        responses={409: {"description": f"The {what} exists already"}},
    )  # fmt: skip
    router.add_api_route(
        "/{ident}", read_item, methods=["GET"], response_model=out_model,
        summary=f"Read {a} {what}", name=f"read_{name}",
        responses={404: {"description": f"No such {what}"}},
    )  # fmt: skip
    router.add_api_route(
        "/{ident}", replace_item, methods=["PUT"], response_model=out_model,
        summary=f"Replace {a} {what}", name=f"replace_{name}",
        responses={404: {"description": f"No such {what}"}},
    )  # fmt: skip
    router.add_api_route(
        "/{ident}", patch_item, methods=["PATCH"], response_model=out_model,
        summary=f"Change some fields of {a} {what}", name=f"patch_{name}",
        responses={404: {"description": f"No such {what}"}},
    )  # fmt: skip
    router.add_api_route(
        "/{ident}", delete_item, methods=["DELETE"], status_code=204,
        summary=f"Delete {a} {what}", name=f"delete_{name}",
        responses={404: {"description": f"No such {what}"}, 409: {"description": "Still in use"}},
    )  # fmt: skip
