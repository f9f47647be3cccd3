"""From the replications' figures to the :class:`SimulationReport`.

Means carry a 95 % confidence interval over replications (Student t with R - 1 degrees of
freedom; with one replication the interval collapses to the mean and the report says so).
Percentiles pool every ticket of every replication. Each scenario is compared with the first
(the baseline) metric by metric: with the same seed and number of replications the scenarios
share their random numbers, so the difference is tested per replication (paired t-test);
otherwise by Welch's t-test. A difference is significant when p < 0.05.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

from optimizer.domain.scenario import (
    ComparisonRow,
    Costs,
    Distribution,
    EngineerUsage,
    Estimate,
    PhoneReport,
    ScenarioReport,
    ShortfallRow,
    SimulationReport,
    TheoryCheck,
)
from optimizer.simulate.metrics import ALL_BREACHES, ReplicationResult
from optimizer.simulate.model import MODES, PRIORITIES, SimModel

ALPHA = 0.05
SHORTFALL_ROWS = 40
SHORTFALL_MIN = 0.01
"""Hours of the week with fewer overdue tickets at once than this are left out."""

ANNUAL_OVERTIME_LIMIT_H = 120.0
"""Labour Code art. 99: at most 120 hours of overtime a year."""

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


# -- statistics ------------------------------------------------------------------------------


def _finite(values: Sequence[float] | np.ndarray) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    return arr[np.isfinite(arr)]


def estimate(values: Sequence[float]) -> Estimate:
    """Mean and 95 % t-interval over replications (NaN values ignored; NaN when none)."""
    v = _finite(values)
    if v.size == 0:
        return Estimate(mean=math.nan, ci_low=math.nan, ci_high=math.nan)
    mean = float(v.mean())
    if v.size < 2:
        return Estimate(mean=mean, ci_low=mean, ci_high=mean)
    half = float(stats.t.ppf(1 - ALPHA / 2, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size))
    return Estimate(mean=mean, ci_low=mean - half, ci_high=mean + half)


def distribution(samples: Sequence[np.ndarray], rep_means: Sequence[float]) -> Distribution:
    """Mean with CI over replications, percentiles of the pooled samples."""
    pooled = (
        np.concatenate([np.asarray(s, dtype=float) for s in samples]) if samples else np.zeros(0)
    )
    e = estimate(rep_means)
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


def compare_values(
    base: Sequence[float], other: Sequence[float], paired: bool
) -> tuple[float | None, float | None, float | None, float | None, str]:
    """Difference other − base: mean, 95 % CI, p-value and the test used."""
    b, o = np.asarray(base, dtype=float), np.asarray(other, dtype=float)
    if paired and b.size == o.size:
        ok = np.isfinite(b) & np.isfinite(o)
        d = o[ok] - b[ok]
        if d.size == 0:
            return None, None, None, None, "none"
        mean = float(d.mean())
        if d.size < 2:
            return mean, None, None, None, "none"
        sd = float(d.std(ddof=1))
        if sd == 0:
            return mean, mean, mean, (1.0 if mean == 0 else 0.0), "paired-t"
        se = sd / math.sqrt(d.size)
        tq = float(stats.t.ppf(1 - ALPHA / 2, d.size - 1))
        p = float(2 * stats.t.sf(abs(mean / se), d.size - 1))
        return mean, mean - tq * se, mean + tq * se, p, "paired-t"
    b, o = _finite(b), _finite(o)
    if b.size == 0 or o.size == 0:
        return None, None, None, None, "none"
    mean = float(o.mean() - b.mean())
    if b.size < 2 or o.size < 2:
        return mean, None, None, None, "none"
    vb, vo = b.var(ddof=1) / b.size, o.var(ddof=1) / o.size
    se = math.sqrt(vb + vo)
    if se == 0:
        return mean, mean, mean, (1.0 if mean == 0 else 0.0), "welch-t"
    dof = (vb + vo) ** 2 / (
        (vb**2 / (b.size - 1) if vb else 0.0) + (vo**2 / (o.size - 1) if vo else 0.0)
    )
    tq = float(stats.t.ppf(1 - ALPHA / 2, dof))
    p = float(2 * stats.t.sf(abs(mean / se), dof))
    return mean, mean - tq * se, mean + tq * se, p, "welch-t"


# -- one scenario --------------------------------------------------------------------------


def _values(reps: Sequence[ReplicationResult], key: str) -> list[float]:
    return [r.scalars.get(key, math.nan) for r in reps]


def _by(
    reps: Sequence[ReplicationResult], prefix: str, names: Sequence[str]
) -> dict[str, Estimate]:
    out = {}
    for n in names:
        e = estimate(_values(reps, f"{prefix}:{n}"))
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


def _shortfall(reps: Sequence[ReplicationResult]) -> list[ShortfallRow]:
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
                if at_once[wd, hr] >= SHORTFALL_MIN:
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
    return rows[:SHORTFALL_ROWS]


def _overdue_grid(reps: Sequence[ReplicationResult]) -> list[list[float]]:
    """Tickets past their SLA at once by (weekday, hour), every breached ticket once."""
    slots = reps[0].hour_slots
    zero = np.zeros((7, 24))
    minutes = sum((r.overdue_minutes.get(ALL_BREACHES, zero) for r in reps), zero)
    grid = minutes / len(reps) / 60.0 / np.maximum(slots, 1)
    return [[round(float(v), 4) for v in row] for row in grid]


def _phone(model: SimModel, reps: Sequence[ReplicationResult]) -> PhoneReport:
    waits = [r.callback_waits for r in reps]
    pooled = np.concatenate(waits) if waits else np.zeros(0)
    pooled = pooled[np.isfinite(pooled)]
    return PhoneReport(
        operators=model.phone.operators,
        calls=float(np.mean(_values(reps, "phone_calls"))),
        answered_at_once=estimate(_values(reps, "phone_answered_at_once")),
        callbacks=float(np.mean(_values(reps, "phone_callbacks"))),
        callbacks_within_target=estimate(_values(reps, "phone_callbacks_within_target")),
        within_target=estimate(_values(reps, "phone_within_target")),
        callback_wait_p95_min=float(np.percentile(pooled, 95)) if pooled.size else None,
    )


def _costs(reps: Sequence[ReplicationResult]) -> Costs:
    return Costs(
        salaries_rub=estimate(_values(reps, "salaries_rub")),
        overtime_rub=estimate(_values(reps, "overtime_rub")),
        weekend_work_rub=estimate(_values(reps, "weekend_work_rub")),
        car_rub=estimate(_values(reps, "car_rub")),
        total_rub=estimate(_values(reps, "total_rub")),
    )


def theory_check(model: SimModel, reps: Sequence[ReplicationResult]) -> TheoryCheck | None:
    """Erlang C of the synthetic base against the simulated service level and mean wait."""
    if model.theory is None:
        return None
    from optimizer.staffing import erlang_c_result

    th = model.theory
    r = erlang_c_result(th.rate_per_hour, th.mean_duration_min, th.agents, th.target_min)
    sl = estimate(_values(reps, "sla_attainment"))
    wait = estimate(_values(reps, "wait_mean"))
    pw = estimate(_values(reps, "p_wait"))
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


def _warnings(
    model: SimModel, reps: Sequence[ReplicationResult], offered: float, lang: str
) -> list[str]:
    ru = lang == "ru"
    out = []
    if offered >= 1:
        out.append(
            f"Отдел перегружен: поступающая работа {offered:.0%} доступного времени инженеров; "
            "очередь растёт, показатели ожидания занижены"
            if ru
            else f"The department is overloaded: incoming work is {offered:.0%} of the engineers' "
            "available time; the queue grows and waits are understated"
        )
    if len(reps) < 2:
        out.append(
            "Один прогон: доверительный интервал не оценён"
            if ru
            else "One replication: no confidence interval"
        )
    years = model.horizon_min / (365 * 1440)
    days = model.horizon_min / 1440
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


def scenario_report(
    model: SimModel, reps: Sequence[ReplicationResult], lang: str = "ru"
) -> ScenarioReport:
    """The report of one scenario from its replications (in replication order)."""
    offered = float(np.mean(_values(reps, "offered_utilisation")))
    theory = theory_check(model, reps)
    overloaded = offered >= 1 or (theory is not None and not theory.stable)
    urgent = distribution([r.urgent_waits for r in reps], _values(reps, "urgent_response_mean"))
    per_eng = _engineers(reps)
    return ScenarioReport(
        name=model.name,
        description=model.description,
        policy=model.policy,
        replications=len(reps),
        seed=model.seed,
        start=model.clock.start,
        horizon_days=model.horizon_min / 1440,
        warmup_days=model.warmup_min / 1440,
        tickets=estimate(_values(reps, "tickets")),
        started=estimate(_values(reps, "started")),
        unstarted_at_end=estimate(_values(reps, "unstarted_at_end")),
        sla_attainment=estimate(_values(reps, "sla_attainment")),
        sla_attainment_by_priority=_by(reps, "sla_attainment", [p.value for p in PRIORITIES]),
        sla_attainment_by_mode=_by(reps, "sla_attainment", MODES),
        breaches=estimate(_values(reps, "breaches")),
        breaches_by_mode=_by(reps, "breaches", MODES),
        breaches_by_priority=_by(reps, "breaches", [p.value for p in PRIORITIES]),
        wait_min=distribution([r.waits for r in reps], _values(reps, "wait_mean")),
        wait_elapsed_min=distribution(
            [r.waits_elapsed for r in reps], _values(reps, "wait_elapsed_mean")
        ),
        urgent_response_min=urgent,
        urgent_response_p95_min=urgent.p95,
        phone=_phone(model, reps),
        utilisation=estimate(_values(reps, "utilisation")),
        utilisation_by_engineer={e.engineer_id: round(e.utilisation, 6) for e in per_eng},
        engineers=per_eng,
        overtime_hours=estimate(_values(reps, "overtime_hours")),
        km=estimate(_values(reps, "km")),
        visits=estimate(_values(reps, "visits")),
        costs=_costs(reps),
        extra_work_revenue_rub=estimate(_values(reps, "extra_work_revenue_rub")),
        extra_work_hours=estimate(_values(reps, "extra_work_hours")),
        shortfall=_shortfall(reps),
        overdue_by_hour=_overdue_grid(reps),
        offered_utilisation=offered,
        overloaded=overloaded,
        warnings=_warnings(model, reps, offered if theory is None else theory.occupancy, lang),
        theory=theory,
    )


# -- comparison ----------------------------------------------------------------------------


def comparison(
    models: Sequence[SimModel], results: Sequence[Sequence[ReplicationResult]], lang: str = "ru"
) -> list[ComparisonRow]:
    """Every scenario against the first, metric by metric (see the module docstring)."""
    rows: list[ComparisonRow] = []
    if len(models) < 2:
        return rows
    base_m, base_r = models[0], results[0]
    for m, reps in zip(models[1:], results[1:], strict=True):
        paired = m.seed == base_m.seed and len(reps) == len(base_r)
        for key, ru, en, _ in COMPARED:
            bv, ov = _values(base_r, key), _values(reps, key)
            diff, lo, hi, p, test = compare_values(bv, ov, paired)
            b_mean, o_mean = _nanmean(bv), _nanmean(ov)
            rows.append(
                ComparisonRow(
                    scenario=m.name,
                    baseline=base_m.name,
                    metric=key,
                    label=ru if lang == "ru" else en,
                    baseline_value=b_mean,
                    value=o_mean,
                    difference=diff,
                    ci_low=lo,
                    ci_high=hi,
                    p_value=p,
                    significant=p is not None and p < ALPHA and bool(diff),
                    test=test,
                )
            )
    return rows


def _nanmean(values: Sequence[float]) -> float | None:
    v = _finite(values)
    return float(v.mean()) if v.size else None


def simulation_report(
    models: Sequence[SimModel],
    results: Sequence[Sequence[ReplicationResult]],
    lang: str = "ru",
    name: str = "",
) -> SimulationReport:
    """The whole report: each scenario and the comparison with the baseline."""
    scenarios = [scenario_report(m, r, lang) for m, r in zip(models, results, strict=True)]
    warnings = [f"{s.name}: {w}" for s in scenarios for w in s.warnings if s.overloaded]
    return SimulationReport(
        lang=lang,
        name=name,
        scenarios=scenarios,
        comparison=comparison(models, results, lang),
        overloaded=any(s.overloaded for s in scenarios),
        warnings=warnings,
    )
