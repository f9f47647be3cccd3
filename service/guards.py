"""Checks on input values that the contract models let through but the edge must refuse:
non-finite numbers (JSON cannot carry them back), datetimes outside the years a database
and the calendar handle, NUL characters (PostgreSQL text cannot hold them), lone
surrogates (no UTF-8 encoding exists for them), a field named twice in one object (JSON
readers silently keep one of the two values, so the request would not mean what its sender
wrote), and JSON nested deeper than any contract needs (the parser would otherwise recurse
until the interpreter gives up).

:func:`strict_json` is the one strict JSON reader of the service: the body middleware and
the ticket import both use it, so a bad value gets the same answer on every route.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from service.problems import Malformed, TooDeep, Unprocessable

MIN_YEAR, MAX_YEAR = 1900, 2200
MAX_SAFE_INT = 2**53
"""Largest integer every JSON reader (JavaScript's included) reads back exactly."""
MAX_INT_DIGITS = 20
DEFAULT_MAX_DEPTH = 32
"""Deepest nesting of arrays and objects in a body; the deepest contract needs about 8."""


@dataclass(frozen=True, slots=True)
class _BadNumber:
    """A number JSON should not carry (NaN, ±Infinity, an overflow, a huge integer), kept
    as its text until the walk can name the field it sits in."""

    text: str
    message: str


def _parse_float(text: str) -> float | _BadNumber:
    value = float(text)
    if math.isfinite(value):
        return value
    return _BadNumber(text, "must be a finite number (too large for a float)")


def _parse_int(text: str) -> int | _BadNumber:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        return _BadNumber(text[:40], "number too large")
    value = int(text)
    return value if abs(value) <= MAX_SAFE_INT else _BadNumber(text, "number too large")


def _parse_constant(text: str) -> _BadNumber:
    return _BadNumber(text, "must be a finite number; JSON has no NaN or Infinity")


class _TwiceNamed(dict):  # type: ignore[type-arg]
    """An object in which a field is named twice (``twice``: the first such name), kept until
    the walk can name where it sits."""

    twice: str = ""


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            marked = _TwiceNamed(pairs)
            marked.twice = key
            return marked
        out[key] = value
    return out


def strict_json(
    content: bytes | str,
    max_depth: int = DEFAULT_MAX_DEPTH,
    root: str = "",
    source: str = "the body",
) -> Any:
    """Parse a JSON body strictly: 400 when it is not JSON, 422 naming the field for NaN,
    ±Infinity, an integer beyond 2^53, a lone surrogate or a NUL character (in a value or a
    key), a field named twice in one object, and for nesting deeper than ``max_depth``.
    ``root`` prefixes every field path; ``source`` names what is read in the 400 ("the
    file" on the command line)."""
    try:
        data = json.loads(
            content,
            parse_float=_parse_float,
            parse_int=_parse_int,
            parse_constant=_parse_constant,
            object_pairs_hook=_object,
        )
    except RecursionError:
        raise TooDeep(root or "(body)", None, f"nested deeper than {max_depth} levels") from None
    except json.JSONDecodeError as err:
        raise Malformed(
            f"{source} is not valid JSON: {err.msg} at line {err.lineno} column {err.colno}"
        ) from None
    except ValueError as err:  # not UTF-8, or a number the parser refuses
        raise Malformed(f"{source} is not valid JSON: {err}") from None
    check_tree(data, max_depth, root)
    return data


def check_tree(data: Any, max_depth: int = DEFAULT_MAX_DEPTH, root: str = "") -> None:
    """Walk a parsed JSON value without recursion; 422 naming the first bad field."""
    # Entries are (value, depth, parent entry, key) so that a path is only built for the
    # one field that is reported.
    stack: list[tuple[Any, int, Any, str | int | None]] = [(data, 0, None, None)]
    while stack:
        entry = stack.pop()
        value, depth = entry[0], entry[1]
        if isinstance(value, str):
            _check_text(value, entry, root)
        elif isinstance(value, dict | list):
            if depth >= max_depth:
                raise TooDeep(_path(entry, root), None, f"nested deeper than {max_depth} levels")
            if isinstance(value, _TwiceNamed):
                where = (value[value.twice], depth + 1, entry, value.twice)
                raise Unprocessable(
                    _path(where, root), value.twice, "the field is named twice in one object"
                )
            if isinstance(value, dict):
                for k, v in value.items():
                    child = (v, depth + 1, entry, k)
                    _check_text(k, child, root, key=True)
                    stack.append(child)
            else:
                stack.extend((v, depth + 1, entry, i) for i, v in enumerate(value))
        elif isinstance(value, _BadNumber):
            raise Unprocessable(_path(entry, root), value.text, value.message)


def _check_text(text: str, entry: tuple[Any, ...], root: str, key: bool = False) -> None:
    what = "a field name" if key else "the text"
    if "\x00" in text:
        raise Unprocessable(_path(entry, root), printable(text), f"{what} contains a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Unprocessable(
            _path(entry, root),
            printable(text),
            f"{what} contains a lone surrogate (\\ud800–\\udfff without its pair)",
        ) from None


def printable(text: str) -> str:
    """``text`` with lone surrogates and NULs written as escapes, so it can be answered."""
    return text.replace("\x00", "\\u0000").encode("utf-8", "backslashreplace").decode("utf-8")


def _path(entry: tuple[Any, ...] | None, root: str) -> str:
    parts: list[str] = []
    while entry is not None and entry[3] is not None:
        key = entry[3]
        parts.append(f"[{key}]" if isinstance(key, int) else "." + printable(str(key)))
        entry = entry[2]
    path = root + "".join(reversed(parts))
    return path.lstrip(".") or "(body)"


def check_value(value: Any, path: str) -> None:
    """Raise 422 naming ``path`` when a nested value cannot be stored and answered back."""
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, float) and not math.isfinite(value):
        raise Unprocessable(path or "(body)", str(value), "must be a finite number")
    if isinstance(value, int) and abs(value) > 2**53:
        raise Unprocessable(path or "(body)", value, "number too large")
    if isinstance(value, str) and "\x00" in value:
        raise Unprocessable(path or "(body)", value, "contains a NUL character")
    if isinstance(value, datetime | date) and not MIN_YEAR <= value.year <= MAX_YEAR:
        raise Unprocessable(
            path or "(body)", value.isoformat(), f"year outside {MIN_YEAR}–{MAX_YEAR}"
        )
    if isinstance(value, dict):
        for k, v in value.items():
            check_value(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            check_value(v, f"{path}[{i}]")


def check_model(model: BaseModel, path: str = "") -> None:
    """:func:`check_value` over every field of a validated model."""
    check_value(model.model_dump(mode="python"), path)
