"""Curtois & Qu nurse rostering instances, solved by planner's own rule catalogue.

Each instance is translated into a planner :class:`~planner.domain.Scenario` — shift
types with forbidden successions, workers with their own limits, days off as leave,
shift requests, one soft cover rule per (day, shift) — and solved by the same engine
as the Baotun rota. Every solution is re-scored by the independent checker.

    python benchmarks/curtois.py --instances ../shared/benchmarks/curtois --time-limit 60 --out OUT
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from planner._errors import PlannerError
from planner.checker import Assignment, check_rota
from planner.domain import (
    CoverRule,
    Grid,
    LabourRules,
    Leave,
    Request,
    Role,
    RuleSetting,
    Scenario,
    ScenarioInfo,
    ShiftKind,
    ShiftType,
    Skill,
    SkillGrant,
    Worker,
)
from planner.roster import DEFAULT_WORKERS
from planner.roster.problem import RosterProblem
from planner.roster.solve import RosterResult, solve_roster

START = dt.date(2024, 1, 1)  # a Monday: day 0 of every instance
HARD = RuleSetting(mode="hard")
OFF = RuleSetting(mode="off")
RULES = {
    "cover": RuleSetting(mode="soft", weight=1),  # each cover rule carries its own weights
    "requests": RuleSetting(mode="soft", weight=1),
    "leave": HARD,
    "forbidden_successions": HARD,
    "max_shifts_per_type": HARD,
    "total_minutes": HARD,
    "max_consecutive_days": HARD,
    "min_consecutive_days": HARD,
    "min_consecutive_days_off": HARD,
    "max_weekends": HARD,
    "pins": HARD,
    **{
        name: OFF
        for name in (
            "min_rest",
            "weekly_rest_days",
            "weekly_hours",
            "monthly_overtime",
            "max_nights",
            "night_eligibility",
            "desk_rotation",
            "pairing_old_new",
            "fairness",
            "stability",
        )
    },
}


def _sections(text: str) -> dict[str, list[list[str]]]:
    """Section tag → rows of comma-separated fields (comments and blank lines dropped)."""
    out: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            current = out.setdefault(line, [])
            continue
        if current is not None:
            current.append([f.strip() for f in line.split(",")])
    return out


def translate(path: Path) -> Scenario:
    """The instance as a planner scenario (see FORMAT.md beside the instances)."""
    sec = _sections(path.read_text(encoding="ascii"))
    horizon = int(sec["SECTION_HORIZON"][0][0])
    days = [START + dt.timedelta(days=i) for i in range(horizon)]
    shifts = tuple(
        ShiftType(
            id=row[0],
            zh=row[0],
            en=row[0],
            kind=ShiftKind.DAY_PATROL,
            start=dt.time(0, 0),
            end=(dt.datetime(2000, 1, 1) + dt.timedelta(minutes=int(row[1]))).time(),
            paid_minutes=int(row[1]),
            forbidden_next=tuple(t for t in row[2].split("|") if t) if len(row) > 2 else (),
        )
        for row in sec["SECTION_SHIFTS"]
    )
    skill = "nurse"
    workers = []
    for row in sec["SECTION_STAFF"]:
        sid, max_shifts, max_min, min_min, max_c, min_c, min_off, max_we = row[:8]
        limits = dict(pair.split("=") for pair in max_shifts.split("|") if pair)
        workers.append(
            Worker(
                id=sid,
                name=sid,
                grid="G1",
                role=Role.INSPECTOR,
                original_role=skill,
                joined=dt.date(2000, 1, 1),
                weekly_hours=40,
                skills=(SkillGrant(skill=skill, since=dt.date(2000, 1, 1)),),
                max_shifts={k: int(v) for k, v in limits.items()},
                min_total_minutes=int(min_min),
                max_total_minutes=int(max_min),
                max_consecutive_days=int(max_c),
                min_consecutive_days=max(1, int(min_c)),
                min_consecutive_days_off=max(1, int(min_off)),
                max_weekends=int(max_we),
            )
        )
    leave = tuple(
        Leave(worker_id=row[0], start=days[int(d)], end=days[int(d)], kind="day_off")
        for row in sec.get("SECTION_DAYS_OFF", [])
        for d in row[1:]
        if d
    )
    requests = tuple(
        Request(worker_id=r[0], date=days[int(r[1])], kind=kind, shift_id=r[2], weight=int(r[3]))
        for tag, kind in (
            ("SECTION_SHIFT_ON_REQUESTS", "shift_on"),
            ("SECTION_SHIFT_OFF_REQUESTS", "shift_off"),
        )
        for r in sec.get(tag, [])
    )
    cover = tuple(
        CoverRule(
            id=f"d{r[0]}-{r[1]}",
            scope="G1",
            shifts=(r[1],),
            dates=(days[int(r[0])],),
            min=int(r[2]),
            max=int(r[2]),
            weight=int(r[3]),
            weight_over=int(r[4]),
        )
        for r in sec["SECTION_COVER"]
    )
    return Scenario(
        info=ScenarioInfo(
            name=path.stem, reference_date=START - dt.timedelta(days=1), bbox=(0, 0, 1, 1)
        ),
        labour=LabourRules(max_consecutive_days=31),
        rules=RULES,
        skills=(Skill(code=skill, zh="护士", en="Nurse"),),
        grids=(Grid(id="G1", name="ward", base="B1", station_lat=0, station_lon=0),),
        shifts=shifts,
        cover=cover,
        workers=tuple(workers),
        leave=leave,
        requests=requests,
    )


@dataclass(frozen=True)
class Row:
    """One line of the benchmark table."""

    instance: str
    objective: int | None
    bound: int | None
    best_known: int | None
    seconds: float
    status: str
    checker_ok: bool | None
    checker_objective: int | None

    @property
    def gap(self) -> float | None:
        """Relative distance of our objective above the best known value."""
        if self.objective is None or not self.best_known:
            return None
        return (self.objective - self.best_known) / self.best_known


def _best_known(folder: Path) -> dict[str, int]:
    table = folder / "best_known.csv"
    if not table.is_file():
        return {}
    with table.open(encoding="utf-8") as fh:
        return {r["instance"]: int(r["best_known_upper_bound"]) for r in csv.DictReader(fh)}


def write_solution(result: RosterResult, path: Path) -> None:
    """``employee id, shift or empty per day`` — the instance's own ids."""
    cells = {(c.worker_id, c.date): c.shift_id or "" for c in result.assignments}
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        for worker in result.problem.workers:
            out.writerow([worker.id, *[cells.get((worker.id, d), "") for d in result.problem.days]])


