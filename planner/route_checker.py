"""The independent route checker: ``docs/routes.md`` evaluated on a finished ``routes.csv``.

Written from the specification alone: it imports nothing from ``planner/routes/`` or
``planner/streets/``. It snaps places to the street graph itself (nearest node by
great-circle distance, with numpy), computes shortest paths itself (networkx, over edge
``length``) and converts GCJ-02 coordinates itself, so a route the solver produced is
verified by a second, separate reading of the rules.

Every finding is a :class:`RouteViolation` under one of these stable rule names
(:data:`ROUTE_RULES` holds them with a line each):

- ``route_format`` -- the rows form a route: seq 0, 1, 2 ... from a ``start`` row to an
  ``end`` row at ``station:<grid>``, visits name known sites, one grid per route;
- ``on_duty`` -- the worker is an inspector on a ``day_patrol`` shift in that grid that day;
- ``visited_once`` -- each stop is visited at most once per day;
- ``grid`` -- each stop belongs to the route's grid;
- ``skill`` -- the worker holds the stop's skill on that day;
- ``reachable`` -- a visited stop lies within 500 m of the street network;
- ``opening_hours`` -- service starts and finishes inside one opening interval;
- ``arrival`` -- ``arrive`` = the previous row's ``depart`` + this row's ``travel_s``;
- ``service_start`` -- service starts at ``max(arrive, opening of its interval)``;
- ``departure`` -- ``depart`` = service start + service (start row: not before ``arrive``;
  end row: equal to ``arrive``);
- ``lunch`` -- at most one lunch, exactly one when the route spans lunch, starting at
  ``max(arrive, lunch_earliest)`` no later than ``lunch_latest`` and lasting
  ``lunch_minutes``;
- ``start`` -- the route starts no earlier than the shift start after the meeting;
- ``shift_end`` -- the route is back at the station by the shift end;
- ``leg_length`` -- ``travel_m`` = shortest-path metres between the snapped nodes (±1 m);
- ``leg_time`` -- ``travel_s`` = ``ceil(travel_m / speed)`` of the network's metres (±1 s).

Times in :class:`RouteRow` are whole seconds after midnight of the row's date.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Literal, Protocol

import networkx as nx
import numpy as np

from planner._errors import InputError, InputProblem
from planner.domain import Role, Scenario, ShiftKind, ShiftType, TimeWindow, Worker
from planner.scenario_io import Problems, read_csv_rows
from planner.summary import plural

ROUTE_COLUMNS = (
    "worker_id",
    "seq",
    "site_id",
    "arrive",
    "depart",
    "travel_m",
    "date",
    "grid",
    "kind",
    "travel_s",
    "service_start",
)
"""Columns of ``routes.csv``, all required in the header (``service_start`` may be empty)."""

ROUTE_RULES: dict[str, str] = {
    "route_format": "Rows form a route from a start row to an end row at the grid station",
    "on_duty": "The worker is an inspector on day patrol in that grid on that day",
    "visited_once": "Each stop is visited at most once a day",
    "grid": "Each stop belongs to the route's grid",
    "skill": "The worker holds the stop's skill on that day",
    "reachable": "A visited stop lies within 500 m of the street network",
    "opening_hours": "Service starts and finishes inside one opening interval",
    "arrival": "Arrival is the previous departure plus the leg's travel time",
    "service_start": "Service starts on arrival, or when its opening interval opens",
    "departure": "Departure is service start plus service minutes",
    "lunch": "One lunch at the station when the route spans lunch, in the lunch window",
    "start": "The route starts no earlier than the shift start after the meeting",
    "shift_end": "The route is back at the station by the shift end",
    "leg_length": "Each leg's metres are the shortest path between the snapped nodes",
    "leg_time": "Each leg's seconds are ceil(metres / speed)",
    "coverage": "Every stop due that day is on a route or in unserved.csv, never in both",
}
"""The stable names of the route rules, with what each one means."""

RowKind = Literal["start", "visit", "lunch", "end"]
ROW_KINDS: dict[str, RowKind] = {"start": "start", "visit": "visit", "lunch": "lunch", "end": "end"}
STATION_PREFIX = "station:"
SPEED_MPS = {"walk": 1.2, "ebike": 4.0}
"""Travel speed of each mode in metres per second."""
STREET_MODES = tuple(SPEED_MPS)
UNREACHABLE_M = 500.0
"""A stop farther than this from every graph node is unreachable."""
EARTH_RADIUS_M = 6_371_009.0
"""Mean earth radius, as osmnx uses for edge lengths."""
METRE_TOLERANCE = 1.0
SECOND_TOLERANCE = 1

RotaEntry = tuple[dt.date, str, str | None, str]
"""One rota.csv row: (date, worker id, grid or None when the column is empty, shift id).
From :func:`planner.checker.read_rota`: ``[(a.date, a.worker_id, a.grid, a.shift_id) ...]``."""


class Stop(Protocol):
    """What the checker needs of a stop: an inspection site or an ad-hoc task."""

    @property
    def id(self) -> str: ...
    @property
    def grid(self) -> str: ...
    @property
    def lat(self) -> float: ...
    @property
    def lon(self) -> float: ...
    @property
    def crs(self) -> str: ...
    @property
    def skill(self) -> str: ...
    @property
    def service_minutes(self) -> int: ...
    @property
    def opening_hours(self) -> Sequence[TimeWindow]: ...


@dataclass(frozen=True)
class RouteRow:
    """One row of ``routes.csv``; times are seconds after midnight of ``date``."""

    worker_id: str
    seq: int
    site_id: str
    arrive: int
    depart: int
    travel_m: int
    date: dt.date
    grid: str
    kind: RowKind
    travel_s: int
    service_start: int | None
    row: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class RouteViolation:
    """One breach of a route rule, located by worker, day, seq and site."""

    rule: str
    worker_id: str
    date: dt.date
    seq: int
    site_id: str
    message: str

    def __str__(self) -> str:
        return (
            f"[{self.rule}] {self.worker_id} on {self.date}, seq {self.seq} "
            f"({self.site_id}): {self.message}"
        )


@dataclass(frozen=True)
class RouteReport:
    """What :func:`check_routes` found, with the routes' totals."""

    findings: tuple[RouteViolation, ...]
    routes: int
    stops_served: int
    metres: int

    @property
    def ok(self) -> bool:
        """No rule is broken."""
        return not self.findings

    @property
    def violations(self) -> list[str]:
        """Each finding as one line naming the rule, worker, day, seq and site."""
        return [str(f) for f in self.findings]

    @property
    def rules(self) -> list[str]:
        """The rule name of each finding, in order."""
        return [f.rule for f in self.findings]

    def summary(self) -> str:
        """One line: routes, stops served, metres and the verdict."""
        verdict = "valid" if self.ok else f"INVALID: {plural(len(self.findings), 'violation')}"
        return (
            f"{self.routes} routes, {self.stops_served} stops served, "
            f"{self.metres} m travelled; {verdict}"
        )


