"""What `planner routes` writes: routes.csv, unserved.csv, routes.geojson, maps, summary."""

from __future__ import annotations

import csv
import io
import itertools
import json
import warnings
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from planner.domain import Scenario
from planner.outputs import write_folder
from planner.routes.build import Stop, Unserved
from planner.routes.solve import DayRoutes, RouteRow
from planner.streets.matrix import StreetIndex, street_path

ROUTE_COLUMNS = (
    "worker_id", "seq", "site_id", "arrive", "depart", "travel_m",
    "date", "grid", "kind", "travel_s", "service_start",
)  # fmt: skip
UNSERVED_COLUMNS = ("site_id", "grid", "risk", "mandatory", "reason", "name", "overdue_days")
CJK_FONTS = (
    "Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC", "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei", "Droid Sans Fallback", "AR PL UMing CN", "Source Han Sans SC",
)  # fmt: skip
"""Fonts that can draw Chinese; Debian's ``fonts-noto-cjk`` provides the first."""
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")


def clock(seconds: int) -> str:
    """``HH:MM:SS`` of seconds since midnight."""
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def routes_csv(rows: Sequence[RouteRow]) -> str:
    """routes.csv: the issue's six columns first, then date, grid, kind, leg seconds, start."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(ROUTE_COLUMNS)
    for r in rows:
        writer.writerow([
            r.worker_id, r.seq, r.site_id, clock(r.arrive), clock(r.depart), r.travel_m,
            r.date.isoformat(), r.grid, r.kind, r.travel_s,
            "" if r.service_start is None else clock(r.service_start),
        ])  # fmt: skip
    return buf.getvalue()


def unserved_csv(unserved: Sequence[Unserved]) -> str:
    """unserved.csv: every due stop no route serves, with the reason (docs/routes.md)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(UNSERVED_COLUMNS)
    for u in sorted(unserved, key=lambda u: (u.stop.site.grid, u.stop.site.id)):
        s = u.stop
        mandatory = "yes" if s.mandatory else "no"
        writer.writerow(
            [s.site.id, s.site.grid, s.site.risk.value, mandatory, u.reason, s.site.name,
             s.overdue_days]
        )  # fmt: skip
    return buf.getvalue()


def summary(day: DayRoutes) -> dict[str, Any]:
    """Stops served and due, km and utilisation per inspector, reasons for the rest."""
    reasons: dict[str, int] = {}
    for u in day.unserved:
        reasons[u.reason] = reasons.get(u.reason, 0) + 1
    mandatory = [s for g in day.plan.grids for s in g.stops if s.mandatory]
    mandatory += [u.stop for u in day.plan.unserved if u.stop.mandatory]
    no_plan = sorted({u.stop.site.grid for u in day.unserved if u.reason == "no_solution"})
    return {
        "date": day.plan.date.isoformat(),
        "status": "incomplete" if no_plan else "ok",
        "grids_without_plan": no_plan,
        "backend": day.backend,
        "seconds": round(day.seconds, 3),
        "objective": day.cost,
        "due": day.plan.due,
        "served": day.served,
        "mandatory_due": len(mandatory),
        "mandatory_served": len(mandatory) - sum(1 for u in day.unserved if u.stop.mandatory),
        "unserved_by_reason": dict(sorted(reasons.items())),
        "km": round(sum(w.metres for w in day.workers) / 1000, 2),
        "workers": [
            {
                "worker_id": w.worker_id,
                "grid": w.grid,
                "stops": w.stops,
                "km": round(w.metres / 1000, 2),
                "travel_minutes": round(w.travel_s / 60, 1),
                "service_minutes": round(w.service_s / 60, 1),
                "utilisation": round(w.utilisation, 3),
            }
            for w in day.workers
        ],
    }


def summary_line(day: DayRoutes) -> str:
    """The one line the CLI prints."""
    s = summary(day)
    return (
        f"routes {s['date']}: {s['served']}/{s['due']} stops served "
        f"(mandatory {s['mandatory_served']}/{s['mandatory_due']}), {s['km']} km, "
        f"{len(day.workers)} inspectors, {day.seconds:.1f} s ({day.backend})"
    )


