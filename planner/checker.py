"""The independent rota checker: every rule of ``docs/rules.md`` evaluated on a finished rota.

The solver (``planner/roster/``) and this module both implement the rule catalogue and
neither imports the other, so a rota the solver produced can be verified by a second,
separately written reading of the specification. Each rule is one small function named
after the rule (``_cover``, ``_min_rest`` ...) that returns its breaches as
:class:`Violation` objects carrying units; :func:`check_rota` then sorts them by the
rule's mode: hard breaches become violations, soft ones contribute weight x units to the
penalties, ``off`` rules are not evaluated.

Besides the rules, :func:`check_rota` verifies that the rota itself is consistent with
the scenario (known workers and shifts, names, grids, clock times, dates inside the
horizon); those findings are violations under the name :data:`FORMAT_RULE`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

from planner._errors import InputError, InputProblem
from planner.domain import (
    RULE_NAMES,
    CoverRule,
    Leave,
    Scenario,
    ShiftKind,
    ShiftType,
    Worker,
    plausible_date,
)
from planner.scenario_io import CsvTable, Problems, not_a_file, read_csv_table

ROTA_COLUMNS = ("date", "worker_id", "worker_name", "grid", "shift_id", "start", "end")
"""Columns of ``rota.csv``; history files need only the required ones."""
ROTA_REQUIRED = ("date", "worker_id", "shift_id")
PIN_COLUMNS = ("date", "worker_id", "shift_id")
FORMAT_RULE = "rota_format"
"""Name under which inconsistencies between a rota and its scenario are reported."""
ALWAYS_HARD = frozenset({"one_shift_per_day"})

DATE_FORMAT = "%Y-%m-%d"
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M"
_DAY = dt.timedelta(days=1)

Pin = tuple[dt.date, str, str | None]
"""(date, worker id, shift id or None for a pinned day off)."""


@dataclass(frozen=True)
class Assignment:
    """One cell of a rota: a worker on a shift on a date (the date the shift starts).

    The optional fields hold what ``rota.csv`` says besides the cell itself; they take
    no part in equality and are only used to verify the file against the scenario.
    """

    date: dt.date
    worker_id: str
    shift_id: str
    worker_name: str | None = field(default=None, compare=False)
    grid: str | None = field(default=None, compare=False)
    start: dt.datetime | None = field(default=None, compare=False)
    end: dt.datetime | None = field(default=None, compare=False)
    row: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Violation:
    """One breach of a rule, with the units it counts when the rule is soft."""

    rule: str
    message: str
    worker_id: str | None = None
    date: dt.date | None = None
    units: int = 1


@dataclass(frozen=True)
class CheckReport:
    """What :func:`check_rota` found.

    ``violations`` are breaches of hard rules (and rota format problems);
    ``penalties`` maps each soft rule to weight x units (0 when kept);
    ``soft_breaches`` are the breaches behind those penalties, for explanation.
    """

    violations: tuple[Violation, ...]
    penalties: dict[str, int]
    soft_breaches: tuple[Violation, ...] = ()

    @property
    def ok(self) -> bool:
        """No hard rule is broken and the rota is consistent with the scenario."""
        return not self.violations

    @property
    def objective(self) -> int:
        """The sum over soft rules of weight x units."""
        return sum(self.penalties.values())


# ---------------------------------------------------------------------------- reading


def _parse_cell(
    problems: Problems,
    file: str,
    row: int,
    column: str,
    text: str,
    fmt: str,
    what: str,
) -> dt.datetime | None:
    if not text:
        problems.add(file, row, column, f"{what} is required")
        return None
    try:
        parsed = dt.datetime.strptime(text, fmt)
        # 2026-12-3: strptime reads it, a reader may not (years padded, as strftime's are not)
        if parsed.strftime(fmt.replace("%Y", f"{parsed.year:04d}")) != text:
            raise ValueError(text)
    except ValueError:
        shape = fmt.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD")
        shape = shape.replace("%H", "HH").replace("%M", "MM")
        problems.add(file, row, column, f"expected {what} {shape}, got {text!r}")
        return None
    if (why := plausible_date(parsed.date())) is not None:
        problems.add(file, row, column, why)
        return None
    return parsed


def _read_table(
    path: Path, columns: Sequence[str], required: Sequence[str], *, any_column: bool = False
) -> tuple[Problems, CsvTable]:
    """The file's table, its row problems to add to; stops at once on header problems."""
    path = Path(path)
    if (why := not_a_file(path)) is not None:
        raise InputError([InputProblem(str(path), None, None, why)])
    problems = Problems()
    table = read_csv_table(
        path, required, lambda c: any_column or c in columns, problems, name=str(path)
    )
    if table.header is None or any(p.row in (None, 1) for p in problems.items):
        problems.raise_if_any()  # header problems make every row meaningless
    return problems, table


def read_rota(path: Path, *, as_input: bool = False) -> list[Assignment]:
    """Read a ``rota.csv`` (or a history file with just ``date,worker_id,shift_id``).

    Every malformed cell is reported at once in an :class:`InputError` naming the file,
    the row (the header is row 1) and the column. Whether the rows agree with a scenario
    is :func:`check_rota`'s business, not this function's. ``as_input`` reads a rota fed
    to the check (history) as ``planner roster`` does: other columns, ``start`` and
    ``end`` among them, are ignored rather than checked.
    """
    file = str(path)
    problems, table = _read_table(Path(path), ROTA_COLUMNS, ROTA_REQUIRED, any_column=as_input)
    out: list[Assignment] = []
    for number, row in table.rows:
        day = _parse_cell(problems, file, number, "date", row["date"], DATE_FORMAT, "a date")
        worker_id = row["worker_id"]
        shift_id = row["shift_id"]
        if not worker_id:
            problems.add(file, number, "worker_id", "worker_id is required")
        if not shift_id:
            problems.add(file, number, "shift_id", "shift_id is required (days off have no row)")
        times: dict[str, dt.datetime | None] = {}
        for column in ("start", "end"):
            text = "" if as_input else row.get(column, "")
            times[column] = (
                _parse_cell(problems, file, number, column, text, TIMESTAMP_FORMAT, "a time")
                if text
                else None
            )
        if day is None or not worker_id or not shift_id:
            continue
        out.append(
            Assignment(
                date=day.date(),
                worker_id=worker_id,
                shift_id=shift_id,
                worker_name=row.get("worker_name") or None,
                grid=row.get("grid") or None,
                start=times["start"],
                end=times["end"],
                row=number,
            )
        )
    problems.raise_if_any()
    return out


