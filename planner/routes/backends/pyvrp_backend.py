"""PyVRP 0.14 backend: the routing model as PyVRP ``ProblemData``, solved by independent seeds.

Mapping (see :mod:`planner.routes.model` for the conventions):

- each depot location a vehicle starts or ends at is one PyVRP depot, and each visit gets its
  own PyVRP location (even when visits share a place), so compatibility can be per visit;
- a visit with one window is one ``Client`` (PyVRP's ``tw_late`` also limits the start of
  service, as ours does); a visit with several windows is one optional client per window in a
  mutually exclusive ``ClientGroup`` that is required when the visit is;
- ``Visit.vehicles`` becomes routing profiles: vehicles that may serve the same visits share a
  profile, in which every leg to or from a forbidden visit is :func:`forbidden_leg` long and
  slow, so serving it means time warp (infeasible) and more distance than any plan has;
- identical vehicles (same start, end, shift, capacity and profile) become one ``VehicleType``
  with ``num_available`` = their number, which is the same problem with fewer types to search;
- objective: distance plus the prizes of visits left out (unit distance cost 1, duration 0).

Determinism: a run stops at the time limit or after :func:`patience` iterations without
improvement, whichever comes first. When the iteration criterion stops it (small problems),
``workers=1`` with a fixed seed gives the same plan every time; when the time limit stops it,
the plan depends on how many iterations the machine managed. With ``workers > 1`` each worker
is one such run (seeds ``seed``, ``seed + 1``, ...) and the cheapest valid plan wins, ties to
the lowest seed. The gain is diversity more than speed: on the shared 2-vCPU benchmark machine
two parallel runs each managed about half the iterations of one run alone.
"""

from __future__ import annotations

import multiprocessing
import time
import warnings
from dataclasses import dataclass
from multiprocessing.context import BaseContext

import numpy as np
from numpy.typing import NDArray
from pyvrp import (
    Client,
    ClientGroup,
    Depot,
    Location,
    ProblemData,
    Route,
    Solution,
    VehicleType,
)
from pyvrp import solve as pyvrp_solve
from pyvrp.constants import MAX_VALUE
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.stop import MaxRuntime, MultipleCriteria, NoImprovement

from planner._errors import NoSolutionError
from planner.routes.backends import plan_bound
from planner.routes.model import (
    InfeasibleRouteError,
    RoutingProblem,
    RoutingSolution,
    cost,
    validate,
)

NAME = "pyvrp"


@dataclass(frozen=True)
class Translation:
    """A routing problem as PyVRP data, with the maps back to planner's indices."""

    data: ProblemData
    client_visit: tuple[int, ...]
    """PyVRP client index → visit index (several clients per visit with several windows)."""
    type_vehicles: tuple[tuple[int, ...], ...]
    """PyVRP vehicle type → the planner vehicles it stands for."""
    start: tuple[tuple[int, tuple[int, ...]], ...] | None = None
    """A first plan as (vehicle type, clients) routes, or None for PyVRP's random one: see
    :func:`first_plan`."""

    def routes(self, pyvrp_routes: list[tuple[int, list[int]]]) -> tuple[tuple[int, ...], ...]:
        """Planner routes (one per vehicle) from (vehicle type, client indices) pairs."""
        num_vehicles = sum(len(vs) for vs in self.type_vehicles)
        routes: list[tuple[int, ...]] = [() for _ in range(num_vehicles)]
        used = [0] * len(self.type_vehicles)
        for vehicle_type, clients in pyvrp_routes:
            vehicle = self.type_vehicles[vehicle_type][used[vehicle_type]]
            used[vehicle_type] += 1
            routes[vehicle] = tuple(self.client_visit[c] for c in clients)
        return tuple(routes)


