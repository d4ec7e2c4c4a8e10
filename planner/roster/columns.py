"""Column generation over worker lines: a lower bound and a warm start for the roster model.

Every rule but the few in :data:`~planner.roster.rules.COUPLING_RULES` reads one
worker's line alone, so the roster is "one line per worker, and the lines together meet
cover". The master LP chooses a convex mix of known lines per worker against the cover
rows; each worker's pricing problem — the rule catalogue built for that worker alone,
priced by the cover duals — is solved by CP-SAT and returns the line that most lowers
the LP. Its value plus every worker's most negative reduced cost is a valid lower bound
(the Lagrangian bound), far tighter than the compact model's LP on cover-bound rosters.
The integer master (one known line per worker) then gives a rota to start CP-SAT from.

Coupling rules other than cover are left to the full model, which always has the last
word: columns only propose.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from planner.domain import RuleSetting
from planner.roster.problem import RosterProblem
from planner.roster.rules import COUPLING_RULES, CoverRow, RuleContext, build_model

SCALE = 10_000
"""Duals are rounded to 1/SCALE in the integer pricing objective."""
HARD_PENALTY = 100_000.0
"""LP cost of a unit of hard cover left open, so the master is always feasible."""


@dataclass(frozen=True)
class Line:
    """A worker's whole horizon: shift index per day (-1 = off) and its own penalty."""

    worker: int
    shifts: tuple[int, ...]
    cost: int


@dataclass(frozen=True)
class Priced:
    """A pricing answer: the line, its value ``cost − Σ duals``, and a proven least value."""

    line: Line | None
    value: float
    least: float | None
    found: tuple[Line, ...] = ()


class _Pricer:
    """One worker's pricing problem: the catalogue for that worker alone, coupling off."""

    def __init__(self, problem: RosterProblem, w: int) -> None:
        worker = problem.workers[w]
        scenario = problem.scenario.model_copy(update={"workers": (worker,), "cover": ()})
        off = {name: RuleSetting(mode="off") for name in COUPLING_RULES}
        sub = dataclasses.replace(
            problem, scenario=scenario, overrides={**problem.overrides, **off}
        )
        self.w = w
        self.ctx: RuleContext = build_model(sub)
        self.days = len(problem.days)
        self.n_shifts = len(problem.shifts)
        self.own = sum(
            weight * expr for terms in self.ctx.penalties.values() for weight, expr in terms
        )

    def price(self, duals: dict[tuple[int, int], float], time_limit: float, seed: int) -> Priced:
        """The line of least ``cost − Σ duals`` (the convexity dual is the caller's).

        Every line the search passes on its way is returned too: each one that prices
        out is a column for free.
        """
        x = self.ctx.x
        objective = SCALE * self.own - sum(
            round(SCALE * value) * x[0, d, s] for (d, s), value in duals.items() if value
        )
        self.ctx.model.minimize(objective)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.01, time_limit)
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = seed
        seen = _Lines(self)
        status = solver.solve(self.ctx.model, seen)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE) or not seen.lines:
            return Priced(None, math.inf, None)
        lines = tuple(seen.lines)
        value = _reduced(lines[-1], duals)
        least = None
        if status == cp_model.OPTIMAL:  # rounding the duals moves the optimum by at most this
            least = solver.objective_value / SCALE - 0.5 * self.days / SCALE
        return Priced(lines[-1], value, least, lines)


class _Lines(cp_model.CpSolverSolutionCallback):
    """Collects every line a pricing search finds, the best last."""

    def __init__(self, pricer: _Pricer) -> None:
        super().__init__()
        self.pricer = pricer
        self.lines: list[Line] = []

    def on_solution_callback(self) -> None:
        p = self.pricer
        shifts = tuple(
            next((s for s in range(p.n_shifts) if self.boolean_value(p.ctx.x[0, d, s])), -1)
            for d in range(p.days)
        )
        cost = p.own if isinstance(p.own, int) else round(self.value(p.own))
        self.lines.append(Line(p.w, shifts, cost))


