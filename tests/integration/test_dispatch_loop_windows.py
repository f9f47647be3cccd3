"""The working windows a plan from the store takes from accepted rosters: shifts of two
accepted rosters that overlap or touch become one window, clipped to the planning span."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient

from service.db import transaction
from service.models import AcceptedAssignmentRow
from service.planning import windows_from_roster
from tests.integration.conftest import unique

DAY = "2026-11-30"


def at(hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{DAY}T{hhmm}:00+04:00")


def test_overlapping_and_touching_roster_shifts_become_one_window_clipped_to_the_span(
    client: TestClient,
) -> None:
    eid = unique("win")
    # two rosters: 08:00–13:00 and 12:00–15:00 overlap, 15:00–16:00 touches the second;
    # 17:00–20:00 stands apart and runs past the span's end at 18:00
    shifts = [("08:00", "13:00"), ("12:00", "15:00"), ("15:00", "16:00"), ("17:00", "20:00")]
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with transaction(engine) as session:
        for start, end in shifts:
            session.add(
                AcceptedAssignmentRow(
                    kind="roster", engineer_id=eid, start=at(start), end=at(end), source="roster"
                )
            )
    with transaction(engine) as session:
        windows = windows_from_roster(session, at("09:00"), at("18:00"))
    assert windows[eid] == [(at("09:00"), at("16:00")), (at("17:00"), at("18:00"))]
