"""Build the notebooks of this folder from the cells below.

Run ``python notebooks/build_notebooks.py`` after editing a cell.

The notebooks are kept as code here, so a change is reviewed as a diff of Python, and the
test suite checks that the ``.ipynb`` files match what this script writes. They are stored
without outputs; the test suite executes them with ``WFM_NB_SMALL=1`` (small settings).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

KERNEL = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}

SETTINGS = """\
%matplotlib inline
import os

# WFM_NB_SMALL=1 (set by the test suite): a quick run with few replications.
SMALL = os.environ.get("WFM_NB_SMALL") == "1"
"""

WHATIF_STAFFING = [
    new_markdown_cell(
        "# Сколько инженеров нужно на +100 клиентов?\n\n"
        "*How many engineers for 100 more clients?*\n\n"
        "Моделируем отдел (SimPy, жадный диспетчер по событиям) на данных примера: как есть, "
        "и с +100 клиентами (70 в Саратове, 30 в Энгельсе) при 8, 9, 10, 11 инженерах. "
        "Новые инженеры — как e06 (права B, своя машина, Asterisk, SIP, шлюзы, IP-телефоны). "
        "Для каждого варианта — доля заявок, начатых в срок (SLA), с 95% доверительным "
        "интервалом по прогонам. Все сценарии используют одно зерно: поток заявок базы общий "
        "(общие случайные числа), поэтому разницы между сценариями оцениваются точнее.\n\n"
        "Needs: the sample data in `data/` (see `notebooks/README.md`)."
    ),
    new_code_cell(
        SETTINGS
        + """
HORIZON_DAYS = 14 if SMALL else 91  # a quarter
REPLICATIONS = 2 if SMALL else 8
EXTRA_ENGINEERS = [0, 1] if SMALL else [0, 1, 2, 3]
START = "2027-02-01"
"""
    ),
    new_code_cell(
        """\
import matplotlib.pyplot as plt
import pandas as pd

from optimizer.domain.scenario import ScenarioSet
from optimizer.simulate import run_scenarios, sample_base

base = sample_base()
headcount = len(base.dataset.engineers)
plus_100 = {"add_clients": [{"city": "Saratov", "count": 70}, {"city": "Engels", "count": 30}]}


def hires(k):
    return [{"like": "e06", "count": k}] if k else []


spec = ScenarioSet.model_validate(
    {
        "defaults": {
            "start": START,
            "horizon_days": HORIZON_DAYS,
            "replications": REPLICATIONS,
            "seed": 2027,
        },
        "scenarios": [{"name": f"как есть ({headcount})"}]
        + [
            {
                "name": f"+100 клиентов, {headcount + k} инж.",
                "changes": {**plus_100, "add_engineers": hires(k)},
            }
            for k in EXTRA_ENGINEERS
        ],
    }
)
report = run_scenarios(spec, base)
"""
    ),
    new_code_cell(
        """\
rows = []
for k, s in zip([None, *EXTRA_ENGINEERS], report.scenarios):
    rows.append(
        {
            "сценарий": s.name,
            "инженеров": headcount + (k or 0),
            "+100 клиентов": k is not None,
            "SLA": s.sla_attainment.mean,
            "ДИ от": s.sla_attainment.ci_low,
            "ДИ до": s.sla_attainment.ci_high,
            "нарушений на выездах": s.breaches_by_mode.get("onsite").mean
            if "onsite" in s.breaches_by_mode
            else 0.0,
            "ожидание p90, мин": s.wait_min.p90,
            "загрузка": s.utilisation.mean,
            "затраты, тыс. руб.": s.costs.total_rub.mean / 1000,
        }
    )
table = pd.DataFrame(rows)
table.round(3)
"""
    ),
    new_code_cell(
        """\
now = table.iloc[0]
grow = table[table["+100 клиентов"]]
fig, ax = plt.subplots(figsize=(7, 4))
ax.errorbar(
    grow["инженеров"],
    grow["SLA"],
    yerr=[grow["SLA"] - grow["ДИ от"], grow["ДИ до"] - grow["SLA"]],
    fmt="o-",
    capsize=5,
    label="+100 клиентов",
)
ax.axhspan(now["ДИ от"], now["ДИ до"], color="green", alpha=0.2, label="как есть (95% ДИ)")
ax.set_xlabel("инженеров")
ax.set_ylabel("доля заявок, начатых в срок")
ax.set_xticks(grow["инженеров"])
ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
ax.legend()
ax.set_title("SLA при +100 клиентах в зависимости от численности")
plt.show()
"""
    ),
    new_code_cell(
        """\
