"""Solomon VRPTW instances, solved by planner's routing backends next to plain PyVRP.

Each instance becomes a :class:`~planner.routes.model.RoutingProblem` in the DIMACS
convention of the ``distance_only_trunc1`` best-known values (distance and travel time
``floor(10 * euclid)``, times ×10, at most K vehicles of capacity Q, the depot window as the
shift) and is solved through :func:`planner.routes.backends.solve`. Plain PyVRP (a direct
``Model.solve`` with default settings, one process, the same time limit) runs in the same
session as the reference peer. Every solution is re-evaluated here from the coordinates
before it is reported. See ``shared/benchmarks/solomon/FORMAT.md``.

    python benchmarks/solomon.py --instances ../shared/benchmarks/solomon --time-limit 10 --out OUT
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import math
import os
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from planner._errors import PlannerError
from planner.routes.backends import BACKENDS, DEFAULT_BACKEND, solve
from planner.routes.model import RoutingProblem, Vehicle, Visit

REFERENCE = "pyvrp-ref"
BEST_KIND = "distance_only_trunc1"
INT = re.compile(r"^-?\d+$")


@dataclass(frozen=True)
class Customer:
    """One row of the customer table; number 0 is the depot."""

    number: int
    x: int
    y: int
    demand: int
    ready: int
    due: int
    service: int


@dataclass(frozen=True)
class Instance:
    """A Solomon instance as written in its file (no scaling)."""

    name: str
    vehicles: int
    capacity: int
    customers: tuple[Customer, ...]

    @property
    def depot(self) -> Customer:
        return self.customers[0]


def read_instance(path: Path) -> Instance:
    """Parse a Solomon file: the name, the two numbers after ``NUMBER``, the 7-integer rows.

    Tolerates CRLF and any whitespace; raises ``ValueError`` naming the file when a part is
    missing or the customer numbers are not 0, 1, 2, ...
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    words = [line.split() for line in lines]
    name = next((w[0] for w in words if w), "")
    fleet: list[int] = []
    rows: list[Customer] = []
    in_table = False
    for tokens in words:
        upper = [t.upper() for t in tokens]
        if "NUMBER" in upper and not fleet and not in_table:
            fleet = [-1]  # the numbers are on a later line
            continue
        if fleet == [-1] and len(tokens) >= 2 and all(INT.match(t) for t in tokens[:2]):
            fleet = [int(tokens[0]), int(tokens[1])]
            continue
        if "CUST" in upper:
            in_table = True
            continue
        if in_table and len(tokens) == 7 and all(INT.match(t) for t in tokens):
            rows.append(Customer(*(int(t) for t in tokens)))
    if not name or len(fleet) != 2:
        raise ValueError(f"{path}: no instance name or no 'NUMBER CAPACITY' values")
    if not rows or [c.number for c in rows] != list(range(len(rows))):
        raise ValueError(f"{path}: customer rows must be numbered 0 (depot), 1, 2, ...")
    return Instance(name, fleet[0], fleet[1], tuple(rows))


def read_best_known(path: Path, kind: str = BEST_KIND) -> dict[str, float]:
    """Instance → best-known distance of one objective kind (never mix kinds)."""
    with path.open(newline="", encoding="utf-8") as handle:
        return {
            row["instance"]: float(row["distance"])
            for row in csv.DictReader(handle)
            if row["objective_kind"] == kind and row["distance"]
        }


def dimacs_matrix(instance: Instance) -> NDArray[np.int64]:
    """``floor(10 * euclid)`` in exact integer arithmetic (``isqrt(100 * d²)``)."""
    pts = [(c.x, c.y) for c in instance.customers]
    return np.array(
        [[math.isqrt(100 * ((xa - xb) ** 2 + (ya - yb) ** 2)) for xb, yb in pts] for xa, ya in pts],
        dtype=np.int64,
    )


def to_problem(instance: Instance) -> RoutingProblem:
    """The instance in planner's model: location = customer number, depot = location 0."""
    matrix = dimacs_matrix(instance)
    depot = instance.depot
    visits = tuple(
        Visit(
            name=str(c.number),
            location=c.number,
            service=10 * c.service,
            windows=((10 * c.ready, 10 * c.due),),
            demand=c.demand,
        )
        for c in instance.customers[1:]
    )
    vehicles = tuple(
        Vehicle(
            name=f"vehicle {k + 1}",
            start=0,
            end=0,
            shift_start=10 * depot.ready,
            shift_end=10 * depot.due,
            capacity=instance.capacity,
        )
        for k in range(instance.vehicles)
    )
    return RoutingProblem(distance=matrix, duration=matrix.copy(), visits=visits, vehicles=vehicles)