# ---------------------------------------------------------------------------- reading


def _clock(seconds: int) -> str:
    """Seconds after midnight as ``HH:MM:SS``."""
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}:{s:02d}"


def _seconds(t: dt.time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


_TIME = re.compile(r"^(\d{2}):(\d{2}):(\d{2})$")


def _parse_time(text: str) -> int | None:
    match = _TIME.match(text)
    if match is None:
        return None
    h, m, s = (int(g) for g in match.groups())
    return h * 3600 + m * 60 + s if h < 24 and m < 60 and s < 60 else None


def _parse_whole(text: str) -> int | None:
    """A non-negative whole number; ``12.0`` is accepted as 12."""
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value) or value < 0 or not value.is_integer():
        return None
    return int(value)


def read_unserved(path: Path) -> list[str]:
    """The ``site_id`` column of unserved.csv (the reasons are the solver's to give)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            if reader.fieldnames is None or "site_id" not in reader.fieldnames:
                raise InputError([InputProblem(str(path), 1, "site_id", "column is missing")])
            return [row["site_id"] for row in reader if row.get("site_id")]
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([InputProblem(str(path), None, None, f"cannot read: {exc}")]) from exc


def read_routes(path: Path) -> list[RouteRow]:
    """Read ``routes.csv``; every malformed cell is reported at once in an InputError.

    Each problem names the file, the row (the header is row 1) and the column. Whether
    the rows make sense against a scenario is :func:`check_routes`' business.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError([InputProblem(str(path), None, None, "file is missing")])
    file = str(path)
    problems = Problems()
    rows = read_csv_rows(path, ROUTE_COLUMNS, lambda c: c in ROUTE_COLUMNS, problems, file)
    if any(p.row in (None, 1) for p in problems.items):
        problems.raise_if_any()  # header problems make every row meaningless
    out: list[RouteRow] = []
    first_at: dict[tuple[dt.date, str, int], int] = {}
    for number, cells in rows:
        before = len(problems.items)

        def bad(column: str, message: str, number: int = number) -> None:
            problems.add(file, number, column, message)

        for column in ("worker_id", "site_id", "grid"):
            if not cells[column]:
                bad(column, f"{column} is required")
        kind = ROW_KINDS.get(cells["kind"])
        if kind is None:
            bad("kind", f"expected one of {', '.join(ROW_KINDS)}, got {cells['kind']!r}")
        try:
            day = dt.datetime.strptime(cells["date"], "%Y-%m-%d").date()
        except ValueError:
            bad("date", f"expected a date YYYY-MM-DD, got {cells['date']!r}")
            day = None
        whole: dict[str, int | None] = {}
        for column, what in (
            ("seq", "a whole number"),
            ("travel_m", "whole metres"),
            ("travel_s", "whole seconds"),
        ):
            whole[column] = _parse_whole(cells[column])
            if whole[column] is None:
                bad(column, f"expected {what} (0 or more), got {cells[column]!r}")
        times: dict[str, int | None] = {}
        for column in ("arrive", "depart", "service_start"):
            text = cells[column]
            times[column] = _parse_time(text) if text else None
            if text and times[column] is None:
                bad(column, f"expected a time HH:MM:SS (00:00:00-23:59:59), got {text!r}")
            elif not text and column != "service_start":
                bad(column, f"{column} is required")
        if kind in ("visit", "lunch") and not cells["service_start"]:
            bad("service_start", f"a {kind} row needs its service_start")
        if kind in ("start", "end") and cells["service_start"]:
            bad("service_start", f"a {kind} row has no service_start; leave it empty")
        if len(problems.items) > before:
            continue
        assert day is not None and kind is not None
        seq, travel_m, travel_s = whole["seq"], whole["travel_m"], whole["travel_s"]
        arrive, depart = times["arrive"], times["depart"]
        assert seq is not None and travel_m is not None and travel_s is not None
        assert arrive is not None and depart is not None
        key = (day, cells["worker_id"], seq)
        if key in first_at:
            bad(
                "seq",
                f"duplicate seq {seq} of {cells['worker_id']} on {day} "
                f"(first at row {first_at[key]})",
            )
            continue
        first_at[key] = number
        out.append(
            RouteRow(
                worker_id=cells["worker_id"],
                seq=seq,
                site_id=cells["site_id"],
                arrive=arrive,
                depart=depart,
                travel_m=travel_m,
                date=day,
                grid=cells["grid"],
                kind=kind,
                travel_s=travel_s,
                service_start=times["service_start"],
                row=number,
            )
        )
    problems.raise_if_any()
    return out


