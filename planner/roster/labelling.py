"""Exact pricing of one worker's line by dynamic programming over days, for the standard rules.

A worker's line under the classic nurse-rostering rules (forbidden successions, runs of
work and rest, caps per shift type, total minutes, worked weekends, leave and pins, with
cell-linear soft requests) is a shortest path through a small state space: the last
day's shift, the length of the current run and whether it began on day one, the minutes
so far, the count of each capped shift and the weekends worked. A forward pass over that
space finds the line of least ``cost − Σ duals`` exactly and in a millisecond or two,
where a CP-SAT search of the same worker takes 25 ms (Curtois 12). The column generator
prices with it whenever the worker's active rules are all ones it models; otherwise it
keeps CP-SAT (:func:`line_shape` says why not).

The shape is read from the problem data for the hard rules, and the own cost of each
cell from the CP-SAT pricing model's objective, so the soft rules' weights come from
the rule catalogue itself. Tests compare both pricers on random duals.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numba import njit
from ortools.sat.python import cp_model

from planner.domain import ShiftKind
from planner.roster.problem import RosterProblem
from planner.roster.rules import CATALOGUE, COUPLING_RULES

HARD_RULES = (
    "leave",
    "pins",
    "night_eligibility",
    "forbidden_successions",
    "max_shifts_per_type",
    "total_minutes",
    "max_consecutive_days",
    "min_consecutive_days",
    "min_consecutive_days_off",
    "max_weekends",
)
"""Rules the pass models when hard (their constraints are read from the problem data)."""
CELL_RULES = ("requests", "stability")
"""Soft rules whose penalty is linear in the worker's cells: read from the model's objective."""
STRUCTURAL = ("one_shift_per_day",)
MAX_STATES = 4_000_000
"""States per day beyond which the pass is not used (memory and time grow with them)."""
KEEP = 4
"""Lines a pass returns: the best end states'. More make a richer pool (Curtois 8 dived to
1304 with 16) but a larger LP whose re-solves then dominate (Curtois 12: 550 ms a solve
with 16, 157 ms with 4, and a far worse dive); 4 was kept.
"""
MAX_CAPS = 3
"""Shift types with a binding cap the pass tracks; a worker with more is priced by CP-SAT."""
MAX_EDGES = 1_000_000
"""Transitions an enumeration (:meth:`Labeller.enumerate`) records before it gives up: far
from the least line nearly every state is kept, and so are all their transitions (Curtois
8 within 1305 of its root: 0.5 s to give up with 4 million, 0.1 s with 400 000)."""

INF = math.inf
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class LineShape:
    """One worker's line as the pass sees it: shift classes and the limits on them.

    Shifts alike in every rule (minutes, successions, no cap of their own) form one
    class, priced by its cheapest member each day; class 0 is the day off.
    """

    classes: tuple[tuple[int, ...], ...]
    """Member shift indices of classes 1..K (class 0, off, has none)."""
    follow: npt.NDArray[np.bool_]
    """``follow[a, b]``: class ``b`` may come the day after class ``a``."""
    allowed: npt.NDArray[np.bool_]
    """``allowed[d, s]`` for shifts, ``allowed[d, n_shifts]`` for the day off."""
    units: IntArray
    """Paid minutes of each class, in units of their common divisor (0 for off)."""
    u_min: int
    u_max: int
    u_saturates: bool
    """No upper limit on minutes: the count stops at ``u_min``, all that matters."""
    cap_of: IntArray
    """Each class's capped counter (0 to MAX_CAPS - 1), or -1."""
    cap_limits: IntArray
    max_run: int
    """Most consecutive working days (0: no limit)."""
    min_work: int
    min_off: int
    saturday: npt.NDArray[np.bool_]
    sunday: npt.NDArray[np.bool_]
    max_weekends: int
    """Most worked weekends (-1: no limit)."""
    own: FloatArray
    """Own cost of each (day, shift) cell, from the rules' soft terms."""
    own_offset: int

    @property
    def run_cap(self) -> int:
        """Run lengths the states tell apart: longer runs count as this long."""
        return max(self.max_run or self.min_work, self.min_work, self.min_off, 1)

    @property
    def states(self) -> int:
        """States per day of the pass."""
        k = len(self.classes) + 1
        run = self.run_cap
        caps = int(np.prod(self.cap_limits + 1))
        weekends = self.max_weekends + 1 if self.max_weekends >= 0 else 1
        return k * run * 2 * (self.u_max + 1) * caps * weekends


