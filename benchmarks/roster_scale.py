"""How the roster engine scales: Baotun one week and four weeks, and a large generated community.

Prints a table (wall time, objective, bound, gap, status) and writes JSON. Every rota is
re-checked by the independent checker.

    python benchmarks/roster_scale.py --out OUT [--cases baotun-1w baotun-4w synth-600w-80g]
                                      [--lookahead WEEKS] [--fair-share WEIGHT]

``--lookahead`` defaults to ``planner roster``'s own (1 week), so the figures are the
command's. ``--fair-share W`` turns the opt-in ``fair_share`` rule on (soft, weight W) in
every case, to measure what it costs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from planner._errors import PlannerError
from planner.checker import Assignment, check_rota
from planner.cli_args import non_negative_int
from planner.domain import RuleSetting, Scenario
from planner.generate import generate_scenario
from planner.roster import DEFAULT_LOOKAHEAD, DEFAULT_WORKERS
from planner.roster.problem import RosterProblem
from planner.roster.solve import solve_roster
from planner.scenario_io import load_scenario

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Case:
    """One benchmark case: a scenario, a horizon and a time limit with its goal."""

    name: str
    weeks: int
    time_limit: float
    goal: str
    max_gap: float


CASES = {
    "baotun-1w": Case("baotun-1w", 1, 5.0, "proven optimal in <= 5 s", 0.0),
    "baotun-4w": Case("baotun-4w", 4, 60.0, "gap <= 0.5% at 60 s", 0.005),
    "synth-600w-80g": Case("synth-600w-80g", 1, 120.0, "gap <= 1% at 120 s", 0.01),
}


@dataclass(frozen=True)
class Row:
    """One line of the table."""

    case: str
    workers: int
    weeks: int
    lookahead: int
    status: str
    objective: int | None
    bound: int | None
    gap: float | None
    seconds: float
    checker_ok: bool | None
    goal: str
    met: bool


def _scenario(name: str, fair_share: int) -> Scenario:
    if name.startswith("baotun"):
        scenario = load_scenario(ROOT / "scenarios" / "baotun")
    else:
        scenario = generate_scenario(workers=600, grids=80, sites=0, seed=7)
    if fair_share:
        scenario = scenario.with_rule("fair_share", RuleSetting(mode="soft", weight=fair_share))
    return scenario


def run(
    case: Case, seed: int, workers: int, lookahead: int = DEFAULT_LOOKAHEAD, fair_share: int = 0
) -> Row:
    """Solve one case and re-check its rota."""
    scenario = _scenario(case.name, fair_share)
    problem = RosterProblem(scenario, scenario.info.default_week, case.weeks, lookahead=lookahead)
    started = time.monotonic()
    try:
        result = solve_roster(problem, time_limit=case.time_limit, seed=seed, workers=workers)
    except PlannerError as exc:  # a benchmark row records an infeasible or timed-out run
        return Row(case.name, len(scenario.workers), case.weeks, lookahead, type(exc).__name__,
                   None, None, None, time.monotonic() - started, None, case.goal,
                   False)  # fmt: skip
    seconds = time.monotonic() - started
    rota = [Assignment(c.date, c.worker_id, c.shift_id or "") for c in result.assignments]
    report = check_rota(scenario, rota, week=problem.week, weeks=problem.weeks)
    ok = report.ok and report.objective == result.objective
    met = ok and result.gap <= case.max_gap and seconds <= case.time_limit + 1
    return Row(case.name, len(scenario.workers), case.weeks, lookahead, result.status,
               result.objective, result.bound, result.gap, seconds, ok, case.goal, met)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Run the chosen cases, print the table, write ``OUT/roster_scale.json``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=list(CASES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    parser.add_argument("--lookahead", type=int, default=DEFAULT_LOOKAHEAD, help="weeks")
    parser.add_argument(
        "--fair-share",
        type=non_negative_int,
        default=0,
        metavar="WEIGHT",
        help="turn fair_share on, soft with this weight (0: as the scenario)",
    )
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    print(
        f"{'case':<16} {'workers':>7} {'weeks':>5} {'status':<8} {'objective':>9} {'bound':>7} "
        f"{'gap':>7} {'sec':>6}  checker  goal (met?)"
    )
    rows = []
    for name in args.cases:
        row = run(CASES[name], args.seed, args.workers, args.lookahead, args.fair_share)
        rows.append(row)
        gap = f"{row.gap:.2%}" if row.gap is not None else "-"
        print(
            f"{row.case:<16} {row.workers:>7} {row.weeks:>5} {row.status:<8} "
            f"{row.objective if row.objective is not None else '-':>9} "
            f"{row.bound if row.bound is not None else '-':>7} {gap:>7} {row.seconds:6.1f}  "
            f"{'ok' if row.checker_ok else 'FAIL':<7}  {row.goal} "
            f"({'met' if row.met else 'MISSED'})",
            flush=True,
        )
    doc = {
        "seed": args.seed,
        "workers": args.workers,
        "lookahead": args.lookahead,
        "fair_share": args.fair_share,
        "rows": [asdict(r) for r in rows],
    }
    (args.out / "roster_scale.json").write_text(json.dumps(doc, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
