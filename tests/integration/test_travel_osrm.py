"""The OSRM client against a tiny local HTTP server that fakes ``/table/v1`` from coordinates.

The fake server answers ``duration = 60 s × (|Δlat| + |Δlon|) × 100`` and ``distance = 1000 m ×
the same``, so every cell can be checked; it records each request, can mark points as
unreachable (``null`` cells), answer with an error, or hold its answer until the test ends.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from optimizer.domain.common import Location
from optimizer.errors import InvalidInput
from optimizer.travel import Leg, NoRouteError, OsrmError, OsrmTravelModel, make_travel_model

AT = datetime.fromisoformat("2026-11-25T08:00:00+04:00")
OFFICE = Location(id="office", lat=51.533, lon=46.034)
ENGELS = Location(id="engels", lat=51.485, lon=46.126)
ISLAND = Location(id="island", lat=51.510, lon=46.070)  # a sandbank in the Volga: no road


def fake_minutes(a: tuple[float, float], b: tuple[float, float]) -> float:
    """What the fake server says, in minutes (its seconds / 60)."""
    return (abs(a[0] - b[0]) + abs(a[1] - b[1])) * 100


@dataclass
class Recorded:
    """One request the fake server saw."""

    profile: str
    coordinates: list[tuple[float, float]]  # as sent: (lon, lat)
    query: dict[str, list[str]]
    raw_path: str


@dataclass
class FakeOsrm:
    """State of the fake server, shared with its handler threads."""

    requests: list[Recorded] = field(default_factory=list)
    unreachable: set[tuple[float, float]] = field(default_factory=set)  # (lon, lat)
    error: tuple[int, dict[str, str]] | None = None
    hold: threading.Event | None = None
    url: str = ""


class Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""

    def do_GET(self) -> None:
        state: FakeOsrm = self.server.state  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        _, _, version, profile, coords = parts.path.split("/", 4)
        assert version == "v1"
        points = [tuple(float(x) for x in c.split(",")) for c in unquote(coords).split(";")]
        query = parse_qs(parts.query)
        state.requests.append(Recorded(profile, points, query, self.path))  # type: ignore[arg-type]
        if state.hold is not None:
            state.hold.wait(10)
        if state.error is not None:
            self.reply(*state.error)
            return
        sources = [int(i) for i in query["sources"][0].split(";")] if "sources" in query else None
        dests = (
            [int(i) for i in query["destinations"][0].split(";")]
            if "destinations" in query
            else None
        )
        src = sources if sources is not None else list(range(len(points)))
        dst = dests if dests is not None else list(range(len(points)))
        durations, distances = [], []
        for i in src:
            d_row, s_row = [], []
            for j in dst:
                lon_a, lat_a = points[i]
                lon_b, lat_b = points[j]
                if points[j] in state.unreachable or points[i] in state.unreachable:
                    d_row.append(None)
                    s_row.append(None)
                    continue
                minutes = fake_minutes((lat_a, lon_a), (lat_b, lon_b))
                d_row.append(minutes * 60)
                s_row.append(minutes * 1000)
            durations.append(d_row)
            distances.append(s_row)
        self.reply(200, {"code": "Ok", "durations": durations, "distances": distances})

    def reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def osrm() -> Iterator[FakeOsrm]:
    """A fake OSRM on 127.0.0.1 at a free port, stopped after the test."""
    state = FakeOsrm()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.state = state  # type: ignore[attr-defined]
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        if state.hold is not None:
            state.hold.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def grid(n: int) -> list[Location]:
    """``n`` distinct points on a 0.001° grid around Saratov."""
    return [Location(lat=51.50 + (k // 20) * 0.001, lon=46.00 + (k % 20) * 0.001) for k in range(n)]


def test_250_locations_go_in_requests_of_at_most_100_coordinates(osrm):
    points = grid(250)
    m = OsrmTravelModel(osrm.url).matrix(points, AT)
    assert max(len(r.coordinates) for r in osrm.requests) <= 100
    # 250 points in blocks of 50: 5 × 5 block pairs.
    assert len(osrm.requests) == 25
    for i in (0, 49, 50, 137, 249):
        for j in (0, 51, 199, 249):
            a, b = points[i], points[j]
            expected = fake_minutes((a.lat, a.lon), (b.lat, b.lon))
            assert m.minutes[i][j] == pytest.approx(expected)
            assert m.km[i][j] == pytest.approx(expected)


def test_every_pair_of_a_chunked_matrix_is_filled(osrm):
    points = grid(9)
    m = OsrmTravelModel(osrm.url, chunk=4).matrix(points, AT)
    assert max(len(r.coordinates) for r in osrm.requests) <= 4
    for i, a in enumerate(points):
        for j, b in enumerate(points):
            assert m.minutes[i][j] == pytest.approx(fake_minutes((a.lat, a.lon), (b.lat, b.lon)))


def test_small_matrix_is_one_request_without_sources_or_destinations(osrm):
    OsrmTravelModel(osrm.url).matrix([OFFICE, ENGELS], AT)
    (request,) = osrm.requests
    assert request.profile == "driving"
    assert "sources" not in request.query and "destinations" not in request.query
    assert request.query["annotations"] == ["duration,distance"]


def test_coordinates_are_sent_longitude_first(osrm):
    OsrmTravelModel(osrm.url).matrix([OFFICE, ENGELS], AT)
    assert osrm.requests[0].coordinates == [(46.034, 51.533), (46.126, 51.485)]
    # Sent verbatim (OSRM splits on ";" and ","), not percent-encoded.
    assert "/table/v1/driving/46.034000,51.533000;46.126000,51.485000?" in osrm.requests[0].raw_path


def test_block_requests_name_sources_and_destinations_by_index(osrm):
    OsrmTravelModel(osrm.url, chunk=4).matrix(grid(5), AT)
    # Blocks of 2 points: [0,1], [2,3], [4]; the pair ([0,1], [4]) sends 3 coordinates.
    pair = next(r for r in osrm.requests if len(r.coordinates) == 3)
    assert pair.query["sources"] == ["0;1"] and pair.query["destinations"] == ["2"]


def test_leg_converts_seconds_to_minutes_and_metres_to_km(osrm):
    leg = OsrmTravelModel(osrm.url).leg(OFFICE, ENGELS, AT)
    expected = fake_minutes((51.533, 46.034), (51.485, 46.126))
    assert leg == Leg(pytest.approx(expected), pytest.approx(expected))


def test_same_place_needs_no_request(osrm):
    assert OsrmTravelModel(osrm.url).leg(OFFICE, OFFICE, AT) == Leg(0.0, 0.0)
    assert osrm.requests == []


def test_repeated_locations_are_asked_once(osrm):
    m = OsrmTravelModel(osrm.url).matrix([OFFICE, ENGELS, OFFICE], AT)
    assert len(osrm.requests[0].coordinates) == 2
    assert m.minutes[2][1] == m.minutes[0][1] and m.minutes[0][2] == 0.0


def test_null_cell_is_a_no_route_error_naming_both_locations(osrm):
    osrm.unreachable.add((ISLAND.lon, ISLAND.lat))
    with pytest.raises(NoRouteError) as err:
        OsrmTravelModel(osrm.url).matrix([OFFICE, ISLAND], AT)
    assert "no route from office to island" in str(err.value)
    assert isinstance(err.value, InvalidInput) and isinstance(err.value, OsrmError)


def test_slow_server_is_an_osrm_timeout_error(osrm):
    osrm.hold = threading.Event()
    with pytest.raises(OsrmError, match="did not answer within 0.2 s"):
        OsrmTravelModel(osrm.url, timeout_s=0.2).matrix([OFFICE, ENGELS], AT)


def test_error_answer_is_an_osrm_error_with_the_servers_message(osrm):
    osrm.error = (400, {"code": "TooBig", "message": "Too many table coordinates"})
    with pytest.raises(OsrmError, match="HTTP 400, code 'TooBig': Too many table coordinates"):
        OsrmTravelModel(osrm.url).matrix([OFFICE, ENGELS], AT)


def test_ok_status_with_a_bad_code_is_an_osrm_error(osrm):
    osrm.error = (200, {"code": "NoSegment", "message": "Could not find a matching segment"})
    with pytest.raises(OsrmError, match="NoSegment"):
        OsrmTravelModel(osrm.url).matrix([OFFICE, ENGELS], AT)


def test_server_that_is_not_running_is_an_osrm_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(OsrmError, match="unreachable"):
        OsrmTravelModel(f"http://127.0.0.1:{port}", timeout_s=2).matrix([OFFICE, ENGELS], AT)


def test_location_without_coordinates_is_an_input_error_before_any_request(osrm):
    with pytest.raises(InvalidInput) as err:
        OsrmTravelModel(osrm.url).matrix([OFFICE, Location(id="nowhere")], AT)
    assert err.value.field == "locations[1]"
    assert osrm.requests == []


def test_osrm_spec_builds_a_client_that_uses_the_profile(osrm):
    model = make_travel_model({"kind": "osrm", "url": osrm.url, "profile": "car"})
    model.leg(OFFICE, ENGELS, AT)
    assert osrm.requests[0].profile == "car"
