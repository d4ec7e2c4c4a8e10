"""Column generation over worker lines: a lower bound and a warm start for the roster model.

Every rule but the few in :data:`~planner.roster.rules.COUPLING_RULES` reads one
worker's line alone, so a rota is "one line per worker, and the lines together meet
cover". The master LP (GLOP) picks a convex mix of known lines per worker against the
cover rows; each worker's pricing problem — the rule catalogue built for that worker
alone, priced by the cover duals — is solved by CP-SAT and returns the line that most
lowers the LP. For any duals, the cover rows' Lagrangian function (every worker's best
priced line plus the rows' own terms) is a lower bound on the model's optimum; at the
LP's duals it equals the LP bound, far tighter than the compact model's LP on
cover-bound rosters. Dives then fix lines until every worker has one, and a MIP (SCIP)
picks the best rota among the lines priced on the way (price-and-branch): a rota to start
CP-SAT from.

Coupling rules other than cover only add hard constraints and non-negative penalties,
so leaving them out keeps the bound valid; the full model always has the last word on
the rota — columns only propose.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from planner.domain import RuleSetting
from planner.interrupt import stoppable
from planner.roster.cpsat import CpSolver, cpsat_seed
from planner.roster.problem import RosterProblem
from planner.roster.rules import COUPLING_RULES, CoverRow, RuleContext, build_model

if TYPE_CHECKING:
    from planner.roster.labelling import Labeller

SCALE = 10_000
"""Duals are rounded to 1/SCALE in the integer pricing objective."""
EXPECTED_ROUNDS = 20
"""Rounds that must fit the phase's time, or it is skipped: with fewer the LP is still far
from its optimum, and its rounding no better a start than CP-SAT's own (Curtois 12 needs
about 28 rounds to converge; at 20 its rounding is already a good start for the LNS)."""
DIVE_THRESHOLD = 0.6
"""A dive step fixes every free worker whose most chosen line has at least this weight
(above a half, so that a worker split evenly between two lines is left to the LP). With
4 pricing rounds a step, 0.6 dived better than 0.9 with 2 (Curtois 5, 7, 8, 10: 1246,
1171, 1306, 4644 against 1352, 1172, 1519, 4740). With steps re-priced to the end, 0.6,
0.8 and 0.95 gave mixed results on three seeds of 5-8: not re-tuned."""
DIVE_ROUNDS = 40
"""Most pricing rounds between two dive steps: each step re-prices until the LP has no
line to add, time permitting. A step's LP that is not re-converged overstates what the
free workers can still do, and the dive's last steps then fix poor lines: Curtois 8 dived
to 1420 with 4 rounds a step and to 1303 with up to 40 (seed 1; 17 s and 22 s), 7 to 1157
and 1057."""
ASIDE_ABOVE = 5.0
"""A dive step sets aside (upper bound 0) every free column whose reduced cost exceeds
this: GLOP's presolve then drops them, where its simplex otherwise works through every
line priced so far (they are still read at each solve until shed, see ``SHED_SHARE``).
Curtois 12's dive from its root: 64 s, 43 s with these set aside, both ending at 4040;
0.2 and 1 were slower, 73 and 78 s, as set-aside lines were priced again and again.
Pricing restores a column it finds again, so the LP still ends each step at its optimum
over every line."""
SHED_SHARE = 0.5
"""A dive sheds the LP's dead columns (set aside, or another line of a fixed worker) once
they are more than this share of it (see ``_Master.shed``)."""
PACE_STEPS = 3
"""Dive steps whose pace sets how many workers the next step must fix (see ``_pace``)."""
MIP_SHARE = 0.4
"""Of the phase's time, what the repeated dives leave for the restricted master MIP. With
a quarter, Curtois 7's MIP (about 14 s over 3 500 lines) ended at the dives' 1057; with
this share it finds the best known 1056 (seeds 1-3; in 8 s on seed 1). 0.55 found it too,
from a worse dive, but 8 lost three units for its fewer dives. 12 still ends optimal (in
56.5, 36.9 and 56.6 s on seeds 1-3: where its dive lands a unit above, the MIP finds
nothing and the LNS's sweep mends it after)."""
CLOSE_LINES = 20_000
"""Most lines the exact closing MIP (``ColumnGeneration.settle``) is built over. Curtois 5
keeps 6 800 lines within 1142 of its root (SCIP shows in 5 s there is no such rota), 6
keeps 16 000 within 1949 (19 s); 7's 42 000 within 1055 were not settled in 60 s."""
SETTLE_GAP = 0.002
"""Between dives, a new best rota is offered to ``settle`` only within this share of its
value above the bound (Curtois 5 at 1143 and 6 at 1950 are; before each MIP, every new
best is): Curtois 8, whose dives are steered by the clock, dived to 1307 and 1404 when
the step ran (0.1-0.5 s, each time too many lines) after its far dives, 1303 without."""
CONVERGE_SHARE = 0.55
"""Of the phase's time, the root LP may take this share; the dives and MIPs have the rest
(about half the solve's time limit: Curtois 12's root once needed some 35 s of 60, and the
LNS gained more from its rounding than a dive started too late would; with the labelling
pricer it converges in about 10 s)."""
POLISH_SECONDS = 2.0
"""Time a rota's polish may take past the phase's deadline (a dive that ran late ends in
a poor rota that one sweep of best responses mends)."""
STEP_SECONDS = 1.0
"""Time limit of one pricing call."""
SMOOTHING = 0.5
"""Weight of the best-bound duals in the duals pricing runs at (Wentges smoothing)."""
SCIP_PARAMS = (
    "branching/pscost/priority = 100000",
    "separating/maxroundsroot = 0",
    "separating/maxrounds = 0",
)
"""The restricted master MIP branches on pseudo-costs and adds no cutting planes: on two
of Curtois 7's pools (1057 in hand, 3 300 lines within the room) SCIP proves 1056 in 6.9
and 14.0 s this way, in 18.5 and 34.4 s with its defaults (reliability branching starts
with costly strong branching; the cuts barely move a bound that the columns made
tight)."""
FLOAT_SLACK = 1e-6
"""Taken off the labelling pass's exact least, for its floating-point sums."""

IntArray = npt.NDArray[np.int64]
Duals = dict[tuple[int, int], float]
Settle = Callable[[int, float], tuple[int, dict[tuple[int, int, int], int] | None] | None]
"""A rota's value and a deadline → the proven optimum, and its rota (the model's values)
when better; None when not settled (see ``ColumnGeneration.settle``)."""
"""A worker's price per (day, shift) cell: the sum of the duals of the rows counting it."""


@dataclass(frozen=True)
class Line:
    """A worker's whole horizon: shift index per day (-1 = off) and its own penalty."""

    worker: int
    shifts: tuple[int, ...]
    cost: int


@dataclass(frozen=True)
class Priced:
    """A pricing answer: every line the search found (best last) and a proven lower bound."""

    found: tuple[Line, ...]
    least: float | None
    """A proven lower bound on ``cost − Σ duals`` over all of the worker's lines (their
    least, when the search proved its best line optimal)."""
    infeasible: bool = False


class _Pricer:
    """One worker's pricing problem: the catalogue for that worker alone, coupling off."""

    def __init__(self, problem: RosterProblem, w: int, *, labelling: bool = True) -> None:
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
        self.labeller: Labeller | None = None
        self.why_cp_sat = "labelling off"
        if labelling:
            from planner.roster.labelling import Labeller, line_shape  # numba: when pricing

            shape = line_shape(sub, self.ctx.model, self.own)
            if isinstance(shape, str):
                self.why_cp_sat = shape
            else:
                self.labeller = Labeller(shape)

    def price(self, duals: Duals, time_limit: float, seed: int) -> Priced:
        """The line of least ``cost − Σ duals``, with every line found on the way to it.

        By the labelling pass when it models the worker's rules (exact, a few lines of
        different end states), else by a CP-SAT search within ``time_limit``.
        """
        if self.labeller is not None:
            answer = self.labeller.price(duals)
            if answer.least is None:
                return Priced((), None, infeasible=True)
            found = tuple(Line(self.w, shifts, cost) for shifts, cost in reversed(answer.lines))
            return Priced(found, answer.least - FLOAT_SLACK)
        x = self.ctx.x
        objective = SCALE * self.own - sum(
            round(SCALE * value) * x[0, d, s] for (d, s), value in duals.items() if value
        )
        self.ctx.model.minimize(objective)
        solver = CpSolver()
        solver.parameters.max_time_in_seconds = max(0.01, time_limit)
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = cpsat_seed(seed)
        seen = _Lines(self)
        status = solver.solve(self.ctx.model, seen)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE) or not seen.lines:
            return Priced((), None, infeasible=status == cp_model.INFEASIBLE)
        # CP-SAT's bound holds whether or not it proved its line optimal (Curtois 9: one
        # worker's pricing is never proven in a second, and waiting for it stalled the
        # root LP); rounding the duals moves the optimum by at most the second term
        least = solver.best_objective_bound / SCALE - 0.5 * self.days / SCALE
        return Priced(tuple(seen.lines), least)

    def line(self, values: Callable[[cp_model.LinearExpr], int]) -> Line:
        """The line of a solution, read through ``values``."""
        shifts = tuple(
            next((s for s in range(self.n_shifts) if values(self.ctx.x[0, d, s])), -1)
            for d in range(self.days)
        )
        cost = self.own if isinstance(self.own, int) else round(values(self.own))
        return Line(self.w, shifts, cost)


