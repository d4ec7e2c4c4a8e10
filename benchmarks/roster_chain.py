"""Weeks planned one after another, as a dispatcher's cron does: does the chain hold, and is
it fair over the weeks?

Each week is solved with the rotas of the weeks before as its history (``planner roster
--history``), re-checked by the independent checker, and the table shows its status,
objective, bound, time and what came of the lookahead. At the end, the running ledger of
the whole chain: per fairness category, the least and most any worker of its pool has.

    python benchmarks/roster_chain.py --out OUT [--weeks 6] [--lookahead 1] [--seed 1]
                                      [--workers 1] [--time-limit 30] [--fair-share WEIGHT]

``--fair-share W`` turns the opt-in ``fair_share`` rule on (soft, weight W), to compare
the ledgers with and without it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from planner._errors import PlannerError
from planner.checker import Assignment, check_rota
from planner.cli_args import non_negative_int
from planner.domain import RuleSetting, Scenario, ShiftKind
from planner.roster import DEFAULT_LOOKAHEAD
from planner.roster.problem import Cell, RosterProblem
from planner.roster.solve import solve_roster
from planner.scenario_io import load_scenario

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Week:
    """One line of the table: a week of the chain."""

    week: str
    status: str
    objective: int | None
    bound: int | None
    seconds: float
    lookahead: str
    checker_ok: bool | None


def ledger(scenario: Scenario, cells: list[Cell]) -> dict[str, dict[str, int]]:
    """Per fairness category, the least and most count over its pool (nights: the
    night-eligible), how many workers have the least, the least among those with any (a
    pool anchored at workers who never take the duty shows it), and the widest max − min
    among those with any within one base grid (whose workers share the base's nights)."""
    kinds = {s.id: s.kind for s in scenario.shifts}
    cal = scenario.calendar
    counts: dict[str, Counter[str]] = {c: Counter() for c in ("nights", "restdays", "standby")}
    for c in cells:
        if c.shift_id is None:
            continue
        kind = kinds[c.shift_id]
        counts["nights"][c.worker_id] += kind == ShiftKind.NIGHT_PATROL
        counts["standby"][c.worker_id] += kind == ShiftKind.STANDBY
        counts["restdays"][c.worker_id] += not cal.is_workday(c.date)
    out = {}
    base = {g.id: g.base for g in scenario.grids}
    for category, count in counts.items():
        pool = [w for w in scenario.workers if category != "nights" or w.night_eligible]
        values = [count[w.id] for w in pool]
        least = min(values)
        some = [v for v in values if v] or [0]
        by_base: dict[str, list[int]] = {}
        for w in pool:
            if count[w.id]:
                by_base.setdefault(base[w.grid], []).append(count[w.id])
        widest = max((max(v) - min(v) for v in by_base.values()), default=0)
        out[category] = {"min": least, "at_min": values.count(least), "max": max(values),
                         "min_of_those_with_any": min(some),
                         "widest_base_range_of_those_with_any": widest}  # fmt: skip
    return out


def chain(
    scenario: Scenario, first: dt.date, weeks: int, *, lookahead: int, seed: int,
    workers: int, time_limit: float,
) -> tuple[list[Week], list[Cell]]:  # fmt: skip
    """Plan ``weeks`` weeks one by one from ``first``; stop at the first week with no rota."""
    history: list[Cell] = []
    rows = []
    for k in range(weeks):
        week = first + dt.timedelta(days=7 * k)
        problem = RosterProblem(scenario, week, history=tuple(history), lookahead=lookahead)
        started = time.monotonic()
        try:
            result = solve_roster(problem, time_limit=time_limit, seed=seed, workers=workers)
        except PlannerError as exc:
            rows.append(Week(week.isoformat(), type(exc).__name__, None, None,
                             time.monotonic() - started, "", None))  # fmt: skip
            break
        seconds = time.monotonic() - started
        past = [Assignment(c.date, c.worker_id, c.shift_id or "") for c in history]
        rota = [Assignment(c.date, c.worker_id, c.shift_id or "") for c in result.assignments]
        report = check_rota(scenario, rota, week=week, weeks=1, history=past)
        ok = report.ok and report.objective == result.objective
        rows.append(Week(week.isoformat(), result.status, result.objective, result.bound,
                         seconds, result.lookahead_outcome, ok))  # fmt: skip
        history.extend(result.assignments)
    return rows, history


def main(argv: list[str] | None = None) -> int:
    """Run the chain, print the table and the ledger, write ``OUT/roster_chain.json``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "baotun")
    parser.add_argument("--weeks", type=int, default=6)
    parser.add_argument("--lookahead", type=int, default=DEFAULT_LOOKAHEAD)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=30.0)
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
    scenario = load_scenario(args.scenario)
    if args.fair_share:
        scenario = scenario.with_rule(
            "fair_share", RuleSetting(mode="soft", weight=args.fair_share)
        )
    rows, history = chain(scenario, scenario.info.default_week, args.weeks,
                          lookahead=args.lookahead, seed=args.seed, workers=args.workers,
                          time_limit=args.time_limit)  # fmt: skip
    print(
        f"{'week':<11} {'status':<18} {'objective':>9} {'bound':>6} {'sec':>6}  lookahead  checker"
    )
    for r in rows:
        checked = "-" if r.checker_ok is None else "ok" if r.checker_ok else "FAIL"
        print(
            f"{r.week:<11} {r.status:<18} {r.objective if r.objective is not None else '-':>9} "
            f"{r.bound if r.bound is not None else '-':>6} {r.seconds:6.1f}  "
            f"{r.lookahead or '-':<9}  {checked}"
        )
    held = ledger(scenario, history)
    for category, spread in held.items():
        print(f"ledger {category:<9} min {spread['min']:>3} ({spread['at_min']} workers), "
              f"{spread['min_of_those_with_any']:>3} among those with any; "
              f"max {spread['max']:>3}; widest within a base "
              f"{spread['widest_base_range_of_those_with_any']:>2}")  # fmt: skip
    doc = {"args": {k: str(v) for k, v in vars(args).items()},
           "weeks": [asdict(r) for r in rows], "ledger": held}  # fmt: skip
    (args.out / "roster_chain.json").write_text(json.dumps(doc, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
