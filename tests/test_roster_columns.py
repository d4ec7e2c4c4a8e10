"""Column generation: its Lagrangian bound never exceeds the optimum; its dive is a rota."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

import pytest

from planner.domain import Leave, Request, RuleSetting, Scenario
from planner.roster.columns import ColumnGeneration, Line, warm_start
from planner.roster.problem import RosterProblem
from planner.roster.rules import CoverRow, build_model
from tests.roster_cases import DAYS, WEEK, need, scenario, soft, solve, worker

ALONE = {"pairing_old_new": RuleSetting(mode="off")}
"""Cover is then the only rule comparing workers (the tiny cases turn fairness off)."""


def test_one_worker_bound_and_dive_are_the_exact_optimum():
    # one worker, one head wanted every day at 7 a missing head: one rest day costs 7
    sc = scenario(
        [worker("A")], [need("daily", "D", min=1, weight=7)], rules={"cover": soft(1), **ALONE}
    )
    assert solve(sc).objective == 7
    ctx = build_model(RosterProblem(sc, WEEK, 1))
    start = warm_start(ctx, deadline=time.monotonic() + 20)
    assert (start.bound, start.objective) == (7, 7)
    assert start.values is not None
    day_shift = [s.id for s in ctx.problem.shifts].index("D")
    worked = [d for (w, d, s), v in start.values.items() if v]
    assert len(worked) == 6
    assert all(s == day_shift for (w, d, s), v in start.values.items() if v)


def test_columns_stand_aside_when_another_rule_compares_workers():
    sc = scenario([worker("A"), worker("B")], [need("daily", "D", min=1)])  # pairing is on
    start = warm_start(build_model(RosterProblem(sc, WEEK, 1)), deadline=time.monotonic() + 5)
    assert (start.bound, start.values) == (None, None)
    assert start.note == "skipped: pairing_old_new also compare workers"


def test_no_cover_rows_means_nothing_to_price():
    sc = scenario([worker("A")], [])
    start = warm_start(build_model(RosterProblem(sc, WEEK, 1)), deadline=time.monotonic() + 5)
    assert (start.bound, start.values, start.note) == (None, None, "no cover rows to price")


@pytest.mark.parametrize("seed", range(4))
def test_the_bound_never_exceeds_the_proven_optimum(seed: int):
    rng = random.Random(seed)
    workers = [worker(w) for w in "ABC"]
    cover = [
        need("day", "D", min=rng.randint(1, 2), max=2, weight=rng.randint(3, 9), weight_over=1),
        need("night", "N", min=1, weight=rng.randint(3, 9)),
    ]
    requests = [
        Request(
            worker_id=rng.choice("ABC"),
            date=rng.choice(DAYS),
            kind=rng.choice(("day_off", "shift_on")),
            shift_id="D",
            weight=rng.randint(1, 4),
        )
        for _ in range(5)
    ]
    leave = [Leave(worker_id="A", start=DAYS[2], end=DAYS[3], kind="annual")]
    sc = scenario(
        workers,
        cover,
        rules={"cover": soft(1), "requests": RuleSetting(mode="soft", weight=1), **ALONE},
        requests=requests,
        leave=leave,
    )
    optimum = solve(sc)
    assert optimum.status == "optimal"
    start = warm_start(build_model(RosterProblem(sc, WEEK, 1)), deadline=time.monotonic() + 20)
    assert start.bound is not None
    assert start.bound <= optimum.objective
    # the dive is one of the rotas the master can price, so never below the bound
    assert start.objective is None or start.objective >= start.bound


def test_auto_without_the_probe_goes_through_the_columns(monkeypatch: pytest.MonkeyPatch):
    """With the probe given no time, the columns' bound and dive carry the solve: the same
    optimum as CP-SAT alone, reported optimal, and the independent checker agrees."""
    import planner.roster.solve as solve_module
    from planner.checker import Assignment, check_rota

    monkeypatch.setattr(solve_module, "PROBE_SHARE", 0.0)
    calls: list[object] = []
    real = solve_module.warm_start

    def spy(*args: object, **kw: object) -> object:
        out = real(*args, **kw)  # type: ignore[arg-type]
        calls.append(out)
        return out

    monkeypatch.setattr(solve_module, "warm_start", spy)
    workers = [worker(w) for w in "AB"]
    cover = [need("day", "D", min=2, max=2, weight=5, weight_over=1), need("night", "N", min=1)]
    sc = scenario(workers, cover, rules={"cover": soft(1), **ALONE})
    expected = solve(sc).objective
    problem = RosterProblem(sc, WEEK, 1)
    result = solve_module.solve_roster(problem, time_limit=20, seed=0, workers=2)
    assert len(calls) == 1 and getattr(calls[0], "bound", None) is not None
    assert (result.status, result.objective, result.bound) == ("optimal", expected, expected)
    rota = [Assignment(c.date, c.worker_id, c.shift_id or "") for c in result.assignments]
    report = check_rota(sc, rota, week=WEEK, weeks=1)
    assert report.ok and report.objective == expected


@pytest.mark.parametrize("seed", range(3))
def test_the_bound_holds_with_hard_cover_experience_pins_and_history(seed: int):
    """Hard rows (a costly slack in the LP), experienced minimums, pinned cells and
    history across the week boundary: still never above the proven optimum."""
    import datetime as dt

    from planner.roster.problem import Cell

    rng = random.Random(100 + seed)
    new_joiner = WEEK - dt.timedelta(days=30)
    workers = [worker("A"), worker("B"), worker("C", joined=new_joiner), worker("D")]
    cover = [
        need("day", "D", min=1, max=2, min_experienced=1),
        need("night", "N", min=1, weight=rng.randint(2, 6)),
    ]
    requests = [
        Request(worker_id=rng.choice("ABCD"), date=rng.choice(DAYS), kind="day_off", weight=3)
        for _ in range(4)
    ]
    sc = scenario(workers, cover, rules={"requests": soft(1), **ALONE}, requests=requests)
    history = tuple(Cell(WEEK - dt.timedelta(days=k), "A", "N") for k in (1, 2, 3))
    pins = (Cell(DAYS[rng.randrange(7)], "D", "D"),)
    optimum = solve(sc, history=history, pins=pins)
    assert optimum.status == "optimal"
    problem = RosterProblem(sc, WEEK, 1, history=history, pins=pins)
    start = warm_start(build_model(problem), deadline=time.monotonic() + 20)
    assert start.bound is not None
    assert start.bound <= optimum.objective


def _four_workers(rng: random.Random) -> Scenario:
    """Four workers, day and night cover with random needs and weights, six day-off
    requests: cover the only rule comparing workers."""
    workers = [worker(w) for w in "ABCD"]
    cover = [
        need("day", "D", min=rng.randint(1, 3), max=3, weight=rng.randint(3, 9), weight_over=2),
        need("night", "N", min=1, weight=rng.randint(3, 9)),
    ]
    requests = [
        Request(worker_id=rng.choice("ABCD"), date=rng.choice(DAYS), kind="day_off", weight=2)
        for _ in range(6)
    ]
    sc = scenario(workers, cover, rules={"cover": soft(1), "requests": soft(1), **ALONE},
                  requests=requests)  # fmt: skip
    return sc


@pytest.mark.parametrize("seed", range(3))
def test_smoothed_pricing_reaches_the_same_bound_as_plain_pricing(
    seed: int, monkeypatch: pytest.MonkeyPatch
):
    """Smoothing only changes where pricing looks, not where it ends: the converged bound
    is the LP's optimum either way, and never above the proven optimum."""
    import planner.roster.columns as columns

    sc = _four_workers(random.Random(200 + seed))
    optimum = solve(sc)
    assert optimum.status == "optimal"
    bounds = []
    for smoothing in (0.0, 0.5, 0.9):
        monkeypatch.setattr(columns, "SMOOTHING", smoothing)
        cg = columns.ColumnGeneration(build_model(RosterProblem(sc, WEEK, 1)), threads=1)
        try:
            assert cg.start(time.monotonic() + 10) is None
            assert cg.converge(time.monotonic() + 30)
            lp = cg.master.solve()
        finally:
            cg.close()
        assert cg.bound is not None
        assert columns._proven(cg.bound) == columns._proven(lp)
        bounds.append(columns._proven(cg.bound))
    assert len(set(bounds)) == 1
    assert bounds[0] is not None and bounds[0] <= optimum.objective