class _Master:
    """The restricted master LP (GLOP): lines per worker against the cover rows."""

    def __init__(self, n_workers: int, rows: list[CoverRow]) -> None:
        self.lp = pywraplp.Solver.CreateSolver("GLOP")
        inf = self.lp.infinity()
        self.objective = self.lp.Objective()
        self.convex = [self.lp.Constraint(1.0, 1.0) for _ in range(n_workers)]
        self.rows: list[tuple[pywraplp.Constraint, CoverRow]] = []
        self.of_cell: dict[tuple[int, int, int], list[pywraplp.Constraint]] = {}
        for i, row in enumerate(rows):
            for side, limit in (("lo", row.lo), ("hi", row.hi)):
                if limit is None:
                    continue
                if side == "lo":
                    ct = self.lp.Constraint(float(limit), inf)
                    weight = HARD_PENALTY if row.hard else float(row.weight_under)
                    slack = self.lp.NumVar(0.0, float(limit), f"u{i}")
                    ct.SetCoefficient(slack, 1.0)
                else:
                    ct = self.lp.Constraint(-inf, float(limit))
                    weight = HARD_PENALTY if row.hard else float(row.weight_over)
                    slack = self.lp.NumVar(0.0, inf, f"o{i}")
                    ct.SetCoefficient(slack, -1.0)
                self.objective.SetCoefficient(slack, weight)
                self.rows.append((ct, row))
                for cell in row.cells:
                    self.of_cell.setdefault(cell, []).append(ct)
        self.objective.SetMinimization()
        self.columns: list[tuple[pywraplp.Variable, Line]] = []

    def add(self, line: Line) -> None:
        var = self.lp.NumVar(0.0, self.lp.infinity(), f"l{len(self.columns)}")
        self.objective.SetCoefficient(var, float(line.cost))
        self.convex[line.worker].SetCoefficient(var, 1.0)
        for d, s in enumerate(line.shifts):
            if s >= 0:
                for ct in self.of_cell.get((line.worker, d, s), ()):
                    ct.SetCoefficient(var, 1.0)
        self.columns.append((var, line))

    def solve(self) -> float:
        status = self.lp.Solve()
        if status != pywraplp.Solver.OPTIMAL:
            raise RuntimeError(f"master LP status {status}")
        return float(self.objective.Value())

    def duals(self, w: int, days: int, shifts: int) -> dict[tuple[int, int], float]:
        out: dict[tuple[int, int], float] = {}
        for d in range(days):
            for s in range(shifts):
                cts = self.of_cell.get((w, d, s))
                if cts:
                    out[d, s] = sum(ct.dual_value() for ct in cts)
        return out

    def convex_dual(self, w: int) -> float:
        return float(self.convex[w].dual_value())


Job = tuple[_Pricer, dict[tuple[int, int], float], float, int]
"""One pricing call: the worker's problem, the duals, a time limit and a seed."""


def _price(job: Job) -> Priced:
    """One pricing call (for the thread pool)."""
    pricer, duals, limit, seed = job
    return pricer.price(duals, limit, seed)


def _reduced(line: Line, duals: dict[tuple[int, int], float]) -> float:
    """A line's cost less the cover duals it earns (before the convexity dual)."""
    return line.cost - sum(duals.get((d, s), 0.0) for d, s in enumerate(line.shifts) if s >= 0)


class ColumnGeneration:
    """Column generation on the master LP, its Lagrangian bound, and a diving heuristic."""

    def __init__(self, ctx: RuleContext, *, seed: int = 0, threads: int = 2) -> None:
        problem = ctx.problem
        self.n = len(problem.workers)
        self.days, self.shifts = len(problem.days), len(problem.shifts)
        self.seed = seed
        self.pool = ThreadPoolExecutor(max(1, threads))  # CP-SAT releases the GIL
        self.problem = problem
        self._pricers: dict[int, _Pricer] = {}
        self.master = _Master(self.n, ctx.cover_rows)
        self.fixed: dict[int, int] = {}
        self.bound: float | None = None
        self.rounds = 0
        self.log: list[str] = []
        self._seen: set[tuple[int, tuple[int, ...]]] = set()

    def pricer(self, w: int) -> _Pricer:
        """Worker ``w``'s pricing problem, built on first use."""
        if w not in self._pricers:
            self._pricers[w] = _Pricer(self.problem, w)
        return self._pricers[w]

    def sample_seconds(self, k: int = 16, step: float = 1.0) -> float:
        """Seconds one pricing takes, from building and pricing the first ``k`` workers."""
        began = time.monotonic()
        sample = range(min(k, self.n))
        for w in sample:
            self.pricer(w).price({}, step, self.seed)
        return (time.monotonic() - began) / max(1, len(sample))

    def close(self) -> None:
        """Stop the pricing threads."""
        self.pool.shutdown(wait=True)

    def _add(self, line: Line) -> None:
        key = (line.worker, line.shifts)
        if key not in self._seen:
            self._seen.add(key)
            self.master.add(line)

    def start(self, lines: list[Line] | None = None, step: float = 1.0) -> bool:
        """Seed the master with each worker's own best line (and ``lines``, e.g. a rota)."""
        pricing: list[Job] = [(self.pricer(w), {}, step, self.seed) for w in range(self.n)]
        first = list(self.pool.map(_price, pricing))
        if any(p.line is None for p in first):
            return False
        for priced in first:
            assert priced.line is not None
            self._add(priced.line)
        for line in lines or []:
            self._add(line)
        return True

    def converge(self, deadline: float, max_rounds: int | None = None, step: float = 1.0) -> bool:
        """Price out lines until none improves the LP, ``deadline`` or ``max_rounds``."""
        free = [w for w in range(self.n) if w not in self.fixed]
        rounds = 0
        while time.monotonic() < deadline and (max_rounds is None or rounds < max_rounds):
            rounds += 1
            self.rounds += 1
            value = self.master.solve()
            # every dual is read before any line is added: GLOP forgets them on a change
            duals = {
                w: (self.master.convex_dual(w), self.master.duals(w, self.days, self.shifts))
                for w in free
            }
            limit = max(0.01, min(step, deadline - time.monotonic()))
            pricing = [(self.pricer(w), duals[w][1], limit, self.seed) for w in free]
            answers = list(self.pool.map(_price, pricing))
            found = [
                line
                for w, a in zip(free, answers, strict=True)
                for line in a.found
                if _reduced(line, duals[w][1]) - duals[w][0] < -1e-6
            ]
            proven = all(a.least is not None for a in answers)
            if proven and not self.fixed:
                total = sum(
                    min(0.0, a.least - duals[w][0])
                    for w, a in zip(free, answers, strict=True)
                    if a.least is not None
                )
                self.bound = max(self.bound or -math.inf, value + total)
            for line in found:
                self._add(line)
            self.log.append(f"round {self.rounds}: LP {value:.2f}, {len(found)} new lines")
            if not found and proven:
                self.master.solve()
                return True
        return False

    def dive(self, deadline: float, rounds_per_step: int = 1) -> tuple[dict[int, Line], int]:
        """Fix the most chosen line of the least fractional workers, re-price, repeat.

        Past ``deadline`` every worker still free takes their most chosen line at once, so
        the dive always ends with a whole rota.
        """
        while len(self.fixed) < self.n:
            late = time.monotonic() > deadline
            if not late:
                self.converge(deadline, max_rounds=rounds_per_step)
            self.master.solve()  # the lines priced last are in the LP's choice too
            best: dict[int, tuple[float, int]] = {}
            for i, (var, line) in enumerate(self.master.columns):
                if line.worker in self.fixed:
                    continue
                value = var.solution_value()
                if line.worker not in best or value > best[line.worker][0]:
                    best[line.worker] = (value, i)
            ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))
            chosen = [w for w, (value, _) in ranked if late or value >= DIVE_THRESHOLD]
            chosen = chosen or [ranked[0][0]]
            for w in chosen:
                self.fixed[w] = best[w][1]
                self.master.columns[best[w][1]][0].SetLb(1.0)
        value = self.master.solve()
        rota = {w: self.master.columns[i][1] for w, i in self.fixed.items()}
        return rota, round(value)


