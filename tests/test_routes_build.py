"""From a scenario, a rota and a street graph to routing problems (planner/routes/build.py).

Every case runs on one hand-made street graph: a star of streets around the G1 station
(node 0) on a 0.001° lattice in Baotun, with edge lengths set by hand, so every leg's metres
are known by heart (the lattice only matters for snapping):

                  7          N2: 240 m from the station
                  | 120
                  6          N1: 120 m
                  | 120
      5 --100-- 4 --100-- 0 --100-- 1 --100-- 2 --100-- 3
      W2 200 m  W1 100 m  | station  E1 100 m  E2 200 m  E3 300 m
                          8          S1: 90 m
                          | 1510
                          9          far: 1600 m (drawn 111 m below 8)

Walking at 1.2 m/s a leg of m metres takes ceil(m / 1.2) s: 100 -> 84, 200 -> 167,
240 -> 200, 300 -> 250, 400 -> 334. The day is Tuesday 2026-12-08, the scenario's
reference date the day before.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pytest

from planner._errors import InputError
from planner.domain import (
    Crs,
    Grid,
    InspectionSite,
    Risk,
    Role,
    RoutingSettings,
    Scenario,
    ScenarioInfo,
    ShiftKind,
    ShiftType,
    SiteKind,
    Skill,
    SkillGrant,
    TimeWindow,
    Worker,
)
from planner.roster.problem import Cell
from planner.routes.build import (
    DayPlan,
    GridDay,
    build_day,
    due_stops,
    inspectors_on,
    overdue_days,
    read_tasks,
    service_windows,
    stop_prize,
)
from planner.streets.coords import wgs84_to_gcj02
from planner.streets.matrix import snap

DAY = dt.date(2026, 12, 8)
REFERENCE = DAY - dt.timedelta(days=1)
ORIGIN = (22.950, 113.670)
STEP = 0.001
LATTICE = {  # node: (row, column); rows grow north, columns east
    0: (0, 0), 1: (0, 1), 2: (0, 2), 3: (0, 3), 4: (0, -1), 5: (0, -2),
    6: (1, 0), 7: (2, 0), 8: (-1, 0), 9: (-2, 0),
}  # fmt: skip
STREETS = [(0, 1, 100), (1, 2, 100), (2, 3, 100), (0, 4, 100), (4, 5, 100),
           (0, 6, 120), (6, 7, 120), (0, 8, 90), (8, 9, 1510)]  # fmt: skip
FROM_STATION = {0: 0, 1: 100, 2: 200, 3: 300, 4: 100, 5: 200, 6: 120, 7: 240, 8: 90, 9: 1600}

T0830, T1130, T1230, T1730 = 30600, 41400, 45000, 63000
"""Clock times in seconds since midnight."""


def street_graph() -> nx.MultiDiGraph:
    """The star of streets, each street an edge both ways (as osmnx builds walking graphs)."""
    graph = nx.MultiDiGraph(crs="epsg:4326")
    for node in LATTICE:
        lat, lon = at(node)
        graph.add_node(node, x=lon, y=lat)
    for u, v, length in STREETS:
        graph.add_edge(u, v, length=float(length))
        graph.add_edge(v, u, length=float(length))
    return graph


def at(node: int) -> tuple[float, float]:
    """WGS-84 (lat, lon) of a node."""
    row, col = LATTICE[node]
    return ORIGIN[0] + row * STEP, ORIGIN[1] + col * STEP


def walk_seconds(metres: int) -> int:
    """ceil(metres / 1.2) in whole numbers (1.2 is not exact in binary floating point)."""
    return -(-metres * 5 // 6)


def hours(text: str) -> tuple[TimeWindow, ...]:
    windows = (part.split("-") for part in text.split(";"))
    return tuple(TimeWindow(open=a, close=b) for a, b in windows)


def site(sid: str, node: int, **kw: Any) -> InspectionSite:
    """A low-risk security site on ``node``, 15 minutes, open 08:00-18:00, due today."""
    lat, lon = at(node)
    data: dict[str, Any] = {
        "id": sid,
        "name": f"site {sid}",
        "kind": SiteKind.SMALL_SHOP,
        "lat": lat,
        "lon": lon,
        "grid": "G1",
        "skill": "security",
        "service_minutes": 15,
        "opening_hours": hours("08:00-18:00"),
        "risk": Risk.LOW,
        "visit_interval_days": 7,
        "last_visit": DAY - dt.timedelta(days=7),
    }
    data.update(kw)
    return InspectionSite(**data)


def overdue_by(days: int, interval: int = 7) -> dict[str, Any]:
    """Fields of a site whose visit fell due ``days`` days before DAY."""
    return {"visit_interval_days": interval, "last_visit": DAY - dt.timedelta(days=interval + days)}


SINCE = dt.date(2020, 1, 1)


def inspector(wid: str, *skills: str, grid: str = "G1", **kw: Any) -> Worker:
    data: dict[str, Any] = {
        "id": wid,
        "name": f"worker {wid}",
        "grid": grid,
        "role": Role.INSPECTOR,
        "original_role": skills[0] if skills else "security",
        "joined": SINCE,
        "weekly_hours": 40,
        "skills": tuple(SkillGrant(skill=s, since=SINCE) for s in skills),
    }
    data.update(kw)
    return Worker(**data)


def shifts(
    *,
    meeting_end: dt.time = dt.time(8, 30),
    day_start: dt.time = dt.time(8),
    day_end: dt.time = dt.time(17, 30),
    includes_meeting: bool = True,
) -> tuple[ShiftType, ...]:
    """Baotun's pattern: D 08:00-17:30 includes the meeting MM 08:00-08:30; desk K; night N."""
    length = (day_end.hour * 60 + day_end.minute) - (day_start.hour * 60 + day_start.minute)
    return (
        ShiftType(id="MM", zh="早会", en="Meeting", kind=ShiftKind.MEETING, start=dt.time(8),
                  end=meeting_end, paid_minutes=30),
        ShiftType(id="D", zh="日巡", en="Day patrol", kind=ShiftKind.DAY_PATROL, start=day_start,
                  end=day_end, paid_minutes=min(480, length), includes_meeting=includes_meeting),
        ShiftType(id="K", zh="坐班", en="Desk", kind=ShiftKind.DESK, start=dt.time(8),
                  end=dt.time(17, 30), paid_minutes=480, includes_meeting=True),
        ShiftType(id="N", zh="夜巡", en="Night patrol", kind=ShiftKind.NIGHT_PATROL,
                  start=dt.time(20), end=dt.time(2), crosses_midnight=True, paid_minutes=360),
    )  # fmt: skip