def routes_geojson(day: DayRoutes, graph: nx.MultiDiGraph, scenario: Scenario) -> str:
    """Each route as a line along the streets, each stop and unserved site as a point."""
    features: list[dict[str, Any]] = []
    index = StreetIndex.of(graph)
    by_worker: dict[str, list[RouteRow]] = {}
    for r in day.rows:
        by_worker.setdefault(r.worker_id, []).append(r)
    for worker_id, rows in by_worker.items():
        coords: list[tuple[float, float]] = []
        for a, b in itertools.pairwise(rows):
            part = street_path(graph, a.node, b.node, index)
            coords.extend(part if not coords else part[1:])
        if len(coords) < 2:
            node = graph.nodes[rows[0].node]
            coords = [(node["x"], node["y"])] * 2
        features.append({
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [list(c) for c in coords]},
            "properties": {"kind": "route", "worker_id": worker_id, "grid": rows[0].grid,
                           "stops": sum(1 for r in rows if r.kind == "visit"),
                           "metres": sum(r.travel_m for r in rows)},
        })  # fmt: skip
        for r in rows:
            if r.kind != "visit":
                continue
            stop = _stop(day, r.site_id)
            features.append(_point(stop.lon, stop.lat, {
                "kind": "stop", "site_id": r.site_id, "worker_id": worker_id, "seq": r.seq,
                "arrive": clock(r.arrive), "depart": clock(r.depart), "name": stop.site.name,
                "risk": stop.site.risk.value}))  # fmt: skip
    for u in day.unserved:
        features.append(_point(u.stop.lon, u.stop.lat, {
            "kind": "unserved", "site_id": u.stop.site.id, "reason": u.reason,
            "risk": u.stop.site.risk.value, "name": u.stop.site.name}))  # fmt: skip
    for g in scenario.grids:
        features.append(_point(g.station_lon, g.station_lat,
                               {"kind": "station", "grid": g.id, "name": g.name}))  # fmt: skip
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def _point(lon: float, lat: float, props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": props}  # fmt: skip


def _stop(day: DayRoutes, site_id: str) -> Stop:
    """The routed stop with this id."""
    return day.stops[site_id]


@dataclass(frozen=True)
class Fonts:
    """The font for map labels, and whether it can draw Chinese."""

    family: str | None

    @property
    def chinese(self) -> bool:
        return self.family is not None


def cjk_font() -> Fonts:
    """A CJK-capable font known to matplotlib, if any is installed."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return Fonts(next((n for n in CJK_FONTS if n in names), None))


def grid_map_png(
    day: DayRoutes, graph: nx.MultiDiGraph, scenario: Scenario, grid_id: str, fonts: Fonts
) -> bytes:
    """A map of one grid's routes: streets in grey, one colour per inspector, stops numbered."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in day.rows if r.grid == grid_id]
    unserved = [u for u in day.unserved if u.stop.site.grid == grid_id]
    grid = scenario.grid(grid_id)
    xs = [graph.nodes[r.node]["x"] for r in rows] + [u.stop.lon for u in unserved]
    ys = [graph.nodes[r.node]["y"] for r in rows] + [u.stop.lat for u in unserved]
    xs.append(grid.station_lon)
    ys.append(grid.station_lat)
    pad = 0.002
    box = (min(xs) - pad, max(xs) + pad, min(ys) - pad, max(ys) + pad)
    fig, ax = plt.subplots(figsize=(8, 8), dpi=110)
    try:
        draw_streets(ax, graph, box)
        workers = sorted({r.worker_id for r in rows})
        index = StreetIndex.of(graph)
        names = {w.id: w.name for w in scenario.workers}
        for k, worker_id in enumerate(workers):
            colour = PALETTE[k % len(PALETTE)]
            mine = [r for r in rows if r.worker_id == worker_id]
            line: list[tuple[float, float]] = []
            for a_row, b_row in itertools.pairwise(mine):
                part = street_path(graph, a_row.node, b_row.node, index)
                line.extend(part if not line else part[1:])
            if line:
                ax.plot([p[0] for p in line], [p[1] for p in line], color=colour, lw=2,
                        alpha=0.8, zorder=3,
                        label=names[worker_id] if fonts.chinese else worker_id)  # fmt: skip
            for r in mine:
                if r.kind != "visit":
                    continue
                stop = _stop(day, r.site_id)
                ax.scatter([stop.lon], [stop.lat], s=40, color=colour, zorder=4,
                           edgecolors="white")  # fmt: skip
                ax.annotate(str(r.seq), (stop.lon, stop.lat), fontsize=7, zorder=5,
                            xytext=(3, 3), textcoords="offset points")  # fmt: skip
        if unserved:
            ax.scatter([u.stop.lon for u in unserved], [u.stop.lat for u in unserved], s=25,
                       marker="x", color="#555555", zorder=4,
                       label="未安排" if fonts.chinese else "unserved")  # fmt: skip
        ax.scatter([grid.station_lon], [grid.station_lat], s=160, marker="*", color="black",
                   zorder=6, label="网格工作站" if fonts.chinese else "station")  # fmt: skip
        title = (
            f"{grid.name}（{grid.id}）{day.plan.date:%Y-%m-%d} 日间巡查路线"
            if fonts.chinese
            else f"{grid.id} {day.plan.date:%Y-%m-%d} day patrol routes"
        )
        if fonts.family:
            ax.set_title(title, fontfamily=fonts.family)
        else:
            ax.set_title(title)
        legend = ax.legend(loc="upper right", fontsize=8)
        if fonts.family:
            for text in legend.get_texts():
                text.set_fontfamily(fonts.family)
        ax.set_xlim(box[0], box[1])
        ax.set_ylim(box[2], box[3])
        ax.set_aspect(1 / 0.92)  # about 1/cos(23°): metres look square at Dongguan's latitude
        ax.set_xticks([])
        ax.set_yticks([])
        ax.text(0.01, 0.01, "street data: generated, or © OpenStreetMap contributors",
                transform=ax.transAxes, fontsize=6, color="#777777")  # fmt: skip
        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches="tight")
        return buf.getvalue()
    finally:
        plt.close(fig)


