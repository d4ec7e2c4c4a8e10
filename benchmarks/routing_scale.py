"""How daily routing scales: the Baotun day, and generated days of 200 to 2,000 due stops.

For each case and backend: wall seconds (street load from the GraphML cache, build = snap +
matrices, solve, total), the objective (distance + drop penalties, as
:func:`planner.routes.model.cost` counts it), stops and mandatory stops served of those due,
kilometres walked, and the gap to the best objective found for the case, which includes a
reference run of the default backend with 5x the time limit. Every plan passed
``model.validate`` inside the backend layer; every day's routes are also re-checked by the
independent route checker (:func:`planner.route_checker.check_routes`).

    python benchmarks/routing_scale.py --out OUT
        [--cases baotun-day longgang-day 200 500 1000 2000] [--time-limit S] [--workers N]
        [--backends pyvrp ortools] [--seed K] [--rota ROTA.csv] [--streets-dir DIR]

``--time-limit`` and ``--workers`` default to those of ``planner routes``. The Baotun case
also times the whole ``planner routes`` command in a fresh process, and every run times the
imports a fresh process needs.

Cases:

- ``baotun-day``: the committed ``scenarios/baotun`` on 2026-12-07, its streets read through
  :func:`street_graph` (the cached GraphML), the rota of that week from the roster engine
  (or ``--rota``). Goal from the issue: street load + build + solve <= 3 s at the time limit
  ``planner routes`` uses by default.
- ``longgang-day``: real streets: Baotun's people and sites mapped onto the Longgang
  (Shenzhen) OpenStreetMap extract in ``$PLANNER_SHARED/streets`` (or ``--streets-dir``),
  imported like any scenario's street file; a day rota drawn as for the generated cases.
- ``200`` ... ``2000``: generated communities scaled like Baotun (20 due stops and 7.75
  workers per grid), with exactly that many stops due, generated streets imported from OSM
  and cached as GraphML like a real scenario, and a day rota drawn directly (each inspector
  on day patrol with probability 0.7, at least 2 per grid).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import networkx as nx
import numpy as np

from planner._errors import PlannerError
from planner.domain import Role, Scenario, ShiftKind
from planner.generate import BAOTUN_SITES, generate_scenario
from planner.roster.cells_io import read_cells
from planner.roster.problem import Cell, RosterProblem, week_of
from planner.roster.report import rota_csv
from planner.roster.solve import solve_roster
from planner.route_checker import (
    ROW_KINDS,
    SPEED_MPS,
    RouteReport,
    check_routes,
    load_street_graph,
)
from planner.route_checker import RouteRow as CheckedRow
from planner.routes.backends import BACKENDS, DEFAULT_BACKEND
from planner.routes.build import DayPlan, build_day, overdue_days
from planner.routes.solve import DayRoutes, solve_day
from planner.scenario_io import load_scenario
from planner.streets.network import (
    cache_path,
    load_cache,
    load_osm,
    prepare,
    save_cache,
    street_graph,
)
from planner.streets.synth import generate_streets

ROOT = Path(__file__).resolve().parent.parent
BAOTUN_DIR = ROOT / "scenarios" / "baotun"
DAY = dt.date(2026, 12, 7)
"""The routed day: the Monday of the week after the scenarios' reference date."""

BAOTUN_CASE = "baotun-day"
REAL_CASE = "longgang-day"
REAL_FILE = "shenzhen_longgang_2019.osm.bz2"
REAL_BOUNDS = (114.1862, 22.6732, 114.2318, 22.7019)
"""``<bounds>`` of the Longgang extract (see ../shared/streets/SOURCE.md)."""
GENERATED_STOPS = (200, 500, 1000, 2000)
CASES = (BAOTUN_CASE, REAL_CASE, *(str(n) for n in GENERATED_STOPS))

STOPS_PER_GRID = 20
"""Baotun has about 20 due stops per grid a day..."""
WORKERS_PER_GRID = 7.75
"""... and 62 workers in 8 grids."""
SITES_PER_DUE_STOP = BAOTUN_SITES / 162
"""Baotun's 2,300 sites give about 162 due stops on an average day."""
DAY_PATROL_SHARE = 0.7
MIN_PATROL_PER_GRID = 2
ROSTER_TIME_LIMIT = 10.0
"""Seconds for the Baotun week's rota (the roster proves it optimal in about 5 s)."""
REFERENCE_FACTOR = 5.0
GOAL_SECONDS = 3.0
GOAL = f"load + build + solve <= {GOAL_SECONDS:g} s"