WORKERS = (inspector("W1", "fire", "security"), inspector("W2", "security"))
"""W1 holds fire and security, W2 security only."""


def scenario(*sites: InspectionSite, **kw: Any) -> Scenario:
    """Grid G1 (station on node 0) and G2 (station on node 7), W1 and W2 inspectors of G1."""
    data: dict[str, Any] = {
        "info": ScenarioInfo(
            name="tiny routes", reference_date=REFERENCE, bbox=(113.66, 22.94, 113.68, 22.96)
        ),
        "skills": (
            Skill(code="security", zh="治安", en="Security"),
            Skill(code="fire", zh="消防", en="Fire"),
        ),
        "grids": (
            Grid(id="G1", name="一", base="B1", station_lat=at(0)[0], station_lon=at(0)[1]),
            Grid(id="G2", name="二", base="B1", station_lat=at(7)[0], station_lon=at(7)[1]),
        ),
        "shifts": shifts(),
        "workers": WORKERS,
        "sites": sites,
    }
    data.update(kw)
    return Scenario(**data)


def rota(*pairs: tuple[str, str], day: dt.date = DAY) -> list[Cell]:
    return [Cell(day, worker_id, shift_id) for worker_id, shift_id in pairs]


BOTH_ON_PATROL = rota(("W1", "D"), ("W2", "D"))