# The answer: the smallest headcount with +100 clients whose attainment is not
# significantly below today's (the paired comparison with the baseline).
comparison = pd.DataFrame([c.model_dump() for c in report.comparison])
sla_rows = comparison[comparison["metric"] == "sla_attainment"].reset_index(drop=True)
sla_rows["инженеров"] = list(grow["инженеров"])
enough = sla_rows[~(sla_rows["significant"] & (sla_rows["difference"] < 0))]
answer = int(enough["инженеров"].min()) if not enough.empty else None
print(
    f"Сейчас {headcount} инженеров, SLA {now['SLA']:.1%}. "
    + (
        f"С +100 клиентами не хуже нынешнего — от {answer} инженеров."
        if answer
        else f"С +100 клиентами даже {int(grow['инженеров'].max())} инженеров мало."
    )
)
sla_rows[["scenario", "инженеров", "difference", "ci_low", "ci_high", "p_value", "significant"]]
"""
    ),
    new_markdown_cell(
        "## Насколько модели можно верить: проверка на истории\n\n"
        "Модель проигрывает записанный месяц истории: те же заявки в те же минуты, с теми же "
        "длительностями и отсутствиями. Слева — что записано, справа — что даёт модель; "
        "ниже — какие допущения модели объясняют разницу.\n\n"
        "*Backtest: a recorded month replayed, the recorded figures beside the simulated ones.*"
    ),
    new_code_cell(
        """\
from optimizer.simulate.text import backtest_headers, backtest_rows

MONTH = "2026-07"
check = run_scenarios(
    ScenarioSet.model_validate(
        {"scenarios": [{"name": "история", "backtest": MONTH, "replications": 1}]}
    ),
    base,
    workers=1,
)
replayed = check.scenarios[0]
for line in replayed.backtest.explanation:
    print("•", line)
pd.DataFrame(backtest_rows(replayed), columns=backtest_headers())
"""
    ),
    new_code_cell(
        """\
# Sanity checks the test suite relies on: more clients with the same people never help,
# and a hired visit-capable engineer lowers the breaches on visits.
first = report.scenarios[1]
assert first.tickets.mean > report.scenarios[0].tickets.mean
assert first.sla_attainment.mean <= report.scenarios[0].sla_attainment.mean + 1e-9
hired = report.scenarios[2]
assert hired.breaches_by_mode["onsite"].mean <= first.breaches_by_mode["onsite"].mean
# The backtest replays every recorded ticket of the month.
recorded = {r.metric: r.recorded for r in replayed.backtest.rows}
assert replayed.tickets.mean == recorded["tickets"]
"""
    ),
]

SLA_ANALYSIS = [
    new_markdown_cell(
        "# SLA в истории заявок\n\n*SLA in the ticket history*\n\n"
        "Двенадцать месяцев заявок из примера: когда они приходят (теплокарта по дням недели "
        "и часам), какая доля начата в срок по месяцам, и что стоит за нарушениями — "
        "приоритет, выезд, город, категория, час и загрузка дня.\n\n"
        "Needs: `data/ticket_history.csv` (see `notebooks/README.md`)."
    ),
    new_code_cell(
        SETTINGS
        + """
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from optimizer.io.sample import load_ticket_history

history = load_ticket_history()
if SMALL:
    # The last three months only: the same analysis, quicker.
    history = history[history["created_at"] >= history["created_at"].max() - pd.Timedelta(days=91)]
history = history.assign(
    breach=~history["on_time"].astype(bool),
    weekday=history["created_at"].dt.day_of_week,
    hour=history["created_at"].dt.hour,
    month=history["created_at"].dt.strftime("%Y-%m"),
    day=history["created_at"].dt.date,
)
first, last = history["created_at"].min(), history["created_at"].max()
print(f"{len(history)} заявок, {first:%d.%m.%Y} – {last:%d.%m.%Y}")
"""
    ),
    new_markdown_cell("## Когда приходят заявки / Arrivals by weekday and hour"),
    new_code_cell(
        """\
