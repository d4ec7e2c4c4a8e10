"""The generated Baotun street network: deterministic, loadable by osmnx, town-like, covering."""

from __future__ import annotations

import bz2
import csv
import tomllib
import xml.etree.ElementTree as ET
from collections import Counter

import numpy as np
import osmnx as ox
import pytest

from planner._errors import InputError
from planner.routes.patrol import patrol_loop, patrol_streets
from planner.streets.synth import (
    PATROL_FILE,
    STREETS_FILE,
    generate_streets,
    write_streets,
)
from tests.conftest import BAOTUN_DIR

SEED = 20220601
CONFIG = tomllib.loads((BAOTUN_DIR / "scenario.toml").read_text(encoding="utf-8"))
BBOX = tuple(CONFIG["scenario"]["bbox"])
STATIONS = [(g["id"], g["station_lat"], g["station_lon"]) for g in CONFIG["grids"]]
SMALL_BBOX = (113.655, 22.925, 113.670, 22.940)
SMALL_STATIONS = [("G1", 22.93, 113.66), ("G2", 22.935, 113.665)]


@pytest.fixture(scope="module")
def town(tmp_path_factory):
    """Baotun's network, written as the scenario ships it and loaded the way routing loads it."""
    net = generate_streets(BBOX, STATIONS, SEED)
    folder = tmp_path_factory.mktemp("baotun")
    write_streets(net, folder)
    graph = ox.graph_from_xml(folder / STREETS_FILE, bidirectional=True, simplify=True)
    return net, folder, graph


@pytest.fixture(scope="module")
def ways(town):
    """The tags of every way in the XML."""
    root = ET.fromstring(town[0].osm_xml.encode("utf-8"))
    return [{t.get("k"): t.get("v") for t in w.findall("tag")} for w in root.findall("way")]


def haversine_m(lat1, lon1, lat2, lon2):
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_009 * np.arcsin(np.sqrt(a))


def node_coords(graph):
    return np.array([[d["y"], d["x"]] for _, d in graph.nodes(data=True)])


def test_same_seed_gives_the_same_bytes_and_another_seed_another_town():
    one = generate_streets(SMALL_BBOX, SMALL_STATIONS, 7)
    assert one.osm_xml == generate_streets(SMALL_BBOX, SMALL_STATIONS, 7).osm_xml
    assert one.patrol == generate_streets(SMALL_BBOX, SMALL_STATIONS, 7).patrol
    assert one.osm_xml != generate_streets(SMALL_BBOX, SMALL_STATIONS, 8).osm_xml


def test_written_files_are_the_network_compressed_and_the_patrol_rows(town):
    net, folder, _ = town
    assert bz2.decompress((folder / STREETS_FILE).read_bytes()).decode("utf-8") == net.osm_xml
    with (folder / PATROL_FILE).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["grid", "street"]
    assert [tuple(r) for r in rows[1:]] == net.patrol
    assert sorted(p.name for p in folder.iterdir()) == [PATROL_FILE, STREETS_FILE]


def test_shipped_baotun_files_are_what_the_generator_makes(town):
    _, folder, _ = town
    for name in (STREETS_FILE, PATROL_FILE):
        assert (BAOTUN_DIR / name).read_bytes() == (folder / name).read_bytes(), (
            f"regenerate {name}: write_streets(generate_streets(bbox, stations, {SEED}), dir)"
        )


def test_xml_is_osm_0_6_without_timestamps(town):
    net, _, _ = town
    root = ET.fromstring(net.osm_xml.encode("utf-8"))
    assert (root.get("version"), root.get("generator")) == ("0.6", "planner synth")
    assert root.find("bounds") is not None
    nodes = root.findall("node")
    ways = root.findall("way")
    assert (len(nodes), len(ways)) == (net.nodes, net.ways)
    assert 3000 <= len(nodes) <= 8000
    assert [int(n.get("id")) for n in nodes] == list(range(1, len(nodes) + 1))
    assert "timestamp" not in net.osm_xml
    assert len(bz2.compress(net.osm_xml.encode("utf-8"), 9)) < 400_000


def test_network_is_one_piece_even_strongly(town):
    _, _, graph = town
    strong = ox.truncate.largest_component(graph, strongly=True)
    assert strong.number_of_nodes() >= 0.95 * graph.number_of_nodes()
    assert 2000 <= graph.number_of_nodes() <= 6000


def test_every_station_is_on_the_network(town):
    _, _, graph = town
    coords = node_coords(graph)
    for grid, lat, lon in STATIONS:
        assert haversine_m(lat, lon, coords[:, 0], coords[:, 1]).min() < 50, grid


def test_town_has_arterials_lanes_industry_and_bridges(ways):
    tags = ways
    classes = Counter(t["highway"] for t in tags)
    for highway in ("primary", "secondary", "residential", "service", "unclassified"):
        assert classes[highway] > 0, highway
    assert classes["footway"] + classes["path"] + classes["living_street"] > 100
    assert any(t.get("oneway") == "yes" and t["highway"] == "primary" for t in tags)
    bridges = {t.get("name") for t in tags if t.get("bridge") == "yes"}
    assert 2 <= len(bridges) <= 6


def test_patrol_streets_are_named_streets_near_each_station(town, ways):
    net, _, _ = town
    names = {t.get("name") for t in ways}
    per_grid = Counter(grid for grid, _ in net.patrol)
    assert sorted(per_grid) == sorted(g for g, _, _ in STATIONS)
    assert all(4 <= n <= 8 for n in per_grid.values())
    assert {street for _, street in net.patrol} <= names


def test_every_grid_can_walk_its_night_patrol_from_its_station(town):
    net, _, graph = town
    coords = node_coords(graph)
    ids = list(graph.nodes)
    stations = {grid: (lat, lon) for grid, lat, lon in STATIONS}
    for grid, (lat, lon) in stations.items():
        start = ids[int(haversine_m(lat, lon, coords[:, 0], coords[:, 1]).argmin())]
        required = patrol_streets(graph, net.patrol, grid, stations)
        loop = patrol_loop(graph, required, start)
        assert loop.nodes[0] == loop.nodes[-1] == start
        assert {frozenset(e[:2]) for e in required} <= {frozenset(e[:2]) for e in loop.edges}
        assert 3000 < loop.required_m <= loop.length_m < 2 * loop.required_m, grid


def test_every_spot_of_the_box_is_near_a_node(town):
    _, _, graph = town
    coords = node_coords(graph)
    rng = np.random.default_rng(1)
    lon0, lat0, lon1, lat1 = BBOX
    spots = np.column_stack([rng.uniform(lat0, lat1, 1000), rng.uniform(lon0, lon1, 1000)])
    near = [haversine_m(lat, lon, coords[:, 0], coords[:, 1]).min() for lat, lon in spots]
    assert max(near) < 150


def test_station_outside_the_box_is_refused():
    with pytest.raises(InputError, match="outside the bbox"):
        generate_streets(SMALL_BBOX, [("G1", 23.5, 113.66)], 1)
