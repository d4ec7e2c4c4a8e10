"""The street graph: which ways each mode keeps, two-way walking, one-way e-bikes, clean-up,
the cache, and every way a file can be wrong.

Most tests use a hand-made town (``TOWN_WAYS``) of a dozen nodes on a 0.001° lattice in
Baotun, small enough to list every edge that must survive. The real OpenStreetMap extracts
in ``$PLANNER_SHARED/streets`` (or ``../shared`` beside the repository) are used when present.
"""

from __future__ import annotations

import bz2
import functools
import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from xml.sax.saxutils import quoteattr

import networkx as nx
import numpy as np
import osmnx as ox
import pytest
import requests

from planner._errors import InputError
from planner.streets import network
from planner.streets.network import (
    MODES,
    StreetsUnavailableError,
    cache_path,
    fetch_streets,
    import_streets,
    load_osm,
    prepare,
    read_graphml,
    street_graph,
    street_km,
    travel_seconds,
    travel_seconds_array,
    way_allowed,
)

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PLANNER_SHARED") or REPO.parent / "shared")
LONGGANG = SHARED / "streets" / "shenzhen_longgang_2019.osm.bz2"
LONGGANG_BOUNDS = (114.1862, 22.6732, 114.2318, 22.7019)
needs_longgang = pytest.mark.skipif(not LONGGANG.is_file(), reason=f"no {LONGGANG}")

ORIGIN = (22.950, 113.670)
STEP = 0.001
"""Lattice spacing in degrees: about 111 m north-south and 102 m east-west here."""

# node id -> (row, column) on the lattice; row grows north, column grows east
#
#          7        10 ···· 20      (10-20: track, access=no)
#    steps |   bicycle=     | cycleway
#          |   designated   |
#   13 --- 4 ------- 5 ---- 6 --- 9 (service, access=private)
#  foot=no |  footway|      ^ one-way 3->6
#          1 ------- 2 ---- 3 --- 18 (trunk)
#  one-way v  motorway|     | path, bicycle=no
#         14         8     19                  11 --- 12 (far away: a piece of its own)
#   (and a building outline 15-16-17 between 4 and 5)
TOWN_NODES: dict[int, tuple[float, float]] = {
    1: (0, 0), 2: (0, 1), 3: (0, 2),
    4: (1, 0), 5: (1, 1), 6: (1, 2),
    7: (2, 0), 8: (-1, 1), 9: (1, 3), 10: (2, 1), 11: (5, 5), 12: (5, 6),
    13: (1, -1), 14: (-1, 0), 15: (1.4, 0.4), 16: (1.4, 0.8), 17: (1.7, 0.6),
    18: (0, 3), 19: (-1, 2), 20: (2, 2),
}  # fmt: skip
TOWN_WAYS: dict[int, tuple[list[int], dict[str, str]]] = {
    100: ([1, 2, 3], {"highway": "residential"}),
    101: ([4, 5, 6], {"highway": "residential"}),
    102: ([3, 6], {"highway": "residential", "oneway": "yes"}),
    103: ([1, 4], {"highway": "residential"}),
    104: ([2, 5], {"highway": "footway"}),
    105: ([4, 7], {"highway": "steps"}),
    106: ([2, 8], {"highway": "motorway"}),
    107: ([6, 9], {"highway": "service", "access": "private"}),
    108: ([5, 10], {"highway": "footway", "bicycle": "designated"}),
    109: ([11, 12], {"highway": "residential"}),
    110: ([15, 16, 17, 15], {"building": "yes"}),
    111: ([4, 13], {"highway": "residential", "foot": "no"}),
    112: ([1, 14], {"highway": "residential", "oneway": "yes"}),
    113: ([3, 18], {"highway": "trunk"}),
    114: ([3, 19], {"highway": "path", "bicycle": "no"}),
    115: ([6, 20], {"highway": "cycleway"}),
    116: ([10, 20], {"highway": "track", "access": "no"}),
}
WALK_WAYS = {100, 101, 102, 103, 104, 105, 108, 109, 112, 114, 115}
EBIKE_WAYS = {100, 101, 102, 103, 108, 109, 111, 112, 115}


def _both(*pairs: tuple[int, int]) -> set[tuple[int, int]]:
    return {(u, v) for a, b in pairs for u, v in ((a, b), (b, a))}


