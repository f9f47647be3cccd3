"""CLI: ``wfm calendar show YEAR`` — the production calendar and the norm of hours.

``wfm calendar show 2027 [--lang ru|en] [--json]`` prints the year: days and norm hours per
month, quarter and year for the 40-, 36- and 24-hour weeks, and every holiday, transfer and
shortened day with the decree it comes from. A year without official data is built by the
Labour Code rule and the output says so in its third line.

Exit status: 0 done, 2 a bad year or option (one line on stderr), 1 unexpected.
"""

from __future__ import annotations

import json
import warnings
from typing import Annotated

import typer

from optimizer.calendar import ProductionCalendarWarning, calendar_year, check_year
from optimizer.calendar.text import format_calendar_year
from optimizer.errors import InvalidInput
from service.cli.common import guarded

calendar_app = typer.Typer(
    help="The Russian production calendar: days off, transfers, norms of hours.",
    no_args_is_help=True,
)


def _year(value: str) -> int:
    try:
        year = int(value.strip())
    except ValueError:
        raise InvalidInput("YEAR", value, "expected a year, e.g. 2027") from None
    return check_year(year, "YEAR")


@calendar_app.command("show")
def show(
    year: Annotated[str, typer.Argument(help="Calendar year, e.g. 2027.")],
    lang: Annotated[str, typer.Option(help="ru | en")] = "ru",
    as_json: Annotated[bool, typer.Option("--json", help="Print the year as JSON.")] = False,
) -> None:
    """Print a year of the production calendar with the norm of hours per month and quarter."""
    with guarded():
        if lang not in ("ru", "en"):
            raise InvalidInput("--lang", lang, "expected ru or en")
        y = _year(year)
        with warnings.catch_warnings():
            # the output itself carries the warning, in the reader's language
            warnings.simplefilter("ignore", ProductionCalendarWarning)
            cy = calendar_year(y)
        if as_json:
            typer.echo(json.dumps(cy.model_dump(mode="json"), ensure_ascii=False, indent=2))
            return
        typer.echo(format_calendar_year(cy, lang))


def register(app: typer.Typer) -> None:
    """Add ``wfm calendar ...``."""
    app.add_typer(calendar_app, name="calendar")