class _Lines(cp_model.CpSolverSolutionCallback):
    """Collects every line a pricing search finds, the best last."""

    def __init__(self, pricer: _Pricer) -> None:
        super().__init__()
        self.pricer = pricer
        self.lines: list[Line] = []

    def on_solution_callback(self) -> None:
        self.lines.append(self.pricer.line(self.value))


@dataclass
class _Row:
    """One side of a cover row in the LP: ``count + u >= lo`` or ``count - o <= hi``."""

    constraint: pywraplp.Constraint
    lower: bool
    rhs: float
    slack_weight: float


def _glop() -> pywraplp.Solver:
    """A new, empty GLOP LP."""
    lp = pywraplp.Solver.CreateSolver("GLOP")
    if lp is None:
        raise RuntimeError("OR-Tools has no GLOP linear solver")
    return lp


def _slacked(
    solver: pywraplp.Solver, objective: pywraplp.Objective, lower: bool, rhs: float, weight: float
) -> pywraplp.Constraint:
    """One side of a cover row with its weighted slack: ``count + u >= rhs`` (``u <= rhs``)
    or ``count - o <= rhs``."""
    inf = solver.infinity()
    slack = solver.NumVar(0.0, rhs if lower else inf, "")
    objective.SetCoefficient(slack, weight)
    constraint = solver.Constraint(rhs, inf) if lower else solver.Constraint(-inf, rhs)
    constraint.SetCoefficient(slack, 1.0 if lower else -1.0)
    return constraint


