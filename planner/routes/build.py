"""From a scenario, a rota and a street graph to one routing problem per grid (docs/routes.md).

Everything domain-specific happens here — which stops are due, who is on day patrol,
skills, opening hours, lunch at the station, drop penalties — and becomes plain
:mod:`planner.routes.model` data; what cannot be routed at all is set aside with a reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
from pydantic import ValidationError

from planner._errors import InputError, InputProblem
from planner.domain import (
    Crs,
    InspectionSite,
    Risk,
    Role,
    Scenario,
    ShiftKind,
    ShiftType,
    SiteKind,
    TimeWindow,
)
from planner.roster.problem import Cell
from planner.routes.model import RoutingProblem, Vehicle, Visit, Window
from planner.scenario_io import (
    Problems,
    backward_windows,
    not_a_file,
    parse_opening_hours,
    read_csv_rows,
)
from planner.streets.coords import gcj02_to_wgs84
from planner.streets.matrix import StreetIndex, great_circle
from planner.streets.network import travel_seconds_array

TASK_COLUMNS = (
    "id", "name", "grid", "lat", "lon", "crs", "skill", "service_minutes", "opening_hours",
    "risk", "mandatory",
)  # fmt: skip

UNSERVED_REASONS = (
    "no_inspector", "no_skill", "closed", "unreachable", "no_time", "mandatory_no_time",
    "no_solution",
)  # fmt: skip


@dataclass(frozen=True)
class Stop:
    """A site (or ad-hoc task) due on the day, with what routing needs to know of it."""

    site: InspectionSite
    lat: float
    lon: float
    overdue_days: int
    mandatory: bool
    prize: int
    task: bool = False


@dataclass(frozen=True)
class Inspector:
    """An inspector on day patrol: the route's window is the shift after the meeting."""

    worker_id: str
    name: str
    grid: str
    shift: ShiftType
    start: int
    end: int
    skills: frozenset[str]


@dataclass(frozen=True)
class Unserved:
    """A due stop no route serves, and why (one of :data:`UNSERVED_REASONS`)."""

    stop: Stop
    reason: str

    def __post_init__(self) -> None:
        if self.reason not in UNSERVED_REASONS:
            raise ValueError(f"unknown reason {self.reason!r}")


@dataclass(frozen=True)
class GridDay:
    """One grid's routing problem on one day and how its indices map back to the domain.

    Location 0 is the grid station; visit ``i < len(stops)`` is ``stops[i]``; the visits
    after them are the inspectors' lunches, in inspector order.
    """

    grid: str
    problem: RoutingProblem
    stops: tuple[Stop, ...]
    inspectors: tuple[Inspector, ...]
    nodes: tuple[int, ...]
    """Street node of each location."""

    def is_lunch(self, visit: int) -> bool:
        """Whether visit index ``visit`` is a lunch break."""
        return visit >= len(self.stops)


@dataclass(frozen=True)
class DayPlan:
    """Every grid's problem for a day, and the stops set aside before solving."""

    date: dt.date
    grids: tuple[GridDay, ...]
    unserved: tuple[Unserved, ...]
    due: int


def seconds(clock: dt.time) -> int:
    """Seconds since midnight."""
    return clock.hour * 3600 + clock.minute * 60 + clock.second


def overdue_days(site: InspectionSite, day: dt.date, reference: dt.date) -> int | None:
    """Days past due on ``day`` (0 = due today), or None when not yet due."""
    due = site.next_due(reference)
    return None if due > day else (day - due).days


def stop_prize(scenario: Scenario, risk: Risk, overdue: int, mandatory: bool) -> int:
    """Metres of travel a stop is worth serving (its drop penalty)."""
    settings = scenario.routing
    if mandatory:
        return settings.mandatory_penalty_m
    extra = settings.overdue_penalty_m_per_day * min(overdue, settings.overdue_days_cap)
    return settings.drop_penalty_m[risk] + extra


def due_stops(scenario: Scenario, day: dt.date, tasks: Sequence[Stop] = ()) -> list[Stop]:
    """Sites due on ``day`` (never visited: due since the reference date), then the tasks."""
    out: list[Stop] = []
    for site in scenario.sites:
        overdue = overdue_days(site, day, scenario.info.reference_date)
        if overdue is None:
            continue
        mandatory = site.risk == Risk.HIGH and overdue >= 1
        lat, lon = _wgs84(site.lat, site.lon, site.crs)
        prize = stop_prize(scenario, site.risk, overdue, mandatory)
        out.append(Stop(site, lat, lon, overdue, mandatory, prize))
    return out + list(tasks)


def _wgs84(lat: float, lon: float, crs: Crs) -> tuple[float, float]:
    return gcj02_to_wgs84(lat, lon) if crs == Crs.GCJ02 else (lat, lon)


