"""What a job may ask for: problem sizes checked before the costly validation."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeGuard

from service.jobs.kinds import JobKind
from service.problems import ProblemTooLarge
from service.settings import Settings


def check_problem_size(payload: Any, settings: Settings) -> None:
    """A problem is refused (422) when it has more tickets, engineers, roster days or
    replications than the service admits; checked before the costly validation."""
    if not isinstance(payload, dict):
        return
    _check_count(payload, "tickets", settings.max_tickets)
    _check_count(payload, "engineers", settings.max_engineers)
    _check_replications(payload, "", settings.max_replications)
    for i, scenario in enumerate(_list(payload.get("scenarios"))):
        _check_replications(scenario, f"scenarios[{i}].", settings.max_replications)
    _check_replications(payload.get("defaults"), "defaults.", settings.max_replications)
    options = payload.get("options")
    limit = options.get("time_limit_s") if isinstance(options, dict) else None
    limit = payload.get("time_limit_s", limit)
    if _number(limit) and limit > settings.max_time_limit_s:
        raise ProblemTooLarge(
            "options.time_limit_s" if "time_limit_s" not in payload else "time_limit_s",
            limit,
            f"at most {settings.max_time_limit_s:g} seconds of solving per job",
        )
    start, end = _as_date(payload.get("start")), _as_date(payload.get("end"))
    if start is not None and end is not None and (end - start).days > settings.max_roster_days:
        raise ProblemTooLarge(
            "end",
            payload.get("end"),
            f"the horizon is {(end - start).days} days; at most {settings.max_roster_days}",
        )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_replications(item: Any, prefix: str, limit: int) -> None:
    reps = item.get("replications") if isinstance(item, dict) else None
    if _number(reps) and reps > limit:
        raise ProblemTooLarge(f"{prefix}replications", reps, f"at most {limit} replications")


def _check_count(payload: dict[str, Any], field: str, limit: int) -> None:
    items = payload.get(field)
    if isinstance(items, list) and len(items) > limit:
        raise ProblemTooLarge(
            field, f"{len(items)} items", f"at most {limit} {field} per problem; split it"
        )


def _as_date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def check_submission(kind: JobKind, payload: dict[str, Any], settings: Settings) -> None:
    """A payload the kind's request model accepted, checked before it is queued: its size,
    then what only the kind can check (:meth:`JobKind.check`). Any refusal is a 422 naming
    the field; a job is never queued only to fail at once in a worker."""
    check_problem_size(payload, settings)
    kind.check(payload)


def validate_payload(kind: JobKind, payload: Any, settings: Settings) -> dict[str, Any]:
    """The payload checked for size, validated by the kind's request model and checked as at
    submit (:func:`check_submission`), as JSON."""
    check_problem_size(payload, settings)
    validated = kind.request.model_validate(payload)
    dumped = validated.model_dump(mode="json", exclude_unset=True)
    assert isinstance(dumped, dict)
    kind.check(dumped)
    return dumped