def plan_of(sc: Scenario, cells: list[Cell] = BOTH_ON_PATROL, **kw: Any) -> DayPlan:
    return build_day(sc, street_graph(), cells, DAY, "walk", **kw)


def only_grid(plan: DayPlan) -> GridDay:
    (grid,) = plan.grids
    return grid


def reasons(plan: DayPlan) -> dict[str, str]:
    return {u.stop.site.id: u.reason for u in plan.unserved}


# ------------------------------------------------------------------ which stops are due


def test_due_never_visited_today_overdue_and_not_yet():
    sites = [
        site("NEW", 1, last_visit=None),  # due since the reference date: 1 day overdue
        site("TODAY", 1, **overdue_by(0)),
        site("LATE", 1, **overdue_by(3)),
        site("MONTHLY", 1, **overdue_by(2, interval=30)),
        site("NOTYET", 1, **overdue_by(-1)),  # falls due tomorrow
    ]
    stops = due_stops(scenario(*sites), DAY)
    assert [(s.site.id, s.overdue_days) for s in stops] == [
        ("NEW", 1), ("TODAY", 0), ("LATE", 3), ("MONTHLY", 2),
    ]  # fmt: skip


def test_overdue_days_counts_from_last_visit_plus_interval():
    late = site("S", 1, last_visit=dt.date(2026, 11, 20), visit_interval_days=14)  # due 12-04
    assert overdue_days(late, DAY, REFERENCE) == 4
    assert overdue_days(late, dt.date(2026, 12, 4), REFERENCE) == 0
    assert overdue_days(late, dt.date(2026, 12, 3), REFERENCE) is None
    never = site("N", 1, last_visit=None)
    assert overdue_days(never, REFERENCE, REFERENCE) == 0
    assert overdue_days(never, DAY + dt.timedelta(days=5), REFERENCE) == 6


@pytest.mark.parametrize(
    ("risk", "overdue", "mandatory"),
    [
        (Risk.HIGH, 1, True),
        (Risk.HIGH, 9, True),
        (Risk.HIGH, 0, False),  # due today: not yet overdue
        (Risk.MEDIUM, 5, False),
        (Risk.LOW, 40, False),
    ],
)
def test_mandatory_is_high_risk_and_overdue(risk: Risk, overdue: int, mandatory: bool):
    (stop,) = due_stops(scenario(site("S", 1, risk=risk, **overdue_by(overdue))), DAY)
    assert (stop.overdue_days, stop.mandatory) == (overdue, mandatory)


def test_never_visited_high_risk_site_is_mandatory_after_the_reference_date():
    (stop,) = due_stops(scenario(site("S", 1, risk=Risk.HIGH, last_visit=None)), DAY)
    assert (stop.overdue_days, stop.mandatory, stop.prize) == (1, True, 1_000_000)


@pytest.mark.parametrize(
    ("risk", "overdue", "mandatory", "prize"),
    [
        (Risk.LOW, 0, False, 3_000),
        (Risk.MEDIUM, 0, False, 8_000),
        (Risk.HIGH, 0, False, 20_000),
        (Risk.LOW, 4, False, 5_000),
        (Risk.MEDIUM, 30, False, 23_000),
        (Risk.MEDIUM, 31, False, 23_000),  # capped at 30 days
        (Risk.LOW, 365, False, 18_000),
        (Risk.HIGH, 1, True, 1_000_000),
        (Risk.HIGH, 50, True, 1_000_000),
    ],
)
def test_drop_penalty(risk: Risk, overdue: int, mandatory: bool, prize: int):
    assert stop_prize(scenario(), risk, overdue, mandatory) == prize