def line_shape(problem: RosterProblem, model: cp_model.CpModel, own: object) -> LineShape | str:
    """The shape of the one worker of ``problem`` (its coupling rules off), or why the pass
    cannot price them exactly.

    ``model`` is that worker's CP-SAT pricing model and ``own`` its soft terms: their
    coefficients on the cell variables (named ``x[...]``) give each cell's own cost.
    """
    if len(problem.workers) != 1:
        return "not a one-worker problem"
    worker = problem.workers[0]
    for name in _active_rules(problem):
        mode = problem.rule(name).mode
        if name in STRUCTURAL or (mode == "hard" and name in HARD_RULES):
            continue
        if mode == "soft" and name in CELL_RULES:
            continue
        return f"{name} ({mode}) is not modelled by the labelling pass"
    if problem.history_by_worker.get(worker.id):
        return "history before the horizon"
    if problem.rule("requests").mode == "hard" and any(
        r.worker_id == worker.id for r in problem.scenario.requests
    ):
        return "hard requests"
    if problem.rule("stability").mode == "hard" and problem.previous:
        return "hard stability"
    own = _own_cells(problem, model, own)
    if own is None:
        return "a soft term is not linear in the cells"
    cells, offset = own
    shape = _shape(problem, cells, offset)
    if isinstance(shape, str):
        return shape
    if shape.states > MAX_STATES:
        return f"{shape.states} states a day"
    return shape


def _active_rules(problem: RosterProblem) -> list[str]:
    return [n for n in CATALOGUE if n not in COUPLING_RULES and problem.rule(n).mode != "off"]


def _own_cells(
    problem: RosterProblem, model: cp_model.CpModel, own: object
) -> tuple[FloatArray, int] | None:
    """Each cell's coefficient in ``own`` and its constant, or None if it has other terms."""
    n_days, n_shifts = len(problem.days), len(problem.shifts)
    cells = np.zeros((n_days, n_shifts))
    if isinstance(own, int):
        return cells, own
    probe = model.clone()
    probe.minimize(own)  # type: ignore[arg-type]
    objective = probe.proto.objective
    where: dict[str, tuple[int, int]] = {}
    for d in range(n_days):
        for s in range(n_shifts):
            where[f"x[{problem.workers[0].id},{problem.days[d]},{problem.shifts[s].id}]"] = (d, s)
    for index, coeff in zip(objective.vars, objective.coeffs, strict=True):
        var = probe.proto.variables[index]
        cell = where.get(var.name)
        if cell is None:
            return None
        cells[cell] += coeff
    return cells, int(objective.offset)


