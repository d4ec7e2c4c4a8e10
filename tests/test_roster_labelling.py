"""The labelling pass prices a worker's line exactly as the CP-SAT pricing model does."""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

import pytest
from ortools.sat.python import cp_model

from planner.domain import Leave, Request, RuleSetting, Scenario, ShiftKind, ShiftType
from planner.roster import columns
from planner.roster.columns import ColumnGeneration, Line, _Pricer, _proven
from planner.roster.labelling import HARD_RULES
from planner.roster.problem import Cell, RosterProblem
from planner.roster.rules import CATALOGUE, COUPLING_RULES, build_model
from tests.roster_cases import WEEK, need, scenario, worker

HARD = RuleSetting(mode="hard")
OFF = RuleSetting(mode="off")
STANDARD = {
    **{name: OFF for name in CATALOGUE if name not in COUPLING_RULES},
    **{name: HARD for name in HARD_RULES if name != "night_eligibility"},
    "requests": RuleSetting(mode="soft", weight=1),
    "cover": RuleSetting(mode="soft", weight=1),
    "pairing_old_new": OFF,
}
"""The classic nurse-rostering rules (as in the Curtois benchmark): all the pass models."""


def _shift(sid: str, minutes: int, after: tuple[str, ...] = ()) -> ShiftType:
    return ShiftType(id=sid, zh=sid, en=sid, kind=ShiftKind.DAY_PATROL, start=dt.time(0),
                     end=dt.time(minutes // 60, minutes % 60), paid_minutes=minutes,
                     forbidden_next=after)  # fmt: skip


SHIFTS = (
    _shift("E", 480),
    _shift("D", 480, ("E",)),
    _shift("L", 480, ("E", "D")),
    _shift("N", 600, ("E", "D", "L")),
)


def _case(workers: list[Any], weeks: int = 2, **kw: Any) -> Scenario:
    sc = scenario(workers, [need("day", "D", min=1)], rules=STANDARD, **kw)
    return sc.model_copy(update={"shifts": SHIFTS})


def _random_worker(rng: random.Random, wid: str) -> Any:
    caps = {s: rng.choice((0, 2, 5, 28)) for s in "ELN"}
    caps["D"] = 28
    shifts = 7 * 2 * rng.uniform(0.3, 0.7)
    return worker(
        wid,
        max_shifts=caps,
        min_total_minutes=int(480 * (shifts - rng.randint(0, 3))),
        max_total_minutes=int(480 * (shifts + rng.randint(0, 2))),
        max_consecutive_days=rng.randint(3, 6),
        min_consecutive_days=rng.randint(1, 3),
        min_consecutive_days_off=rng.randint(1, 3),
        max_weekends=rng.randint(0, 2),
    )


def _pricers(problem: RosterProblem, w: int = 0) -> tuple[_Pricer, _Pricer]:
    fast, exact = _Pricer(problem, w), _Pricer(problem, w, labelling=False)
    assert fast.labeller is not None, fast.why_cp_sat
    return fast, exact


def _reduced(line: Line, duals: dict[tuple[int, int], float]) -> float:
    return line.cost - sum(duals.get((d, s), 0.0) for d, s in enumerate(line.shifts) if s >= 0)


def _own_cost_by_cp_sat(pricer: _Pricer, line: Line) -> int | None:
    """The line's own cost in the CP-SAT pricing model, or None if the model rejects it."""
    model = pricer.ctx.model.clone()
    for (_, d, s), var in pricer.ctx.x.items():
        model.add(model.get_bool_var_from_proto_index(var.index) == int(line.shifts[d] == s))
    model.minimize(pricer.own)  # type: ignore[arg-type]
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    if solver.solve(model) != cp_model.OPTIMAL:
        return None
    return round(solver.objective_value)


@pytest.mark.parametrize("seed", range(8))
def test_the_pass_finds_the_cp_sat_optimum_on_random_workers_and_duals(seed: int):
    """Random limits on every modelled rule, leave, a pin and soft requests, two weeks:
    the pass's least equals the CP-SAT pricing optimum, and every line it returns is one
    the CP-SAT model accepts, at the own cost the pass says."""
    rng = random.Random(seed)
    days = [WEEK + dt.timedelta(days=i) for i in range(14)]
    requests = [
        Request(
            worker_id="A",
            date=rng.choice(days),
            kind=kind,
            shift_id=rng.choice("EDLN"),
            weight=rng.randint(1, 5),
        )
        for kind in ("day_off", "shift_on", "shift_off", "shift_on")
    ]
    leave = [Leave(worker_id="A", start=days[3], end=days[3 + rng.randint(0, 2)], kind="annual")]
    sc = _case([_random_worker(rng, "A")], requests=requests, leave=leave)
    pins = (Cell(days[rng.randint(8, 13)], "A", rng.choice(("D", None))),)
    problem = RosterProblem(sc, WEEK, 2, pins=pins)
    fast, exact = _pricers(problem)
    for _ in range(3):
        duals = {(d, s): rng.choice((0.0, rng.uniform(0, 30))) for d in range(14) for s in range(4)}
        want = exact.price(duals, 10, 0)
        got = fast.price(duals, 10, 0)
        if not want.found:  # the worker's own rules admit no line
            assert got.infeasible and not got.found
            continue
        best = min(_reduced(line, duals) for line in want.found)
        assert got.least is not None
        assert got.least == pytest.approx(best, abs=0.01)
        assert _reduced(got.found[-1], duals) == pytest.approx(got.least, abs=1e-5)
        for line in got.found:
            assert _own_cost_by_cp_sat(exact, line) == line.cost


def test_runs_rest_and_the_horizon_edges_exactly():
    """One week, at most 3 days in a row, rests of at least 2 days inside the horizon:
    with 10 earned on every day shift, the best line works 5 days (6 would need a one-day
    rest inside, or a run of 4)."""
    sc = _case([worker("A", max_consecutive_days=3, min_consecutive_days_off=2)])
    fast, _ = _pricers(RosterProblem(sc, WEEK, 1))
    answer = fast.price({(d, 1): 10.0 for d in range(7)}, 1, 0)
    assert answer.least == pytest.approx(-50.0)
    best = answer.found[-1].shifts
    assert sum(s >= 0 for s in best) == 5 and set(best) == {-1, 1}


def test_short_runs_are_allowed_only_at_the_horizon_edges():
    """Runs of at least 3 working days, except at the edges: a single Monday and a single
    Sunday are fine (earning 20), a single Wednesday is not (a 3-day run around it)."""
    sc = _case([worker("A", min_consecutive_days=3)])
    fast, exact = _pricers(RosterProblem(sc, WEEK, 1))
    idle = {(d, s): -0.1 for d in range(7) for s in range(4)}  # any other shift costs
    edges = {**idle, (0, 1): 10.0, (6, 1): 10.0}
    assert fast.price(edges, 1, 0).least == pytest.approx(-20.0)
    assert fast.price(edges, 1, 0).found[-1].shifts == (1, -1, -1, -1, -1, -1, 1)
    middle = {**idle, (2, 1): 10.0, (1, 1): 0.5, (3, 1): 0.5}
    got = fast.price(middle, 1, 0)
    assert got.least == pytest.approx(-11.0)
    assert got.found[-1].shifts == (-1, 1, 1, 1, -1, -1, -1)
    assert exact.price(middle, 5, 0).least == pytest.approx(-11.0, abs=0.01)


def test_worked_weekends_and_successions():
    """At most one worked weekend in two weeks; N may not be followed by E, D or L."""
    sc = _case([worker("A", max_weekends=1)])
    fast, _ = _pricers(RosterProblem(sc, WEEK, 2))
    weekend = {(d, 1): 10.0 for d in (5, 6, 12, 13)}
    assert fast.price(weekend, 1, 0).least == pytest.approx(-20.0)
    # a night on Monday and an early on Tuesday: only one of them
    night_then_early = {(0, 3): 10.0, (1, 0): 8.0}
    assert fast.price(night_then_early, 1, 0).least == pytest.approx(-10.0)


def test_total_minutes_and_caps_bind():
    """A week at 1 440-1 920 minutes, days (480 min) and at most one night (600 min):
    with every cell worth 100, the best line is four days (1 920); three days and a
    night would be 2 040, over the maximum."""
    sc = _case([worker("A", min_total_minutes=1440, max_total_minutes=1920,
                       max_shifts={"N": 1, "E": 0, "L": 0})])  # fmt: skip
    fast, exact = _pricers(RosterProblem(sc, WEEK, 1))
    duals = {(d, s): 100.0 for d in range(7) for s in range(4)}
    got = fast.price(duals, 1, 0)
    assert got.least == pytest.approx(-400.0)  # four shifts: 4 x 480 = 1 920
    assert sum(s >= 0 for s in got.found[-1].shifts) == 4
    assert got.found[-1].shifts.count(3) == 0  # a night would leave room for three only
    assert exact.price(duals, 5, 0).least == pytest.approx(-400.0, abs=0.01)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"rules": {**STANDARD, "weekly_hours": HARD}}, "weekly_hours (hard) is not modelled"),
        ({"rules": {**STANDARD, "max_consecutive_days": RuleSetting(mode="soft", weight=3)}},
         "max_consecutive_days (soft) is not modelled"),
    ],
)  # fmt: skip
def test_rules_the_pass_does_not_model_keep_cp_sat(change: dict[str, Any], why: str):
    sc = scenario([worker("A")], [need("day", "D", min=1)], **change)
    pricer = _Pricer(RosterProblem(sc, WEEK, 1), 0)
    assert pricer.labeller is None
    assert pricer.why_cp_sat.startswith(why)


