"""Both routing backends on tiny problems whose optimum is known exactly.

Each problem is small enough to brute-force (every subset of visits per vehicle, every
order), and the brute force agrees with the optimum worked out by hand in the comment, so a
backend that misreads a rule (windows on the start of service, a gap between windows, a
prize, a compatibility, a capacity) shows up as a wrong cost or an invalid plan.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pytest

from planner._errors import InfeasibleError, NoSolutionError
from planner.routes import backends
from planner.routes.backends import BACKENDS, solve
from planner.routes.backends.pyvrp_backend import translate
from planner.routes.model import (
    InfeasibleRouteError,
    RoutingProblem,
    RoutingSolution,
    Vehicle,
    Visit,
    cost,
    schedule,
    validate,
)

ALL = sorted(BACKENDS)


def on_a_line(
    positions: Sequence[int], visits: Sequence[Visit], vehicles: Sequence[Vehicle]
) -> RoutingProblem:
    """Locations at ``positions`` on a line; distance = duration = |a - b|."""
    x = np.array(positions, dtype=np.int64)
    matrix = np.abs(x[:, None] - x[None, :])
    return RoutingProblem(matrix, matrix.copy(), tuple(visits), tuple(vehicles))


def brute_force(problem: RoutingProblem) -> int:
    """Optimal cost: the best order of every visit subset per vehicle, then the best split."""
    n, inf = len(problem.visits), 10**18
    best_route: list[dict[frozenset[int], int]] = []
    for v in range(len(problem.vehicles)):
        table: dict[frozenset[int], int] = {}
        for size in range(n + 1):
            for subset in itertools.combinations(range(n), size):
                table[frozenset(subset)] = min(
                    (_route_cost(problem, v, order) for order in itertools.permutations(subset)),
                    default=inf,
                )
        best_route.append(table)
    best = inf
    for owner in itertools.product(range(-1, len(problem.vehicles)), repeat=n):
        if any(o == -1 and problem.visits[i].required for i, o in enumerate(owner)):
            continue
        total = sum(problem.visits[i].prize for i, o in enumerate(owner) if o == -1)
        for v, table in enumerate(best_route):
            total += table[frozenset(i for i, o in enumerate(owner) if o == v)]
        best = min(best, total)
    return best


def _route_cost(problem: RoutingProblem, vehicle: int, order: tuple[int, ...]) -> int:
    try:
        schedule(problem, vehicle, order)
    except InfeasibleRouteError:
        return 10**18
    routes = tuple(order if v == vehicle else () for v in range(len(problem.vehicles)))
    unserved_prizes = sum(v.prize for v in problem.visits)  # cost() adds them; take them off
    served = sum(problem.visits[i].prize for i in order)
    return cost(problem, RoutingSolution(routes)) - unserved_prizes + served


LIMIT = {"pyvrp": 5.0, "ortools": 0.5}
"""PyVRP stops on convergence long before 5 s; OR-Tools' GLS always runs to its limit."""


def solved(problem: RoutingProblem, backend: str) -> RoutingSolution:
    plan = solve(problem, backend=backend, time_limit=LIMIT[backend], seed=0, workers=1)
    validate(problem, plan)
    return plan


DEPOT = Vehicle("v0", start=0, end=0)


def ordered_by_windows() -> RoutingProblem:
    """Depot 0, A 10, B 20, C 30. B must start by 20 (only straight there), A not before 30,
    so D→B→A→C→D = 20 + 10 + 20 + 30 = 80, not the 60 of going out and back. B's service (3)
    delays A to 33 ≤ 35 (D→B→C→A would reach A too late). Windows bound the start of service
    only: C starts at 53 ≤ 60 and its long service (500) may run past the window."""
    visits = [
        Visit("A", 1, windows=((30, 35),)),
        Visit("B", 2, service=3, windows=((0, 20),)),
        Visit("C", 3, service=500, windows=((0, 60),)),
    ]
    return on_a_line([0, 10, 20, 30], visits, [Vehicle("v0", 0, 0, shift_end=1000)])