def test_drop_penalties_reach_the_visits_prizes():
    sites = [
        site("LOW3", 1, **overdue_by(3)),
        site("MED0", 2, risk=Risk.MEDIUM, **overdue_by(0)),
        site("HIGH0", 4, risk=Risk.HIGH, **overdue_by(0)),
        site("HIGH2", 5, risk=Risk.HIGH, **overdue_by(2)),
    ]
    grid = only_grid(plan_of(scenario(*sites)))
    prizes = {v.name: (v.prize, v.required) for v in grid.problem.visits[: len(grid.stops)]}
    assert prizes == {
        "LOW3": (4_500, False),
        "MED0": (8_000, False),
        "HIGH0": (20_000, False),
        "HIGH2": (1_000_000, False),  # mandatory: a huge penalty, never a hard constraint
    }
    assert [s.mandatory for s in grid.stops] == [False, False, False, True]


# ------------------------------------------------------------------ snapping and legs


def test_gcj02_site_is_converted_before_snapping():
    gcj = wgs84_to_gcj02(*at(5))
    # taken as WGS-84 the point is 318 m from node 3, across the station from node 5
    (raw_node,), (raw_m,) = snap(street_graph(), [gcj[0]], [gcj[1]])
    assert (int(raw_node), round(float(raw_m))) == (3, 318)
    grid = only_grid(plan_of(scenario(site("G", 5, lat=gcj[0], lon=gcj[1], crs=Crs.GCJ02))))
    assert grid.nodes == (0, 5)
    (stop,) = grid.stops
    assert (stop.lat, stop.lon) == pytest.approx(at(5), abs=1e-7)
    assert grid.problem.distance[0, 1] == 200


def test_distance_and_duration_matrices_in_whole_metres_and_seconds():
    grid = only_grid(plan_of(scenario(site("A", 2), site("B", 5), site("C", 7))))
    assert grid.nodes == (0, 2, 5, 7)
    np.testing.assert_array_equal(
        grid.problem.distance,
        [[0, 200, 200, 240], [200, 0, 400, 440], [200, 400, 0, 440], [240, 440, 440, 0]],
    )
    np.testing.assert_array_equal(
        grid.problem.duration,
        [[0, 167, 167, 200], [167, 0, 334, 367], [167, 334, 0, 367], [200, 367, 367, 0]],
    )
    assert [v.location for v in grid.problem.visits] == [1, 2, 3, 0, 0]


def test_legs_from_the_station_are_the_shortest_paths_over_edge_length():
    sites = [site(f"S{n}", n) for n in range(1, 10)]
    grid = only_grid(plan_of(scenario(*sites)))
    assert grid.nodes == tuple(range(10))
    assert grid.problem.distance[0].tolist() == [FROM_STATION[n] for n in range(10)]
    assert grid.problem.duration[0].tolist() == [walk_seconds(FROM_STATION[n]) for n in range(10)]
    assert grid.problem.distance[3, 5] == grid.problem.distance[5, 3] == 500


def test_ebike_legs_take_metres_over_four():
    graph = street_graph()
    plan = build_day(scenario(site("A", 2), site("B", 9)), graph, BOTH_ON_PATROL, DAY, "ebike")
    grid = only_grid(plan)
    assert grid.problem.distance[0].tolist() == [0, 200, 1600]
    assert grid.problem.duration[0].tolist() == [0, 50, 400]


@pytest.mark.parametrize(("north_deg", "reachable"), [(0.004, True), (0.005, False)])
def test_a_site_more_than_500_m_from_the_streets_is_unreachable(north_deg: float, reachable):
    lat, lon = at(7)  # the northernmost node
    far = site("FAR", 7, lat=lat + north_deg, lon=lon)  # 445 m / 556 m north of it
    plan = plan_of(scenario(far, site("A", 1)))
    assert reasons(plan) == ({} if reachable else {"FAR": "unreachable"})
    assert [s.site.id for s in only_grid(plan).stops] == (["FAR", "A"] if reachable else ["A"])
    assert plan.due == 2


