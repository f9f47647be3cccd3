"""CLI: ``wfm demo`` — the sample department at a glance, then each engine on it.

What a department head sees first: the customers by city, the engineers and which skills
are covered by how many people, last month's tickets, this morning's open tickets with their
SLA deadlines, and how long the drive over the Volga takes. Then a dispatch of the sample
morning, a month's roster, and a short what-if comparison.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Annotated, cast

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from optimizer.calendar import TZ, sla_deadline
from optimizer.domain import DataSet, Location, SkillCatalogue, Ticket
from optimizer.io.sample import SAMPLE_NOW, load_sample_dataset, load_ticket_history
from optimizer.travel import GeodesicTravelModel
from service.cli.common import guarded

SARATOV_CENTRE = Location(lat=51.5331, lon=46.0342)
ENGELS_CENTRE = Location(lat=51.4855, lon=46.1263)

TEXT = {
    "ru": {
        "title": "Отдел техподдержки (демо-данные), утро {now}",
        "sites": "Площадки клиентов по городам",
        "city": "Город",
        "count": "Площадок",
        "visits": "Выезды",
        "yes": "да",
        "no": "только удалённо",
        "engineers": "Инженеры",
        "name": "Имя",
        "skills": "Навыки",
        "car": "Выезд (права B + авто)",
        "rate": "₽/ч",
        "coverage": "Покрытие навыков",
        "skill": "Навык",
        "people": "Инженеров",
        "month": "Заявки за {month}",
        "priority": "Приоритет",
        "mode": "Режим",
        "tickets": "Заявок",
        "on_time": "Начато в срок",
        "open": "Открытые заявки на {now}",
        "ticket": "Заявка",
        "site": "Площадка",
        "created": "Создана",
        "deadline": "Начать до",
        "left": "Осталось, мин",
        "travel": "Дорога Саратов ↔ Энгельс (через мост)",
        "depart": "Выезд",
        "minutes": "Минут",
        "km": "Км",
    },
    "en": {
        "title": "Support department (sample data), morning of {now}",
        "sites": "Customer sites by city",
        "city": "City",
        "count": "Sites",
        "visits": "Visits",
        "yes": "yes",
        "no": "remote only",
        "engineers": "Engineers",
        "name": "Name",
        "skills": "Skills",
        "car": "Visits (licence B + car)",
        "rate": "RUB/h",
        "coverage": "Skill coverage",
        "skill": "Skill",
        "people": "Engineers",
        "month": "Tickets in {month}",
        "priority": "Priority",
        "mode": "Mode",
        "tickets": "Tickets",
        "on_time": "Started on time",
        "open": "Open tickets at {now}",
        "ticket": "Ticket",
        "site": "Site",
        "created": "Created",
        "deadline": "Start by",
        "left": "Minutes left",
        "travel": "Saratov ↔ Engels drive (over the bridge)",
        "depart": "Departure",
        "minutes": "Minutes",
        "km": "Km",
    },
}


def sites_by_city(ds: DataSet, t: dict[str, str]) -> Table:
    """Customers per city; only Saratov and Engels are visited."""
    counts = Counter(s.city for s in ds.sites)
    table = Table(title=t["sites"])
    table.add_column(t["city"])
    table.add_column(t["count"], justify="right")
    table.add_column(t["visits"])
    for city, n in counts.most_common():
        visitable = city in ("Saratov", "Engels")
        table.add_row(city, str(n), t["yes"] if visitable else t["no"])
    return table


def engineers_table(ds: DataSet, t: dict[str, str], lang: str = "ru") -> Table:
    """Who is in the department, what they can do, whether they can drive to a site."""
    table = Table(title=t["engineers"])
    for col in ("id", t["name"], t["skills"], t["car"], t["rate"]):
        table.add_column(col)
    for e in ds.engineers:
        table.add_row(
            e.id,
            e.name,
            ", ".join(SkillCatalogue.of(ds.skills).names(e.skills, lang)),
            t["yes"] if e.can_visit else "—",
            f"{e.cost_per_hour_rub:.0f}",
        )
    return table


def skill_coverage(ds: DataSet, t: dict[str, str], lang: str = "ru") -> Table:
    """How many engineers hold each skill: a skill held by one person is a risk."""
    table = Table(title=t["coverage"])
    table.add_column(t["skill"])
    table.add_column(t["people"], justify="right")
    for skill in SkillCatalogue.of(ds.skills).entries:
        holders = [e.id for e in ds.engineers if skill.id in e.skills]
        style = "red" if len(holders) <= 1 else ""
        count = f"[{style}]{len(holders)}[/]" if style else str(len(holders))
        table.add_row(skill.name(lang), count)
    return table


def last_month(history: pd.DataFrame, now: datetime, t: dict[str, str]) -> Table:
    """Last full month's tickets by priority and mode, with the share started on time."""
    first_this = now.astimezone(TZ).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    first_prev = (first_this - timedelta(days=1)).replace(day=1)
    created = history["created_at"]
    month = history[(created >= first_prev) & (created < first_this)]
    table = Table(title=t["month"].format(month=first_prev.strftime("%Y-%m")))
    for col in (t["priority"], t["mode"], t["tickets"], t["on_time"]):
        table.add_column(col, justify="right")
    grouped = month.groupby(["priority", "mode"])["on_time"].agg(["count", "mean"])
    for key, row in grouped.iterrows():
        prio, mode = cast(tuple[str, str], key)
        table.add_row(str(prio), str(mode), str(int(row["count"])), f"{row['mean']:.0%}")
    return table