_SEGMENTS: weakref.WeakKeyDictionary[nx.MultiDiGraph, list[list[tuple[float, float]]]] = (
    weakref.WeakKeyDictionary()
)


def draw_streets(ax: Any, graph: nx.MultiDiGraph, box: tuple[float, float, float, float]) -> None:
    """The street network in grey as one LineCollection (one artist, not one per street)."""
    from matplotlib.collections import LineCollection

    segments = _SEGMENTS.get(graph)
    if segments is None:
        segments = []
        for u, v, data in graph.edges(data=True):
            if "geometry" in data:
                segments.append([(float(x), float(y)) for x, y in data["geometry"].coords])
            else:
                a, b = graph.nodes[u], graph.nodes[v]
                segments.append([(a["x"], a["y"]), (b["x"], b["y"])])
        _SEGMENTS[graph] = segments
    inside = [
        seg for seg in segments
        if any(box[0] <= x <= box[1] and box[2] <= y <= box[3] for x, y in (seg[0], seg[-1]))
    ]  # fmt: skip
    ax.add_collection(LineCollection(inside, colors="#cccccc", linewidths=0.6, zorder=1))


def write_routes(
    day: DayRoutes,
    graph: nx.MultiDiGraph,
    scenario: Scenario,
    out: Path,
    *,
    rota_path: Path | None = None,
    extra: Iterable[tuple[str, bytes]] = (),
) -> list[str]:
    """Write every output into ``out`` atomically; return warnings for the user."""
    fonts = cjk_font()
    notes = []
    if not fonts.chinese:
        notes.append(
            "no Chinese font found (install fonts-noto-cjk); map labels use ids instead of names"
        )

    def fill(staging: Path) -> None:
        (staging / "routes.csv").write_text(routes_csv(day.rows), encoding="utf-8")
        (staging / "unserved.csv").write_text(unserved_csv(day.unserved), encoding="utf-8")
        (staging / "routes.geojson").write_text(
            routes_geojson(day, graph, scenario), encoding="utf-8"
        )
        doc = summary(day)
        if rota_path is not None:
            doc["rota"] = str(rota_path.resolve())  # `planner check --routes` reads it back
        (staging / "summary.json").write_text(
            json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        maps = staging / "maps"
        maps.mkdir()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # missing glyph warnings when no CJK font
            for g in day.plan.grids:
                png = grid_map_png(day, graph, scenario, g.grid, fonts)
                (maps / f"routes_{g.grid}.png").write_bytes(png)
        for name, data in extra:
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)

    write_folder(out, "summary.json", fill)
    return notes