def two_windows() -> RoutingProblem:
    """A (10) opens [0, 5] and [40, 45]; B (20) must start by 25; C (30) any time.
    Ignoring the gap, D→A→B→C→D = 60; really A waits for 40 after B: D→B→A→C→D = 80
    (D→B→C→A arrives at A at 50, too late)."""
    visits = [
        Visit("A", 1, windows=((40, 45), (0, 5))),
        Visit("B", 2, windows=((0, 25),)),
        Visit("C", 3),
    ]
    return on_a_line([0, 10, 20, 30], visits, [DEPOT])


def prizes() -> RoutingProblem:
    """A (10) required; P (-10) worth 15, detour 20: dropped; Q (20) worth 25, detour 20:
    served. Optimum D→A→Q→D = 40 plus P's 15 = 55."""
    visits = [
        Visit("A", 1),
        Visit("P", 2, required=False, prize=15),
        Visit("Q", 3, required=False, prize=25),
    ]
    return on_a_line([0, 10, -10, 20], visits, [DEPOT])


def compatibility() -> RoutingProblem:
    """v0 and v2 start at 0, v1 at 100. X (10) only for v1; Y (20) for anyone. v1 fetching both
    costs 90 + 10 + 80 = 180; v1 for X and v0 for Y costs 180 + 40 = 220."""
    visits = [Visit("X", 1, vehicles=frozenset({1})), Visit("Y", 2)]
    vehicles = [DEPOT, Vehicle("v1", 3, 3), Vehicle("v2", 0, 0)]
    return on_a_line([0, 10, 20, 100], visits, vehicles)


def capacity() -> RoutingProblem:
    """A (10, 3), B (20, 3), C (30, 2), two vehicles of capacity 5: {B, C} + {A} = 60 + 20."""
    visits = [Visit("A", 1, demand=3), Visit("B", 2, demand=3), Visit("C", 3, demand=2)]
    vehicles = [Vehicle(f"v{k}", 0, 0, capacity=5) for k in range(2)]
    return on_a_line([0, 10, 20, 30], visits, vehicles)