def test_max_snap_distance_comes_from_the_scenario():
    lat, lon = at(7)
    far = site("FAR", 7, lat=lat + 0.004, lon=lon)
    plan = plan_of(scenario(far, routing=RoutingSettings(max_snap_m=400)))
    assert reasons(plan) == {"FAR": "unreachable"}


# ------------------------------------------------------------------ set aside before solving


def test_no_inspector_when_nobody_is_on_day_patrol_in_the_grid():
    workers = (
        *WORKERS,
        inspector("W3", "security", grid="G2"),  # on desk duty
        inspector("W4", "security", grid="G2", role=Role.DISPATCHER),  # on D, not an inspector
        inspector("W5", "security", grid="G2"),  # on day patrol, but the day before
    )
    cells = [*BOTH_ON_PATROL, *rota(("W3", "K"), ("W4", "D")), *rota(("W5", "D"), day=REFERENCE)]
    sc = scenario(site("A", 1), site("B", 6, grid="G2"), workers=workers)
    plan = plan_of(sc, cells)
    assert reasons(plan) == {"B": "no_inspector"}
    assert [g.grid for g in plan.grids] == ["G1"]
    assert plan.due == 2


def test_no_inspector_for_a_grid_whose_inspectors_are_off():
    plan = plan_of(scenario(site("A", 1)), rota(("W1", "N")))
    assert reasons(plan) == {"A": "no_inspector"}
    assert plan.grids == ()


def test_no_skill_when_no_inspector_on_duty_holds_it():
    sc = scenario(site("F", 1, skill="fire"), site("A", 2))
    plan = plan_of(sc, rota(("W2", "D")))  # W1, the only one with fire, is off
    assert reasons(plan) == {"F": "no_skill"}
    assert [s.site.id for s in only_grid(plan).stops] == ["A"]


def test_a_skill_counts_from_the_day_it_is_granted():
    learner = inspector("W1", "security", skills=(
        SkillGrant(skill="security", since=SINCE), SkillGrant(skill="fire", since=DAY),
    ))  # fmt: skip
    late = inspector("W1", "security", skills=(
        SkillGrant(skill="security", since=SINCE),
        SkillGrant(skill="fire", since=DAY + dt.timedelta(days=1)),
    ))  # fmt: skip
    fire = site("F", 1, skill="fire")
    assert reasons(plan_of(scenario(fire, workers=(learner,)), rota(("W1", "D")))) == {}
    plan = plan_of(scenario(fire, workers=(late,)), rota(("W1", "D")))
    assert reasons(plan) == {"F": "no_skill"}


@pytest.mark.parametrize(
    ("opening", "service", "windows"),
    [
        ("18:00-21:00", 15, None),  # opens after the shift
        ("07:00-08:30", 15, None),  # closes when the route starts
        ("08:00-08:44", 15, None),  # 08:30 + 15 min is past 08:44
        ("08:00-08:45", 15, ((T0830, T0830),)),  # just fits
        ("17:15-20:00", 15, ((62100, 62100),)),  # ends exactly at the shift end
        ("17:16-20:00", 15, None),
        ("12:00-12:30;19:00-20:00", 45, None),  # neither interval holds 45 minutes
        ("08:00-12:00;13:30-18:00", 15, ((T0830, 42300), (48600, 62100))),
    ],
)
def test_closed_and_service_windows_clipped_to_the_shift(opening: str, service: int, windows):
    plan = plan_of(scenario(site("S", 1, opening_hours=hours(opening), service_minutes=service)))
    if windows is None:
        assert reasons(plan) == {"S": "closed"}
        assert only_grid(plan).stops == ()
    else:
        assert reasons(plan) == {}
        assert only_grid(plan).problem.visits[0].windows == windows


def test_service_windows_are_opening_minus_service_within_the_day():
    opening = hours("07:00-09:00;10:00-10:10;16:00-20:00")
    assert service_windows(opening, 600, T0830, T1730) == (
        (T0830, 9 * 3600 - 600),
        (10 * 3600, 10 * 3600),
        (16 * 3600, T1730 - 600),
    )


