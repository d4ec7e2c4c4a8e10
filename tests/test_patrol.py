"""The night-patrol loop on tiny hand-made street graphs whose optimum is known by heart."""

from __future__ import annotations

import itertools

import networkx as nx
import pytest
from shapely.geometry import LineString

from planner._errors import InfeasibleError, InputError
from planner.routes.patrol import PatrolLoop, patrol_loop, patrol_streets


def streets(*edges: tuple[int, int, float], one_way: bool = False) -> nx.MultiDiGraph:
    """A street graph as osmnx builds it for walking: each street an edge each way."""
    graph = nx.MultiDiGraph()
    for u, v, length in edges:
        for a, b in [(u, v)] if one_way else [(u, v), (v, u)]:
            graph.add_edge(a, b, length=float(length))
    for n in graph.nodes:
        graph.nodes[n].update(x=113.66 + n * 0.001, y=22.94)
    return graph


def both_ways(graph: nx.MultiDiGraph, *pairs: tuple[int, int]) -> set[tuple[int, int, int]]:
    return {
        e
        for e in graph.edges(keys=True)
        if tuple(sorted(e[:2])) in {tuple(sorted(p)) for p in pairs}
    }


def check_walk(
    graph: nx.MultiDiGraph, loop: PatrolLoop, required: set[tuple[int, int]], start: int
):
    """Closed, made of real steps, covering every required street, length = its steps."""
    assert loop.nodes[0] == loop.nodes[-1] == start
    assert len(loop.edges) == len(loop.nodes) - 1
    walked = set()
    total = 0.0
    for (a, b), edge in zip(itertools.pairwise(loop.nodes), loop.edges, strict=True):
        assert graph.has_edge(a, b) or graph.has_edge(b, a)
        assert set(edge[:2]) == {a, b} and graph.has_edge(*edge)
        walked.add(frozenset((a, b)))
        total += graph.edges[edge]["length"]
    assert {frozenset(p) for p in required} <= walked
    assert loop.length_m == pytest.approx(total)
    assert len(loop.coordinates) == len(loop.nodes)


def test_square_is_walked_once_round():
    graph = streets((1, 2, 100), (2, 3, 200), (3, 4, 100), (4, 1, 200))
    pairs = {(1, 2), (2, 3), (3, 4), (4, 1)}
    loop = patrol_loop(graph, both_ways(graph, *pairs), start=1)
    check_walk(graph, loop, pairs, 1)
    assert loop.length_m == 600
    assert loop.required_m == 600
    assert loop.deadhead_m == 0


def test_dead_end_street_is_walked_there_and_back():
    graph = streets((1, 2, 100), (2, 3, 50), (3, 4, 30))
    pairs = {(1, 2), (2, 3), (3, 4)}
    loop = patrol_loop(graph, pairs, start=1)
    check_walk(graph, loop, pairs, 1)
    assert loop.nodes == [1, 2, 3, 4, 3, 2, 1]
    assert (loop.length_m, loop.required_m) == (360, 180)


def test_two_odd_nodes_repeat_the_shorter_way_between_them():
    # square of 10 m sides and a 25 m diagonal 1-3: repeating 1-2-3 (20 m) beats the diagonal
    graph = streets((1, 2, 10), (2, 3, 10), (3, 4, 10), (4, 1, 10), (1, 3, 25))
    pairs = {(1, 2), (2, 3), (3, 4), (4, 1), (1, 3)}
    loop = patrol_loop(graph, both_ways(graph, *pairs), start=1)
    check_walk(graph, loop, pairs, 1)
    assert loop.required_m == 65
    assert loop.length_m == 85


def test_four_odd_nodes_are_paired_cheaply():
    # K4: a-b and c-d are 1 m, the other four sides 5 m; pairing a-b and c-d adds 2 m
    a, b, c, d = 1, 2, 3, 4
    graph = streets((a, b, 1), (c, d, 1), (a, c, 5), (b, d, 5), (a, d, 5), (b, c, 5))
    pairs = {(a, b), (c, d), (a, c), (b, d), (a, d), (b, c)}
    loop = patrol_loop(graph, pairs, start=c)
    check_walk(graph, loop, pairs, c)
    assert (loop.length_m, loop.required_m) == (24, 22)