def translate(problem: RoutingProblem) -> Translation:
    """Build PyVRP's problem data (see the module docstring for the mapping)."""
    depot_locations = sorted({loc for v in problem.vehicles for loc in (v.start, v.end)})
    depot_of = {loc: d for d, loc in enumerate(depot_locations)}
    first_visit = len(depot_locations)
    where = np.array([*depot_locations, *(v.location for v in problem.visits)], dtype=np.int64)
    distance = problem.distance[np.ix_(where, where)].astype(np.int64)
    duration = problem.duration[np.ix_(where, where)].astype(np.int64)
    np.fill_diagonal(distance, 0)
    np.fill_diagonal(duration, 0)

    use_load = any(v.capacity is not None for v in problem.vehicles)
    clients: list[Client] = []
    client_visit: list[int] = []
    groups: list[ClientGroup] = []
    for i, visit in enumerate(problem.visits):
        windows = sorted(set(visit.windows))
        group = None
        if len(windows) > 1:
            group = len(groups)
            groups.append(ClientGroup(required=visit.required, name=visit.name))
        for early, late in windows:
            if group is not None:
                groups[group].add_client(len(clients))
            clients.append(
                Client(
                    location=first_visit + i,
                    delivery=[visit.demand] if use_load else [],
                    service_duration=visit.service,
                    tw_early=early,
                    tw_late=late,
                    prize=visit.prize,
                    # PyVRP wants the clients of a mutually exclusive group optional; the
                    # group itself carries the visit's "required".
                    required=visit.required and group is None,
                    group=group,
                    name=visit.name,
                )
            )
            client_visit.append(i)

    # One profile per distinct set of forbidden visits; profile 0 when nothing is forbidden.
    forbidden_of: dict[frozenset[int], int] = {}
    vehicle_profile: list[int] = []
    for v in range(len(problem.vehicles)):
        forbidden = frozenset(i for i in range(len(problem.visits)) if not problem.allowed(i, v))
        vehicle_profile.append(forbidden_of.setdefault(forbidden, len(forbidden_of)))
    leg = forbidden_leg(problem)
    distances: list[NDArray[np.int64]] = []
    durations: list[NDArray[np.int64]] = []
    for forbidden in forbidden_of:
        distances.append(_forbid(distance, [first_visit + i for i in forbidden], leg))
        durations.append(_forbid(duration, [first_visit + i for i in forbidden], leg))

    total_demand = sum(v.demand for v in problem.visits)
    type_of: dict[tuple[int, int, int, int, int | None, int], list[int]] = {}
    for v, veh in enumerate(problem.vehicles):
        key = (veh.start, veh.end, veh.shift_start, veh.shift_end, veh.capacity, vehicle_profile[v])
        type_of.setdefault(key, []).append(v)
    vehicle_types = [
        VehicleType(
            num_available=len(vehicles),
            capacity=[total_demand if capacity is None else capacity] if use_load else [],
            start_depot=depot_of[start],
            end_depot=depot_of[end],
            tw_early=shift_start,
            tw_late=shift_end,
            profile=profile,
            name=problem.vehicles[vehicles[0]].name,
        )
        for (start, end, shift_start, shift_end, capacity, profile), vehicles in type_of.items()
    ]
    data = ProblemData(
        locations=[Location(x=0, y=0) for _ in range(len(where))],
        clients=clients,
        depots=[Depot(location=d) for d in range(len(depot_locations))],
        vehicle_types=vehicle_types,
        # PyVRP's stub spells the matrices np.ndarray[int], which no real array matches.
        distance_matrices=distances,  # type: ignore[arg-type]
        duration_matrices=durations,  # type: ignore[arg-type]
        groups=groups,
    )
    type_vehicles = tuple(tuple(vs) for vs in type_of.values())
    start = first_plan(problem, client_visit, groups, type_vehicles)
    return Translation(data, tuple(client_visit), type_vehicles, start)


def first_plan(
    problem: RoutingProblem,
    client_visit: list[int],
    groups: list[ClientGroup],
    type_vehicles: tuple[tuple[int, ...], ...],
) -> tuple[tuple[int, tuple[int, ...]], ...] | None:
    """Each vehicle with just the required visits only it may serve (its lunch), in window
    order; None unless every required visit is such a one.

    PyVRP starts from a random plan and prices a visit on a forbidden vehicle through
    time-warp penalties; with eight inspectors, each with a lunch only they may take, it
    can spend a whole short time limit without reaching feasibility. This plan is feasible
    from the start (lunch at the station, inside its window) and the search only adds
    stops to it. Problems with other required visits (Solomon) keep PyVRP's own start.
    """
    required = [i for i, v in enumerate(problem.visits) if v.required]
    grouped = {c for g in groups for c in g.clients}
    own: dict[int, list[tuple[int, int]]] = {}
    for i in required:
        allowed = problem.visits[i].vehicles
        clients = [c for c, visit in enumerate(client_visit) if visit == i]
        if allowed is None or len(allowed) != 1 or len(clients) != 1 or clients[0] in grouped:
            return None
        (vehicle,) = allowed
        own.setdefault(vehicle, []).append((problem.visits[i].windows[0][0], clients[0]))
    if not own:
        return None
    routes = []
    for vehicle_type, vehicles in enumerate(type_vehicles):
        for vehicle in vehicles:
            if vehicle in own:
                routes.append((vehicle_type, tuple(c for _, c in sorted(own[vehicle]))))
    return tuple(routes)


def forbidden_leg(problem: RoutingProblem) -> int:
    """Length and duration of a leg to or from a visit a profile may not serve.

    Later than any window closes or shift ends, so it can never be on time, and longer than
    any plan's distance plus prizes. Not PyVRP's ``MAX_VALUE`` (2^44): the search multiplies
    time warp by penalties up to 10^5, and a few such legs would overflow 64-bit costs.
    """
    latest = max(
        max((v.shift_end for v in problem.vehicles), default=0),
        max((late for v in problem.visits for _, late in v.windows), default=0),
    )
    return min(MAX_VALUE, max(latest + 1, plan_bound(problem)))


