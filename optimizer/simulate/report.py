"""From the replications' figures to the :class:`SimulationReport`.

Intervals and comparisons follow :mod:`optimizer.simulate.stats`: shares get a logit-t interval
over replications (never outside [0, 1]), amounts a t-interval cut at 0, differences against
the first scenario (the baseline) a paired t-interval when the scenarios share their seeds
(common random numbers), else Welch's. Percentiles pool every ticket of every replication.
A scenario with fewer replications than ``SimulationParams.min_replications`` is warned about.
A backtest scenario carries the recorded figures of its month beside the simulated ones.

Over time: the SLA by week (a share per week, each with its interval over replications), the
wait histogram (tickets per replication in fixed bins, each with a t-interval), and the
utilisation by hour of the day (busy over working minutes, a share per hour).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

import numpy as np

from optimizer.domain.scenario import (
    BacktestReport,
    BacktestRow,
    ComparisonRow,
    Costs,
    Distribution,
    EngineerUsage,
    Estimate,
    HourUtilisation,
    PhoneReport,
    ScenarioReport,
    ShortfallRow,
    SimulationReport,
    TheoryCheck,
    WaitBin,
    WeekSla,
)
from optimizer.simulate.backtest_text import BACKTEST_ROWS, explanations
from optimizer.simulate.metrics import ALL_BREACHES, ReplicationResult
from optimizer.simulate.model import MODES, PRIORITIES, ScenarioInfo
from optimizer.simulate.params import DEFAULT_PARAMS, SimulationParams
from optimizer.simulate.stats import (
    INTERVAL_METHODS,
    compare_values,
    estimate,
    finite,
    share_estimate,
)
from optimizer.staffing import erlang_c_result

ANNUAL_OVERTIME_LIMIT_H = 120.0
"""Labour Code art. 99: at most 120 hours of overtime a year."""

SHARES = frozenset(
    {
        "sla_attainment",
        "utilisation",
        "p_wait",
        "phone_answered_at_once",
        "phone_callbacks_within_target",
        "phone_within_target",
        *(f"sla_attainment:{p.value}" for p in PRIORITIES),
        *(f"sla_attainment:{m}" for m in MODES),
    }
)
"""Figures bounded by [0, 1]: their intervals are computed on the logit scale."""

COMPARED: tuple[tuple[str, str, str, bool], ...] = (
    # key, Russian label, English label, higher is better
    ("sla_attainment", "Доля в срок (SLA)", "SLA attainment", True),
    ("breaches", "Нарушения SLA", "SLA breaches", False),
    ("breaches:onsite", "Нарушения на выездах", "Breaches on visits", False),
    ("wait_mean", "Ожидание, мин (среднее)", "Wait, min (mean)", False),
    ("urgent_response_mean", "Отклик на срочные, мин", "Urgent response, min", False),
    ("utilisation", "Загрузка инженеров", "Engineer utilisation", False),
    ("overtime_hours", "Сверхурочные, ч", "Overtime, h", False),
    ("km", "Пробег, км", "Distance, km", False),
    ("total_rub", "Затраты, руб.", "Costs, RUB", False),
    ("extra_work_revenue_rub", "Выручка доп. работ, руб.", "Extra-work revenue, RUB", True),
    ("phone_within_target", "Звонки: ответ/перезвон ≤ 10 мин", "Calls answered ≤ 10 min", True),
)


# -- figures over replications ---------------------------------------------------------------


def _values(reps: Sequence[ReplicationResult], key: str) -> list[float]:
    return [r.scalars.get(key, math.nan) for r in reps]


def figure(
    reps: Sequence[ReplicationResult], key: str, params: SimulationParams = DEFAULT_PARAMS
) -> Estimate:
    """The estimate of a figure over replications: a share on the logit scale, else an
    amount (see :mod:`optimizer.simulate.stats`)."""
    if key in SHARES:
        counts = [r.scalars.get(f"{key}:n", math.nan) for r in reps]
        return share_estimate(_values(reps, key), counts, params.confidence)
    return estimate(_values(reps, key), params.confidence)


def distribution(
    samples: Sequence[np.ndarray], rep_means: Sequence[float], confidence: float = 0.95
) -> Distribution:
    """Mean with its interval over replications, percentiles of the pooled samples."""
    pooled = (
        np.concatenate([np.asarray(s, dtype=float) for s in samples]) if samples else np.zeros(0)
    )
    e = estimate(rep_means, confidence)
    if pooled.size == 0:
        return Distribution(mean=None, ci_low=None, ci_high=None, p50=None, p90=None, p95=None)
    p50, p90, p95 = (float(x) for x in np.percentile(pooled, [50, 90, 95]))
    return Distribution(
        mean=_or_none(e.mean),
        ci_low=_or_none(e.ci_low),
        ci_high=_or_none(e.ci_high),
        p50=p50,
        p90=p90,
        p95=p95,
        count=pooled.size / max(1, len(samples)),
    )


def _or_none(x: float) -> float | None:
    return None if not math.isfinite(x) else x


def _by(
    reps: Sequence[ReplicationResult], prefix: str, names: Sequence[str], params: SimulationParams
) -> dict[str, Estimate]:
    out = {}
    for n in names:
        e = figure(reps, f"{prefix}:{n}", params)
        if math.isfinite(e.mean):
            out[n] = e
    return out


def _engineers(reps: Sequence[ReplicationResult]) -> list[EngineerUsage]:
    ids = reps[0].engineer_ids
    mean = {k: np.mean([r.per_engineer[k] for r in reps], axis=0) for k in reps[0].per_engineer}
    out = []
    for i, ident in enumerate(ids):
        avail = float(mean["available_hours"][i])
        busy = float(mean["busy_hours"][i])
        out.append(
            EngineerUsage(
                engineer_id=ident,
                utilisation=busy / avail if avail > 0 else 0.0,
                available_hours=avail,
                busy_hours=busy,
                overtime_hours=float(mean["overtime_hours"][i]),
                tickets=float(mean["tickets"][i]),
                visits=float(mean["visits"][i]),
                km=float(mean["km"][i]),
            )
        )
    return out


def _shortfall(reps: Sequence[ReplicationResult], params: SimulationParams) -> list[ShortfallRow]:
    slots = reps[0].hour_slots
    groups = sorted({g for r in reps for g in r.overdue_minutes if g != ALL_BREACHES})
    rows = []
    weeks = max(slots.sum() / (7 * 24), 1e-9)
    for g in groups:
        minutes = sum(
            (r.overdue_minutes.get(g, np.zeros((7, 24))) for r in reps), np.zeros((7, 24))
        )
        counts = sum((r.overdue_counts.get(g, np.zeros((7, 24))) for r in reps), np.zeros((7, 24)))
        at_once = minutes / len(reps) / 60.0 / np.maximum(slots, 1)
        per_week = counts / len(reps) / weeks
        for wd in range(7):
            for hr in range(24):
                if at_once[wd, hr] >= params.shortfall_min:
                    rows.append(
                        ShortfallRow(
                            weekday=wd,
                            hour=hr,
                            group=g,
                            short_by=round(float(at_once[wd, hr]), 4),
                            overdue_tickets=round(float(per_week[wd, hr]), 4),
                        )
                    )
    rows.sort(key=lambda r: (-r.short_by, r.weekday, r.hour, r.group))
    return rows[: params.shortfall_rows]


def _overdue_grid(reps: Sequence[ReplicationResult]) -> list[list[float]]:
    """Tickets past their SLA at once by (weekday, hour), every breached ticket once."""
    slots = reps[0].hour_slots
    zero = np.zeros((7, 24))
    minutes = sum((r.overdue_minutes.get(ALL_BREACHES, zero) for r in reps), zero)
    grid = minutes / len(reps) / 60.0 / np.maximum(slots, 1)
    return [[round(float(v), 4) for v in row] for row in grid]


def _finite_or_none(e: Estimate) -> Estimate | None:
    return e if math.isfinite(e.mean) else None


def sla_by_week(
    info: ScenarioInfo, reps: Sequence[ReplicationResult], params: SimulationParams
) -> list[WeekSla]:
    """The SLA of each week of the horizon: mean tickets judged and on time per replication,
    and the share on time with its logit-t interval over replications."""
    if not reps or not reps[0].weekly:
        return []
    on_time = np.array([r.weekly["on_time"] for r in reps], dtype=float)
    judged = np.array([r.weekly["judged"] for r in reps], dtype=float)
    days = info.horizon_min / 1440
    out = []
    for k in range(judged.shape[1]):
        shares = np.divide(
            on_time[:, k], judged[:, k], out=np.full(len(reps), np.nan), where=judged[:, k] > 0
        )
        out.append(
            WeekSla(
                week=k,
                start=info.start + timedelta(days=7 * k),
                days=min(7.0, days - 7 * k),
                judged=float(judged[:, k].mean()),
                on_time=float(on_time[:, k].mean()),
                sla_attainment=_finite_or_none(
                    share_estimate(list(shares), list(judged[:, k]), params.confidence)
                ),
            )
        )
    return out


def wait_histogram(reps: Sequence[ReplicationResult], params: SimulationParams) -> list[WaitBin]:
    """Tickets per replication by wait to start (on the SLA clock) in the bins of
    ``params.wait_bins_min``, with a t-interval over replications, and each bin's share of
    all started counted tickets."""
    edges = np.array([*params.wait_bins_min, np.inf], dtype=float)
    counts = np.array(
        [np.histogram(np.asarray(r.waits, dtype=float), bins=edges)[0] for r in reps],
        dtype=float,
    ).reshape(len(reps), len(edges) - 1)
    total = float(counts.sum())
    return [
        WaitBin(
            low_min=float(edges[j]),
            high_min=float(edges[j + 1]) if math.isfinite(edges[j + 1]) else None,
            tickets=estimate(list(counts[:, j]), params.confidence),
            share=float(counts[:, j].sum()) / total if total else 0.0,
        )
        for j in range(len(edges) - 1)
    ]


def utilisation_by_hour(
    reps: Sequence[ReplicationResult], params: SimulationParams
) -> list[HourUtilisation]:
    """Busy over working minutes by hour of the day: the hours per replication and the share
    with its logit-t interval over replications (no interval for an hour nobody works)."""
    if not reps or not reps[0].hourly:
        return []
    hourly = {k: np.array([r.hourly[k] for r in reps], dtype=float) for k in reps[0].hourly}
    avail, busy, outside = hourly["available"], hourly["busy"], hourly["outside"]
    out = []
    for h in range(24):
        shares = np.divide(
            busy[:, h], avail[:, h], out=np.full(len(reps), np.nan), where=avail[:, h] > 0
        )
        out.append(
            HourUtilisation(
                hour=h,
                available_hours=float(avail[:, h].mean()) / 60.0,
                busy_hours=float(busy[:, h].mean()) / 60.0,
                outside_hours=float(outside[:, h].mean()) / 60.0,
                utilisation=_finite_or_none(share_estimate(list(shares), None, params.confidence)),
            )
        )
    return out


def _phone(
    info: ScenarioInfo, reps: Sequence[ReplicationResult], params: SimulationParams
) -> PhoneReport:
    waits = [r.callback_waits for r in reps]
    pooled = np.concatenate(waits) if waits else np.zeros(0)
    pooled = pooled[np.isfinite(pooled)]
    return PhoneReport(
        operators=info.operators,
        calls=float(np.mean(_values(reps, "phone_calls"))),
        answered_at_once=figure(reps, "phone_answered_at_once", params),
        callbacks=float(np.mean(_values(reps, "phone_callbacks"))),
        callbacks_within_target=figure(reps, "phone_callbacks_within_target", params),
        within_target=figure(reps, "phone_within_target", params),
        callback_wait_p95_min=float(np.percentile(pooled, 95)) if pooled.size else None,
    )


def _costs(reps: Sequence[ReplicationResult], params: SimulationParams) -> Costs:
    return Costs(
        salaries_rub=figure(reps, "salaries_rub", params),
        overtime_rub=figure(reps, "overtime_rub", params),
        weekend_work_rub=figure(reps, "weekend_work_rub", params),
        car_rub=figure(reps, "car_rub", params),
        total_rub=figure(reps, "total_rub", params),
    )


def theory_check(
    info: ScenarioInfo, reps: Sequence[ReplicationResult], params: SimulationParams
) -> TheoryCheck | None:
    """Erlang C of the synthetic base against the simulated service level and mean wait."""
    if info.theory is None:
        return None
    th = info.theory
    r = erlang_c_result(th.rate_per_hour, th.mean_duration_min, th.agents, th.target_min)
    sl = figure(reps, "sla_attainment", params)
    wait = figure(reps, "wait_mean", params)
    pw = figure(reps, "p_wait", params)
    return TheoryCheck(
        rate_per_hour=th.rate_per_hour,
        mean_duration_min=th.mean_duration_min,
        agents=th.agents,
        target_min=th.target_min,
        occupancy=r.occupancy,
        stable=r.stable,
        p_wait=r.p_wait,
        service_level=r.service_level,
        asa_min=r.asa_min,
        sim_service_level=sl,
        sim_mean_wait_min=wait,
        sim_p_wait=pw,
        service_level_agrees=r.stable and _within(r.service_level, sl, 0.005),
        mean_wait_agrees=r.stable
        and r.asa_min is not None
        and _within(r.asa_min, wait, 0.02 * max(r.asa_min, 1.0)),
    )


def _within(x: float, e: Estimate, slack: float) -> bool:
    """``x`` inside the confidence interval, widened by ``slack`` for a degenerate interval."""
    return e.ci_low - slack <= x <= e.ci_high + slack


def few_replications_warning(replications: int, minimum: int, lang: str) -> str | None:
    """The warning of a scenario run fewer times than ``minimum`` (``None`` when enough)."""
    if replications >= minimum:
        return None
    if replications < 2:
        return (
            f"Один прогон (нужно не меньше {minimum}): доверительные интервалы не оценены"
            if lang != "en"
            else f"One replication (at least {minimum} are needed): no confidence interval"
        )
    return (
        f"Всего {replications} прогона (нужно не меньше {minimum}): интервалы — лишь грубая "
        "оценка разброса, различия могут оказаться случайными"
        if lang != "en"
        else f"Only {replications} replications (at least {minimum} are needed): the intervals "
        "are a rough range and differences may be chance"
    )


def _warnings(
    info: ScenarioInfo,
    reps: Sequence[ReplicationResult],
    offered: float,
    lang: str,
    params: SimulationParams,
) -> list[str]:
    ru = lang != "en"
    out = []
    if offered >= 1:
        out.append(
            f"Отдел перегружен: поступающая работа {offered:.0%} доступного времени инженеров; "
            "очередь растёт, показатели ожидания занижены"
            if ru
            else f"The department is overloaded: incoming work is {offered:.0%} of the engineers' "
            "available time; the queue grows and waits are understated"
        )
    few = few_replications_warning(len(reps), params.min_replications, lang)
    if few is not None:
        out.append(few)
    years = info.horizon_min / (365 * 1440)
    days = info.horizon_min / 1440
    for e in _engineers(reps):
        annual = e.overtime_hours / years if years > 0 else 0.0
        if annual > ANNUAL_OVERTIME_LIMIT_H:
            out.append(
                f"{e.engineer_id}: сверхурочных {e.overtime_hours:.0f} ч за {days:.0f} дн., "
                f"в пересчёте на год {annual:.0f} ч — больше 120 ч (ст. 99 ТК РФ)"
                if ru
                else f"{e.engineer_id}: {e.overtime_hours:.0f} h of overtime in {days:.0f} days, "
                f"{annual:.0f} h a year at this pace — over 120 h (Labour Code art. 99)"
            )
    unstarted = float(np.mean(_values(reps, "unstarted_at_end")))
    tickets = float(np.mean(_values(reps, "tickets")))
    if tickets and unstarted / tickets > 0.01:
        out.append(
            f"{unstarted:.0f} заявок не начаты к концу моделирования"
            if ru
            else f"{unstarted:.0f} tickets not started when the simulation ended"
        )
    return out


def backtest_report(
    info: ScenarioInfo, reps: Sequence[ReplicationResult], lang: str, params: SimulationParams
) -> BacktestReport | None:
    """The recorded figures of a backtest's month beside the simulated ones, explained."""
    bt = info.backtest
    if bt is None:
        return None
    rows = []
    for key, ru, en in BACKTEST_ROWS:
        recorded = bt.recorded.get(key, math.nan)
        sim = figure(reps, key, params)
        rows.append(
            BacktestRow(
                metric=key,
                label=en if lang == "en" else ru,
                recorded=_or_none(recorded),
                simulated=sim if math.isfinite(sim.mean) else None,
                difference=_or_none(sim.mean - recorded),
            )
        )
    return BacktestReport(
        month=bt.month,
        first_day=bt.first_day,
        last_day=bt.last_day,
        rows=rows,
        explanation=explanations(bt.recorded, {r.metric: r for r in rows}, lang),
    )


