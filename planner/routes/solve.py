"""Solve a day's grids with a routing backend and turn the routes into timed rows."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import threading
import time
from dataclasses import dataclass
from functools import cached_property
from multiprocessing.context import BaseContext

from planner import interrupt
from planner._errors import NoSolutionError
from planner.routes.backends import DEFAULT_BACKEND, solve
from planner.routes.build import DayPlan, GridDay, Stop, Unserved
from planner.routes.model import RoutingProblem, RoutingSolution, cost, schedule


@dataclass(frozen=True)
class RouteRow:
    """One place on an inspector's route (a row of routes.csv)."""

    date: dt.date
    grid: str
    worker_id: str
    seq: int
    site_id: str
    kind: str
    arrive: int
    service_start: int | None
    depart: int
    travel_m: int
    travel_s: int
    node: int
    """Street node of the place (for maps)."""


@dataclass(frozen=True)
class WorkerDay:
    """What one inspector's day amounts to (for the summary)."""

    worker_id: str
    grid: str
    stops: int
    metres: int
    travel_s: int
    service_s: int
    available_s: int

    @property
    def utilisation(self) -> float:
        """Share of the working time (shift after the meeting, minus lunch) spent moving or
        inspecting."""
        return (self.travel_s + self.service_s) / self.available_s if self.available_s else 0.0


@dataclass(frozen=True)
class DayRoutes:
    """A solved day: rows, what was left out and why, and the solver's account."""

    plan: DayPlan
    solutions: tuple[RoutingSolution, ...]
    rows: tuple[RouteRow, ...]
    unserved: tuple[Unserved, ...]
    workers: tuple[WorkerDay, ...]
    cost: int
    backend: str
    seconds: float

    @cached_property
    def stops(self) -> dict[str, Stop]:
        """The day's routed stops by site id (for maps and GeoJSON)."""
        return {s.site.id: s for g in self.plan.grids for s in g.stops}

    @property
    def served(self) -> int:
        """Stops on some route."""
        return sum(1 for r in self.rows if r.kind == "visit")


def solve_day(
    plan: DayPlan,
    *,
    backend: str = DEFAULT_BACKEND,
    time_limit: float = 10.0,
    seed: int = 0,
    workers: int = 1,
) -> DayRoutes:
    """Route every grid; ``workers`` grids are solved at once, each in its own process.

    The time limit is for the whole day: each grid gets a share in proportion to its
    stops (times ``workers``, as that many run side by side). Small grids usually stop
    earlier, when the solver has converged.
    """
    started = time.monotonic()
    total_stops = sum(len(g.stops) for g in plan.grids) or 1
    parallel = max(1, min(workers, len(plan.grids)))
    shares = [
        min(time_limit, max(0.05, time_limit * parallel * len(g.stops) / total_stops))
        for g in plan.grids
    ]
    jobs = [(g.problem, backend, share, seed) for g, share in zip(plan.grids, shares, strict=True)]
    if parallel == 1:
        solutions = [_solve_grid(job) for job in jobs]
    else:
        # largest grids first, so the last one to finish is a small one
        order = sorted(range(len(jobs)), key=lambda i: -len(plan.grids[i].stops))
        # a multiprocessing pool, as leaving its block ends its processes at once: on
        # Ctrl-C the grids still being solved are not waited for
        with _context().Pool(parallel) as pool:
            done = dict(zip(order, pool.map(_solve_grid, [jobs[i] for i in order]), strict=True))
        solutions = [done[i] for i in range(len(jobs))]
    rows: list[RouteRow] = []
    unserved = list(plan.unserved)
    days: list[WorkerDay] = []
    total = 0
    for grid, solution in zip(plan.grids, solutions, strict=True):
        total += cost(grid.problem, solution)  # a grid without a plan: every prize lost
        served = solution.served()
        failed = bool(solution.stats.get("no_solution"))
        for i, stop in enumerate(grid.stops):
            if i not in served:
                reason = "mandatory_no_time" if stop.mandatory else "no_time"
                reason = "no_solution" if failed else reason
                unserved.append(Unserved(stop, reason))
        for v, route in enumerate(solution.routes):
            grid_rows, day = _rows(plan.date, grid, v, route)
            rows.extend(grid_rows)
            days.append(day)
    return DayRoutes(
        plan=plan,
        solutions=tuple(solutions),
        rows=tuple(rows),
        unserved=tuple(unserved),
        workers=tuple(days),
        cost=total,
        backend=backend,
        seconds=time.monotonic() - started,
    )


def _solve_grid(job: tuple[RoutingProblem, str, float, int]) -> RoutingSolution:
    """One grid; a grid the solver finds no plan for in time keeps its inspectors at the
    station (its stops are reported ``no_solution``) rather than sinking the whole day."""
    problem, backend, limit, seed = job
    try:
        return solve(problem, backend=backend, time_limit=limit, seed=seed, workers=1)
    except NoSolutionError:
        empty: tuple[tuple[int, ...], ...] = tuple(() for _ in problem.vehicles)
        return RoutingSolution(routes=empty, backend=backend, stats={"no_solution": 1.0})


def _context() -> BaseContext:
    """Fork when this process has no other threads (fast: nothing is imported again); the
    Ctrl-C watcher (:mod:`planner.interrupt`) holds no lock a child could need."""
    threads = threading.enumerate()
    alone = all(t is threading.main_thread() or t.name == interrupt.WATCHER for t in threads)
    if alone and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _rows(
    day: dt.date, grid: GridDay, v: int, route: tuple[int, ...]
) -> tuple[list[RouteRow], WorkerDay]:
    """routes.csv rows of one inspector (start, visits and lunch, end) timed by
    :func:`planner.routes.model.schedule`, and the day's totals for the summary."""
    inspector = grid.inspectors[v]
    station = f"station:{grid.grid}"
    timings = schedule(grid.problem, v, route)
    rows = []
    service = travel = metres = stops = 0
    lunch = 0
    for seq, t in enumerate(timings):
        if t.visit is None:
            kind = "start" if seq == 0 else "end"
            site_id, node = station, grid.nodes[0]
            start: int | None = None
        else:
            visit = grid.problem.visits[t.visit]
            node = grid.nodes[visit.location]
            if grid.is_lunch(t.visit):
                kind, site_id = "lunch", station
                lunch += visit.service
            else:
                kind, site_id = "visit", grid.stops[t.visit].site.id
                service += visit.service
                stops += 1
            start = t.start
        travel += t.duration
        metres += t.distance
        row = RouteRow(day, grid.grid, inspector.worker_id, seq, site_id, kind, t.arrive,
                       start, t.depart, t.distance, t.duration, node)  # fmt: skip
        rows.append(row)
    available = inspector.end - inspector.start - lunch
    worker = inspector.worker_id
    return rows, WorkerDay(worker, grid.grid, stops, metres, travel, service, available)
