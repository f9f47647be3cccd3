"""The sample morning end to end: request from the sample data, both policies, the checker,
the timetable, and the ``wfm dispatch`` command."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from optimizer.dispatch import DispatchOptions, solve
from optimizer.dispatch.snapshots import sample_request, snapshot
from optimizer.dispatch.timetable import format_timetable
from optimizer.dispatch.validate import validate_plan
from service.cli.main import app

FAST = DispatchOptions(
    time_limit_s=4, num_workers=1, deterministic=True, work_per_second=0.1, explain_time_s=1
)

runner = CliRunner()


@pytest.fixture(scope="module")
def morning():
    return sample_request(options=FAST)


@pytest.fixture(scope="module")
def plans(morning):
    out = {}
    for policy in ("greedy", "optimal"):
        req = morning.model_copy(update={"options": FAST.model_copy(update={"policy": policy})})
        out[policy] = (req, solve(req))
    return out


def test_sample_morning_has_the_sample_engineers_and_open_tickets(morning):
    assert len(morning.engineers) == 8 and len(morning.tickets) == 34
    assert all(e.availability for e in morning.engineers)


@pytest.mark.parametrize("policy", ["greedy", "optimal"])
def test_sample_morning_plan_keeps_every_rule(plans, policy):
    req, plan = plans[policy]
    assert validate_plan(req, plan) == []
    assert plan.kpis.assigned + plan.kpis.unassigned == len(req.tickets)


def test_optimal_beats_greedy_on_the_sample_morning(plans):
    (_, g), (_, o) = plans["greedy"], plans["optimal"]
    keys = list(g.solver.terms)
    assert [o.solver.terms[k] for k in keys] <= [g.solver.terms[k] for k in keys]
    assert o.kpis.urgent_wait_min_total <= g.kpis.urgent_wait_min_total


def test_car_in_repair_keeps_e06_off_the_road_on_the_sample_morning(plans):
    _, plan = plans["optimal"]
    assert not [a for a in plan.assignments if a.engineer_id == "e06" and a.mode.value == "onsite"]


def test_every_late_or_unassigned_ticket_is_explained(plans):
    _, plan = plans["optimal"]
    late = {a.ticket_id for a in plan.assignments if not a.on_time and not a.in_progress}
    left = {u.ticket_id for u in plan.unassigned}
    assert {x.ticket_id for x in plan.explanations} == late | left


def test_timetable_lists_every_engineer_and_the_kpis(plans):
    req, plan = plans["optimal"]
    text = format_timetable(plan, req)
    assert all(e.name in text for e in req.engineers)
    assert "Итого" in text
    assert "Total" in format_timetable(plan, req, "en")


def test_benchmark_snapshot_s_has_the_specified_size():
    req = snapshot("S")
    assert len(req.engineers) == 8 and len(req.tickets) == 40
    assert sum(t.mode.value == "onsite" for t in req.tickets) == 6


def test_cli_dispatches_a_request_file_and_writes_the_plan(tmp_path):
    req = sample_request(options=FAST)
    path = tmp_path / "req.json"
    path.write_text(req.model_dump_json(), encoding="utf-8")
    out = tmp_path / "plan.json"
    result = runner.invoke(
        app, ["dispatch", str(path), "--policy", "greedy", "--out", str(out), "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    assert "Total:" in result.stdout
    plan = json.loads(out.read_text(encoding="utf-8"))
    assert plan["solver"]["policy"] == "greedy" and plan["version"] == "1"


def test_cli_sample_run_prints_a_timetable():
    result = runner.invoke(app, ["dispatch", "--sample", "--policy", "greedy"])
    assert result.exit_code == 0, result.output
    assert "Иван Петров" in result.stdout


def test_cli_rejects_a_request_with_an_unknown_skill_with_exit_2(tmp_path):
    req = json.loads(sample_request(options=FAST).model_dump_json())
    req["tickets"][0]["required_skills"] = ["juggling"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(req), encoding="utf-8")
    result = runner.invoke(app, ["dispatch", str(path)])
    assert result.exit_code == 2
    assert "tickets[0].required_skills[0]" in result.stderr and "juggling" in result.stderr


def test_cli_rejects_a_missing_file_and_a_bad_policy_with_exit_2(tmp_path):
    assert runner.invoke(app, ["dispatch", str(tmp_path / "none.json")]).exit_code == 2
    result = runner.invoke(app, ["dispatch", "--sample", "--policy", "best"])
    assert result.exit_code == 2 and "--policy" in result.stderr