def load_street_graph(scenario_dir: Path, mode: str) -> nx.MultiDiGraph:
    """The cached street graph ``scenario_dir/streets/<mode>.graphml`` (osmnx GraphML)."""
    if mode not in STREET_MODES:
        raise InputError(
            [InputProblem("--mode", None, None, f"expected one of {STREET_MODES}, got {mode!r}")]
        )
    path = Path(scenario_dir) / "streets" / f"{mode}.graphml"
    if not path.is_file():
        raise InputError(
            [
                InputProblem(
                    str(path),
                    None,
                    None,
                    "the street network cache is missing; run `planner streets import FILE "
                    "--scenario DIR` or `planner routes` first",
                )
            ]
        )
    import osmnx as ox  # slow to import; only needed here

    return ox.load_graphml(path)


# ---------------------------------------------------------------------- coordinates


def _out_of_china(lat: float, lon: float) -> bool:
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _gcj_offset(lat: float, lon: float) -> tuple[float, float]:
    """The GCJ-02 offset (degrees of lat, lon) added to a WGS-84 point."""
    x, y = lon - 105.0, lat - 35.0
    common = (20 * math.sin(6 * x * math.pi) + 20 * math.sin(2 * x * math.pi)) * 2 / 3
    d_lat = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    d_lat += common + (20 * math.sin(y * math.pi) + 40 * math.sin(y / 3 * math.pi)) * 2 / 3
    d_lat += (160 * math.sin(y / 12 * math.pi) + 320 * math.sin(y * math.pi / 30)) * 2 / 3
    d_lon = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    d_lon += common + (20 * math.sin(x * math.pi) + 40 * math.sin(x / 3 * math.pi)) * 2 / 3
    d_lon += (150 * math.sin(x / 12 * math.pi) + 300 * math.sin(x / 30 * math.pi)) * 2 / 3
    a, ee = 6378245.0, 0.00669342162296594323  # Krasovsky 1940 ellipsoid
    rad = lat / 180 * math.pi
    magic = 1 - ee * math.sin(rad) ** 2
    d_lat = d_lat * 180 / ((a * (1 - ee)) / (magic * math.sqrt(magic)) * math.pi)
    d_lon = d_lon * 180 / (a / math.sqrt(magic) * math.cos(rad) * math.pi)
    return d_lat, d_lon


