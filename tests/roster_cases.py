"""Tiny hand-made roster cases: one grid, 1-3 workers, a day and a night shift."""

from __future__ import annotations

import datetime as dt
from typing import Any

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
from planner.roster.problem import Cell, RosterProblem
from planner.roster.solve import RosterResult, solve_roster

WEEK = dt.date(2026, 12, 7)  # a Monday
DAYS = [WEEK + dt.timedelta(days=i) for i in range(7)]

SHIFTS = (
    ShiftType(id="MM", zh="早会", en="Meeting", kind=ShiftKind.MEETING,
              start=dt.time(8), end=dt.time(8, 30), paid_minutes=30),
    ShiftType(id="D", zh="日巡", en="Day", kind=ShiftKind.DAY_PATROL, start=dt.time(8),
              end=dt.time(17, 30), paid_minutes=480, includes_meeting=True),
    ShiftType(id="K", zh="坐班", en="Desk", kind=ShiftKind.DESK, start=dt.time(8),
              end=dt.time(17, 30), paid_minutes=480, includes_meeting=True),
    ShiftType(id="N", zh="夜巡", en="Night", kind=ShiftKind.NIGHT_PATROL, start=dt.time(20),
              end=dt.time(2), crosses_midnight=True, paid_minutes=360),
)  # fmt: skip

# Rules that would otherwise dominate a tiny case are off unless a test turns them on.
QUIET = {
    "fairness": RuleSetting(mode="off"),
    "desk_rotation": RuleSetting(mode="off"),
}


def worker(wid: str, *, joined: dt.date = dt.date(2015, 1, 1), **kw: Any) -> Worker:
    """A veteran inspector in grid G1 with the security skill, unless told otherwise."""
    data: dict[str, Any] = {
        "id": wid,
        "name": f"员工{wid}",
        "grid": "G1",
        "role": Role.INSPECTOR,
        "original_role": "security",
        "joined": joined,
        "weekly_hours": 40,
        "skills": (SkillGrant(skill="security", since=joined),),
    }
    data.update(kw)
    return Worker(**data)


def need(cid: str, shift: str, days: tuple[str, ...] = ("all",), **kw: Any) -> CoverRule:
    """A cover rule on grid G1."""
    return CoverRule(id=cid, scope="G1", shifts=(shift,), days=days, **kw)  # type: ignore[arg-type]


def scenario(
    workers: list[Worker],
    cover: list[CoverRule],
    *,
    rules: dict[str, RuleSetting] | None = None,
    labour: LabourRules | None = None,
    leave: list[Leave] | None = None,
    requests: list[Request] | None = None,
) -> Scenario:
    """A one-grid scenario with the given people, needs and rule settings."""
    return Scenario(
        info=ScenarioInfo(
            name="tiny", reference_date=WEEK - dt.timedelta(days=1), bbox=(113.6, 22.9, 113.7, 23.0)
        ),
        labour=labour or LabourRules(max_overtime_hours_week=8, max_undertime_hours_week=40),
        rules={**QUIET, **(rules or {})},
        skills=(Skill(code="security", zh="治安", en="Security"),),
        grids=(Grid(id="G1", name="一", base="B1", station_lat=22.95, station_lon=113.65),),
        shifts=SHIFTS,
        cover=tuple(cover),
        workers=tuple(workers),
        leave=tuple(leave or ()),
        requests=tuple(requests or ()),
    )


def solve(
    sc: Scenario,
    *,
    history: tuple[Cell, ...] = (),
    pins: tuple[Cell, ...] = (),
    previous: tuple[Cell, ...] = (),
    weeks: int = 1,
    lookahead: int = 0,
) -> RosterResult:
    """Solve to optimality on one thread with a fixed seed."""
    problem = RosterProblem(
        sc, WEEK, weeks, history=history, pins=pins, previous=previous, lookahead=lookahead
    )
    return solve_roster(problem, time_limit=20, seed=0, workers=1)


def soft(weight: int) -> RuleSetting:
    """A soft rule setting with this weight."""
    return RuleSetting(mode="soft", weight=weight)


def shifts_of(result: RosterResult, wid: str) -> dict[dt.date, str | None]:
    """Worker's shift per horizon day (None = off)."""
    cells = {c.date: c.shift_id for c in result.assignments if c.worker_id == wid}
    return {d: cells.get(d) for d in result.problem.days}
