"""FastAPI dependencies as ``Annotated`` aliases: settings, sessions, the caller's role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from service.auth import Principal, Role, authenticate
from service.db import read_session, write_session
from service.jobs.runner import JobRunner
from service.problems import Forbidden, Unauthorized
from service.settings import Settings

api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, scheme_name="ApiKey", description="An API key"
)
bearer = HTTPBearer(auto_error=False, scheme_name="Bearer", description="An API key as a bearer")


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings = request.app.state.settings
    assert isinstance(settings, Settings)
    return settings


def get_engine(request: Request) -> Engine:
    """The app's database engine."""
    engine = request.app.state.engine
    assert isinstance(engine, Engine)
    return engine


def get_runner(request: Request) -> JobRunner:
    """The app's job runner."""
    runner = request.app.state.runner
    assert isinstance(runner, JobRunner)
    return runner


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
RunnerDep = Annotated[JobRunner, Depends(get_runner)]


def get_read_session(engine: EngineDep) -> Iterator[Session]:
    """A session for a reading request."""
    with read_session(engine) as session:
        yield session


def get_write_session(engine: EngineDep) -> Iterator[Session]:
    """A session for a writing request: one transaction, committed by the route."""
    with write_session(engine) as session:
        yield session


ReadSession = Annotated[Session, Depends(get_read_session)]
WriteSession = Annotated[Session, Depends(get_write_session)]


def get_principal(
    request: Request,
    engine: EngineDep,
    api_key: Annotated[str | None, Security(api_key_header)] = None,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)] = None,
) -> Principal:
    """The caller, from ``X-API-Key`` or ``Authorization: Bearer``; 401 without a valid key."""
    key = api_key or (credentials.credentials if credentials is not None else None)
    if not key:
        raise Unauthorized("an API key is required: send X-API-Key or Authorization: Bearer")
    with read_session(engine) as session:
        principal = authenticate(session, key.strip())
    if principal is None:
        raise Unauthorized("the API key is invalid or revoked")
    request.state.key_id = principal.key_id
    return principal


def require(role: Role) -> Callable[[Principal], Principal]:
    """A dependency admitting ``role`` and stronger roles; 403 for a weaker key."""

    def _check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if principal.role < role:
            raise Forbidden(
                f"this needs the {role.name} role or stronger; the key has {principal.role.name}",
                required_role=role.name,
                role=principal.role.name,
            )
        return principal

    _check.__name__ = f"require_{role.name}"
    return _check


Viewer = Annotated[Principal, Depends(require(Role.viewer))]
Dispatcher = Annotated[Principal, Depends(require(Role.dispatcher))]
Admin = Annotated[Principal, Depends(require(Role.admin))]