def _to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """WGS-84 (lat, lon) to GCJ-02; points outside China are unchanged."""
    if _out_of_china(lat, lon):
        return lat, lon
    d_lat, d_lon = _gcj_offset(lat, lon)
    return lat + d_lat, lon + d_lon


def _from_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """GCJ-02 (lat, lon) to WGS-84, iterating the forward offset to 1e-7 degrees.

    The checker's own conversion, kept apart from ``planner.streets.coords`` on purpose:
    the tests compare the two.
    """
    if _out_of_china(lat, lon):
        return lat, lon
    w_lat, w_lon = lat, lon
    for _ in range(30):
        g_lat, g_lon = _to_gcj02(w_lat, w_lon)
        e_lat, e_lon = g_lat - lat, g_lon - lon
        if abs(e_lat) < 1e-7 and abs(e_lon) < 1e-7:
            break
        w_lat, w_lon = w_lat - e_lat, w_lon - e_lon
    return w_lat, w_lon


def _wgs84(stop: Stop) -> tuple[float, float]:
    """A stop's (lon, lat) in WGS-84."""
    if str(stop.crs).upper() == "GCJ-02":
        lat, lon = _from_gcj02(stop.lat, stop.lon)
        return lon, lat
    return stop.lon, stop.lat


# -------------------------------------------------------------------------- network


class _Network:
    """Nearest nodes and shortest-path metres over a street graph, computed lazily."""

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        self.graph = graph
        self.nodes = list(graph.nodes)
        self.lon = np.radians(np.array([graph.nodes[n]["x"] for n in self.nodes], dtype=float))
        self.lat = np.radians(np.array([graph.nodes[n]["y"] for n in self.nodes], dtype=float))
        self._snapped: dict[tuple[float, float], tuple[object, float]] = {}
        self._metres: dict[tuple[object, object], float | None] = {}

    def snap(self, lon: float, lat: float) -> tuple[object, float]:
        """The nearest node (great-circle) and its distance in metres."""
        key = (lon, lat)
        if key not in self._snapped:
            lon_r, lat_r = math.radians(lon), math.radians(lat)
            h = (
                np.sin((self.lat - lat_r) / 2) ** 2
                + math.cos(lat_r) * np.cos(self.lat) * np.sin((self.lon - lon_r) / 2) ** 2
            )
            metres = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
            i = int(np.argmin(metres))
            self._snapped[key] = (self.nodes[i], float(metres[i]))
        return self._snapped[key]

    def metres(self, source: object, target: object) -> float | None:
        """Shortest-path metres over edge ``length``; None when there is no path.

        One Dijkstra search per leg, stopping at the target: legs are short, so this
        explores a small part of the graph, where a search from each source would not.
        """
        key = (source, target)
        if key not in self._metres:
            try:
                found = nx.shortest_path_length(self.graph, source, target, weight="length")
            except nx.NetworkXNoPath:
                self._metres[key] = None
            else:
                self._metres[key] = float(found)
        return self._metres[key]


# ---------------------------------------------------------------------------- context


@dataclass(frozen=True)
class _Lunch:
    minutes: int
    earliest: int
    latest: int