def scenario_report(
    info: ScenarioInfo,
    reps: Sequence[ReplicationResult],
    lang: str = "ru",
    params: SimulationParams = DEFAULT_PARAMS,
) -> ScenarioReport:
    """The report of one scenario from its replications (in replication order)."""
    offered = float(np.mean(_values(reps, "offered_utilisation")))
    theory = theory_check(info, reps, params)
    overloaded = offered >= 1 or (theory is not None and not theory.stable)
    urgent = distribution(
        [r.urgent_waits for r in reps], _values(reps, "urgent_response_mean"), params.confidence
    )
    per_eng = _engineers(reps)
    priorities = [p.value for p in PRIORITIES]
    return ScenarioReport(
        name=info.name,
        description=info.description,
        policy=info.policy,
        replications=len(reps),
        seed=info.seed,
        start=info.start,
        horizon_days=info.horizon_min / 1440,
        warmup_days=info.warmup_min / 1440,
        tickets=figure(reps, "tickets", params),
        started=figure(reps, "started", params),
        unstarted_at_end=figure(reps, "unstarted_at_end", params),
        sla_attainment=figure(reps, "sla_attainment", params),
        sla_attainment_by_priority=_by(reps, "sla_attainment", priorities, params),
        sla_attainment_by_mode=_by(reps, "sla_attainment", MODES, params),
        breaches=figure(reps, "breaches", params),
        breaches_by_mode=_by(reps, "breaches", MODES, params),
        breaches_by_priority=_by(reps, "breaches", priorities, params),
        wait_min=distribution(
            [r.waits for r in reps], _values(reps, "wait_mean"), params.confidence
        ),
        wait_elapsed_min=distribution(
            [r.waits_elapsed for r in reps], _values(reps, "wait_elapsed_mean"), params.confidence
        ),
        urgent_response_min=urgent,
        urgent_response_p95_min=urgent.p95,
        phone=_phone(info, reps, params),
        utilisation=figure(reps, "utilisation", params),
        utilisation_by_engineer={e.engineer_id: round(e.utilisation, 6) for e in per_eng},
        engineers=per_eng,
        overtime_hours=figure(reps, "overtime_hours", params),
        km=figure(reps, "km", params),
        visits=figure(reps, "visits", params),
        costs=_costs(reps, params),
        extra_work_revenue_rub=figure(reps, "extra_work_revenue_rub", params),
        extra_work_hours=figure(reps, "extra_work_hours", params),
        shortfall=_shortfall(reps, params),
        overdue_by_hour=_overdue_grid(reps),
        sla_by_week=sla_by_week(info, reps, params),
        wait_histogram=wait_histogram(reps, params),
        utilisation_by_hour=utilisation_by_hour(reps, params),
        offered_utilisation=offered,
        overloaded=overloaded,
        warnings=_warnings(
            info, reps, offered if theory is None else theory.occupancy, lang, params
        ),
        theory=theory,
        backtest=backtest_report(info, reps, lang, params),
        skills=list(info.skills),
    )


