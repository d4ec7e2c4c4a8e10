"""One small case per roster rule, with the exact optimum; each rota is re-checked."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from ortools.sat.python import cp_model

from planner._errors import InfeasibleError, NoSolutionError
from planner.checker import Assignment, check_rota
from planner.domain import (
    Calendar,
    DatedName,
    LabourRules,
    Leave,
    Request,
    Role,
    RuleSetting,
    Scenario,
)
from planner.roster import solve as solving
from planner.roster.problem import Cell, RosterProblem
from planner.roster.rules import RuleContext, build_model
from planner.roster.solve import RosterResult, solve_roster
from tests.roster_cases import DAYS, WEEK, need, scenario, shifts_of, soft, solve, worker


def checked(result: RosterResult, **kw: object) -> RosterResult:
    """The independent checker agrees: no hard violation and the same soft penalties."""
    rota = [Assignment(c.date, c.worker_id, c.shift_id or "") for c in result.assignments]
    report = check_rota(
        result.problem.scenario,
        rota,
        week=result.problem.week,
        weeks=result.problem.weeks,
        **kw,
    )
    assert report.ok, report.violations
    assert report.penalties == result.penalties
    assert report.objective == result.objective
    return result


def history_cells(wid: str, days: list[dt.date], shift: str = "D") -> tuple[Cell, ...]:
    return tuple(Cell(d, wid, shift) for d in days)


def test_cover_hard_conflicts_with_weekly_rest_days():
    sc = scenario([worker("A")], [need("daily", "D", min=1)])
    with pytest.raises(InfeasibleError) as info:
        solve(sc)
    rules = {c.split(":")[0] for c in info.value.conflicts}
    assert "cover" in rules
    assert rules & {"weekly_rest_days", "max_consecutive_days", "weekly_hours"}


def test_cover_soft_counts_each_missing_head():
    sc = scenario([worker("A")], [need("daily", "D", min=1, weight=7)], rules={"cover": soft(1)})
    result = checked(solve(sc))
    assert result.objective == 7
    assert result.penalties["cover"] == 7
    assert len(result.unfilled) == 1 and result.unfilled[0].missing == 1


def test_cover_max_and_meeting_counts_shifts_that_include_it():
    workers = [worker("A"), worker("B")]
    cover = [need("meet", "MM", min=2, max=2, days=("mon",))]
    result = checked(solve(scenario(workers, cover)))
    monday = {c.shift_id for c in result.assignments if c.date == WEEK}
    assert monday <= {"D", "K"} and sum(c.date == WEEK for c in result.assignments) == 2


def test_cover_min_experienced_uses_skill_date():
    fresh = worker("A", joined=dt.date(2026, 11, 1))
    sc = scenario([fresh], [need("n", "N", min=1, min_experienced=1, days=("mon",))])
    with pytest.raises(InfeasibleError):
        solve(sc)


def test_leave_day_is_kept_free():
    sc = scenario(
        [worker("A")],
        [need("daily", "D", min=1)],
        rules={"cover": soft(1)},
        leave=[Leave(worker_id="A", start=DAYS[2], end=DAYS[2])],
    )
    result = checked(solve(sc))
    assert shifts_of(result, "A")[DAYS[2]] is None
    assert result.objective == 1


def test_min_rest_after_night_patrol():
    cover = [need("n", "N", min=1, days=("mon",)), need("d", "D", min=1, days=("tue",))]
    hard = checked(solve(scenario([worker("A")], cover, rules={"cover": soft(10)})))
    assert hard.objective == 10
    relaxed = scenario([worker("A")], cover, rules={"cover": soft(10), "min_rest": soft(3)})
    assert checked(solve(relaxed)).objective == 3


def test_min_rest_across_the_week_boundary():
    sunday = WEEK - dt.timedelta(days=1)
    sc = scenario([worker("A")], [need("d", "D", min=1, days=("mon",))], rules={"cover": soft(4)})
    history = history_cells("A", [sunday], "N")
    result = checked(solve(sc, history=history), history=list(_as_assignments(history)))
    assert result.objective == 4
    assert shifts_of(result, "A")[WEEK] is None


def _as_assignments(cells: tuple[Cell, ...]) -> list[Assignment]:
    return [Assignment(c.date, c.worker_id, c.shift_id or "") for c in cells]


def test_max_consecutive_days_counts_history():
    before = [WEEK - dt.timedelta(days=i) for i in range(1, 6)]  # Wed..Sun worked
    sc = scenario(
        [worker("A")],
        [need("d", "D", min=1, days=("mon", "tue"))],
        rules={"cover": soft(1)},
    )
    history = history_cells("A", before)
    result = checked(solve(sc, history=history), history=_as_assignments(history))
    assert result.objective == 1
    assert shifts_of(result, "A")[DAYS[0]] == "D"
    assert shifts_of(result, "A")[DAYS[1]] is None


def test_weekly_hours_overtime_cap():
    sc = scenario(
        [worker("A")],
        [need("d", "D", min=1, days=("mon", "tue", "wed", "thu", "fri", "sat"))],
        rules={"cover": soft(100)},
        labour=LabourRules(max_overtime_hours_week=4, max_undertime_hours_week=40),
    )
    result = checked(solve(sc))
    assert result.objective == 100
    assert sum(1 for s in shifts_of(result, "A").values() if s) == 5


def test_weekly_hours_lower_bound_gives_work():
    sc = scenario([worker("A")], [], labour=LabourRules(max_undertime_hours_week=8))
    result = checked(solve(sc))
    worked = sum(1 for s in shifts_of(result, "A").values() if s)
    paid = sum(480 if s in ("D", "K") else 360 for s in shifts_of(result, "A").values() if s)
    assert 1920 <= paid <= 2400 + 240 and worked >= 4


def test_monthly_overtime_counts_history_weeks_of_the_month():
    # Week of 2026-11-30 belongs to December (its Thursday is 3 December): 6 day shifts,
    # 8 h overtime, which uses the whole monthly cap of 8 h.
    history = history_cells("A", [dt.date(2026, 11, 30) + dt.timedelta(days=i) for i in range(6)])
    sc = scenario(
        [worker("A")],
        [need("d", "D", min=1, days=("mon", "tue", "wed", "thu", "fri", "sat"))],
        rules={"cover": soft(100)},
        labour=LabourRules(
            max_overtime_hours_week=8, max_overtime_hours_month=8, max_undertime_hours_week=40
        ),
    )
    result = checked(solve(sc, history=history), history=_as_assignments(history))
    assert result.objective == 100
    no_history = checked(solve(sc))
    assert no_history.objective == 0


def test_max_nights_per_week():
    sc = scenario(
        [worker("A")],
        [need("n", "N", min=1)],
        rules={"cover": soft(10)},
        labour=LabourRules(max_nights_per_week=3, max_undertime_hours_week=40),
    )
    result = checked(solve(sc))
    assert result.objective == 40


def test_night_eligibility():
    sc = scenario(
        [worker("A", night_eligible=False)],
        [need("n", "N", min=1, days=("mon",))],
        rules={"cover": soft(10)},
    )
    assert checked(solve(sc)).objective == 10


def test_pairing_old_new_keeps_newcomers_with_an_old_hand():
    newcomer = worker("N1", joined=dt.date(2026, 10, 1))
    veteran = worker("V1")
    sc = scenario(
        [newcomer, veteran],
        [need("n", "N", min=1, days=("mon",))],
        rules={"cover": soft(10)},
        leave=[Leave(worker_id="V1", start=WEEK, end=WEEK)],
    )
    result = checked(solve(sc))
    assert result.objective == 10
    assert shifts_of(result, "N1")[WEEK] is None


def test_desk_rotation_spread():
    workers = [worker("A"), worker("B"), worker("C")]
    cover = [
        need("k", "K", min=1, max=1, days=("mon", "tue", "wed", "thu")),
        need("no-k", "K", max=0, days=("fri", "sat", "sun")),
    ]
    result = checked(solve(scenario(workers, cover, rules={"desk_rotation": soft(3)})))
    assert result.penalties["desk_rotation"] == 3
    assert result.objective == 3


def test_fairness_counts_the_ledger():
    workers = [worker("A"), worker("B")]
    before = [WEEK - dt.timedelta(days=3), WEEK - dt.timedelta(days=5)]
    history = history_cells("A", before, "N")
    cover = [
        need("n", "N", min=1, max=1, days=("mon",)),
        need("no-n", "N", max=0, days=("tue", "wed", "thu", "fri", "sat", "sun")),
    ]
    sc = scenario(workers, cover, rules={"fairness": soft(1)})
    result = checked(solve(sc, history=history), history=_as_assignments(history))
    assert shifts_of(result, "B")[WEEK] == "N"
    assert result.penalties["fairness"] == 1


def _three_nights() -> list[Any]:
    return [
        need("n", "N", min=1, max=1, days=("mon", "tue", "wed")),
        need("no-n", "N", max=0, days=("thu", "fri", "sat", "sun")),
    ]


def test_fair_share_draws_every_count_to_the_even_split():
    # A has had three nights; this week's three go to B and C, two and one: the ledger
    # 3, 2, 1 (q = 2) costs 0 + 0 + 2; giving B all three (3, 3, 0) would cost 6
    workers = [worker("A"), worker("B"), worker("C")]
    history = history_cells("A", [WEEK - dt.timedelta(days=k) for k in (7, 6, 5)], "N")
    sc = scenario(workers, _three_nights(), rules={"fair_share": soft(1)})
    result = checked(solve(sc, history=history), history=_as_assignments(history))
    assert result.penalties["fair_share"] == 2
    nights = {w: sum(s == "N" for s in shifts_of(result, w).values()) for w in "ABC"}
    assert nights["A"] == 0 and sorted([nights["B"], nights["C"]]) == [1, 2]


def test_fair_share_leaves_out_a_worker_cover_keeps_off_the_category():
    # the dispatcher C may take no night: A (three before) and B are compared alone, and
    # B's three nights bring them level (3, 3: q = 3, no penalty; with C it would be 6)
    workers = [worker("A"), worker("B"), worker("C", role=Role.DISPATCHER)]
    history = history_cells("A", [WEEK - dt.timedelta(days=k) for k in (7, 6, 5)], "N")
    cover = [*_three_nights(), need("no-n-dispatcher", "N", max=0, role=Role.DISPATCHER)]
    sc = scenario(workers, cover, rules={"fair_share": soft(1)})
    result = checked(solve(sc, history=history), history=_as_assignments(history))
    assert result.penalties["fair_share"] == 0
    assert sum(s == "N" for s in shifts_of(result, "B").values()) == 3


def test_fair_share_charges_a_ledger_the_week_cannot_change():
    # a make-up weekend (调休): no rest day this week, so the rest-day ledger is history
    # alone: A 4, B 1, C 0 (q = 1) costs 3·2 + 0 + (−1)(−2) = 8 whatever the rota
    workers = [worker("A"), worker("B"), worker("C")]
    weekends = [WEEK - dt.timedelta(days=k) for k in (1, 2, 8, 9)]
    history = (*history_cells("A", weekends), *history_cells("B", weekends[:1]))
    made_up = Calendar(adjusted_workdays=(DatedName(date=DAYS[5]), DatedName(date=DAYS[6])))
    sc = scenario(workers, [], rules={"fair_share": soft(1)}).model_copy(
        update={"calendar": made_up}
    )
    result = checked(solve(sc, history=history), history=_as_assignments(history))
    assert result.penalties["fair_share"] == 8


def test_a_rota_whose_slack_hid_its_optimality_is_reported_optimal(monkeypatch):
    # CP-SAT hands over the optimal rota (fair_share 2) with its fair_share term held 2
    # above what the rota costs, and a proven bound of 2: the solve's last step brings the
    # term down to 2, and the rota is then optimal, not "feasible" at a gap of 0
    workers = [worker("A"), worker("B"), worker("C")]
    history = history_cells("A", [WEEK - dt.timedelta(days=k) for k in (7, 6, 5)], "N")
    sc = scenario(workers, _three_nights(), rules={"fair_share": soft(1)})
    real_run = solving._run

    class Slack:
        """The optimal rota with slack in it, and the optimum's bound."""

        def __init__(self, inner: cp_model.CpSolver, bound: float) -> None:
            self.inner, self.best_objective_bound = inner, bound

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

    def slack_run(ctx: RuleContext, *args: Any, **kw: Any) -> tuple[Any, Any]:
        best, status = real_run(ctx, *args, **kw)
        assert status == cp_model.OPTIMAL and best.objective_value == 2
        padded = ctx.model.clone()
        for var in ctx.x.values():
            padded.add(var == best.value(var))
        padded.add(sum(expr for _, expr in ctx.penalties["fair_share"]) >= 4)
        inner = cp_model.CpSolver()
        assert inner.solve(padded) == cp_model.OPTIMAL and inner.objective_value == 4
        return Slack(inner, best.objective_value), cp_model.FEASIBLE

    monkeypatch.setattr(solving, "_run", slack_run)
    result = checked(solve(sc, history=history), history=_as_assignments(history))
    assert (result.status, result.objective, result.bound) == ("optimal", 2, 2)


