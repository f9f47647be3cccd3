"""CLI: ``wfm travel`` — travel times and distances of the default model (or an OSRM server).

wfm travel matrix LOCATIONS.json [--at DATETIME] [--osrm URL] [--json]
wfm travel leg LAT,LON LAT,LON [--at DATETIME] [--osrm URL] [--json]
wfm travel geocode ADDRESS [--cache FILE] [--offline]
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from optimizer.calendar import TZ
from optimizer.domain.common import Location
from optimizer.errors import InvalidInput
from optimizer.travel import (
    Geocoder,
    GeodesicTravelModel,
    OsrmTravelModel,
    TravelModel,
    bank_of,
)
from service.cli.common import guarded, parse_aware, read_json_file

travel_app = typer.Typer(
    help="Travel time and distance between points (Saratov, Engels and the bridge).",
    no_args_is_help=True,
)

AT_HELP = "Departure, ISO 8601 with an offset (e.g. 2026-11-25T08:00+04:00); default: now."
OSRM_HELP = "Ask this OSRM server (e.g. http://localhost:5000) instead of the built-in model."
MATRIX_JSON_HELP = 'Print {"minutes": [[...]], "km": [[...]]}.'
DEFAULT_CACHE = Path("var/geocode_cache.json")


def register(app: typer.Typer) -> None:
    """Add the travel commands to ``app``."""
    app.add_typer(travel_app, name="travel")


@travel_app.command("matrix")
def matrix_command(
    locations_file: Path = typer.Argument(
        ..., metavar="LOCATIONS.json", help='A JSON list of {"lat","lon"} or {"id","lat","lon"}.'
    ),
    at: str | None = typer.Option(None, "--at", help=AT_HELP),
    osrm: str | None = typer.Option(None, "--osrm", help=OSRM_HELP),
    as_json: bool = typer.Option(False, "--json", help=MATRIX_JSON_HELP),
) -> None:
    """Minutes and km between every pair of locations."""
    with guarded():
        locations = parse_locations(read_json_file(locations_file, "LOCATIONS.json"))
        depart = parse_at(at)
        result = model_for(osrm).matrix(locations, depart)
        if as_json:
            typer.echo(json.dumps({"minutes": _rounded(result.minutes), "km": _rounded(result.km)}))
            return
        names = [loc.id or f"{loc.lat:.4f},{loc.lon:.4f}" for loc in locations]
        table = Table(title=f"Travel, departure {depart.isoformat(timespec='minutes')}: min / km")
        table.add_column("from \\ to")
        for name in names:
            table.add_column(name, justify="right")
        for i, name in enumerate(names):
            cells = [
                f"{result.minutes[i][j]:.1f} / {result.km[i][j]:.1f}" for j in range(len(names))
            ]
            table.add_row(name, *cells)
        Console().print(table)


@travel_app.command("leg")
def leg_command(
    origin: str = typer.Argument(..., metavar="LAT,LON", help="Where the drive starts."),
    destination: str = typer.Argument(..., metavar="LAT,LON", help="Where it ends."),
    at: str | None = typer.Option(None, "--at", help=AT_HELP),
    osrm: str | None = typer.Option(None, "--osrm", help=OSRM_HELP),
    as_json: bool = typer.Option(False, "--json", help='Print {"minutes": m, "km": k}.'),
) -> None:
    """Minutes and km of one drive, and whether it crosses the Volga."""
    with guarded():
        a = parse_point(origin, "origin")
        b = parse_point(destination, "destination")
        depart = parse_at(at)
        leg = model_for(osrm).leg(a, b, depart)
        if as_json:
            typer.echo(json.dumps({"minutes": round(leg.minutes, 2), "km": round(leg.km, 3)}))
            return
        banks = f"{bank_of(a)} → {bank_of(b)} bank"
        crossing = ", crosses the bridge" if bank_of(a) != bank_of(b) else ""
        typer.echo(
            f"{leg.minutes:.1f} min, {leg.km:.1f} km "
            f"(departure {depart.isoformat(timespec='minutes')}; {banks}{crossing})"
        )


@travel_app.command("geocode")
def geocode_command(
    address: str = typer.Argument(
        ..., help="A postal address, e.g. 'Саратов, ул. Московская, 66'."
    ),
    cache: Path = typer.Option(DEFAULT_CACHE, "--cache", help="The geocoding cache file."),
    offline: bool = typer.Option(False, "--offline", help="Use the cache only."),
) -> None:
    """Coordinates of an address (Nominatim, at most one request a second, cached)."""
    with guarded():
        loc = Geocoder(cache, offline=offline).geocode(address)
        typer.echo(f"{loc.lat:.6f},{loc.lon:.6f}")


def model_for(osrm: str | None) -> TravelModel:
    """The built-in model, or an OSRM client when a server URL is given."""
    if osrm:
        return OsrmTravelModel(osrm)
    return GeodesicTravelModel()


def parse_locations(data: Any) -> list[Location]:
    """Locations from a JSON list, or from ``{"locations": [...]}``."""
    if isinstance(data, dict) and "locations" in data:
        data = data["locations"]
    if not isinstance(data, list) or not data:
        raise InvalidInput("locations", _short(data), "expected a non-empty list of locations")
    out: list[Location] = []
    for i, item in enumerate(data):
        try:
            out.append(Location.model_validate(item))
        except ValidationError as err:
            problem = err.errors(include_url=False)[0]
            where = ".".join(str(p) for p in problem.get("loc", ()))
            field = f"locations[{i}]" + (f".{where}" if where else "")
            raise InvalidInput(field, problem.get("input"), str(problem.get("msg"))) from None
    return out


def parse_point(text: str, field: str) -> Location:
    """``LAT,LON`` as a location."""
    parts = text.split(",")
    try:
        lat, lon = (float(p) for p in parts)
    except ValueError:
        raise InvalidInput(field, text, "expected LAT,LON, e.g. 51.533,46.034") from None
    try:
        return Location(lat=lat, lon=lon)
    except ValidationError as err:
        raise InvalidInput(field, text, str(err.errors()[0]["msg"])) from None


def parse_at(text: str | None) -> datetime:
    """The departure: an aware ISO 8601 datetime, or now in Europe/Saratov."""
    if text is None:
        return datetime.now(TZ)
    return parse_aware(text, "--at")


def _rounded(rows: list[list[float]]) -> list[list[float]]:
    return [[round(c, 3) for c in row] for row in rows]


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:59] + "…"