def test_service_windows_use_the_widest_shift_of_the_inspectors_allowed():
    # W1 (fire) starts at 08:00 without the meeting; W2 would start at 08:30
    early = shifts(includes_meeting=False)[1].model_copy(update={"id": "E"})
    sc = scenario(site("F", 1, skill="fire", opening_hours=hours("08:00-09:00")),
                  site("A", 2, opening_hours=hours("08:00-09:00")),
                  shifts=(*shifts(), early))  # fmt: skip
    grid = only_grid(plan_of(sc, rota(("W1", "E"), ("W2", "D"))))
    assert [v.windows for v in grid.problem.visits[:2]] == [((28800, 8 * 3600 + 2700),)] * 2


# ------------------------------------------------------------------ inspectors and lunch


def test_route_window_starts_after_the_meeting_and_ends_with_the_shift():
    grid = only_grid(plan_of(scenario(site("A", 1))))
    assert [(v.name, v.start, v.end, v.shift_start, v.shift_end)
            for v in grid.problem.vehicles] == [
        ("W1", 0, 0, T0830, T1730), ("W2", 0, 0, T0830, T1730),
    ]  # fmt: skip
    assert [(i.worker_id, i.start, i.end, i.skills) for i in grid.inspectors] == [
        ("W1", T0830, T1730, frozenset({"fire", "security"})),
        ("W2", T0830, T1730, frozenset({"security"})),
    ]


@pytest.mark.parametrize(
    ("kw", "start"),
    [
        ({"includes_meeting": False}, 8 * 3600),
        ({"meeting_end": dt.time(8, 45)}, 8 * 3600 + 45 * 60),
        ({"day_start": dt.time(9), "includes_meeting": False}, 9 * 3600),
    ],
)
def test_route_window_follows_the_shift_and_the_meeting_length(kw: dict[str, Any], start: int):
    grid = only_grid(plan_of(scenario(site("A", 1), shifts=shifts(**kw))))
    assert [v.shift_start for v in grid.problem.vehicles] == [start, start]


def test_inspectors_are_day_patrol_inspectors_in_rota_order():
    workers = (*WORKERS, inspector("W3", "security", role=Role.HANDLER), inspector("W4"))
    cells = rota(("W2", "D"), ("W3", "D"), ("W4", "K"), ("W1", "D"))
    found = inspectors_on(scenario(workers=workers), cells, DAY)
    assert [(i.worker_id, i.grid, i.shift.id) for i in found] == [
        ("W2", "G1", "D"), ("W1", "G1", "D"),
    ]  # fmt: skip
    assert inspectors_on(scenario(workers=workers), cells, DAY + dt.timedelta(days=1)) == []


def test_one_lunch_per_inspector_at_the_station():
    grid = only_grid(plan_of(scenario(site("A", 1), site("B", 2))))
    lunches = grid.problem.visits[2:]
    assert [(v.name, v.location, v.service, v.windows, v.required, v.prize, v.vehicles)
            for v in lunches] == [
        ("lunch:W1", 0, 5400, ((T1130, T1230),), True, 0, frozenset({0})),
        ("lunch:W2", 0, 5400, ((T1130, T1230),), True, 0, frozenset({1})),
    ]  # fmt: skip
    assert [grid.is_lunch(i) for i in range(4)] == [False, False, True, True]


def test_lunch_settings_come_from_the_scenario():
    routing = RoutingSettings(lunch_minutes=60, lunch_earliest="12:00", lunch_latest="13:00")
    grid = only_grid(plan_of(scenario(site("A", 1), routing=routing)))
    assert [(v.service, v.windows) for v in grid.problem.visits[1:]] == [
        (3600, ((43200, 46800),)), (3600, ((43200, 46800),)),
    ]  # fmt: skip
    no_lunch = RoutingSettings(lunch_minutes=0)
    grid = only_grid(plan_of(scenario(site("A", 1), routing=no_lunch)))
    assert [v.name for v in grid.problem.visits] == ["A"]