@pytest.fixture
def converged() -> Iterator[ColumnGeneration]:
    """Three workers, two-a-day day cover and a night, the root LP converged."""
    workers = [worker(w) for w in "ABC"]
    cover = [need("day", "D", min=2, max=2, weight=5, weight_over=1), need("night", "N", min=1)]
    sc = scenario(workers, cover, rules={"cover": soft(1), **ALONE})
    cg = ColumnGeneration(build_model(RosterProblem(sc, WEEK, 1)), threads=1)
    try:
        assert cg.start(time.monotonic() + 10) is None
        assert cg.converge(time.monotonic() + 30)
        yield cg
    finally:
        cg.close()


def test_undoing_a_dive_restores_the_root_lp(converged: ColumnGeneration):
    """Repeated dives start from the root: every line the first dive fixed is free again,
    so the LP is back at its root value (never above the dived rota's)."""
    cg = converged
    root = cg.master.solve()
    rota, dived = cg.dive(time.monotonic() + 30)
    assert len(rota) == 3 and dived >= root - 1e-6
    cg.undo_dive()
    assert cg.fixed == {}
    assert all(var.lb() == 0.0 for var, _ in cg.master.columns)
    assert cg.master.solve() == pytest.approx(root)


def _master_value(rows: list[CoverRow], rota: dict[int, Line]) -> int:
    """A rota's value in the master, by hand: its lines' own costs and cover's slacks."""
    value = sum(line.cost for line in rota.values())
    for row in rows:
        count = sum(rota[w].shifts[d] == s for w, d, s in row.cells)
        if row.lo is not None:
            value += row.weight_under * max(0, row.lo - count)
        if row.hi is not None:
            value += row.weight_over * max(0, count - row.hi)
    return value