def _shape(problem: RosterProblem, own: FloatArray, offset: int) -> LineShape | str:
    worker = problem.workers[0]
    days, shifts = problem.days, problem.shifts
    n_days, n_shifts = len(days), len(shifts)
    labour = problem.scenario.labour
    on = {name: problem.rule(name).mode == "hard" for name in HARD_RULES}

    allowed = np.ones((n_days, n_shifts + 1), dtype=np.bool_)
    if on["leave"]:
        for d, day in enumerate(days):
            if problem.on_leave(worker.id, day):
                allowed[d, :n_shifts] = False
    if on["pins"]:
        for cell in problem.pins:
            if cell.worker_id == worker.id and cell.date in days:
                d = days.index(cell.date)
                keep = [s for s, sh in enumerate(shifts) if sh.id == cell.shift_id]
                pinned = keep[0] if keep else n_shifts  # an unknown shift id pins a day off
                if cell.shift_id is not None and not keep:
                    return "a pin to a shift the horizon does not have"
                allowed[d, [i for i in range(n_shifts + 1) if i != pinned]] = False
    usable = [True] * n_shifts
    if on["night_eligibility"] and not worker.night_eligible:
        for s, sh in enumerate(shifts):
            if sh.kind == ShiftKind.NIGHT_PATROL:
                usable[s] = False
    low, high = (
        (worker.min_total_minutes, worker.max_total_minutes)
        if on["total_minutes"]
        else (None, None)
    )
    minutes = [sh.paid_minutes for sh in shifts]
    # a cap binds only below the most shifts the line can hold
    most = n_days
    if high is not None and any(usable):
        most = min(
            most, high // max(1, min(m for m, ok in zip(minutes, usable, strict=True) if ok))
        )
    caps: dict[int, int] = {}
    if on["max_shifts_per_type"]:
        for s, sh in enumerate(shifts):
            limit = worker.max_shifts.get(sh.id)
            if limit is None or limit >= most:
                continue
            if limit == 0:
                usable[s] = False
            else:
                caps[s] = limit
    if len(caps) > MAX_CAPS:
        return f"{len(caps)} capped shift types"
    for s in range(n_shifts):
        if not usable[s]:
            allowed[:, s] = False

    forbidden: set[tuple[int, int]] = set()
    if on["forbidden_successions"]:
        index = {sh.id: i for i, sh in enumerate(shifts)}
        forbidden = {
            (a, index[t]) for a, sh in enumerate(shifts) for t in sh.forbidden_next if t in index
        }
    step = math.gcd(*minutes) or 1

    # shifts alike in every rule share a class
    live = [s for s in range(n_shifts) if usable[s]]
    signature: dict[tuple[object, ...], list[int]] = {}
    for s in live:
        key = (
            minutes[s] if (low or high) else 0,
            frozenset(b for a, b in forbidden if a == s),
            frozenset(a for a, b in forbidden if b == s),
            s if s in caps else -1,
        )
        signature.setdefault(key, []).append(s)
    classes = tuple(tuple(members) for members in signature.values())
    k = len(classes) + 1
    follow = np.ones((k, k), dtype=np.bool_)
    for i, a in enumerate(classes, start=1):
        for j, b in enumerate(classes, start=1):
            follow[i, j] = (a[0], b[0]) not in forbidden
    cap_order = sorted(caps)
    cap_of = np.full(k, -1, dtype=np.int64)
    for i, members in enumerate(classes, start=1):
        if members[0] in caps:
            cap_of[i] = cap_order.index(members[0])
    cap_limits = np.zeros(MAX_CAPS, dtype=np.int64)
    for c, s in enumerate(cap_order):
        cap_limits[c] = caps[s]

    units = np.zeros(k, dtype=np.int64)
    u_min = u_max = 0
    u_saturates = False
    if low or high:
        for i, members in enumerate(classes, start=1):
            units[i] = minutes[members[0]] // step
        u_min = math.ceil(low / step) if low else 0
        if high is not None:
            u_max = high // step
        else:
            u_max, u_saturates = u_min, True

    max_run = 0
    if on["max_consecutive_days"]:
        max_run = worker.max_consecutive_days or labour.max_consecutive_days
    min_work = (
        (worker.min_consecutive_days or labour.min_consecutive_days)
        if on["min_consecutive_days"]
        else 1
    )
    min_off = (
        (worker.min_consecutive_days_off or labour.min_consecutive_days_off)
        if on["min_consecutive_days_off"]
        else 1
    )
    saturday = np.zeros(n_days, dtype=np.bool_)
    sunday = np.zeros(n_days, dtype=np.bool_)
    max_weekends = -1
    if on["max_weekends"] and worker.max_weekends is not None:
        max_weekends = worker.max_weekends
        for week in range(problem.weeks):
            saturday[7 * week + 5] = True
            sunday[7 * week + 6] = True
    return LineShape(
        classes=classes,
        follow=follow,
        allowed=allowed,
        units=units,
        u_min=u_min,
        u_max=u_max,
        u_saturates=u_saturates,
        cap_of=cap_of,
        cap_limits=cap_limits,
        max_run=max_run,
        min_work=max(1, min_work),
        min_off=max(1, min_off),
        saturday=saturday,
        sunday=sunday,
        max_weekends=max_weekends,
        own=own,
        own_offset=offset,
    )


@dataclass(frozen=True)
class Labelled:
    """The pass's answer: the best lines (best first) with their own costs, and the least
    ``cost − Σ duals`` over every line (None when the worker has none)."""

    lines: tuple[tuple[tuple[int, ...], int], ...]
    least: float | None


def ready() -> None:
    """Compile the pass (or load it from numba's cache) now, so that the first pricing's
    time, which the column generator samples, is the pricing's own."""
    shape = LineShape(
        classes=((0,),),
        follow=np.ones((2, 2), dtype=np.bool_),
        allowed=np.ones((1, 2), dtype=np.bool_),
        units=np.zeros(2, dtype=np.int64),
        u_min=0,
        u_max=0,
        u_saturates=False,
        cap_of=np.full(2, -1, dtype=np.int64),
        cap_limits=np.zeros(MAX_CAPS, dtype=np.int64),
        max_run=0,
        min_work=1,
        min_off=1,
        saturday=np.zeros(1, dtype=np.bool_),
        sunday=np.zeros(1, dtype=np.bool_),
        max_weekends=-1,
        own=np.zeros((1, 1)),
        own_offset=0,
    )
    Labeller(shape).price({})


_local = threading.local()


def _buffers(size: int) -> tuple[FloatArray, FloatArray, IntArray, IntArray, IntArray, IntArray]:
    """This thread's work arrays for the pass, at least ``size`` long: two all infinite
    (the pass leaves them so), four scratch. Kept from call to call, as allocating them
    took longer than the pass itself."""
    held = getattr(_local, "arrays", None)
    if held is None or held[0].shape[0] < size:
        held = (
            np.full(size, INF),
            np.full(size, INF),
            *(np.empty(size, dtype=np.int64) for _ in range(4)),
        )
        _local.arrays = held
    return held


