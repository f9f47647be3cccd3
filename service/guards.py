"""Checks on input values that the contract models let through but the edge must refuse:
non-finite numbers (JSON cannot carry them back), datetimes outside the years a database
and the calendar handle, NUL characters (PostgreSQL text cannot hold them)."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from service.problems import Unprocessable

MIN_YEAR, MAX_YEAR = 1900, 2200


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