def test_requests_weight_times_rule_weight():
    sc = scenario(
        [worker("A")],
        [need("d", "D", min=1, days=("wed",))],
        rules={"requests": soft(5)},
        requests=[Request(worker_id="A", date=DAYS[2], kind="day_off", weight=2)],
    )
    result = checked(solve(sc))
    assert result.penalties["requests"] == 10


def test_pins_hold_and_conflict_with_leave_is_explained():
    sc = scenario([worker("A")], [])
    result = checked(solve(sc, pins=(Cell(DAYS[1], "A", "K"),)), pins=[(DAYS[1], "A", "K")])
    assert shifts_of(result, "A")[DAYS[1]] == "K"
    on_leave = scenario([worker("A")], [], leave=[Leave(worker_id="A", start=DAYS[1], end=DAYS[1])])
    with pytest.raises(InfeasibleError) as info:
        solve(on_leave, pins=(Cell(DAYS[1], "A", "K"),))
    assert sorted(c.split(":")[0] for c in info.value.conflicts) == ["leave", "pins"]


def test_stability_changes_fewest_cells():
    previous = tuple(Cell(d, "A", "D") for d in DAYS[:5])
    sc = scenario(
        [worker("A")],
        [],
        rules={"stability": soft(2)},
        leave=[Leave(worker_id="A", start=DAYS[0], end=DAYS[0])],
    )
    prev = _as_assignments(previous)
    result = checked(solve(sc, previous=previous), previous=prev)
    assert result.objective == 2
    assert [shifts_of(result, "A")[d] for d in DAYS] == [None, "D", "D", "D", "D", None, None]


