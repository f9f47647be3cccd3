"""Errors as RFC 9457 problem+json, everywhere.

Domain errors are mapped to HTTP here and only here (cosmicpython): ``InvalidInput`` and
pydantic validation → 422 naming the field path and the value, ``InfeasibleRequest`` →
422 with the explanation, ``NotFound`` → 404, ``Conflict`` and integrity errors → 409,
``PayloadTooLarge`` → 413, ``RequestTimeout`` → 408 (both raised by the middleware). Bad
input never becomes a 500.
"""

from __future__ import annotations

import json
import logging
import math
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from optimizer.errors import InfeasibleRequest, InvalidInput, WfmError

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("wfm.service")

MAX_VALUE_CHARS = 200


class FieldError(BaseModel):
    """One offending field: its path, the value given, what is wrong."""

    field: str
    value: Any = None
    message: str


class ProblemDetail(BaseModel):
    """An RFC 9457 problem: ``type``, ``title``, ``status``, ``detail``, ``instance`` and, for
    input errors, the offending ``field`` and ``value`` (all of them in ``errors``)."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    field: str | None = None
    value: Any = None
    errors: list[FieldError] | None = None


class Problem(Exception):
    """An error the service answers on purpose with a problem+json body."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(
        self, detail: str, headers: dict[str, str] | None = None, **extensions: Any
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers
        self.extensions = extensions

    def response(self, request: Request | None) -> JSONResponse:
        """The problem+json answer of this error."""
        return problem_response(
            request,
            self.status,
            self.title,
            self.detail,
            self.slug,
            headers=self.headers,
            **self.extensions,
        )


class Malformed(Problem):
    status, slug, title = 400, "malformed-body", "Malformed JSON"


class RequestTimeout(Problem):
    status, slug, title = 408, "request-timeout", "Request timeout"


class TooManyRequests(Problem):
    status, slug, title = 429, "too-many-requests", "Too many requests"


class NotFound(Problem):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(Problem):
    status, slug, title = 409, "conflict", "Conflict"


class PayloadTooLarge(Problem):
    status, slug, title = 413, "payload-too-large", "Request body too large"


class Unprocessable(Problem):
    status, slug, title = 422, "invalid-input", "Invalid input"

    def __init__(self, field: str, value: Any, message: str) -> None:
        super().__init__(
            f"{field}: {short(value)} — {message}",
            field=field,
            value=safe_value(value),
            errors=[{"field": field, "value": safe_value(value), "message": message}],
        )


class ProblemTooLarge(Unprocessable):
    slug, title = "problem-too-large", "Problem too large"


class TooDeep(Unprocessable):
    slug, title = "too-deep", "Body nested too deeply"

    def __init__(self, field: str, value: Any, message: str) -> None:
        super().__init__(field, value, message)
        self.detail = f"{field}: {message}"


class Unauthorized(Problem):
    status, slug, title = 401, "unauthorized", "Unauthorized"


class Forbidden(Problem):
    status, slug, title = 403, "forbidden", "Forbidden"


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ProblemDetail, "content": {PROBLEM_JSON: {}}, "description": desc}
    for code, desc in (
        (401, "Missing or invalid API key"),
        (403, "The key's role is too weak"),
        (422, "Invalid input (field path and value named)"),
    )
}
"""Responses every protected route can give, for the OpenAPI document."""


def problem_type(slug: str) -> str:
    """The ``type`` URI of a problem."""
    return f"/problems/{slug}"


def short(value: Any, limit: int = 80) -> str:
    """A value shown in a one-line message, cut when long."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def safe_value(value: Any) -> Any:
    """The offending value in a JSON-safe form; long or nested values are shortened."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value if len(value) <= MAX_VALUE_CHARS else value[: MAX_VALUE_CHARS - 1] + "…"
    try:
        encoded = jsonable_encoder(value)
        text = json.dumps(encoded, ensure_ascii=False)
    except (TypeError, ValueError):
        return short(value, MAX_VALUE_CHARS)
    return encoded if len(text) <= MAX_VALUE_CHARS else short(value, MAX_VALUE_CHARS)


