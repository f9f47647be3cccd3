"""Domain errors.

Engines raise these; the CLI maps them to exit status 2 and one line on stderr, the
service maps them to RFC 9457 problem+json. Every message names the field and the
offending value so a dispatcher or integrator can fix the input without a traceback.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError


class WfmError(Exception):
    """Base class of every error the optimizer raises on purpose."""


class InvalidInput(WfmError):
    """Input that is well-formed JSON but violates the contract.

    Deliberately not a ``ValueError``: raised inside a pydantic validator it propagates
    unchanged, so the message keeps the exact field path instead of being wrapped.

    Parameters
    ----------
    field
        Dotted path of the offending field, e.g. ``tickets[3].site_id``.
    value
        The offending value, as given.
    message
        What is wrong, in plain words.
    """

    def __init__(self, field: str, value: Any, message: str) -> None:
        self.field = field
        self.value = value
        self.message = message
        super().__init__(f"{field}: {value!r} — {message}")


class UnknownReference(InvalidInput):
    """An id that names nothing (a ticket for an unknown site, say)."""


class InfeasibleRequest(WfmError):
    """A request that is valid but cannot be satisfied; ``explanation`` says why."""

    def __init__(self, explanation: str, reasons: list[str] | None = None) -> None:
        self.explanation = explanation
        self.reasons = reasons or []
        super().__init__(explanation)


def _loc_to_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + str(part)
    return path or "(root)"


def validation_error_fields(err: ValidationError) -> list[tuple[str, Any, str]]:
    """(field path, value, message) for every problem pydantic found."""
    out: list[tuple[str, Any, str]] = []
    for e in err.errors(include_url=False):
        loc = tuple(p for p in e.get("loc", ()) if not (isinstance(p, str) and "[" in p))
        out.append((_loc_to_path(loc), e.get("input"), str(e.get("msg", "invalid"))))
    return out


def one_line(err: BaseException) -> str:
    """The single human line describing an input error: field, value, problem."""
    if isinstance(err, ValidationError):
        field, value, msg = validation_error_fields(err)[0]
        more = err.error_count() - 1
        shown = value if not isinstance(value, dict | list) else _short(value)
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else ""
        return f"{field}: {shown!r} — {msg}{suffix}"
    return str(err)


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
