"""Snapping, leg lengths and street lines, with exact metres on a graph whose lengths are
set by hand, and scipy checked against networkx on the real Longgang extract."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pytest
from shapely.geometry import LineString

from planner.streets.matrix import (
    StreetIndex,
    UnreachableError,
    distance_matrix,
    snap,
    street_path,
)
from tests.test_streets_network import longgang, needs_longgang

R = 6_371_009.0  # osmnx's earth radius
XY = {
    1: (113.670, 22.950),
    2: (113.671, 22.950),
    3: (113.672, 22.950),
    4: (113.672, 22.951),
    5: (113.671, 22.951),
}
BEND = (113.6715, 22.9495)
"""A point the 2->3 street bends through (its geometry is drawn from 3 to 2)."""
DETOUR = (113.6705, 22.9490)
"""A point only the longer of the two parallel 1->2 edges passes."""

# lengths chosen by hand, not by the coordinates: the matrix must use exactly these
EDGES = [
    (1, 2, 100.4, LineString([XY[1], DETOUR, XY[2]])),
    (1, 2, 80.2, None),  # parallel to the one above: the shorter counts
    (2, 1, 90.0, None),
    (2, 3, 50.5, LineString([XY[3], BEND, XY[2]])),  # half a metre: rounds up
    (3, 1, 200.0, None),
    (3, 4, 0.0, None),  # zero length: two OSM nodes on one spot
    (4, 3, 10.0, None),
    (4, 5, 30.3, None),
    (5, 4, 30.3, None),
    (5, 1, 1000.0, None),
    (5, 2, 12.5, None),
]
EXPECTED = [
    [0, 80, 131, 131, 161],  # 1->3 = 80.2 + 50.5 = 130.7; 1->5 = 130.7 + 0 + 30.3
    [90, 0, 51, 51, 81],  # 2->3 = 50.5 rounds up; 2->5 = 50.5 + 0 + 30.3 = 80.8
    [133, 43, 0, 0, 30],  # 3->2 = 0 + 30.3 + 12.5 = 42.8, not 200 + 80.2
    [133, 43, 10, 0, 30],  # 4->1 = 30.3 + 12.5 + 90 = 132.8, not 210 via 3
    [103, 13, 40, 30, 0],  # 5->2 = 12.5 rounds up; 5->1 = 102.5 via 2, not 1000
]


def hand_graph() -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph(crs="epsg:4326")
    for node, (x, y) in XY.items():
        graph.add_node(node, x=x, y=y)
    for u, v, length, geometry in EDGES:
        data = {"length": length} | ({"geometry": geometry} if geometry is not None else {})
        graph.add_edge(u, v, **data)
    return graph


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * R * math.asin(math.sqrt(a))


def nx_matrix(graph: nx.MultiDiGraph, nodes: list[int]) -> list[list[int]]:
    """The same matrix from networkx, one Dijkstra per distinct source, halves rounded up."""
    rows = {s: nx.single_source_dijkstra_path_length(graph, s, weight="length") for s in nodes}
    return [[math.floor(rows[a][b] + 0.5) for b in nodes] for a in nodes]


# ---------------------------------------------------------------------- matrix


def test_matrix_exact_metres():
    matrix = distance_matrix(hand_graph(), [1, 2, 3, 4, 5])
    assert matrix.dtype == np.int64
    assert matrix.tolist() == EXPECTED


def test_matrix_agrees_with_networkx():
    graph = hand_graph()
    assert nx_matrix(graph, [1, 2, 3, 4, 5]) == EXPECTED


def test_matrix_with_repeated_nodes_and_any_order():
    matrix = distance_matrix(hand_graph(), [5, 1, 5, 3])
    assert matrix.tolist() == [[0, 103, 0, 40], [161, 0, 161, 131], [0, 103, 0, 40],
                               [30, 133, 30, 0]]  # fmt: skip


def test_empty_and_single_node_matrices():
    assert distance_matrix(hand_graph(), []).shape == (0, 0)
    assert distance_matrix(hand_graph(), [4]).tolist() == [[0]]


def test_an_unreachable_pair_raises():
    graph = hand_graph()
    graph.add_node(6, x=113.673, y=22.95)
    graph.add_edge(6, 1, length=5.0)  # 6 can leave but nobody reaches it
    with pytest.raises(UnreachableError, match="street node 6 cannot be reached from node 1"):
        distance_matrix(graph, [1, 6])


def test_an_unknown_node_is_named():
    with pytest.raises(ValueError, match="node 99 is not in the street graph"):
        distance_matrix(hand_graph(), [1, 99])


def test_the_index_is_built_once_and_rebuilt_after_a_change():
    graph = hand_graph()
    index = StreetIndex.of(graph)
    assert StreetIndex.of(graph) is index
    graph.add_edge(1, 5, length=1.0)
    assert StreetIndex.of(graph) is not index
    assert distance_matrix(graph, [1, 5]).tolist() == [[0, 1], [103, 0]]


# ------------------------------------------------------------------------ snap


def test_snap_picks_the_nearest_node_with_great_circle_metres():
    graph = hand_graph()
    lats = [22.950, 22.9511, 22.9502, 22.9509]
    lons = [113.672, 113.6711, 113.6702, 113.6719]
    nodes, metres = snap(graph, np.array(lats), np.array(lons))
    assert nodes.tolist() == [3, 5, 1, 4]
    assert nodes.dtype == np.int64
    for node, lat, lon, m in zip(nodes, lats, lons, metres, strict=True):
        x, y = XY[int(node)]
        assert m == pytest.approx(haversine(lat, lon, y, x), abs=1e-6)
    assert metres[0] == 0.0


def test_snap_reports_how_far_a_remote_point_is():
    nodes, metres = snap(hand_graph(), [22.96], [113.671])  # 0.009° north of node 5
    assert nodes.tolist() == [5]
    assert metres[0] == pytest.approx(haversine(22.96, 113.671, 22.951, 113.671), abs=1e-6)
    assert metres[0] > 500  # what routing calls unreachable


def test_snap_nothing_and_bad_input():
    nodes, metres = snap(hand_graph(), [], [])
    assert nodes.shape == (0,) and metres.shape == (0,)
    with pytest.raises(ValueError, match="finite"):
        snap(hand_graph(), [float("nan")], [113.67])
    with pytest.raises(ValueError, match="same length"):
        snap(hand_graph(), [22.95, 22.95], [113.67])


def test_snap_on_a_one_node_graph():
    graph = nx.MultiDiGraph()
    graph.add_node(7, x=113.67, y=22.95)
    nodes, _ = snap(graph, [22.9, 23.0], [113.6, 113.7])
    assert nodes.tolist() == [7, 7]


# ------------------------------------------------------------------- street lines


def test_street_path_follows_geometry_in_the_direction_travelled():
    line = street_path(hand_graph(), 1, 3)
    # 1->2 by the short edge (no detour), then the 2->3 geometry turned around
    assert line == [XY[1], XY[2], BEND, XY[3]]


def test_street_path_nodes_are_networkx_shortest_paths():
    graph = hand_graph()
    for u in XY:
        for v in XY:
            nodes = nx.shortest_path(graph, u, v, weight="length")
            assert StreetIndex.of(graph).node_path(u, v) == nodes


def test_street_path_without_geometry_is_straight():
    assert street_path(hand_graph(), 5, 2) == [XY[5], XY[2]]


def test_street_path_to_itself_is_one_point():
    assert street_path(hand_graph(), 4, 4) == [XY[4]]


def test_street_path_unreachable_raises():
    graph = hand_graph()
    graph.add_node(6, x=113.673, y=22.95)
    graph.add_edge(6, 1, length=5.0)
    with pytest.raises(UnreachableError):
        street_path(graph, 1, 6)


# ------------------------------------------------------------ real OpenStreetMap data


@needs_longgang
@pytest.mark.parametrize("mode", ["walk", "ebike"])
def test_longgang_200_by_200_matrix_equals_networkx(mode):
    graph = longgang(mode)
    rng = np.random.default_rng(2019)
    nodes = [int(n) for n in rng.choice(np.array(list(graph.nodes)), 200, replace=False)]
    matrix = distance_matrix(graph, nodes)
    assert matrix.tolist() == nx_matrix(graph, nodes)
    assert (matrix > 0).sum() == 200 * 199
    if mode == "ebike":  # one-way streets make some legs longer one way than back
        assert (matrix != matrix.T).any()


@needs_longgang
def test_longgang_snap_equals_brute_force():
    graph = longgang("walk")
    rng = np.random.default_rng(5)
    lats, lons = rng.uniform(22.67, 22.70, 500), rng.uniform(114.19, 114.23, 500)
    nodes, metres = snap(graph, lats, lons)
    ids = list(graph.nodes)
    ys = np.array([graph.nodes[n]["y"] for n in ids])
    xs = np.array([graph.nodes[n]["x"] for n in ids])
    for i in range(len(lats)):
        far = [haversine(lats[i], lons[i], y, x) for y, x in zip(ys, xs, strict=True)]
        best = int(np.argmin(far))
        assert metres[i] == pytest.approx(far[best], abs=1e-6)
        assert far[ids.index(int(nodes[i]))] == pytest.approx(far[best], abs=1e-6)


@needs_longgang
def test_longgang_street_lines_are_as_long_as_the_legs():
    graph = longgang("walk")
    nodes = list(graph.nodes)[::50]
    matrix = distance_matrix(graph, nodes)
    for i, u in enumerate(nodes[:-1]):
        line = street_path(graph, u, nodes[i + 1])
        metres = sum(haversine(a[1], a[0], b[1], b[0]) for a, b in itertools.pairwise(line))
        assert abs(metres - matrix[i, i + 1]) <= 1