def test_rule_off_is_ignored():
    sc = scenario(
        [worker("A", night_eligible=False)],
        [need("n", "N", min=1, days=("mon",))],
        rules={"night_eligibility": RuleSetting(mode="off")},
    )
    assert shifts_of(checked(solve(sc)), "A")[WEEK] == "N"


def _first_rota() -> tuple[RosterResult, RuleContext, cp_model.CpSolver]:
    """Three workers, day and night cover, fairness on: the exact optimum, the model, and
    CP-SAT's first rota of it (worse than the optimum: room for a search to gain)."""
    from planner.roster.problem import RosterProblem
    from planner.roster.solve import build_model

    workers = [worker("A"), worker("B"), worker("C")]
    cover = [need("d", "D", min=2, max=2), need("n", "N", min=1, max=1)]
    sc = scenario(workers, cover, rules={"cover": soft(5), "fairness": soft(1)})
    exact = solve(sc)
    ctx = build_model(RosterProblem(sc, WEEK, 1))
    first = cp_model.CpSolver()
    first.parameters.stop_after_first_solution = True
    first.parameters.num_workers = 1
    assert first.solve(ctx.model) in (cp_model.FEASIBLE, cp_model.OPTIMAL)
    return exact, ctx, first


def test_lns_improves_a_first_solution_to_the_optimum():
    import time

    from planner.roster.lns import improve

    exact, ctx, first = _first_rota()
    start = round(first.objective_value)
    outcome = improve(ctx, first, deadline=time.monotonic() + 5, seed=1, workers=1)
    assert outcome.objective <= start
    assert outcome.objective == exact.objective
    assert outcome.iterations >= 1 or start == exact.objective


