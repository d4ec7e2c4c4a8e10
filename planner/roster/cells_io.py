"""Reading the roster's inputs from disk: history and previous rotas, pinned cells."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from planner._errors import InputError, InputProblem
from planner.domain import Scenario, ShiftKind, plausible_date
from planner.roster.problem import Cell
from planner.scenario_io import Problems, not_a_file, read_csv_table

REQUIRED = ("date", "worker_id", "shift_id")


def _shift_problem(scenario: Scenario, shift_id: str) -> str:
    """What is wrong with a cell's shift id that no row may name."""
    if any(s.id == shift_id and s.kind == ShiftKind.MEETING for s in scenario.shifts):
        return f"{shift_id!r} is the meeting: it belongs to the shifts that include it, never a row"
    return f"unknown shift {shift_id!r}"


def read_cells(
    path: Path,
    scenario: Scenario,
    *,
    allow_off: bool = False,
    within: tuple[dt.date, dt.date] | None = None,
    before: dt.date | None = None,
    covering: tuple[dt.date, dt.date] | None = None,
) -> tuple[Cell, ...]:
    """Cells from a rota.csv (history, previous) or a pins file (empty shift = day off).

    ``within`` (first and last day) is the horizon a pin must fall in, ``before`` the
    day history must end before: a row outside is a wrong file or a typo, not a row to
    drop in silence. ``covering`` (first and last day) is for a previous rota: it is an
    earlier rota of those days, so one with no row among them is the wrong file (every
    cell of the new rota would count as a change).
    """
    problems = Problems()
    if (why := not_a_file(path)) is not None:
        raise InputError([InputProblem(str(path), None, None, why)])
    workers = {w.id for w in scenario.workers}
    grids = {g.id for g in scenario.grids}
    shifts = {s.id for s in scenario.shifts if s.kind != ShiftKind.MEETING}
    cells: list[Cell] = []
    seen: set[tuple[dt.date, str]] = set()
    table = read_csv_table(path, REQUIRED, lambda c: True, problems, name=str(path))
    if table.header is None or any(p.row == 1 for p in problems.items):
        raise InputError(problems.items)  # no header, or one without the columns: no rows
    needed = table.header.index("shift_id") + 1
    for number, row in table.rows:
        if table.widths[number] < needed:  # a short row is padded: it did not say "off"
            hint = "; leave it empty for a day off, but keep its comma" if allow_off else ""
            problems.add(
                str(path), number, "shift_id",
                f"the row has {table.widths[number]} cells and no shift_id{hint}",
            )  # fmt: skip
            continue
        try:
            day = dt.date.fromisoformat(row["date"])
            if day.isoformat() != row["date"]:  # 20261214 is ISO too, but not the format
                raise ValueError(row["date"])
        except ValueError:
            problems.add(
                str(path), number, "date", f"expected a date YYYY-MM-DD, got {row['date']!r}"
            )
            continue
        if (why := plausible_date(day)) is not None:
            problems.add(str(path), number, "date", why)
            continue
        if within is not None and not within[0] <= day <= within[1]:
            problems.add(
                str(path), number, "date",
                f"{day} is outside the rota's days, {within[0]} to {within[1]}",
            )  # fmt: skip
            continue
        if before is not None and day >= before:
            problems.add(
                str(path), number, "date",
                f"{day} is not before the planned week ({before}); history is the weeks before",
            )  # fmt: skip
            continue
        if row["worker_id"] not in workers:
            problems.add(str(path), number, "worker_id", f"unknown worker {row['worker_id']!r}")
            continue
        shift = row["shift_id"] or None
        if shift is None and not allow_off:
            problems.add(str(path), number, "shift_id", "a shift id is needed")
            continue
        if shift is not None and shift not in shifts:
            problems.add(str(path), number, "shift_id", _shift_problem(scenario, shift))
            continue
        key = (day, row["worker_id"])
        if key in seen:
            problems.add(
                str(path), number, "date", f"{row['worker_id']} already has a row for {day}"
            )
            continue
        seen.add(key)
        grid = row.get("grid") or None
        if grid is not None and grid not in grids:
            problems.add(str(path), number, "grid", f"unknown grid {grid!r}")
            continue
        cells.append(Cell(day, row["worker_id"], shift, grid))
    problems.raise_if_any()
    if covering is not None and not any(covering[0] <= c.date <= covering[1] for c in cells):
        dates = [c.date for c in cells]
        raise InputError([InputProblem(str(path), None, "date", _elsewhere(dates, covering))])
    return tuple(cells)


def _elsewhere(dates: list[dt.date], days: tuple[dt.date, dt.date]) -> str:
    """Why a previous rota with no row within the rota's days is refused."""
    runs = f"its rows run {min(dates)} to {max(dates)}" if dates else "it has no rows"
    return (
        f"no row falls within the rota's days, {days[0]} to {days[1]} ({runs}); "
        "a previous rota is an earlier rota of the same days"
    )
