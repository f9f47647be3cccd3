"""Helpers shared by every CLI command: input loading and the exit-status contract.

Exit status: 0 done, 2 invalid input (one line on stderr naming the field and the value),
1 anything unexpected.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer
from pydantic import BaseModel, ValidationError

from optimizer.errors import InfeasibleRequest, InvalidInput, WfmError, one_line
from service.guards import strict_json
from service.problems import Malformed, Problem

M = TypeVar("M", bound=BaseModel)

EXIT_INVALID = 2
"""Exit status of invalid input; 0 is done and 1 anything unexpected (an uncaught error)."""


def fail(message: str, code: int = EXIT_INVALID) -> NoReturn:
    """Print one line on stderr and exit with ``code``."""
    sys.stderr.write(message.rstrip("\n").replace("\n", " ") + "\n")
    raise typer.Exit(code)


@contextmanager
def guarded() -> Iterator[None]:
    """Map domain and validation errors to exit status 2 with one line; nothing else is caught."""
    try:
        yield
    except ValidationError as err:
        fail(one_line(err))
    except InvalidInput as err:
        fail(str(err))
    except InfeasibleRequest as err:
        fail(f"infeasible: {err.explanation}")
    except WfmError as err:
        fail(str(err))


def read_json_file(path: Path, field: str = "file") -> Any:
    """Parse a JSON file as strictly as the API reads a body (:func:`service.guards.strict_json`:
    no NaN or Infinity, no field named twice, …); a missing file or malformed JSON is invalid
    input naming the file, a bad value inside it names the field."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(field, str(path), "file not found") from None
    except OSError as err:
        raise InvalidInput(field, str(path), f"cannot read: {err.strerror}") from None
    try:
        return strict_json(text, source="the file")
    except Malformed as err:
        raise InvalidInput(field, str(path), err.detail or "not valid JSON") from None
    except Problem as err:  # a bad value inside well-formed JSON: name its field
        errors = err.extensions.get("errors") or [{}]
        raise InvalidInput(
            f"{path.name}: {err.extensions.get('field', '(file)')}",
            err.extensions.get("value"),
            str(errors[0].get("message") or err.detail),
        ) from None


def load_model(path: Path, model: type[M]) -> M:
    """Read ``path`` and validate it as ``model`` (raises ValidationError / InvalidInput)."""
    return model.model_validate(read_json_file(path))


def run(fn: Callable[[], None]) -> None:
    """Run ``fn`` under :func:`guarded`."""
    with guarded():
        fn()


def parse_aware(value: str, field: str) -> datetime:
    """An ISO 8601 datetime with an offset; anything else is invalid input naming ``field``."""
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            field, value, "not an ISO 8601 datetime, e.g. 2026-11-27T16:30+04:00"
        ) from None
    if dt.tzinfo is None:
        raise InvalidInput(field, value, "datetime needs an offset, e.g. +04:00")
    return dt