def _no_meetings(scenario: Scenario) -> set[str]:
    """Shift ids a history or pin row may name: meetings are never assigned on their own."""
    return {s.id for s in scenario.shifts if s.kind != ShiftKind.MEETING}


def _shift_problem(scenario: Scenario, shift_id: str) -> str:
    """What is wrong with a history or pin row's shift id."""
    if any(s.id == shift_id and s.kind == ShiftKind.MEETING for s in scenario.shifts):
        return f"{shift_id!r} is the meeting: it belongs to the shifts that include it, never a row"
    return f"unknown shift {shift_id!r}"


def read_history(
    path: Path,
    scenario: Scenario,
    before: dt.date | None = None,
    covering: tuple[dt.date, dt.date] | None = None,
) -> list[Assignment]:
    """A history file (or a ``--previous`` rota, with ``covering`` for ``before``) read
    as :func:`read_rota` does, its rows checked against the scenario.

    History is input to the check, not what is checked: a worker, grid or shift the
    scenario does not know, a second row for one worker and day, or a row on or after
    ``before`` (the horizon's first day) is bad input, as ``planner roster`` says, not a
    violation; so is a previous rota without a row within ``covering`` (the rota's first
    and last day), as ``planner roster`` refuses it: an earlier rota of other days.
    """
    rota = read_rota(path, as_input=True)
    file = str(path)
    problems = Problems()
    workers = {w.id for w in scenario.workers}
    grids = {g.id for g in scenario.grids}
    shifts = _no_meetings(scenario)
    seen: set[tuple[dt.date, str]] = set()
    for a in rota:
        found = len(problems.items)
        if before is not None and a.date >= before:
            problems.add(
                file, a.row, "date",
                f"{a.date} is not before the planned week ({before}); history is the weeks before",
            )  # fmt: skip
        if a.worker_id not in workers:
            problems.add(file, a.row, "worker_id", f"unknown worker {a.worker_id!r}")
        if a.grid is not None and a.grid not in grids:
            problems.add(file, a.row, "grid", f"unknown grid {a.grid!r}")
        if a.shift_id not in shifts:
            problems.add(file, a.row, "shift_id", _shift_problem(scenario, a.shift_id))
        if len(problems.items) > found:
            continue  # a bad row is not the first row of its day
        if (a.date, a.worker_id) in seen:
            problems.add(file, a.row, "date", f"{a.worker_id} already has a row for {a.date}")
        seen.add((a.date, a.worker_id))
    problems.raise_if_any()
    if covering is not None and not any(covering[0] <= a.date <= covering[1] for a in rota):
        dates = [a.date for a in rota]
        runs = f"its rows run {min(dates)} to {max(dates)}" if dates else "it has no rows"
        problems.add(
            file, None, "date",
            f"no row falls within the rota's days, {covering[0]} to {covering[1]} ({runs}); "
            "a previous rota is an earlier rota of the same days",
        )  # fmt: skip
        problems.raise_if_any()
    return rota


def read_pins(
    path: Path,
    scenario: Scenario | None = None,
    within: tuple[dt.date, dt.date] | None = None,
) -> list[Pin]:
    """Read a pins file ``date,worker_id,shift_id``; an empty shift_id pins a day off.

    A row must keep the comma before an empty shift_id: a short row did not say "off".
    With a scenario, unknown workers and shifts are bad input rather than broken pins;
    with ``within`` (first and last day) so is a pin outside the rota's days. Two pins
    for one worker and day are bad input too: no rota could keep both.
    """
    file = str(path)
    problems, table = _read_table(Path(path), PIN_COLUMNS, PIN_COLUMNS, any_column=True)
    assert table.header is not None  # else _read_table raised
    needed = table.header.index("shift_id") + 1
    out: list[Pin] = []
    workers = {w.id for w in scenario.workers} if scenario else None
    shifts = _no_meetings(scenario) if scenario else set()
    seen: set[tuple[dt.date, str]] = set()
    for number, row in table.rows:
        if table.widths.get(number, needed) < needed:
            problems.add(
                file, number, "shift_id",
                f"the row has {table.widths[number]} cells and no shift_id; leave it empty "
                "for a day off, but keep its comma",
            )  # fmt: skip
            continue
        day = _parse_cell(problems, file, number, "date", row["date"], DATE_FORMAT, "a date")
        worker_id = row["worker_id"]
        if not worker_id:
            problems.add(file, number, "worker_id", "worker_id is required")
        elif workers is not None and worker_id not in workers:
            problems.add(file, number, "worker_id", f"unknown worker {worker_id!r}")
            continue
        if scenario is not None and row["shift_id"] and row["shift_id"] not in shifts:
            problems.add(file, number, "shift_id", _shift_problem(scenario, row["shift_id"]))
            continue
        if day is None or not worker_id:
            continue
        date = day.date()
        if within is not None and not within[0] <= date <= within[1]:
            problems.add(
                file, number, "date",
                f"{date} is outside the rota's days, {within[0]} to {within[1]}",
            )  # fmt: skip
            continue
        if (date, worker_id) in seen:
            problems.add(file, number, "date", f"{worker_id} already has a pin for {date}")
            continue
        seen.add((date, worker_id))
        out.append((date, worker_id, row["shift_id"] or None))
    problems.raise_if_any()
    return out


# ---------------------------------------------------------------------------- context


def _exact(value: float) -> Fraction:
    """A float from a scenario file as the decimal the user wrote (38.4 is 38.4)."""
    return Fraction(repr(value))