@dataclass(frozen=True)
class Setup:
    """A day ready to route, and how long each step of getting there took."""

    case: str
    scenario: Scenario
    folder: Path
    """Scenario folder whose ``streets/<mode>.graphml`` the route checker reads."""
    graph: nx.MultiDiGraph
    rota: tuple[Cell, ...]
    plan: DayPlan
    seconds: dict[str, float]
    """Setup steps; ``load`` (street cache) and ``build`` count towards the day's total."""


@dataclass(frozen=True)
class Settings:
    """How every day is solved."""

    backends: tuple[str, ...]
    time_limit: float
    """Seconds for the whole day (``solve_day`` shares them between grids)."""
    workers: int
    """Grids solved at once (``solve_day``'s ``workers``)."""
    seed: int = 0
    reference_factor: float = REFERENCE_FACTOR
    """The default backend is run again with this many times the limit (0: not at all)."""


@dataclass(frozen=True)
class Row:
    """One line of the table: one backend on one case (results ``None`` when it failed)."""

    case: str
    backend: str
    reference: bool
    time_limit: float
    workers: int
    grids: int
    inspectors: int
    due: int
    mandatory_due: int
    status: str
    """``ok``, or the error that ended the solve (NoSolutionError, ...)."""
    error: str
    served: int | None
    mandatory_served: int | None
    km: float | None
    objective: int | None
    gap: float | None
    """To the best objective any row of the case found."""
    load_s: float
    build_s: float
    solve_s: float
    total_s: float
    unserved: dict[str, int]
    """Due stops on no route, by reason (docs/routes.md)."""
    checker: str
    checker_s: float
    goal: str
    met: bool | None


# ------------------------------------------------------------------------------ settings


def routes_defaults() -> tuple[float, int]:
    """The ``--time-limit`` and ``--workers`` defaults of ``planner routes``, from its parser."""
    from planner.routes.cli import add_parser

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    fixed = ["--scenario", ".", "--date", DAY.isoformat(), "--rota", "-", "--out", "-"]
    args = parser.parse_args(["routes", *fixed])
    return float(args.time_limit), int(args.workers)


COLD_IMPORTS = {
    "routing": "planner.streets.network, planner.routes.build, planner.routes.solve",
    "pyvrp": "planner.routes.backends.pyvrp_backend",
    "ortools": "planner.routes.backends.ortools_backend",
    "osmnx": "osmnx",
}
"""What a fresh process imports to route a day (osmnx only to import OSM or to check)."""


def cold_import_seconds(modules: str) -> float:
    """Seconds a fresh Python process takes to import ``modules`` (after ``planner``)."""
    code = (
        "import time, planner; t = time.perf_counter(); import " + modules
        + "; print(time.perf_counter() - t)"
    )  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout.strip())


def routes_command_seconds(rota: Path, out: Path, settings: Settings) -> float:
    """Wall seconds of the whole ``planner routes`` command on the Baotun day, in a fresh
    process: imports, load, build, solve and writing every output (maps included)."""
    argv = [
        "routes", "--scenario", str(BAOTUN_DIR), "--date", DAY.isoformat(), "--rota", str(rota),
        "--time-limit", f"{settings.time_limit:g}", "--workers", str(settings.workers),
        "--seed", str(settings.seed), "--out", str(out),
    ]  # fmt: skip
    code = "import sys; from planner.cli import main; sys.exit(main(sys.argv[1:]))"
    began = time.monotonic()
    subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, check=True)
    return time.monotonic() - began


# ------------------------------------------------------------------------------- cases


