"""Night patrol outputs of `planner routes`: one postman loop per night team.

A night team is everyone on a night-patrol shift that day from one base grid (night
cover is set per base grid); it walks the patrol streets (``patrol.csv``) of every grid
of its base, starting and ending at the station of the base's first grid.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import networkx as nx
import numpy as np

from planner._errors import PlannerError
from planner.domain import Scenario, ShiftKind
from planner.roster.problem import Cell
from planner.routes.patrol import PatrolLoop, patrol_loop, patrol_streets
from planner.scenario_io import Problems, read_csv_rows
from planner.streets.matrix import snap

PATROL_COLUMNS = ("base", "station_grid", "workers", "length_m", "required_m", "deadhead_m",
                  "streets", "walk_minutes")  # fmt: skip


def read_patrol(path: Path, scenario: Scenario) -> list[tuple[str, str]]:
    """``(grid, street)`` rows of patrol.csv, each bad row reported."""
    problems = Problems()
    grids = {g.id for g in scenario.grids}
    rows = []
    table = list(read_csv_rows(path, ("grid", "street"), lambda c: True, problems))
    problems.raise_if_any()  # a missing column: nothing below can be read
    for number, row in table:
        if row["grid"] not in grids:
            problems.add(path.name, number, "grid", f"unknown grid {row['grid']!r}")
        elif not row["street"]:
            problems.add(path.name, number, "street", "a street name is needed")
        else:
            rows.append((row["grid"], row["street"]))
    problems.raise_if_any()
    return rows


def night_teams(scenario: Scenario, rota: Sequence[Cell], day: dt.date) -> dict[str, list[str]]:
    """Workers on night patrol on ``day``, by base grid."""
    workers = {w.id: w for w in scenario.workers}
    bases = {g.id: g.base for g in scenario.grids}
    teams: dict[str, list[str]] = {}
    for cell in rota:
        if cell.date != day or cell.shift_id is None:
            continue
        if scenario.shift(cell.shift_id).kind == ShiftKind.NIGHT_PATROL:
            grid = cell.grid or workers[cell.worker_id].grid  # the rota may lend a worker
            teams.setdefault(bases[grid], []).append(cell.worker_id)
    return teams


def night_patrols(
    scenario: Scenario,
    folder: Path,
    graph: nx.MultiDiGraph,
    rota: Sequence[Cell],
    day: dt.date,
    speed_mps: float,
    warn: Callable[[str], None],
) -> list[tuple[str, bytes]]:
    """patrol.csv, patrol.geojson and one map per team; nothing without patrol streets.

    A base whose loop cannot be made (no patrol street on the network, one cut off) is
    left out with a warning: the day routes matter more than one night's map.
    """
    if scenario.streets.patrol is None:
        return []
    rows = read_patrol(folder / scenario.streets.patrol, scenario)
    stations = {g.id: (g.station_lat, g.station_lon) for g in scenario.grids}
    teams = night_teams(scenario, rota, day)
    lats = np.array([g.station_lat for g in scenario.grids])
    lons = np.array([g.station_lon for g in scenario.grids])
    nodes, _ = snap(graph, lats, lons)
    station_node = {g.id: int(n) for g, n in zip(scenario.grids, nodes, strict=True)}
    loops: list[tuple[str, str, list[str], PatrolLoop]] = []
    for base in sorted(teams):
        grids = [g.id for g in scenario.grids if g.base == base]
        required = set().union(*(patrol_streets(graph, rows, g, stations) for g in grids))
        if not required:
            warn(f"night patrol {base}: none of its patrol streets is on the street network")
            continue
        try:
            loop = patrol_loop(graph, required, station_node[grids[0]])
        except PlannerError as exc:
            warn(f"night patrol {base}: {exc}")
            continue
        loops.append((base, grids[0], sorted(teams[base]), loop))
    out: list[tuple[str, bytes]] = []
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(PATROL_COLUMNS)
    features = []
    for base, grid, workers, loop in loops:
        writer.writerow(
            [base, grid, " ".join(workers), round(loop.length_m), round(loop.required_m),
             round(loop.deadhead_m), len(loop.edges), round(loop.length_m / speed_mps / 60)]
        )  # fmt: skip
        features.append(loop.geojson(base=base, station_grid=grid, workers=workers,
                                     date=day.isoformat()))  # fmt: skip
    out.append(("patrol.csv", buf.getvalue().encode("utf-8")))
    doc = {"type": "FeatureCollection", "features": features}
    out.append(("patrol.geojson", json.dumps(doc, ensure_ascii=False).encode("utf-8")))
    from planner.routes.report import cjk_font

    fonts = cjk_font()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for base, grid, workers, loop in loops:
            png = patrol_png(scenario, graph, base, grid, workers, loop, day, fonts.family)
            out.append((f"maps/patrol_{base}.png", png))
    return out


def patrol_png(
    scenario: Scenario,
    graph: nx.MultiDiGraph,
    base: str,
    grid: str,
    workers: list[str],
    loop: PatrolLoop,
    day: dt.date,
    font: str | None,
) -> bytes:
    """The loop over the grey street map, the station starred."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from planner.routes.report import draw_streets

    xs = [c[0] for c in loop.coordinates]
    ys = [c[1] for c in loop.coordinates]
    pad = 0.002
    box = (min(xs) - pad, max(xs) + pad, min(ys) - pad, max(ys) + pad)
    fig, ax = plt.subplots(figsize=(8, 8), dpi=110)
    try:
        draw_streets(ax, graph, box)
        ax.plot(xs, ys, color="#3b3bb3", lw=2, alpha=0.8, zorder=3)
        station = scenario.grid(grid)
        ax.scatter([station.station_lon], [station.station_lat], s=160, marker="*",
                   color="black", zorder=5)  # fmt: skip
        names = {w.id: w.name for w in scenario.workers}
        km = loop.length_m / 1000
        if font:
            who = "、".join(names[w] for w in workers)
            title = f"{base} 夜间巡逻 {day:%Y-%m-%d}（{who}）{km:.1f} 公里"
            ax.set_title(title, fontfamily=font)
        else:
            ax.set_title(f"{base} night patrol {day:%Y-%m-%d} ({' '.join(workers)}) {km:.1f} km")
        ax.set_xlim(box[0], box[1])
        ax.set_ylim(box[2], box[3])
        ax.set_aspect(1 / 0.92)
        ax.set_xticks([])
        ax.set_yticks([])
        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches="tight")
        return buf.getvalue()
    finally:
        plt.close(fig)