def test_lns_hands_over_once_it_stalls():
    """With ``stall``, the LNS ends when it has gained nothing for that long (auto then
    gives CP-SAT a turn), not at its deadline; without it, it runs on to the deadline."""
    import time

    from ortools.sat.python import cp_model

    from planner.roster.lns import improve
    from planner.roster.problem import RosterProblem
    from planner.roster.solve import build_model

    workers = [worker("A"), worker("B"), worker("C")]
    cover = [need("d", "D", min=2, max=2), need("n", "N", min=1, max=1)]
    sc = scenario(workers, cover, rules={"cover": soft(5), "fairness": soft(1)})
    ctx = build_model(RosterProblem(sc, WEEK, 1))
    optimum = cp_model.CpSolver()
    optimum.parameters.num_workers = 1
    assert optimum.solve(ctx.model) == cp_model.OPTIMAL
    floor = -(10**9)  # never reached: only the stall or the deadline can end the search
    began = time.monotonic()
    stalled = improve(ctx, optimum, deadline=began + 30, seed=1, workers=1, bound=floor, stall=0.5)
    assert time.monotonic() - began < 10
    assert stalled.objective == round(optimum.objective_value) and stalled.improvements == 0
    began = time.monotonic()
    improve(ctx, optimum, deadline=began + 1.5, seed=1, workers=1, bound=floor)
    assert time.monotonic() - began >= 1.2


