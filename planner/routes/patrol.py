"""The night patrol: the shortest closed walk from the grid station over its patrol streets.

Every night (每晚夜巡) a grid's patrol leaves the station, walks each of the grid's
designated streets (``patrol.csv``) at least once and comes back. That is a postman
problem on the street graph, walked on foot, so every street is two-way:

- when the required streets are connected and touch the station it is the Chinese
  postman problem, solved exactly: pair the odd-degree nodes by a minimum-weight perfect
  matching on shortest-path distances, repeat those paths, and walk an Euler circuit;
- otherwise it is the rural postman problem (NP-hard); first the pieces (and the
  station) are joined along a minimum spanning tree of their shortest-path distances,
  then the same matching follows (Frederickson's heuristic, at most 3/2 of the optimum).

``required_m`` (the streets' own length) is a lower bound, so ``length_m / required_m``
tells how much walking between streets a grid's patrol costs.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from planner._errors import InfeasibleError, InputError, InputProblem

Edge = tuple[int, int, int]
"""An edge of the street graph: ``(u, v, key)``."""


@dataclass(frozen=True)
class PatrolLoop:
    """A closed walk from ``nodes[0]`` back to it, with what it costs."""

    nodes: list[int]
    """The walk, first and last node the start."""
    edges: list[Edge]
    """The street-graph edge used for each step, in walking order; for a step against a
    one-way edge with no twin the edge is given as stored (``v, u, key``)."""
    length_m: float
    required_m: float
    """Sum of the required streets' lengths, each once: no walk can be shorter."""
    coordinates: list[tuple[float, float]]
    """The walk as a ``(lon, lat)`` polyline, following each street's geometry."""

    @property
    def start(self) -> int:
        return self.nodes[0]

    @property
    def deadhead_m(self) -> float:
        """Metres walked beyond the required streets (repeats and connections)."""
        return self.length_m - self.required_m

    def geojson(self, **properties: object) -> dict[str, Any]:
        """The loop as a GeoJSON Feature (a LineString), for maps and reports."""
        return {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [list(c) for c in self.coordinates]},
            "properties": {
                "length_m": round(self.length_m, 1),
                "required_m": round(self.required_m, 1),
                **properties,
            },
        }


@dataclass(frozen=True)
class _Step:
    """One street of the walk graph: its length and the street-graph edge behind it."""

    length: float
    edge: Edge


def _problem(column: str, message: str) -> InputError:
    return InputError([InputProblem("patrol", None, column, message)])


def _shortest_links(graph: nx.MultiDiGraph) -> dict[tuple[int, int], _Step]:
    """Each pair of adjacent nodes with its shortest edge, in either direction (walking)."""
    best: dict[tuple[int, int], _Step] = {}
    for u, v, k, length in graph.edges(keys=True, data="length"):
        if u == v:
            continue
        pair = (u, v) if u < v else (v, u)
        step = best.get(pair)
        if step is None or float(length) < step.length:
            best[pair] = _Step(float(length), (u, v, k))
    return best


def _required_streets(
    graph: nx.MultiDiGraph,
    required: Iterable[tuple[int, int, int] | tuple[int, int]],
    links: dict[tuple[int, int], _Step],
) -> list[_Step]:
    """Required edges as streets: a two-way street's twin edges count once."""
    streets: dict[tuple[int, int, float], _Step] = {}
    for item in required:
        if len(item) == 3:
            u, v, k = item
            if not graph.has_edge(u, v, k):
                raise _problem("required", f"edge {item} is not in the street graph")
            step = _Step(float(graph.edges[u, v, k]["length"]), (u, v, k))
        else:
            u, v = item
            found = links.get((u, v) if u < v else (v, u))
            if found is None:
                raise _problem("required", f"nodes {u} and {v} are not adjacent")
            step = found
        a, b, _ = step.edge
        streets[(min(a, b), max(a, b), round(step.length, 3))] = step
    return [streets[key] for key in sorted(streets)]


