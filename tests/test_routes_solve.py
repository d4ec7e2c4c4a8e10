"""Solving a day's grids and the timed rows of routes.csv (planner/routes/solve.py).

The street graph, scenario helpers and leg lengths are those of ``test_routes_build``: a
star of streets around the G1 station (node 0), so walking down an arm and back costs twice
its farthest stop, and the optimum of a day is known by heart.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import networkx as nx
import pytest

from planner.domain import Risk
from planner.routes.backends import BACKENDS
from planner.routes.model import schedule
from planner.routes.report import routes_csv, summary, unserved_csv
from planner.routes.solve import DayRoutes, RouteRow, solve_day
from tests.test_routes_build import (
    BOTH_ON_PATROL,
    T0830,
    T1130,
    T1230,
    T1730,
    hours,
    overdue_by,
    plan_of,
    rota,
    scenario,
    shifts,
    site,
    street_graph,
    walk_seconds,
)

BACKEND_NAMES = sorted(BACKENDS)
LIMIT = {"pyvrp": 1.0, "ortools": 0.3}
"""PyVRP stops on convergence long before 1 s here; OR-Tools' search runs to its limit."""

# The 2-inspector day. W1 holds fire and security, W2 security only.
#   A on E2 (200 m, low), B on E3 (300 m, fire, medium), C on W2 (200 m, medium),
#   D on N2 (240 m, high, due today: optional), E on node 9 (1600 m, low, due today).
# Serving A..D walks the east, west and north arms once each: 2 x (300 + 200 + 240) = 1480 m
# however they are shared out. E is worth 3000 m but its round trip is 3200 m: dropped.
# Optimum = 1480 m + 3000 = 4480.
DAY_SITES = (
    site("A", 2),
    site("B", 3, skill="fire", risk=Risk.MEDIUM),
    site("C", 5, risk=Risk.MEDIUM),
    site("D", 7, risk=Risk.HIGH),
    site("E", 9),
)


def solve(*sites: Any, backend: str = "pyvrp", cells: Any = BOTH_ON_PATROL, **kw: Any) -> DayRoutes:
    plan = plan_of(scenario(*sites, **kw), cells)
    return solve_day(plan, backend=backend, time_limit=LIMIT[backend], seed=0)


def by_worker(rows: tuple[RouteRow, ...]) -> dict[str, list[RouteRow]]:
    out: dict[str, list[RouteRow]] = {}
    for r in rows:
        out.setdefault(r.worker_id, []).append(r)
    return out


def unserved(day: DayRoutes) -> dict[str, str]:
    return {u.stop.site.id: u.reason for u in day.unserved}


LENGTHS = dict(nx.all_pairs_dijkstra_path_length(street_graph(), weight="length"))


def check_rows_follow_the_spec(day: DayRoutes) -> None:
    """Every row against docs/routes.md, with leg lengths from networkx, not from planner."""
    sites = {s.site.id: s.site for g in day.plan.grids for s in g.stops}
    node = {"station:G1": 0}  # each stop's node: location i + 1 of its grid
    node |= {s.site.id: g.nodes[i + 1] for g in day.plan.grids for i, s in enumerate(g.stops)}
    for worker_id, rows in by_worker(day.rows).items():
        assert [r.seq for r in rows] == list(range(len(rows))), worker_id
        kinds = [r.kind for r in rows]
        assert kinds[0] == "start" and kinds[-1] == "end" and kinds.count("lunch") == 1
        assert set(kinds[1:-1]) <= {"visit", "lunch"}
        start = rows[0]
        assert (start.site_id, start.arrive, start.travel_m, start.travel_s) == (
            "station:G1", T0830, 0, 0,
        )  # fmt: skip
        assert start.service_start is None and start.depart >= start.arrive
        for prev, row in itertools.pairwise(rows):
            metres = round(LENGTHS[node[prev.site_id]][node[row.site_id]])
            assert (row.travel_m, row.travel_s) == (metres, walk_seconds(metres))
            assert row.arrive == prev.depart + row.travel_s
            if row.kind == "visit":
                site = sites[row.site_id]
                opens = [60 * (w.open.hour * 60 + w.open.minute) for w in site.opening_hours]
                closes = [60 * (w.close.hour * 60 + w.close.minute) for w in site.opening_hours]
                assert row.service_start == max(
                    [row.arrive] + [o for o in opens if o <= row.service_start]
                )
                assert row.depart == row.service_start + site.service_minutes * 60
                assert any(
                    o <= row.service_start and row.depart <= c
                    for o, c in zip(opens, closes, strict=True)
                )
            elif row.kind == "lunch":
                assert row.site_id == "station:G1"
                assert row.service_start == max(row.arrive, T1130) <= T1230
                assert row.depart == row.service_start + 5400
        end = rows[-1]
        assert (end.site_id, end.service_start, end.depart) == ("station:G1", None, end.arrive)
        assert end.arrive <= T1730