def test_sweep_windows_cover_the_horizon_overlapping_by_half():
    from planner.roster.lns import _windows

    assert _windows(10, 4) == [range(0, 4), range(2, 6), range(4, 8), range(6, 10)]
    assert _windows(9, 4) == [range(0, 4), range(2, 6), range(4, 8), range(5, 9)]
    assert _windows(7, 7) == [range(0, 7)]
    assert _windows(3, 4) == [range(0, 3)]


@pytest.mark.parametrize("days", [4, 7])
def test_the_sweep_never_worsens_a_rota_and_one_whole_window_reaches_the_optimum(
    days: int, monkeypatch: pytest.MonkeyPatch
):
    """Each window frees every worker on its days and keeps a better rota only; with one
    window over the whole week the sweep is a full solve from the first rota: the optimum."""
    import time

    import planner.roster.lns as lns

    monkeypatch.setattr(lns, "SWEEP_DAYS", days)
    exact, ctx, first = _first_rota()
    start = round(first.objective_value)
    assert start > exact.objective  # the first rota leaves room to gain
    gains: list[int] = []
    outcome = lns.sweep(ctx, first, deadline=time.monotonic() + 20, seed=1, workers=1,
                        on_improvement=gains.append)  # fmt: skip
    assert outcome.iterations == len(lns._windows(7, days))
    assert exact.objective <= outcome.objective <= start
    assert outcome.objective == round(outcome.solver.objective_value)
    assert gains == sorted(gains, reverse=True) and len(gains) == outcome.improvements
    assert (outcome.objective < start) == bool(gains)
    if days == 7:
        assert outcome.objective == exact.objective


def test_soft_min_rest_counts_consecutive_pairs_only():
    cover = [
        need("n", "N", min=1, days=("mon",)),
        need("d", "D", min=1, days=("tue", "wed")),
    ]
    sc = scenario(
        [worker("A")],
        cover,
        rules={"cover": soft(100), "min_rest": soft(1)},
        labour=LabourRules(
            min_rest_hours=40, max_overtime_hours_week=8, max_undertime_hours_week=40
        ),
    )
    # Mon N -> Tue D and Tue D -> Wed D are too close; Mon N -> Wed D is not a consecutive pair
    result = checked(solve(sc))
    assert result.penalties["min_rest"] == 2


def test_cover_cuts_bound_the_spread_of_nights():
    # two night-eligible workers must share 7 nights (exactly one a night): one has >= 4 and
    # one has <= 3, so the night spread is at least 1; C is barred from nights
    from planner.roster.problem import RosterProblem
    from planner.roster.solve import build_model

    workers = [worker("A"), worker("B"), worker("C", night_eligible=False)]
    cover = [need("n", "N", min=1, max=1)]
    labour = LabourRules(
        max_nights_per_week=7, max_overtime_hours_week=8, max_undertime_hours_week=40
    )
    sc = scenario(workers, cover, rules={"fairness": soft(1)}, labour=labour)
    ctx = build_model(RosterProblem(sc, WEEK, 1))
    nights = {spread.name: spread.least for spread in ctx.spreads}
    assert nights["fair:nights"] == 1
    result = checked(solve(sc))
    # nights split 4/3 cannot be evened; desk and rest-day shifts can (nothing caps them)
    assert result.penalties["fairness"] == 1


def test_cover_cuts_off_when_cover_is_soft_or_diagnosing():
    from planner.roster.problem import RosterProblem
    from planner.roster.solve import build_model

    workers = [worker("A"), worker("B")]
    cover = [need("n", "N", min=1, max=1)]
    soft_cover = scenario(workers, cover, rules={"fairness": soft(1), "cover": soft(10)})
    hard_cover = scenario(workers, cover, rules={"fairness": soft(1)})
    assert {sp.least for sp in build_model(RosterProblem(soft_cover, WEEK, 1)).spreads} == {0}
    diag = build_model(RosterProblem(hard_cover, WEEK, 1), diagnose=True)
    assert {sp.least for sp in diag.spreads} == {0}


def _desk_case(grids: int) -> tuple[RuleContext, int]:
    """Desk duty once a day Monday-Thursday in each grid, three workers a grid, desk
    rotation soft(3) over everyone: the model and its optimum (a spread of 1)."""
    from planner.domain import CoverRule, Grid
    from planner.roster.problem import RosterProblem
    from planner.roster.solve import build_model

    workers, cover = [], []
    for g in range(1, grids + 1):
        workers += [worker(f"G{g}{n}", grid=f"G{g}") for n in "ABC"]
        for cid, days, top in (
            ("k", ("mon", "tue", "wed", "thu"), 1),
            ("no-k", ("fri", "sat", "sun"), 0),
        ):
            cover.append(CoverRule(id=f"{cid}{g}", scope=f"G{g}", shifts=("K",), days=days,
                                   min=top, max=top))  # fmt: skip
    sc = scenario(workers, cover, rules={"desk_rotation": soft(3)})
    sc = sc.model_copy(update={"grids": tuple(
        Grid(id=f"G{g}", name=str(g), base=f"B{g}", station_lat=22.95, station_lon=113.65)
        for g in range(1, grids + 1)
    )})  # fmt: skip
    return build_model(RosterProblem(sc, WEEK, 1)), 3