# -- comparison ----------------------------------------------------------------------------


def comparison(
    infos: Sequence[ScenarioInfo],
    results: Sequence[Sequence[ReplicationResult]],
    lang: str = "ru",
    params: SimulationParams = DEFAULT_PARAMS,
) -> list[ComparisonRow]:
    """Every scenario against the first, metric by metric (see :mod:`.stats`)."""
    rows: list[ComparisonRow] = []
    if len(infos) < 2:
        return rows
    base_i, base_r = infos[0], results[0]
    for info, reps in zip(infos[1:], results[1:], strict=True):
        paired = info.seed == base_i.seed and len(reps) == len(base_r)
        for key, ru, en, _ in COMPARED:
            bv, ov = _values(base_r, key), _values(reps, key)
            diff, lo, hi, p, test = compare_values(
                bv, ov, paired, params.confidence, bound=1.0 if key in SHARES else None
            )
            rows.append(
                ComparisonRow(
                    scenario=info.name,
                    baseline=base_i.name,
                    metric=key,
                    label=ru if lang != "en" else en,
                    baseline_value=_nanmean(bv),
                    value=_nanmean(ov),
                    difference=diff,
                    ci_low=lo,
                    ci_high=hi,
                    p_value=p,
                    significant=p is not None and p < params.alpha and bool(diff),
                    test=test,
                )
            )
    return rows


def _nanmean(values: Sequence[float]) -> float | None:
    v = finite(values)
    return float(v.mean()) if v.size else None


def simulation_report(
    infos: Sequence[ScenarioInfo],
    results: Sequence[Sequence[ReplicationResult]],
    lang: str = "ru",
    name: str = "",
    params: SimulationParams = DEFAULT_PARAMS,
) -> SimulationReport:
    """The whole report: each scenario and the comparison with the baseline."""
    scenarios = [scenario_report(i, r, lang, params) for i, r in zip(infos, results, strict=True)]
    warnings = [f"{s.name}: {w}" for s in scenarios for w in s.warnings if s.overloaded]
    few = [s for s in scenarios if s.replications < params.min_replications]
    for s in few:
        line = few_replications_warning(s.replications, params.min_replications, lang)
        if line is not None and f"{s.name}: {line}" not in warnings:
            warnings.append(f"{s.name}: {line}")
    return SimulationReport(
        lang=lang,
        name=name,
        scenarios=scenarios,
        comparison=comparison(infos, results, lang, params),
        overloaded=any(s.overloaded for s in scenarios),
        warnings=warnings,
        min_replications=params.min_replications,
        few_replications=bool(few),
        interval_methods=dict(INTERVAL_METHODS),
    )