# After clean-up. Walking: everything two-way, 14 included; the far piece 11-12 goes.
WALK_NODES = {1, 2, 3, 4, 5, 6, 7, 10, 14, 19, 20}
WALK_EDGES = _both((1, 2), (2, 3), (1, 4), (4, 5), (5, 6), (3, 6), (2, 5), (4, 7), (5, 10))
WALK_EDGES |= _both((6, 20), (1, 14), (3, 19))
# E-bike: without the footway 2-5 and the motorway, 2 is mid-street and osmnx merges 1-2-3
# into one edge; 3->6 only one way; 14 is a one-way dead end nobody leaves, so the strong
# component drops it.
EBIKE_NODES = {1, 3, 4, 5, 6, 10, 13, 20}
EBIKE_EDGES = _both((1, 3), (1, 4), (4, 5), (5, 6), (4, 13), (5, 10), (6, 20)) | {(3, 6)}


def osm_xml(
    nodes: Mapping[int, tuple[float, float]] = TOWN_NODES,
    ways: Mapping[int, tuple[Sequence[int], Mapping[str, str]]] = TOWN_WAYS,
    *,
    extra: str = "",
) -> str:
    """OSM XML as the API's export writes it: nodes (row/column on the lattice), then ways."""
    lines = ["<?xml version='1.0' encoding='UTF-8'?>", '<osm version="0.6" generator="test">']
    for node_id, (row, col) in nodes.items():
        lat, lon = ORIGIN[0] + row * STEP, ORIGIN[1] + col * STEP
        lines.append(f'  <node id="{node_id}" lat="{lat:.7f}" lon="{lon:.7f}" version="1"/>')
    for way_id, (refs, tags) in ways.items():
        lines.append(f'  <way id="{way_id}" version="1">')
        lines += [f'    <nd ref="{ref}"/>' for ref in refs]
        lines += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
        lines.append("  </way>")
    lines.append(extra)
    lines.append("</osm>")
    return "\n".join(lines) + "\n"


def write_town(path: Path, **kwargs: object) -> Path:
    """The town (or a variant) as a file; ``.bz2`` names are compressed."""
    text = osm_xml(**kwargs)  # type: ignore[arg-type]
    data = text.encode("utf-8")
    path.write_bytes(bz2.compress(data) if path.suffix == ".bz2" else data)
    return path


def node_xy(node: int) -> tuple[float, float]:
    """(lon, lat) of a town node."""
    row, col = TOWN_NODES[node]
    return ORIGIN[1] + col * STEP, ORIGIN[0] + row * STEP


def town_graph(tmp_path: Path, mode: str, name: str = "town.osm") -> nx.MultiDiGraph:
    return prepare(load_osm(write_town(tmp_path / name), mode), None)


def edge_set(graph: nx.MultiDiGraph) -> set[tuple[int, int]]:
    return {(u, v) for u, v in graph.edges()}


def way_ids(graph: nx.MultiDiGraph) -> set[int]:
    """OSM way ids on the edges (a merged edge carries the list of its ways)."""
    out: set[int] = set()
    for _, _, osmid in graph.edges(data="osmid"):
        out |= set(osmid) if isinstance(osmid, list) else {osmid}
    return out


@functools.cache
def longgang(mode: str) -> nx.MultiDiGraph:
    """The Longgang extract cleaned up for ``mode``, loaded once per session."""
    return prepare(load_osm(LONGGANG, mode), None)


# ------------------------------------------------------------------------ speeds


def test_modes_and_speeds():
    assert MODES == ("walk", "ebike")
    assert network.SPEED_MPS == {"walk": 1.2, "ebike": 4.0}


@pytest.mark.parametrize(
    ("metres", "mode", "seconds"),
    [(0, "walk", 0), (1, "walk", 1), (6, "walk", 5), (7, "walk", 6), (1200, "walk", 1000),
     (0, "ebike", 0), (4, "ebike", 1), (5, "ebike", 2), (4001, "ebike", 1001)],
)  # fmt: skip
def test_travel_seconds_is_the_ceiling(metres, mode, seconds):
    assert travel_seconds(metres, mode) == seconds


def test_travel_seconds_array_agrees_with_the_scalar():
    metres = np.arange(0, 20000, dtype=np.int64).reshape(100, -1)
    for mode in MODES:
        expected = [[travel_seconds(int(m), mode) for m in row] for row in metres]
        assert travel_seconds_array(metres, mode).tolist() == expected


