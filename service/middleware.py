"""ASGI middleware: what every request passes before a route sees it, and what every answer
carries.

- :class:`BodyTimeout`: a client that trickles its body is cut off with 408 (and the
  connection closed), so a slow sender cannot hold a worker;
- :class:`BodySizeLimit`: a body over the limit is refused with 413;
- :class:`StrictInput`: NUL characters in the path or the query, and JSON bodies that are
  not strict JSON (NaN, ±Infinity, lone surrogates, NUL, nesting deeper than the limit)
  are refused with a problem naming the field, before FastAPI parses anything;
- :class:`AuthThrottle`: after too many wrong keys from one client address or for one key
  prefix, further keyed requests get 429 with ``Retry-After``;
- :class:`SecurityHeaders`: a Content-Security-Policy without inline script, no framing,
  ``nosniff`` and a referrer policy on every answer;
- :class:`AccessLog`: one structured line per request.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.auth import FailedAuthThrottle, split_key
from service.guards import printable, strict_json
from service.problems import (
    PayloadTooLarge,
    Problem,
    RequestTimeout,
    TooManyRequests,
    Unprocessable,
)

log = logging.getLogger("wfm.access")


class BodyTooLarge(HTTPException):
    """Raised inside ``receive`` when a streamed body passes the limit (answered as 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the body is larger than the limit of {limit} bytes")


class BodySizeLimit:
    """Refuse a body over ``max_bytes`` with 413, by Content-Length or while it streams."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._too_large(scope, send, declared)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._too_large(scope, send, seen)

    async def _too_large(self, scope: Scope, send: Send, size: int) -> None:
        detail = f"the body has {size} bytes or more; the limit is {self.max_bytes} bytes"
        response = PayloadTooLarge(detail, limit_bytes=self.max_bytes).response(None)
        await response(scope, _empty_receive, send)


async def _empty_receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def _content_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _header(scope: Scope, name: bytes) -> str | None:
    """The first value of a request header, decoded as Latin-1 (as HTTP/1.1 sends them)."""
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


async def _send_problem(scope: Scope, send: Send, problem: Problem) -> None:
    response = problem.response(Request(scope))
    await response(scope, _empty_receive, send)


# -- slow bodies -------------------------------------------------------------------------


class BodyTimedOut(HTTPException):
    """Raised inside ``receive`` when the body does not arrive in time (answered as 408)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            408,
            f"the request body did not arrive within {seconds:g} s; send it at once",
            headers={"Connection": "close"},
        )


class BodyTimeout:
    """Cut off a client whose body stalls: each chunk must come within ``chunk_s`` seconds and
    the whole body within ``total_s``; otherwise 408 and the connection is closed.

    uvicorn has no timeout for a request body, so without this a client that sends a byte a
    minute holds a worker for as long as it likes.
    """

    def __init__(self, app: ASGIApp, chunk_s: float, total_s: float) -> None:
        self.app = app
        self.chunk_s = chunk_s
        self.total_s = total_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline: float | None = None
        body_done = False
        started = False

        async def timed_receive() -> Message:
            nonlocal deadline, body_done
            if body_done:  # later receives wait for a disconnect: no limit on those
                return await receive()
            now = loop.time()
            if deadline is None:
                deadline = now + self.total_s
            wait = min(self.chunk_s, deadline - now)
            if wait <= 0:
                raise BodyTimedOut(self.total_s)
            try:
                message = await asyncio.wait_for(receive(), wait)
            except TimeoutError:
                raise BodyTimedOut(self.chunk_s if wait == self.chunk_s else self.total_s) from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, timed_receive, tracking_send)
        except BodyTimedOut as err:
            if started:
                raise
            log.info("slow body cut off", extra={"event": "body_timeout", "path": scope["path"]})
            timeout = RequestTimeout(str(err.detail), headers=dict(err.headers or {}))
            await _send_problem(scope, send, timeout)


# -- strict input ------------------------------------------------------------------------

JSON_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def is_json_content(content_type: str | None) -> bool:
    """Whether FastAPI would read a body of this type as JSON (no type at all included)."""
    if not content_type:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def check_url(scope: Scope) -> None:
    """422 naming the path or the query parameter that carries a NUL character."""
    if "\x00" in scope.get("path", ""):
        raise Unprocessable("path", printable(scope["path"]), "contains a NUL character")
    query = bytes(scope.get("query_string", b""))
    if b"%00" in query.lower() or b"\x00" in query:
        for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if "\x00" in name or "\x00" in value:
                raise Unprocessable(
                    f"query.{printable(name)}", printable(value), "contains a NUL character"
                )


