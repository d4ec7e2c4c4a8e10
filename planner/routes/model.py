"""The routing model every backend solves: plain data, no solver objects.

A :class:`RoutingProblem` is a set of locations with integer distance and duration
matrices, visits (clients) with time windows, service, prize and the vehicles allowed to
serve them, and vehicles with start/end locations and a working window. Lunch breaks,
skills and due stops are all expressed in these terms by :mod:`planner.routes.build`, so a
backend (PyVRP, OR-Tools) only has to solve a prize-collecting VRP with time windows,
vehicle–visit compatibility and (for Solomon) capacities.

Conventions (shared by every backend and by :func:`evaluate`):

- a time window ``(early, late)`` limits the **start** of service; a visit with several
  windows must start in one of them;
- arriving early means waiting; the vehicle leaves its start location at ``shift_start``
  or later and must be back by ``shift_end``;
- the cost of a solution is its total distance plus the prize of every visit left out.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

Window = tuple[int, int]


@dataclass(frozen=True)
class Visit:
    """A stop to serve (a site, an ad-hoc task, or a vehicle's lunch at its station)."""

    name: str
    location: int
    service: int = 0
    windows: tuple[Window, ...] = ((0, 2**31 - 1),)
    required: bool = True
    prize: int = 0
    vehicles: frozenset[int] | None = None
    """Indices of the vehicles that may serve it; ``None`` means any."""
    demand: int = 0


@dataclass(frozen=True)
class Vehicle:
    """One inspector's day (or one Solomon vehicle)."""

    name: str
    start: int
    end: int
    shift_start: int = 0
    shift_end: int = 2**31 - 1
    capacity: int | None = None


@dataclass(frozen=True)
class RoutingProblem:
    """Locations with matrices (metres, seconds), visits and vehicles."""

    distance: NDArray[np.int64]
    duration: NDArray[np.int64]
    visits: tuple[Visit, ...]
    vehicles: tuple[Vehicle, ...]

    def __post_init__(self) -> None:
        n = self.distance.shape[0]
        if self.distance.shape != (n, n) or self.duration.shape != (n, n):
            raise ValueError("distance and duration must be square matrices of the same size")
        for v in self.visits:
            if not 0 <= v.location < n:
                raise ValueError(f"visit {v.name}: location {v.location} out of range")
            if not v.windows or any(early > late for early, late in v.windows):
                raise ValueError(f"visit {v.name}: empty or reversed time window")

    def allowed(self, visit: int, vehicle: int) -> bool:
        """Whether ``vehicle`` may serve ``visit``."""
        allowed = self.visits[visit].vehicles
        return allowed is None or vehicle in allowed


@dataclass(frozen=True)
class RoutingSolution:
    """Visit indices in order per vehicle; whatever is in no route was left out."""

    routes: tuple[tuple[int, ...], ...]
    backend: str = ""
    seconds: float = 0.0
    stats: dict[str, float] = field(default_factory=dict)

    def served(self) -> set[int]:
        """Every visit index on some route."""
        return {i for route in self.routes for i in route}


@dataclass(frozen=True)
class Timing:
    """When a vehicle arrives at, starts serving and leaves one place of its route."""

    visit: int | None
    """Visit index, or ``None`` for the start and end of the route."""
    arrive: int
    start: int
    depart: int
    distance: int
    duration: int


class InfeasibleRouteError(ValueError):
    """A route that breaks a window, the shift, a capacity or a compatibility rule."""


def schedule(problem: RoutingProblem, vehicle: int, route: tuple[int, ...]) -> list[Timing]:
    """Earliest times along ``route`` (start, each visit, end); raise if it is infeasible.

    Departure from the start is delayed as far as possible without delaying the first
    service start (no pointless waiting in the morning), which never changes feasibility.
    """
    veh = problem.vehicles[vehicle]
    dist, dur = problem.distance, problem.duration
    load = 0
    for i in route:
        if not problem.allowed(i, vehicle):
            raise InfeasibleRouteError(f"{problem.visits[i].name} may not be served by {veh.name}")
        load += problem.visits[i].demand
    if veh.capacity is not None and load > veh.capacity:
        raise InfeasibleRouteError(f"{veh.name}: load {load} over capacity {veh.capacity}")
    timings = [Timing(None, veh.shift_start, veh.shift_start, veh.shift_start, 0, 0)]
    here, clock = veh.start, veh.shift_start
    for i in route:
        visit = problem.visits[i]
        leg_m, leg_s = int(dist[here, visit.location]), int(dur[here, visit.location])
        arrive = clock + leg_s
        start = _earliest_start(arrive, visit.windows)
        if start is None:
            raise InfeasibleRouteError(
                f"{veh.name}: {visit.name} reached at {arrive}, after its last window"
            )
        clock = start + visit.service
        timings.append(Timing(i, arrive, start, clock, leg_m, leg_s))
        here = visit.location
    leg_m, leg_s = int(dist[here, veh.end]), int(dur[here, veh.end])
    back = clock + leg_s
    if back > veh.shift_end:
        raise InfeasibleRouteError(
            f"{veh.name}: back at {back}, after the shift end {veh.shift_end}"
        )
    timings.append(Timing(None, back, back, back, leg_m, leg_s))
    return _late_departure(timings)


def _earliest_start(arrive: int, windows: tuple[Window, ...]) -> int | None:
    starts = [max(arrive, early) for early, late in sorted(windows) if max(arrive, early) <= late]
    return min(starts) if starts else None


def _late_departure(timings: list[Timing]) -> list[Timing]:
    """Leave the start as late as the first visit allows (waiting at the station instead)."""
    if len(timings) < 3:
        return timings
    first = timings[1]
    slack = first.start - first.arrive
    if slack <= 0:
        return timings
    start = timings[0]
    leave = start.depart + slack
    timings[0] = Timing(None, start.arrive, start.start, leave, 0, 0)
    timings[1] = Timing(first.visit, first.arrive + slack, first.start, first.depart,
                        first.distance, first.duration)  # fmt: skip
    return timings


def cost(problem: RoutingProblem, solution: RoutingSolution) -> int:
    """Total distance plus the prize of every visit left out (the objective of every backend)."""
    total = 0
    for v, route in enumerate(solution.routes):
        if not route:
            continue
        veh = problem.vehicles[v]
        stops = [veh.start, *(problem.visits[i].location for i in route), veh.end]
        total += sum(int(problem.distance[a, b]) for a, b in itertools.pairwise(stops))
    served = solution.served()
    return total + sum(v.prize for i, v in enumerate(problem.visits) if i not in served)


def validate(problem: RoutingProblem, solution: RoutingSolution) -> None:
    """Raise :class:`InfeasibleRouteError` unless every route is feasible, no visit is served
    twice and every required visit is served."""
    if len(solution.routes) != len(problem.vehicles):
        raise InfeasibleRouteError("one route per vehicle expected")
    seen: set[int] = set()
    for v, route in enumerate(solution.routes):
        for i in route:
            if i in seen:
                raise InfeasibleRouteError(f"{problem.visits[i].name} served twice")
            seen.add(i)
        if route:
            schedule(problem, v, route)
    missing = [v.name for i, v in enumerate(problem.visits) if v.required and i not in seen]
    if missing:
        raise InfeasibleRouteError(f"required visits left out: {', '.join(missing[:5])}")
