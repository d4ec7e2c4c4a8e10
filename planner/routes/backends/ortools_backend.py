"""OR-Tools routing backend (``pywrapcp``): the same model as a second opinion and fallback.

Mapping (see :mod:`planner.routes.model` for the conventions):

- one node per visit, plus one depot node per location a vehicle starts or ends at;
- the time dimension's cumul at a visit is its start of service: transit = service at the
  node left + travel time, waiting is slack; a visit's cumul lies in its windows (the span
  from the first opening to the last closing, with the gaps removed); a vehicle's start cumul
  is at least ``shift_start`` and its end cumul at most ``shift_end``;
- a capacity dimension when any vehicle has a capacity (``None`` = the total demand);
- optional visits are disjunctions with penalty = prize; required visits have none;
- ``VehicleVar(i).SetValues([-1, *allowed])`` for visits only some vehicles may serve;
- arc cost = distance, so the objective is distance plus the prizes of dropped visits.

Search: PARALLEL_CHEAPEST_INSERTION, then GUIDED_LOCAL_SEARCH until the time limit.
OR-Tools' routing search is single-threaded and has no random seed: ``seed`` and ``workers``
are accepted for a uniform backend signature and ignored; with a time limit as the only stop
the result depends on how far the search got, which depends on the machine.
"""

from __future__ import annotations

import itertools
import time

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from planner._errors import NoSolutionError
from planner.routes.backends import plan_bound
from planner.routes.model import RoutingProblem, RoutingSolution, Window

NAME = "ortools"
ROUTING_FAIL = routing_enums_pb2.RoutingSearchStatus.ROUTING_FAIL
"""The first-solution heuristic found nothing (as opposed to running out of time)."""


def _merged(windows: tuple[Window, ...]) -> list[Window]:
    """Sorted windows with overlapping or touching ones joined."""
    out: list[Window] = []
    for early, late in sorted(windows):
        if out and early <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], late))
        else:
            out.append((early, late))
    return out


def solve(
    problem: RoutingProblem, *, time_limit: float, seed: int = 0, workers: int = 1
) -> RoutingSolution:
    """Best plan GLS finds in ``time_limit``; raise if it finds no feasible one.

    PARALLEL_CHEAPEST_INSERTION does not backtrack, so it can fail on a problem as small as
    two required visits whose windows want them in the order it does not try first. Then the
    search is run again, in the time left, with the required visits optional at a penalty
    above any plan's distance, and the plan is accepted only if it serves them all.
    """
    del seed, workers  # see the module docstring
    began = time.perf_counter()
    deadline = began + time_limit
    routes, status = _search(problem, time_limit, must_serve_penalty=None)
    if routes is None and status == ROUTING_FAIL and time.perf_counter() < deadline:
        remaining = deadline - time.perf_counter()
        routes, status = _search(problem, remaining, must_serve_penalty=plan_bound(problem))
        served = {i for route in routes or () for i in route}
        if any(v.required and i not in served for i, v in enumerate(problem.visits)):
            routes = None
    if routes is None:
        raise NoSolutionError(
            f"OR-Tools found no feasible plan in {time_limit:g} s (status {status}); "
            "some required visits may not fit in any shift together"
        )
    return RoutingSolution(
        routes=routes, backend=NAME, seconds=time.perf_counter() - began, stats={}
    )


def _search(
    problem: RoutingProblem, time_limit: float, must_serve_penalty: int | None
) -> tuple[tuple[tuple[int, ...], ...] | None, int]:
    """Build the OR-Tools model and search it; the routes (or ``None``) and the status."""
    visits, vehicles = problem.visits, problem.vehicles
    depots = sorted({loc for v in vehicles for loc in (v.start, v.end)})
    depot_node = {loc: len(visits) + d for d, loc in enumerate(depots)}
    where = np.array([*(v.location for v in visits), *depots], dtype=np.int64)
    service = np.array([*(v.service for v in visits), *(0 for _ in depots)], dtype=np.int64)
    distance = problem.distance[np.ix_(where, where)]
    travel = problem.duration[np.ix_(where, where)] + service[:, None]

    manager = pywrapcp.RoutingIndexManager(
        len(where),
        len(vehicles),
        [depot_node[v.start] for v in vehicles],
        [depot_node[v.end] for v in vehicles],
    )
    routing = pywrapcp.RoutingModel(manager)
    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(distance.tolist()))

    horizon = max(
        max((v.shift_end for v in vehicles), default=0),
        max((late for v in visits for _, late in v.windows), default=0),
    )
    routing.AddDimension(
        routing.RegisterTransitMatrix(travel.tolist()), horizon, horizon, False, "time"
    )
    clock = routing.GetDimensionOrDie("time")
    for i, visit in enumerate(visits):
        index = manager.NodeToIndex(i)
        windows = _merged(visit.windows)
        cumul = clock.CumulVar(index)
        cumul.SetRange(windows[0][0], windows[-1][1])
        for (_, closes), (opens, _) in itertools.pairwise(windows):
            cumul.RemoveInterval(closes + 1, opens - 1)
        if not visit.required:
            routing.AddDisjunction([index], visit.prize)
        elif must_serve_penalty is not None:
            routing.AddDisjunction([index], must_serve_penalty)
        if visit.vehicles is not None:
            routing.VehicleVar(index).SetValues([-1, *sorted(visit.vehicles)])
    for v, vehicle in enumerate(vehicles):
        clock.CumulVar(routing.Start(v)).SetRange(vehicle.shift_start, vehicle.shift_end)
        clock.CumulVar(routing.End(v)).SetRange(vehicle.shift_start, vehicle.shift_end)

    if any(v.capacity is not None for v in vehicles):
        total = sum(v.demand for v in visits)
        demand = [*(v.demand for v in visits), *(0 for _ in depots)]
        routing.AddDimensionWithVehicleCapacity(
            routing.RegisterUnaryTransitVector(demand),
            0,
            [total if v.capacity is None else v.capacity for v in vehicles],
            True,
            "load",
        )

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(max(1, int(1000 * time_limit)))
    assignment = routing.SolveWithParameters(params)
    if assignment is None:
        return None, int(routing.status())
    routes: list[tuple[int, ...]] = []
    for v in range(len(vehicles)):
        route: list[int] = []
        index = assignment.Value(routing.NextVar(routing.Start(v)))
        while not routing.IsEnd(index):
            route.append(manager.IndexToNode(index))
            index = assignment.Value(routing.NextVar(index))
        routes.append(tuple(route))
    return tuple(routes), int(routing.status())
