"""Large-neighbourhood search over the roster model: free some workers or days, re-solve.

CP-SAT's own LNS picks neighbourhoods from the constraint graph; rostering has a
structure it does not see — a worker's line (whole-horizon rules: minutes, weekends,
runs) and a block of days (cover). This loop frees either a group of workers over the
whole horizon, a window of days for everyone, or a block of both, fixes every other cell
to the incumbent, and re-solves that small model with the incumbent as a hint. Moves that
do not worsen the objective are kept (plateaus are crossed); the neighbourhood grows when
sub-problems are solved to optimality and shrinks when they time out.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from planner.roster.rules import RuleContext

STEP_SECONDS = 1.5
"""Time limit of one sub-problem."""
START_SIZE = 0.1
"""Initial share of the cells set free."""
SWEEP_DAYS = 4
"""Days a window of ``sweep`` frees for every worker; windows overlap by half."""


@dataclass
class LnsOutcome:
    """The best solver state found and how the search went."""

    solver: cp_model.CpSolver
    objective: int
    iterations: int
    improvements: int
    deterministic_time: float


def _free_cells(
    rng: random.Random, n_workers: int, n_days: int, size: float
) -> set[tuple[int, int]]:
    kind = rng.choice(("workers", "days", "block"))
    if kind == "workers":
        chosen = rng.sample(range(n_workers), max(2, min(n_workers, round(size * n_workers))))
        return {(w, d) for w in chosen for d in range(n_days)}
    if kind == "days":
        length = max(2, min(n_days, round(size * n_days)))
        first = rng.randrange(0, n_days - length + 1)
        return {(w, d) for w in range(n_workers) for d in range(first, first + length)}
    share = size**0.5
    chosen = rng.sample(range(n_workers), max(2, min(n_workers, round(share * n_workers))))
    length = max(2, min(n_days, round(share * n_days)))
    first = rng.randrange(0, n_days - length + 1)
    return {(w, d) for w in chosen for d in range(first, first + length)}


def pinned_copy(
    ctx: RuleContext, values: dict[tuple[int, int, int], int], free: set[tuple[int, int]]
) -> cp_model.CpModel:
    """A copy of the model with every (worker, day) cell outside ``free`` fixed to ``values``.

    Free cells get ``values`` as a hint, so the incumbent is the sub-problem's first answer.
    """
    model = ctx.model.clone()
    for (w, d, s), var in ctx.x.items():
        value = values[w, d, s]
        if (w, d) in free:
            model.add_hint(model.get_bool_var_from_proto_index(var.index), value)
        else:
            domain = model.proto.variables[var.index].domain
            domain[0] = value
            domain[1] = value
    return model


def _solve_free(
    ctx: RuleContext,
    values: dict[tuple[int, int, int], int],
    free: set[tuple[int, int]],
    remaining: float,
    seed: int,
    workers: int,
) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus]:
    """One sub-problem: the cells ``free`` re-solved, the others fixed to ``values``."""
    sub = cp_model.CpSolver()
    sub.parameters.max_time_in_seconds = max(0.2, min(remaining, STEP_SECONDS))
    sub.parameters.random_seed = seed
    sub.parameters.num_workers = min(workers, 2)  # small models gain little from more
    return sub, sub.solve(pinned_copy(ctx, values, free))


class _Best:
    """The best rota so far (its solver, objective and cell values, which every sub-problem
    fixes outside its free cells) and the tally of the search that keeps it."""

    def __init__(self, ctx: RuleContext, incumbent: cp_model.CpSolver) -> None:
        self.ctx = ctx
        self.solver = incumbent
        self.objective = round(incumbent.objective_value)
        self.values = {key: int(incumbent.value(var)) for key, var in ctx.x.items()}
        self.iterations, self.improvements, self.effort = 0, 0, 0.0

    def attempt(
        self,
        free: set[tuple[int, int]],
        remaining: float,
        seed: int,
        workers: int,
        *,
        ties: bool,
        on_improvement: Callable[[int], None] | None,
    ) -> cp_model.CpSolverStatus:
        """Re-solve ``free``; keep the answer when better (or as good, with ``ties``)."""
        self.iterations += 1
        sub, status = _solve_free(
            self.ctx, self.values, free, remaining, seed + self.iterations, workers
        )
        self.effort += sub.response_proto.deterministic_time
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return status
        objective = round(sub.objective_value)
        better = objective < self.objective
        if better or (ties and objective == self.objective):
            if better:
                self.improvements += 1
                if on_improvement is not None:
                    on_improvement(objective)
            self.solver, self.objective = sub, objective
            self.values = {key: int(sub.value(var)) for key, var in self.ctx.x.items()}
        return status

    def outcome(self) -> LnsOutcome:
        """The best rota and the tally, as the callers report them."""
        return LnsOutcome(
            self.solver, self.objective, self.iterations, self.improvements, self.effort
        )


def improve(
    ctx: RuleContext,
    incumbent: cp_model.CpSolver,
    *,
    deadline: float,
    seed: int,
    workers: int,
    on_improvement: Callable[[int], None] | None = None,
    bound: int | None = None,
    stall: float | None = None,
) -> LnsOutcome:
    """Improve ``incumbent`` (a solved CpSolver of ``ctx.model``) until ``deadline``.

    The search ends early when it reaches ``bound`` (default: the incumbent's own bound),
    or with ``stall``, once that many seconds pass without an improvement.
    """
    floor = round(incumbent.best_objective_bound) if bound is None else bound
    rng = random.Random(seed)
    n_workers, n_days = len(ctx.problem.workers), len(ctx.problem.days)
    best = _Best(ctx, incumbent)
    size = START_SIZE
    gained = time.monotonic()
    while True:
        remaining = deadline - time.monotonic()
        if remaining < 0.3 or best.objective <= floor:
            break
        if stall is not None and time.monotonic() - gained > stall:
            break
        free = _free_cells(rng, n_workers, n_days, size)
        before = best.improvements
        # moves that do not worsen are kept: plateaus are crossed
        status = best.attempt(
            free, remaining, seed, workers, ties=True, on_improvement=on_improvement
        )
        if best.improvements > before:
            gained = time.monotonic()
        size = min(0.9, size * 1.15) if status == cp_model.OPTIMAL else max(0.03, size / 1.15)
    return best.outcome()


def _windows(n_days: int, length: int) -> list[range]:
    """Windows of ``length`` days from the first day, each half a window after the last,
    the final one ending on the last day."""
    if n_days <= length:
        return [range(n_days)]
    starts = list(range(0, n_days - length + 1, max(1, length // 2)))
    if starts[-1] != n_days - length:
        starts.append(n_days - length)
    return [range(first, first + length) for first in starts]


def sweep(
    ctx: RuleContext,
    incumbent: cp_model.CpSolver,
    *,
    deadline: float,
    seed: int,
    workers: int,
    on_improvement: Callable[[int], None] | None = None,
) -> LnsOutcome:
    """One pass of windows of ``SWEEP_DAYS`` days over the horizon, every worker free in
    each, the rest fixed to the best rota so far.

    A rota the columns hand over a unit or two above the bound may need every worker
    moved on the same few days (Curtois 12: 4041 to its optimum 4040 by freeing the first
    four days, 0.2 s; no other window of four or seven days did it), a move the random
    neighbourhoods of ``improve`` draw too seldom in the seconds they have. Each window
    is small enough for CP-SAT to prove its best (0.1-0.2 s on Curtois 12).
    """
    n_workers, n_days = len(ctx.problem.workers), len(ctx.problem.days)
    best = _Best(ctx, incumbent)
    for days in _windows(n_days, SWEEP_DAYS):
        remaining = deadline - time.monotonic()
        if remaining < 0.3:
            break
        free = {(w, d) for w in range(n_workers) for d in days}
        best.attempt(free, remaining, seed, workers, ties=False, on_improvement=on_improvement)
    return best.outcome()
