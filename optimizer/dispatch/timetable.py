"""A plan as text for a dispatcher: one timetable per engineer, then what is left out, the KPIs
and the solver line. Russian by default, English on request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from optimizer.calendar import to_local
from optimizer.domain.common import Priority, TicketMode
from optimizer.domain.dispatch import DispatchPlan, DispatchRequest, Lang, StopKind

WORDS: dict[Lang, dict[str, Any]] = {
    Lang.ru: {
        "title": "План выездов и работ на {date}, с {start} до {end}",
        "engineer": "{name} ({id}): работа {work} мин, дорога {drive:.0f} мин, {km:.1f} км, "
        "{rub:.0f} ₽, загрузка {util:.0f}%",
        "idle": "  — заявок нет",
        "drive": "дорога → {to} ({minutes:.0f} мин, {km:.1f} км)",
        "home": "база",
        "break": "обед",
        "remote": "удалённо",
        "onsite": "выезд",
        "due": "срок {due}",
        "late": "ОПОЗДАНИЕ {late} мин",
        "in_progress": "(уже идёт)",
        "unassigned": "Не назначены:",
        "explanations": "Пояснения:",
        "staffing": "Нехватка людей:",
        "kpi": "Итого: заявок {tickets}, назначено {assigned}, не назначено {unassigned}, вовремя "
        "{on_time}, нарушений SLA {breaches} (срочных {urgent_b}), опоздание {late} мин, ожидание "
        "срочных {uwait} мин, дорога {tmin:.0f} мин / {km:.1f} км / {rub:.0f} ₽",
        "solver": "Решатель: {policy}, статус {status}, разрыв {gap}, {wall:.1f} с{note}",
        "priority": {
            Priority.urgent: "срочная",
            Priority.normal: "обычная",
            Priority.low: "низкая",
        },
    },
    Lang.en: {
        "title": "Dispatch plan for {date}, {start} to {end}",
        "engineer": "{name} ({id}): work {work} min, driving {drive:.0f} min, {km:.1f} km, "
        "{rub:.0f} RUB, utilisation {util:.0f}%",
        "idle": "  — no tickets",
        "drive": "drive → {to} ({minutes:.0f} min, {km:.1f} km)",
        "home": "base",
        "break": "lunch",
        "remote": "remote",
        "onsite": "on site",
        "due": "due {due}",
        "late": "LATE {late} min",
        "in_progress": "(under way)",
        "unassigned": "Not assigned:",
        "explanations": "Explanations:",
        "staffing": "Short of people:",
        "kpi": "Total: {tickets} tickets, {assigned} assigned, {unassigned} not assigned, "
        "{on_time} on time, {breaches} SLA breaches ({urgent_b} urgent), {late} min late, "
        "urgent waiting {uwait} min, driving {tmin:.0f} min / {km:.1f} km / {rub:.0f} RUB",
        "solver": "Solver: {policy}, status {status}, gap {gap}, {wall:.1f} s{note}",
        "priority": {Priority.urgent: "urgent", Priority.normal: "normal", Priority.low: "low"},
    },
}


def _t(dt: datetime) -> str:
    return to_local(dt).strftime("%H:%M")


def format_timetable(
    plan: DispatchPlan, request: DispatchRequest, lang: Lang | str = Lang.ru
) -> str:
    """The plan as plain text: per engineer the ordered work, drives and lunch, then the tickets
    left out with their reasons, explanations, staffing hints, KPIs and the solver line."""
    w = WORDS[Lang(lang)]
    tickets = {t.id: t for t in request.tickets}
    lines = [
        w["title"].format(
            date=to_local(plan.now).strftime("%d.%m.%Y"),
            start=_t(plan.now),
            end=_t(plan.horizon_end),
        ),
        "",
    ]
    for e in request.engineers:
        route = plan.route(e.id)
        items: list[tuple[datetime, str]] = []
        for a in plan.assignments:
            if a.engineer_id != e.id:
                continue
            t = tickets[a.ticket_id]
            mode = w["onsite"] if a.mode == TicketMode.onsite else w["remote"]
            status = w["due"].format(due=_t(a.deadline))
            if not a.on_time:
                status += ", " + w["late"].format(late=-a.slack_min)
            extra = " " + w["in_progress"] if a.in_progress else ""
            title = f" {t.title}" if t.title else ""
            items.append(
                (
                    a.start,
                    f"  {_t(a.start)}–{_t(a.end)}  {a.ticket_id:<8} {mode}, "
                    f"{w['priority'][a.priority]}, {status}{extra}{title}",
                )
            )
        if route is not None:
            for prev, nxt in zip(route.stops, route.stops[1:], strict=False):
                to = nxt.ticket_id if nxt.kind == StopKind.visit else w["home"]
                text = w["drive"].format(to=to, minutes=nxt.travel_min, km=nxt.travel_km)
                items.append((prev.depart, f"  {_t(prev.depart)}–{_t(nxt.arrive)}  {text}"))
            for b in route.breaks:
                items.append((b.start, f"  {_t(b.start)}–{_t(b.end)}  {w['break']}"))
        util = (route.utilisation if route else 0.0) * 100
        lines.append(
            w["engineer"].format(
                name=e.name,
                id=e.id,
                work=route.work_min if route else 0,
                drive=route.travel_min if route else 0,
                km=route.travel_km if route else 0.0,
                rub=route.car_cost_rub if route else 0.0,
                util=util,
            )
        )
        if not any(a.engineer_id == e.id for a in plan.assignments):
            lines.append(w["idle"])
        lines += [text for _, text in sorted(items, key=lambda x: x[0])]
        lines.append("")
    if plan.unassigned:
        lines.append(w["unassigned"])
        for u in plan.unassigned:
            lines.append(f"  {u.ticket_id:<8} {', '.join(r.value for r in u.reasons)}: {u.message}")
        lines.append("")
    if plan.explanations:
        lines.append(w["explanations"])
        lines += [f"  {x.message}" for x in plan.explanations]
        lines.append("")
    if plan.staffing_hint:
        lines.append(w["staffing"])
        lines += [f"  {h.message}" for h in plan.staffing_hint]
        lines.append("")
    k = plan.kpis
    lines.append(
        w["kpi"].format(
            tickets=k.tickets,
            assigned=k.assigned,
            unassigned=k.unassigned,
            on_time=k.on_time,
            breaches=k.breaches,
            urgent_b=k.breaches_by_priority.get(Priority.urgent, 0),
            late=k.late_min_total,
            uwait=k.urgent_wait_min_total,
            tmin=k.travel_min,
            km=k.travel_km,
            rub=k.car_cost_rub,
        )
    )
    s = plan.solver
    gap = "—" if s.gap is None else f"{s.gap:.2%}"
    note = f" ({s.note})" if s.note else ""
    lines.append(
        w["solver"].format(
            policy=s.policy.value, status=s.status, gap=gap, wall=s.wall_s, note=note
        )
    )
    return "\n".join(lines)