@pytest.mark.parametrize("grids", [1, 2])
def test_a_lopsided_spread_is_squeezed_to_its_least(grids: int):
    """One worker a grid on every desk (spread 4 − 0): no single move lowers the spread,
    which the probe squeezes a unit at a time down to 1 (4 desks a grid over 3 workers
    cannot be even), the optimum; with two grids the LNS frees whole grids."""
    import time

    from planner.roster.lns import grid_groups
    from planner.roster.solve import _probe_spreads, _score

    ctx, optimum = _desk_case(grids)
    assert [len(group) for group in grid_groups(ctx)] == [3] * grids
    desk = next(s for s, shift in enumerate(ctx.problem.shifts) if shift.id == "K")
    lopsided = {key: 0 for key in ctx.x}
    for g in range(grids):
        for d in range(4):
            lopsided[3 * g, d, desk] = 1  # the first worker of each grid, Monday-Thursday
    incumbent = _score(ctx, lopsided, 1)
    assert incumbent is not None and round(incumbent.objective_value) == 3 * 4
    spread = next(s for s in ctx.spreads if s.name == "desk")
    assert spread.workers == tuple(range(3 * grids))
    solver, _ = _probe_spreads(ctx, incumbent, time.monotonic() + 30, 1, 1, optimum)
    assert round(solver.objective_value) == optimum
    assert solver.value(spread.hi) - solver.value(spread.lo) == 1


def test_a_complete_hint_is_the_first_solution():
    """The columns' rota is handed to CP-SAT as a hint on every variable, so the main
    phase starts from it rather than from whatever its own first search finds."""
    from ortools.sat.python import cp_model

    from planner.roster.problem import RosterProblem
    from planner.roster.rules import build_model
    from planner.roster.solve import _hint_all, _score

    sc = scenario([worker("A"), worker("B")], [need("day", "D", min=1, weight=5)],
                  rules={"cover": soft(1)})  # fmt: skip
    ctx = build_model(RosterProblem(sc, WEEK, 1))
    # a poor rota: A works the day shift Monday to Saturday, B never works
    day = [s.id for s in ctx.problem.shifts].index("D")
    values = {(w, d, s): int(w == 0 and d < 6 and s == day) for (w, d, s) in ctx.x}
    scored = _score(ctx, values, seed=0)
    assert scored is not None
    _hint_all(ctx.model, scored)
    solver = cp_model.CpSolver()
    solver.parameters.stop_after_first_solution = True
    solver.parameters.num_workers = 1
    assert solver.solve(ctx.model) in (cp_model.FEASIBLE, cp_model.OPTIMAL)
    assert solver.objective_value == scored.objective_value
    assert all(solver.value(var) == values[key] for key, var in ctx.x.items())


def _sunday_wish(weeks: int = 1, leave: list[Leave] | None = None) -> Scenario:
    """A worker who must work every workday, at most five days in a row, and asks for the
    horizon's last Sunday: granting it leaves six days in a row into the week after."""
    sunday = WEEK + dt.timedelta(days=7 * weeks - 1)
    return scenario(
        [worker("A")],
        [need("weekdays", "D", min=1, days=("workday",))],
        rules={"requests": soft(3)},
        labour=LabourRules(max_consecutive_days=5, max_overtime_hours_week=8),
        requests=[Request(worker_id="A", date=sunday, kind="shift_on", shift_id="D")],
        leave=leave,
    )