CASES = {
    "ordered_by_windows": (ordered_by_windows, 80),
    "two_windows": (two_windows, 80),
    "prizes": (prizes, 55),
    "compatibility": (compatibility, 180),
    "capacity": (capacity, 80),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hand_optimum_is_the_brute_force_optimum(case: str):
    build, optimum = CASES[case]
    assert brute_force(build()) == optimum


@pytest.mark.parametrize("backend", ALL)
@pytest.mark.parametrize("case", sorted(CASES))
def test_backend_finds_the_exact_optimum(case: str, backend: str):
    build, optimum = CASES[case]
    problem = build()
    plan = solved(problem, backend)
    assert cost(problem, plan) == optimum
    assert plan.stats["cost"] == optimum and plan.backend == backend


@pytest.mark.parametrize("backend", ALL)
def test_the_plans_themselves(backend: str):
    assert solved(ordered_by_windows(), backend).routes == ((1, 0, 2),)
    assert solved(two_windows(), backend).routes == ((1, 0, 2),)
    assert solved(prizes(), backend).served() == {0, 2}
    assert solved(compatibility(), backend).routes[0] == ()
    assert sorted(map(sorted, solved(capacity(), backend).routes)) == [[0], [1, 2]]


@pytest.mark.parametrize("backend", ALL)
def test_required_visit_out_of_reach_is_named(backend: str):
    visits = [Visit("A", 1), Visit("Late", 2, windows=((0, 5),))]
    problem = on_a_line([0, 10, 20], visits, [DEPOT])
    with pytest.raises(InfeasibleError, match="Late") as info:
        solve(problem, backend=backend, time_limit=LIMIT[backend], workers=1)
    assert info.value.conflicts == ["Late"]


@pytest.mark.parametrize("backend", ALL)
def test_required_visits_that_fit_alone_but_not_together(backend: str):
    """Each fits a route of its own, but one vehicle cannot be at 10 and -10 at time 10."""
    visits = [Visit("E", 1, windows=((10, 10),)), Visit("W", 2, windows=((10, 10),))]
    problem = on_a_line([0, 10, -10], visits, [DEPOT])
    with pytest.raises(NoSolutionError):
        solve(problem, backend=backend, time_limit=LIMIT[backend], workers=1)


def test_no_vehicle_may_serve_a_required_visit():
    problem = on_a_line([0, 10], [Visit("A", 1, vehicles=frozenset())], [DEPOT])
    with pytest.raises(InfeasibleError, match="no vehicle may serve it"):
        solve(problem, time_limit=1, workers=1)


def test_an_invalid_plan_from_a_backend_never_leaks(monkeypatch: pytest.MonkeyPatch):
    def broken(problem: RoutingProblem, **_: object) -> RoutingSolution:
        return RoutingSolution(routes=((),), backend="broken")  # leaves out a required visit

    monkeypatch.setitem(BACKENDS, "broken", broken)
    problem = on_a_line([0, 10], [Visit("A", 1)], [DEPOT])
    with pytest.raises(InfeasibleRouteError, match="backend broken returned an invalid plan"):
        solve(problem, backend="broken", time_limit=1)


def test_unknown_backend():
    with pytest.raises(ValueError, match="unknown routing backend"):
        solve(prizes(), backend="gurobi", time_limit=1)


def test_nothing_to_route():
    problem = on_a_line([0], [], [DEPOT, DEPOT])
    assert solve(problem, time_limit=1).routes == ((), ())


def test_default_backend_is_registered():
    assert backends.DEFAULT_BACKEND in BACKENDS


def test_pyvrp_translation_shares_profiles_and_vehicle_types():
    """v0 and v2 are identical (one type of two); v1 may serve X, the others not (2 profiles);
    A's two windows are two clients of one required, mutually exclusive group."""
    translation = translate(compatibility())
    data = translation.data
    assert (data.num_profiles, data.num_vehicle_types) == (2, 2)
    assert translation.type_vehicles == ((0, 2), (1,))
    grouped = translate(two_windows())
    assert grouped.client_visit == (0, 0, 1, 2)
    group = grouped.data.group(0)
    assert group.required and group.mutually_exclusive and list(group) == [0, 1]


def test_pyvrp_is_reproducible_with_one_worker():
    problem = capacity()
    first = solve(problem, backend="pyvrp", time_limit=5, seed=3, workers=1)
    again = solve(problem, backend="pyvrp", time_limit=5, seed=3, workers=1)
    assert first.routes == again.routes
    assert first.seconds < 2  # stopped on convergence, not by the time limit


def test_pyvrp_runs_seeds_in_parallel_processes():
    problem = two_windows()
    plan = solve(problem, backend="pyvrp", time_limit=5, seed=0, workers=2)
    assert cost(problem, plan) == 80
    assert plan.stats["runs"] == 2 and plan.stats["feasible_runs"] == 2


def test_pyvrp_starts_from_each_vehicle_with_its_own_lunch():
    import numpy as np

    from planner.routes.backends.pyvrp_backend import translate
    from planner.routes.model import RoutingProblem, Vehicle, Visit

    n = 4
    flat = np.full((n, n), 100, dtype=np.int64)
    np.fill_diagonal(flat, 0)
    lunch = [
        Visit(f"lunch:{v}", 0, 5400, ((41400, 45000),), True, 0, frozenset({v})) for v in (0, 1)
    ]
    stops = [Visit(f"s{i}", i, 600, ((30600, 63000),), False, 3000) for i in (1, 2, 3)]
    vehicles = tuple(Vehicle(f"W{v}", 0, 0, 30600, 63000) for v in (0, 1))
    problem = RoutingProblem(flat, flat, (*stops, *lunch), vehicles)
    translation = translate(problem)
    start = translation.start
    assert start is not None
    # clients 3 and 4 are the lunches; each vehicle (its own type: own profile) gets its own
    assert sorted(c for _, c in start) == [(3,), (4,)]
    assert translation.routes([(t, list(c)) for t, c in start]) == ((3,), (4,))
    # problems whose required visits anyone may serve (Solomon) keep PyVRP's own start
    free = RoutingProblem(flat, flat, tuple(Visit(f"s{i}", i) for i in (1, 2, 3)), vehicles)
    assert translate(free).start is None