class Labeller:
    """Prices one worker's lines with the pass."""

    def __init__(self, shape: LineShape) -> None:
        self.shape = shape
        self.last: tuple[int, ...] | None = None
        """The last best line: its cost at new duals bounds the pass's search."""

    def price(
        self, duals: dict[tuple[int, int], float], keep: int = KEEP, *, remember: bool = True
    ) -> Labelled:
        """The ``keep`` best lines at ``duals`` (different end states), exactly.

        The best line is remembered to bound the next call's search (which then returns
        fewer lines besides the best); ``remember=False`` leaves that to the pricing
        rounds, whose pools the dives see."""
        shape = self.shape
        class_cost, pick, cell = self._class_costs(duals)
        costs, paths = _forward(
            class_cost,
            shape.follow,
            shape.units,
            shape.cap_of,
            shape.cap_limits,
            shape.saturday,
            shape.sunday,
            shape.max_run,
            shape.min_work,
            shape.min_off,
            shape.run_cap,
            shape.u_min,
            shape.u_max,
            shape.u_saturates,
            max(0, shape.max_weekends),
            shape.max_weekends >= 0,
            keep,
            self._upper(cell),
            *_buffers(shape.states),
        )
        lines = []
        for cost, path in zip(costs, paths, strict=True):
            if not math.isfinite(cost):
                break
            shifts = tuple(int(pick[d, c]) if c > 0 else -1 for d, c in enumerate(path))
            own = shape.own_offset + sum(shape.own[d, s] for d, s in enumerate(shifts) if s >= 0)
            lines.append((shifts, round(own)))
        least = float(costs[0]) + shape.own_offset if lines else None
        if remember:
            self.last = lines[0][0] if lines else None
        return Labelled(tuple(lines), least)

    def _class_costs(
        self, duals: dict[tuple[int, int], float]
    ) -> tuple[FloatArray, IntArray, FloatArray]:
        """Each day's cost of each class (its cheapest member, and which) and of each cell,
        at ``duals``; infinite where the cell is not allowed."""
        shape = self.shape
        n_days, n_shifts = shape.allowed.shape[0], shape.allowed.shape[1] - 1
        cell = shape.own.copy()
        for (d, s), value in duals.items():
            cell[d, s] -= value
        cell = np.where(shape.allowed[:, :n_shifts], cell, INF)
        k = len(shape.classes) + 1
        class_cost = np.full((n_days, k), INF)
        pick = np.full((n_days, k), -1, dtype=np.int64)
        class_cost[:, 0] = np.where(shape.allowed[:, n_shifts], 0.0, INF)
        for i, members in enumerate(shape.classes, start=1):
            block = cell[:, list(members)]
            best = np.argmin(block, axis=1)
            class_cost[:, i] = block[np.arange(n_days), best]
            pick[:, i] = np.asarray(members)[best]
        return class_cost, pick, cell

    def enumerate(
        self, duals: dict[tuple[int, int], float], room: float, limit: int
    ) -> list[tuple[tuple[int, ...], int]] | None:
        """Every line whose ``cost − Σ duals`` is within ``room`` of the least, with its own
        cost; None when there are more than ``limit``.

        Complete, not a sample: a rota worth at most the Lagrangian bound plus ``room`` uses
        no other line of this worker (see ``ColumnGeneration.settle``). The pass records
        every transition that can still end within the room and walks them back from the
        end states, pruned by each state's exact least cost from day one.
        """
        shape = self.shape
        class_cost, _, cell = self._class_costs(duals)
        least = self.price(duals, keep=1, remember=False).least
        if least is None:
            return []
        top = least - shape.own_offset + room
        top += 1e-9 * max(1.0, abs(top))
        paths, costs, complete = _enumerate(
            class_cost,
            shape.follow,
            shape.units,
            shape.cap_of,
            shape.cap_limits,
            shape.saturday,
            shape.sunday,
            shape.max_run,
            shape.min_work,
            shape.min_off,
            shape.run_cap,
            shape.u_min,
            shape.u_max,
            shape.u_saturates,
            max(0, shape.max_weekends),
            shape.max_weekends >= 0,
            top,
            limit,
            MAX_EDGES,
            *_buffers(shape.states),
        )
        if not complete:
            return None
        if all(len(members) == 1 for members in shape.classes):
            # one shift a class: the lines at once, as arrays (a pool of thousands)
            of_class = np.array([-1, *(members[0] for members in shape.classes)])
            table = of_class[paths]
            days = np.arange(shape.allowed.shape[0])
            worked = np.where(table >= 0, shape.own[days, np.maximum(table, 0)], 0.0)
            owns = np.rint(shape.own_offset + worked.sum(axis=1)).astype(np.int64)
            return list(zip(map(tuple, table.tolist()), owns.tolist(), strict=True))
        lines: list[tuple[tuple[int, ...], int]] = []
        for path, cost in zip(paths, costs, strict=True):
            for shifts in self._members(path, top - float(cost), cell, class_cost):
                own = shape.own_offset + sum(
                    shape.own[d, s] for d, s in enumerate(shifts) if s >= 0
                )
                lines.append((shifts, round(own)))
                if len(lines) > limit:
                    return None
        return lines

    def _members(
        self, path: IntArray, slack: float, cell: FloatArray, class_cost: FloatArray
    ) -> list[tuple[int, ...]]:
        """The lines of one class path: each day's class member whose extra cost over the
        class's cheapest still fits in ``slack`` (one line where every class has one member)."""
        options: list[list[tuple[float, int]]] = []
        for d, c in enumerate(path):
            if c == 0:
                options.append([(0.0, -1)])
                continue
            members = self.shape.classes[c - 1]
            base = class_cost[d, c]
            options.append(
                sorted((cell[d, m] - base, m) for m in members if cell[d, m] - base <= slack)
            )
        lines: list[tuple[int, ...]] = [()]
        spent: list[float] = [0.0]
        for day in options:
            grown, costs = [], []
            for line, used in zip(lines, spent, strict=True):
                for extra, m in day:
                    if used + extra <= slack:
                        grown.append((*line, m))
                        costs.append(used + extra)
            lines, spent = grown, costs
        return lines

    def _upper(self, cell: FloatArray) -> float:
        """The last best line's cost in the pass's terms at these cell costs (it still
        keeps every rule, as only the duals change), or infinity."""
        if self.last is None:
            return INF
        return float(sum(cell[d, s] for d, s in enumerate(self.last) if s >= 0))