def inspectors_on(scenario: Scenario, rota: Sequence[Cell], day: dt.date) -> list[Inspector]:
    """Inspectors with a day-patrol shift on ``day``, in rota order."""
    workers = {w.id: w for w in scenario.workers}
    meeting = next((s for s in scenario.shifts if s.kind == ShiftKind.MEETING), None)
    out = []
    for cell in rota:
        if cell.date != day or cell.shift_id is None:
            continue
        shift = scenario.shift(cell.shift_id)
        worker = workers[cell.worker_id]
        if shift.kind != ShiftKind.DAY_PATROL or worker.role != Role.INSPECTOR:
            continue
        if shift.crosses_midnight:
            raise InputError([InputProblem(
                "scenario.toml", f"[[shifts]] {shift.id}", "crosses_midnight",
                "a day patrol routed by `planner routes` must end on the day it starts",
            )])  # fmt: skip
        start = seconds(shift.start)
        if shift.includes_meeting and meeting is not None:
            start += meeting.length_minutes * 60
        end = seconds(shift.start) + shift.length_minutes * 60
        skills = frozenset(g.skill for g in worker.skills if g.since <= day)
        grid = cell.grid or worker.grid  # the rota may lend an inspector to another grid
        out.append(Inspector(worker.id, worker.name, grid, shift, start, end, skills))
    return out


def service_windows(
    opening: Sequence[TimeWindow], service: int, earliest: int, latest_end: int
) -> tuple[Window, ...]:
    """Windows for the start of service so that it starts and ends inside one opening
    interval and inside [earliest, latest_end]."""
    out = []
    for window in opening:
        early = max(seconds(window.open), earliest)
        late = min(seconds(window.close), latest_end) - service
        if early <= late:
            out.append((early, late))
    return tuple(out)


def build_day(
    scenario: Scenario,
    graph: nx.MultiDiGraph,
    rota: Sequence[Cell],
    day: dt.date,
    mode: str,
    tasks: Sequence[Stop] = (),
) -> DayPlan:
    """One routing problem per grid with inspectors; the rest set aside with reasons."""
    stops = due_stops(scenario, day, tasks)
    inspectors = inspectors_on(scenario, rota, day)
    settings = scenario.routing
    unserved: list[Unserved] = []
    # snap every stop and station at once
    lats = [s.lat for s in stops] + [g.station_lat for g in scenario.grids]
    lons = [s.lon for s in stops] + [g.station_lon for g in scenario.grids]
    index = StreetIndex.of(graph)  # once: checking a cached index is a pass over the edges
    nodes, offsets = index.snap(np.asarray(lats), np.asarray(lons))
    station_node = {g.id: int(nodes[len(stops) + i]) for i, g in enumerate(scenario.grids)}
    by_grid: dict[str, list[tuple[Stop, int]]] = {g.id: [] for g in scenario.grids}
    for i, stop in enumerate(stops):
        if offsets[i] > settings.max_snap_m:
            unserved.append(Unserved(stop, "unreachable"))
        else:
            by_grid.setdefault(stop.site.grid, []).append((stop, int(nodes[i])))
    grids = []
    for grid in scenario.grids:
        team = [ins for ins in inspectors if ins.grid == grid.id]
        candidates = by_grid.get(grid.id, [])
        if not team:
            unserved.extend(Unserved(stop, "no_inspector") for stop, _ in candidates)
            continue
        kept: list[tuple[Stop, int, tuple[Window, ...], frozenset[int]]] = []
        for stop, node in candidates:
            service = stop.site.service_minutes * 60
            allowed = frozenset(v for v, ins in enumerate(team) if stop.site.skill in ins.skills)
            if not allowed:
                unserved.append(Unserved(stop, "no_skill"))
                continue
            windows = service_windows(
                stop.site.opening_hours,
                service,
                min(team[v].start for v in allowed),
                max(team[v].end for v in allowed),
            )
            if not windows:
                unserved.append(Unserved(stop, "closed"))
                continue
            kept.append((stop, node, windows, allowed))
        grids.append(_grid_day(scenario, grid.id, station_node[grid.id], team, kept, index, mode))
    return DayPlan(day, tuple(grids), tuple(unserved), len(stops))