# ------------------------------------------------------------------ the 2-inspector day


@pytest.mark.parametrize("backend", BACKEND_NAMES)
def test_two_inspector_day_reaches_the_known_optimum(backend: str):
    day = solve(*DAY_SITES, backend=backend)
    assert day.backend == backend
    assert day.cost == 4480
    assert sum(r.travel_m for r in day.rows) == 1480
    assert sum(w.metres for w in day.workers) == 1480
    assert unserved(day) == {"E": "no_time"}
    served = {r.site_id: r.worker_id for r in day.rows if r.kind == "visit"}
    assert sorted(served) == ["A", "B", "C", "D"]
    assert served["B"] == "W1"  # the fire site: only W1 holds fire
    assert day.served == 4


@pytest.mark.parametrize("backend", BACKEND_NAMES)
def test_two_inspector_routes_are_feasible_and_rows_follow_the_spec(backend: str):
    day = solve(*DAY_SITES, backend=backend)
    (grid,) = day.plan.grids
    (solution,) = day.solutions
    for v, route in enumerate(solution.routes):
        timings = schedule(grid.problem, v, route)  # raises if infeasible
        rows = [r for r in day.rows if r.worker_id == grid.inspectors[v].worker_id]
        assert [(t.arrive, t.depart) for t in timings] == [(r.arrive, r.depart) for r in rows]
    assert sorted(by_worker(day.rows)) == ["W1", "W2"]
    check_rows_follow_the_spec(day)


def test_worker_day_accounts_for_travel_service_and_available_time():
    day = solve(*DAY_SITES)
    for w in day.workers:
        rows = [r for r in day.rows if r.worker_id == w.worker_id]
        visits = [r for r in rows if r.kind == "visit"]
        assert (w.grid, w.stops) == ("G1", len(visits))
        assert w.metres == sum(r.travel_m for r in rows)
        assert w.travel_s == sum(r.travel_s for r in rows)
        assert w.service_s == 900 * len(visits)
        assert w.available_s == T1730 - T0830 - 5400  # 7.5 h: the shift after the meeting


# ------------------------------------------------------------------ exact times


# One inspector, A on E1 (100 m) open 08:00-10:00, B on W2 (200 m) open 10:00-12:00, each
# 30 minutes: A must come first (its last start is 09:30, B's first 10:00), and B before
# lunch (B's last start is 11:30, lunch ends 13:00 at the earliest). E1 -> W2 is 300 m.
FORCED = (
    site("A", 1, service_minutes=30, opening_hours=hours("08:00-10:00"), risk=Risk.MEDIUM),
    site("B", 5, service_minutes=30, opening_hours=hours("10:00-12:00"), risk=Risk.MEDIUM),
)
FORCED_CSV = """\
worker_id,seq,site_id,arrive,depart,travel_m,date,grid,kind,travel_s,service_start
W1,0,station:G1,08:30:00,08:30:00,0,2026-12-08,G1,start,0,
W1,1,A,08:31:24,09:01:24,100,2026-12-08,G1,visit,84,08:31:24
W1,2,B,09:05:34,10:30:00,300,2026-12-08,G1,visit,250,10:00:00
W1,3,station:G1,10:32:47,13:00:00,200,2026-12-08,G1,lunch,167,11:30:00
W1,4,station:G1,13:00:00,13:00:00,0,2026-12-08,G1,end,0,
"""


@pytest.mark.parametrize("backend", BACKEND_NAMES)
def test_times_follow_the_spec_to_the_second(backend: str):
    day = solve(*FORCED, backend=backend, cells=rota(("W1", "D")))
    assert routes_csv(day.rows) == FORCED_CSV
    assert day.cost == 600
    assert unserved_csv(day.unserved) == ("site_id,grid,risk,mandatory,reason,name,overdue_days\n")


def test_the_route_leaves_the_station_as_late_as_the_first_stop_allows():
    late = site("A", 1, service_minutes=30, opening_hours=hours("09:00-10:00"))
    day = solve(late, cells=rota(("W1", "D")))
    start, visit = day.rows[:2]
    # leaving at 08:58:36 and walking 84 s reaches A as it opens: no waiting outside
    assert (start.arrive, start.depart) == (T0830, 9 * 3600 - 84)
    assert (visit.arrive, visit.service_start, visit.depart) == (32400, 32400, 34200)
    check_rows_follow_the_spec(day)


def test_an_inspector_with_nothing_to_do_only_takes_lunch():
    day = solve(site("A", 1), cells=BOTH_ON_PATROL)
    rows = by_worker(day.rows)
    idle = next(w for w, rs in rows.items() if not any(r.kind == "visit" for r in rs))
    assert [(r.kind, r.travel_m) for r in rows[idle]] == [("start", 0), ("lunch", 0), ("end", 0)]
    check_rows_follow_the_spec(day)