def baotun_day(rota_path: Path | None, out: Path, seed: int) -> Setup:
    """The committed Baotun scenario, its cached streets and a rota from the roster engine."""
    seconds: dict[str, float] = {}
    began = time.monotonic()
    scenario = load_scenario(BAOTUN_DIR)
    seconds["scenario"] = time.monotonic() - began
    began = time.monotonic()
    if rota_path is not None:
        rota = read_cells(rota_path, scenario)
    else:
        problem = RosterProblem(scenario, week_of(DAY))
        result = solve_roster(problem, time_limit=ROSTER_TIME_LIMIT, seed=seed, workers=1)
        rota = result.assignments
        (out / "rota.csv").write_text(rota_csv(result), encoding="utf-8")
    seconds["rota"] = time.monotonic() - began
    mode = scenario.info.travel_mode
    source = BAOTUN_DIR / scenario.streets.source if scenario.streets.source else None
    cache = cache_path(BAOTUN_DIR, mode)
    newer = source.stat().st_mtime if source is not None and source.is_file() else 0.0
    if not cache.is_file() or cache.stat().st_mtime < newer:
        began = time.monotonic()
        street_graph(BAOTUN_DIR, mode, source)  # builds the cache; the timed load reads it
        seconds["cache_build"] = time.monotonic() - began
    began = time.monotonic()
    graph = street_graph(BAOTUN_DIR, mode, source)
    seconds["load"] = time.monotonic() - began
    began = time.monotonic()
    plan = build_day(scenario, graph, rota, DAY, mode)
    seconds["build"] = time.monotonic() - began
    return Setup(BAOTUN_CASE, scenario, BAOTUN_DIR, graph, tuple(rota), plan, seconds)


def real_day(streets_dir: Path, seed: int, folder: Path) -> Setup:
    """Baotun's people and sites moved onto real streets: the Longgang (Shenzhen) extract.

    The generated Baotun community is mapped affinely from its bbox onto the extract's
    bounds (stations and sites alike), the real OSM file goes through the same import as
    any scenario's, and a day rota is drawn as for the generated cases.
    """
    seconds: dict[str, float] = {}
    source = streets_dir / REAL_FILE
    if not source.is_file():
        raise FileNotFoundError(f"{source}: set PLANNER_SHARED or --streets-dir")
    rng = np.random.default_rng(seed)
    began = time.monotonic()
    base = generate_scenario()
    (x0, y0, x1, y1), (u0, v0, u1, v1) = base.info.bbox, REAL_BOUNDS

    def lat(y: float) -> float:
        return v0 + (y - y0) * (v1 - v0) / (y1 - y0)

    def lon(x: float) -> float:
        return u0 + (x - x0) * (u1 - u0) / (x1 - x0)

    scenario = base.model_copy(update={
        "info": base.info.model_copy(update={"bbox": REAL_BOUNDS, "name": "Longgang-real"}),
        "grids": tuple(g.model_copy(update={"station_lat": lat(g.station_lat),
                                            "station_lon": lon(g.station_lon)})
                       for g in base.grids),
        "sites": tuple(t.model_copy(update={"lat": lat(t.lat), "lon": lon(t.lon)})
                       for t in base.sites),
    })  # fmt: skip
    seconds["scenario"] = time.monotonic() - began
    rota = day_rota(scenario, DAY, rng)
    return imported_day(REAL_CASE, scenario, rota, source, folder, seconds)


def with_due(scenario: Scenario, day: dt.date, count: int, rng: np.random.Generator) -> Scenario:
    """The scenario with exactly ``count`` sites due on ``day``.

    Surplus due sites, drawn at random, were visited on the reference date (not due for a
    week at least); missing ones, drawn from the rest, were last visited one interval ago
    (due today, not overdue).
    """
    reference = scenario.info.reference_date
    sites = list(scenario.sites)
    due = [i for i, s in enumerate(sites) if overdue_days(s, day, reference) is not None]
    if len(due) > count:
        for i in rng.choice(due, size=len(due) - count, replace=False):
            sites[i] = sites[i].model_copy(update={"last_visit": reference})
    elif len(due) < count:
        rest = sorted(set(range(len(sites))) - set(due))
        if count - len(due) > len(rest):
            raise ValueError(f"{len(sites)} sites cannot make {count} due")
        for i in rng.choice(rest, size=count - len(due), replace=False):
            back = dt.timedelta(days=sites[i].visit_interval_days)
            sites[i] = sites[i].model_copy(update={"last_visit": day - back})
    return scenario.model_copy(update={"sites": tuple(sites)})