def open_tickets(ds: DataSet, now: datetime, t: dict[str, str]) -> Table:
    """This morning's open tickets with their SLA deadline, the most pressing first."""
    sites = {s.id: s for s in ds.sites}
    policies = {p.id: p for p in ds.sla_policies}

    def due(ticket: Ticket) -> datetime:
        if ticket.deadline is not None:
            return ticket.deadline.astimezone(TZ)
        policy = policies[sites[ticket.site_id].sla_policy] if ticket.site_id else None
        return sla_deadline(ticket.created_at, ticket.priority, policy)

    table = Table(title=t["open"].format(now=now.strftime("%Y-%m-%d %H:%M")))
    for col in (t["ticket"], t["priority"], t["mode"], t["site"], t["created"], t["deadline"]):
        table.add_column(col)
    table.add_column(t["left"], justify="right")
    for ticket in sorted(ds.tickets, key=due):
        d = due(ticket)
        left = (d - now).total_seconds() / 60
        site = sites[ticket.site_id] if ticket.site_id else None
        table.add_row(
            ticket.id,
            ticket.priority.value,
            ticket.mode.value,
            f"{site.customer} ({site.city})" if site else "—",
            ticket.created_at.astimezone(TZ).strftime("%a %d.%m %H:%M"),
            d.strftime("%a %d.%m %H:%M"),
            f"[red]{left:.0f}[/]" if left < 0 else f"{left:.0f}",
        )
    return table


def bridge_excerpt(now: datetime, t: dict[str, str]) -> Table:
    """The drive between the two centres at a few departure times of the sample day."""
    model = GeodesicTravelModel()
    table = Table(title=t["travel"])
    for col in (t["depart"], t["minutes"], t["km"]):
        table.add_column(col, justify="right")
    day = now.astimezone(TZ).replace(minute=0, second=0, microsecond=0)
    for hour in (8, 11, 14, 18):
        depart = day.replace(hour=hour)
        leg = model.leg(SARATOV_CENTRE, ENGELS_CENTRE, depart)
        table.add_row(depart.strftime("%H:%M"), f"{leg.minutes:.0f}", f"{leg.km:.1f}")
    return table