def test_stops_are_restricted_to_the_inspectors_with_their_skill():
    sc = scenario(site("F", 1, skill="fire"), site("A", 2))
    grid = only_grid(plan_of(sc))
    fire, anyone = grid.problem.visits[:2]
    assert (fire.name, fire.vehicles) == ("F", frozenset({0}))
    assert (anyone.name, anyone.vehicles) == ("A", None)
    assert grid.problem.allowed(0, 0) and not grid.problem.allowed(0, 1)


def test_visit_service_is_in_seconds():
    grid = only_grid(plan_of(scenario(site("A", 1, service_minutes=25))))
    assert grid.problem.visits[0].service == 1500


# ------------------------------------------------------------------ ad-hoc tasks

TASK_HEADER = "id,name,grid,lat,lon,crs,skill,service_minutes,opening_hours,risk,mandatory"


def write_tasks(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "tasks.csv"
    path.write_text("\n".join([TASK_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_tasks_are_stops_due_today(tmp_path: Path):
    lat, lon = at(2)
    gcj = wgs84_to_gcj02(*at(5))
    path = write_tasks(
        tmp_path,
        f"T1,投诉核查,G1,{lat},{lon},,security,20,09:00-17:00,low,no",
        f"T2,,G1,{gcj[0]},{gcj[1]},GCJ-02,fire,10,08:00-12:00;14:00-18:00,medium,yes",
    )
    sc = scenario(site("A", 1))
    t1, t2 = read_tasks(path, sc)
    assert (t1.site.id, t1.site.name, t1.site.kind) == ("T1", "投诉核查", SiteKind.AD_HOC)
    assert (t1.task, t1.overdue_days, t1.mandatory, t1.prize) == (True, 0, False, 3_000)
    assert (t1.site.service_minutes, t1.site.opening_hours) == (20, hours("09:00-17:00"))
    assert (t2.site.name, t2.mandatory, t2.prize, t2.site.crs) == ("T2", True, 1_000_000, Crs.GCJ02)
    assert (t2.lat, t2.lon) == pytest.approx(at(5), abs=1e-7)
    plan = plan_of(sc, tasks=[t1, t2])
    grid = only_grid(plan)
    assert [s.site.id for s in grid.stops] == ["A", "T1", "T2"]
    assert grid.nodes == (0, 1, 2, 5)
    assert grid.problem.visits[2].windows == ((T0830, 42600), (50400, T1730 - 600))
    assert grid.problem.visits[2].vehicles == frozenset({0})  # fire: W1 only
    assert plan.due == 3


GOOD_TASK = "T1,check,G1,22.95,113.671,WGS-84,security,20,09:00-17:00,low,no"


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (GOOD_TASK.replace(",G1,", ",G9,"), "grid", "unknown grid 'G9'"),
        (GOOD_TASK.replace(",security,", ",cooking,"), "skill", "unknown skill 'cooking'"),
        (GOOD_TASK.replace(",no", ",maybe"), "mandatory", "expected yes or no"),
        (GOOD_TASK.replace("T1,", "A,"), "id", "'A' is already a site id"),
    ],
)
def test_a_bad_task_cell_names_file_row_and_column(
    tmp_path: Path, row: str, column: str, message: str
):
    path = write_tasks(tmp_path, GOOD_TASK.replace("T1,", "T0,"), row)
    with pytest.raises(InputError) as info:
        read_tasks(path, scenario(site("A", 1)))
    assert [str(p) for p in info.value.problems] == [f"{path}, row 3, column {column!r}: {message}"]


def test_a_missing_tasks_file_is_an_input_error(tmp_path: Path):
    with pytest.raises(InputError, match="file is missing"):
        read_tasks(tmp_path / "nope.csv", scenario())