@pytest.mark.parametrize("seed", range(3))
def test_the_restricted_master_mip_finds_the_best_rota_among_the_priced_lines(seed: int):
    """Handed the worst rota the pool holds, the MIP (after reduced-cost filtering) returns
    a rota worth what it says, no worse than the dive nor than SCIP over every line, never
    below the optimum; handed its own answer it finds nothing better."""
    import planner.roster.columns as columns

    sc = _four_workers(random.Random(400 + seed))
    optimum = solve(sc)
    assert optimum.status == "optimal"
    ctx = build_model(RosterProblem(sc, WEEK, 1))
    cg = columns.ColumnGeneration(ctx, threads=1)
    try:
        assert cg.start(time.monotonic() + 10) is None
        assert cg.converge(time.monotonic() + 30)
        dived_rota, dived = cg.dive(time.monotonic() + 30)
        assert _master_value(ctx.cover_rows, dived_rota) == dived
        worst: dict[int, Line] = {}
        for _, line in cg.master.columns:
            if line.worker not in worst or line.cost > worst[line.worker].cost:
                worst[line.worker] = line
        bad = _master_value(ctx.cover_rows, worst)
        assert bad > optimum.objective
        picked = cg.price_and_branch(worst, bad, time.monotonic() + 20)
        assert picked is not None
        rota, value = picked
        assert sorted(rota) == [0, 1, 2, 3]
        assert value == _master_value(ctx.cover_rows, rota)
        assert optimum.objective <= value <= dived
        # the filter loses nothing: SCIP over every priced line finds no better rota
        every = list(range(len(cg.master.columns)))
        start = [cg._index[line.worker, line.shifts] for line in worst.values()]
        unfiltered = cg.master.best_pick(every, start, time.monotonic() + 20)
        assert unfiltered is not None and unfiltered[0] == value
        assert cg.price_and_branch(rota, value, time.monotonic() + 20) is None
    finally:
        cg.close()


