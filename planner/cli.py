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

from planner import __version__
from planner._errors import InputError, InputProblem, PlannerError

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from exc


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from exc
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {value}")
    return value


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
    from planner.generate import generate_scenario
    from planner.scenario_io import write_scenario

    out = Path(args.out)
    if out.exists() and any(out.iterdir()) and not args.force:
        raise InputError(
            [InputProblem(str(out), None, None, "folder is not empty; use --force to overwrite")]
        )
    scenario = generate_scenario(
        workers=args.workers, grids=args.grids, sites=args.sites, seed=args.seed, name=args.name
    )
    write_scenario(scenario, out)
    print(
        f"wrote {out}: {len(scenario.workers)} workers, {len(scenario.grids)} grids, "
        f"{len(scenario.sites)} sites (seed {args.seed})"
    )
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree; every sub-command sets ``func``."""
    from planner.generate import BAOTUN_GRIDS, BAOTUN_SEED, BAOTUN_SITES, BAOTUN_WORKERS

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
    check.add_argument("--week", type=_date, help="Monday of the week to summarise")
    check.set_defaults(func=_cmd_scenario_check)

    gen = ssub.add_parser("generate", help="write a seeded synthetic scenario folder")
    gen.add_argument("--workers", type=_positive_int, default=BAOTUN_WORKERS)
    gen.add_argument("--grids", type=_positive_int, default=BAOTUN_GRIDS)
    gen.add_argument("--sites", type=int, default=BAOTUN_SITES)
    gen.add_argument("--seed", type=int, default=BAOTUN_SEED)
    gen.add_argument("--name", help="scenario name (default: Baotun or a synthetic name)")
    gen.add_argument("--out", required=True, help="folder to write")
    gen.add_argument("--force", action="store_true", help="overwrite a non-empty folder")
    gen.set_defaults(func=_cmd_scenario_generate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except InputError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return exc.exit_code
    except PlannerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