def _grid_day(
    scenario: Scenario,
    grid: str,
    station: int,
    team: list[Inspector],
    kept: list[tuple[Stop, int, tuple[Window, ...], frozenset[int]]],
    index: StreetIndex,
    mode: str,
) -> GridDay:
    """The grid's routing problem: location 0 is the station, then one per kept stop.

    Every stop is optional with its drop penalty as prize (mandatory ones carry a prize no
    route can outweigh, so they are served whenever time allows and reported otherwise).
    Lunch is a required visit at location 0 that only its own inspector may make, which
    brings the inspector back to the station inside the lunch window.
    """
    settings = scenario.routing
    nodes = (station, *(node for _, node, _, _ in kept))
    distance = index.distances(nodes, limit=_search_radius(index, nodes)).astype(np.int64)
    duration = travel_seconds_array(distance, mode)
    visits = [
        Visit(
            name=stop.site.id,
            location=i + 1,
            service=stop.site.service_minutes * 60,
            windows=windows,
            required=False,
            prize=stop.prize,
            vehicles=None if len(allowed) == len(team) else allowed,
        )
        for i, (stop, _, windows, allowed) in enumerate(kept)
    ]
    lunch = settings.lunch_minutes * 60
    earliest, latest = seconds(settings.lunch_earliest), seconds(settings.lunch_latest)
    if lunch:
        visits += [
            Visit(
                name=f"lunch:{ins.worker_id}",
                location=0,
                service=lunch,
                windows=((max(earliest, ins.start), latest),),
                required=True,
                vehicles=frozenset({v}),
            )
            for v, ins in enumerate(team)
            # a half-day shift that cannot hold the lunch break has none
            if max(earliest, ins.start) <= latest and max(earliest, ins.start) + lunch <= ins.end
        ]
    vehicles = tuple(
        Vehicle(name=ins.worker_id, start=0, end=0, shift_start=ins.start, shift_end=ins.end)
        for ins in team
    )
    problem = RoutingProblem(distance, duration, tuple(visits), vehicles)
    return GridDay(grid, problem, tuple(s for s, _, _, _ in kept), tuple(team), nodes)


def _search_radius(index: StreetIndex, nodes: Sequence[int]) -> float:
    """Three times the widest straight-line span of the grid's places, and at least 3 km:
    streets rarely detour more, and a longer path is found anyway (see ``distances``)."""
    at = index.indices(nodes)
    lats, lons = index.lats[at], index.lons[at]
    span = great_circle(lats.min(), lons.min(), lats.max(), lons.max())
    return max(3000.0, 3.0 * float(span))


def read_tasks(path: Path, scenario: Scenario) -> list[Stop]:
    """Ad-hoc tasks for the day (docs/routes.md), every bad cell reported at once."""
    problems = Problems()
    if (why := not_a_file(path)) is not None:
        raise InputError([InputProblem(str(path), None, None, why)])
    grids = {g.id for g in scenario.grids}
    skills = {s.code for s in scenario.skills}
    site_ids = {s.id for s in scenario.sites}
    seen: set[str] = set()
    out: list[Stop] = []
    rows = list(read_csv_rows(path, TASK_COLUMNS, lambda c: True, problems, str(path)))
    problems.raise_if_any()  # a missing column: nothing below can be read
    for number, row in rows:
        where = (str(path), number)
        before = len(problems.items)
        if row["id"] in site_ids:
            problems.add(*where, "id", f"{row['id']!r} is already a site id")
        elif row["id"] in seen:
            problems.add(*where, "id", f"task {row['id']!r} is listed twice")
        seen.add(row["id"])
        if row["grid"] not in grids:
            problems.add(*where, "grid", f"unknown grid {row['grid']!r}")
        if row["skill"] not in skills:
            problems.add(*where, "skill", f"unknown skill {row['skill']!r}")
        if row["mandatory"] not in ("yes", "no"):
            problems.add(*where, "mandatory", "expected yes or no")
        data: dict[str, object] = {
            "id": row["id"], "name": row["name"] or row["id"], "kind": SiteKind.AD_HOC,
            "lat": row["lat"], "lon": row["lon"], "crs": row["crs"] or Crs.WGS84,
            "grid": row["grid"], "skill": row["skill"], "risk": row["risk"],
            "service_minutes": row["service_minutes"], "visit_interval_days": 1,
        }  # fmt: skip
        try:
            data["opening_hours"] = parse_opening_hours(row["opening_hours"])
        except ValueError as exc:
            problems.add(*where, "opening_hours", str(exc))
        if len(problems.items) > before:
            continue
        try:
            site = InspectionSite.model_validate(data)
        except ValidationError as exc:
            problems.from_validation(path.name, number, exc, model=InspectionSite)
            continue
        backward = backward_windows(site.opening_hours)
        for message in backward:
            problems.add(*where, "opening_hours", message)
        if backward:
            continue
        mandatory = row["mandatory"] == "yes"
        lat, lon = _wgs84(site.lat, site.lon, site.crs)
        prize = stop_prize(scenario, site.risk, 0, mandatory)
        out.append(Stop(site, lat, lon, 0, mandatory, prize, task=True))
    problems.raise_if_any()
    return out