def day_rota(scenario: Scenario, day: dt.date, rng: np.random.Generator) -> tuple[Cell, ...]:
    """Each inspector on day patrol with probability 0.7, at least 2 in every grid."""
    patrol = next(s for s in scenario.shifts if s.kind == ShiftKind.DAY_PATROL)
    cells: list[Cell] = []
    for grid in scenario.grids:
        team = [w.id for w in scenario.workers if w.grid == grid.id and w.role == Role.INSPECTOR]
        on = rng.random(len(team)) < DAY_PATROL_SHARE
        off = np.flatnonzero(~on)
        short = min(max(0, MIN_PATROL_PER_GRID - int(on.sum())), len(off))
        on[rng.choice(off, size=short, replace=False)] = True
        cells += [
            Cell(day, worker_id, patrol.id) for worker_id, o in zip(team, on, strict=True) if o
        ]
    return tuple(cells)


def generated_day(stops: int, seed: int, folder: Path) -> Setup:
    """A community scaled like Baotun with ``stops`` due, its streets cached in ``folder``."""
    seconds: dict[str, float] = {}
    grids = max(1, round(stops / STOPS_PER_GRID))
    rng = np.random.default_rng(seed)
    began = time.monotonic()
    scenario = generate_scenario(
        workers=round(grids * WORKERS_PER_GRID),
        grids=grids,
        sites=round(stops * SITES_PER_DUE_STOP),
        seed=seed,
    )
    scenario = with_due(scenario, DAY, stops, rng)
    seconds["scenario"] = time.monotonic() - began
    began = time.monotonic()
    rota = day_rota(scenario, DAY, rng)
    seconds["rota"] = time.monotonic() - began
    stations = [(g.id, g.station_lat, g.station_lon) for g in scenario.grids]
    began = time.monotonic()
    streets = generate_streets(scenario.info.bbox, stations, seed)
    seconds["streets_synth"] = time.monotonic() - began
    osm = folder / "streets.osm"
    osm.write_text(streets.osm_xml, encoding="utf-8")
    return imported_day(str(stops), scenario, rota, osm, folder, seconds)


def imported_day(
    case: str,
    scenario: Scenario,
    rota: tuple[Cell, ...],
    osm: Path,
    folder: Path,
    seconds: dict[str, float],
) -> Setup:
    """Import ``osm`` as any scenario's streets, cache it in ``folder``, read the cache back
    (the timed load, as for Baotun) and build the day."""
    mode = scenario.info.travel_mode
    began = time.monotonic()
    imported = prepare(load_osm(osm, mode), scenario.info.bbox, source=osm.name)
    seconds["streets_import"] = time.monotonic() - began
    began = time.monotonic()
    cache = save_cache(imported, cache_path(folder, mode))
    seconds["cache_write"] = time.monotonic() - began
    del imported
    began = time.monotonic()
    graph = load_cache(cache)
    seconds["load"] = time.monotonic() - began
    began = time.monotonic()
    plan = build_day(scenario, graph, rota, DAY, mode)
    seconds["build"] = time.monotonic() - began
    return Setup(case, scenario, folder, graph, rota, plan, seconds)


# ---------------------------------------------------------------------------- measuring


def check(setup: Setup, day: DayRoutes, graph: nx.MultiDiGraph) -> RouteReport:
    """The independent checker on the day's routes, as ``routes.csv`` would hold them."""
    rows = [
        CheckedRow(r.worker_id, r.seq, r.site_id, r.arrive, r.depart, r.travel_m, r.date,
                   r.grid, ROW_KINDS[r.kind], r.travel_s, r.service_start)
        for r in day.rows
    ]  # fmt: skip
    home = {w.id: w.grid for w in setup.scenario.workers}
    rota = [
        (c.date, c.worker_id, c.grid or home[c.worker_id], c.shift_id)
        for c in setup.rota
        if c.shift_id
    ]
    s = setup.scenario.routing
    return check_routes(
        setup.scenario, rows, rota, graph, speed_mps=SPEED_MPS[setup.scenario.info.travel_mode],
        lunch_minutes=s.lunch_minutes, lunch_earliest=s.lunch_earliest,
        lunch_latest=s.lunch_latest,
    )  # fmt: skip


