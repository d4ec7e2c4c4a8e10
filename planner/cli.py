"""The ``planner`` command: parses arguments, calls the library, maps errors to exit codes.

Exit codes: 0 ok, 1 a check found violations or an unexpected error, 2 bad input,
3 infeasible, 4 no solution within the time limit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from planner import __version__, interrupt
from planner._errors import InfeasibleError, InputError, InputProblem, PlannerError
from planner.cli_args import (
    EXIT_BAD_INPUT,
    EXIT_CHECK_FAILED,
    EXIT_OK,
    date,
    horizon_weeks,
    lookahead_weeks,
    non_negative_int,
    positive_int,
    seconds,
    seed,
)
from planner.domain import RuleSetting, Scenario
from planner.outputs import check_folder
from planner.summary import plural

if TYPE_CHECKING:  # the checker is imported when a command needs it (start-up time)
    from planner.checker import Assignment


def _cmd_scenario_check(args: argparse.Namespace) -> int:
    from planner.scenario_io import load_scenario
    from planner.summary import summarise

    scenario = load_scenario(args.dir)
    if args.week is not None and args.week.weekday() != 0:
        raise InputError([InputProblem("--week", None, None, f"{args.week} is not a Monday")])
    print(summarise(scenario, args.week), end="")
    print(f"OK: {args.dir} is valid")
    return EXIT_OK


def _cmd_scenario_generate(args: argparse.Namespace) -> int:
    from planner.generate import generate_scenario, write_generated

    out = Path(args.out)

    def unwritable(exc: OSError) -> InputError:
        where = str(exc.filename or out)
        return InputError([InputProblem(where, None, None, f"cannot write: {exc.strerror or exc}")])

    if out.exists() and not out.is_dir():
        raise InputError([InputProblem(str(out), None, None, "is a file, not a folder")])
    try:
        non_empty = out.exists() and any(out.iterdir())
    except OSError as exc:
        raise unwritable(exc) from exc
    if non_empty and not args.force:
        raise InputError(
            [InputProblem(str(out), None, None, "folder is not empty; use --force to overwrite")]
        )
    scenario = generate_scenario(
        workers=args.workers, grids=args.grids, sites=args.sites, seed=args.seed, name=args.name
    )
    try:
        write_generated(scenario, out, args.seed)
    except OSError as exc:
        raise unwritable(exc) from exc
    print(
        f"wrote {out}: {len(scenario.workers)} workers, {len(scenario.grids)} grids, "
        f"{len(scenario.sites)} sites (seed {args.seed})"
    )
    return EXIT_OK


def _monday(text: str) -> dt.date:
    day = date(text)
    if day.weekday() != 0:
        raise argparse.ArgumentTypeError(f"{day} is a {day:%A}; the week starts on a Monday")
    return day


def soft_cover(scenario: Scenario) -> RuleSetting:
    """Cover as ``--allow-unfilled`` scores it: soft, at least 1000 per missing head."""
    return RuleSetting(mode="soft", weight=max(scenario.rule("cover").weight, 1000))


def _cmd_roster(args: argparse.Namespace) -> int:
    from planner.roster.cells_io import read_cells
    from planner.roster.problem import RosterProblem
    from planner.roster.report import write_rota
    from planner.roster.solve import solve_roster, terminal_progress
    from planner.scenario_io import load_scenario

    check_folder(Path(args.out), "rota.json")  # before the solve, not after it
    scenario = load_scenario(args.scenario)
    week = args.week or scenario.info.default_week
    last = week + dt.timedelta(days=7 * args.weeks - 1)
    history = read_cells(Path(args.history), scenario, before=week) if args.history else ()
    pins = (
        read_cells(Path(args.pin), scenario, allow_off=True, within=(week, last))
        if args.pin
        else ()
    )
    previous = (
        read_cells(Path(args.previous), scenario, covering=(week, last)) if args.previous else ()
    )
    overrides = {"cover": soft_cover(scenario)} if args.allow_unfilled else {}
    problem = RosterProblem(
        scenario=scenario,
        week=week,
        weeks=args.weeks,
        history=history,
        pins=pins,
        previous=previous,
        overrides=overrides,
        lookahead=args.lookahead,
    )
    live = not args.quiet and sys.stderr.isatty()
    result = solve_roster(
        problem,
        time_limit=args.time_limit,
        seed=args.seed,
        workers=args.workers,
        progress=terminal_progress if live else None,
        strategy=args.strategy,
    )
    write_rota(result, Path(args.out), args.time_limit)
    print(f"{result.summary()} -> {args.out}")
    if not args.quiet:  # the summary counts them; rota.json lists them
        for need in result.unfilled:
            print(f"  unfilled: {need.label}: {need.missing} missing")
        for conflict in result.lookahead_conflicts:
            print(f"  the week after, conflicting: {conflict}")
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    from planner.checker import check_rota, read_history, read_pins, read_rota, rota_horizon
    from planner.scenario_io import load_scenario

    if args.routes:
        return _cmd_check_routes(args)
    if not args.rota:
        raise InputError([InputProblem("--rota", None, None, "give --rota (or --routes)")])
    scenario = load_scenario(args.scenario)
    if args.allow_unfilled:
        scenario = scenario.model_copy(
            update={"rules": {**scenario.rules, "cover": soft_cover(scenario)}}
        )
    rota = read_rota(Path(args.rota))
    week, weeks = rota_horizon(scenario, rota, args.week, args.weeks)
    days = (week, week + dt.timedelta(days=7 * weeks - 1))
    if args.week is None and args.weeks is None:
        _note_sparse_weeks([a.date for a in rota], week, weeks)
    history = read_history(Path(args.history), scenario, before=week) if args.history else []
    pins = read_pins(Path(args.pin), scenario, within=days) if args.pin else []
    previous = read_history(Path(args.previous), scenario, covering=days) if args.previous else None
    report = check_rota(
        scenario, rota, week=week, weeks=weeks, history=history, pins=pins, previous=previous
    )
    for v in report.violations:
        print(f"violation [{v.rule}] {v.message}")
    soft = ", ".join(f"{k} {v}" for k, v in sorted(report.penalties.items()))
    verdict = "valid" if report.ok else f"INVALID: {plural(len(report.violations), 'violation')}"
    print(f"{args.rota}: {verdict}; objective {report.objective} ({soft})")
    if report.ok and args.lookahead:
        return _check_weeks_after(args, scenario, week, weeks, rota, history)
    return EXIT_OK if report.ok else EXIT_CHECK_FAILED


def _note_sparse_weeks(dates: list[dt.date], week: dt.date, weeks: int) -> None:
    """Say so when the horizon taken from a rota's dates has a week with few rows: one
    mistyped date makes a week of uncovered needs (hundreds of violations) otherwise
    unexplained."""
    rows = [0] * weeks
    for day in dates:
        rows[(day - week).days // 7] += 1
    for i, count in enumerate(rows):
        if count * 10 < max(rows):
            monday = week + dt.timedelta(days=7 * i)
            print(
                f"note: the rota's dates run {min(dates)} to {max(dates)}, so it is checked as "
                f"{weeks} weeks; the week of {monday} has {plural(count, 'row')} against "
                f"{max(rows)} in another (a mistyped date?); --week and --weeks set the weeks",
                file=sys.stderr,
            )


def _check_weeks_after(
    args: argparse.Namespace,
    scenario: Scenario,
    week: dt.date,
    weeks: int,
    rota: list[Assignment],
    history: list[Assignment],
) -> int:
    """``check --lookahead``: can the weeks after a valid rota be staffed from it? This
    asks the roster engine (a feasibility solve), unlike the rest of ``check``."""
    from planner.roster.problem import Cell, RosterProblem
    from planner.roster.solve import diagnose, try_staffing, weeks_after

    def cells(rows: list[Assignment]) -> tuple[Cell, ...]:
        return tuple(Cell(a.date, a.worker_id, a.shift_id) for a in rows)

    problem = RosterProblem(scenario, week, weeks, history=cells(history))
    after = weeks_after(problem, cells(rota), args.lookahead)
    span = "week" if args.lookahead == 1 else f"{args.lookahead} weeks"
    met, _ = try_staffing(after, time_limit=args.time_limit / 2)
    if met:
        print(f"the {span} after can be staffed from it")
        return EXIT_OK
    if met is None:
        print(f"not known within {args.time_limit / 2:g} s whether the {span} after can be staffed")
        return EXIT_CHECK_FAILED
    print(f"the {span} after cannot be staffed from it; conflicting:")
    for conflict in diagnose(after, time_limit=args.time_limit / 2):
        print(f"  - {conflict}")
    return EXIT_CHECK_FAILED


def _cmd_check_routes(args: argparse.Namespace) -> int:
    import json

    from planner.checker import read_rota
    from planner.route_checker import (
        SPEED_MPS,
        check_routes,
        load_street_graph,
        read_routes,
        read_unserved,
    )
    from planner.routes.build import read_tasks
    from planner.scenario_io import load_scenario

    folder = Path(args.scenario)
    scenario = load_scenario(folder)
    routes_path = Path(args.routes)
    rows = read_routes(routes_path)
    rota_path = Path(args.rota) if args.rota else None
    summary = routes_path.parent / "summary.json"
    if rota_path is None and summary.is_file():
        try:
            doc = json.loads(summary.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise InputError([InputProblem(str(summary), None, None, f"not JSON: {exc}")]) from exc
        recorded = doc.get("rota") if isinstance(doc, dict) else None
        rota_path = Path(recorded) if isinstance(recorded, str) else None
    if rota_path is None:
        raise InputError(
            [InputProblem(str(routes_path), None, None, "give --rota: no summary.json names it")]
        )
    rota = [(a.date, a.worker_id, a.grid, a.shift_id) for a in read_rota(rota_path)]
    tasks = [stop.site for stop in read_tasks(Path(args.tasks), scenario)] if args.tasks else []
    listed = routes_path.parent / "unserved.csv"  # written beside routes.csv
    unserved = read_unserved(listed) if listed.is_file() else None
    mode = scenario.info.travel_mode
    graph = load_street_graph(folder, mode)
    s = scenario.routing
    report = check_routes(
        scenario, rows, rota, graph, tasks=tasks, speed_mps=SPEED_MPS[mode],
        lunch_minutes=s.lunch_minutes, lunch_earliest=s.lunch_earliest,
        lunch_latest=s.lunch_latest, max_snap_m=s.max_snap_m, unserved=unserved,
    )  # fmt: skip
    for v in report.violations:
        print(f"violation {v}")
    print(f"{args.routes}: {report.summary()}")
    return EXIT_OK if report.ok else EXIT_CHECK_FAILED


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree; every sub-command sets ``func``."""
    from planner.generate import BAOTUN_GRIDS, BAOTUN_SEED, BAOTUN_SITES, BAOTUN_WORKERS
    from planner.roster import DEFAULT_LOOKAHEAD, DEFAULT_WORKERS, STRATEGIES

    parser = argparse.ArgumentParser(
        prog="planner",
        description="Rosters and routes a community's multi-skilled grid workers.",
        epilog="Exit codes: 0 ok, 1 check failed, 2 bad input, 3 infeasible, "
        "4 no solution within the time limit.",
    )
    parser.add_argument("--version", action="version", version=f"planner {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    scenario = sub.add_parser("scenario", help="validate, summarise or generate scenarios")
    ssub = scenario.add_subparsers(dest="scenario_command", required=True, metavar="ACTION")

    check = ssub.add_parser("check", help="validate a scenario folder and print a summary")
    check.add_argument("dir", help="scenario folder (scenario.toml + CSV tables)")
    check.add_argument("--week", type=date, help="Monday of the week to summarise")
    check.set_defaults(func=_cmd_scenario_check)

    gen = ssub.add_parser("generate", help="write a seeded synthetic scenario folder")
    gen.add_argument("--workers", type=positive_int, default=BAOTUN_WORKERS)
    gen.add_argument("--grids", type=positive_int, default=BAOTUN_GRIDS)
    gen.add_argument("--sites", type=non_negative_int, default=BAOTUN_SITES)
    gen.add_argument("--seed", type=non_negative_int, default=BAOTUN_SEED)
    gen.add_argument("--name", help="scenario name (default: Baotun or a synthetic name)")
    gen.add_argument("--out", required=True, help="folder to write")
    gen.add_argument("--force", action="store_true", help="overwrite a non-empty folder")
    gen.set_defaults(func=_cmd_scenario_generate)

    roster = sub.add_parser("roster", help="build the rota for a week (or several) with CP-SAT")
    roster.add_argument("--scenario", required=True, help="scenario folder")
    roster.add_argument("--week", type=_monday, help="Monday of the first week (default: "
                        "the Monday after the scenario's reference date)")  # fmt: skip
    roster.add_argument("--weeks", type=horizon_weeks, default=1, help="weeks, 1 to 52")
    roster.add_argument("--history", help="last weeks' rota.csv, for windows across the boundary")
    roster.add_argument(
        "--lookahead",
        type=lookahead_weeks,
        default=DEFAULT_LOOKAHEAD,
        help=f"weeks after the rota whose hard rules it must leave satisfiable (default "
        f"{DEFAULT_LOOKAHEAD}; 0 = plan the weeks alone)",
    )
    roster.add_argument("--pin", help="PINS.csv: date,worker_id,shift_id (empty = day off)")
    roster.add_argument("--previous", help="a previous rota.csv to change as little as possible")
    roster.add_argument("--time-limit", type=seconds, default=30.0, help="seconds")
    roster.add_argument("--seed", type=seed, default=0, help="random seed, 0 to 2^32-1 (default 0)")
    roster.add_argument(
        "--workers",
        type=positive_int,
        default=DEFAULT_WORKERS,
        help=f"CP-SAT search workers (default {DEFAULT_WORKERS}; 1 = reproducible)",
    )
    roster.add_argument(
        "--strategy",
        choices=STRATEGIES,
        help="cpsat: CP-SAT alone; auto (default unless --workers 1): column generation "
        "(bound and a starting rota), CP-SAT, then roster-shaped large-neighbourhood search; "
        "lns: LNS after a fifth",
    )
    roster.add_argument("--allow-unfilled", action="store_true",
                        help="make cover soft and list the needs left open")  # fmt: skip
    roster.add_argument("--quiet", action="store_true", help="only the one-line summary")
    roster.add_argument("--out", required=True, help="output folder (written atomically)")
    roster.set_defaults(func=_cmd_roster)

    check = sub.add_parser(
        "check", help="independently verify a rota (or, with --routes, a day's routes)"
    )
    check.add_argument("--scenario", required=True, help="scenario folder")
    check.add_argument("--rota", help="rota.csv to verify (with --routes: the rota they follow)")
    check.add_argument(
        "--routes", help="routes.csv to verify against the rota and the street network"
    )
    check.add_argument("--tasks", help="with --routes: the TASKS.csv the routes were made with")
    check.add_argument(
        "--allow-unfilled",
        action="store_true",
        help="score cover as soft, as `planner roster --allow-unfilled` does",
    )
    check.add_argument("--history", help="rota.csv of the weeks before")
    check.add_argument("--pin", help="PINS.csv the rota must respect")
    check.add_argument("--previous", help="previous rota.csv (for the stability score)")
    check.add_argument("--week", type=_monday, help="first Monday (default: from the rota)")
    check.add_argument("--weeks", type=positive_int, help="weeks (default: from the rota)")
    check.add_argument(
        "--lookahead",
        type=lookahead_weeks,
        default=0,
        help="also ask whether the N weeks after a valid rota can meet the hard rules with it "
        "as history (a feasibility solve with the roster engine; exit 1 if they cannot)",
    )
    check.add_argument("--time-limit", type=seconds, default=30.0,
                       help="seconds for --lookahead's solve")  # fmt: skip
    check.set_defaults(func=_cmd_check)

    from planner.routes.cli import add_parser as add_routes_parser
    from planner.streets.cli import add_parser as add_streets_parser

    add_streets_parser(sub)
    add_routes_parser(sub)
    return parser


MAX_PROBLEMS = 40
"""Input problems printed at most: one typo can make thousands (a table read as text)."""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with interrupt.watch():
            code: int = args.func(args)
    except InputError as exc:
        for problem in exc.problems[:MAX_PROBLEMS]:
            print(f"error: {problem}", file=sys.stderr)
        if len(exc.problems) > MAX_PROBLEMS:
            more = len(exc.problems) - MAX_PROBLEMS
            print(f"error: ... and {more} more; the first ones often cause the rest",
                  file=sys.stderr)  # fmt: skip
        return exc.exit_code
    except InfeasibleError as exc:
        if args.command == "roster":
            print("infeasible: no rota satisfies every hard rule. Conflicting:", file=sys.stderr)
        else:
            print(f"infeasible: {exc}", file=sys.stderr)
        for conflict in exc.conflicts:
            print(f"  - {conflict}", file=sys.stderr)
        return exc.exit_code
    except PlannerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:  # an unreadable input or unwritable output: bad input, no traceback
        where = exc.filename or "file system"
        print(f"error: {where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
