"""Scenario files as text: JSON or YAML, validated like the contract.

Reading the file is the caller's business (the CLI, a notebook); this module only parses
text, so the engine stays free of I/O.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from optimizer.domain.scenario import ScenarioSet
from optimizer.errors import InvalidInput


def parse_scenario_text(text: str, fmt: str = "json", source: str = "scenario") -> ScenarioSet:
    """A :class:`ScenarioSet` from JSON or YAML text (a single scenario becomes a set of one).

    Malformed text is an :class:`InvalidInput` naming ``source``; a contract violation is a
    pydantic ``ValidationError`` naming the field.
    """
    data = _load(text, fmt, source)
    return ScenarioSet.model_validate(data)


def _load(text: str, fmt: str, source: str) -> Any:
    """Parse JSON or YAML into plain data."""
    if fmt in ("yaml", "yml"):
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
            raise InvalidInput(source, source, f"malformed YAML{where}") from None
        # YAML turns dates into date objects and times into ints (sexagesimal); pydantic
        # parses the first fine, and scenario times are quoted strings in our files.
        return data
    if fmt != "json":
        raise InvalidInput("format", fmt, "must be json or yaml")
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise InvalidInput(
            source, source, f"malformed JSON at line {err.lineno} column {err.colno}: {err.msg}"
        ) from None


def format_of(name: str) -> str:
    """``yaml`` for a .yaml/.yml file name, else ``json``."""
    lower = name.lower()
    return "yaml" if lower.endswith((".yaml", ".yml")) else "json"