def run_instance(path: Path, time_limit: float, seed: int, workers: int, out: Path) -> Row:
    """Translate, solve, write the solution, and re-score it independently."""
    scenario = translate(path)
    horizon = max(c.dates[0] for c in scenario.cover) - START
    problem = RosterProblem(scenario, START, weeks=(horizon.days + 1) // 7)
    started = time.monotonic()
    try:
        result = solve_roster(problem, time_limit=time_limit, seed=seed, workers=workers)
    except PlannerError as exc:  # a benchmark row records an infeasible or timed-out run
        return Row(path.stem, None, None, None, time.monotonic() - started, type(exc).__name__,
                   None, None)  # fmt: skip
    seconds = time.monotonic() - started
    write_solution(result, out / f"{path.stem}.csv")
    rota = [Assignment(c.date, c.worker_id, c.shift_id or "") for c in result.assignments]
    report = check_rota(scenario, rota, week=START, weeks=problem.weeks)
    return Row(path.stem, result.objective, result.bound, None, seconds, result.status,
               report.ok, report.objective)  # fmt: skip


def _instance_key(path: Path) -> tuple[int, str]:
    match = re.search(r"(\d+)$", path.stem)
    return (int(match.group(1)) if match else 0, path.stem)


def main(argv: list[str] | None = None) -> int:
    """Run every InstanceN.txt in the folder; print the table and write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", required=True, type=Path)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    parser.add_argument("--only", nargs="*", help="instance names, e.g. Instance1 Instance5")
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    known = _best_known(args.instances)
    files = sorted(args.instances.glob("Instance*.txt"), key=_instance_key)
    if args.only:
        files = [f for f in files if f.stem in set(args.only)]
    print(
        f"{'instance':<11} {'objective':>9} {'bound':>7} {'best':>6} {'gap':>8} {'sec':>6}"
        "  status  checker"
    )
    rows = []
    for path in files:
        row = run_instance(path, args.time_limit, args.seed, args.workers, args.out)
        row = Row(**{**row.__dict__, "best_known": known.get(path.stem)})
        rows.append(row)
        gap = f"{row.gap:+.2%}" if row.gap is not None else "-"
        checker = "-" if row.checker_ok is None else (
            "ok" if row.checker_ok and row.checker_objective == row.objective else "MISMATCH"
        )  # fmt: skip
        print(
            f"{row.instance:<11} {row.objective if row.objective is not None else '-':>9} "
            f"{row.bound if row.bound is not None else '-':>7} {row.best_known or '-':>6} "
            f"{gap:>8} {row.seconds:6.1f}  {row.status:<7} {checker}",
            flush=True,
        )
    gaps = [r.gap for r in rows if r.gap is not None]
    if gaps:
        print(f"mean gap {sum(gaps) / len(gaps):+.2%} over {len(gaps)} instances")
    doc = {
        "time_limit": args.time_limit,
        "seed": args.seed,
        "workers": args.workers,
        "rows": [{**r.__dict__, "gap": r.gap} for r in rows],
    }
    (args.out / "curtois.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