def test_history_keeps_cp_sat():
    sc = _case([worker("A")])
    history = (Cell(WEEK - dt.timedelta(days=1), "A", "N"),)
    pricer = _Pricer(RosterProblem(sc, WEEK, 1, history=history), 0)
    assert (pricer.labeller, pricer.why_cp_sat) == (None, "history before the horizon")


@pytest.mark.parametrize("seed", range(2))
def test_the_column_generator_reaches_the_same_bound_with_either_pricer(seed: int):
    """Both pricers are exact, so the root LP converges to the same bound."""
    rng = random.Random(50 + seed)
    sc = _case([_random_worker(rng, w) for w in "ABCD"])
    sc = sc.model_copy(update={"cover": (need("day", "D", min=2, weight=10),
                                         need("late", "L", min=1, weight=7))})  # fmt: skip
    bounds = []
    for labelling in (True, False):
        cg = ColumnGeneration(build_model(RosterProblem(sc, WEEK, 2)), threads=1,
                              labelling=labelling)  # fmt: skip
        try:
            assert cg.start(time.monotonic() + 20) is None
            assert cg.converge(time.monotonic() + 60)
            bounds.append(_proven(cg.bound))
        finally:
            cg.close()
    assert bounds[0] is not None and bounds[0] == bounds[1]