# ------------------------------------------------------------------ not enough time

# D 08:00-13:00 with the meeting: the route starts 08:30 and lunch must run 11:30-13:00,
# so three hours are left, enough for one 2-hour inspection but not two.
SHORT = shifts(day_end=dt.time(13))


@pytest.mark.parametrize("backend", BACKEND_NAMES)
def test_optional_stop_without_time_is_no_time(backend: str):
    must = site("M", 1, risk=Risk.HIGH, service_minutes=120, **overdue_by(2))
    may = site("O", 4, risk=Risk.MEDIUM, service_minutes=120)
    day = solve(must, may, backend=backend, cells=rota(("W1", "D")), shifts=SHORT)
    assert unserved(day) == {"O": "no_time"}
    assert [(r.site_id, r.kind) for r in day.rows] == [
        ("station:G1", "start"), ("M", "visit"), ("station:G1", "lunch"), ("station:G1", "end"),
    ]  # fmt: skip
    assert day.rows[2].service_start == T1130
    assert day.cost == 200 + 8000
    check_rows_follow_the_spec(day)


@pytest.mark.parametrize("backend", BACKEND_NAMES)
def test_mandatory_stop_without_time_is_reported_not_dropped_silently(backend: str):
    near = site("M1", 1, risk=Risk.HIGH, service_minutes=120, **overdue_by(2))
    far = site("M2", 5, risk=Risk.HIGH, service_minutes=120, **overdue_by(2))
    day = solve(near, far, backend=backend, cells=rota(("W1", "D")), shifts=SHORT)
    assert unserved(day) == {"M2": "mandatory_no_time"}  # M1 is the shorter walk
    assert day.cost == 200 + 1_000_000
    doc = summary(day)
    assert (doc["due"], doc["served"], doc["mandatory_due"], doc["mandatory_served"]) == (
        2, 1, 2, 1,
    )  # fmt: skip
    assert doc["unserved_by_reason"] == {"mandatory_no_time": 1}
    assert unserved_csv(day.unserved).splitlines()[1] == (
        "M2,G1,high,yes,mandatory_no_time,site M2,2"
    )


def test_reasons_set_aside_before_solving_are_kept():
    sites = (
        site("A", 1),
        site("F", 2, skill="fire"),
        site("X", 3, opening_hours=hours("19:00-21:00")),
        site("Z", 7, grid="G2"),
    )
    day = solve(*sites, cells=rota(("W2", "D")))
    assert unserved(day) == {"F": "no_skill", "X": "closed", "Z": "no_inspector"}
    assert [r.site_id for r in day.rows if r.kind == "visit"] == ["A"]
    assert summary(day)["unserved_by_reason"] == {"closed": 1, "no_inspector": 1, "no_skill": 1}


def test_a_grid_without_stops_still_gets_its_inspectors_rows():
    day = solve(site("Z", 7, grid="G2"), cells=BOTH_ON_PATROL)
    assert [(r.worker_id, r.kind) for r in day.rows] == [
        ("W1", "start"), ("W1", "lunch"), ("W1", "end"),
        ("W2", "start"), ("W2", "lunch"), ("W2", "end"),
    ]  # fmt: skip
    assert day.cost == 0


@pytest.mark.parametrize(
    "shift", [shifts(day_end=dt.time(12)), shifts(day_start=dt.time(13), includes_meeting=False)]
)
def test_a_half_day_shift_needs_no_lunch(shift: Any):
    day = solve(site("A", 1), cells=rota(("W1", "D")), shifts=shift)
    assert [r.kind for r in day.rows] == ["start", "visit", "end"]
    assert unserved(day) == {}


# ------------------------------------------------------------------ reproducibility


@pytest.mark.parametrize("backend", BACKEND_NAMES)
def test_same_seed_gives_the_same_routes(backend: str):
    first = solve(*DAY_SITES, backend=backend)
    again = solve(*DAY_SITES, backend=backend)
    assert routes_csv(first.rows) == routes_csv(again.rows)


def test_a_grid_the_solver_cannot_plan_keeps_its_inspectors_home(monkeypatch: Any):
    from planner._errors import NoSolutionError
    from planner.routes import solve as solve_module

    def no_plan(*args: Any, **kwargs: Any) -> Any:
        raise NoSolutionError("no plan within the time limit")

    monkeypatch.setattr(solve_module, "solve", no_plan)
    day = solve(*DAY_SITES)
    assert unserved(day) == dict.fromkeys("ABCDE", "no_solution")
    assert day.served == 0
    assert day.cost == sum(stop.prize for grid in day.plan.grids for stop in grid.stops)
    assert {r.kind for r in day.rows} == {"start", "end"}
    assert all(r.travel_m == 0 for r in day.rows)