def test_unknown_mode_is_an_input_error():
    with pytest.raises(InputError, match="unknown mode 'car'"):
        travel_seconds(10, "car")


# ------------------------------------------------------------------ which ways


@pytest.mark.parametrize(
    "highway",
    ["motorway", "motorway_link", "trunk", "trunk_link", "construction", "proposed",
     "raceway", "bus_guideway", "busway"],
)  # fmt: skip
def test_walk_never_uses(highway):
    assert not way_allowed({"highway": highway}, "walk")


@pytest.mark.parametrize(
    "highway",
    ["primary", "secondary_link", "residential", "service", "track", "cycleway", "footway",
     "steps", "path", "pedestrian", "living_street", "unclassified", "platform"],
)  # fmt: skip
def test_walk_uses_every_other_highway(highway):
    assert way_allowed({"highway": highway}, "walk")


@pytest.mark.parametrize(
    "tags",
    [{"highway": "footway", "foot": "no"}, {"highway": "residential", "access": "private"},
     {"highway": "residential", "access": "no"}, {"building": "yes"}],
)  # fmt: skip
def test_walk_respects_foot_and_access(tags):
    assert not way_allowed(tags, "walk")


@pytest.mark.parametrize(
    "highway",
    ["primary", "primary_link", "secondary", "secondary_link", "tertiary", "tertiary_link",
     "residential", "unclassified", "living_street", "service", "track", "cycleway"],
)  # fmt: skip
def test_ebike_uses(highway):
    assert way_allowed({"highway": highway}, "ebike")


@pytest.mark.parametrize(
    "tags",
    [{"highway": "motorway"}, {"highway": "motorway_link"}, {"highway": "trunk"},
     {"highway": "trunk_link"}, {"highway": "steps"}, {"highway": "steps", "bicycle": "yes"},
     {"highway": "footway"}, {"highway": "path"}, {"highway": "pedestrian"},
     {"highway": "footway", "bicycle": "dismount"}, {"highway": "residential", "bicycle": "no"},
     {"highway": "service", "access": "private"}, {"highway": "track", "access": "no"},
     {"highway": "construction"}, {"highway": "bridleway"}],
)  # fmt: skip
def test_ebike_never_uses(tags):
    assert not way_allowed(tags, "ebike")


@pytest.mark.parametrize("highway", ["pedestrian", "footway", "path"])
@pytest.mark.parametrize("bicycle", ["yes", "designated"])
def test_ebike_uses_foot_ways_signed_for_bicycles(highway, bicycle):
    assert way_allowed({"highway": highway, "bicycle": bicycle}, "ebike")


# ----------------------------------------------------------------- the hand-made town


def test_walk_keeps_exactly_the_walkable_ways_two_way(tmp_path):
    graph = town_graph(tmp_path, "walk")
    assert set(graph.nodes) == WALK_NODES
    assert edge_set(graph) == WALK_EDGES
    assert way_ids(graph) == WALK_WAYS - {109}  # 109 is the far piece
    assert all(not oneway for _, _, oneway in graph.edges(data="oneway"))
    assert nx.is_strongly_connected(graph)


def test_ebike_keeps_exactly_the_rideable_ways_and_respects_one_way(tmp_path):
    graph = town_graph(tmp_path, "ebike")
    assert set(graph.nodes) == EBIKE_NODES
    assert edge_set(graph) == EBIKE_EDGES
    assert (3, 6) in edge_set(graph) and (6, 3) not in edge_set(graph)
    assert way_ids(graph) == EBIKE_WAYS - {109, 112}
    assert nx.is_strongly_connected(graph)


def test_lengths_are_great_circle_metres_summed_along_merged_edges(tmp_path):
    graph = town_graph(tmp_path, "ebike")
    a, b, c = node_xy(1), node_xy(2), node_xy(3)
    via_2 = ox.distance.great_circle(a[1], a[0], b[1], b[0]) + ox.distance.great_circle(
        b[1], b[0], c[1], c[0]
    )
    assert graph[1][3][0]["length"] == pytest.approx(via_2, abs=1e-6)
    assert graph[3][1][0]["length"] == pytest.approx(via_2, abs=1e-6)
    line = [(round(x, 7), round(y, 7)) for x, y in graph[1][3][0]["geometry"].coords]
    assert line == [(round(x, 7), round(y, 7)) for x, y in (a, b, c)]
    assert graph.graph["crs"] == "epsg:4326"


