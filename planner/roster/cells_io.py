"""Reading the roster's inputs from disk: history and previous rotas, pinned cells."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from planner._errors import InputError, InputProblem
from planner.domain import Scenario, ShiftKind
from planner.roster.problem import Cell
from planner.scenario_io import Problems, read_csv_rows


def read_cells(path: Path, scenario: Scenario, *, allow_off: bool = False) -> tuple[Cell, ...]:
    """Cells from a rota.csv (history, previous) or a pins file (empty shift = day off)."""
    problems = Problems()
    if not path.is_file():
        raise InputError([InputProblem(str(path), None, None, "file is missing")])
    workers = {w.id for w in scenario.workers}
    grids = {g.id for g in scenario.grids}
    shifts = {s.id for s in scenario.shifts if s.kind != ShiftKind.MEETING}
    cells: list[Cell] = []
    seen: set[tuple[dt.date, str]] = set()
    rows = read_csv_rows(path, ("date", "worker_id", "shift_id"), lambda c: True, problems)
    for number, row in rows:
        try:
            day = dt.date.fromisoformat(row["date"])
        except ValueError:
            problems.add(path.name, number, "date", f"expected YYYY-MM-DD, got {row['date']!r}")
            continue
        if row["worker_id"] not in workers:
            problems.add(path.name, number, "worker_id", f"unknown worker {row['worker_id']!r}")
            continue
        shift = row["shift_id"] or None
        if shift is None and not allow_off:
            problems.add(path.name, number, "shift_id", "a shift id is needed")
            continue
        if shift is not None and shift not in shifts:
            problems.add(path.name, number, "shift_id", f"unknown shift {shift!r}")
            continue
        key = (day, row["worker_id"])
        if key in seen:
            problems.add(
                path.name, number, "date", f"{row['worker_id']} already has a row for {day}"
            )
            continue
        seen.add(key)
        grid = row.get("grid") or None
        if grid is not None and grid not in grids:
            problems.add(path.name, number, "grid", f"unknown grid {grid!r}")
            continue
        cells.append(Cell(day, row["worker_id"], shift, grid))
    problems.raise_if_any()
    return tuple(cells)