def _hours(minutes: Fraction | int) -> str:
    """``390`` -> ``6 h 30 min``; non-whole minutes are rounded for display."""
    whole = round(minutes)
    sign = "-" if whole < 0 else ""
    h, m = divmod(abs(whole), 60)
    return f"{sign}{h} h" + (f" {m} min" if m else "")


def _started_hours(minutes: Fraction | int) -> int:
    """Units of a bound overrun: each started hour."""
    return math.ceil(Fraction(minutes) / 60)


class _Ctx:
    """The scenario, the horizon and the rota in the shapes the rules look things up by."""

    def __init__(
        self,
        scenario: Scenario,
        week: dt.date,
        weeks: int,
        rota: Sequence[Assignment],
        history: Sequence[Assignment],
        pins: Sequence[Pin],
        previous: Sequence[Assignment] | None,
    ) -> None:
        self.scenario = scenario
        self.labour = scenario.labour
        self.after = scenario.labour.experienced_after_days
        self.first = week
        self.days = tuple(week + i * _DAY for i in range(7 * weeks))
        self.last = self.days[-1]
        self.mondays = self.days[::7]
        self.shifts: dict[str, ShiftType] = {s.id: s for s in scenario.shifts}
        self.workers: dict[str, Worker] = {w.id: w for w in scenario.workers}
        self.bases = {g.id: g.base for g in scenario.grids}
        key = _assignment_key
        self.rota = sorted(rota, key=key)
        self.history = sorted(history, key=key)
        self.pins = pins
        self.previous = previous
        self.cells: dict[tuple[str, dt.date], list[Assignment]] = defaultdict(list)
        self.rota_of: dict[str, list[Assignment]] = defaultdict(list)
        self.all_of: dict[str, list[Assignment]] = defaultdict(list)
        for a in self.rota:
            self.cells[(a.worker_id, a.date)].append(a)
            self.rota_of[a.worker_id].append(a)
        for a in [*self.history, *self.rota]:
            self.all_of[a.worker_id].append(a)
        self.leave_of: dict[str, list[Leave]] = defaultdict(list)
        for lv in scenario.leave:
            self.leave_of[lv.worker_id].append(lv)

    def in_horizon(self, day: dt.date) -> bool:
        return self.first <= day <= self.last

    def shift(self, a: Assignment) -> ShiftType:
        return self.shifts[a.shift_id]

    def kind(self, a: Assignment) -> ShiftKind:
        return self.shifts[a.shift_id].kind

    def interval(self, a: Assignment) -> tuple[dt.datetime, dt.datetime]:
        return _interval(self.shift(a), a.date)

    def label(self, worker_id: str) -> str:
        worker = self.workers.get(worker_id)
        return f"{worker_id} ({worker.name})" if worker else worker_id

    def shift_ids(self, worker_id: str, day: dt.date) -> list[str]:
        return sorted(a.shift_id for a in self.cells.get((worker_id, day), ()))

    def works(self, worker_id: str, day: dt.date) -> bool:
        """Whether ``day`` is a working day of the worker: it has an assignment in the rota."""
        return bool(self.cells.get((worker_id, day)))

    def leave_on(self, worker_id: str, day: dt.date) -> Leave | None:
        return next((lv for lv in self.leave_of.get(worker_id, ()) if lv.covers(day)), None)

    def away_whole_horizon(self, worker_id: str) -> bool:
        return all(self.leave_on(worker_id, d) is not None for d in self.days)

    def week_of(self, monday: dt.date) -> tuple[dt.date, dt.date]:
        return monday, monday + 6 * _DAY


def _or_default(own: int | None, default: int) -> int:
    """A worker's own limit when set, else the labour default."""
    return default if own is None else own


def _runs(flags: Sequence[bool]) -> list[tuple[int, int]]:
    """Maximal runs of ``True`` in ``flags`` as (first index, last index)."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for i, flag in enumerate(flags):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            runs.append((start, i - 1))
            start = None
    if start is not None:
        runs.append((start, len(flags) - 1))
    return runs


def _assignment_key(a: Assignment) -> tuple[dt.date, str, str]:
    return (a.date, a.worker_id, a.shift_id)


def _interval(shift: ShiftType, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Start and end of ``shift`` on ``day``; overnight shifts end on the next date."""
    start = dt.datetime.combine(day, shift.start)
    end_day = day + _DAY if shift.crosses_midnight else day
    return start, dt.datetime.combine(end_day, shift.end)


def _monday(day: dt.date) -> dt.date:
    return day - day.weekday() * _DAY