@dataclass(frozen=True)
class WarmStart:
    """What the columns phase hands to CP-SAT: a proven bound and a rota to start from."""

    bound: int | None
    """A proven lower bound on the model's objective (None when not proven in time)."""
    values: dict[tuple[int, int, int], int] | None
    """The dived rota as values of the model's (worker, day, shift) booleans."""
    objective: int | None
    """The dived rota's cost in the master (cover and each worker's own rules)."""
    rounds: int
    note: str


EXPECTED_ROUNDS = 30
"""Rounds a master usually needs; the phase is skipped when they would not fit its time."""
DIVE_THRESHOLD = 0.9
"""A dive step fixes every free worker whose most chosen line has at least this weight."""
CONVERGE_SHARE = 0.7
"""Of the phase's time, the root LP may take this share; the dive has the rest."""


def warm_start(
    ctx: RuleContext,
    *,
    deadline: float,
    seed: int = 0,
    threads: int = 2,
    pause: Callable[[], bool] | None = None,
) -> WarmStart:
    """Column generation to a proven bound, then a dive to a rota, all before ``deadline``.

    ``pause`` runs once the first round shows the columns can converge in time (the
    caller's quick probe); if it returns True the problem is settled and the phase ends.
    """
    started = time.monotonic()
    if not ctx.cover_rows:
        return WarmStart(None, None, None, 0, "no cover rows to price")
    cg = ColumnGeneration(ctx, seed=seed, threads=threads)
    try:
        # a first guess from a few workers, before building every pricing problem; a
        # later round costs about twice a first one (duals make pricing harder)
        one = cg.sample_seconds()
        if started + EXPECTED_ROUNDS * 2 * one * cg.n / threads > deadline:
            return WarmStart(None, None, None, 0, f"skipped: {one:.3f} s a pricing is too slow")
        if not cg.start():
            return WarmStart(None, None, None, 0, "a worker has no line that keeps their rules")
        cg.converge(deadline, max_rounds=1)
        per_round = time.monotonic() - started
        if started + EXPECTED_ROUNDS * per_round > deadline:
            return WarmStart(
                None, None, None, cg.rounds, f"skipped: {per_round:.2f} s a round is too slow"
            )
        if pause is not None and pause():
            return WarmStart(None, None, None, cg.rounds, "settled before the columns were needed")
        converged = cg.converge(started + CONVERGE_SHARE * (deadline - started))
        bound = _proven(cg.bound)
        rota, objective = cg.dive(deadline)
        values = {
            (w, d, s): int(rota[w].shifts[d] == s)
            for w in range(cg.n)
            for d in range(cg.days)
            for s in range(cg.shifts)
        }
        note = f"{cg.rounds} rounds, {len(cg.master.columns)} lines" + (
            "" if converged else ", the root LP not converged"
        )
        return WarmStart(bound, values, objective, cg.rounds, note)
    finally:
        cg.close()


def _proven(bound: float | None) -> int | None:
    """The integer bound a float Lagrangian bound proves (with room for LP round-off)."""
    if bound is None:
        return None
    return math.ceil(bound - 1e-6 * max(1.0, abs(bound)))