def test_bzip2_file_gives_the_same_graph(tmp_path):
    plain = town_graph(tmp_path, "walk")
    packed = town_graph(tmp_path, "walk", name="town.osm.bz2")
    assert edge_set(packed) == edge_set(plain)


def test_bbox_clips_before_the_component_is_taken(tmp_path):
    # the box holds rows 0-1, columns 0-2: 7, 10, 13, 14, 19 and 20 fall outside
    bbox = (ORIGIN[1] - 0.0005, ORIGIN[0] - 0.0005, ORIGIN[1] + 0.0025, ORIGIN[0] + 0.0015)
    graph = prepare(load_osm(write_town(tmp_path / "t.osm"), "walk"), bbox)
    assert set(graph.nodes) == {1, 2, 3, 4, 5, 6}
    assert graph.graph["planner_bbox"] == ",".join(f"{v:g}" for v in bbox)


def test_a_bbox_with_no_streets_is_an_input_error(tmp_path):
    graph = load_osm(write_town(tmp_path / "t.osm"), "walk")
    with pytest.raises(InputError, match=r"t\.osm: has no streets inside the bbox"):
        prepare(graph, (100.0, 10.0, 100.1, 10.1), source=str(tmp_path / "t.osm"))


def test_deleted_objects_are_ignored(tmp_path):
    # JOSM keeps deleted objects in its files, marked action="delete"
    extra = (
        '<way id="200" action="delete"><nd ref="2"/><nd ref="5"/><nd ref="6"/>'
        '<tag k="highway" v="residential"/></way>'
    )
    graph = prepare(load_osm(write_town(tmp_path / "t.osm", extra=extra), "ebike"), None)
    assert edge_set(graph) == EBIKE_EDGES


def test_a_way_with_missing_nodes_is_split_not_joined_across_the_gap(tmp_path):
    # an extract cut at its edge: way 300 runs 1-2-99-5-6 but node 99 is not in the file
    # (tails at every corner keep osmnx from merging the square into one ring)
    street = {"highway": "residential"}
    ways = {300: ([1, 2, 99, 5, 6], street), 301: ([1, 5], street), 302: ([2, 6], street)}
    ways |= {303: ([1, 14], street), 304: ([2, 8], street), 305: ([5, 10], street)}
    ways |= {306: ([6, 20], street)}
    graph = prepare(load_osm(write_town(tmp_path / "t.osm", ways=ways), "walk"), None)
    assert edge_set(graph) == _both((1, 2), (5, 6), (1, 5), (2, 6), (1, 14), (2, 8), (5, 10),
                                    (6, 20))  # fmt: skip
    assert way_ids(graph) == {-1, *range(300, 307)}  # the second piece of 300 is renumbered


def test_nothing_left_after_the_component_is_an_input_error(tmp_path):
    ways = {1: ([1, 2], {"highway": "residential", "oneway": "yes"})}
    graph = load_osm(write_town(tmp_path / "t.osm", ways=ways), "ebike")
    with pytest.raises(InputError, match="no two street nodes reach each other"):
        prepare(graph, None)


# --------------------------------------------------------------------- bad files


def only_message(info: pytest.ExceptionInfo[InputError]) -> str:
    assert len(info.value.problems) == 1
    return str(info.value.problems[0])


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("gone.osm", None, "gone.osm: file is missing"),
        ("a.osm", b"", "a.osm: is not valid XML (no element found: line 1, column 0)"),
        ("a.osm", b"<osm><node id='1'", "a.osm: is not valid XML (unclosed token"),
        ("a.osm.bz2", b"BZh9 definitely not bzip2", "a.osm.bz2: is not bzip2 data"),
        ("a.osm.bz2", bz2.compress(osm_xml().encode())[:300], "a.osm.bz2: is not bzip2 data"),
        ("a.xml", b"<gpx/>", "a.xml: is not OSM XML: the root element is <gpx>, not <osm>"),
        ("a.csv", b"x", "a.csv: unknown file type; expected .osm, .osm.bz2, .xml or .graphml"),
        ("a.graphml", b"<graphml", "a.graphml: is not a readable osmnx GraphML file"),
    ],
)
def test_a_bad_file_is_an_input_error_naming_it(tmp_path, name, content, expected):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError) as info:
        load_osm(path, "walk")
    assert only_message(info).startswith(str(tmp_path / expected))