def _row(
    setup: Setup,
    backend: str,
    time_limit: float,
    settings: Settings,
    check_graph: nx.MultiDiGraph | None,
    *,
    reference: bool = False,
) -> Row:
    plan = setup.plan
    mandatory_due = sum(s.mandatory for g in plan.grids for s in g.stops)
    mandatory_due += sum(u.stop.mandatory for u in plan.unserved)
    load_s, build_s = setup.seconds["load"], setup.seconds["build"]
    baotun = setup.case == BAOTUN_CASE and not reference
    row = Row(
        case=setup.case,
        backend=f"{backend} x{settings.reference_factor:g}" if reference else backend,
        reference=reference,
        time_limit=time_limit,
        workers=settings.workers,
        grids=len(plan.grids),
        inspectors=sum(len(g.inspectors) for g in plan.grids),
        due=plan.due,
        mandatory_due=mandatory_due,
        status="ok",
        error="",
        served=None,
        mandatory_served=None,
        km=None,
        objective=None,
        gap=None,
        load_s=load_s,
        build_s=build_s,
        solve_s=0.0,
        total_s=0.0,
        unserved={},
        checker="-",
        checker_s=0.0,
        goal=GOAL if baotun else "",
        met=False if baotun else None,
    )
    began = time.monotonic()
    try:
        day = solve_day(
            plan, backend=backend, time_limit=time_limit, seed=settings.seed,
            workers=settings.workers,
        )  # fmt: skip
    except PlannerError as exc:  # a benchmark row records a failed solve
        solve_s = time.monotonic() - began
        return dataclasses.replace(
            row, status=type(exc).__name__, error=str(exc), solve_s=solve_s,
            total_s=load_s + build_s + solve_s,
        )  # fmt: skip
    solve_s = time.monotonic() - began
    total_s = load_s + build_s + solve_s
    checker, checker_s = "-", 0.0
    if check_graph is not None:
        began = time.monotonic()
        report = check(setup, day, check_graph)
        checker_s = time.monotonic() - began
        checker = "ok" if report.ok else f"FAIL({len(report.findings)})"
        if report.ok and report.stops_served != day.served:
            checker = "FAIL(count)"
    mandatory_served = sum(
        grid.stops[i].mandatory
        for grid, solution in zip(plan.grids, day.solutions, strict=True)
        for i in solution.served()
        if not grid.is_lunch(i)
    )
    return dataclasses.replace(
        row,
        served=day.served,
        mandatory_served=mandatory_served,
        km=sum(r.travel_m for r in day.rows) / 1000,
        objective=day.cost,
        solve_s=solve_s,
        total_s=total_s,
        unserved=dict(Counter(u.reason for u in day.unserved)),
        checker=checker,
        checker_s=checker_s,
        met=(total_s <= GOAL_SECONDS and checker in ("ok", "-")) if baotun else None,
    )


def measure(
    setup: Setup, settings: Settings, check_graph: nx.MultiDiGraph | None = None
) -> list[Row]:
    """Every backend at the time limit, the default one at ``reference_factor`` times it,
    and each row's gap to the best objective of them all; routes re-checked on
    ``check_graph`` when given."""
    limit = settings.time_limit
    rows = [_row(setup, b, limit, settings, check_graph) for b in settings.backends]
    if settings.reference_factor > 0:
        limit *= settings.reference_factor
        rows.append(_row(setup, DEFAULT_BACKEND, limit, settings, check_graph, reference=True))
    best = min((r.objective for r in rows if r.objective is not None), default=None)
    if best is None:
        return rows
    return [
        r
        if r.objective is None
        else dataclasses.replace(r, gap=(r.objective - best) / max(best, 1))
        for r in rows
    ]


# ------------------------------------------------------------------------------ output

HEADER = (
    f"{'case':<10} {'backend':<9} {'limit':>5} {'grids':>5} {'insp':>4} {'served/due':>10} "
    f"{'mand':>7} {'km':>7} {'objective':>9} {'gap':>6} {'load':>5} {'build':>5} "
    f"{'solve':>6} {'total':>6}  check  goal"
)