@pytest.mark.parametrize("weeks", [1, 2])
def test_lookahead_keeps_the_next_week_staffable(weeks: int):
    sc = _sunday_wish(weeks)
    sunday = WEEK + dt.timedelta(days=7 * weeks - 1)
    alone = checked(solve(sc, weeks=weeks))
    assert alone.objective == 0 and shifts_of(alone, "A")[sunday] == "D"
    # re-planned with the week after in the model (two weeks: the last week mended)
    ahead = checked(solve(sc, weeks=weeks, lookahead=1))
    assert ahead.objective == 3 and ahead.penalties["requests"] == 3
    assert shifts_of(ahead, "A")[sunday] is None and ahead.lookahead_met
    assert ahead.lookahead_outcome == "replanned" and alone.lookahead_met is None
    # the week after planned from each rota as its history: only the lookahead's has one
    after = sunday + dt.timedelta(days=1)
    for first, feasible in ((alone, False), (ahead, True)):
        problem = RosterProblem(sc, after, history=first.assignments)
        if feasible:
            assert len(solve_roster(problem, time_limit=20, seed=0, workers=1).assignments) == 5
        else:
            with pytest.raises(InfeasibleError) as info:
                solve_roster(problem, time_limit=20, seed=0, workers=1)
            assert "max_consecutive_days" in {c.split(":")[0] for c in info.value.conflicts}


def test_lookahead_that_no_rota_can_meet_is_dropped_and_said():
    # leave on week 2's Monday: its cover fails whatever week 1 does
    monday2 = WEEK + dt.timedelta(days=7)
    away = [Leave(worker_id="A", start=monday2, end=monday2)]
    result = checked(solve(_sunday_wish(leave=away), lookahead=1))
    assert result.lookahead_met is False and result.objective == 0
    assert result.lookahead_outcome == "impossible"
    assert result.summary().endswith(
        "the week after cannot be staffed from it nor from any rota of these weeks with its pins"
    )
    # and why, by the week after's own rules: A's leave against its Monday's cover
    rules = {c.split(":")[0] for c in result.lookahead_conflicts}
    assert rules == {"cover", "leave"}, result.lookahead_conflicts


def test_lookahead_meets_the_next_weeks_own_totals():
    # A's 40 h a horizon must fall on next week's Monday-Friday (its weekend is leave), so
    # working this Sunday would make six days in a row
    saturday2 = WEEK + dt.timedelta(days=12)
    sc = scenario(
        [worker("A", min_total_minutes=2400)],
        [],
        rules={"requests": soft(3)},
        labour=LabourRules(max_consecutive_days=5, max_overtime_hours_week=8),
        requests=[Request(worker_id="A", date=DAYS[6], kind="shift_on", shift_id="D")],
        leave=[Leave(worker_id="A", start=saturday2, end=saturday2 + dt.timedelta(days=1))],
    )
    result = checked(solve(sc, lookahead=1))
    assert result.objective == 3 and shifts_of(result, "A")[DAYS[6]] is None
    assert result.lookahead_outcome == "replanned"


def test_the_mended_rota_stands_when_the_replan_search_reports_none(monkeypatch):
    # A alone covers every weekday and wishes to work Sunday: alone, the week takes the
    # wish (3 saved), but then next Monday would be A's sixth day in a row. The re-plan's
    # CP-SAT phase here ends with no rota (as when presolve of a large model outlasts the
    # time left): the first rota mended over its last days (Sunday off) already meets
    # next week, so it is the re-plan's answer, not "none found in time"
    sc = scenario(
        [worker("A")],
        [need("weekdays", "D", days=("mon", "tue", "wed", "thu", "fri"), min=1)],
        rules={"requests": soft(3)},
        labour=LabourRules(max_consecutive_days=5, max_overtime_hours_week=8),
        requests=[Request(worker_id="A", date=DAYS[6], kind="shift_on", shift_id="D")],
    )
    real_run = solving._run

    def no_rota_in_the_replan(ctx: RuleContext, *args: Any, **kw: Any) -> tuple[Any, Any]:
        if not ctx.problem.lookahead:
            return real_run(ctx, *args, **kw)
        nothing = cp_model.CpSolver()
        nothing.parameters.max_time_in_seconds = 0.0
        return nothing, nothing.solve(ctx.model)

    alone = checked(solve(sc))
    assert alone.objective == 0 and shifts_of(alone, "A")[DAYS[6]] == "D"
    monkeypatch.setattr(solving, "_run", no_rota_in_the_replan)
    result = checked(solve(sc, lookahead=1))
    assert result.lookahead_outcome == "replanned"
    assert result.objective == 3 and shifts_of(result, "A")[DAYS[6]] is None


def test_the_lookahead_model_exempts_runs_at_the_next_weeks_edge():
    # a one-day run on Sunday between leave on Saturday and on next Monday: the next week
    # will not see it as a short run (a run at its edge), so the lookahead must allow it
    monday2 = WEEK + dt.timedelta(days=7)
    sc = scenario(
        [worker("A")],
        [],
        rules={"requests": soft(3)},
        labour=LabourRules(min_consecutive_days=2, max_overtime_hours_week=8),
        requests=[Request(worker_id="A", date=DAYS[6], kind="shift_on", shift_id="D")],
        leave=[Leave(worker_id="A", start=d, end=d) for d in (DAYS[5], monday2)],
    )
    ctx = build_model(RosterProblem(sc, WEEK, lookahead=1))
    solver = cp_model.CpSolver()
    assert solver.solve(ctx.model) == cp_model.OPTIMAL and solver.objective_value == 0