def test_pbf_says_how_to_convert(tmp_path):
    path = tmp_path / "guangdong.osm.pbf"
    path.write_bytes(b"\x00\x00\x00\x0e")
    with pytest.raises(InputError) as info:
        load_osm(path, "walk")
    assert "osmium cat guangdong.osm.pbf -o guangdong.osm.bz2" in only_message(info)


def test_a_folder_is_not_a_file(tmp_path):
    with pytest.raises(InputError, match="is a folder, not an OpenStreetMap file"):
        load_osm(tmp_path, "walk")


def test_a_file_without_usable_ways_says_so(tmp_path):
    path = write_town(tmp_path / "t.osm", ways={1: ([1, 2], {"highway": "steps"})})
    with pytest.raises(InputError) as info:
        load_osm(path, "ebike")
    assert (
        only_message(info) == f"{path}: has no ways that mode 'ebike' may use (see docs/routes.md)"
    )


@pytest.mark.parametrize(
    ("node", "expected"),
    [('<node id="1" lat="north" lon="113.67"/>', "node 1 has no valid lat/lon"),
     ('<node id="1" lat="95" lon="113.67"/>',
      "node 1 lies outside the earth (lat 95.0, lon 113.67)"),
     ('<node id="x1" lat="22.95" lon="113.67"/>', "<node> with id 'x1': the id is not a number")],
)  # fmt: skip
def test_a_bad_node_is_named(tmp_path, node, expected):
    path = tmp_path / "t.osm"
    ref = "x1" if "x1" in node else "1"
    path.write_text(
        f'<osm>{node}<node id="2" lat="22.95" lon="113.671"/>'
        f'<way id="5"><nd ref="{ref}"/><nd ref="2"/><tag k="highway" v="footway"/></way></osm>'
    )
    with pytest.raises(InputError) as info:
        load_osm(path, "walk")
    assert only_message(info) == f"{path}: {expected}"


def test_graphml_input_is_taken_as_it_is(tmp_path):
    graph = town_graph(tmp_path, "walk")
    ox.save_graphml(graph, tmp_path / "town.graphml")
    again = load_osm(tmp_path / "town.graphml", "walk")
    assert edge_set(again) == WALK_EDGES


# ---------------------------------------------------------------- import and cache


def test_import_writes_the_cache_of_the_scenario_mode(tiny, tmp_path):
    source = write_town(tmp_path / "town.osm.bz2")
    path = import_streets(source, tiny.root)
    assert path == tiny.root / "streets" / "walk.graphml" == cache_path(tiny.root, "walk")
    assert sorted(p.name for p in path.parent.iterdir()) == ["walk.graphml"]  # no temp left
    cached = ox.load_graphml(path)
    assert set(cached.nodes) == WALK_NODES and edge_set(cached) == WALK_EDGES
    assert cached.graph["planner_mode"] == "walk"


def test_import_with_another_mode(tiny, tmp_path):
    path = import_streets(write_town(tmp_path / "town.osm"), tiny.root, "ebike")
    assert path.name == "ebike.graphml"
    assert edge_set(ox.load_graphml(path)) == EBIKE_EDGES


def test_import_needs_a_valid_scenario(tmp_path):
    with pytest.raises(InputError, match="no such scenario folder"):
        import_streets(write_town(tmp_path / "town.osm"), tmp_path / "nowhere")


def test_street_km_counts_each_street_once(tmp_path):
    walk = town_graph(tmp_path, "walk")
    one_way = sum(d["length"] for u, v, d in walk.edges(data=True) if u < v)
    assert street_km(walk) == pytest.approx(one_way / 1000)


def test_street_graph_reads_a_fresh_cache_without_reading_the_source(tiny, tmp_path):
    source = write_town(tmp_path / "town.osm")
    import_streets(source, tiny.root)
    source.write_text("garbage, but older than the cache")
    old = time.time() - 60
    os.utime(source, (old, old))
    assert edge_set(street_graph(tiny.root, "walk", source)) == WALK_EDGES