@pytest.mark.parametrize("seed", range(2))
def test_polish_never_worsens_a_rota_and_reports_its_exact_value(seed: int):
    """Best responses from each worker's first line: the polished rota is worth what
    polish says (the master's exact value) and no more than the start."""
    rng = random.Random(80 + seed)
    sc = _case([worker(w, max_consecutive_days=rng.randint(3, 5), max_weekends=1) for w in "ABCD"])
    sc = sc.model_copy(update={"cover": (need("day", "D", min=2, weight=rng.randint(5, 10)),
                                         need("late", "L", min=1, weight=7))})  # fmt: skip
    cg = ColumnGeneration(build_model(RosterProblem(sc, WEEK, 2)), threads=1)
    try:
        assert cg.start(time.monotonic() + 20) is None
        start = {line.worker: line for _, line in cg.master.columns}
        before = cg.master.value([cg._index[w, line.shifts] for w, line in start.items()])
        rota, value = cg.polish(start, time.monotonic() + 20)
        assert value < before  # lines priced alone ignore cover: some worker moves
        assert value == cg.master.value([cg._index[w, line.shifts] for w, line in rota.items()])
        assert sorted(rota) == list(range(4))
    finally:
        cg.close()


def _lines_by_cp_sat(pricer: _Pricer, duals: dict[tuple[int, int], int], top: int) -> set[Any]:
    """Every line (its shifts) of the CP-SAT pricing model whose ``cost − Σ duals`` can be
    at most ``top``."""
    model = pricer.ctx.model.clone()
    model.clear_objective()
    x = pricer.ctx.x
    priced = pricer.own - sum(value * x[0, d, s] for (d, s), value in duals.items())
    model.add(priced <= top)  # type: ignore[arg-type]
    cells = [(d, s) for (_, d, s) in x]

    class Every(cp_model.CpSolverSolutionCallback):
        def __init__(self) -> None:
            super().__init__()
            self.lines: set[Any] = set()

        def on_solution_callback(self) -> None:
            shifts = [-1] * pricer.days
            for d, s in cells:
                if self.value(x[0, d, s]):
                    shifts[d] = s
            self.lines.add(tuple(shifts))

    solver = cp_model.CpSolver()
    solver.parameters.enumerate_all_solutions = True
    solver.parameters.num_workers = 1
    every = Every()
    solver.solve(model, every)
    return every.lines