@njit(cache=True, nogil=True)
def _grow(store: IntArray, need: int) -> IntArray:  # pragma: no cover - compiled
    """``store`` with room for ``need`` entries (doubling)."""
    if need <= store.shape[0]:
        return store
    bigger = np.empty(max(need, 2 * store.shape[0]), dtype=np.int64)
    bigger[: store.shape[0]] = store
    return bigger


@njit(cache=True, nogil=True)
def _step(
    last: int,
    run: int,
    first: int,
    u: int,
    j: int,
    follow: npt.NDArray[np.bool_],
    units: IntArray,
    max_run: int,
    min_work: int,
    min_off: int,
    big_r: int,
    u_max: int,
    u_saturates: bool,
) -> tuple[bool, int, int, int]:  # pragma: no cover - compiled
    """Class ``j`` after the state (``last`` = -1 before day one): allowed?, and the new
    run length, began-on-day-one flag and minute units."""
    if j == 0:
        if last == -1:
            return True, 1, 1 if min_off > 1 else 0, u
        if last > 0:
            if first == 0 and run < min_work:
                return False, 0, 0, 0  # a short working run inside the horizon
            return True, 1, 0, u
        r2 = min(run + 1, big_r)
        return True, r2, first if r2 < min_off else 0, u
    if last == -1:
        r2, f2 = 1, 1 if min_work > 1 else 0
    elif last == 0:
        if first == 0 and run < min_off:
            return False, 0, 0, 0  # a short rest inside the horizon
        r2, f2 = 1, 0
    else:
        if not follow[last, j]:
            return False, 0, 0, 0
        r2 = run + 1
        if max_run > 0 and r2 > max_run:
            return False, 0, 0, 0
        r2 = min(r2, big_r)
        f2 = first if r2 < min_work else 0
    u2 = u + units[j]
    if u2 > u_max:
        if not u_saturates:
            return False, 0, 0, 0
        u2 = u_max
    return True, r2, f2, u2


