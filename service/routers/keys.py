"""API keys (admin only): make one (shown once), list them, revoke one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy import func, select

from service.auth import Role, create_key, revoke_key
from service.deps import Admin, ReadSession, WriteSession
from service.models import ApiKeyRow
from service.problems import NotFound
from service.repo import Page, PagingDep

router = APIRouter(prefix="/keys", tags=["keys"])

RoleName = Annotated[str, Field(pattern="^(viewer|dispatcher|head|admin)$")]


class KeyCreate(BaseModel):
    """A key to make: its role and a name saying whose it is."""

    model_config = {"extra": "forbid"}

    role: RoleName
    name: Annotated[str, Field(max_length=200)] = ""


class KeyCreated(BaseModel):
    """A new key; ``key`` is shown this once and never again."""

    id: int
    key: str
    role: str
    name: str


class KeyPublic(BaseModel):
    """A stored key, without its secret."""

    id: int
    prefix: str
    role: str
    name: str
    created: AwareDatetime
    revoked: AwareDatetime | None = None


@router.post("", response_model=KeyCreated, status_code=201, summary="Make an API key")
def make_key(body: KeyCreate, session: WriteSession, _: Admin) -> Any:
    new = create_key(session, Role[body.role], body.name)
    session.commit()
    return KeyCreated(id=new.key_id, key=new.key, role=new.role.name, name=body.name)


@router.get("", response_model=Page[KeyPublic], summary="List API keys (no secrets)")
def list_keys(session: ReadSession, _: Admin, paging: PagingDep) -> Any:
    count = session.scalar(select(func.count()).select_from(ApiKeyRow)) or 0
    rows = session.scalars(
        select(ApiKeyRow).order_by(ApiKeyRow.id).offset(paging.offset).limit(paging.limit)
    )
    return {
        "data": [
            KeyPublic(
                id=r.id, prefix=r.prefix, role=r.role, name=r.name, created=r.created,
                revoked=r.revoked,
            )
            for r in rows
        ],
        "count": count,
    }  # fmt: skip


@router.delete("/{key_id}", status_code=204, summary="Revoke an API key")
def revoke(
    key_id: Annotated[int, Path(ge=1, le=2**62)], session: WriteSession, _: Admin
) -> Response:
    if not revoke_key(session, key_id):
        raise NotFound(f"no API key {key_id}")
    session.commit()
    return Response(status_code=204)