@pytest.mark.parametrize(("seed", "alike"), [(0, False), (1, False), (2, True), (3, True)])
def test_enumeration_lists_every_line_within_the_room(seed: int, alike: bool):
    """Two weeks, random rules and whole-number duals: the lines the pass enumerates
    within a room of 3 over the least are exactly those CP-SAT finds (with ``alike``,
    two shifts alike in every rule share a class and both members are listed)."""
    rng = random.Random(300 + seed)
    sc = _case([_random_worker(rng, "A")])
    if alike:
        sc = sc.model_copy(update={"shifts": (_shift("E", 480), _shift("D", 480), SHIFTS[3])})
    problem = RosterProblem(sc, WEEK, 2)
    fast, exact = _pricers(problem)
    assert fast.labeller is not None
    n_shifts = len(sc.shifts)
    duals = {(d, s): float(rng.randint(0, 6)) for d in range(14) for s in range(n_shifts)}
    least = fast.labeller.price(duals).least
    assert least is not None
    got = fast.labeller.enumerate(duals, 3.0, 100_000)
    assert got is not None
    want = _lines_by_cp_sat(exact, {k: int(v) for k, v in duals.items()}, round(least) + 3)
    assert len(want) > 1
    assert {shifts for shifts, _ in got} == want
    assert len(got) == len(want)  # no line twice
    for shifts, cost in rng.sample(got, min(10, len(got))):
        assert _own_cost_by_cp_sat(exact, Line(0, shifts, cost)) == cost
    assert fast.labeller.enumerate(duals, 3.0, len(want) - 1) is None  # over the limit


def test_settle_proves_the_optimum_or_finds_it(monkeypatch: pytest.MonkeyPatch):
    """Four workers, two weeks: from the optimum's value ``settle`` proves it (no better
    rota); from a worse value it returns the optimum, at the model's exact value; with
    more lines than it may enumerate it gives up, and does not try that value again."""
    rng = random.Random(7)
    sc = _case([worker(w, max_consecutive_days=rng.randint(3, 5), max_weekends=1) for w in "ABCD"])
    sc = sc.model_copy(update={"cover": (need("day", "D", min=3, weight=10),
                                         need("late", "L", min=2, weight=7))})  # fmt: skip
    ctx = build_model(RosterProblem(sc, WEEK, 2))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(ctx.model) == cp_model.OPTIMAL
    optimum = round(solver.objective_value)
    cg = ColumnGeneration(ctx, threads=1)
    try:
        assert cg.start(time.monotonic() + 20) is None
        assert cg.converge(time.monotonic() + 60)
        assert cg.settle(optimum, time.monotonic() + 30) == (optimum, None)
        settled = cg.settle(optimum + 5, time.monotonic() + 30)
        assert settled is not None
        best, rota = settled
        assert best == optimum and rota is not None
        assert cg.master.line_value([rota[w] for w in range(4)]) == optimum
        monkeypatch.setattr(columns, "CLOSE_LINES", 3)
        assert cg.settle(optimum + 6, time.monotonic() + 30) is None
        monkeypatch.setattr(columns, "CLOSE_LINES", 20_000)
        assert cg.settle(optimum + 6, time.monotonic() + 30) is None  # not tried again
        assert cg.settle(optimum + 5, time.monotonic() + 30) is not None
    finally:
        cg.close()
