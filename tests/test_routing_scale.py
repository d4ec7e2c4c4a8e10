"""Smoke test of ``benchmarks/routing_scale.py``: its core on a tiny generated day.

The benchmark's own cases take minutes (street generation, OSM import); here a lattice of
streets stands in for them, so the due-stop adjuster, the day rota, the measuring with both
backends and the reference run, the gaps and the independent checker all run in seconds.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import ModuleType

import networkx as nx
import numpy as np

from planner.domain import Role
from planner.generate import BAOTUN_BBOX, generate_scenario
from planner.routes.build import build_day, due_stops
from tests.benchmark_scripts import load_benchmark

REPO = Path(__file__).resolve().parents[1]
EARTH_RADIUS_M = 6_371_009.0


def load_script() -> ModuleType:
    """``benchmarks/routing_scale.py``, loaded from its path."""
    return load_benchmark("routing_scale")


bench = load_script()


def lattice(step: float = 0.002) -> nx.MultiDiGraph:
    """Two-way streets every ``step`` degrees over Baotun's box (about 200 m apart)."""
    lon0, lat0, lon1, lat1 = BAOTUN_BBOX
    cols, rows = round((lon1 - lon0) / step) + 1, round((lat1 - lat0) / step) + 1
    graph = nx.MultiDiGraph(crs="epsg:4326")
    for r in range(rows):
        for c in range(cols):
            graph.add_node(r * cols + c, x=lon0 + c * step, y=lat0 + r * step)

    def metres(a: int, b: int) -> float:
        (x1, y1), (x2, y2) = ((graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in (a, b))
        dy, dx = math.radians(y2 - y1), math.radians(x2 - x1) * math.cos(math.radians(y1))
        return EARTH_RADIUS_M * math.hypot(dx, dy)

    for r in range(rows):
        for c in range(cols):
            n = r * cols + c
            for m in ([n + 1] if c + 1 < cols else []) + ([n + cols] if r + 1 < rows else []):
                graph.add_edge(n, m, length=metres(n, m))
                graph.add_edge(m, n, length=metres(n, m))
    return graph


def test_a_tiny_day_is_measured_checked_and_compared_to_its_reference():
    rng = np.random.default_rng(1)
    scenario = generate_scenario(workers=16, grids=2, sites=300, seed=3)
    scenario = bench.with_due(scenario, bench.DAY, 24, rng)
    assert len(due_stops(scenario, bench.DAY)) == 24
    rota = bench.day_rota(scenario, bench.DAY, rng)
    on_patrol = {c.worker_id for c in rota}
    inspectors = [w for w in scenario.workers if w.role == Role.INSPECTOR]
    for grid in scenario.grids:
        assert sum(w.id in on_patrol for w in inspectors if w.grid == grid.id) >= 2
    graph = lattice()
    plan = build_day(scenario, graph, rota, bench.DAY, "walk")
    setup = bench.Setup("tiny", scenario, REPO, graph, rota, plan, {"load": 0.0, "build": 0.0})
    settings = bench.Settings(("pyvrp", "ortools"), 0.3, 1, 0, reference_factor=2)

    rows = bench.measure(setup, settings, graph)

    assert [r.backend for r in rows] == ["pyvrp", "ortools", "pyvrp x2"]
    assert [r.time_limit for r in rows] == [0.3, 0.3, 0.6]
    assert all(r.checker == "ok" for r in rows)
    best = min(r.objective for r in rows)
    for r in rows:
        assert r.gap == (r.objective - best) / best
        assert r.due == 24 and r.grids == 2
        assert r.served + sum(r.unserved.values()) == r.due
        assert 0 <= r.mandatory_served <= r.mandatory_due
        assert 0 < r.km * 1000 <= r.objective + 0.5