def evaluate(instance: Instance, routes: Sequence[Sequence[int]]) -> int:
    """Distance ×10 of routes given as customer numbers, re-checked from the file's data.

    Independent of planner's model: recomputes every leg from the coordinates and checks the
    fleet size, capacity, each time window (start of service), the return to the depot and
    that every customer is served exactly once. Raises ``ValueError`` on the first breach.
    """
    depot, by_number = instance.depot, {c.number: c for c in instance.customers}
    routes = [list(r) for r in routes if r]
    if len(routes) > instance.vehicles:
        raise ValueError(f"{len(routes)} routes, only {instance.vehicles} vehicles")
    served = [n for r in routes for n in r]
    if sorted(served) != list(range(1, len(instance.customers))):
        raise ValueError("every customer must be served exactly once")
    total = 0
    for k, route in enumerate(routes, 1):
        if sum(by_number[n].demand for n in route) > instance.capacity:
            raise ValueError(f"route {k}: over capacity")
        clock, here = 10 * depot.ready, depot
        for stop in [*(by_number[n] for n in route), depot]:
            leg = math.isqrt(100 * ((here.x - stop.x) ** 2 + (here.y - stop.y) ** 2))
            total += leg
            clock = max(clock + 10 * here.service + leg, 10 * stop.ready)
            if clock > 10 * stop.due:
                what = "depot" if stop is depot else f"customer {stop.number}"
                raise ValueError(f"route {k}: {what} reached at {clock / 10}, due {stop.due}")
            here = stop
    return total


def write_solution(path: Path, routes: Sequence[Sequence[int]], distance10: int) -> None:
    """``Route #k: c1 c2 ...`` for each non-empty route (k from 1), then ``Cost <distance>``."""
    lines = [
        f"Route #{k}: {' '.join(map(str, route))}"
        for k, route in enumerate((r for r in routes if r), 1)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([*lines, f"Cost {distance10 / 10:.1f}"]) + "\n", encoding="utf-8")


def solve_planner(
    instance: Instance, backend: str, time_limit: float, seed: int, workers: int
) -> list[list[int]]:
    """Routes (customer numbers) from planner's backend through the public ``solve``."""
    problem = to_problem(instance)
    plan = solve(problem, backend=backend, time_limit=time_limit, seed=seed, workers=workers)
    return [[problem.visits[i].location for i in route] for route in plan.routes]


def solve_reference(instance: Instance, time_limit: float, seed: int) -> list[list[int]]:
    """Plain PyVRP with its default settings, one process: the peer planner must match."""
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    matrix, depot = dimacs_matrix(instance), instance.depot
    model = Model()
    locations = [model.add_location(x=c.x, y=c.y) for c in instance.customers]
    model.add_depot(locations[0], tw_early=10 * depot.ready, tw_late=10 * depot.due)
    for c in instance.customers[1:]:
        model.add_client(
            locations[c.number],
            delivery=c.demand,
            service_duration=10 * c.service,
            tw_early=10 * c.ready,
            tw_late=10 * c.due,
        )
    model.add_vehicle_type(
        num_available=instance.vehicles,
        capacity=instance.capacity,
        tw_early=10 * depot.ready,
        tw_late=10 * depot.due,
    )
    for (a, frm), (b, to) in itertools.product(enumerate(locations), repeat=2):
        model.add_edge(frm, to, distance=int(matrix[a, b]), duration=int(matrix[a, b]))
    result = model.solve(MaxRuntime(time_limit), seed=seed, display=False)
    if not result.is_feasible():
        return []
    # Client activity i is the (i + 1)-th client added, i.e. customer number i + 1.
    return [[a.idx + 1 for a in route if a.is_client()] for route in result.best.routes()]


@dataclass
class Cell:
    """One solver's result on one instance."""

    distance: float | None
    vehicles: int | None
    gap: float | None
    seconds: float
    error: str = ""


def run_cell(
    instance: Instance,
    best: float | None,
    solver: Callable[[], list[list[int]]],
    out: Path,
) -> Cell:
    """Solve, re-evaluate independently, write the .sol file; failures become an error cell."""
    began = time.perf_counter()
    try:
        routes = solver()
        seconds = time.perf_counter() - began
        if not routes:
            raise ValueError("no feasible solution")
        distance10 = evaluate(instance, routes)
    except (PlannerError, ValueError) as error:
        return Cell(None, None, None, time.perf_counter() - began, str(error))
    write_solution(out, routes, distance10)
    distance = distance10 / 10
    gap = None if best is None else 100 * (distance - best) / best
    return Cell(distance, sum(1 for r in routes if r), gap, seconds)