def show_summary(console: Console, lang: str) -> None:
    """The sample department at a glance."""
    t = TEXT[lang]
    ds = load_sample_dataset()
    history = load_ticket_history()
    now = SAMPLE_NOW
    console.rule(t["title"].format(now=now.strftime("%Y-%m-%d %H:%M %z")))
    for table in (
        sites_by_city(ds, t),
        engineers_table(ds, t, lang),
        skill_coverage(ds, t, lang),
        last_month(history, now, t),
        open_tickets(ds, now, t),
        bridge_excerpt(now, t),
    ):
        console.print(table)


def register(app: typer.Typer) -> None:
    """Add ``wfm demo``."""

    @app.command("demo")
    def demo(
        lang: Annotated[str, typer.Option(help="ru | en")] = "ru",
        quick: Annotated[bool, typer.Option(help="Only the data summary, no solving.")] = False,
    ) -> None:
        """Show the sample department, then dispatch, roster and what-if on it."""
        with guarded():
            if lang not in TEXT:
                from optimizer.errors import InvalidInput

                raise InvalidInput("--lang", lang, "expected ru or en")
            console = Console(width=140)
            show_summary(console, lang)
            if not quick:
                show_engines(console, lang)


ENGINE_TEXT = {
    "ru": {
        "dispatch": "Диспетчеризация утра {now} (CP-SAT, лимит {limit:.0f} с)",
        "roster": "График смен на {month} (CP-SAT, лимит {limit:.0f} с)",
        "whatif": "Что если: короткое сравнение сценариев (2 прогона)",
    },
    "en": {
        "dispatch": "Dispatch of the morning of {now} (CP-SAT, limit {limit:.0f} s)",
        "roster": "Shift roster for {month} (CP-SAT, limit {limit:.0f} s)",
        "whatif": "What-if: a short comparison of scenarios (2 replications)",
    },
}

DEMO_MONTH = "2027-02"
DISPATCH_LIMIT_S = 10.0
ROSTER_LIMIT_S = 20.0


def show_dispatch(console: Console, lang: str) -> None:
    """Who does what this morning: the optimal plan of the sample open tickets."""
    from optimizer.dispatch import DispatchOptions, Lang, Policy, solve
    from optimizer.dispatch.snapshots import sample_request
    from optimizer.dispatch.timetable import format_timetable

    options = DispatchOptions(policy=Policy.optimal, time_limit_s=DISPATCH_LIMIT_S, lang=Lang(lang))
    request = sample_request(options=options)
    console.rule(
        ENGINE_TEXT[lang]["dispatch"].format(
            now=SAMPLE_NOW.strftime("%Y-%m-%d %H:%M"), limit=DISPATCH_LIMIT_S
        )
    )
    plan = solve(request)
    console.print(format_timetable(plan, request, lang), markup=False, highlight=False)


def show_roster(console: Console, lang: str) -> None:
    """A month's shifts for the sample department, with the shortfall summary."""
    from optimizer.roster import format_grid, format_shortfall, sample_roster_request
    from optimizer.roster import shortfall_report as make_shortfall
    from optimizer.roster import solve as solve_roster

    console.rule(ENGINE_TEXT[lang]["roster"].format(month=DEMO_MONTH, limit=ROSTER_LIMIT_S))
    request = sample_roster_request(DEMO_MONTH, time_limit_s=ROSTER_LIMIT_S)
    roster = solve_roster(request)
    console.print(format_grid(roster, lang), markup=False, highlight=False)
    report = make_shortfall(roster, request, lang=lang)
    console.print(format_shortfall(report, lang), markup=False, highlight=False)


def show_whatif(console: Console, lang: str) -> None:
    """A short what-if comparison of the demo scenarios."""
    from service.cli.whatif import demo_comparison

    console.rule(ENGINE_TEXT[lang]["whatif"])
    demo_comparison(console, lang)


def show_engines(console: Console, lang: str) -> None:
    """Each engine on the sample data: dispatch of the morning, a month's roster, a what-if."""
    show_dispatch(console, lang)
    show_roster(console, lang)
    show_whatif(console, lang)