class _Master:
    """The restricted master LP (GLOP): lines per worker against the cover rows."""

    def __init__(self, n_workers: int, rows: list[CoverRow]) -> None:
        self.lp = _glop()
        self.objective = self.lp.Objective()
        self.convex = [self.lp.Constraint(1.0, 1.0) for _ in range(n_workers)]
        self.rows: list[_Row] = []
        self.of_cell: dict[tuple[int, int, int], list[int]] = {}
        weights = [max(r.weight_under, r.weight_over) for r in rows if not r.hard]
        # hard cover is a costly slack here, so the LP stays feasible while lines are few
        hard = max(100_000.0, 100.0 * max(weights, default=0))
        for row in rows:
            for lower, limit in ((True, row.lo), (False, row.hi)):
                if limit is None:
                    continue
                weight = hard if row.hard else float(row.weight_under if lower else row.weight_over)
                ct = _slacked(self.lp, self.objective, lower, float(limit), weight)
                for cell in row.cells:
                    self.of_cell.setdefault(cell, []).append(len(self.rows))
                self.rows.append(_Row(ct, lower, float(limit), weight))
        self.objective.SetMinimization()
        self.columns: list[tuple[pywraplp.Variable | None, Line]] = []
        """Every line priced, with its variable in the LP (None: shed, see ``shed``)."""
        self.aside: set[int] = set()
        """Columns out of the LP's choice (upper bound 0, or shed): those a dive set aside,
        until pricing finds them again, and those it shed as other lines of a fixed
        worker, until the dive is undone (``restore_all``)."""
        self._solved: float | None = None
        """The LP's value while nothing changed since it was solved (a re-solve costs
        GLOP its presolve over every column, some 0.1 s on Curtois 12's 16 000)."""
        self.abnormal = 0
        """Solves GLOP ended abnormally, each re-run on a rebuilt LP."""
        self._incidence: dict[int, tuple[list[tuple[int, int]], IntArray, IntArray]] = {}
        """Per worker: the cells that count in a row, and (cell, row) pairs as two arrays."""

    def _enter(
        self,
        var: pywraplp.Variable,
        line: Line,
        objective: pywraplp.Objective,
        convex: list[pywraplp.Constraint],
        rows: list[pywraplp.Constraint],
    ) -> None:
        """``var`` as the column of ``line``: its cost, its worker's row, its cover rows."""
        objective.SetCoefficient(var, float(line.cost))
        convex[line.worker].SetCoefficient(var, 1.0)
        for r in self._rows_of(line):
            rows[r].SetCoefficient(var, 1.0)

    def _rows_of(self, line: Line) -> Iterator[int]:
        """The cover rows ``line`` counts in, once per worked cell that a row counts."""
        for d, s in enumerate(line.shifts):
            if s >= 0:
                yield from self.of_cell.get((line.worker, d, s), ())

    def _variable(self, line: Line) -> pywraplp.Variable:
        """A new variable in the LP for ``line``'s column."""
        var = self.lp.NumVar(0.0, self.lp.infinity(), "")
        self._enter(var, line, self.objective, self.convex, [row.constraint for row in self.rows])
        self._solved = None
        return var

    def add(self, line: Line) -> None:
        """A new column for ``line``."""
        self.columns.append((self._variable(line), line))

    def reprice(self, index: int, line: Line) -> None:
        """The same shifts found again at a lower own cost: the column takes it."""
        var, _ = self.columns[index]
        if var is not None:
            self.objective.SetCoefficient(var, float(line.cost))
            self._solved = None
        self.columns[index] = (var, line)

    def fix(self, index: int, fixed: bool) -> None:
        """Force column ``index`` into the LP's choice (a dive's step), or free it again."""
        var = self.columns[index][0]
        assert var is not None, "a fixed column is never shed"
        var.SetLb(1.0 if fixed else 0.0)
        self._solved = None

    def set_aside(self, above: float) -> None:
        """Set aside every column not forced in whose reduced cost is over ``above``
        (read from the last solve, so before any change)."""
        far = [
            (i, var)
            for i, (var, _) in enumerate(self.columns)
            if var is not None
            and i not in self.aside
            and var.lb() < 0.5
            and var.reduced_cost() > above
        ]
        for i, var in far:
            var.SetUb(0.0)
            self.aside.add(i)
        if far:
            self._solved = None

    def restore(self, index: int) -> None:
        """Put a set-aside (or shed) column back in the LP."""
        var, line = self.columns[index]
        if var is None:
            self.columns[index] = (self._variable(line), line)
        else:
            var.SetUb(self.lp.infinity())
        self.aside.discard(index)
        self._solved = None

    def shed(self, dead: set[int]) -> None:
        """A new LP without the columns ``dead`` (set aside until restored) nor any shed
        before; the others keep their bounds.

        GLOP re-reads the whole LP at each solve, dead columns too: on Curtois 12's dive,
        with 21 of 60 workers fixed, a re-solve over all 6 700 lines took 0.63 s, a cold
        solve over the 3 100 alive 0.49 s and a warm re-solve of those 0.03 s.
        """
        self._rebuild(lambda i, var: var is not None and i not in dead)

    def restore_all(self) -> None:
        """Every column back in the LP, none forced in (a new LP if any was shed)."""
        if any(var is None for var, _ in self.columns):
            self._rebuild(lambda i, var: True)
        for var, _ in self.columns:
            assert var is not None
            var.SetBounds(0.0, self.lp.infinity())
        self.aside.clear()
        self._solved = None

    def _frame(
        self, solver: pywraplp.Solver
    ) -> tuple[pywraplp.Objective, list[pywraplp.Constraint], list[pywraplp.Constraint]]:
        """The master's rows in ``solver``, with no column yet: the objective (the slacks'
        weights), each worker's convexity row and each cover row with its slack."""
        objective = solver.Objective()
        convex = [solver.Constraint(1.0, 1.0) for _ in self.convex]
        rows = [_slacked(solver, objective, r.lower, r.rhs, r.slack_weight) for r in self.rows]
        return objective, convex, rows

    def _rebuild(self, alive: Callable[[int, pywraplp.Variable | None], bool]) -> None:
        """A new LP with the rows and the columns ``alive`` admits (with their bounds, 0 to
        infinity for one shed before); the others are shed and set aside."""
        old, old_lp = self.columns, self.lp  # the old variables live as long as their LP
        self.lp = _glop()
        self.objective, self.convex, rows = self._frame(self.lp)
        self.rows = [
            dataclasses.replace(row, constraint=ct) for row, ct in zip(self.rows, rows, strict=True)
        ]
        self.objective.SetMinimization()
        self.columns = []
        for i, (var, line) in enumerate(old):
            if not alive(i, var):
                self.columns.append((None, line))
                self.aside.add(i)
                continue
            kept = self._variable(line)
            if var is not None:
                kept.SetBounds(var.lb(), var.ub())
            else:
                self.aside.discard(i)
            self.columns.append((kept, line))
        del old_lp
        self._solved = None

    def solve(self) -> float:
        """The LP's value (raises when GLOP does not prove an optimum).

        An abnormal solve is run again on a rebuilt LP: like ``shed`` and
        ``restore_all``, it replaces every variable and constraint, so none may be held
        across these calls (read them from ``columns`` and ``rows`` afresh).
        """
        if self._solved is None:
            status = self.lp.Solve()
            if status == pywraplp.Solver.ABNORMAL:
                # GLOP's warm start from the last basis sometimes fails once the LP was
                # rebuilt and its bounds changed since; the same LP anew solves
                self.abnormal += 1
                self._rebuild(lambda i, var: var is not None)
                status = self.lp.Solve()
            if status != pywraplp.Solver.OPTIMAL:
                raise RuntimeError(f"the master LP ended with GLOP status {status}")
            self._solved = float(self.objective.Value())
        return self._solved

    def counts(self, chosen: Iterable[int]) -> list[int]:
        """Each row's head count when the workers work the columns ``chosen``."""
        return self._line_counts(self.columns[i][1] for i in chosen)

    def _line_counts(self, lines: Iterable[Line]) -> list[int]:
        counts = [0] * len(self.rows)
        for line in lines:
            for r in self._rows_of(line):
                counts[r] += 1
        return counts

    def value(self, chosen: list[int]) -> int:
        """The master's value of one column per worker: their costs and every row's slack."""
        return self.line_value([self.columns[i][1] for i in chosen])

    def line_value(self, lines: list[Line]) -> int:
        """The master's value of one line per worker: their costs and every row's slack."""
        counts = self._line_counts(lines)
        total = float(sum(line.cost for line in lines))
        for row, count in zip(self.rows, counts, strict=True):
            total += row.slack_weight * max(0.0, row.rhs - count if row.lower else count - row.rhs)
        return round(total)

    def pick_among(
        self, lines: list[Line], deadline: float, below: int | None = None
    ) -> tuple[bool, list[Line] | None]:
        """The best rota with one of ``lines`` per worker worth at most ``below``, by SCIP
        within ``deadline``: (proven optimal, its lines or None when it has none)."""
        mip = pywraplp.Solver.CreateSolver("SCIP")
        if mip is None:
            return False, None
        objective, convex, rows = self._frame(mip)
        picks = []
        for line in lines:
            picks.append(mip.BoolVar(""))
            self._enter(picks[-1], line, objective, convex, rows)
        objective.SetMinimization()
        if below is not None:  # the objective as a row: SCIP prunes by it from the start
            cap = mip.Constraint(-mip.infinity(), below + 0.5)
            for var in mip.variables():
                cap.SetCoefficient(var, objective.GetCoefficient(var))
        mip.SetSolverSpecificParametersAsString("\n".join(SCIP_PARAMS) + "\n")
        mip.SetTimeLimit(max(1, int(1000 * (deadline - time.monotonic()))))  # after building
        with stoppable(mip.InterruptSolve):
            status = mip.Solve()
        if status == pywraplp.Solver.INFEASIBLE:
            return True, None
        if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
            return False, None
        chosen = [
            line for line, var in zip(lines, picks, strict=True) if var.solution_value() > 0.5
        ]
        return status == pywraplp.Solver.OPTIMAL, chosen

    def best_pick(
        self, candidates: list[int], start: list[int], deadline: float
    ) -> tuple[int, list[int]] | None:
        """One line per worker among ``candidates``, the best SCIP finds by ``deadline``
        from ``start`` (a whole rota, its hint), with the master's value of it.

        The MIP has the master's rows, slacks and weights; its value is recomputed from
        the lines chosen, as a time-limited answer may carry more slack than it needs.
        None when SCIP is missing or ends without a solution.
        """
        mip = pywraplp.Solver.CreateSolver("SCIP")
        if mip is None:
            return None
        objective, convex, rows = self._frame(mip)
        picks = []
        for i in candidates:
            picks.append(mip.BoolVar(""))
            self._enter(picks[-1], self.columns[i][1], objective, convex, rows)
        objective.SetMinimization()
        first = set(start)
        mip.SetHint(picks, [float(i in first) for i in candidates])
        mip.SetSolverSpecificParametersAsString("\n".join(SCIP_PARAMS) + "\n")
        mip.SetTimeLimit(max(1, int(1000 * (deadline - time.monotonic()))))  # after building
        with stoppable(mip.InterruptSolve):
            status = mip.Solve()
        if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
            return None
        chosen = [i for i, var in zip(candidates, picks, strict=True) if var.solution_value() > 0.5]
        return self.value(chosen), chosen

    def worth(self, counts: list[int]) -> list[float]:
        """What one more head earns in each row at these counts: a head it misses, less a
        head over its maximum (the prices of a best response, see ``polish``)."""
        out = []
        for row, count in zip(self.rows, counts, strict=True):
            if row.lower:
                out.append(row.slack_weight if count < row.rhs else 0.0)
            else:
                out.append(-row.slack_weight if count >= row.rhs else 0.0)
        return out

    def row_duals(self) -> list[float]:
        """Each row's dual, clamped to the signs and range the Lagrangian bound needs."""
        out = []
        for row in self.rows:
            y = row.constraint.dual_value()
            out.append(max(0.0, y) if row.lower else min(0.0, max(-row.slack_weight, y)))
        return out

    def cell_duals(self, w: int, y: list[float]) -> Duals:
        """Worker ``w``'s price per (day, shift) under the row duals ``y``: a sum over
        the rows each cell counts in, vectorised as it runs for every worker each round
        (some 5 s of Curtois 12's dive as a loop over the cells)."""
        if not self._incidence:
            self._incidence = self._incidences()
        if w not in self._incidence:
            return {}
        cells, at, rows = self._incidence[w]
        sums = np.bincount(at, weights=np.asarray(y)[rows], minlength=len(cells))
        return dict(zip(cells, sums.tolist(), strict=True))

    def _incidences(self) -> dict[int, tuple[list[tuple[int, int]], IntArray, IntArray]]:
        """Per worker, in one pass over ``of_cell``: the cells that count in a row, sorted,
        and the (cell, row) pairs as two arrays."""
        by_worker: dict[int, list[tuple[int, int]]] = {}
        for w, d, s in self.of_cell:
            by_worker.setdefault(w, []).append((d, s))
        out = {}
        for w, unsorted in by_worker.items():
            cells = sorted(unsorted)
            pairs = [(k, r) for k, (d, s) in enumerate(cells) for r in self.of_cell[w, d, s]]
            at = np.array([k for k, _ in pairs], dtype=np.int64)
            rows = np.array([r for _, r in pairs], dtype=np.int64)
            out[w] = (cells, at, rows)
        return out

    def lagrangian_rows(self, y: list[float]) -> float:
        """The rows' part of the Lagrangian function at ``y`` (slacks at their best)."""
        total = 0.0
        for row, dual in zip(self.rows, y, strict=True):
            total += dual * row.rhs
            if row.lower:  # min over 0 <= u <= lo of (weight - y) u
                total += row.rhs * min(0.0, row.slack_weight - dual)
        return total