class _Paths:
    """Shortest paths on the walk graph (scipy's Dijkstra over a symmetric sparse matrix)."""

    def __init__(self, graph: nx.MultiDiGraph, links: dict[tuple[int, int], _Step]) -> None:
        self.nodes = sorted(graph.nodes)
        self.index = {n: i for i, n in enumerate(self.nodes)}
        self.links = links
        rows = [self.index[a] for a, _ in links] + [self.index[b] for _, b in links]
        cols = [self.index[b] for _, b in links] + [self.index[a] for a, _ in links]
        weights = [s.length for s in links.values()] * 2
        size = len(self.nodes)
        self.matrix = csr_matrix((weights, (rows, cols)), shape=(size, size))

    def run(
        self, sources: list[int], one_tree: bool
    ) -> tuple[NDArray[np.float64], NDArray[np.int32]]:
        """Distances and predecessors from each source, or from the nearest of them."""
        found = dijkstra(
            self.matrix,
            indices=[self.index[s] for s in sources],
            return_predecessors=True,
            min_only=one_tree,
        )
        return found[0], found[1]

    def path(self, pred: NDArray[np.int32], target: int) -> list[_Step]:
        """The steps of the shortest path ending at ``target``, from the tree's source."""
        steps: list[_Step] = []
        node = self.index[target]
        while pred[node] >= 0:
            a, b = self.nodes[int(pred[node])], self.nodes[node]
            steps.append(self.links[(a, b) if a < b else (b, a)])
            node = int(pred[node])
        steps.reverse()
        return steps


def _add(walk: nx.MultiGraph, steps: Iterable[_Step]) -> None:
    for step in steps:
        u, v, _ = step.edge
        walk.add_edge(u, v, step=step)


def _join_pieces(walk: nx.MultiGraph, paths: _Paths) -> None:
    """Connect the required pieces and the start along a minimum spanning tree."""
    pieces = sorted((sorted(c) for c in nx.connected_components(walk)), key=lambda c: c[0])
    if len(pieces) < 2:
        return
    between = nx.Graph()
    trees: list[NDArray[np.int32]] = []
    for a, piece in enumerate(pieces):
        dist, pred = paths.run(piece, one_tree=True)
        trees.append(pred)
        for b in range(a + 1, len(pieces)):
            ends = [paths.index[n] for n in pieces[b]]
            nearest = ends[int(np.argmin(dist[ends]))]
            if not math.isfinite(dist[nearest]):
                raise InfeasibleError(
                    "some required streets cannot be reached from the start on foot",
                    ["patrol"],
                )
            between.add_edge(a, b, weight=float(dist[nearest]), target=paths.nodes[nearest])
    for a, b, data in sorted(nx.minimum_spanning_edges(between, data=True)):
        _add(walk, paths.path(trees[min(a, b)], data["target"]))


def _even_degrees(walk: nx.MultiGraph, paths: _Paths) -> None:
    """Repeat the cheapest set of paths that makes every node's degree even."""
    odd = sorted(n for n, degree in walk.degree() if degree % 2)
    if not odd:
        return
    dist, pred = paths.run(odd, one_tree=False)
    pairs = nx.Graph()
    for a in range(len(odd)):
        for b in range(a + 1, len(odd)):
            pairs.add_edge(a, b, weight=float(dist[a, paths.index[odd[b]]]))
    for a, b in sorted(tuple(sorted(p)) for p in nx.min_weight_matching(pairs)):
        _add(walk, paths.path(pred[a], odd[b]))


def _walked_edge(graph: nx.MultiDiGraph, u: int, v: int, step: _Step) -> Edge:
    """The edge for walking u -> v: the step's own edge, or its twin in the walking direction."""
    if step.edge[:2] == (u, v):
        return step.edge
    if graph.has_edge(u, v):
        twins = sorted(
            k for k, data in graph[u][v].items() if abs(float(data["length"]) - step.length) < 1e-6
        )
        if twins:
            return (u, v, twins[0])
    return step.edge