days = history["day"].nunique()
weeks = max(days / 7, 1)
grid = (
    history.groupby(["weekday", "hour"]).size().unstack(fill_value=0).reindex(
        index=range(7), columns=range(24), fill_value=0
    )
    / weeks
)
fig, ax = plt.subplots(figsize=(10, 3.5))
im = ax.imshow(grid.to_numpy(), aspect="auto", cmap="Blues")
ax.set_yticks(range(7), ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"])
ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
ax.set_title("Заявок в час (в среднем за неделю)")
fig.colorbar(im, ax=ax)
plt.show()
assert grid.to_numpy().sum() > 0
"""
    ),
    new_markdown_cell("## Доля в срок по месяцам / SLA attainment by month"),
    new_code_cell(
        """\
by_month = history.groupby("month").agg(tickets=("id", "size"), on_time=("on_time", "mean"))
fig, ax = plt.subplots(figsize=(9, 3.5))
ax.bar(by_month.index, by_month["on_time"], color="#4c78a8")
ax.axhline(history["on_time"].mean(), color="black", lw=0.8, ls="--", label="за весь период")
ax.set_ylim(max(0, by_month["on_time"].min() - 0.1), 1)
ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
ax.tick_params(axis="x", rotation=45)
ax.legend()
ax.set_title("Доля заявок, начатых в срок")
plt.show()
by_month.round(3)
"""
    ),
    new_markdown_cell(
        "## Что стоит за нарушениями / What drove the breaches\n\n"
        "Для каждого фактора — доля нарушений в группе, её отношение к средней (lift) и "
        "доля всех нарушений, приходящаяся на группу. Загрузка дня — квартиль числа заявок "
        "за день."
    ),
    new_code_cell(
        """\
per_day = history.groupby("day")["id"].transform("size")
history = history.assign(
    visit_city=np.where(
        history["site_city"].isin(["Saratov", "Engels"]), history["site_city"], "другие"
    ),
    day_load=pd.qcut(
        per_day, 4, labels=["спокойный", "обычный", "занятый", "пиковый"], duplicates="drop"
    ),
    hour_band=pd.cut(
        history["hour"],
        [-1, 8, 11, 14, 17, 23],
        labels=["ночь/утро", "9-11", "12-14", "15-17", "вечер"],
    ),
)
overall = history["breach"].mean()
total = history["breach"].sum()


def drivers(factor):
    g = history.groupby(factor, observed=True)["breach"].agg(["size", "mean", "sum"])
    return pd.DataFrame(
        {
            "фактор": factor,
            "группа": g.index.astype(str),
            "заявок": g["size"].to_numpy(),
            "доля нарушений": g["mean"].to_numpy(),
            "lift": (g["mean"] / overall).to_numpy(),
            "доля всех нарушений": (g["sum"] / max(total, 1)).to_numpy(),
        }
    )


factors = ["priority", "mode", "visit_city", "category", "hour_band", "day_load", "kind"]
drivers_table = pd.concat([drivers(f) for f in factors], ignore_index=True)
top = drivers_table[drivers_table["заявок"] >= 20].sort_values("lift", ascending=False).head(12)
print(f"Нарушений: {total} из {len(history)} ({overall:.1%})")
top.round(3)
"""
    ),
    new_code_cell(
        """\
fig, axes = plt.subplots(1, 3, figsize=(13, 3.5))
for ax, factor in zip(axes, ["mode", "priority", "day_load"]):
    d = drivers(factor)
    ax.bar(d["группа"], d["доля нарушений"], color="#e45756")
    ax.axhline(overall, color="black", lw=0.8, ls="--")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_title(factor)
plt.tight_layout()
plt.show()
# Visits breach more often than remote work in this history (they need a car and a drive).
assert drivers("mode").set_index("группа").loc["onsite", "доля нарушений"] > drivers(
    "mode"
).set_index("группа").loc["remote", "доля нарушений"]
"""
    ),
]

NOTEBOOKS = {
    "whatif_staffing.ipynb": WHATIF_STAFFING,
    "sla_analysis.ipynb": SLA_ANALYSIS,
}


def build(name: str) -> nbformat.NotebookNode:
    """The notebook ``name`` as built from the cells above (no outputs)."""
    nb = new_notebook(cells=NOTEBOOKS[name])
    nb.metadata["kernelspec"] = KERNEL
    nb.metadata["language_info"] = {"name": "python"}
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{Path(name).stem}-{i}"
    return nb


def main(argv: list[str]) -> int:
    """Write every notebook next to this script."""
    for name in NOTEBOOKS:
        nbformat.write(build(name), HERE / name)
        sys.stdout.write(f"wrote {HERE / name}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
