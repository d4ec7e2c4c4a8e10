"""Snapping places to the street graph, leg lengths between them, and the streets they follow.

docs/routes.md ("Sites, snapping, legs") is the specification: a place snaps to its nearest
graph node by great-circle distance; a leg is the shortest path over edge ``length``
rounded to the nearest whole metre. Everything works on arrays built once per graph
(:class:`StreetIndex`): a k-d tree of the nodes for snapping, and a CSR matrix of the
whole graph so that scipy's Dijkstra computes all the rows of a matrix in one call.
"""

from __future__ import annotations

import itertools
import math
import weakref
from collections.abc import Sequence
from typing import Any, ClassVar

import networkx as nx
import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from planner._errors import PlannerError

EARTH_RADIUS_M = 6_371_009.0
"""osmnx's mean earth radius: snapping distances agree with its edge lengths."""
SNAP_CANDIDATES = 4
"""Nearest nodes in the flat projection whose great-circle distance is then compared: the
projection's distortion over a district is ~1e-4, so the true nearest is among them."""
PATH_CACHE_SOURCES = 512
"""Shortest-path trees kept per graph for :func:`street_path` (a day's legs share sources)."""
NO_PREDECESSOR = -9999
"""What scipy's Dijkstra puts in the predecessor array for the source and unreached nodes."""


class UnreachableError(PlannerError, ValueError):
    """Some node cannot reach another: the graph was not reduced to one strong component."""


def great_circle(
    lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike
) -> NDArray[np.float64]:
    """Haversine metres, element-wise: osmnx's ``great_circle``, without importing osmnx
    (a second of start-up that routing does not need)."""
    y1, y2 = np.deg2rad(lat1), np.deg2rad(lat2)
    dx = np.deg2rad(lon2) - np.deg2rad(lon1)
    h = np.sin((y2 - y1) / 2) ** 2 + np.cos(y1) * np.cos(y2) * np.sin(dx / 2) ** 2
    return np.asarray(2 * np.arcsin(np.sqrt(np.minimum(1, h))) * EARTH_RADIUS_M, dtype=float)


def _round_metres(metres: NDArray[np.float64]) -> NDArray[np.int64]:
    """Nearest whole metre, halves up (not numpy's half-to-even), as the spec reads."""
    return np.floor(metres + 0.5).astype(np.int64)