class _Ctx:
    """The scenario, stops, rota and network in the shapes the rules look things up by."""

    def __init__(
        self,
        scenario: Scenario,
        tasks: Sequence[Stop],
        rota: Sequence[RotaEntry],
        graph: nx.MultiDiGraph,
        speed_mps: float,
        lunch: _Lunch,
        max_snap_m: float = UNREACHABLE_M,
    ) -> None:
        self.workers: dict[str, Worker] = {w.id: w for w in scenario.workers}
        self.grids = {g.id: g for g in scenario.grids}
        self.shifts: dict[str, ShiftType] = {s.id: s for s in scenario.shifts}
        self.stops: dict[str, Stop] = {s.id: s for s in scenario.sites}
        self.stops.update({t.id: t for t in tasks})
        self.tasks = tuple(tasks)
        self.rota: dict[tuple[dt.date, str], list[tuple[str | None, str]]] = defaultdict(list)
        for day, worker_id, grid, shift_id in rota:
            self.rota[(day, worker_id)].append((grid, shift_id))
        meetings = [s for s in scenario.shifts if s.kind == ShiftKind.MEETING]
        self.meeting_minutes = meetings[0].length_minutes if meetings else 0
        self.network = _Network(graph)
        self.speed = speed_mps
        self.lunch = lunch
        self.max_snap_m = max_snap_m

    def stop(self, row: RouteRow) -> Stop | None:
        return self.stops.get(row.site_id) if row.kind == "visit" else None

    def place(self, row: RouteRow) -> tuple[float, float] | None:
        """(lon, lat) in WGS-84 of the station or stop a row names; None if unknown."""
        if row.site_id.startswith(STATION_PREFIX):
            grid = self.grids.get(row.site_id.removeprefix(STATION_PREFIX))
            return None if grid is None else (grid.station_lon, grid.station_lat)
        stop = self.stops.get(row.site_id)
        return None if stop is None else _wgs84(stop)

    def meeting_end(self, shift: ShiftType) -> int:
        """When a route may start: the shift start, plus the meeting if the shift has it."""
        meeting = self.meeting_minutes if shift.includes_meeting else 0
        return _seconds(shift.start) + meeting * 60

    def shift(self, row: RouteRow) -> ShiftType | None:
        """The worker's shift that day: the day patrol if any, else their only other shift."""
        held = [
            self.shifts[s]
            for _, s in self.rota.get((row.date, row.worker_id), ())
            if s in self.shifts
        ]
        patrols = [s for s in held if s.kind == ShiftKind.DAY_PATROL]
        if patrols:
            return patrols[0]
        return held[0] if len(held) == 1 else None


Route = list[RouteRow]
Found = Iterator[RouteViolation]


def _at(row: RouteRow, rule: str, message: str) -> RouteViolation:
    return RouteViolation(rule, row.worker_id, row.date, row.seq, row.site_id, message)


# ------------------------------------------------------------------------- the rules


def _route_format(ctx: _Ctx, route: Route) -> Found:
    """Seq 0..n, start first, end last, visits in between, stations of the route's grid."""
    rule = "route_format"
    first, last = route[0], route[-1]
    wrong = next(((i, r) for i, r in enumerate(route) if r.seq != i), None)
    if wrong is not None:
        yield _at(wrong[1], rule, f"seq {wrong[1].seq} where {wrong[0]} was expected")
    if first.kind != "start":
        yield _at(first, rule, f"the route begins with a {first.kind} row, not a start row")
    if last.kind != "end" or len(route) < 2:
        yield _at(last, rule, "the route does not finish with an end row")
    grid = first.grid
    station = STATION_PREFIX + grid
    if grid not in ctx.grids:
        yield _at(first, rule, f"unknown grid {grid!r}")
    for i, row in enumerate(route):
        if row.grid != grid:
            yield _at(row, rule, f"grid {row.grid!r} in a route of grid {grid!r}")
        if 0 < i < len(route) - 1 and row.kind in ("start", "end"):
            yield _at(row, rule, f"a {row.kind} row inside the route")
        if row.kind == "visit":
            if row.site_id.startswith(STATION_PREFIX):
                yield _at(row, rule, "a visit row names a station")
            elif row.site_id not in ctx.stops:
                yield _at(row, rule, f"unknown site {row.site_id!r}")
        elif row.site_id != station:
            yield _at(row, rule, f"a {row.kind} row must be at {station}")
        if row.kind in ("visit", "lunch") and row.service_start is None:
            yield _at(row, rule, f"a {row.kind} row without service_start")


def _on_duty(ctx: _Ctx, route: Route) -> Found:
    """An inspector holding a day patrol in the route's grid on the route's day."""
    first = route[0]
    worker = ctx.workers.get(first.worker_id)
    if worker is None:
        yield _at(first, "on_duty", f"{first.worker_id!r} is not a worker of the scenario")
        return
    if worker.role != Role.INSPECTOR:
        yield _at(first, "on_duty", f"{worker.id} is a {worker.role.value}, not an inspector")
        return
    held = ctx.rota.get((first.date, worker.id), [])
    patrols = [
        grid or worker.grid
        for grid, shift_id in held
        if shift_id in ctx.shifts and ctx.shifts[shift_id].kind == ShiftKind.DAY_PATROL
    ]
    if not patrols:
        shown = ", ".join(s for _, s in held) or "nothing"
        yield _at(first, "on_duty", f"no day_patrol shift on {first.date} (rota: {shown})")
    elif first.grid not in patrols:
        yield _at(first, "on_duty", f"on day patrol in {patrols[0]}, not in {first.grid}")


def _grid(ctx: _Ctx, route: Route) -> Found:
    """Each stop belongs to the grid of the route."""
    for row in route:
        stop = ctx.stop(row)
        if stop is not None and stop.grid != row.grid:
            yield _at(row, "grid", f"the site belongs to grid {stop.grid}, not {row.grid}")


