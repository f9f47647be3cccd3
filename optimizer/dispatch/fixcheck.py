"""Fixes that hold: a suggested fix is applied to the request and the whole request re-solved.

The engine's explanation of a late or unassigned ticket suggests the smallest change found
(extend a shift, one more engineer with the ticket's skills, release a pin), checked by
inserting that one ticket into the current plan. A dispatcher acting on it changes the day,
and the day is then planned again as a whole, where other tickets compete for the same
hours. :func:`check_fix` does exactly that: applies the fix to the request, re-solves it
within a budget, and states the fix as a fix only when the re-solved plan has the ticket on
time (or, for a ticket nobody can do on time, assigned). Otherwise it says what the change
does achieve ("нарушений 15 → 12").

Only the public contract is used: the request, the plan, ``solve``.
"""

from __future__ import annotations

from datetime import timedelta

from optimizer.dispatch.solve import solve
from optimizer.domain.common import StrictModel, TimeWindow
from optimizer.domain.dispatch import (
    DispatchEngineer,
    DispatchOptions,
    DispatchPlan,
    DispatchRequest,
    Explanation,
    Fix,
    FixKind,
    Lang,
)

EXTRA_ID = "extra-engineer"
"""Id of the engineer a fix of kind ``add_engineer`` adds."""

TEXT = {
    "holds": {
        Lang.ru: "{fix} — заявка {ticket} успевает в срок",
        Lang.en: "{fix} — ticket {ticket} is then on time",
    },
    "holds_assigned": {
        Lang.ru: "{fix} — заявка {ticket} получает исполнителя",
        Lang.en: "{fix} — ticket {ticket} then gets an engineer",
    },
    "partial": {
        Lang.ru: "{fix}: заявка {ticket} всё равно не в срок; {effect}",
        Lang.en: "{fix}: ticket {ticket} is still not on time; {effect}",
    },
    "breaches": {Lang.ru: "нарушений {a} → {b}", Lang.en: "breaches {a} → {b}"},
    "unassigned": {Lang.ru: "без исполнителя {a} → {b}", Lang.en: "left out {a} → {b}"},
    "nothing": {Lang.ru: "нарушений не меньше", Lang.en: "no fewer breaches"},
    "cannot": {
        Lang.ru: "изменение нельзя применить к запросу",
        Lang.en: "the change cannot be applied to the request",
    },
}


class FixCheck(StrictModel):
    """What a fix does once applied and the day re-solved."""

    holds: bool
    ticket_on_time: bool
    ticket_assigned: bool
    breaches_before: int
    breaches_after: int
    unassigned_before: int
    unassigned_after: int
    applied: str = ""
    message: str


def apply_fix(request: DispatchRequest, fix: Fix) -> list[tuple[str, DispatchRequest]]:
    """The request with the fix applied: one variant, or two for a shift extension (a later
    end, an earlier start); empty when the fix cannot be applied (no such engineer, no
    explicit hours to extend)."""
    if fix.kind == FixKind.move_pin:
        if fix.ticket_id is None:
            return []
        tickets = [
            t.model_copy(update={"pinned": None}) if t.id == fix.ticket_id else t
            for t in request.tickets
        ]
        return [("move_pin", request.model_copy(update={"tickets": tickets}))]
    if fix.kind == FixKind.extend_shift:
        return _extended(request, fix)
    return _with_extra_engineer(request, fix)


def _extended(request: DispatchRequest, fix: Fix) -> list[tuple[str, DispatchRequest]]:
    """The engineer's last window ends ``minutes`` later; or the first starts earlier (not
    before now)."""
    idx = next((i for i, e in enumerate(request.engineers) if e.id == fix.engineer_id), None)
    if idx is None or fix.minutes is None:
        return []
    e = request.engineers[idx]
    windows = sorted(e.availability or [], key=lambda w: w.start)
    if not windows:
        return []
    step = timedelta(minutes=fix.minutes)
    out = []
    later = [*windows[:-1], TimeWindow(start=windows[-1].start, end=windows[-1].end + step)]
    horizon = request.horizon_end
    if horizon is None or later[-1].end <= horizon:
        out.append(("later", _with_windows(request, idx, later)))
    first = windows[0]
    if first.start > request.now:
        earlier_start = max(request.now, first.start - step)
        earlier = [TimeWindow(start=earlier_start, end=first.end), *windows[1:]]
        out.append(("earlier", _with_windows(request, idx, earlier)))
    return out


def _with_windows(request: DispatchRequest, idx: int, windows: list[TimeWindow]) -> DispatchRequest:
    engineers = list(request.engineers)
    engineers[idx] = engineers[idx].model_copy(update={"availability": windows})
    return request.model_copy(update={"engineers": engineers})