def test_cover_no_one_can_give_in_the_week_after_is_impossible_not_replanned():
    # next Monday needs a dispatcher and there is none: a constraint with no variables,
    # which the lookahead model must keep
    monday2 = WEEK + dt.timedelta(days=7)
    sc = scenario(
        [worker("A"), worker("B")],
        [need("day", "D", min=1), need("lead", "D", dates=(monday2,), min=1, role="dispatcher")],
    )
    result = checked(solve(sc, lookahead=1))
    assert result.lookahead_outcome == "impossible" and result.lookahead_met is False
    assert any(c.startswith("cover: lead") for c in result.lookahead_conflicts)


def test_a_check_out_of_time_leaves_the_rota_standing(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("planner.roster.solve.try_staffing", lambda *a, **k: (None, 0.0))
    result = checked(solve(_sunday_wish(), lookahead=1))
    assert result.lookahead_outcome == "undecided" and result.lookahead_met is None
    assert result.objective == 0  # the rota planned alone, the Sunday granted
    assert "not known in time whether the week after" in result.summary()


def test_a_replan_out_of_time_leaves_the_first_rota_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
):
    plain = solving._solve_horizon

    def no_replan(problem: RosterProblem, **kw: Any) -> RosterResult:
        if problem.lookahead:
            raise NoSolutionError("out of time")
        return plain(problem, **kw)

    monkeypatch.setattr(solving, "_solve_horizon", no_replan)
    result = checked(solve(_sunday_wish(), lookahead=1))
    assert result.lookahead_outcome == "no_time" and result.lookahead_met is False
    assert result.objective == 0 and result.status == "optimal"
    assert "max_consecutive_days" in {c.split(":")[0] for c in result.lookahead_conflicts}


def test_the_mend_hints_a_whole_rota_that_leaves_the_week_after_staffable():
    sc = _sunday_wish(weeks=2)
    alone = solve(sc, weeks=2)
    first = {c.date: c.shift_id for c in alone.assignments}
    ctx = build_model(RosterProblem(sc, WEEK, 2, lookahead=1))
    solving._mend(ctx, alone.assignments, seed=0, workers=1, limit=10)
    hint = ctx.model.proto.solution_hint
    assert len(hint.vars) == len(ctx.model.proto.variables)  # a whole rota
    value = dict(zip(hint.vars, hint.values, strict=True))
    d = next(i for i, s in enumerate(ctx.problem.shifts) if s.id == "D")
    for day in range(7):  # week 1 kept as it was
        assert value[ctx.x[0, day, d].index] == int(first.get(DAYS[day]) == "D")
    assert first[DAYS[6] + dt.timedelta(days=7)] == "D"
    assert value[ctx.x[0, 13, d].index] == 0  # the last Sunday given up


def test_with_soft_cover_cp_sat_starts_from_the_rota_that_fills_most(monkeypatch):
    """The first rota fills every need, the requests left out; the solve goes on from it
    to the real optimum, where leaving Monday open (1000) beats a wish worth 5000."""
    sc = scenario(
        [worker("A")],
        [need("mon", "D", min=1, days=("mon",))],
        rules={"cover": soft(1000)},
        requests=[Request(worker_id="A", date=WEEK, kind="day_off", weight=5000)],
    )
    first: list[dict[tuple[int, int, int], int]] = []
    real = solving._fill_first

    def spy(ctx: RuleContext, *args: Any) -> Any:
        effort, hinted = real(ctx, *args)
        assert hinted is not None
        first.append({key: int(hinted.value(var)) for key, var in ctx.x.items()})
        return effort, hinted

    monkeypatch.setattr(solving, "_fill_first", spy)
    result = checked(solve(sc))
    (rota,) = first
    problem = RosterProblem(sc, WEEK, 1)
    day_shift = next(i for i, s in enumerate(problem.shifts) if s.id == "D")
    assert rota[0, 0, day_shift] == 1  # A on day patrol on Monday: every need filled
    assert result.status == "optimal" and result.objective == 1000
    assert shifts_of(result, "A")[WEEK] is None
    assert [(u.rule_id, u.missing) for u in result.unfilled] == [("mon", 1)]
