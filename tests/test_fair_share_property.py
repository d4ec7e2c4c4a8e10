"""fair_share three ways on random rotas: the CP-SAT model with the rota pinned, the
independent checker, and the definition of docs/rules.md written out here. Random
histories, leave, skills granted mid-horizon, holidays and cover rules with a maximum of 0
of every scope, role, skill, days or dates, and listed shifts (the meeting among them)."""

from __future__ import annotations

import datetime as dt
import random

from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from planner.checker import Assignment, check_rota
from planner.domain import (
    Calendar,
    CoverRule,
    DatedName,
    Grid,
    Leave,
    Role,
    Scenario,
    ShiftKind,
    SkillGrant,
)
from planner.roster.problem import Cell, RosterProblem
from planner.roster.rules import build_model
from tests.test_checker import MON, SHIFTS, only, scenario, worker

KIND = {s.id: s.kind for s in SHIFTS}
ASSIGNABLE = [s.id for s in SHIFTS if s.kind != ShiftKind.MEETING]
MEETING_SHIFTS = {s.id for s in SHIFTS if s.includes_meeting}
GRIDS = tuple(
    Grid(id=g, name=g, base=b, station_lat=22.5, station_lon=113.5)
    for g, b in (("G01", "B1"), ("G02", "B1"), ("G03", "B2"))
)


def random_case(rng: random.Random) -> tuple[Scenario, int, list[Assignment], list[Assignment]]:
    """A scenario, its weeks, a history and a rota, all drawn from ``rng``."""
    weeks = rng.choice([1, 1, 2])
    days = [MON + dt.timedelta(days=i) for i in range(7 * weeks)]
    workers = []
    for i in range(rng.randint(2, 8)):
        since = rng.choice([dt.date(2015, 1, 1), rng.choice(days)])
        skills = (SkillGrant(skill="fire", since=since),) if rng.random() < 0.6 else ()
        workers.append(
            worker(
                f"W{i}",
                grid=rng.choice([g.id for g in GRIDS]),
                role=rng.choice(list(Role)),
                night_eligible=rng.random() < 0.8,
                skills=skills,
            )
        )
    leave = []
    for w in workers:
        if rng.random() < 0.3:
            first = rng.randrange(len(days))
            last = rng.choice([rng.randrange(first, len(days)), len(days) - 1])
            start = days[0] - dt.timedelta(days=2) if rng.random() < 0.4 else days[first]
            leave.append(Leave(worker_id=w.id, start=start, end=days[last]))
    cover = []
    for k in range(rng.choice([0, 1, 2, 3])):
        extra: dict[str, object] = {}
        if rng.random() < 0.5:
            extra["role"] = rng.choice(list(Role))
        if rng.random() < 0.3:
            extra["skill"] = "fire"
        if rng.random() < 0.3:
            extra["dates"] = tuple(rng.sample(days, rng.randint(1, len(days))))
        else:
            extra["days"] = tuple(rng.sample(["all", "workday", "restday", "sat"], 1))
        shifts = rng.choice([("N",), ("N", "S"), ("K",), ("MM",), ("S",), ("D", "N", "K", "S")])
        scope = rng.choice(["G01", "B1", "B2", "*"])
        cover.append(
            CoverRule.model_validate(
                {"id": f"c{k}", "scope": scope, "shifts": shifts, "max": 0, **extra}
            )
        )
    holidays = tuple(DatedName(date=d, name="h") for d in rng.sample(days, rng.randint(0, 2)))
    rules = only("fair_share", "soft", rng.randint(1, 3))
    rules.pop("one_shift_per_day")  # the solver's model has one shift a day
    sc = scenario(
        rules,
        tuple(workers),
        cover=tuple(cover),
        leave=tuple(leave),
        calendar=Calendar(holidays=holidays),
        grids=GRIDS,
    )
    history = [
        Assignment(MON - dt.timedelta(days=j), w.id, rng.choice(ASSIGNABLE))
        for w in workers
        for j in range(1, rng.choice([0, 7, 30]) + 1)
        if rng.random() < 0.5
    ]
    rota = [
        Assignment(d, w.id, sid)
        for w in workers
        for d in days
        if (sid := rng.choice([None, None, *ASSIGNABLE])) is not None
    ]
    return sc, weeks, history, rota


def by_definition(
    sc: Scenario, weeks: int, history: list[Assignment], rota: list[Assignment]
) -> int:
    """docs/rules.md's fair_share, literally."""
    days = [MON + dt.timedelta(days=i) for i in range(7 * weeks)]
    cal = sc.calendar

    def away(wid: str) -> bool:
        return all(any(lv.worker_id == wid and lv.covers(d) for lv in sc.leave) for d in days)

    def kept_off(w: object, sid: str, day: dt.date) -> bool:
        for rule in sc.cover:
            listed = set(rule.shifts) | (MEETING_SHIFTS if "MM" in rule.shifts else set())
            if (
                rule.max == 0
                and rule.applies(day, cal)
                and sid in listed
                and w.grid in sc.scope_grids(rule.scope)  # type: ignore[attr-defined]
                and rule.role in (None, w.role)  # type: ignore[attr-defined]
                and (rule.skill is None or w.has_skill(rule.skill, day))  # type: ignore[attr-defined]
            ):
                return True
        return False

    categories = [
        (lambda s, d: KIND[s] == ShiftKind.NIGHT_PATROL, True),
        (lambda s, d: not cal.is_workday(d), False),
        (lambda s, d: KIND[s] == ShiftKind.STANDBY, False),
        (lambda s, d: KIND[s] == ShiftKind.DESK, False),
    ]
    units = 0
    for inside, nights in categories:
        cells = [(s, d) for d in days for s in ASSIGNABLE if inside(s, d)]
        pool = [
            w
            for w in sc.workers
            if not away(w.id)
            and (w.night_eligible or not nights)
            and not (cells and all(kept_off(w, s, d) for s, d in cells))
        ]
        if len(pool) < 2:
            continue
        counts = [
            sum(1 for a in [*history, *rota] if a.worker_id == w.id and inside(a.shift_id, a.date))
            for w in pool
        ]
        q = sum(counts) // len(counts)
        units += sum((c - q) * (c - q - 1) for c in counts)
    return units * sc.rule("fair_share").weight


def in_the_model(
    sc: Scenario, weeks: int, history: list[Assignment], rota: list[Assignment]
) -> int:
    """The CP-SAT model's fair_share penalty with every cell pinned to the rota."""
    problem = RosterProblem(
        sc, MON, weeks, history=tuple(Cell(a.date, a.worker_id, a.shift_id) for a in history)
    )
    ctx = build_model(problem)
    on = {(a.worker_id, a.date, a.shift_id) for a in rota}
    for (w, d, s), var in ctx.x.items():
        key = (problem.workers[w].id, problem.days[d], problem.shifts[s].id)
        ctx.model.add(var == int(key in on))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10
    assert solver.solve(ctx.model) == cp_model.OPTIMAL
    terms = ctx.penalties.get("fair_share", [])  # none when no pool has two workers
    return sum(weight * int(solver.value(e)) for weight, e in terms)


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_fair_share_agrees_three_ways(seed: int) -> None:
    sc, weeks, history, rota = random_case(random.Random(seed))
    report = check_rota(sc, rota, week=MON, weeks=weeks, history=history)
    expected = by_definition(sc, weeks, history, rota)
    assert report.penalties.get("fair_share", 0) == expected
    assert in_the_model(sc, weeks, history, rota) == expected