def _line(row: Row) -> str:
    def shown(value: object) -> str:
        return "-" if value is None else str(value)

    gap = f"{row.gap:.2%}" if row.gap is not None else "-"
    km = f"{row.km:.1f}" if row.km is not None else "-"
    objective = shown(row.objective) if row.status == "ok" else row.status
    goal = f"{row.goal} ({'met' if row.met else 'MISSED'})" if row.goal else ""
    return (
        f"{row.case:<10} {row.backend:<9} {row.time_limit:5g} {row.grids:>5} "
        f"{row.inspectors:>4} {f'{shown(row.served)}/{row.due}':>10} "
        f"{f'{shown(row.mandatory_served)}/{row.mandatory_due}':>7} {km:>7} {objective:>9} "
        f"{gap:>6} {row.load_s:5.2f} {row.build_s:5.2f} {row.solve_s:6.2f} {row.total_s:6.2f}"
        f"  {row.checker:<5}  {goal}"
    )


def _sizes(setup: Setup) -> dict[str, int]:
    return {
        "grids": len(setup.scenario.grids),
        "workers": len(setup.scenario.workers),
        "sites": len(setup.scenario.sites),
        "nodes": setup.graph.number_of_nodes(),
        "edges": setup.graph.number_of_edges(),
        "patrol_inspectors": sum(len(g.inspectors) for g in setup.plan.grids),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the chosen cases, print the table, write ``OUT/routing_scale.json``."""
    default_limit, default_workers = routes_defaults()
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=list(CASES))
    parser.add_argument(
        "--time-limit", type=float, default=default_limit,
        help=f"seconds per day and backend (default {default_limit:g}, as `planner routes`)",
    )  # fmt: skip
    parser.add_argument(
        "--workers", type=int, default=default_workers,
        help=f"grids solved at once (default {default_workers}, as `planner routes`)",
    )  # fmt: skip
    parser.add_argument("--backends", nargs="*", default=sorted(BACKENDS), choices=BACKENDS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rota", type=Path, help="rota.csv for the Baotun week (else rostered)")
    shared = Path(os.environ.get("PLANNER_SHARED", ROOT.parent / "shared"))
    parser.add_argument(
        "--streets-dir", type=Path, default=shared / "streets",
        help="folder of the real OSM extracts (default $PLANNER_SHARED/streets)",
    )  # fmt: skip
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    settings = Settings(tuple(args.backends), args.time_limit, args.workers, args.seed)
    imports = {name: cold_import_seconds(modules) for name, modules in COLD_IMPORTS.items()}
    command: float | None = None
    print(
        f"day {DAY}, limit {settings.time_limit:g} s per day and backend, {settings.workers} "
        f"grid(s) at once, seed {settings.seed}; gap to the best of the case's rows, "
        f"{DEFAULT_BACKEND} x{settings.reference_factor:g} included"
    )
    print(HEADER, flush=True)
    rows: list[Row] = []
    setups: dict[str, dict[str, object]] = {}
    for name in args.cases:
        with tempfile.TemporaryDirectory(prefix="routing-scale-") as tmp:
            if name == BAOTUN_CASE:
                setup = baotun_day(args.rota, args.out, args.seed)
            elif name == REAL_CASE:
                setup = real_day(args.streets_dir, args.seed, Path(tmp))
            else:
                setup = generated_day(int(name), args.seed, Path(tmp))
            check_graph = load_street_graph(setup.folder, setup.scenario.info.travel_mode)
            case_rows = measure(setup, settings, check_graph)
        setups[name] = {"seconds": setup.seconds, **_sizes(setup)}
        if name == BAOTUN_CASE:
            rota = args.rota or args.out / "rota.csv"
            command = routes_command_seconds(rota, args.out / "baotun-routes", settings)
        for row in case_rows:
            print(_line(row), flush=True)
        rows += case_rows
    cold = ", ".join(f"{name} {sec:.2f} s" for name, sec in imports.items())
    print(f"imports in a fresh process: {cold}")
    if command is not None:
        print(
            f"`planner routes` on the Baotun day, whole command in a fresh process: {command:.2f} s"
        )
    doc = {
        "day": DAY.isoformat(),
        **asdict(settings),
        "cold_import_seconds": imports,
        "routes_command_seconds": command,
        "setups": setups,
        "rows": [asdict(r) for r in rows],
    }
    (args.out / "routing_scale.json").write_text(json.dumps(doc, indent=2) + "\n", "utf-8")
    for row in rows:
        if row.status != "ok":
            print(f"{row.case} {row.backend}: {row.status}: {row.error}")
    invalid = [r for r in rows if r.checker not in ("ok", "-")]
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main())