def _forbid(matrix: NDArray[np.int64], locations: list[int], leg: int) -> NDArray[np.int64]:
    out = matrix.copy()
    out[locations, :] = leg
    out[:, locations] = leg
    out[locations, locations] = 0
    return out


def patience(num_clients: int) -> int:
    """Iterations without improvement after which a run stops before its time limit.

    Measured with PyVRP 0.14 on Solomon instances and their first 20 and 50 customers (10-s
    and 5-s runs, seeds 0 and 1): the longest stretch without improvement that still ended
    in an improvement was 38 iterations for 20 clients, 1,821 for 50 and 7,792 for 100, so
    about ``0.8 n²``. Twice ``n²`` leaves a margin, lets a 20-stop day stop after 1,000
    iterations (a fraction of a second) and leaves 100+ stops to the time limit.
    """
    return max(1_000, 2 * num_clients**2)


@dataclass(frozen=True)
class Run:
    """What one PyVRP run found, as plain picklable values."""

    seed: int
    routes: list[tuple[int, list[int]]]
    feasible: bool
    iterations: int
    seconds: float


def run_once(
    data: ProblemData,
    seed: int,
    deadline: float,
    max_no_improvement: int,
    start: tuple[tuple[int, tuple[int, ...]], ...] | None = None,
) -> Run:
    """One PyVRP run until ``deadline`` (``time.time()``) or convergence, whichever is first."""
    initial = None if start is None else Solution(data, [Route(data, list(c), t) for t, c in start])
    remaining = max(0.0, deadline - time.time())
    stop = MultipleCriteria([MaxRuntime(remaining), NoImprovement(max_no_improvement)])
    with warnings.catch_warnings():
        # PyVRP warns when it struggles to find a feasible plan; the caller gets
        # NoSolutionError for that instead.
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        result = pyvrp_solve(
            data, stop, seed=seed, collect_stats=False, display=False, initial_solution=initial
        )
    routes = [(r.vehicle_type(), [a.idx for a in r if a.is_client()]) for r in result.best.routes()]
    return Run(seed, routes, result.is_feasible(), result.num_iterations, result.runtime)


def _context() -> BaseContext:
    """A fork server (children fork from a clean, preloaded process), else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload([__name__])
        return ctx
    return multiprocessing.get_context("spawn")


def run_seeds(
    data: ProblemData,
    seeds: list[int],
    deadline: float,
    max_no_improvement: int,
    start: tuple[tuple[int, tuple[int, ...]], ...] | None = None,
) -> list[Run]:
    """The first seed runs here, the others each in their own process, all at once."""
    if len(seeds) == 1:
        return [run_once(data, seeds[0], deadline, max_no_improvement, start)]
    # a multiprocessing pool, as leaving its block ends its processes at once (Ctrl-C)
    with _context().Pool(len(seeds) - 1) as pool:
        others = [
            pool.apply_async(run_once, (data, s, deadline, max_no_improvement, start))
            for s in seeds[1:]
        ]
        here = run_once(data, seeds[0], deadline, max_no_improvement, start)
        return [here, *(r.get() for r in others)]


def solve(
    problem: RoutingProblem, *, time_limit: float, seed: int = 0, workers: int = 1
) -> RoutingSolution:
    """Best valid plan of ``workers`` independent PyVRP runs; raise if none is feasible."""
    began = time.perf_counter()
    translation = translate(problem)
    runs = run_seeds(
        translation.data,
        [seed + k for k in range(workers)],
        time.time() + time_limit,
        patience(translation.data.num_clients),
        translation.start,
    )
    best: tuple[int, RoutingSolution] | None = None
    for run in runs:
        if not run.feasible:
            continue
        plan = RoutingSolution(routes=translation.routes(run.routes), backend=NAME)
        try:
            validate(problem, plan)
        except InfeasibleRouteError:
            continue  # PyVRP deemed it feasible but ours does not: never hand it on
        plan_cost = cost(problem, plan)
        if best is None or plan_cost < best[0]:
            best = (plan_cost, plan)
    if best is None:
        raise NoSolutionError(
            f"PyVRP found no feasible plan in {time_limit:g} s ({len(runs)} run(s)); "
            "some required visits may not fit in any shift"
        )
    plan_cost, plan = best
    return RoutingSolution(
        routes=plan.routes,
        backend=NAME,
        seconds=time.perf_counter() - began,
        stats={
            "cost": float(plan_cost),
            "runs": float(len(runs)),
            "feasible_runs": float(sum(r.feasible for r in runs)),
            "iterations": float(sum(r.iterations for r in runs)),
        },
    )