def _join(ids: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


# ----------------------------------------------------------------------- rota format


def _rota_format(
    scenario: Scenario,
    rota: Sequence[Assignment],
    history: Sequence[Assignment],
    days: tuple[dt.date, dt.date],
) -> tuple[list[Violation], list[Assignment], list[Assignment]]:
    """Check the rota against the scenario; return the problems and the usable rows.

    Rows naming an unknown worker or shift, or dated outside the horizon, are reported
    and left out of every rule. History read from disk was vetted by
    :func:`read_history`; history handed in directly is only guarded: a known worker's
    row naming an unknown shift is reported (its times are unknown, so the
    sliding-window rules could not be evaluated honestly), rows of workers no longer in
    the scenario, and rows dated inside the horizon, are ignored.
    """
    first, last = days
    workers = {w.id: w for w in scenario.workers}
    shifts = {s.id: s for s in scenario.shifts}
    found: list[Violation] = []
    usable: list[Assignment] = []

    def report(a: Assignment, text: str) -> None:
        where = f"{a.worker_id} on {a.date}" + (f" (row {a.row})" if a.row else "")
        found.append(Violation(FORMAT_RULE, f"{where}: {text}", a.worker_id, a.date))

    for a in sorted(rota, key=_assignment_key):
        worker = workers.get(a.worker_id)
        shift = shifts.get(a.shift_id)
        if worker is None:
            report(a, f"unknown worker {a.worker_id!r}")
        else:
            if a.worker_name is not None and a.worker_name != worker.name:
                report(a, f"worker_name {a.worker_name!r} but the scenario says {worker.name!r}")
            if a.grid is not None and a.grid != worker.grid:
                report(a, f"grid {a.grid!r} but the worker belongs to {worker.grid!r}")
        if shift is None:
            report(a, f"unknown shift {a.shift_id!r}")
        else:
            if shift.kind == ShiftKind.MEETING:
                report(
                    a,
                    f"{shift.id} is a meeting; meetings are never assigned, they are part "
                    "of the shifts that include them",
                )
            start, end = _interval(shift, a.date)
            if a.start is not None and a.start != start:
                report(
                    a,
                    f"start {a.start:%Y-%m-%dT%H:%M} but {shift.id} starts {start:%Y-%m-%dT%H:%M}",
                )
            if a.end is not None and a.end != end:
                report(a, f"end {a.end:%Y-%m-%dT%H:%M} but {shift.id} ends {end:%Y-%m-%dT%H:%M}")
        inside = first <= a.date <= last
        if not inside:
            report(a, f"date outside the horizon {first}..{last}")
        if worker is not None and shift is not None and inside:
            usable.append(a)

    past: list[Assignment] = []
    for a in sorted(history, key=_assignment_key):
        if a.date >= first or a.worker_id not in workers:
            continue
        if a.shift_id not in shifts:
            where = f"history: {a.worker_id} on {a.date}" + (f" (row {a.row})" if a.row else "")
            found.append(
                Violation(
                    FORMAT_RULE,
                    f"{where}: unknown shift {a.shift_id!r}; the row is left out of the "
                    "rest, consecutive-day, overtime and fairness checks",
                    a.worker_id,
                    a.date,
                )
            )
            continue
        past.append(a)
    return found, usable, past


# ---------------------------------------------------------------------------- rules


def _listed(ctx: _Ctx, rule: CoverRule) -> set[str]:
    """The shift ids a cover rule counts: those it lists and, if it lists a meeting, every
    shift that includes the meeting."""
    listed = set(rule.shifts)
    if any(s in ctx.shifts and ctx.shifts[s].kind == ShiftKind.MEETING for s in rule.shifts):
        listed |= {s.id for s in ctx.scenario.shifts if s.includes_meeting}
    return listed


def _cover(ctx: _Ctx, rule: CoverRule) -> list[tuple[Violation, bool]]:
    """Head count, with skill/role and experienced heads, per cover rule and day.

    The rule applies on its ``dates`` if it lists any, else on the days its ``days``
    select. Each breach comes with whether it is an excess (charged at ``weight_over``
    when soft) rather than a shortage of heads or of experienced heads.
    """
    grids = set(ctx.scenario.scope_grids(rule.scope))
    listed = _listed(ctx, rule)
    extra = (f", skill {rule.skill}" if rule.skill else "") + (
        f", role {rule.role.value}" if rule.role else ""
    )
    found: list[tuple[Violation, bool]] = []
    for day in ctx.days:
        if not rule.applies(day, ctx.scenario.calendar):
            continue
        counted = [
            w
            for w in ctx.workers.values()
            if w.grid in grids
            and (rule.role is None or w.role == rule.role)
            and (rule.skill is None or w.has_skill(rule.skill, day))
            and any(a.shift_id in listed for a in ctx.cells.get((w.id, day), ()))
        ]
        n = len(counted)
        where = f"cover {rule.id} on {day} ({rule.scope}, shift {'/'.join(rule.shifts)}{extra})"
        if n < rule.min:
            found.append(
                (
                    Violation("cover", f"{where}: {n} of min {rule.min}", None, day, rule.min - n),
                    False,
                )
            )
        if rule.max is not None and n > rule.max:
            found.append(
                (
                    Violation("cover", f"{where}: {n} of max {rule.max}", None, day, n - rule.max),
                    True,
                )
            )
        experienced = sum(1 for w in counted if w.is_experienced(rule.skill, day, ctx.after))
        if experienced < rule.min_experienced:
            found.append(
                (
                    Violation(
                        "cover",
                        f"{where}: {experienced} experienced of min {rule.min_experienced}",
                        None,
                        day,
                        rule.min_experienced - experienced,
                    ),
                    False,
                )
            )
    return found


def _one_shift_per_day(ctx: _Ctx) -> list[Violation]:
    """At most one assignment per worker and date."""
    found = []
    for (worker_id, day), items in sorted(ctx.cells.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        if len(items) > 1:
            ids = ", ".join(a.shift_id for a in items)
            found.append(
                Violation(
                    "one_shift_per_day",
                    f"{ctx.label(worker_id)} has {len(items)} assignments on {day}: {ids}",
                    worker_id,
                    day,
                    len(items) - 1,
                )
            )
    return found


def _leave(ctx: _Ctx) -> list[Violation]:
    """No assignment on a day of leave; one unit per assignment."""
    found = []
    for a in ctx.rota:
        lv = ctx.leave_on(a.worker_id, a.date)
        if lv is not None:
            found.append(
                Violation(
                    "leave",
                    f"{ctx.label(a.worker_id)} is assigned {a.shift_id} on {a.date}, "
                    f"a day of {lv.kind} leave ({lv.start}..{lv.end})",
                    a.worker_id,
                    a.date,
                )
            )
    return found


def _min_rest(ctx: _Ctx) -> list[Violation]:
    """Rest between consecutive shifts (history included); pairs within history are skipped."""
    need = _exact(ctx.labour.min_rest_hours) * 60
    found = []
    for worker_id in ctx.workers:
        spans = sorted(
            ((*ctx.interval(a), a) for a in ctx.all_of.get(worker_id, ())),
            key=lambda t: (t[0], t[1], t[2].shift_id),
        )
        for (_, p_end, p), (q_start, _, q) in pairwise(spans):
            if p.date < ctx.first and q.date < ctx.first:
                continue
            rest = int((q_start - p_end).total_seconds() // 60)
            if rest >= need:
                continue
            before = f"{p.shift_id} on {p.date} (until {p_end:%Y-%m-%d %H:%M})"
            after = f"{q.shift_id} on {q.date} (from {q_start:%Y-%m-%d %H:%M})"
            if rest < 0:
                text = f"{ctx.label(worker_id)}: {before} overlaps {after}"
            else:
                text = f"{ctx.label(worker_id)} rests {_hours(rest)} between {before} and {after}"
            text += f"; min rest {_hours(need)}"
            found.append(Violation("min_rest", text, worker_id, q.date))
    return found


def _max_consecutive_days(ctx: _Ctx) -> list[Violation]:
    """Runs of working days (history included); a unit per horizon day beyond the maximum.

    A worker's own ``max_consecutive_days`` overrides the labour default.
    """
    found = []
    for worker_id, worker in ctx.workers.items():
        limit = _or_default(worker.max_consecutive_days, ctx.labour.max_consecutive_days)
        dates = sorted({a.date for a in ctx.all_of.get(worker_id, ())})
        runs: list[list[dt.date]] = []
        for day in dates:
            if runs and runs[-1][-1] + _DAY == day:
                runs[-1].append(day)
            else:
                runs.append([day])
        for run in runs:
            beyond = [d for d in run[limit:] if ctx.in_horizon(d)]
            if beyond:
                found.append(
                    Violation(
                        "max_consecutive_days",
                        f"{ctx.label(worker_id)} works {len(run)} consecutive days "
                        f"{run[0]}..{run[-1]} (max {limit})",
                        worker_id,
                        beyond[0],
                        len(beyond),
                    )
                )
    return found


def _weekly_rest_days(ctx: _Ctx) -> list[Violation]:
    """Days without assignment in each rota week; a unit per missing rest day."""
    need = ctx.labour.min_rest_days_per_week
    found = []
    for monday in ctx.mondays:
        first, last = ctx.week_of(monday)
        for worker_id in ctx.workers:
            worked = {a.date for a in ctx.rota_of.get(worker_id, ()) if first <= a.date <= last}
            rest = 7 - len(worked)
            if rest < need:
                found.append(
                    Violation(
                        "weekly_rest_days",
                        f"{ctx.label(worker_id)} has {rest} rest days in the week of "
                        f"{monday} (min {need})",
                        worker_id,
                        monday,
                        need - rest,
                    )
                )
    return found


def _weekly_hours(ctx: _Ctx) -> list[Violation]:
    """Paid minutes per rota week between the undertime and overtime bounds."""
    over = _exact(ctx.labour.max_overtime_hours_week) * 60
    under = _exact(ctx.labour.max_undertime_hours_week) * 60
    calendar = ctx.scenario.calendar
    found = []
    for monday in ctx.mondays:
        first, last = ctx.week_of(monday)
        week_days = [first + i * _DAY for i in range(7)]
        for worker_id, worker in ctx.workers.items():
            paid = sum(
                ctx.shift(a).paid_minutes
                for a in ctx.rota_of.get(worker_id, ())
                if first <= a.date <= last
            )
            contract = _exact(worker.weekly_hours) * 60
            leave_workdays = sum(
                1
                for d in week_days
                if calendar.is_workday(d) and ctx.leave_on(worker_id, d) is not None
            )
            upper = contract + over
            lower = max(Fraction(0), contract - under - contract / 5 * leave_workdays)
            who = f"{ctx.label(worker_id)} is paid {_hours(paid)} in the week of {monday}"
            if paid > upper:
                found.append(
                    Violation(
                        "weekly_hours",
                        f"{who}, above the max {_hours(upper)}",
                        worker_id,
                        monday,
                        _started_hours(paid - upper),
                    )
                )
            elif paid < lower:
                leave = f" ({leave_workdays} workdays of leave)" if leave_workdays else ""
                found.append(
                    Violation(
                        "weekly_hours",
                        f"{who}, below the min {_hours(lower)}{leave}",
                        worker_id,
                        monday,
                        _started_hours(lower - paid),
                    )
                )
    return found


def _monthly_overtime(ctx: _Ctx) -> list[Violation]:
    """Overtime of the weeks (by their Thursday) of each month the horizon touches."""
    cap = _exact(ctx.labour.max_overtime_hours_month) * 60
    months: dict[tuple[int, int], dt.date] = {}
    for monday in ctx.mondays:
        thursday = monday + 3 * _DAY
        months.setdefault((thursday.year, thursday.month), monday)
    found = []
    for worker_id, worker in ctx.workers.items():
        contract = _exact(worker.weekly_hours) * 60
        paid: dict[dt.date, int] = defaultdict(int)
        for a in ctx.all_of.get(worker_id, ()):
            paid[_monday(a.date)] += ctx.shift(a).paid_minutes
        for (year, month), first_monday in months.items():
            overtime = sum(
                (
                    max(Fraction(0), minutes - contract)
                    for monday, minutes in paid.items()
                    if (monday + 3 * _DAY).year == year and (monday + 3 * _DAY).month == month
                ),
                Fraction(0),
            )
            if overtime > cap:
                found.append(
                    Violation(
                        "monthly_overtime",
                        f"{ctx.label(worker_id)} has {_hours(overtime)} overtime in "
                        f"{year}-{month:02d} (max {_hours(cap)})",
                        worker_id,
                        first_monday,
                        _started_hours(overtime - cap),
                    )
                )
    return found


def _max_nights(ctx: _Ctx) -> list[Violation]:
    """Night patrols per worker and rota week; a unit per extra night."""
    limit = ctx.labour.max_nights_per_week
    found = []
    for monday in ctx.mondays:
        first, last = ctx.week_of(monday)
        for worker_id in ctx.workers:
            nights = sum(
                1
                for a in ctx.rota_of.get(worker_id, ())
                if first <= a.date <= last and ctx.kind(a) == ShiftKind.NIGHT_PATROL
            )
            if nights > limit:
                found.append(
                    Violation(
                        "max_nights",
                        f"{ctx.label(worker_id)} has {nights} night patrols in the week of "
                        f"{monday} (max {limit})",
                        worker_id,
                        monday,
                        nights - limit,
                    )
                )
    return found


def _night_eligibility(ctx: _Ctx) -> list[Violation]:
    """Night patrols only for night-eligible workers; a unit per assignment."""
    return [
        Violation(
            "night_eligibility",
            f"{ctx.label(a.worker_id)} is not night-eligible but is on night patrol "
            f"{a.shift_id} on {a.date}",
            a.worker_id,
            a.date,
        )
        for a in ctx.rota
        if ctx.kind(a) == ShiftKind.NIGHT_PATROL and not ctx.workers[a.worker_id].night_eligible
    ]


def _pairing_old_new(ctx: _Ctx) -> list[Violation]:
    """Each base grid's night patrol team has an experienced (by tenure) member."""
    found = []
    for day in ctx.days:
        teams: dict[str, list[Worker]] = defaultdict(list)
        for a in ctx.rota:
            if a.date == day and ctx.kind(a) == ShiftKind.NIGHT_PATROL:
                worker = ctx.workers[a.worker_id]
                team = teams[ctx.bases.get(worker.grid, worker.grid)]
                if worker not in team:
                    team.append(worker)
        for base, team in sorted(teams.items()):
            if not any(w.is_experienced(None, day, ctx.after) for w in team):
                found.append(
                    Violation(
                        "pairing_old_new",
                        f"night patrol of base {base} on {day}: "
                        f"{_join([w.id for w in team])} with no experienced worker "
                        f"({ctx.after} days' tenure)",
                        None,
                        day,
                    )
                )
    return found


def _spread(rule: str, what: str, counts: dict[str, int]) -> list[Violation]:
    """One breach of ``units = max - min`` over ``counts`` (none when even or empty)."""
    if not counts:
        return []
    low, high = min(counts.values()), max(counts.values())
    if high == low:
        return []
    lows = [w for w, n in counts.items() if n == low]
    highs = [w for w, n in counts.items() if n == high]
    return [
        Violation(
            rule,
            f"{what} range from {low} ({_join(lows, 3)}) to {high} ({_join(highs, 3)})",
            None,
            None,
            high - low,
        )
    ]


def _present(ctx: _Ctx) -> list[str]:
    """Workers not on leave for the whole horizon."""
    return [w for w in ctx.workers if not ctx.away_whole_horizon(w)]


def _unbarred(
    ctx: _Ctx, pool: list[str], in_category: Callable[[ShiftType, dt.date], bool]
) -> list[str]:
    """``pool`` without the workers a cover rule with a maximum of 0 keeps off every shift
    of the category on every day of the horizon (counts them there: a listed shift, a day
    it applies, the worker in its scope, of its role, holding its skill)."""
    assignable = [s for s in ctx.scenario.shifts if s.kind != ShiftKind.MEETING]
    options = [(s, d) for d in ctx.days for s in assignable if in_category(s, d)]
    zero = [
        (rule, _listed(ctx, rule), set(ctx.scenario.scope_grids(rule.scope)))
        for rule in ctx.scenario.cover
        if rule.max == 0
    ]

    def kept_off(worker: Worker, shift: ShiftType, day: dt.date) -> bool:
        return any(
            shift.id in listed
            and rule.applies(day, ctx.scenario.calendar)
            and worker.grid in grids
            and (rule.role is None or worker.role == rule.role)
            and (rule.skill is None or worker.has_skill(rule.skill, day))
            for rule, listed, grids in zero
        )

    if not options or not zero:
        return pool
    return [w for w in pool if not all(kept_off(ctx.workers[w], s, d) for s, d in options)]


def _desk_rotation(ctx: _Ctx) -> list[Violation]:
    """Spread of desk assignments in the horizon over workers not away all horizon."""
    counts = {
        w: sum(1 for a in ctx.rota_of.get(w, ()) if ctx.kind(a) == ShiftKind.DESK)
        for w in _present(ctx)
    }
    return _spread("desk_rotation", "desk assignments in the horizon", counts)


def _ledgers(ctx: _Ctx, *, unbarred: bool = False) -> list[tuple[str, dict[str, int]]]:
    """Per fairness category, each pool worker's count over history + horizon. The pools:
    the workers present in the horizon, for nights the night-eligible; with ``unbarred``
    not those a cover rule with a maximum of 0 keeps off the category (:func:`_unbarred`)."""
    calendar = ctx.scenario.calendar
    categories: list[tuple[str, Callable[[ShiftType, dt.date], bool], bool]] = [
        ("night patrols", lambda s, d: s.kind == ShiftKind.NIGHT_PATROL, True),
        ("rest-day shifts", lambda s, d: not calendar.is_workday(d), False),
        ("standby shifts", lambda s, d: s.kind == ShiftKind.STANDBY, False),
        ("desk shifts", lambda s, d: s.kind == ShiftKind.DESK, False),
    ]
    ledgers = []
    for what, in_category, nights in categories:
        pool = [w for w in _present(ctx) if not nights or ctx.workers[w].night_eligible]
        if unbarred:
            pool = _unbarred(ctx, pool, in_category)
        counts = {
            w: sum(1 for a in ctx.all_of.get(w, ()) if in_category(ctx.shift(a), a.date))
            for w in pool
        }
        ledgers.append((what, counts))
    return ledgers


def _fairness(ctx: _Ctx) -> list[Violation]:
    """Spreads (max − min) of the running ledger (history + horizon) in four categories."""
    found = []
    for what, counts in _ledgers(ctx):
        found += _spread("fairness", f"{what} (history + horizon)", counts)
    return found


def _fair_share(ctx: _Ctx) -> list[Violation]:
    """Each ledger count's distance from the even split: with q the total divided by the
    pool size, rounded down, a worker at q + d adds d(d − 1) (0 at q and q + 1)."""
    found = []
    for what, counts in _ledgers(ctx, unbarred=True):
        if len(counts) < 2:
            continue
        q = sum(counts.values()) // len(counts)
        away = {w: (n - q) * (n - q - 1) for w, n in counts.items()}
        units = sum(away.values())
        if units:
            worst = sorted(away, key=lambda w: (-away[w], w))
            found.append(
                Violation(
                    "fair_share",
                    f"{what} (history + horizon) away from the even split of {q} or "
                    f"{q + 1}: " + ", ".join(f"{w} {counts[w]}" for w in worst[:3] if away[w]),
                    None,
                    None,
                    units,
                )
            )
    return found


def _requests(ctx: _Ctx) -> list[Violation]:
    """Requests in the horizon that the rota does not meet; units are their weights."""
    found = []
    for r in ctx.scenario.requests:
        if not ctx.in_horizon(r.date):
            continue
        shifts = ctx.shift_ids(r.worker_id, r.date)
        if r.kind == "day_off":
            broken = bool(shifts)
        elif r.kind == "shift_on":
            broken = r.shift_id not in shifts
        else:
            broken = r.shift_id in shifts
        if broken:
            wish = r.kind + (f" {r.shift_id}" if r.shift_id else "")
            got = "/".join(shifts) or "nothing"
            found.append(
                Violation(
                    "requests",
                    f"{ctx.label(r.worker_id)} asked for {wish} on {r.date} "
                    f"(weight {r.weight}) but is assigned {got}",
                    r.worker_id,
                    r.date,
                    r.weight,
                )
            )
    return found


def _pins(ctx: _Ctx) -> list[Violation]:
    """Pinned cells (in the horizon) that the rota does not hold; a unit per pin."""
    found = []
    for day, worker_id, shift_id in ctx.pins:
        if not ctx.in_horizon(day):
            continue
        shifts = ctx.shift_ids(worker_id, day)
        if shifts == ([shift_id] if shift_id else []):
            continue
        unknown = "" if worker_id in ctx.workers else " (unknown worker)"
        found.append(
            Violation(
                "pins",
                f"{ctx.label(worker_id)}{unknown} is pinned to {shift_id or 'a day off'} on "
                f"{day} but is assigned {'/'.join(shifts) or 'nothing'}",
                worker_id,
                day,
            )
        )
    return found


def _stability(ctx: _Ctx) -> list[Violation]:
    """Cells (worker x horizon date) that differ from the previous rota."""
    if ctx.previous is None:
        return []
    before: dict[tuple[str, dt.date], list[str]] = defaultdict(list)
    for a in ctx.previous:
        before[(a.worker_id, a.date)].append(a.shift_id)
    found = []
    for day in ctx.days:
        for worker_id in ctx.workers:
            was = sorted(before.get((worker_id, day), ()))
            now = ctx.shift_ids(worker_id, day)
            if was != now:
                found.append(
                    Violation(
                        "stability",
                        f"{ctx.label(worker_id)} on {day}: {'/'.join(was) or 'off'} in the "
                        f"previous rota, now {'/'.join(now) or 'off'}",
                        worker_id,
                        day,
                    )
                )
    return found


def _forbidden_successions(ctx: _Ctx) -> list[Violation]:
    """Shift pairs on consecutive dates that ``forbidden_next`` rules out; a unit per pair.

    The later shift is in the horizon; the earlier one may be on history's last day.
    """
    found = []
    for worker_id in ctx.workers:
        on: dict[dt.date, list[Assignment]] = defaultdict(list)
        for a in ctx.all_of.get(worker_id, ()):
            on[a.date].append(a)
        for q in ctx.rota_of.get(worker_id, ()):
            for p in on.get(q.date - _DAY, ()):
                if q.shift_id in ctx.shift(p).forbidden_next:
                    found.append(
                        Violation(
                            "forbidden_successions",
                            f"{ctx.label(worker_id)} works {q.shift_id} on {q.date} after "
                            f"{p.shift_id} on {p.date}; {p.shift_id} may not be followed by "
                            f"{q.shift_id} the next day",
                            worker_id,
                            q.date,
                        )
                    )
    return found


def _max_shifts_per_type(ctx: _Ctx) -> list[Violation]:
    """Shifts of each type per worker over the horizon; a unit per extra shift."""
    found = []
    for worker_id, worker in ctx.workers.items():
        for shift_id, limit in worker.max_shifts.items():
            n = sum(1 for a in ctx.rota_of.get(worker_id, ()) if a.shift_id == shift_id)
            if n > limit:
                found.append(
                    Violation(
                        "max_shifts_per_type",
                        f"{ctx.label(worker_id)} has {n} {shift_id} shifts in the horizon "
                        f"(max {limit})",
                        worker_id,
                        None,
                        n - limit,
                    )
                )
    return found


def _total_minutes(ctx: _Ctx) -> list[Violation]:
    """Paid minutes per worker over the horizon within their bounds; units are started hours."""
    found = []
    for worker_id, worker in ctx.workers.items():
        paid = sum(ctx.shift(a).paid_minutes for a in ctx.rota_of.get(worker_id, ()))
        who = f"{ctx.label(worker_id)} is paid {_hours(paid)} in the horizon"
        high, low = worker.max_total_minutes, worker.min_total_minutes
        if high is not None and paid > high:
            found.append(
                Violation(
                    "total_minutes",
                    f"{who}, above the max {_hours(high)}",
                    worker_id,
                    None,
                    _started_hours(paid - high),
                )
            )
        if low is not None and paid < low:
            found.append(
                Violation(
                    "total_minutes",
                    f"{who}, below the min {_hours(low)}",
                    worker_id,
                    None,
                    _started_hours(low - paid),
                )
            )
    return found


def _short_inner_runs(
    ctx: _Ctx, rule: str, working: bool, limit_of: Callable[[Worker], int]
) -> list[Violation]:
    """Maximal runs of working days (or of days off) too short; a unit per run.

    Only runs strictly inside the horizon count: a run touching its first or last day is
    exempt, so history plays no part. A day is a working day when it has an assignment;
    every other day, leave included, is a day off.
    """
    found = []
    what = "consecutive days" if working else "consecutive days off"
    for worker_id, worker in ctx.workers.items():
        limit = limit_of(worker)
        if limit <= 1:
            continue
        flags = [ctx.works(worker_id, d) == working for d in ctx.days]
        for first, last in _runs(flags):
            length = last - first + 1
            if first == 0 or last == len(ctx.days) - 1 or length >= limit:
                continue
            found.append(
                Violation(
                    rule,
                    f"{ctx.label(worker_id)} has {length} {what} "
                    f"{ctx.days[first]}..{ctx.days[last]} (min {limit})",
                    worker_id,
                    ctx.days[first],
                )
            )
    return found


def _min_consecutive_days(ctx: _Ctx) -> list[Violation]:
    """Runs of working days inside the horizon at least the worker's (or labour) minimum."""
    default = ctx.labour.min_consecutive_days
    return _short_inner_runs(
        ctx,
        "min_consecutive_days",
        True,
        lambda w: _or_default(w.min_consecutive_days, default),
    )


def _min_consecutive_days_off(ctx: _Ctx) -> list[Violation]:
    """Runs of days off between two working days at least the minimum long."""
    default = ctx.labour.min_consecutive_days_off
    return _short_inner_runs(
        ctx,
        "min_consecutive_days_off",
        False,
        lambda w: _or_default(w.min_consecutive_days_off, default),
    )


def _max_weekends(ctx: _Ctx) -> list[Violation]:
    """Worked weekends (Saturday or Sunday of each rota week); a unit per extra weekend."""
    found = []
    for worker_id, worker in ctx.workers.items():
        limit = worker.max_weekends
        if limit is None:
            continue
        worked = [
            saturday
            for saturday in (monday + 5 * _DAY for monday in ctx.mondays)
            if ctx.works(worker_id, saturday) or ctx.works(worker_id, saturday + _DAY)
        ]
        if len(worked) > limit:
            found.append(
                Violation(
                    "max_weekends",
                    f"{ctx.label(worker_id)} works {len(worked)} weekends in the horizon "
                    f"(max {limit}): {_join([str(d) for d in worked])}",
                    worker_id,
                    worked[limit],
                    len(worked) - limit,
                )
            )
    return found


_RULES: dict[str, Callable[[_Ctx], list[Violation]]] = {
    "one_shift_per_day": _one_shift_per_day,
    "leave": _leave,
    "min_rest": _min_rest,
    "max_consecutive_days": _max_consecutive_days,
    "weekly_rest_days": _weekly_rest_days,
    "weekly_hours": _weekly_hours,
    "monthly_overtime": _monthly_overtime,
    "max_nights": _max_nights,
    "night_eligibility": _night_eligibility,
    "desk_rotation": _desk_rotation,
    "pairing_old_new": _pairing_old_new,
    "fairness": _fairness,
    "fair_share": _fair_share,
    "requests": _requests,
    "pins": _pins,
    "stability": _stability,
    "forbidden_successions": _forbidden_successions,
    "max_shifts_per_type": _max_shifts_per_type,
    "total_minutes": _total_minutes,
    "min_consecutive_days": _min_consecutive_days,
    "min_consecutive_days_off": _min_consecutive_days_off,
    "max_weekends": _max_weekends,
}
"""Every rule but ``cover`` (which is evaluated per cover rule, each with its own weight)."""


# ---------------------------------------------------------------------------- checking


def rota_horizon(
    scenario: Scenario, rota: Sequence[Assignment], week: dt.date | None, weeks: int | None
) -> tuple[dt.date, int]:
    """The given horizon, or the Monday of the rota's first date and enough weeks for its last."""
    dates = [a.date for a in rota]
    if week is None:
        week = _monday(min(dates)) if dates else scenario.info.default_week
    elif week.weekday() != 0:
        raise InputError([InputProblem("--week", None, None, f"{week} is not a Monday")])
    if weeks is None:
        last = max(dates, default=week)
        weeks = max(1, (last - week).days // 7 + 1)
    elif weeks < 1:
        raise InputError([InputProblem("--weeks", None, None, f"expected 1 or more, got {weeks}")])
    return week, weeks


def check_rota(
    scenario: Scenario,
    rota: Sequence[Assignment],
    week: dt.date | None = None,
    weeks: int | None = None,
    history: Sequence[Assignment] = (),
    pins: Sequence[Pin] = (),
    previous: Sequence[Assignment] | None = None,
) -> CheckReport:
    """Check ``rota`` against every rule of ``docs/rules.md`` as the scenario sets them.

    ``week``/``weeks`` give the horizon; by default it starts on the Monday of the
    rota's first date and spans enough weeks for its last. ``history`` holds assignments
    before the horizon (for rest, consecutive days, monthly overtime, fairness and
    forbidden successions),
    ``pins`` the dispatcher's pinned cells and ``previous`` the rota to stay close to.
    """
    week, weeks = rota_horizon(scenario, rota, week, weeks)
    last = week + (7 * weeks - 1) * _DAY
    violations, usable, past = _rota_format(scenario, rota, history, (week, last))
    ctx = _Ctx(scenario, week, weeks, usable, past, pins, previous)
    penalties: dict[str, int] = {}
    soft: list[Violation] = []
    for name in RULE_NAMES:
        setting = scenario.rule(name)
        mode = "hard" if name in ALWAYS_HARD else setting.mode
        if mode == "off":
            continue
        weighted: list[tuple[Violation, int]] = []
        if name == "cover":
            for rule in scenario.cover:
                weight = setting.weight if rule.weight is None else rule.weight
                over = weight if rule.weight_over is None else rule.weight_over
                weighted += [(v, over if excess else weight) for v, excess in _cover(ctx, rule)]
        else:
            weighted = [(v, setting.weight) for v in _RULES[name](ctx)]
        if mode == "hard":
            violations += [v for v, _ in weighted]
        else:
            soft += [v for v, _ in weighted]
            penalties[name] = sum(weight * v.units for v, weight in weighted)
    return CheckReport(tuple(violations), penalties, tuple(soft))