Job = tuple[_Pricer, Duals, float, int]
"""One pricing call: the worker's problem, the duals, a time limit and a seed."""


def _price(job: Job) -> Priced:
    """One pricing call (for the thread pool)."""
    pricer, duals, limit, seed = job
    return pricer.price(duals, limit, seed)


def _reduced(line: Line, duals: Duals) -> float:
    """A line's cost less the cover duals it earns (before the convexity dual)."""
    return line.cost - sum(duals.get((d, s), 0.0) for d, s in enumerate(line.shifts) if s >= 0)


class ColumnGeneration:
    """Column generation on the master LP, its Lagrangian bound, and a diving heuristic."""

    def __init__(
        self, ctx: RuleContext, *, seed: int = 0, threads: int = 2, labelling: bool = True
    ) -> None:
        problem = ctx.problem
        self.labelling = labelling
        if labelling:
            from planner.roster.labelling import ready

            ready()
        self.problem = problem
        self.n = len(problem.workers)
        self.days, self.shifts = len(problem.days), len(problem.shifts)
        self.seed = seed
        self.threads = max(1, threads)
        self.pool = ThreadPoolExecutor(self.threads)  # CP-SAT releases the GIL
        self.master = _Master(self.n, ctx.cover_rows)
        self.fixed: dict[int, int] = {}
        self.bound: float | None = None
        self.centre: list[float] | None = None
        """The row duals of the best bound: the smoothing's stability centre."""
        self.rounds = 0
        self.round_seconds = 0.0
        self._pricers: dict[int, _Pricer] = {}
        self._index: dict[tuple[int, tuple[int, ...]], int] = {}
        self.tried: set[int] = set()
        """Rota values whose lines :meth:`settle` found too many to enumerate."""
        self.root_duals: list[float] | None = None
        """The row duals of the root LP, once converged."""

    def _pricer(self, w: int) -> _Pricer:
        if w not in self._pricers:
            self._pricers[w] = _Pricer(self.problem, w, labelling=self.labelling)
        return self._pricers[w]

    def sample_seconds(self, deadline: float, k: int = 16) -> float:
        """Seconds one pricing takes, from building and pricing the first ``k`` workers."""
        began = time.monotonic()
        sample = range(min(k, self.n))
        for w in sample:
            limit = min(STEP_SECONDS, deadline - time.monotonic())
            self._add_all(self._pricer(w).price({}, limit, self.seed).found)
        return (time.monotonic() - began) / max(1, len(sample))

    def close(self) -> None:
        """Stop the pricing threads."""
        self.pool.shutdown(wait=True)

    def _add_all(self, lines: tuple[Line, ...] | list[Line]) -> int:
        """Add new lines (or cheaper costs for known ones); how many changed the master."""
        changed = 0
        for line in lines:
            key = (line.worker, line.shifts)
            if key not in self._index:
                self._index[key] = len(self.master.columns)
                self.master.add(line)
                changed += 1
            else:
                index = self._index[key]
                if line.cost < self.master.columns[index][1].cost:
                    self.master.reprice(index, line)
                    changed += 1
                if index in self.master.aside:
                    self.master.restore(index)
                    changed += 1
        return changed

    def start(self, deadline: float) -> str | None:
        """Seed the master with each worker's own best line; None, or why it cannot."""
        sampled = {worker for worker, _ in self._index}
        todo = [w for w in range(self.n) if w not in sampled]
        limit = max(0.01, min(STEP_SECONDS, deadline - time.monotonic()))
        jobs: list[Job] = [(self._pricer(w), {}, limit, self.seed) for w in todo]
        for w, priced in zip(todo, self.pool.map(_price, jobs), strict=True):
            if not priced.found:
                worker = self.problem.workers[w].id
                if priced.infeasible:
                    return f"{worker}'s own rules admit no line"
                return f"no line for {worker} in time"
            self._add_all(priced.found)
        return None

    def converge(self, deadline: float, max_rounds: int | None = None) -> bool:
        """Price out lines until the LP meets the bound, ``deadline`` or ``max_rounds``.

        Pricing runs at the duals smoothed towards the best-bound duals so far (Wentges):
        the LP's own duals swing from round to round and waste rounds on lines the LP
        soon drops. When the smoothed duals find no line the LP wants, the next round
        prices at the LP's duals, which ends the phase or finds one. True when it ends
        so (the LP is at its optimum, or at the most the pricing searches can show) or
        at the bound.
        """
        free = [w for w in range(self.n) if w not in self.fixed]
        rounds = 0
        smooth = SMOOTHING
        while time.monotonic() < deadline and (max_rounds is None or rounds < max_rounds):
            rounds += 1
            self.rounds += 1
            began = time.monotonic()
            value = self.master.solve()
            if self.fixed and _at_bound(self.bound, value):
                # a dive's LP already at the root bound: no line can lower it, so pricing
                # would only trade one optimal LP for another (Curtois 12's dive keeps its
                # LP at 4040, the optimum, until some 45 of its 60 workers are fixed)
                return True
            # every dual is read before any line is added: GLOP forgets them on a change
            y = self.master.row_duals()
            mu = {w: float(self.master.convex[w].dual_value()) for w in free}
            lp_duals = {w: self.master.cell_duals(w, y) for w in free}
            at = y
            if self.fixed or self.centre is None or smooth == 0.0:
                smooth = SMOOTHING
            else:
                at = [smooth * c + (1 - smooth) * v for c, v in zip(self.centre, y, strict=True)]
            # at the LP's own duals, the prices read above
            duals = lp_duals if at is y else {w: self.master.cell_duals(w, at) for w in free}
            # each call's share of the time left, so that a round ends near the deadline
            left = deadline - time.monotonic()
            limit = max(0.01, min(STEP_SECONDS, left * self.threads / max(1, len(free))))
            jobs: list[Job] = [(self._pricer(w), duals[w], limit, self.seed) for w in free]
            answers = list(self.pool.map(_price, jobs))
            bounded = all(a.least is not None for a in answers)
            if not self.fixed and bounded:
                least = sum(a.least for a in answers if a.least is not None)
                bound = least + self.master.lagrangian_rows(at)
                if self.bound is None or bound > self.bound:
                    self.bound, self.centre = bound, at
            found = [
                line
                for w, a in zip(free, answers, strict=True)
                for line in reversed(a.found)  # best first: a line's cheapest cost wins
                if _reduced(line, lp_duals[w]) - mu[w] < -1e-6
            ]
            changed = self._add_all(found)
            self.round_seconds = time.monotonic() - began
            if not self.fixed and self.bound is not None and _settled(self.bound, value):
                return True  # the LP cannot prove a higher whole-number bound
            if not changed:
                if at is y and bounded:
                    return True
                smooth = 0.0  # a mispricing: the LP's own duals next
        return False

    def dive(self, deadline: float) -> tuple[dict[int, Line], int]:
        """Fix the most chosen line of the least fractional workers, re-price, repeat.

        Past ``deadline`` every worker still free takes their most chosen line at once, so
        the dive always ends with a whole rota.
        """
        steps = [(time.monotonic(), len(self.fixed))]
        while len(self.fixed) < self.n:
            left = deadline - time.monotonic()
            late = left < 0
            if not late:
                # re-price to the LP's optimum (see DIVE_ROUNDS), one round when the time
                # left would not hold a round for every free worker
                free = self.n - len(self.fixed)
                rounds = DIVE_ROUNDS if left > free * self.round_seconds else 1
                self.converge(deadline, max_rounds=rounds)
            self.master.solve()  # the lines priced last are in the LP's choice too
            best: dict[int, tuple[float, int]] = {}
            for i, (var, line) in enumerate(self.master.columns):
                if var is None or line.worker in self.fixed:
                    continue
                value = var.solution_value()
                if line.worker not in best or value > best[line.worker][0]:
                    best[line.worker] = (value, i)
            self.master.set_aside(ASIDE_ABOVE)  # reads the reduced costs: before any fix
            ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))
            chosen = [w for w, (value, _) in ranked if late or value >= DIVE_THRESHOLD]
            for w in chosen or [w for w, _ in ranked[: self._pace(steps, deadline)]]:
                self.fixed[w] = best[w][1]
                self.master.fix(best[w][1], True)
            steps.append((time.monotonic(), len(self.fixed)))
            if len(self.fixed) < self.n:  # the last solve is over fixed lines alone
                self._shed()
        value = self.master.solve()
        rota = {w: self.master.columns[i][1] for w, i in self.fixed.items()}
        return rota, round(value)

    def _shed(self) -> None:
        """Shed the LP's dead columns — set aside, or another line of a worker the dive
        fixed — once they are most of it (``SHED_SHARE``): the dive's re-solves then
        work through the live ones only."""
        master = self.master
        dead = {
            i
            for i, (var, line) in enumerate(master.columns)
            if var is not None and (i in master.aside or self.fixed.get(line.worker, i) != i)
        }
        alive = sum(var is not None for var, _ in master.columns)
        if len(dead) > SHED_SHARE * alive:
            master.shed(dead)

    def _pace(self, steps: list[tuple[float, int]], deadline: float) -> int:
        """How many workers a dive step with none over the threshold fixes: one, or more
        when the pace of the last few steps (seconds a worker fixed; ``steps`` holds the
        time and the count fixed at each) would not fix the free ones by ``deadline``
        (Curtois 12's dive, one worker a step, needs some 43 s after a root that ends at
        10-14 s, and the free workers it fixes at once past the deadline take poor
        lines)."""
        now = time.monotonic()
        then, fixed_then = steps[max(0, len(steps) - PACE_STEPS)]
        done = len(self.fixed) - fixed_then
        if done <= 0 or now >= deadline:
            return 1
        need = (now - then) / done * (self.n - len(self.fixed))
        return max(1, math.ceil(need / (deadline - now)))

    def polish(self, rota: dict[int, Line], deadline: float) -> tuple[dict[int, Line], int]:
        """Best responses: each worker in turn takes the line that best serves cover as the
        others leave it, until a sweep changes nothing or ``deadline``.

        With the others' lines fixed, what a worker's line adds is its own cost less, for
        each row it counts in, what one more head is worth there (``_Master.worth``): the
        worker's pricing problem at those prices, solved exactly by the labelling pass.
        A change is kept only when the rota's exact value drops, so the rota never gets
        worse (a dive's rota often misses a head that one worker can take over).
        """
        master = self.master
        deadline = max(deadline, time.monotonic() + POLISH_SECONDS)
        for line in rota.values():
            self._add_all([line])
        chosen = {w: self._index[w, line.shifts] for w, line in rota.items()}
        counts = master.counts(chosen.values())
        value = master.value(list(chosen.values()))
        changed = True
        while changed and time.monotonic() < deadline:
            changed = False
            for w in range(self.n):
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                current = master.columns[chosen[w]][1]
                for r in master._rows_of(current):
                    counts[r] -= 1
                prices = master.cell_duals(w, master.worth(counts))
                found = self._pricer(w).price(prices, min(STEP_SECONDS, left), self.seed).found
                best = min(found, key=lambda line: _reduced(line, prices), default=current)
                if _reduced(best, prices) < _reduced(current, prices) - 1e-6:
                    self._add_all([best])
                    trial = {**chosen, w: self._index[w, best.shifts]}
                    better = master.value(list(trial.values()))
                    if better < value:
                        chosen, value, current, changed = trial, better, best, True
                for r in master._rows_of(current):
                    counts[r] += 1
        return {w: master.columns[i][1] for w, i in chosen.items()}, value

    def undo_dive(self) -> None:
        """Free every line a dive fixed or set aside, back to the root LP (with the lines
        it priced)."""
        self.fixed.clear()
        self.master.restore_all()

    def settle(self, value: int, deadline: float) -> tuple[int, dict[int, Line] | None] | None:
        """The optimum, proven, when a rota worth ``value`` is near the root LP: (the
        optimum, and its rota when better than ``value``), else None.

        At the root LP's duals a rota is worth at least the Lagrangian bound plus each of
        its lines' ``cost − Σ duals`` above that worker's least (the slacks' terms are
        non-negative). A rota worth less than ``value`` therefore uses only lines within
        ``value − 1 −`` bound of their worker's least: the labelling pass enumerates them
        all (:meth:`~planner.roster.labelling.Labeller.enumerate`), and the MIP over that
        complete pool either finds the best rota (the optimum: any better one would be in
        the pool) or shows there is none (the rota in hand is optimal). Skipped when a
        worker is priced by CP-SAT, or the pool would exceed ``CLOSE_LINES``.
        """
        pricers = [self._pricer(w) for w in range(self.n)]
        labellers = [p.labeller for p in pricers]
        if value in self.tried or any(lab is None for lab in labellers):
            return None
        if time.monotonic() >= deadline:
            return None
        y = self.root_duals
        if y is None:
            self.undo_dive()
            self.master.solve()
            y = self.master.row_duals()
        duals = [self.master.cell_duals(w, y) for w in range(self.n)]
        leasts = []
        for lab, d in zip(labellers, duals, strict=True):
            assert lab is not None
            least = lab.price(d, keep=1, remember=False).least
            if least is None:
                return None
            leasts.append(least)
        bound = sum(leasts) + self.master.lagrangian_rows(y)
        room = value - 1 - bound + 1e-6 * max(1.0, abs(bound))
        if room < 0:
            return value, None
        pool: list[Line] = []
        for w, (lab, d) in enumerate(zip(labellers, duals, strict=True)):
            assert lab is not None
            found = lab.enumerate(d, room, CLOSE_LINES - len(pool))
            if found is None:
                self.tried.add(value)  # as many again at the same duals: not tried again
                return None
            if time.monotonic() >= deadline:
                return None
            if not found:
                return value, None  # this worker has no line cheap enough
            pool.extend(Line(w, shifts, cost) for shifts, cost in found)
        proven, chosen = self.master.pick_among(pool, deadline, below=value - 1)
        if not proven:
            return None
        if chosen is None:
            return value, None
        best = self.master.line_value(chosen)
        if best >= value:
            return value, None
        return best, {line.worker: line for line in chosen}

    def price_and_branch(
        self, rota: dict[int, Line], value: int, deadline: float
    ) -> tuple[dict[int, Line], int] | None:
        """A better rota than ``rota`` (worth ``value``) among the lines priced so far.

        At the root LP's optimal duals every priced line's reduced cost is non-negative,
        and any rota is worth at least the LP's value plus its lines' reduced costs (the
        slacks' reduced-cost terms are non-negative too, the convexity rows' are zero):
        a rota worth ``target`` or less uses only lines whose reduced cost is within
        ``target − LP``. The MIP therefore climbs a ladder of targets, from the least
        whole number above the LP up to ``value − 1``, each over the lines within reach
        of it (see ``_targets``): SCIP does far better over the small pools (Curtois 7,
        1058 in hand: 1056 in 4 s over the 1 500 lines within reach of 1055, none in 21 s
        over the 3 300 within 1057). A rota at or under its target is the best over every
        line priced; one above it becomes the rota to beat on the next rungs. Curtois 6
        keeps about 1 200 of 4 300 lines within 1951; SCIP proves 1950, the best known,
        where every dive had ended at 1952 or above.
        """
        self.undo_dive()
        root = self.master.solve()
        start = [self._index[line.worker, line.shifts] for line in rota.values()]
        in_hand, pool = value, -1
        for target in _targets(root, value):
            if time.monotonic() >= deadline or target >= value:
                break
            room = target - root + 1e-6 * max(1.0, abs(root))
            kept = set(start)
            candidates = [
                i
                for i, (var, _) in enumerate(self.master.columns)
                if i in kept or (var is not None and var.reduced_cost() <= room)
            ]
            if len(candidates) == pool:
                continue  # the same lines as the last rung: the same answer
            pool = len(candidates)
            found = self.master.best_pick(candidates, start, deadline)
            if found is None or found[0] >= value:
                continue
            value, start = found
            if value <= target:
                break
        if value == in_hand:
            return None
        lines = [self.master.columns[i][1] for i in start]
        return {line.worker: line for line in lines}, value