def test_scip_knows_every_parameter_the_master_mip_sets():
    """SCIP only warns on a parameter it does not know and solves on with its default:
    a misspelt name would silently undo the tuning."""
    from ortools.linear_solver import pywraplp

    from planner.roster.columns import SCIP_PARAMS

    for line in SCIP_PARAMS:
        mip = pywraplp.Solver.CreateSolver("SCIP")
        assert mip is not None
        assert mip.SetSolverSpecificParametersAsString(line + "\n"), line
    mip = pywraplp.Solver.CreateSolver("SCIP")
    assert not mip.SetSolverSpecificParametersAsString("branching/no_such_rule/priority = 1\n")


def test_a_fixed_column_changes_the_lp_value_and_a_repeat_solve_keeps_it(
    converged: ColumnGeneration,
):
    """The master caches its value until a change: fixing a column at zero in the root
    LP raises the value by at least its reduced cost, freeing it restores the root."""
    master = converged.master
    root = master.solve()
    costly = max(range(len(master.columns)), key=lambda i: master.columns[i][0].reduced_cost())
    reduced = master.columns[costly][0].reduced_cost()
    assert reduced > 1e-6 and master.columns[costly][0].solution_value() == 0.0
    master.fix(costly, True)
    forced = master.solve()
    assert forced >= root + reduced - 1e-6
    assert master.solve() == forced
    assert master.columns[costly][0].solution_value() == pytest.approx(1.0)
    master.fix(costly, False)
    assert master.solve() == pytest.approx(root)


def test_a_dive_step_at_the_bound_prices_nothing(
    converged: ColumnGeneration, monkeypatch: pytest.MonkeyPatch
):
    """A dive step whose LP is already at the proven bound is converged: no line could
    lower it, so no worker is priced."""
    cg = converged
    master = cg.master
    master.solve()
    chosen = max(range(len(master.columns)), key=lambda i: master.columns[i][0].solution_value())
    cg.fixed = {master.columns[chosen][1].worker: chosen}
    master.fix(chosen, True)
    stepped = master.solve()

    def no_pricing(w: int) -> None:
        raise AssertionError("priced a worker with the LP at the bound")

    monkeypatch.setattr(cg, "_pricer", no_pricing)
    cg.bound = stepped  # a bound this step's LP has reached (Curtois 12: 4040 all along)
    assert cg.converge(time.monotonic() + 30)
    cg.bound = stepped - 0.5  # below it, the step prices again
    with pytest.raises(AssertionError, match="priced a worker"):
        cg.converge(time.monotonic() + 30)


def test_a_dive_late_on_its_pace_fixes_more_workers_a_step(converged: ColumnGeneration):
    """One worker a step while the last steps' pace fixes the free ones in time; as many
    more as the pace needs when it would not (10 s a worker, 2 free, 7 s left: 3)."""
    import planner.roster.columns as columns

    cg = converged
    now = time.monotonic()
    assert cg._pace([(now - 1.0, 0)], now + 100) == 1  # nothing fixed yet
    cg.fixed = {0: 0}
    assert cg._pace([(now - 10.0, 0)], now + 100) == 1
    assert cg._pace([(now - 10.0, 0)], now + 7) == 3
    # only the last PACE_STEPS steps set the pace
    old = [(now - 1000.0, 0)] * 5 + [(now - 1.0, 0)] * columns.PACE_STEPS
    assert cg._pace(old, now + 7) == 1
    assert cg._pace([(now - 10.0, 0)], now - 1) == 1  # past the deadline: late anyway


