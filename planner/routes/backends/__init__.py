"""Routing backends: one ``solve`` for every solver, and the registry that names them.

Every backend takes a :class:`~planner.routes.model.RoutingProblem` and returns a
:class:`~planner.routes.model.RoutingSolution`; :func:`solve` checks the plan with
:func:`~planner.routes.model.validate` before anyone sees it, so a backend bug surfaces as an
error instead of an invalid route. Backends are imported on first use: PyVRP and OR-Tools
each take a noticeable time to import, and most CLI commands need neither.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

from planner._errors import InfeasibleError
from planner.routes.model import (
    InfeasibleRouteError,
    RoutingProblem,
    RoutingSolution,
    cost,
    schedule,
    validate,
)


class Backend(Protocol):
    """The signature every backend's ``solve`` has."""

    def __call__(
        self, problem: RoutingProblem, *, time_limit: float, seed: int, workers: int
    ) -> RoutingSolution: ...


def _pyvrp(
    problem: RoutingProblem, *, time_limit: float, seed: int, workers: int
) -> RoutingSolution:
    from planner.routes.backends import pyvrp_backend

    return pyvrp_backend.solve(problem, time_limit=time_limit, seed=seed, workers=workers)


def _ortools(
    problem: RoutingProblem, *, time_limit: float, seed: int, workers: int
) -> RoutingSolution:
    from planner.routes.backends import ortools_backend

    return ortools_backend.solve(problem, time_limit=time_limit, seed=seed, workers=workers)


BACKENDS: dict[str, Backend] = {"pyvrp": _pyvrp, "ortools": _ortools}

# PyVRP, by measurement (benchmarks/solomon.py, all 56 Solomon instances, 10 s each, 2 shared
# vCPUs at load 1.3-4.1): this backend with 2 workers had a mean gap to the best known of
# 0.15 % (worst 1.43 %), OR-Tools 3.36 % (worst 10.68 %, GLS is still far off after 10 s on
# R and RC), and plain PyVRP in the same run 0.21 % (worst 1.74 %). A rerun with seeds that
# plain PyVRP does not use (1 and 2 against its 0) gave 0.18 % against 0.21 %.
DEFAULT_BACKEND = "pyvrp"


def solve(
    problem: RoutingProblem,
    *,
    backend: str = DEFAULT_BACKEND,
    time_limit: float,
    seed: int = 0,
    workers: int = 2,
) -> RoutingSolution:
    """Route ``problem`` with ``backend`` and return a plan that passed ``validate``.

    Raises :class:`~planner._errors.InfeasibleError` up front when a required visit cannot be
    served even alone by any vehicle allowed to serve it (no search can fix that), and
    :class:`~planner._errors.NoSolutionError` when the backend finds no feasible plan in time.
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown routing backend {backend!r}; choose from {sorted(BACKENDS)}")
    if time_limit <= 0 or workers < 1:
        raise ValueError("time_limit must be positive and workers at least 1")
    unservable = unservable_required(problem)
    if unservable:
        raise InfeasibleError(
            "required visits no vehicle can serve, even on a route of their own: "
            + "; ".join(f"{name} ({why})" for name, why in unservable),
            conflicts=[name for name, _ in unservable],
        )
    if not problem.visits or not problem.vehicles:
        plan = RoutingSolution(routes=tuple(() for _ in problem.vehicles), backend=backend)
    else:
        plan = BACKENDS[backend](problem, time_limit=time_limit, seed=seed, workers=workers)
    try:
        validate(problem, plan)
    except InfeasibleRouteError as error:
        raise InfeasibleRouteError(
            f"backend {backend} returned an invalid plan: {error}"
        ) from error
    return dataclasses.replace(plan, stats={**plan.stats, "cost": float(cost(problem, plan))})


def plan_bound(problem: RoutingProblem) -> int:
    """More than the distance plus prizes of any plan: every leg is at most the longest one,
    and a plan has at most one leg per visit and per vehicle (the way back)."""
    longest = int(problem.distance.max(initial=0))
    legs = len(problem.visits) + len(problem.vehicles)
    return longest * legs + sum(v.prize for v in problem.visits) + 1


def unservable_required(problem: RoutingProblem) -> list[tuple[str, str]]:
    """Required visits that fit no allowed vehicle even alone, each with the last reason."""
    out: list[tuple[str, str]] = []
    for i, visit in enumerate(problem.visits):
        if not visit.required:
            continue
        why = "no vehicle may serve it"
        for v in range(len(problem.vehicles)):
            if not problem.allowed(i, v):
                continue
            try:
                schedule(problem, v, (i,))
            except InfeasibleRouteError as error:
                why = str(error)
                continue
            break
        else:
            out.append((visit.name, why))
    return out