def _fmt(cell: Cell) -> str:
    if cell.distance is None:
        return f"{'FAILED':>9} {'':>7} {'':>3} {cell.seconds:5.1f}"
    gap = "" if cell.gap is None else f"{cell.gap:6.2f}%"
    return f"{cell.distance:9.1f} {gap:>7} {cell.vehicles:>3} {cell.seconds:5.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--instances", type=Path, required=True, help="folder of Solomon .txt")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per solve")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--backend", choices=[*BACKENDS, "both"], default="both")
    parser.add_argument("--only", nargs="*", default=None, metavar="INSTANCE")
    parser.add_argument("--workers", type=int, default=2, help="planner's workers per solve")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reference-seed", type=int, default=0, help="PyVRP's default is 0")
    parser.add_argument(
        "--reference", action=argparse.BooleanOptionalAction, default=True, help="plain PyVRP"
    )
    parser.add_argument("--best-known", type=Path, default=None, help="default: INSTANCES/...")
    args = parser.parse_args(argv)

    best_known = read_best_known(args.best_known or args.instances / "best_known.csv")
    paths = sorted(args.instances.glob("*.txt"))
    if args.only:
        wanted = {n.upper() for n in args.only}
        paths = [p for p in paths if p.stem.upper() in wanted]
    if not paths:
        print(f"no Solomon instances in {args.instances}", file=sys.stderr)
        return 2
    backends = (
        [DEFAULT_BACKEND, *(b for b in BACKENDS if b != DEFAULT_BACKEND)]
        if args.backend == "both"
        else [args.backend]
    )
    columns = [*backends, *([REFERENCE] if args.reference else [])]
    args.out.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    print(
        f"{len(paths)} instances, {args.time_limit:g} s each, planner workers={args.workers}, "
        f"{os.cpu_count()} CPUs, load {load_before[0]:.1f}; best known = {BEST_KIND}"
    )
    head = " ".join(f"{c:>9} {'gap':>7} {'veh':>3} {'s':>5}" for c in columns)
    print(f"{'instance':<8} {'best':>7}  {head}")
    rows: list[dict[str, object]] = []
    by_column: dict[str, list[Cell]] = {column: [] for column in columns}
    for path in paths:
        instance = read_instance(path)
        best = best_known.get(instance.name)
        cells: dict[str, Cell] = {}
        for column in columns:
            sol = args.out / (
                f"{instance.name}.sol" if column == columns[0] else f"{column}/{instance.name}.sol"
            )
            solver = (
                partial(solve_reference, instance, args.time_limit, args.reference_seed)
                if column == REFERENCE
                else partial(
                    solve_planner, instance, column, args.time_limit, args.seed, args.workers
                )
            )
            cells[column] = run_cell(instance, best, solver, sol)
        best_text = f"{best:7.1f}" if best is not None else f"{'?':>7}"
        line = " ".join(_fmt(cells[c]) for c in columns)
        print(f"{instance.name:<8} {best_text}  {line}", flush=True)
        for column, cell in cells.items():
            if cell.error:
                print(f"  {column}: {cell.error}", flush=True)
        rows.append(
            {"instance": instance.name, "best_known": best, "load": os.getloadavg()[0]}
            | {column: asdict(cell) for column, cell in cells.items()}
        )
        for column, cell in cells.items():
            by_column[column].append(cell)
    summary = {column: _summary(by_column[column]) for column in columns}
    for column in columns:
        print(f"{column}: {_summary_text(summary[column])}")
        for family in ("C", "R", "RC"):
            gaps = [
                c.gap
                for row, c in zip(rows, by_column[column], strict=True)
                if _family(str(row["instance"])) == family and c.gap is not None
            ]
            if gaps:
                mean, worst = statistics.fmean(gaps), max(gaps)
                print(f"  {family:<2} n={len(gaps):<2} mean {mean:.2f}% max {worst:.2f}%")
    report = {
        "time_limit": args.time_limit,
        "workers": args.workers,
        "seed": args.seed,
        "reference_seed": args.reference_seed,
        "best_known_kind": BEST_KIND,
        "cpus": os.cpu_count(),
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "summary": summary,
        "rows": rows,
    }
    (args.out / "solomon.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


def _summary(cells: list[Cell]) -> dict[str, float | int | None]:
    gaps = [c.gap for c in cells if c.gap is not None]
    return {
        "solved": sum(1 for c in cells if c.distance is not None),
        "failed": sum(1 for c in cells if c.distance is None),
        "mean_gap": statistics.fmean(gaps) if gaps else None,
        "worst_gap": max(gaps) if gaps else None,
        "mean_seconds": statistics.fmean(c.seconds for c in cells) if cells else None,
    }


def _family(name: str) -> str:
    """C, R or RC: the letters before the number."""
    return name.rstrip("0123456789").upper()


def _summary_text(s: dict[str, float | int | None]) -> str:
    if s["mean_gap"] is None or s["worst_gap"] is None:
        return "no gaps"
    failed = f", {s['failed']} failed" if s["failed"] else ""
    return (
        f"mean gap {s['mean_gap']:.2f}%, worst {s['worst_gap']:.2f}%, "
        f"mean {s['mean_seconds']:.1f} s{failed}"
    )


if __name__ == "__main__":
    sys.exit(main())