def _skill(ctx: _Ctx, route: Route) -> Found:
    """The worker holds each stop's skill on the route's day."""
    worker = ctx.workers.get(route[0].worker_id)
    if worker is None:
        return  # reported by on_duty
    for row in route:
        stop = ctx.stop(row)
        if stop is not None and not worker.has_skill(stop.skill, row.date):
            yield _at(row, "skill", f"needs skill {stop.skill!r}, not held on {row.date}")


def _reachable(ctx: _Ctx, route: Route) -> Found:
    """A visited stop is within ``max_snap_m`` (500 m unless the scenario says) of its
    nearest graph node (compared at whole centimetres, as rounding may differ)."""
    limit = ctx.max_snap_m
    for row in route:
        stop = ctx.stop(row)
        if stop is None:
            continue
        _, metres = ctx.network.snap(*_wgs84(stop))
        if round(metres * 100) > round(limit * 100):
            msg = f"{metres:.0f} m from the nearest street node (over {limit:.0f} m)"
            yield _at(row, "reachable", msg)


def _window(stop: Stop, start: int, service: int) -> TimeWindow | None:
    """The opening interval holding the whole service, if any."""
    for w in stop.opening_hours:
        if _seconds(w.open) <= start and start + service <= _seconds(w.close):
            return w
    return None


def _opening_hours(ctx: _Ctx, route: Route) -> Found:
    """Service starts and finishes inside one opening interval."""
    for row in route:
        stop, start = ctx.stop(row), row.service_start
        if stop is None or start is None:
            continue
        service = stop.service_minutes * 60
        if _window(stop, start, service) is None:
            hours = ";".join(f"{w.open:%H:%M}-{w.close:%H:%M}" for w in stop.opening_hours)
            msg = f"service {_clock(start)}-{_clock(start + service)} is not inside one "
            yield _at(row, "opening_hours", msg + f"opening interval ({hours})")


def _arrival(ctx: _Ctx, route: Route) -> Found:
    """Arrival is the previous departure plus this leg's travel seconds."""
    for prev, row in pairwise(route):
        expected = prev.depart + row.travel_s
        if row.arrive != expected:
            msg = f"arrives {_clock(row.arrive)}, not {_clock(expected)} = previous departure "
            yield _at(row, "arrival", msg + f"{_clock(prev.depart)} + {row.travel_s} s")


def _service_start(ctx: _Ctx, route: Route) -> Found:
    """Service starts at max(arrive, opening of the interval it is served in)."""
    for row in route:
        stop, start = ctx.stop(row), row.service_start
        if stop is None or start is None:
            continue
        if start < row.arrive:
            msg = f"service starts {_clock(start)}, before arrival {_clock(row.arrive)}"
            yield _at(row, "service_start", msg)
            continue
        window = _window(stop, start, stop.service_minutes * 60)
        if window is None:
            continue  # reported by opening_hours
        expected = max(row.arrive, _seconds(window.open))
        if start != expected:
            msg = f"service starts {_clock(start)}, not {_clock(expected)} "
            msg += f"(arrival {_clock(row.arrive)}, interval opens {window.open:%H:%M})"
            yield _at(row, "service_start", msg)


def _departure(ctx: _Ctx, route: Route) -> Found:
    """Departure is service start + service; start rows leave after arriving; end rows stay."""
    for row in route:
        stop, start = ctx.stop(row), row.service_start
        if stop is not None and start is not None:
            expected = start + stop.service_minutes * 60
            if row.depart != expected:
                msg = f"departs {_clock(row.depart)}, not {_clock(expected)} = service start "
                msg += f"{_clock(start)} + {stop.service_minutes} min"
                yield _at(row, "departure", msg)
        elif row.kind == "start" and row.depart < row.arrive:
            msg = f"leaves {_clock(row.depart)}, before the start {_clock(row.arrive)}"
            yield _at(row, "departure", msg)
        elif row.kind == "end" and row.depart != row.arrive:
            msg = f"the end row departs {_clock(row.depart)}, not at arrival {_clock(row.arrive)}"
            yield _at(row, "departure", msg)