@njit(cache=True, nogil=True)
def _to_go(
    class_cost: FloatArray,
    follow: npt.NDArray[np.bool_],
    units: IntArray,
    max_run: int,
    min_work: int,
    min_off: int,
    run_cap: int,
    u_min: int,
    u_max: int,
    u_saturates: bool,
) -> FloatArray:  # pragma: no cover - compiled
    """``h[d, t]``: the least cost of days after ``d`` from the state ``t`` = (last class,
    run, began on day one, minute units) at the end of ``d``, ignoring caps and weekends
    (a lower bound on any completion, by a backward pass over the smaller space)."""
    n_days, k = class_cost.shape
    big_r, big_u = run_cap, u_max + 1
    size = k * big_r * 2 * big_u
    h = np.full((n_days, size), np.inf)
    for t in range(size):
        if t % big_u >= u_min:
            h[n_days - 1, t] = 0.0
    for d in range(n_days - 2, -1, -1):
        for t in range(size):
            u = t % big_u
            first = (t // big_u) % 2
            run = (t // (big_u * 2)) % big_r + 1
            last = t // (big_u * 2 * big_r)
            best = np.inf
            for j in range(k):
                cj = class_cost[d + 1, j]
                if cj == np.inf:
                    continue
                ok, r2, f2, u2 = _step(
                    last, run, first, u, j, follow, units, max_run, min_work, min_off,
                    big_r, u_max, u_saturates,
                )  # fmt: skip
                if ok:
                    v = cj + h[d + 1, ((j * big_r + r2 - 1) * 2 + f2) * big_u + u2]
                    if v < best:
                        best = v
            h[d, t] = best
    return h


@njit(cache=True, nogil=True)
def _forward(
    class_cost: FloatArray,
    follow: npt.NDArray[np.bool_],
    units: IntArray,
    cap_of: IntArray,
    cap_limits: IntArray,
    saturday: npt.NDArray[np.bool_],
    sunday: npt.NDArray[np.bool_],
    max_run: int,
    min_work: int,
    min_off: int,
    run_cap: int,
    u_min: int,
    u_max: int,
    u_saturates: bool,
    weekends: int,
    count_weekends: bool,
    keep: int,
    upper: float,
    cost: FloatArray,
    nxt: FloatArray,
    par: IntArray,
    where: IntArray,
    today: IntArray,
    reached: IntArray,
) -> tuple[FloatArray, IntArray]:  # pragma: no cover - compiled
    """Least cost to each state, day by day; the ``keep`` best end states' class paths.

    A state is (last class, run length - 1, run began on day one, minute units, the three
    cap counters, weekends worked), flattened in that order. Only the states reached on
    a day are visited the next; each day's reached states and their parents are kept in
    one growing store for the walk back. A state whose cost plus the least cost to go
    (:func:`_to_go`) exceeds ``upper``, the cost of a known line, leads to no better line
    and is dropped. ``cost`` and ``nxt`` (all infinite) and the other work arrays, at
    least as long as the states, are the caller's, reused from call to call: they are
    left as they came.
    """
    n_days, k = class_cost.shape
    big_r, big_u = run_cap, u_max + 1
    c0, c1, c2 = cap_limits[0] + 1, cap_limits[1] + 1, cap_limits[2] + 1
    big_w = weekends + 1
    tail = c0 * c1 * c2 * big_w
    size = k * big_r * 2 * big_u * tail
    per_class = size // k
    h = _to_go(
        class_cost, follow, units, max_run, min_work, min_off, run_cap, u_min, u_max, u_saturates
    )
    room = upper + 1e-9 * max(1.0, abs(upper))
    n_today = 0
    n_reached = 0
    store_state = np.empty(1024, dtype=np.int64)
    store_parent = np.empty(1024, dtype=np.int64)
    stored = 0

    for d in range(n_days):
        n_reached = 0
        # day 0 starts from one virtual state: nothing worked, no run before
        sources = 1 if d == 0 else n_today
        for i in range(sources):
            if d == 0:
                c, gid, last, run, first, u, a, b, e, wk = 0.0, -1, -1, 0, 0, 0, 0, 0, 0, 0
            else:
                s = today[i]
                c = cost[s]
                gid = where[s]
                rest = s
                wk = rest % big_w
                rest //= big_w
                e = rest % c2
                rest //= c2
                b = rest % c1
                rest //= c1
                a = rest % c0
                rest //= c0
                u = rest % big_u
                rest //= big_u
                first = rest % 2
                rest //= 2
                run = rest % big_r + 1
                last = rest // big_r
            for j in range(k):
                cj = class_cost[d, j]
                if cj == np.inf:
                    continue
                ok, r2, f2, u2 = _step(
                    last, run, first, u, j, follow, units, max_run, min_work, min_off,
                    big_r, u_max, u_saturates,
                )  # fmt: skip
                if not ok:
                    continue
                v = c + cj
                t2 = ((j * big_r + r2 - 1) * 2 + f2) * big_u + u2
                if v + h[d, t2] > room:
                    continue
                a2, b2, e2, wk2 = a, b, e, wk
                if j > 0:
                    a2 = a + 1 if cap_of[j] == 0 else a
                    b2 = b + 1 if cap_of[j] == 1 else b
                    e2 = e + 1 if cap_of[j] == 2 else e
                    if a2 >= c0 or b2 >= c1 or e2 >= c2:
                        continue
                    if count_weekends and (saturday[d] or (sunday[d] and last <= 0)):
                        wk2 = wk + 1
                        if wk2 >= big_w:
                            continue
                s2 = t2 * tail + ((a2 * c1 + b2) * c2 + e2) * big_w + wk2
                if v < nxt[s2]:
                    if nxt[s2] == np.inf:
                        reached[n_reached] = s2
                        n_reached += 1
                    nxt[s2] = v
                    par[s2] = gid
        # the day's states become the sources of the next; the store keeps their parents
        for i in range(n_today):
            cost[today[i]] = np.inf
        store_state = _grow(store_state, stored + n_reached)
        store_parent = _grow(store_parent, stored + n_reached)
        for i in range(n_reached):
            s = reached[i]
            cost[s] = nxt[s]
            nxt[s] = np.inf
            where[s] = stored
            store_state[stored] = s
            store_parent[stored] = par[s]
            stored += 1
            today[i] = s
        n_today = n_reached
    # end states that meet the minutes' minimum, best first
    ends = np.full(n_today, np.inf)
    for i in range(n_today):
        s = today[i]
        if (s // tail) % big_u >= u_min:
            ends[i] = cost[s]
    order = np.argsort(ends)
    best = np.full(keep, np.inf)
    paths = np.zeros((keep, n_days), dtype=np.int64)
    for i in range(min(keep, n_today)):
        if ends[order[i]] == np.inf:
            break
        best[i] = ends[order[i]]
        gid = where[today[order[i]]]
        for d in range(n_days - 1, -1, -1):
            paths[i, d] = store_state[gid] // per_class
            gid = store_parent[gid]
    for i in range(n_today):
        cost[today[i]] = np.inf
    return best, paths


@njit(cache=True, nogil=True)
def _enumerate(
    class_cost: FloatArray,
    follow: npt.NDArray[np.bool_],
    units: IntArray,
    cap_of: IntArray,
    cap_limits: IntArray,
    saturday: npt.NDArray[np.bool_],
    sunday: npt.NDArray[np.bool_],
    max_run: int,
    min_work: int,
    min_off: int,
    run_cap: int,
    u_min: int,
    u_max: int,
    u_saturates: bool,
    weekends: int,
    count_weekends: bool,
    top: float,
    limit: int,
    max_edges: int,
    cost: FloatArray,
    nxt: FloatArray,
    par: IntArray,
    where: IntArray,
    today: IntArray,
    reached: IntArray,
) -> tuple[IntArray, FloatArray, bool]:  # pragma: no cover - compiled
    """Every class path of cost at most ``top``: ``(paths, costs, complete)``, complete
    False when there are more than ``limit`` (or the transitions kept exceed ``max_edges``).

    The forward pass of :func:`_forward` (same states, same pruning by the cost to go),
    but every transition into a kept state is recorded, not only the cheapest; each
    node keeps its least cost from day one. The walk back from the end states follows a
    recorded transition only while that least cost plus the path's cost after it fits
    in ``top``, so no branch of the walk is wasted. ``par`` is unused; the other work
    arrays are as in :func:`_forward` and left as they came. The forward loop repeats
    :func:`_forward`'s inline on purpose: with the state's decoding and the counters'
    update as shared compiled helpers, the pricing pass ran 40% slower (50 pricings of
    Curtois 12 workers: 0.095 s, 0.135 s with the helpers).
    """
    n_days, k = class_cost.shape
    big_r, big_u = run_cap, u_max + 1
    c0, c1, c2 = cap_limits[0] + 1, cap_limits[1] + 1, cap_limits[2] + 1
    big_w = weekends + 1
    tail = c0 * c1 * c2 * big_w
    size = k * big_r * 2 * big_u * tail
    per_class = size // k
    h = _to_go(
        class_cost, follow, units, max_run, min_work, min_off, run_cap, u_min, u_max, u_saturates
    )
    node_state = np.empty(1024, dtype=np.int64)
    node_least = np.empty(1024, dtype=np.float64)
    nodes = 0
    edge_child = np.empty(1024, dtype=np.int64)
    edge_parent = np.empty(1024, dtype=np.int64)
    edge_cost = np.empty(1024, dtype=np.float64)
    edges = 0
    first_of_last_day = 0
    n_today = 0
    for d in range(n_days):
        n_reached = 0
        first_edge = edges
        sources = 1 if d == 0 else n_today
        for i in range(sources):
            if d == 0:
                c, gid, last, run, first, u, a, b, e, wk = 0.0, -1, -1, 0, 0, 0, 0, 0, 0, 0
            else:
                s = today[i]
                c = cost[s]
                gid = where[s]
                rest = s
                wk = rest % big_w
                rest //= big_w
                e = rest % c2
                rest //= c2
                b = rest % c1
                rest //= c1
                a = rest % c0
                rest //= c0
                u = rest % big_u
                rest //= big_u
                first = rest % 2
                rest //= 2
                run = rest % big_r + 1
                last = rest // big_r
            for j in range(k):
                cj = class_cost[d, j]
                if cj == np.inf:
                    continue
                ok, r2, f2, u2 = _step(
                    last, run, first, u, j, follow, units, max_run, min_work, min_off,
                    big_r, u_max, u_saturates,
                )  # fmt: skip
                if not ok:
                    continue
                v = c + cj
                t2 = ((j * big_r + r2 - 1) * 2 + f2) * big_u + u2
                if v + h[d, t2] > top:
                    continue
                a2, b2, e2, wk2 = a, b, e, wk
                if j > 0:
                    a2 = a + 1 if cap_of[j] == 0 else a
                    b2 = b + 1 if cap_of[j] == 1 else b
                    e2 = e + 1 if cap_of[j] == 2 else e
                    if a2 >= c0 or b2 >= c1 or e2 >= c2:
                        continue
                    if count_weekends and (saturday[d] or (sunday[d] and last <= 0)):
                        wk2 = wk + 1
                        if wk2 >= big_w:
                            continue
                s2 = t2 * tail + ((a2 * c1 + b2) * c2 + e2) * big_w + wk2
                if nxt[s2] == np.inf:
                    reached[n_reached] = s2
                    n_reached += 1
                if v < nxt[s2]:
                    nxt[s2] = v
                if edges >= max_edges:
                    for q in range(n_reached):
                        nxt[reached[q]] = np.inf
                    for q in range(n_today):
                        cost[today[q]] = np.inf
                    return np.empty((0, n_days), dtype=np.int64), np.empty(0), False
                edge_child = _grow(edge_child, edges + 1)
                edge_parent = _grow(edge_parent, edges + 1)
                if edge_cost.shape[0] <= edges:
                    wider = np.empty(2 * edge_cost.shape[0], dtype=np.float64)
                    wider[:edges] = edge_cost[:edges]
                    edge_cost = wider
                edge_child[edges] = s2  # a state until the day's nodes are numbered
                edge_parent[edges] = gid
                edge_cost[edges] = cj
                edges += 1
        for i in range(n_today):
            cost[today[i]] = np.inf
        node_state = _grow(node_state, nodes + n_reached)
        if node_least.shape[0] < node_state.shape[0]:
            wider = np.empty(node_state.shape[0], dtype=np.float64)
            wider[:nodes] = node_least[:nodes]
            node_least = wider
        first_of_last_day = nodes
        for i in range(n_reached):
            s = reached[i]
            cost[s] = nxt[s]
            nxt[s] = np.inf
            where[s] = nodes
            node_state[nodes] = s
            node_least[nodes] = cost[s]
            nodes += 1
            today[i] = s
        for q in range(first_edge, edges):
            edge_child[q] = where[edge_child[q]]
        n_today = n_reached
    for i in range(n_today):
        cost[today[i]] = np.inf
    # each node's incoming transitions, contiguous
    order = np.argsort(edge_child[:edges], kind="mergesort")
    start = np.zeros(nodes + 1, dtype=np.int64)
    for q in range(edges):
        start[edge_child[q] + 1] += 1
    for i in range(nodes):
        start[i + 1] += start[i]
    paths = np.empty((max(1, min(limit, 1024)), n_days), dtype=np.int64)
    costs = np.empty(paths.shape[0], dtype=np.float64)
    found = 0
    path = np.empty(n_days, dtype=np.int64)
    at = np.empty(n_days, dtype=np.int64)
    pos = np.empty(n_days, dtype=np.int64)
    after = np.empty(n_days, dtype=np.float64)
    for node in range(first_of_last_day, nodes):
        s = node_state[node]
        if (s // tail) % big_u < u_min or node_least[node] > top:
            continue
        # depth t walks day n_days - 1 - t; after[t] is the cost of the days after it
        depth = 0
        at[0], pos[0], after[0] = node, start[node], 0.0
        path[n_days - 1] = s // per_class
        while depth >= 0:
            here = at[depth]
            if depth == n_days - 1:  # day one: its one transition comes from the start
                if found >= limit:
                    return paths[:found], costs[:found], False
                if found == paths.shape[0]:
                    more = np.empty((2 * found, n_days), dtype=np.int64)
                    more[:found] = paths[:found]
                    paths = more
                    wider = np.empty(2 * found, dtype=np.float64)
                    wider[:found] = costs[:found]
                    costs = wider
                paths[found] = path
                costs[found] = after[depth] + node_least[here]
                found += 1
                depth -= 1
                continue
            p = pos[depth]
            if p >= start[here + 1]:
                depth -= 1
                continue
            pos[depth] = p + 1
            q = order[p]
            parent = edge_parent[q]
            rest_cost = after[depth] + edge_cost[q]
            if node_least[parent] + rest_cost > top:
                continue
            depth += 1
            at[depth], pos[depth], after[depth] = parent, start[parent], rest_cost
            path[n_days - 1 - depth] = node_state[parent] // per_class
    return paths[:found], costs[:found], True