def problem_response(
    request: Request | None,
    status: int,
    title: str,
    detail: str | None,
    slug: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, Any] = {
        "type": problem_type(slug) if slug else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
    body.update({k: v for k, v in extensions.items() if v is not None})
    return JSONResponse(
        json_safe(jsonable_encoder(body)),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def json_safe(value: Any) -> Any:
    """``value`` with what JSON cannot carry made printable: a non-finite number becomes its
    text, a lone surrogate or a NUL its escape. The answer to bad input must itself always
    serialise, or the client gets a dropped connection instead of the error."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        return _printable(value)
    if isinstance(value, dict):
        return {_printable(str(k)): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def _printable(text: str) -> str:
    if "\x00" in text:
        text = text.replace("\x00", "\\u0000")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def loc_to_path(loc: tuple[int | str, ...] | list[int | str]) -> str:
    """``("body", "tickets", 3, "site_id")`` → ``tickets[3].site_id``."""
    parts = list(loc)
    if parts and parts[0] == "body":
        parts = parts[1:]
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif isinstance(part, str) and ("[" in part or part.startswith("function-")):
            continue  # pydantic's union / validator tags are not fields
        else:
            path += ("." if path else "") + str(part)
    return path or "(body)"


def field_errors(errors: list[dict[str, Any]] | Any, prefix: str = "") -> list[dict[str, Any]]:
    """(field, value, message) for every pydantic error, paths prefixed by ``prefix``."""
    out: list[dict[str, Any]] = []
    for e in errors:
        path = loc_to_path(tuple(e.get("loc", ())))
        if prefix:
            path = prefix if path == "(body)" else f"{prefix}.{path}"
        value = None if e.get("type") == "missing" else e.get("input")
        message = str(e.get("msg", "invalid")).removeprefix("Value error, ")
        ctx_error = (e.get("ctx") or {}).get("error")
        if isinstance(ctx_error, InvalidInput):
            path = f"{prefix}.{ctx_error.field}" if prefix else ctx_error.field
            value, message = ctx_error.value, ctx_error.message
        out.append({"field": path, "value": safe_value(value), "message": message})
    return out


def validation_problem(
    request: Request | None, errors: list[dict[str, Any]], prefix: str = ""
) -> JSONResponse:
    """422 naming every offending field of pydantic ``errors`` (the first also at the top)."""
    return fields_problem(request, field_errors(errors, prefix), prefix)


def fields_problem(
    request: Request | None, fields: list[dict[str, Any]], prefix: str = ""
) -> JSONResponse:
    """422 from (field, value, message) rows; the first one is also at the top level."""
    if not fields:
        fields = [{"field": prefix or "(body)", "value": None, "message": "invalid"}]
    first = fields[0]
    more = len(fields) - 1
    detail = f"{first['field']}: {short(first['value'])} — {first['message']}"
    if more:
        detail += f" (and {more} more problem{'s' if more > 1 else ''})"
    return problem_response(
        request,
        422,
        "Invalid input",
        detail,
        "invalid-input",
        field=first["field"],
        value=first["value"],
        errors=fields,
    )


def malformed_problem(request: Request | None, message: str, what: str = "JSON") -> JSONResponse:
    """400: the body cannot be parsed at all."""
    return problem_response(request, 400, f"Malformed {what}", message, "malformed-body")


async def _request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    bad_json = [e for e in errors if e.get("type") == "json_invalid"]
    if bad_json:
        ctx = bad_json[0].get("ctx") or {}
        return malformed_problem(
            request, f"the body is not valid JSON: {ctx.get('error', 'cannot parse')}"
        )
    return validation_problem(request, errors)


async def _pydantic_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ValidationError)
    return validation_problem(request, [dict(e) for e in exc.errors(include_url=False)])


async def _invalid_input(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InvalidInput)
    value = safe_value(exc.value)
    return problem_response(
        request,
        422,
        "Invalid input",
        str(exc),
        "unknown-reference" if type(exc).__name__ == "UnknownReference" else "invalid-input",
        field=exc.field,
        value=value,
        errors=[{"field": exc.field, "value": value, "message": exc.message}],
    )


async def _infeasible(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InfeasibleRequest)
    return problem_response(
        request, 422, "Infeasible request", exc.explanation, "infeasible", reasons=exc.reasons
    )


async def _wfm_error(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(request, 422, "Invalid input", str(exc), "invalid-input")


async def _problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    headers = dict(exc.headers or {})
    if exc.status == 401:
        headers.setdefault("WWW-Authenticate", 'ApiKey header="X-API-Key", Bearer')
    if exc.status == 503:
        headers.setdefault("Retry-After", "5")
    return problem_response(
        request,
        exc.status,
        exc.title,
        exc.detail,
        exc.slug,
        headers=headers or None,
        **exc.extensions,
    )


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    try:
        title = HTTPStatus(exc.status_code).phrase
    except ValueError:
        title = "Error"
    detail = exc.detail if isinstance(exc.detail, str) else title
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no route {request.url.path}"
    if exc.status_code == 405:
        detail = f"method {request.method} is not allowed on {request.url.path}"
    headers = dict(exc.headers) if exc.headers else None
    return problem_response(request, exc.status_code, title, detail, headers=headers)


async def _integrity(request: Request, exc: Exception) -> JSONResponse:
    log.info("integrity error", extra={"event": "integrity_error", "error": str(exc.__cause__)})
    return problem_response(
        request,
        409,
        "Conflict",
        "the change conflicts with stored data (a duplicate id, or a row still referenced)",
        "conflict",
    )


async def _data_error(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(
        request,
        422,
        "Invalid input",
        "a value cannot be stored (out of range, or a NUL character in a string)",
        "invalid-input",
    )


async def _operational(request: Request, exc: Exception) -> JSONResponse:
    log.error("database unavailable", extra={"event": "db_error", "error": type(exc).__name__})
    return problem_response(
        request,
        503,
        "Service unavailable",
        "the database is busy or unreachable; retry shortly",
        "unavailable",
        headers={"Retry-After": "5"},
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error", extra={"event": "unexpected", "path": request.url.path})
    return problem_response(
        request, 500, "Internal Server Error", "an unexpected error; it has been logged", "internal"
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Map every error the service can meet to a problem+json answer."""
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(ValidationError, _pydantic_validation)
    app.add_exception_handler(InvalidInput, _invalid_input)
    app.add_exception_handler(InfeasibleRequest, _infeasible)
    app.add_exception_handler(WfmError, _wfm_error)
    app.add_exception_handler(Problem, _problem)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(IntegrityError, _integrity)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(OperationalError, _operational)
    app.add_exception_handler(Exception, _unexpected)