def _targets(root: float, value: int) -> Iterator[int]:
    """The rungs of the MIP's ladder: the least whole number above ``root``, then half
    the way to ``value − 1`` each time, ending there (a few rungs even for a rota far
    above the bound); none when no rota can be worth less than ``value``."""
    target = _proven(root) or 0
    top = value - 1
    while target < top:
        yield target
        target += max(1, (top - target) // 2)
    if target == top:  # else the rota in hand is at the bound already
        yield top


@dataclass(frozen=True)
class WarmStart:
    """What the columns phase hands to CP-SAT: a proven bound and a rota to start from."""

    bound: int | None
    """A proven lower bound on the model's objective (None when not proven in time)."""
    values: dict[tuple[int, int, int], int] | None
    """The rota (a dive's or the MIP's) as values of the model's (worker, day, shift)
    booleans."""
    objective: int | None
    """The rota's value in the master (cover and each worker's own rules)."""
    note: str
    """How the phase went, in a few words (for logs and benchmarks)."""
    settle: Settle | None = None
    """``ColumnGeneration.settle`` for a rota found later (its value, a deadline): the
    proven optimum and its rota as the model's values when better, or None."""


def warm_start(
    ctx: RuleContext,
    *,
    deadline: float,
    seed: int = 0,
    threads: int = 2,
    pause: Callable[[], bool] | None = None,
) -> WarmStart:
    """Column generation to a proven bound, then dives and MIPs to a rota, by ``deadline``.

    When the root LP has not converged by its share of the time, its rounding is the rota.

    ``pause`` runs once the first round shows the columns can converge in time (the
    caller's quick probe); if it returns True the problem is settled and the phase ends.
    """
    started = time.monotonic()
    if not ctx.cover_rows:
        return WarmStart(None, None, None, "no cover rows to price")
    # the master sees cover only: with another rule comparing workers (Baotun's fairness)
    # its bound leaves that rule's penalty out and its dive ignores it, so it is not run
    others = [r for r in COUPLING_RULES if r != "cover" and ctx.problem.rule(r).mode != "off"]
    if others:
        return WarmStart(None, None, None, f"skipped: {', '.join(others)} also compare workers")
    if ctx.problem.lookahead:  # the master and the dives do not see the weeks ahead
        return WarmStart(None, None, None, "skipped: a lookahead")
    cg = ColumnGeneration(ctx, seed=seed, threads=threads)
    try:
        # a first guess from a few workers, before building every pricing problem; a
        # later round costs more than a first one (duals make pricing harder)
        one = cg.sample_seconds(deadline)
        if started + EXPECTED_ROUNDS * 1.5 * one * cg.n / cg.threads > deadline:
            return WarmStart(None, None, None, f"skipped: {one:.3f} s a pricing is too slow")
        why = cg.start(deadline)
        if why is not None:
            return WarmStart(None, None, None, f"skipped: {why}")
        cg.converge(deadline, max_rounds=1)
        per_round = cg.round_seconds
        if time.monotonic() + EXPECTED_ROUNDS * per_round > deadline:
            return WarmStart(None, None, None, f"skipped: {per_round:.2f} s a round is too slow")
        if pause is not None and pause():
            return WarmStart(None, None, None, "settled before the columns were needed")
        converged = cg.converge(started + CONVERGE_SHARE * (deadline - started))
        cg.master.solve()
        cg.root_duals = cg.master.row_duals()  # for ``settle``: the dives change the LP
        # an LP still moving is no base for a dive: its rounding is handed on at once, and
        # the time left goes to the search that starts from it (Curtois 12: the dive's
        # rota was no better than the rounding, 11 000 against 11 500, 13 s later)
        began = time.monotonic()
        rota, objective = cg.dive(deadline if converged else time.monotonic())
        rota, objective = cg.polish(rota, deadline)
        if not converged:
            return _handed(cg, rota, objective, ", the root LP not converged")
        took = time.monotonic() - began
        rota, objective, how = _dives_and_mips(
            cg, rota, objective, took, deadline - started, deadline
        )
        return _handed(cg, rota, objective, how)
    finally:
        cg.close()


def _dives_and_mips(
    cg: ColumnGeneration,
    rota: dict[int, Line],
    objective: int,
    took: float,
    phase: float,
    deadline: float,
) -> tuple[dict[int, Line], int, str]:
    """From the first dive (``took`` seconds): more dives and restricted master MIPs.

    Where a dive lands turns on the lines priced so far (Curtois 8, five dives from the
    growing pool: 1514, 1520, 1307, 1407, 1406), so while another fits, dive again from
    the root (with the next seed, for CP-SAT pricers) and keep the best. The last share
    of the time goes to the MIP over every line priced so far; when it ends early, the
    dives go on and the MIP runs again over their larger pool.
    """
    floor = _proven(cg.bound) or 0
    reserve = MIP_SHARE * phase
    dives, mips, dived, found = 1, 0, True, ""
    tried = None
    while objective > floor:
        now = time.monotonic()
        near = objective - floor <= SETTLE_GAP * abs(objective)
        to_mip = now + took > deadline - reserve and dived and now < deadline
        if objective != tried and (near or to_mip):
            # a new best rota, near the bound or before a MIP over the priced lines, may
            # settle the problem exactly, over every line that could do better
            tried = objective
            settled = _settle(cg, rota, objective, deadline)
            if settled is not None:
                rota, objective = settled
                found += f", settled exactly at {objective}"
                break
            now = time.monotonic()
        if now + took <= deadline - reserve:
            cg.undo_dive()
            cg.seed += 1
            again, value = cg.polish(cg.dive(deadline)[0], deadline)
            took, dives, dived = time.monotonic() - now, dives + 1, True
            if value < objective:
                rota, objective = again, value
            continue
        if not dived or now >= deadline:
            break
        picked = cg.price_and_branch(rota, objective, deadline)
        mips, dived = mips + 1, False
        if picked is not None:
            found = f", the MIP {objective} -> {picked[1]}"
            rota, objective = cg.polish(picked[0], deadline)
            if objective < picked[1]:
                found += f", polished to {objective}"
        reserve = 2 * (time.monotonic() - now)  # the next MIP has a larger pool
    return rota, objective, f", {dives} dives, {mips} MIPs{found}"


def _settle(
    cg: ColumnGeneration, rota: dict[int, Line], objective: int, deadline: float
) -> tuple[dict[int, Line], int] | None:
    """``settle`` with half the time left: the optimal rota and its value (the columns'
    bound raised to it), or None."""
    now = time.monotonic()
    settled = cg.settle(objective, now + (deadline - now) / 2)
    if settled is None:
        return None
    best, better = settled
    cg.bound = max(cg.bound or -math.inf, float(best))
    return better or rota, best


def _handed(cg: ColumnGeneration, rota: dict[int, Line], objective: int, how: str) -> WarmStart:
    """What the phase hands on: its bound, the rota as the model's values, a note, and the
    exact settling step for a better rota found later."""
    note = f"{cg.rounds} rounds, {len(cg.master.columns)} lines{how}"

    def settle(
        value: int, deadline: float
    ) -> tuple[int, dict[tuple[int, int, int], int] | None] | None:
        settled = cg.settle(value, deadline)
        if settled is None:
            return None
        best, better = settled
        return best, None if better is None else _values(cg, better)

    return WarmStart(_proven(cg.bound), _values(cg, rota), objective, note, settle)


def _values(cg: ColumnGeneration, rota: dict[int, Line]) -> dict[tuple[int, int, int], int]:
    """A rota as values of the model's (worker, day, shift) booleans."""
    return {
        (w, d, s): int(rota[w].shifts[d] == s)
        for w in range(cg.n)
        for d in range(cg.days)
        for s in range(cg.shifts)
    }


def _at_bound(bound: float | None, value: float) -> bool:
    """Whether an LP's ``value`` is the proven ``bound`` itself (up to round-off): the
    full master LP, every line priced, could be no lower."""
    return bound is not None and value <= bound + 1e-6 * max(1.0, abs(bound))


def _settled(bound: float, value: float) -> bool:
    """Whether the LP's ``value`` rounds up to no more than the proven ``bound`` does."""
    return _proven(value) == _proven(bound)


def _proven(bound: float | None) -> int | None:
    """The integer bound a float Lagrangian bound proves (with room for round-off)."""
    if bound is None:
        return None
    return math.ceil(bound - 1e-6 * max(1.0, abs(bound)))
