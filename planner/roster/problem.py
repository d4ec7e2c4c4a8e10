"""The roster problem: a scenario cut to a planning horizon, with history, pins and a base rota.

Pure data derived from the scenario; no solver objects. Rules read it; the report reads it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

from planner.domain import RuleSetting, Scenario, ShiftKind, ShiftType, Worker


@dataclass(frozen=True)
class Cell:
    """One worker on one date with one shift (``shift_id`` None means a day off)."""

    date: dt.date
    worker_id: str
    shift_id: str | None
    grid: str | None = field(default=None, compare=False)
    """The grid the rota puts the worker in that day, when it says (rota.csv's ``grid``)."""


@dataclass(frozen=True)
class RosterProblem:
    """What the roster engine plans: who, which days, which shifts, and fixed context."""

    scenario: Scenario
    week: dt.date
    weeks: int = 1
    history: tuple[Cell, ...] = ()
    pins: tuple[Cell, ...] = ()
    previous: tuple[Cell, ...] = ()
    overrides: dict[str, RuleSetting] = field(default_factory=dict)
    lookahead: int = 0
    """Weeks after the horizon that the hard rules must still be able to staff from this
    rota (not planned, not scored, not written): a week-by-week rota then never leaves the
    next week without a rota (a dispatcher worked into the weekend before a week that
    needs them every workday)."""

    def rule(self, name: str) -> RuleSetting:
        """A rule's setting, with command-line overrides (e.g. --allow-unfilled) first."""
        return self.overrides.get(name) or self.scenario.rule(name)

    @cached_property
    def days(self) -> tuple[dt.date, ...]:
        """The horizon's dates in order."""
        return tuple(self.week + dt.timedelta(days=i) for i in range(7 * self.weeks))

    @cached_property
    def workers(self) -> tuple[Worker, ...]:
        """Workers in id order, so that models and outputs are deterministic."""
        return tuple(sorted(self.scenario.workers, key=lambda w: w.id))

    @cached_property
    def shifts(self) -> tuple[ShiftType, ...]:
        """Shifts that can be assigned (meetings are part of other shifts)."""
        return tuple(s for s in self.scenario.shifts if s.kind != ShiftKind.MEETING)

    @cached_property
    def base_of(self) -> dict[str, str]:
        """Grid id → base grid id."""
        return {g.id: g.base for g in self.scenario.grids}

    @cached_property
    def leave_days(self) -> frozenset[tuple[str, dt.date]]:
        """(worker id, date) of every horizon day of leave, built once for fast lookups."""
        return frozenset(
            (lv.worker_id, day) for lv in self.scenario.leave for day in self.days if lv.covers(day)
        )

    def on_leave(self, worker_id: str, day: dt.date) -> bool:
        """Whether the worker has leave on ``day`` (a horizon day)."""
        return (worker_id, day) in self.leave_days

    def on_leave_all_horizon(self, worker_id: str) -> bool:
        """Workers away for the whole horizon are left out of fairness spreads."""
        return all(self.on_leave(worker_id, d) for d in self.days)

    @cached_property
    def history_by_worker(self) -> dict[str, dict[dt.date, str]]:
        """History assignments before the horizon: worker → date → shift id."""
        out: dict[str, dict[dt.date, str]] = {}
        for cell in self.history:
            if cell.shift_id is not None and cell.date < self.week:
                out.setdefault(cell.worker_id, {})[cell.date] = cell.shift_id
        return out


def shift_interval(shift: ShiftType, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Start and end of ``shift`` worked on ``day`` (end on the next date if overnight)."""
    start = dt.datetime.combine(day, shift.start)
    return start, start + dt.timedelta(minutes=shift.length_minutes)


def week_of(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week."""
    return day - dt.timedelta(days=day.weekday())


def month_of_week(monday: dt.date) -> tuple[int, int]:
    """A week belongs to the month of its Thursday (ISO convention)."""
    thursday = monday + dt.timedelta(days=3)
    return thursday.year, thursday.month