class StrictInput:
    """Refuse NUL in the URL, and a JSON body that is not strict JSON, before any route.

    The body is read here (the size limit outside still applies), checked with
    :func:`service.guards.strict_json`, and handed on unchanged. Routes that read their own
    body with the same reader (``skip_body``, the ticket import) name fields their own way.
    """

    def __init__(
        self, app: ASGIApp, max_depth: int, skip_body: frozenset[str] = frozenset()
    ) -> None:
        self.app = app
        self.max_depth = max_depth
        self.skip_body = skip_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            check_url(scope)
        except Problem as problem:
            await _send_problem(scope, send, problem)
            return
        if (
            scope.get("method") not in JSON_METHODS
            or scope.get("path") in self.skip_body
            or not is_json_content(_header(scope, b"content-type"))
        ):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its body
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body.strip():
            try:
                strict_json(body, self.max_depth)
            except Problem as problem:
                await _send_problem(scope, send, problem)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


# -- failed authentication -----------------------------------------------------------------


def presented_key(scope: Scope) -> str | None:
    """The API key a request carries (``X-API-Key`` or a bearer token), if any."""
    key = _header(scope, b"x-api-key")
    if key:
        return key.strip()
    auth = _header(scope, b"authorization")
    if auth and auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None
    return None


class AuthThrottle:
    """Answer 429 (with ``Retry-After``) to keyed requests from a client address, or for a key
    prefix, that failed authentication too often; count every 401 to a keyed request.

    A blocked client gets 429 even with a valid key, so guessing learns nothing while
    blocked. Requests without a key are not counted: they guess nothing.
    """

    def __init__(self, app: ASGIApp, throttle: FailedAuthThrottle) -> None:
        self.app = app
        self.throttle = throttle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = presented_key(scope) if scope["type"] == "http" else None
        if key is None:
            await self.app(scope, receive, send)
            return
        client = scope["client"][0] if scope.get("client") else "unknown"
        prefix = split_key(key)
        wait = self.throttle.retry_after(client, prefix)
        if wait is not None:
            log.warning(
                "authentication throttled",
                extra={"event": "auth_throttled", "client": client, "path": scope.get("path")},
            )
            problem = TooManyRequests(
                f"too many failed authentications; retry after {wait} s",
                headers={"Retry-After": str(wait)},
                retry_after_s=wait,
            )
            await _send_problem(scope, send, problem)
            return
        status = [0]

        async def watching_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        await self.app(scope, receive, watching_send)
        if status[0] == 401:
            self.throttle.failed(client, prefix)


# -- security headers -----------------------------------------------------------------------

DOCS_PATHS = frozenset({"/docs"})
_PLAIN_HOST = re.compile(r"[A-Za-z0-9*][A-Za-z0-9.*-]*(:[0-9]{1,5})?")


def tile_origin(tile_url: str | None) -> str | None:
    """The origin of a map tile URL template for the CSP (``{s}`` subdomains as ``*``); None
    when unset or when the host is not a plain host name (nothing odd reaches the policy)."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url.replace("{s}", "*"))
    if parts.scheme not in ("http", "https") or not _PLAIN_HOST.fullmatch(parts.netloc):
        return None
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(tile_url: str | None = None, docs: bool = False) -> str:
    """The CSP: scripts only from this origin, never inline; no framing; images from here
    (and the configured map tile server). The API documentation pages also allow inline
    styles and a worker from a blob, which their vendored renderers need (never scripts)."""
    images = ["'self'", "data:"]
    origin = tile_origin(tile_url)
    if origin:
        images.append(origin)
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"] if docs else ["'self'"],
        "img-src": images,
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"] if docs else ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


class SecurityHeaders:
    """Add the CSP, ``frame-ancestors 'none'`` (and ``X-Frame-Options``), ``nosniff``, a
    referrer policy and a closed permissions policy to every answer."""

    def __init__(self, app: ASGIApp, tile_url: str | None = None) -> None:
        self.app = app
        common = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
        ]
        self.headers = [
            (b"content-security-policy", content_security_policy(tile_url).encode()),
            *common,
        ]
        self.docs_headers = [
            (b"content-security-policy", content_security_policy(tile_url, docs=True).encode()),
            *common,
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.docs_headers if scope.get("path") in DOCS_PATHS else self.headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in extra if h[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# -- access log ------------------------------------------------------------------------------


class AccessLog:
    """One structured line per request: id, method, path, status, milliseconds, key id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex[:16]
        t0 = time.perf_counter()
        status = [500]

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            state: dict[str, Any] = scope.get("state") or {}
            log.info(
                "request",
                extra={
                    "event": "request",
                    "request_id": request_id,
                    "method": scope.get("method"),
                    "path": scope.get("path"),
                    "status": status[0],
                    "ms": round((time.perf_counter() - t0) * 1000, 2),
                    "key_id": state.get("key_id"),
                },
            )