def test_street_graph_rebuilds_a_cache_older_than_its_source(tiny, tmp_path):
    source = write_town(tmp_path / "town.osm")
    cache = import_streets(source, tiny.root)
    old = time.time() - 60
    os.utime(cache, (old, old))
    write_town(source, ways={k: v for k, v in TOWN_WAYS.items() if k != 104})  # no footway
    graph = street_graph(tiny.root, "walk", source)
    assert (2, 5) not in edge_set(graph)
    assert cache.stat().st_mtime > old


def test_street_graph_builds_a_missing_cache(tiny, tmp_path):
    graph = street_graph(tiny.root, "ebike", write_town(tmp_path / "town.osm"))
    assert edge_set(graph) == EBIKE_EDGES
    assert cache_path(tiny.root, "ebike").is_file()


def test_street_graph_uses_the_cache_when_the_source_is_gone(tiny, tmp_path):
    import_streets(write_town(tmp_path / "town.osm"), tiny.root)
    assert len(street_graph(tiny.root, "walk", tmp_path / "deleted.osm")) == len(WALK_NODES)


def test_street_graph_without_cache_nor_source_says_what_to_run(tiny):
    with pytest.raises(InputError) as info:
        street_graph(tiny.root, "walk", None)
    assert f"planner streets import FILE --scenario {tiny.root} --mode walk" in only_message(info)


def test_a_damaged_cache_says_how_to_rebuild(tiny):
    cache = cache_path(tiny.root, "walk")
    cache.parent.mkdir()
    cache.write_text("<graphml")
    with pytest.raises(InputError, match="street cache is unreadable"):
        street_graph(tiny.root, "walk", None)


