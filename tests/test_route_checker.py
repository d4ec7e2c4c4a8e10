"""The route checker on a hand-made street graph: one valid day, then one break per rule.

The street graph has four nodes near Shenzhen's eviltransform test point, with edge
lengths chosen by hand (not the geometry), so every leg's metres are known:

    n0 station G1 --601 (and a parallel 900)-- n1 --480-- n2 --360-- n3 --840.4-- n0
    plus a one-way n0 -> n2 of 1500 m that is never the shortest way.

S3 is given in GCJ-02: converted, it lies on n3; taken as WGS-84 it would snap to n2.
Walking at 1.2 m/s, a leg of m metres takes ceil(m / 1.2) seconds: 601 m -> 501 s,
480 -> 400, 1081 (n2 -> n1 -> n0) -> 901, 840 -> 700.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from planner._errors import InputError
from planner.domain import (
    Crs,
    Grid,
    InspectionSite,
    Risk,
    Role,
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
from planner.route_checker import (
    ROUTE_RULES,
    RotaEntry,
    RouteReport,
    _from_gcj02,
    _to_gcj02,
    check_routes,
    load_street_graph,
    read_routes,
)
from planner.streets import coords

DAY = dt.date(2026, 12, 8)
WALK = 1.2
NODES = {  # node: (lat, lon) in WGS-84
    0: (22.5460, 113.9100),
    1: (22.5460, 113.9150),
    2: (22.5420, 113.9170),
    3: (22.543847, 113.912316),
}
S3_GCJ = (22.540796131694766, 113.9171764808363)  # n3 in GCJ-02 (eviltransform's test point)


def street_graph() -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph(crs="epsg:4326")
    for node, (lat, lon) in NODES.items():
        graph.add_node(node, x=lon, y=lat)
    for u, v, length in [(0, 1, 601.0), (0, 1, 900.0), (1, 2, 480.0), (2, 3, 360.0),
                         (3, 0, 840.4)]:  # fmt: skip
        graph.add_edge(u, v, length=length)
        graph.add_edge(v, u, length=length)
    graph.add_edge(0, 2, length=1500.0)
    return graph


def hours(text: str) -> tuple[TimeWindow, ...]:
    windows = (part.split("-") for part in text.split(";"))
    return tuple(TimeWindow(open=a, close=b) for a, b in windows)


def site(sid: str, at: tuple[float, float], **kw: Any) -> InspectionSite:
    data: dict[str, Any] = {
        "id": sid,
        "name": f"site {sid}",
        "kind": SiteKind.SMALL_SHOP,
        "lat": at[0],
        "lon": at[1],
        "grid": "G1",
        "skill": "security",
        "service_minutes": 10,
        "opening_hours": hours("08:00-18:00"),
        "risk": Risk.HIGH,
        "visit_interval_days": 30,
    }
    data.update(kw)
    return InspectionSite(**data)


NEAR_N1 = (22.5461, 113.9150)
SITES = {
    "S1": site("S1", NEAR_N1, opening_hours=hours("08:00-12:00;13:30-18:00")),
    "S2": site("S2", (22.5421, 113.9170), service_minutes=150, opening_hours=hours("09:00-17:00")),
    "S3": site("S3", S3_GCJ, crs=Crs.GCJ02, service_minutes=30, opening_hours=hours("13:30-18:00")),
    "S4": site("S4", NEAR_N1, grid="G2"),
    "S5": site("S5", NEAR_N1),
}  # fmt: skip


def inspector(wid: str, **kw: Any) -> Worker:
    data: dict[str, Any] = {
        "id": wid,
        "name": f"worker {wid}",
        "grid": "G1",
        "role": Role.INSPECTOR,
        "original_role": "security",
        "joined": dt.date(2015, 1, 1),
        "weekly_hours": 40,
        "skills": (SkillGrant(skill="security", since=dt.date(2015, 1, 1)),),
    }
    data.update(kw)
    return Worker(**data)


def shifts(
    meeting_end: dt.time = dt.time(8, 30), day_end: dt.time = dt.time(17, 30)
) -> tuple[ShiftType, ...]:
    return (
        ShiftType(id="MM", zh="早会", en="Meeting", kind=ShiftKind.MEETING, start=dt.time(8),
                  end=meeting_end, paid_minutes=30),
        ShiftType(id="D", zh="日巡", en="Day patrol", kind=ShiftKind.DAY_PATROL,
                  start=dt.time(8), end=day_end, paid_minutes=300, includes_meeting=True),
        ShiftType(id="K", zh="坐班", en="Desk", kind=ShiftKind.DESK, start=dt.time(8),
                  end=dt.time(17, 30), paid_minutes=480, includes_meeting=True),
    )  # fmt: skip


def scenario(*, sites: dict[str, InspectionSite] | None = None, **kw: Any) -> Scenario:
    """One grid G1 (station on n0) plus a neighbour G2; W1 gets fire only the day after."""
    fire_later = SkillGrant(skill="fire", since=DAY + dt.timedelta(days=1))
    w1 = inspector("W1", skills=(*inspector("W1").skills, fire_later))
    data: dict[str, Any] = {
        "info": ScenarioInfo(
            name="tiny routes",
            reference_date=DAY - dt.timedelta(days=1),
            bbox=(113.90, 22.53, 113.93, 22.56),
        ),
        "skills": (
            Skill(code="security", zh="治安", en="Security"),
            Skill(code="fire", zh="消防", en="Fire"),
        ),
        "grids": (
            Grid(id="G1", name="一", base="B1", station_lat=22.5460, station_lon=113.9100),
            Grid(id="G2", name="二", base="B1", station_lat=22.5500, station_lon=113.9200),
        ),
        "shifts": shifts(),
        "workers": (w1, inspector("W2"), inspector("W3", role=Role.DISPATCHER)),
        "sites": tuple((sites or SITES).values()),
    }
    data.update(kw)
    return Scenario(**data)


ROTA: list[RotaEntry] = [(DAY, "W1", "G1", "D"), (DAY, "W2", "G1", "D")]

HEADER = "worker_id,seq,site_id,arrive,depart,travel_m,date,grid,kind,travel_s,service_start"
VALID = f"""\
{HEADER}
W1,0,station:G1,08:30:00,08:30:00,0,2026-12-08,G1,start,0,
W1,1,S1,08:38:21,08:48:21,601,2026-12-08,G1,visit,501,08:38:21
W1,2,S2,08:55:01,11:30:00,480,2026-12-08,G1,visit,400,09:00:00
W1,3,station:G1,11:45:01,13:15:01,1081,2026-12-08,G1,lunch,901,11:45:01
W1,4,S3,13:26:41,14:00:00,840,2026-12-08,G1,visit,700,13:30:00
W1,5,station:G1,14:11:40,14:11:40,840,2026-12-08,G1,end,700,
W2,0,station:G1,08:30:00,08:30:00,0,2026-12-08,G1,start,0,
W2,1,S5,08:38:21,08:48:21,601,2026-12-08,G1,visit,501,08:38:21
W2,2,station:G1,08:56:42,08:56:42,601,2026-12-08,G1,end,501,
"""
# W1 without lunch: from S2 straight to S3 (360 m, 300 s), waiting there for 13:30.
NO_LUNCH = f"""\
{HEADER}
W1,0,station:G1,08:30:00,08:30:00,0,2026-12-08,G1,start,0,
W1,1,S1,08:38:21,08:48:21,601,2026-12-08,G1,visit,501,08:38:21
W1,2,S2,08:55:01,11:30:00,480,2026-12-08,G1,visit,400,09:00:00
W1,3,S3,11:35:00,14:00:00,360,2026-12-08,G1,visit,300,13:30:00
W1,4,station:G1,14:11:40,14:11:40,840,2026-12-08,G1,end,700,
"""
COLUMNS = HEADER.split(",")


def edit(text: str, changes: dict[tuple[str, int], dict[str, str]]) -> str:
    """The CSV with some cells of the rows (worker, seq) replaced."""
    lines = text.splitlines()
    for i, line in enumerate(lines[1:], start=1):
        cells = dict(zip(COLUMNS, line.split(","), strict=True))
        cells.update(changes.get((cells["worker_id"], int(cells["seq"])), {}))
        lines[i] = ",".join(cells[c] for c in COLUMNS)
    return "\n".join(lines) + "\n"


def check(
    tmp_path: Path,
    text: str = VALID,
    *,
    sc: Scenario | None = None,
    rota: list[RotaEntry] = ROTA,
    **kw: Any,
) -> RouteReport:
    path = tmp_path / "routes.csv"
    path.write_text(text, encoding="utf-8")
    rows = read_routes(path)
    return check_routes(sc or scenario(), rows, rota, street_graph(), speed_mps=WALK, **kw)


# ------------------------------------------------------------------------ valid day


def test_valid_day_is_ok_with_exact_totals(tmp_path: Path) -> None:
    report = check(tmp_path)
    assert report.violations == []
    assert report.ok
    assert (report.routes, report.stops_served, report.metres) == (2, 4, 5044)
    assert report.summary() == "2 routes, 4 stops served, 5044 m travelled; valid"


def test_rows_are_read_as_seconds_after_midnight(tmp_path: Path) -> None:
    path = tmp_path / "routes.csv"
    path.write_text(VALID, encoding="utf-8")
    rows = read_routes(path)
    lunch = rows[3]
    assert (lunch.kind, lunch.site_id, lunch.row) == ("lunch", "station:G1", 5)
    assert (lunch.arrive, lunch.service_start, lunch.depart) == (42301, 42301, 47701)
    assert rows[0].service_start is None


def test_a_metre_of_rounding_is_allowed(tmp_path: Path) -> None:
    # n3 -> n0 is 840.4 m: 840 written, 841 within ±1 m, 842 not
    assert check(tmp_path, edit(VALID, {("W1", 5): {"travel_m": "841"}})).ok
    report = check(tmp_path, edit(VALID, {("W1", 5): {"travel_m": "842"}}))
    assert report.rules == ["leg_length"]


def test_ad_hoc_task_is_a_known_stop(tmp_path: Path) -> None:
    task = site("T1", NEAR_N1)
    text = edit(VALID, {("W2", 1): {"site_id": "T1"}})
    assert check(tmp_path, text, tasks=[task]).ok
    assert check(tmp_path, text).rules == ["route_format"]  # unknown without the task


def test_gcj02_site_is_converted_before_snapping(tmp_path: Path) -> None:
    as_wgs = {**SITES, "S3": SITES["S3"].model_copy(update={"crs": Crs.WGS84})}
    report = check(tmp_path, sc=scenario(sites=as_wgs))
    assert "leg_length" in report.rules  # snapped to n2 instead of n3


def test_gcj02_conversion_matches_reference_point() -> None:
    assert _to_gcj02(*NODES[3]) == pytest.approx(S3_GCJ, abs=1e-9)
    assert _from_gcj02(*S3_GCJ) == pytest.approx(NODES[3], abs=1e-7)
    assert _from_gcj02(48.85, 2.35) == (48.85, 2.35)  # outside China: unchanged


@pytest.mark.parametrize("point", [S3_GCJ, (39.9164, 116.4102), (31.1753, 121.5315)])
def test_gcj02_conversion_agrees_with_streets_coords(point: tuple[float, float]) -> None:
    # the checker converts on its own; the street layer's conversion must agree to ~1 cm
    assert _from_gcj02(*point) == pytest.approx(coords.gcj02_to_wgs84(*point), abs=2e-7)


# ---------------------------------------------------------- one break per rule


@pytest.mark.parametrize(
    ("rule", "changes"),
    [
        ("leg_length", {("W1", 1): {"travel_m": "640"}}),
        ("leg_time", {("W1", 5): {"travel_s": "760", "arrive": "14:12:40", "depart": "14:12:40"}}),
        ("arrival", {("W1", 2): {"arrive": "08:54:01"}}),  # still waits for 09:00
        (
            "service_start",  # waits 99 s with the site open
            {
                ("W1", 1): {"service_start": "08:40:00", "depart": "08:50:00"},
                ("W1", 2): {"arrive": "08:56:40"},
            },
        ),
        (
            "service_start",  # starts before arriving
            {
                ("W1", 1): {"service_start": "08:38:00", "depart": "08:48:00"},
                ("W1", 2): {"arrive": "08:54:40"},
            },
        ),
        (
            "departure",
            {
                ("W2", 1): {"depart": "08:50:00"},
                ("W2", 2): {"arrive": "08:58:21", "depart": "08:58:21"},
            },
        ),
        ("departure", {("W2", 2): {"depart": "09:00:00"}}),  # the end row stays
        ("visited_once", {("W2", 1): {"site_id": "S1"}}),
        ("grid", {("W2", 1): {"site_id": "S4"}}),
        ("route_format", {("W2", 1): {"site_id": "S9"}}),
        ("route_format", {("W2", 2): {"site_id": "station:G9"}}),
    ],
)
def test_route_mutation_breaks_exactly_one_rule(
    tmp_path: Path, rule: str, changes: dict[tuple[str, int], dict[str, str]]
) -> None:
    report = check(tmp_path, edit(VALID, changes))
    assert report.rules == [rule]
    assert f"[{rule}]" in report.violations[0]


def test_violation_names_rule_worker_seq_and_site(tmp_path: Path) -> None:
    report = check(tmp_path, edit(VALID, {("W1", 1): {"travel_m": "640"}}))
    assert report.violations == [
        "[leg_length] W1 on 2026-12-08, seq 1 (S1): travel_m 640, "
        "but the shortest path from station:G1 is 601 m"
    ]


def test_second_visit_names_the_first(tmp_path: Path) -> None:
    report = check(tmp_path, edit(VALID, {("W2", 1): {"site_id": "S1"}}))
    (finding,) = report.findings
    assert (finding.worker_id, finding.seq, finding.site_id) == ("W2", 1, "S1")
    assert "already visited by W1 at seq 1" in finding.message


def test_service_outside_opening_hours(tmp_path: Path) -> None:
    late = {**SITES, "S1": SITES["S1"].model_copy(update={"opening_hours": hours("09:00-12:00")})}
    report = check(tmp_path, sc=scenario(sites=late))
    assert report.rules == ["opening_hours"]
    assert "08:38:21-08:48:21" in report.violations[0]


def test_service_across_two_intervals_is_outside(tmp_path: Path) -> None:
    split = hours("08:00-08:40;08:40-18:00")
    sites = {**SITES, "S1": SITES["S1"].model_copy(update={"opening_hours": split})}
    assert check(tmp_path, sc=scenario(sites=sites)).rules == ["opening_hours"]


def test_skill_not_held_on_the_day(tmp_path: Path) -> None:
    fire = {**SITES, "S2": SITES["S2"].model_copy(update={"skill": "fire"})}
    report = check(tmp_path, sc=scenario(sites=fire))
    assert report.rules == ["skill"]
    assert report.findings[0].site_id == "S2"


def test_skill_held_from_its_date(tmp_path: Path) -> None:
    fire = {**SITES, "S2": SITES["S2"].model_copy(update={"skill": "fire"})}
    w1 = inspector("W1", skills=(*inspector("W1").skills, SkillGrant(skill="fire", since=DAY)))
    assert check(tmp_path, sc=scenario(sites=fire, workers=(w1, inspector("W2")))).ok


@pytest.mark.parametrize(
    "rota",
    [
        [(DAY, "W1", "G1", "D"), (DAY, "W2", "G1", "K")],  # desk duty, not day patrol
        [(DAY, "W1", "G1", "D")],  # off that day
        [(DAY, "W1", "G1", "D"), (DAY - dt.timedelta(days=1), "W2", "G1", "D")],
        [(DAY, "W1", "G1", "D"), (DAY, "W2", "G2", "D")],  # on patrol in another grid
    ],
)
def test_worker_not_on_day_patrol(tmp_path: Path, rota: list[RotaEntry]) -> None:
    report = check(tmp_path, rota=rota)
    assert report.rules == ["on_duty"]
    assert report.findings[0].worker_id == "W2"


def test_rota_without_grid_means_the_workers_grid(tmp_path: Path) -> None:
    assert check(tmp_path, rota=[(DAY, "W1", None, "D"), (DAY, "W2", None, "D")]).ok


def test_dispatcher_is_not_an_inspector(tmp_path: Path) -> None:
    text = VALID.replace("W2,", "W3,")
    report = check(tmp_path, text, rota=[*ROTA, (DAY, "W3", "G1", "D")])
    assert report.rules == ["on_duty"]
    assert "dispatcher" in report.violations[0]


def test_back_after_shift_end(tmp_path: Path) -> None:
    sc = scenario(shifts=shifts(day_end=dt.time(14, 10)))
    report = check(tmp_path, sc=sc)
    assert report.rules == ["shift_end"]
    assert (report.findings[0].worker_id, report.findings[0].seq) == ("W1", 5)


def test_start_before_the_meeting_ends(tmp_path: Path) -> None:
    sc = scenario(shifts=shifts(meeting_end=dt.time(8, 45)))
    report = check(tmp_path, sc=sc)
    assert report.rules == ["start", "start"]
    assert "before 08:45:00" in report.violations[0]


def test_missing_lunch_when_route_spans_lunch(tmp_path: Path) -> None:
    report = check(tmp_path, NO_LUNCH)
    assert report.rules == ["lunch"]
    assert (report.findings[0].seq, report.findings[0].site_id) == (4, "station:G1")


def test_no_lunch_needed_when_back_before_lunch_latest(tmp_path: Path) -> None:
    # W2 is back at 08:56:42; with lunch allowed to start until 12:30 nothing is missing
    assert check(tmp_path).ok


@pytest.mark.parametrize(("leave", "rules"), [("13:00", []), ("12:45", ["lunch"])])
def test_route_leaving_after_a_possible_lunch_needs_none(
    tmp_path: Path, leave: str, rules: list[str]
) -> None:
    # at the station since 08:30, W2 could lunch 11:30-13:00 there, if it leaves by 13:00
    start = dt.datetime.combine(DAY, dt.time.fromisoformat(leave))
    at = [f"{start + dt.timedelta(seconds=s):%H:%M:%S}" for s in (0, 501, 1101, 1602)]
    text = edit(VALID, {
        ("W2", 0): {"arrive": at[0], "depart": at[0]},
        ("W2", 1): {"arrive": at[1], "service_start": at[1], "depart": at[2]},
        ("W2", 2): {"arrive": at[3], "depart": at[3]},
    })  # fmt: skip
    assert check(tmp_path, text).rules == rules


def test_lunch_starting_after_lunch_latest(tmp_path: Path) -> None:
    report = check(tmp_path, lunch_latest=dt.time(11, 40))
    assert report.rules == ["lunch"]
    assert "after the latest 11:40:00" in report.violations[0]


def test_lunch_shorter_than_lunch_minutes(tmp_path: Path) -> None:
    report = check(tmp_path, lunch_minutes=60)
    assert report.rules == ["lunch"]


def test_stop_far_from_the_network_is_unreachable(tmp_path: Path) -> None:
    far = {**SITES, "S5": SITES["S5"].model_copy(update={"lat": 22.5520})}  # 667 m north of n1
    report = check(tmp_path, sc=scenario(sites=far))
    assert report.rules == ["reachable"]


def test_leg_without_a_path_is_reported(tmp_path: Path) -> None:
    graph = street_graph()
    graph.add_node(4, x=NEAR_N1[1], y=NEAR_N1[0])  # S1, S4, S5 now snap to an island
    path = tmp_path / "routes.csv"
    path.write_text(VALID, encoding="utf-8")
    report = check_routes(scenario(), read_routes(path), ROTA, graph, speed_mps=WALK)
    assert set(report.rules) == {"leg_length"}
    assert "no path in the street network from station:G1" in report.violations[0]


def test_route_without_end_row(tmp_path: Path) -> None:
    text = "".join(line + "\n" for line in VALID.splitlines() if not line.startswith("W2,2,"))
    assert check(tmp_path, text).rules == ["route_format"]


def test_every_rule_name_is_catalogued() -> None:
    assert set(ROUTE_RULES) == {
        "route_format", "on_duty", "visited_once", "grid", "skill", "reachable",
        "opening_hours", "arrival", "service_start", "departure", "lunch", "start",
        "shift_end", "leg_length", "leg_time", "coverage",
    }  # fmt: skip


# ---------------------------------------------------------------------------- reading


def test_malformed_cells_are_all_reported(tmp_path: Path) -> None:
    path = tmp_path / "routes.csv"
    bad = {
        ("W1", 1): {"arrive": "8:38"},
        ("W1", 2): {"travel_m": "480.5"},
        ("W2", 2): {"kind": "back"},
    }
    path.write_text(edit(VALID, bad), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_routes(path)
    assert [str(p).removeprefix(f"{tmp_path}/") for p in caught.value.problems] == [
        "routes.csv, row 3, column 'arrive': expected a time HH:MM:SS (00:00:00-23:59:59), "
        "got '8:38'",
        "routes.csv, row 4, column 'travel_m': expected whole metres (0 or more), got '480.5'",
        "routes.csv, row 10, column 'kind': expected one of start, visit, lunch, end, got 'back'",
    ]


def test_visit_without_service_start_and_duplicate_seq(tmp_path: Path) -> None:
    path = tmp_path / "routes.csv"
    text = edit(VALID, {("W1", 1): {"service_start": ""}}) + VALID.splitlines()[-1] + "\n"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_routes(path)
    assert [str(p).removeprefix(f"{tmp_path}/") for p in caught.value.problems] == [
        "routes.csv, row 3, column 'service_start': a visit row needs its service_start",
        "routes.csv, row 11, column 'seq': duplicate seq 2 of W2 on 2026-12-08 (first at row 10)",
    ]


def test_missing_column_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "routes.csv"
    path.write_text(VALID.replace(",travel_s,", ",secs,"), encoding="utf-8")
    with pytest.raises(InputError, match=r"row 1, column 'travel_s': required column"):
        read_routes(path)
    with pytest.raises(InputError, match=r"nothing\.csv: file is missing"):
        read_routes(tmp_path / "nothing.csv")


# ------------------------------------------------------------------------ the graph


def test_street_graph_round_trips_through_the_cache(tmp_path: Path) -> None:
    import osmnx as ox

    (tmp_path / "streets").mkdir()
    ox.save_graphml(street_graph(), tmp_path / "streets" / "walk.graphml")
    graph = load_street_graph(tmp_path, "walk")
    path = tmp_path / "routes.csv"
    path.write_text(VALID, encoding="utf-8")
    report = check_routes(scenario(), read_routes(path), ROTA, graph, speed_mps=WALK)
    assert report.ok, report.violations


def test_missing_street_cache_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="planner streets import"):
        load_street_graph(tmp_path, "ebike")
    with pytest.raises(InputError, match="expected one of"):
        load_street_graph(tmp_path, "car")


def test_a_shift_that_cannot_hold_lunch_needs_none(tmp_path: Path) -> None:
    # a 200-minute break from 11:30 would end at 14:50, after a shift ending at 14:30
    short = scenario(shifts=shifts(day_end=dt.time(14, 30)))
    assert "lunch" not in check(tmp_path, NO_LUNCH, sc=short, lunch_minutes=200).rules
    assert "lunch" in check(tmp_path, NO_LUNCH, lunch_minutes=200).rules  # 17:30 holds it


def test_no_lunch_needed_when_lunch_minutes_is_zero(tmp_path: Path) -> None:
    assert check(tmp_path, NO_LUNCH, lunch_minutes=0).ok


def test_the_snap_limit_is_the_scenarios(tmp_path: Path) -> None:
    assert set(check(tmp_path, max_snap_m=1.0).rules) == {"reachable"}