def _needs_lunch(ctx: _Ctx, route: Route) -> bool:
    """Whether no lunch fits at the station before leaving or after coming back.

    Before: the inspector, at the station since the meeting ended, leaves no earlier than
    a whole lunch starting at ``lunch_earliest`` (or the meeting end if later, but no later
    than ``lunch_latest``) would finish. After: they are back by ``lunch_latest``.
    """
    first, last = route[0], route[-1]
    if first.kind != "start" or last.kind != "end":
        return False  # reported by route_format
    lunch = ctx.lunch
    shift = ctx.shift(first)
    at_station = first.arrive if shift is None else min(first.arrive, ctx.meeting_end(shift))
    begins = max(at_station, lunch.earliest)
    if lunch.minutes == 0:
        return False
    if shift is not None:
        ends = _seconds(shift.start) + shift.length_minutes * 60
        if begins > lunch.latest or begins + lunch.minutes * 60 > ends:
            return False  # a half-day shift that cannot hold the break has none
    fits_before = begins <= lunch.latest and first.depart >= begins + lunch.minutes * 60
    fits_after = last.arrive <= lunch.latest
    return not (fits_before or fits_after)


def _lunch(ctx: _Ctx, route: Route) -> Found:
    """At most one lunch, exactly one when the route spans lunch, each timed by the rules."""
    lunch = ctx.lunch
    lunches = [row for row in route if row.kind == "lunch"]
    if not lunches and _needs_lunch(ctx, route):
        msg = f"no lunch, but the route leaves the station at {_clock(route[0].depart)} "
        msg += f"and is back only at {_clock(route[-1].arrive)}"
        yield _at(route[-1], "lunch", msg)
    for row in lunches[1:]:
        yield _at(row, "lunch", "a second lunch in one route")
    for row in lunches:
        start = row.service_start
        if start is None:
            continue  # reported by route_format
        expected = max(row.arrive, lunch.earliest)
        if start != expected:
            msg = f"lunch starts {_clock(start)}, not {_clock(expected)} "
            msg += f"(arrival {_clock(row.arrive)}, earliest {_clock(lunch.earliest)})"
            yield _at(row, "lunch", msg)
        if start > lunch.latest:
            msg = f"lunch starts {_clock(start)}, after the latest {_clock(lunch.latest)}"
            yield _at(row, "lunch", msg)
        if row.depart != start + lunch.minutes * 60:
            msg = f"lunch {_clock(start)}-{_clock(row.depart)} does not last {lunch.minutes} min"
            yield _at(row, "lunch", msg)


def _start(ctx: _Ctx, route: Route) -> Found:
    """The route starts no earlier than the shift start after the morning meeting."""
    first = route[0]
    shift = ctx.shift(first)
    if shift is None or first.kind != "start":
        return  # reported by on_duty / route_format
    meeting = ctx.meeting_minutes if shift.includes_meeting else 0
    earliest = ctx.meeting_end(shift)
    if first.arrive < earliest:
        after = f" + {meeting} min meeting" if meeting else ""
        msg = f"starts {_clock(first.arrive)}, before {_clock(earliest)} "
        yield _at(first, "start", msg + f"(shift {shift.id} {shift.start:%H:%M}{after})")


def _shift_end(ctx: _Ctx, route: Route) -> Found:
    """The route is back at the station by the shift end."""
    last = route[-1]
    shift = ctx.shift(last)
    if shift is None:
        return  # reported by on_duty
    end = _seconds(shift.end) + (24 * 3600 if shift.crosses_midnight else 0)
    back = last.arrive if last.kind == "end" else last.depart
    if back > end:
        msg = f"back {_clock(back)}, after shift {shift.id} ends {shift.end:%H:%M}"
        yield _at(last, "shift_end", msg)


def _legs(ctx: _Ctx, route: Route) -> Found:
    """``leg_length`` and ``leg_time`` of every leg; the start row has no leg."""
    first = route[0]
    if first.travel_m != 0:
        yield _at(first, "leg_length", f"travel_m {first.travel_m} on the first row (no leg)")
    if first.travel_s != 0:
        yield _at(first, "leg_time", f"travel_s {first.travel_s} on the first row (no leg)")
    for prev, row in pairwise(route):
        a, b = ctx.place(prev), ctx.place(row)
        if a is None or b is None:
            continue  # an unknown place: reported by route_format
        metres = ctx.network.metres(ctx.network.snap(*a)[0], ctx.network.snap(*b)[0])
        if metres is None:
            yield _at(row, "leg_length", f"no path in the street network from {prev.site_id}")
            continue
        rounded = round(metres)
        if abs(row.travel_m - rounded) > METRE_TOLERANCE:
            msg = f"travel_m {row.travel_m}, but the shortest path from {prev.site_id} "
            yield _at(row, "leg_length", msg + f"is {rounded} m")
        seconds = math.ceil(rounded / ctx.speed - 1e-9)
        if abs(row.travel_s - seconds) > SECOND_TOLERANCE:
            msg = f"travel_s {row.travel_s}, but {rounded} m at {ctx.speed:g} m/s "
            yield _at(row, "leg_time", msg + f"take {seconds} s")