def same_graph(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> None:
    """Equal graph, node and edge data, in the same order, with the same types."""
    assert a.graph == b.graph
    assert list(a.nodes(data=True)) == list(b.nodes(data=True))
    edges_a, edges_b = list(a.edges(keys=True, data=True)), list(b.edges(keys=True, data=True))
    assert [e[:3] for e in edges_a] == [e[:3] for e in edges_b]
    for (*_, da), (*_, db) in zip(edges_a, edges_b, strict=True):
        assert {k: type(v) for k, v in da.items()} == {k: type(v) for k, v in db.items()}
        assert {k: v for k, v in da.items() if k != "geometry"} == {
            k: v for k, v in db.items() if k != "geometry"
        }
        if "geometry" in da:
            assert da["geometry"].equals_exact(db["geometry"], 0)


@pytest.mark.parametrize("mode", MODES)
def test_the_cache_reader_returns_what_osmnx_load_graphml_returns(tiny, tmp_path, mode):
    path = import_streets(write_town(tmp_path / "town.osm"), tiny.root, mode)
    same_graph(read_graphml(path), ox.load_graphml(path))


def test_routing_reads_the_cache_without_importing_osmnx(tiny, tmp_path):
    import_streets(write_town(tmp_path / "town.osm"), tiny.root)
    code = (
        "import sys; from pathlib import Path\n"
        "from planner.streets.network import street_graph\n"
        "from planner.streets.matrix import distance_matrix, snap, street_path\n"
        "from planner.streets.coords import gcj02_to_wgs84\n"
        f"g = street_graph(Path({str(tiny.root)!r}), 'walk', None)\n"
        "print(len(g), distance_matrix(g, [1, 20])[0, 1], 'osmnx' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == str(len(WALK_NODES))
    assert result.stdout.split()[2] == "False"


# -------------------------------------------------------------------------- online


def closed_port_url() -> str:
    """A local URL nothing listens on: connecting fails at once, no internet needed."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/api"


def test_fetch_without_network_fails_fast_with_exit_code_2(tiny, monkeypatch):
    monkeypatch.setattr(ox.settings, "overpass_url", closed_port_url())
    start = time.perf_counter()
    with pytest.raises(StreetsUnavailableError) as info:
        fetch_streets(tiny.root)
    assert time.perf_counter() - start < 2
    assert info.value.exit_code == 2
    message = str(info.value)
    assert message.startswith("cannot reach the OpenStreetMap servers (127.0.0.1:")
    assert "Connection refused" in message and "\n" not in message
    assert message.endswith("import a file with `planner streets import FILE --scenario DIR`")


def test_fetch_bbox_and_place_together_is_an_input_error(tiny):
    with pytest.raises(InputError, match="either --bbox or --place"):
        fetch_streets(tiny.root, bbox=(113.66, 22.94, 113.68, 22.96), place="Houjie")


def test_fetch_keeps_the_same_ways_as_an_import(tiny, tmp_path, monkeypatch):
    """Online, osmnx hands over every highway way unsimplified; the same rules apply."""
    raw = write_town(tmp_path / "raw.osm")
    calls: list[dict[str, object]] = []

    def fake_download(bbox: object, **kwargs: object) -> nx.MultiDiGraph:
        calls.append({"bbox": bbox, **kwargs})
        bidirectional = kwargs["network_type"] in ox.settings.bidirectional_network_types
        return ox.graph_from_xml(raw, bidirectional=bidirectional, simplify=False, retain_all=True)

    monkeypatch.setattr(requests, "get", lambda *a, **k: None)  # the quick status probe
    monkeypatch.setattr(ox, "graph_from_bbox", fake_download)
    for mode, nodes, edges in (
        ("walk", WALK_NODES, WALK_EDGES),
        ("ebike", EBIKE_NODES, EBIKE_EDGES),
    ):
        path = fetch_streets(tiny.root, mode=mode)
        cached = ox.load_graphml(path)
        assert (set(cached.nodes), edge_set(cached)) == (nodes, edges)
    assert [c["network_type"] for c in calls] == ["walk", "bike"]
    assert calls[0]["bbox"] == (113.655, 22.925, 113.695, 22.965)  # the scenario's
    assert calls[0]["custom_filter"] == '["highway"]'
    assert "foot" not in ox.settings.useful_tags_way  # settings restored


# ------------------------------------------------------------ real OpenStreetMap data


@needs_longgang
def test_longgang_walk_graph_is_one_strong_component_of_walkable_ways():
    graph = longgang("walk")
    assert 400 < len(graph) < 800
    assert nx.is_strongly_connected(graph)
    assert edge_set(graph) == {(v, u) for u, v in edge_set(graph)}  # every way two-way
    highways = set()
    for _, _, value in graph.edges(data="highway"):
        highways |= set(value) if isinstance(value, list) else {value}
    assert not highways & network.WALK_EXCLUDED_HIGHWAYS
    xs = [x for _, x in graph.nodes(data="x")]
    assert min(xs) > 114.18 and max(xs) < 114.28  # WGS-84, not projected


@needs_longgang
def test_longgang_ebike_graph_respects_one_way_streets():
    graph = longgang("ebike")
    assert nx.is_strongly_connected(graph)
    assert 200 < len(graph) < len(longgang("walk"))
    one_way = {(u, v) for u, v in edge_set(graph) if (v, u) not in edge_set(graph)}
    assert len(one_way) > 10
    for _, _, value in graph.edges(data="highway"):
        assert "steps" not in (value if isinstance(value, list) else [value])


@needs_longgang
def test_longgang_cache_reads_back_as_osmnx_would(tmp_path):
    path = network.save_cache(longgang("walk"), tmp_path / "walk.graphml")
    same_graph(read_graphml(path), ox.load_graphml(path))


@needs_longgang
def test_longgang_bbox_clip():
    graph = prepare(load_osm(LONGGANG, "walk"), LONGGANG_BOUNDS)
    lon_min, lat_min, lon_max, lat_max = LONGGANG_BOUNDS
    assert all(lon_min <= d["x"] <= lon_max and lat_min <= d["y"] <= lat_max
               for _, d in graph.nodes(data=True))  # fmt: skip
    assert nx.is_strongly_connected(graph)
    assert len(graph) < len(longgang("walk"))


def test_street_graph_rebuilds_a_cache_clipped_to_another_bbox(tiny, tmp_path):
    source = write_town(tmp_path / "town.osm")
    cache = import_streets(source, tiny.root)
    clipped = street_graph(tiny.root, "walk", source).graph["planner_bbox"]
    old = time.time() - 60
    os.utime(cache, (old, old))
    os.utime(source, (old - 60, old - 60))
    # the same bbox: the cache stands
    street_graph(tiny.root, "walk", source, tuple(float(v) for v in clipped.split(",")))
    assert cache.stat().st_mtime == old
    # another bbox (as after editing scenario.toml): rebuilt from the source
    street_graph(tiny.root, "walk", source, (0.0, 0.0, 1.0, 1.0))
    assert cache.stat().st_mtime > old