class StreetIndex:
    """The arrays of one street graph, built once and reused by every call on that graph."""

    _cache: ClassVar[weakref.WeakKeyDictionary[Any, StreetIndex]] = weakref.WeakKeyDictionary()

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        nodes = list(graph.nodes)
        if not nodes:
            raise ValueError("the street graph has no nodes")
        self.fingerprint = (len(nodes), graph.number_of_edges())
        self.node_ids: NDArray[np.int64] = np.asarray(nodes, dtype=np.int64)
        self.position: dict[int, int] = {int(n): i for i, n in enumerate(nodes)}
        data = graph.nodes
        self.lats: NDArray[np.float64] = np.array([data[n]["y"] for n in nodes], dtype=float)
        self.lons: NDArray[np.float64] = np.array([data[n]["x"] for n in nodes], dtype=float)
        self._cos_lat0 = math.cos(math.radians(float(self.lats.mean())))
        self._tree = cKDTree(self._project(self.lats, self.lons))
        self.csr = self._csr(graph)
        self._predecessors: dict[int, NDArray[np.int32]] = {}

    @classmethod
    def of(cls, graph: nx.MultiDiGraph) -> StreetIndex:
        """The index of ``graph``, built on first use and kept while the graph lives."""
        index = cls._cache.get(graph)
        if index is None or index.fingerprint != (len(graph), graph.number_of_edges()):
            index = cls(graph)
            cls._cache[graph] = index
        return index

    def _project(self, lats: NDArray[np.float64], lons: NDArray[np.float64]) -> NDArray[Any]:
        """A local equirectangular plane in metres: enough to find nearest candidates."""
        y = np.radians(lats) * EARTH_RADIUS_M
        x = np.radians(lons) * EARTH_RADIUS_M * self._cos_lat0
        return np.column_stack([x, y])

    def _csr(self, graph: nx.MultiDiGraph) -> csr_matrix:
        """Edge lengths as a sparse matrix; of parallel edges only the shortest counts."""
        edges = list(graph.edges(data="length"))
        n = len(self.node_ids)
        if not edges:
            return csr_matrix((n, n), dtype=float)
        rows = np.fromiter((self.position[u] for u, _, _ in edges), np.int64, len(edges))
        cols = np.fromiter((self.position[v] for _, v, _ in edges), np.int64, len(edges))
        lengths = np.fromiter((float(w) for _, _, w in edges), np.float64, len(edges))
        if not np.isfinite(lengths).all() or (lengths < 0).any():
            raise ValueError("every edge needs a finite, non-negative length")
        order = np.lexsort((lengths, cols, rows))
        rows, cols, lengths = rows[order], cols[order], lengths[order]
        first = np.ones(len(rows), dtype=bool)
        first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
        # explicit zeros stay: scipy's Dijkstra treats a stored 0 as a zero-length edge
        return csr_matrix((lengths[first], (rows[first], cols[first])), shape=(n, n))

    def indices(self, nodes: Sequence[int] | NDArray[np.int64]) -> NDArray[np.int64]:
        """Row numbers of node ids; ValueError naming the first id not in the graph."""
        try:
            return np.fromiter((self.position[int(n)] for n in nodes), np.int64, len(nodes))
        except KeyError as exc:
            raise ValueError(f"node {exc.args[0]} is not in the street graph") from None

    def snap(self, lats: ArrayLike, lons: ArrayLike) -> tuple[NDArray[np.int64], NDArray[Any]]:
        """Nearest node id and its great-circle distance in metres, for each point."""
        lat = np.atleast_1d(np.asarray(lats, dtype=float))
        lon = np.atleast_1d(np.asarray(lons, dtype=float))
        if lat.shape != lon.shape or lat.ndim != 1:
            raise ValueError("lats and lons must be 1-d and of the same length")
        if not (np.isfinite(lat).all() and np.isfinite(lon).all()):
            raise ValueError("every coordinate to snap must be a finite number")
        if lat.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=float)
        k = min(SNAP_CANDIDATES, len(self.node_ids))
        _, near = self._tree.query(self._project(lat, lon), k=k)
        near = np.asarray(near).reshape(len(lat), k)
        metres = great_circle(lat[:, None], lon[:, None], self.lats[near], self.lons[near])
        best = np.argmin(metres, axis=1)  # ties: the first, i.e. nearest in the plane
        rows = np.arange(len(lat))
        return self.node_ids[near[rows, best]], metres[rows, best]

    def distances(
        self, nodes: Sequence[int] | NDArray[np.int64], limit: float | None = None
    ) -> NDArray[np.int64]:
        """Shortest-path metres (whole, rounded) between every ordered pair of ``nodes``.

        ``limit`` (metres) stops each search early — a grid's stops lie within a few km on
        a town's graph — and any pair it leaves unreached is searched again without it, so
        the result is the same either way.
        """
        idx = self.indices(nodes)
        if idx.size == 0:
            return np.zeros((0, 0), dtype=np.int64)
        sources, row_of = np.unique(idx, return_inverse=True)
        bound = np.inf if limit is None else float(limit)
        rows = np.asarray(dijkstra(self.csr, directed=True, indices=sources, limit=bound))
        if limit is not None:
            short = ~np.isfinite(rows[:, np.unique(idx)]).all(axis=1)
            if short.any():
                rows[short] = dijkstra(self.csr, directed=True, indices=sources[short])
        metres = np.asarray(rows, dtype=float)[row_of][:, idx]
        if not np.isfinite(metres).all():
            i, j = (int(k) for k in np.argwhere(~np.isfinite(metres))[0])
            a, b = int(self.node_ids[idx[i]]), int(self.node_ids[idx[j]])
            raise UnreachableError(f"street node {b} cannot be reached from node {a}")
        return _round_metres(metres)

    def node_path(self, u: int, v: int) -> list[int]:
        """Node ids of the shortest path from ``u`` to ``v``, both included."""
        iu, iv = (int(i) for i in self.indices([u, v]))
        if iu == iv:
            return [int(u)]
        pred = self._predecessors.get(iu)
        if pred is None:
            _, found = dijkstra(self.csr, directed=True, indices=iu, return_predecessors=True)
            pred = np.asarray(found, dtype=np.int32)
            if len(self._predecessors) >= PATH_CACHE_SOURCES:
                self._predecessors.clear()
            self._predecessors[iu] = pred
        if pred[iv] == NO_PREDECESSOR:
            raise UnreachableError(f"street node {v} cannot be reached from node {u}")
        path = [iv]
        while path[-1] != iu:
            path.append(int(pred[path[-1]]))
        return [int(self.node_ids[i]) for i in reversed(path)]


def snap(
    graph: nx.MultiDiGraph, lats: ArrayLike, lons: ArrayLike
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """For each WGS-84 point, the nearest graph node id and the great-circle metres to it."""
    return StreetIndex.of(graph).snap(lats, lons)


def distance_matrix(graph: nx.MultiDiGraph, nodes: Sequence[int]) -> NDArray[np.int64]:
    """Leg lengths in whole metres between every ordered pair of ``nodes`` (duplicates fine);
    UnreachableError if some pair has no path."""
    return StreetIndex.of(graph).distances(nodes)


def _edge_points(graph: nx.MultiDiGraph, a: int, b: int) -> list[tuple[float, float]]:
    """(lon, lat) points of the shortest a→b edge, along its geometry when it has one."""
    data = min(graph[a][b].values(), key=lambda d: float(d["length"]))
    start = (float(graph.nodes[a]["x"]), float(graph.nodes[a]["y"]))
    end = (float(graph.nodes[b]["x"]), float(graph.nodes[b]["y"]))
    coords = getattr(data.get("geometry"), "coords", None)
    if coords is None:
        return [start, end]
    points = [(float(x), float(y)) for x, y, *_ in coords]
    if math.dist(points[-1], start) < math.dist(points[0], start):
        points.reverse()  # a geometry drawn b→a: follow it the way we travel
    return points


def street_path(
    graph: nx.MultiDiGraph, u: int, v: int, index: StreetIndex | None = None
) -> list[tuple[float, float]]:
    """The (lon, lat) line along the streets of the shortest path from ``u`` to ``v``.

    Pass ``index`` (:meth:`StreetIndex.of`, looked up once) when drawing many legs:
    checking that a cached index is still current costs a pass over the edges.
    """
    nodes = (index or StreetIndex.of(graph)).node_path(u, v)
    if len(nodes) == 1:
        data = graph.nodes[nodes[0]]
        return [(float(data["x"]), float(data["y"]))]
    line: list[tuple[float, float]] = []
    for a, b in itertools.pairwise(nodes):
        points = _edge_points(graph, a, b)
        line.extend(points if not line else points[1:])
    return line