_ROUTE_RULES: tuple[Callable[[_Ctx, Route], Found], ...] = (
    _route_format,
    _on_duty,
    _grid,
    _skill,
    _reachable,
    _opening_hours,
    _arrival,
    _service_start,
    _departure,
    _lunch,
    _start,
    _shift_end,
    _legs,
)
"""Rules evaluated route by route; ``visited_once`` looks across the routes of a day."""


def _visited_once(routes: Iterable[Route]) -> Found:
    """Each stop at most once a day, over all routes of that day."""
    first_at: dict[tuple[dt.date, str], RouteRow] = {}
    for route in routes:
        for row in route:
            if row.kind != "visit":
                continue
            was = first_at.setdefault((row.date, row.site_id), row)
            if was is not row:
                msg = f"already visited by {was.worker_id} at seq {was.seq}"
                yield _at(row, "visited_once", msg)


def _coverage(
    ctx: _Ctx, scenario: Scenario, rows: Sequence[RouteRow], unserved: Sequence[str]
) -> Found:
    """Each due stop (docs/routes.md: never visited, or last visit + interval <= day; the
    day's tasks) is served or listed as unserved; nothing is both, nothing else is listed."""
    days = sorted({r.date for r in rows})
    served = {(r.date, r.site_id): r for r in rows if r.kind == "visit"}
    listed = set(unserved)
    for day in days:
        due = {
            site.id
            for site in scenario.sites
            if day
            >= (
                scenario.info.reference_date
                if site.last_visit is None
                else site.last_visit + dt.timedelta(days=site.visit_interval_days)
            )
        } | {t.id for t in ctx.tasks}
        for site_id in sorted(due):
            here = (day, site_id) in served
            if not here and site_id not in listed:
                yield RouteViolation("coverage", "-", day, -1, site_id,
                                     "due, but neither on a route nor in unserved.csv")  # fmt: skip
            if here and site_id in listed:
                row = served[(day, site_id)]
                yield _at(row, "coverage", "served, yet listed in unserved.csv")
        for site_id in sorted(listed - due):
            yield RouteViolation("coverage", "-", day, -1, site_id,
                                 "listed in unserved.csv but not due that day")  # fmt: skip


# ---------------------------------------------------------------------------- checking


def check_routes(
    scenario: Scenario,
    rows: Sequence[RouteRow],
    rota: Sequence[RotaEntry],
    graph: nx.MultiDiGraph,
    *,
    tasks: Sequence[Stop] = (),
    speed_mps: float,
    lunch_minutes: int = 90,
    lunch_earliest: dt.time = dt.time(11, 30),
    lunch_latest: dt.time = dt.time(12, 30),
    max_snap_m: float = UNREACHABLE_M,
    unserved: Sequence[str] | None = None,
) -> RouteReport:
    """Check ``rows`` (all routes of ``routes.csv``) against every rule of ``docs/routes.md``.

    With ``unserved`` (the site ids of ``unserved.csv``), also that every due stop is
    accounted for (rule ``coverage``).

    ``rota`` gives who is on which shift in which grid; ``graph`` is the street network
    (WGS-84 nodes with ``x``/``y``, edge ``length`` in metres); ``tasks`` are the day's
    ad-hoc task stops; ``speed_mps`` is the travel mode's speed (:data:`SPEED_MPS`).
    """
    lunch = _Lunch(lunch_minutes, _seconds(lunch_earliest), _seconds(lunch_latest))
    ctx = _Ctx(scenario, tasks, rota, graph, speed_mps, lunch, max_snap_m)
    grouped: dict[tuple[dt.date, str], Route] = defaultdict(list)
    for row in rows:
        grouped[(row.date, row.worker_id)].append(row)
    routes = [sorted(grouped[key], key=lambda r: (r.seq, r.row or 0)) for key in sorted(grouped)]
    found: list[RouteViolation] = []
    for route in routes:
        for rule in _ROUTE_RULES:
            found += rule(ctx, route)
    found += _visited_once(routes)
    if unserved is not None:
        found += _coverage(ctx, scenario, rows, unserved)
    order = {name: i for i, name in enumerate(ROUTE_RULES)}
    found.sort(key=lambda f: (f.date, f.worker_id, f.seq, order[f.rule]))
    return RouteReport(
        findings=tuple(found),
        routes=len(routes),
        stops_served=sum(1 for r in rows if r.kind == "visit"),
        metres=sum(r.travel_m for r in rows),
    )