def _with_extra_engineer(request: DispatchRequest, fix: Fix) -> list[tuple[str, DispatchRequest]]:
    """One more engineer with the fix's skills (and a car for a visit), working from now to
    the end of the latest shift of the day, based like the first engineer who can visit."""
    if not request.engineers or any(e.id == EXTRA_ID for e in request.engineers):
        return []
    template = next((e for e in request.engineers if e.can_visit), request.engineers[0])
    ends = [w.end for e in request.engineers for w in e.availability or []]
    end = max(ends) if ends else request.horizon_end
    if end is None or end <= request.now:
        return []
    visit = bool(fix.visit)
    extra = DispatchEngineer(
        id=EXTRA_ID,
        name=EXTRA_ID,
        skills=list(fix.skills),
        licence_b=visit,
        has_car=visit,
        base=template.base,
        cost_per_hour_rub=template.cost_per_hour_rub,
        car_cost_per_km_rub=template.car_cost_per_km_rub,
        availability=[TimeWindow(start=request.now, end=end)],
    )
    return [("extra", request.model_copy(update={"engineers": [*request.engineers, extra]}))]


def check_fix(
    request: DispatchRequest,
    plan: DispatchPlan,
    explanation: Explanation,
    options: DispatchOptions | None = None,
) -> FixCheck:
    """Apply the explanation's fix, re-solve, and say whether the ticket is then on time.

    ``options`` are the solver settings of the re-solve (default: the request's, without
    explanations); give a deterministic limit for reproducible answers. Each variant of the
    fix is re-solved; the one that holds (else the one with fewest breaches) is reported.
    """
    lang = (options or request.options).lang
    fix = explanation.fix
    before_b, before_u = plan.kpis.breaches, plan.kpis.unassigned
    if fix is None:
        return _cannot(explanation, before_b, before_u, lang)
    opts = (options or request.options).model_copy(update={"explain": False})
    results = []
    for name, changed in apply_fix(request, fix):
        changed = changed.model_copy(update={"options": opts})
        re_planned = solve(DispatchRequest.model_validate(changed.model_dump()))
        results.append((name, re_planned, _ticket_state(re_planned, explanation.ticket_id)))
    if not results:
        return _cannot(explanation, before_b, before_u, lang)
    goal_on_time = fix.outcome == "on_time"

    def rank(item: tuple[str, DispatchPlan, tuple[bool, bool]]) -> tuple[int, int, int]:
        _, p, (on_time, assigned) = item
        ok = on_time if goal_on_time else assigned
        return (0 if ok else 1, p.kpis.breaches, p.kpis.unassigned)

    name, best, (on_time, assigned) = min(results, key=rank)
    holds = on_time if goal_on_time else assigned
    after_b, after_u = best.kpis.breaches, best.kpis.unassigned
    if holds:
        key = "holds" if goal_on_time else "holds_assigned"
        message = TEXT[key][lang].format(fix=fix.message, ticket=explanation.ticket_id)
    else:
        effect = _effect(before_b, after_b, before_u, after_u, lang)
        message = TEXT["partial"][lang].format(
            fix=fix.message, ticket=explanation.ticket_id, effect=effect
        )
    return FixCheck(
        holds=holds,
        ticket_on_time=on_time,
        ticket_assigned=assigned,
        breaches_before=before_b,
        breaches_after=after_b,
        unassigned_before=before_u,
        unassigned_after=after_u,
        applied=name,
        message=message,
    )


def _ticket_state(plan: DispatchPlan, ticket_id: str) -> tuple[bool, bool]:
    a = plan.assignment(ticket_id)
    return (a is not None and a.on_time, a is not None)


def _effect(before_b: int, after_b: int, before_u: int, after_u: int, lang: Lang) -> str:
    parts = []
    if after_b != before_b:
        parts.append(TEXT["breaches"][lang].format(a=before_b, b=after_b))
    if after_u != before_u:
        parts.append(TEXT["unassigned"][lang].format(a=before_u, b=after_u))
    return ", ".join(parts) if parts else TEXT["nothing"][lang]


def _cannot(explanation: Explanation, breaches: int, unassigned: int, lang: Lang) -> FixCheck:
    a = explanation.status != "unassigned"
    return FixCheck(
        holds=False,
        ticket_on_time=False,
        ticket_assigned=a,
        breaches_before=breaches,
        breaches_after=breaches,
        unassigned_before=unassigned,
        unassigned_after=unassigned,
        message=TEXT["cannot"][lang],
    )