def test_columns_set_aside_leave_the_lp_optimum_and_come_back_when_priced_again(
    converged: ColumnGeneration,
):
    """Setting aside the columns with a positive reduced cost keeps the LP's optimum (they
    are at zero in it); pricing a set-aside line again puts it back; undoing a dive puts
    every one back."""
    master = converged.master
    root = master.solve()
    costly = {i for i, (var, _) in enumerate(master.columns) if var.reduced_cost() > 1e-6}
    assert costly
    master.set_aside(1e-6)
    assert master.aside == costly
    assert all(master.columns[i][0].ub() == 0.0 for i in costly)
    assert master.solve() == pytest.approx(root)
    first = min(costly)
    assert converged._add_all([master.columns[first][1]]) == 1
    assert first not in master.aside and master.columns[first][0].ub() > 1e6
    converged.undo_dive()
    assert master.aside == set()
    assert all(var.ub() > 1e6 for var, _ in master.columns)


def test_shed_columns_leave_the_lp_and_come_back_when_priced_again(
    converged: ColumnGeneration,
):
    """Shedding the set-aside columns builds an LP without them at the same optimum; a
    shed line priced again gets a variable back; undoing a dive restores every column."""
    master = converged.master
    root = master.solve()
    master.set_aside(1e-6)
    costly = set(master.aside)
    assert costly
    master.shed(costly)
    assert {i for i, (var, _) in enumerate(master.columns) if var is None} == costly
    assert master.aside == costly
    assert master.solve() == pytest.approx(root)
    first = min(costly)
    assert converged._add_all([master.columns[first][1]]) == 1
    var = master.columns[first][0]
    assert var is not None and var.ub() > 1e6 and first not in master.aside
    assert master.solve() == pytest.approx(root)
    converged.undo_dive()
    assert master.aside == set()
    assert all(v is not None and v.lb() == 0.0 and v.ub() > 1e6 for v, _ in master.columns)
    assert master.solve() == pytest.approx(root)


def test_a_dive_sheds_the_lines_of_fixed_workers(
    converged: ColumnGeneration, monkeypatch: pytest.MonkeyPatch
):
    """Once a dive has fixed workers, their other lines are dead weight in the LP: the
    dive sheds them (here as soon as there are any), and the rota and its value are those
    of the lines it fixed."""
    import planner.roster.columns as columns

    monkeypatch.setattr(columns, "SHED_SHARE", 0.0)
    monkeypatch.setattr(columns, "DIVE_THRESHOLD", 1.1)  # one worker a step
    rota, value = converged.dive(time.monotonic() + 60)
    master = converged.master
    shed = {i for i, (var, _) in enumerate(master.columns) if var is None}
    assert shed and shed <= master.aside
    fixed = set(converged.fixed.values())
    assert not fixed & shed
    assert value == master.value(sorted(fixed))
    assert {w: master.columns[i][1] for w, i in converged.fixed.items()} == rota


def test_an_abnormal_lp_solve_is_run_again_on_a_rebuilt_lp(converged: ColumnGeneration):
    """GLOP's warm start can fail after bounds change on a rebuilt LP; the master then
    solves the same LP anew rather than giving up on the columns."""
    from ortools.linear_solver import pywraplp

    master = converged.master
    root = master.solve()
    broken = master.lp

    class Abnormal:
        def __getattr__(self, name: str) -> object:
            return getattr(broken, name)

        def Solve(self) -> int:  # noqa: N802 - pywraplp's name
            return int(pywraplp.Solver.ABNORMAL)

    master.lp = Abnormal()  # type: ignore[assignment]
    master._solved = None
    assert master.solve() == pytest.approx(root)
    assert master.abnormal == 1 and master.lp is not broken


def test_the_mip_ladder_climbs_from_the_bound_to_one_below_the_rota():
    """Rungs start at the least whole number above the LP and end at ``value − 1``, half
    the way up each time; none when no rota can be better than the one in hand."""
    from planner.roster.columns import _targets

    assert list(_targets(1054.08, 1058)) == [1055, 1056, 1057]
    assert list(_targets(1296.57, 1405)) == [
        1297, 1350, 1377, 1390, 1397, 1400, 1402, 1403, 1404,
    ]  # fmt: skip
    assert list(_targets(12.0, 13)) == [12]
    assert list(_targets(1057.5, 1058)) == []  # the rota is at the bound: no MIP