def test_separate_streets_are_joined_through_a_connector():
    # 1-2 and 3-4 are required, 2-3 and 4-1 (30 m) join them, 1-5-3 is a long way round
    graph = streets((1, 2, 100), (2, 3, 30), (3, 4, 100), (4, 1, 30), (1, 5, 80), (5, 3, 80))
    pairs = {(1, 2), (3, 4)}
    loop = patrol_loop(graph, both_ways(graph, *pairs), start=1)
    check_walk(graph, loop, pairs, 1)
    assert (loop.length_m, loop.required_m) == (260, 200)
    assert 5 not in loop.nodes


def test_start_off_the_streets_walks_there_and_back():
    graph = streets((1, 2, 100), (2, 3, 100), (3, 4, 100), (4, 1, 100), (5, 1, 40))
    pairs = {(1, 2), (2, 3), (3, 4), (4, 1)}
    loop = patrol_loop(graph, pairs, start=5)
    check_walk(graph, loop, pairs, 5)
    assert (loop.length_m, loop.required_m) == (480, 400)


def test_one_way_streets_are_walked_both_ways():
    graph = streets((1, 2, 100), (2, 3, 50), one_way=True)
    loop = patrol_loop(graph, {(1, 2, 0), (2, 3, 0)}, start=1)
    check_walk(graph, loop, {(1, 2), (2, 3)}, 1)
    assert loop.length_m == 300
    assert loop.edges[-1] == (1, 2, 0)  # walked against its direction, named as stored


def test_nothing_required_is_staying_put():
    graph = streets((1, 2, 100))
    loop = patrol_loop(graph, [], start=2)
    here = (graph.nodes[2]["x"], graph.nodes[2]["y"])
    assert (loop.nodes, loop.length_m, loop.coordinates) == ([2], 0, [here])


def test_polyline_follows_street_geometry_in_walking_order():
    graph = streets((1, 2, 100))
    graph.nodes[1].update(x=113.661, y=22.94)
    graph.nodes[2].update(x=113.662, y=22.94)
    bend = LineString([(113.661, 22.94), (113.6615, 22.941), (113.662, 22.94)])
    for u, v, k in list(graph.edges(keys=True)):
        graph.edges[u, v, k]["geometry"] = bend if u == 1 else LineString(bend.coords[::-1])
    loop = patrol_loop(graph, {(1, 2)}, start=1)
    assert loop.coordinates == [
        (113.661, 22.94),
        (113.6615, 22.941),
        (113.662, 22.94),
        (113.6615, 22.941),
        (113.661, 22.94),
    ]
    assert loop.geojson(grid="G01")["properties"] == {
        "length_m": 200.0,
        "required_m": 100.0,
        "grid": "G01",
    }


def test_unreachable_street_is_infeasible():
    graph = streets((1, 2, 100), (3, 4, 100))
    with pytest.raises(InfeasibleError):
        patrol_loop(graph, {(3, 4)}, start=1)


def test_unknown_start_or_edge_is_an_input_error():
    graph = streets((1, 2, 100))
    with pytest.raises(InputError, match="node 9"):
        patrol_loop(graph, {(1, 2)}, start=9)
    with pytest.raises(InputError, match="not adjacent"):
        patrol_loop(graph, {(1, 3)}, start=1)
    with pytest.raises(InputError, match="not in the street graph"):
        patrol_loop(graph, {(1, 2, 7)}, start=1)


def test_patrol_streets_split_a_shared_street_between_stations():
    # a street 1-2-3-4 named 宝屯路 runs from grid A's station (node 1) to grid B's (node 4);
    # edge 2-3 was merged by simplification and carries a list of names
    # 0-1 is 康乐北路, on B's list but nearer A's station: neither grid walks it
    graph = streets((1, 2, 100), (2, 3, 100), (3, 4, 100), (0, 1, 100))
    for u, v, data in graph.edges(data=True):
        data["name"] = ["宝屯路", "宝屯一街"] if {u, v} == {2, 3} else "宝屯路"
        if {u, v} == {0, 1}:
            data["name"] = "康乐北路"
    stations = {"A": (22.94, 113.661), "B": (22.94, 113.6645)}
    rows = [("A", "宝屯路"), ("B", "宝屯路"), ("B", "康乐北路")]
    assert patrol_streets(graph, rows, "A", stations) == both_ways(graph, (1, 2), (2, 3))
    assert patrol_streets(graph, rows, "B", stations) == both_ways(graph, (3, 4))
    with pytest.raises(InputError, match="no station"):
        patrol_streets(graph, rows, "C", stations)
