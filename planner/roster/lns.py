"""Large-neighbourhood search over the roster model: free some workers or days, re-solve.

CP-SAT's own LNS picks neighbourhoods from the constraint graph; rostering has a
structure it does not see — a worker's line (whole-horizon rules: minutes, weekends,
runs), a block of days (cover) and, in a community of many grids, the workers of a few
base grids (whose grid cover rules tie them to one another). This loop frees either a
group of workers over the whole horizon, a window of days for everyone, a block of both,
or a few base grids' workers over the whole horizon, fixes every other cell to the
incumbent, and re-solves that small model with the incumbent as a hint. Moves that do
not worsen the objective are kept (plateaus are crossed); the neighbourhood grows when
sub-problems are solved to optimality and shrinks when they time out.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from planner.roster.cpsat import CpSolver, cpsat_seed
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


def grid_groups(ctx: RuleContext) -> list[list[int]]:
    """The workers of each base grid, by worker index (one group when there is one grid)."""
    p = ctx.problem
    groups: dict[str, list[int]] = {}
    for w, worker in enumerate(p.workers):
        groups.setdefault(p.base_of.get(worker.grid, worker.grid), []).append(w)
    return [groups[base] for base in sorted(groups)]


def _whole(groups: list[list[int]], order: list[int], limit: float) -> list[int]:
    """The workers of whole groups taken in ``order`` while they fit in ``limit`` (at least
    the first group)."""
    chosen: list[int] = []
    for g in order:
        if chosen and len(chosen) + len(groups[g]) > limit:
            break
        chosen.extend(groups[g])
    return chosen


def _free_cells(
    rng: random.Random, n_workers: int, n_days: int, size: float, groups: list[list[int]]
) -> set[tuple[int, int]]:
    # with one grid the draw is as it always was (Curtois: the same seeds, the same runs)
    kind = rng.choice(("workers", "days", "block", "grids")[: 4 if len(groups) > 1 else 3])
    if kind == "grids":
        # workers drawn at random from a community are each alone in their grid, where cover
        # pins them; whole grids can trade shifts among their own workers
        order = rng.sample(range(len(groups)), len(groups))
        chosen = _whole(groups, order, max(2, size * n_workers))
        return {(w, d) for w in chosen for d in range(n_days)}
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
    sub = CpSolver()
    sub.parameters.max_time_in_seconds = max(0.2, min(remaining, STEP_SECONDS))
    sub.parameters.random_seed = cpsat_seed(seed)
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
    groups = grid_groups(ctx)
    size = START_SIZE
    gained = time.monotonic()
    while True:
        remaining = deadline - time.monotonic()
        if remaining < 0.3 or best.objective <= floor:
            break
        if stall is not None and time.monotonic() - gained > stall:
            break
        free = _free_cells(rng, n_workers, n_days, size, groups)
        before = best.improvements
        # moves that do not worsen are kept: plateaus are crossed
        status = best.attempt(
            free, remaining, seed, workers, ties=True, on_improvement=on_improvement
        )
        if best.improvements > before:
            gained = time.monotonic()
        size = min(0.9, size * 1.15) if status == cp_model.OPTIMAL else max(0.03, size / 1.15)
    return best.outcome()


def gather(
    ctx: RuleContext,
    incumbent: cp_model.CpSolver,
    outside: Callable[[cp_model.CpSolver], list[int]],
    *,
    deadline: float,
    seed: int,
    workers: int,
) -> LnsOutcome:
    """Free the workers ``outside`` names (with their base grids, in a community of many)
    until it names none, or ``deadline``.

    A squeezed spread (:func:`planner.roster.solve._squeeze`) charges each worker whose
    count is outside its band; random neighbourhoods seldom hold many of them, so this
    one is drawn from them: a few of their grids, then other grids (600 workers: some ten
    grids a step, 333 workers brought in within 7-10 s), or with one grid a few of them and
    as many others.
    """
    best = _Best(ctx, incumbent)
    groups = grid_groups(ctx)
    group_of = {w: g for g, members in enumerate(groups) for w in members}
    n_workers, n_days = len(ctx.problem.workers), len(ctx.problem.days)
    rng = random.Random(seed)
    size = START_SIZE
    while True:
        remaining = deadline - time.monotonic()
        away = outside(best.solver)
        if remaining < 0.3 or not away:
            break
        limit = max(2, round(size * n_workers))
        if len(groups) > 1:
            # their grids first, then others: a miss its own grid cannot mend may need a
            # shift from elsewhere (a community-wide cover rule)
            near = dict.fromkeys(group_of[w] for w in rng.sample(away, len(away)))
            far = [g for g in rng.sample(range(len(groups)), len(groups)) if g not in near]
            chosen = _whole(groups, [*near, *far], limit)
        else:
            chosen = rng.sample(away, min(len(away), max(1, limit // 2)))
            taken = set(chosen)
            others = [w for w in range(n_workers) if w not in taken]
            chosen += rng.sample(others, min(len(others), max(1, limit - len(chosen))))
        free = {(w, d) for w in chosen for d in range(n_days)}
        status = best.attempt(free, remaining, seed, workers, ties=True, on_improvement=None)
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
