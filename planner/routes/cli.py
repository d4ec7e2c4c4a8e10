"""`planner routes`: the day's inspection routes for every grid, from the rota."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from planner._errors import InputError, InputProblem
from planner.cli_args import EXIT_OK, date, positive_int, seconds, seed


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``routes`` command and its flags (names fixed by the issue; more may be added)."""
    from planner.routes.backends import BACKENDS, DEFAULT_BACKEND

    routes = sub.add_parser(
        "routes", help="order each inspector's stops for a day over the street network"
    )
    routes.add_argument("--scenario", required=True, help="scenario folder")
    routes.add_argument("--date", required=True, type=date, help="the day (YYYY-MM-DD)")
    routes.add_argument("--rota", required=True, help="rota.csv that covers the day")
    routes.add_argument("--tasks", help="TASKS.csv of ad-hoc stops for the day")
    routes.add_argument(
        "--time-limit", type=seconds, default=1.5, help="seconds of solving (default 1.5)"
    )
    routes.add_argument("--seed", type=seed, default=0, help="random seed, 0 to 2^32-1 (default 0)")
    routes.add_argument(
        "--backend", choices=sorted(BACKENDS), default=DEFAULT_BACKEND,
        help=f"routing solver (default {DEFAULT_BACKEND})",
    )  # fmt: skip
    routes.add_argument(
        "--workers",
        type=positive_int,
        default=2,
        help="grids solved at once (default 2: two cores)",
    )
    routes.add_argument("--out", required=True, help="output folder")
    routes.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load, build, solve, write; one summary line on stdout."""
    from planner.outputs import check_folder
    from planner.roster.cells_io import read_cells
    from planner.routes.build import build_day, read_tasks
    from planner.routes.patrol_report import night_patrols
    from planner.routes.report import summary_line, write_routes
    from planner.routes.solve import solve_day
    from planner.scenario_io import load_scenario
    from planner.streets.network import SPEED_MPS, street_graph

    check_folder(Path(args.out), "summary.json")  # before the solve, not after it
    folder = Path(args.scenario)
    scenario = load_scenario(folder)
    rota = read_cells(Path(args.rota), scenario)
    if not any(cell.date == args.date for cell in rota):
        raise InputError(
            [InputProblem(str(args.rota), None, "date", f"the rota has no rows for {args.date}")]
        )
    tasks = read_tasks(Path(args.tasks), scenario) if args.tasks else []
    mode = scenario.info.travel_mode
    source = folder / scenario.streets.source if scenario.streets.source else None
    graph = street_graph(folder, mode, source, scenario.info.bbox)
    plan = build_day(scenario, graph, rota, args.date, mode, tasks)
    day = solve_day(
        plan, backend=args.backend, time_limit=args.time_limit, seed=args.seed,
        workers=args.workers,
    )  # fmt: skip
    notes: list[str] = []
    patrol_files = night_patrols(
        scenario, folder, graph, rota, args.date, SPEED_MPS[mode], notes.append
    )
    notes += write_routes(
        day, graph, scenario, Path(args.out), rota_path=Path(args.rota), extra=patrol_files
    )
    notes += [
        f"grid {g}: the solver found no plan in time; its stops are unserved"
        for g in sorted({u.stop.site.grid for u in day.unserved if u.reason == "no_solution"})
    ]
    notes += [f"mandatory stop {u.stop.site.id} ({u.stop.site.grid}) unserved: {u.reason}"
              for u in day.unserved if u.stop.mandatory]  # fmt: skip
    for note in notes:
        print(f"warning: {note}", file=sys.stderr)
    print(f"{summary_line(day)} -> {args.out}")
    return EXIT_OK
