"""The backtest in words: which figures are set side by side, and why they differ.

A backtest replays the recorded arrivals, durations and absences, so a difference between
the recorded and the simulated column comes from what the model assumes about the way the
department works. :func:`explanations` says which assumptions matter, led by the groups of
tickets (priority, visit or remote) that carry most of the gap.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Protocol

from optimizer.domain.scenario import Estimate

BACKTEST_ROWS: tuple[tuple[str, str, str], ...] = (
    # key, Russian label, English label
    ("tickets", "Заявок за месяц", "Tickets in the month"),
    ("sla_attainment", "Доля в срок", "On time"),
    ("sla_attainment:urgent", "в срок: срочные", "on time: urgent"),
    ("sla_attainment:normal", "в срок: обычные", "on time: normal"),
    ("sla_attainment:low", "в срок: низкий приоритет", "on time: low priority"),
    ("sla_attainment:remote", "в срок: удалённо", "on time: remote"),
    ("sla_attainment:onsite", "в срок: выезды", "on time: visits"),
    ("breaches", "Нарушений SLA", "SLA breaches"),
    ("wait_mean", "Ожидание по часам SLA, мин", "Wait on the SLA clock, min"),
    ("urgent_response_mean", "Отклик на срочные, мин", "Urgent response, min"),
)

GROUPS: tuple[str, ...] = ("urgent", "normal", "low", "remote", "onsite")

GROUP_NAMES: dict[str, tuple[str, str]] = {
    "urgent": ("Срочные в срок", "Urgent on time"),
    "normal": ("Обычные в срок", "Normal on time"),
    "low": ("Низкий приоритет в срок", "Low priority on time"),
    "remote": ("Удалённые в срок", "Remote on time"),
    "onsite": ("Выезды в срок", "Visits on time"),
}

ASSUMPTIONS: dict[str, tuple[str, str]] = {
    "onsite": (
        "Выезды: модель считает дорогу по карте (расстояние, мост через Волгу, часы пик) и "
        "начинает выезд, даже если он не кончится до конца смены; на деле дорога, свободная "
        "машина и решение не начинать выезд под вечер могут отличаться.",
        "Visits: the model takes the drive from the map (distance, the Volga bridge, rush "
        "hours) and starts a visit even when it will run past the end of the shift; in practice "
        "the drive, the free car and the choice not to start a visit late in the day may differ.",
    ),
    "urgent": (
        "Порядок: модель отдаёт первой заявку с самым ранним сроком SLA инженеру, который "
        "начнёт раньше всех; диспетчер может брать срочные вне очереди или ждать нужного "
        "инженера.",
        "Order: the model hands the ticket with the earliest SLA deadline to the engineer who "
        "can start soonest; a dispatcher may take urgent tickets out of turn or wait for a "
        "particular engineer.",
    ),
    "normal": (
        "Рабочее время: в модели каждый инженер весь рабочий день по шаблону «офис», с обедом "
        "со сдвигом, и берёт заявку в ту же минуту, как освободился; на деле часть времени "
        "уходит на звонки и документы, а начало работы отмечают позже.",
        "Working time: in the model every engineer works the whole office template with a "
        "staggered lunch and takes a ticket the minute they are free; in practice calls and "
        "paperwork take time, and the start of work is recorded later.",
    ),
    "low": (
        "Низкий приоритет: модель ставит такие заявки в общую очередь по сроку SLA; на деле их "
        "часто откладывают ради срочных и обычных.",
        "Low priority: the model queues these tickets by their SLA deadline with the others; in "
        "practice they are often put aside for urgent and normal work.",
    ),
    "remote": (
        "Удалённая работа: модель доводит начатую заявку до конца (сверх смены — переработка), "
        "а не переносит остаток на следующий день.",
        "Remote work: the model finishes a started ticket (past the shift it is overtime) instead "
        "of carrying the rest over to the next day.",
    ),
}

ALWAYS: tuple[tuple[str, str], ...] = (
    (
        "Выходные: дежурство в модели есть, только если в сценарии включено дежурство в "
        "выходные; иначе заявки круглосуточных клиентов ждут рабочего дня.",
        "Days off: the model has on-call duty only when the scenario sets it "
        "(weekend_on_call); otherwise round-the-clock customers' tickets wait for a working day.",
    ),
)


class _Row(Protocol):
    recorded: float | None
    simulated: Estimate | None


def explanations(recorded: Mapping[str, float], rows: Mapping[str, _Row], lang: str) -> list[str]:
    """The gap between the recorded and the simulated month in words (see module docstring)."""
    en = lang == "en"
    out = []
    total = rows.get("sla_attainment")
    if total is not None and total.recorded is not None and total.simulated is not None:
        rec, sim = total.recorded, total.simulated.mean
        gap = (sim - rec) * 100
        if en:
            out.append(
                f"The model gives {sim:.1%} on time against {rec:.1%} recorded "
                f"({gap:+.1f} pp). Arrivals, durations and absences are the recorded ones, "
                "so the gap comes from how the model assumes the department works:"
            )
        else:
            points = f"{gap:+.1f}".replace(".", ",")
            out.append(
                f"Модель даёт {_pct_ru(sim)} в срок против {_pct_ru(rec)} по истории "
                f"({points} п.п.). Заявки, их длительность и отсутствия взяты из истории, "
                "поэтому разница — от того, как модель представляет работу отдела:"
            )
    for group in _groups_by_gap(recorded, rows):
        ru, en_text = ASSUMPTIONS[group]
        row = rows[f"sla_attainment:{group}"]
        assert row.recorded is not None and row.simulated is not None
        rec, sim = row.recorded, row.simulated.mean
        if en:
            out.append(
                f"{GROUP_NAMES[group][1]}: {rec:.1%} recorded, {sim:.1%} simulated. {en_text}"
            )
        else:
            out.append(
                f"{GROUP_NAMES[group][0]}: по истории {_pct_ru(rec)}, в модели {_pct_ru(sim)}. {ru}"
            )
    for ru, en_text in ALWAYS:
        out.append(en_text if en else ru)
    return out


def _groups_by_gap(recorded: Mapping[str, float], rows: Mapping[str, _Row]) -> list[str]:
    """Groups whose gap carries at least a tenth of the whole, the largest share first: the
    gap in the group's attainment times its share of the judged tickets."""
    whole = recorded.get("sla_attainment:n", math.nan)
    weights: dict[str, float] = {}
    for g in GROUPS:
        row = rows.get(f"sla_attainment:{g}")
        n = recorded.get(f"sla_attainment:{g}:n", math.nan)
        if row is None or row.recorded is None or row.simulated is None or not whole > 0:
            continue
        weights[g] = abs(row.simulated.mean - row.recorded) * n / whole
    total = sum(weights.values())
    if total <= 0:
        return []
    ranked = sorted(weights, key=lambda g: -weights[g])
    return [g for g in ranked if weights[g] >= 0.1 * total]


def _pct_ru(x: float) -> str:
    """A share in Russian notation: 88,6 %."""
    return f"{x * 100:.1f} %".replace(".", ",")