def _coordinates(
    graph: nx.MultiDiGraph, nodes: list[int], edges: list[Edge]
) -> list[tuple[float, float]]:
    """The walk's polyline, each street's geometry oriented the way it is walked."""
    line: list[tuple[float, float]] = [
        (float(graph.nodes[nodes[0]]["x"]), float(graph.nodes[nodes[0]]["y"]))
    ]
    for (a, b), edge in zip(itertools.pairwise(nodes), edges, strict=True):
        geometry = graph.edges[edge].get("geometry")
        if geometry is not None:
            points = [(float(x), float(y)) for x, y in geometry.coords]
        else:
            points = [(float(graph.nodes[n]["x"]), float(graph.nodes[n]["y"])) for n in edge[:2]]
        if edge[0] != a or edge[1] != b:
            points.reverse()
        line += points[1:]
    return line


def patrol_loop(
    graph: nx.MultiDiGraph,
    required: Iterable[tuple[int, int, int] | tuple[int, int]],
    start: int,
) -> PatrolLoop:
    """The shortest closed walk from ``start`` that walks every required street.

    ``required`` holds edges ``(u, v, key)`` of ``graph`` or adjacent node pairs ``(u, v)``;
    an edge and its reverse twin are one street. Raises :class:`InputError` for a start or
    an edge not in ``graph``, :class:`InfeasibleError` when a required street is unreachable.
    """
    if start not in graph:
        raise _problem("start", f"node {start} is not in the street graph")
    links = _shortest_links(graph)
    streets = _required_streets(graph, required, links)
    required_m = sum(s.length for s in streets)
    walk = nx.MultiGraph()
    walk.add_node(start)
    _add(walk, streets)
    if walk.number_of_edges() == 0:
        x, y = float(graph.nodes[start]["x"]), float(graph.nodes[start]["y"])
        return PatrolLoop([start], [], 0.0, 0.0, [(x, y)])
    paths = _Paths(graph, links)
    _join_pieces(walk, paths)
    _even_degrees(walk, paths)
    nodes = [start]
    edges: list[Edge] = []
    length = 0.0
    for u, v, key in nx.eulerian_circuit(walk, source=start, keys=True):
        step: _Step = walk.edges[u, v, key]["step"]
        nodes.append(v)
        edges.append(_walked_edge(graph, u, v, step))
        length += step.length
    return PatrolLoop(nodes, edges, length, required_m, _coordinates(graph, nodes, edges))


def _names(value: object) -> set[str]:
    """An edge's street names: osmnx keeps a list where simplification merged streets."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, list | tuple | set):
        return {str(v) for v in value}
    return set()


def patrol_streets(
    graph: nx.MultiDiGraph,
    patrol_rows: Iterable[tuple[str, str]],
    grid: str,
    stations: Mapping[str, tuple[float, float]],
) -> set[Edge]:
    """The edges a grid's night patrol must walk: its streets, on its side of every other grid.

    ``patrol_rows`` are ``(grid, street)`` rows of ``patrol.csv``; ``stations`` maps each
    grid to its station ``(lat, lon)``. A street shared by grids is split between them: an
    edge belongs to the grid whose station is nearest to the edge's midpoint.
    """
    if grid not in stations:
        raise _problem("grid", f"grid {grid!r} has no station")
    wanted = {street for g, street in patrol_rows if g == grid}
    order = sorted(stations)
    lat = np.radians(np.array([stations[g][0] for g in order]))
    lon = np.radians(np.array([stations[g][1] for g in order]))
    mine = order.index(grid)
    chosen: set[Edge] = set()
    for u, v, k, data in graph.edges(keys=True, data=True):
        if not _names(data.get("name")) & wanted:
            continue
        geometry = data.get("geometry")
        if geometry is not None:
            middle = geometry.interpolate(0.5, normalized=True)
            x, y = float(middle.x), float(middle.y)
        else:
            x = (float(graph.nodes[u]["x"]) + float(graph.nodes[v]["x"])) / 2
            y = (float(graph.nodes[u]["y"]) + float(graph.nodes[v]["y"])) / 2
        # equirectangular distances: exact enough to rank stations a few km apart
        east = (np.radians(x) - lon) * np.cos(np.radians(y))
        north = np.radians(y) - lat
        if int(np.argmin(east**2 + north**2)) == mine:
            chosen.add((u, v, k))
    return chosen
