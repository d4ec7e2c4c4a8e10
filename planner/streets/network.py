"""The street graph of a scenario: which OSM ways each mode may use, clean-up, the cache.

docs/routes.md ("Street network") is the specification. An OpenStreetMap file is filtered
to the ways the travel mode may use *before* osmnx sees it (``graph_from_xml`` would
otherwise turn every building outline into streets), loaded with osmnx (walking two-way,
e-bikes respecting one-way streets), clipped to the scenario's bbox, reduced to its
largest strongly connected component, and cached as osmnx GraphML in
``DIR/streets/<mode>.graphml``; routing reads the cache.

osmnx (with pandas, geopandas and matplotlib behind it) takes about a second to import, so
it is imported only where a graph is built; reading the cache (:func:`read_graphml`) needs
only networkx and shapely.
"""

from __future__ import annotations

import ast
import bz2
import contextlib
import gc
import gzip
import io
import os
import re
import tempfile
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterator, Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any, Final, Literal

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from planner._errors import InputError, InputProblem, PlannerError

Mode = Literal["walk", "ebike"]
MODES: Final = ("walk", "ebike")
SPEED_MPS: Final[dict[str, float]] = {"walk": 1.2, "ebike": 4.0}
"""Travel speed of each mode, metres per second (docs/routes.md)."""

CACHE_DIR = "streets"
"""Sub-folder of a scenario that holds ``<mode>.graphml``."""

WALK_EXCLUDED_HIGHWAYS: Final = frozenset(
    {
        "motorway",
        "motorway_link",
        "trunk",
        "trunk_link",
        "construction",
        "proposed",
        "raceway",
        "bus_guideway",
        "busway",
    }
)
EBIKE_HIGHWAYS: Final = frozenset(
    {
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
        "residential",
        "unclassified",
        "living_street",
        "service",
        "track",
        "cycleway",
    }
)
EBIKE_WITH_BICYCLE_TAG: Final = frozenset({"pedestrian", "footway", "path"})
"""Ways an e-bike may use only when tagged ``bicycle=yes|designated``."""
BICYCLE_ALLOWED: Final = frozenset({"yes", "designated"})
ACCESS_BLOCKED: Final = frozenset({"private", "no"})

OSMNX_NETWORK_TYPE: Final[dict[str, str]] = {"walk": "walk", "ebike": "bike"}
"""osmnx network type per mode; only decides two-way (walk) or one-way-aware (bike)."""
FETCH_FILTER = '["highway"]'
"""Overpass filter for fetching: every highway way; :func:`way_allowed` then decides."""
FETCH_PROBE_TIMEOUT_S = 10.0
"""A quick look at the Overpass status page first, so being offline fails in seconds."""

PBF_HINT = "convert it first with `osmium cat {name} -o {stem}.osm.bz2` and import that file"
OSM_SUFFIXES = (".osm", ".xml")
COMPRESSED = {".bz2": "bzip2", ".gz": "gzip"}


class StreetsUnavailableError(PlannerError):
    """The OpenStreetMap servers could not be reached or refused the request. Exit code 2."""

    exit_code = 2


# ------------------------------------------------------------------------- modes, speed


def check_mode(mode: str) -> Mode:
    """``mode`` if it is a travel mode, else InputError (callers pass user text)."""
    if mode == "walk":
        return "walk"
    if mode == "ebike":
        return "ebike"
    choices = " or ".join(MODES)
    raise InputError([InputProblem("--mode", None, None, f"unknown mode {mode!r}; use {choices}")])


SPEED_FRACTION: Final = {mode: Fraction(str(mps)) for mode, mps in SPEED_MPS.items()}
"""Each speed as an exact fraction (1.2 → 6/5), so ceil() never trips on float error."""


def _speed(mode: str) -> Fraction:
    speed = SPEED_FRACTION.get(mode)
    return speed if speed is not None else SPEED_FRACTION[check_mode(mode)]


def travel_seconds(metres: int, mode: str) -> int:
    """Seconds a leg of ``metres`` takes: ceil(metres / speed), in whole-number arithmetic."""
    if metres < 0:
        raise ValueError(f"a leg cannot be {metres} m long")
    speed = _speed(mode)
    return int(-((-metres * speed.denominator) // speed.numerator))


def travel_seconds_array(metres: NDArray[np.int64], mode: str) -> NDArray[np.int64]:
    """:func:`travel_seconds` of a whole matrix at once (use this for a day's matrix)."""
    speed = _speed(mode)
    m = np.asarray(metres, dtype=np.int64)
    if m.size and m.min() < 0:
        raise ValueError("a leg cannot have a negative length")
    return -((-m * speed.denominator) // speed.numerator)


# ---------------------------------------------------------------------- which ways


def way_allowed(tags: Mapping[str, str], mode: str) -> bool:
    """Whether ``mode`` may use an OSM way with these tags (docs/routes.md, "Which ways")."""
    highway = tags.get("highway")
    if highway is None or tags.get("access") in ACCESS_BLOCKED:
        return False
    if check_mode(mode) == "walk":
        return highway not in WALK_EXCLUDED_HIGHWAYS and tags.get("foot") != "no"
    bicycle = tags.get("bicycle")
    if bicycle == "no":
        return False
    return highway in EBIKE_HIGHWAYS or (
        highway in EBIKE_WITH_BICYCLE_TAG and bicycle in BICYCLE_ALLOWED
    )


# ---------------------------------------------------------------------- reading files


def _problem(path: Path | str, message: str) -> InputError:
    return InputError([InputProblem(str(path), None, None, message)])


def _file_kind(path: Path) -> Literal["osm", "graphml", "pbf"] | None:
    name = path.name.lower()
    if name.endswith(tuple(s + c for s in OSM_SUFFIXES for c in ("", *COMPRESSED))):
        return "osm"
    if name.endswith(".graphml"):
        return "graphml"
    if name.endswith(".pbf"):
        return "pbf"
    return None


def _removed(element: ET.Element) -> bool:
    """JOSM keeps deleted objects in its files, marked; they are not streets."""
    return element.get("action") == "delete" or element.get("visible") == "false"


def _parse_osm_xml(path: Path) -> ET.Element:
    """The root ``<osm>`` element of a plain, bzip2 or gzip OSM XML file."""
    compression = COMPRESSED.get(path.suffix.lower())
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise _problem(path, f"cannot be read: {exc.strerror or exc}") from exc
    with raw:
        stream: io.BufferedIOBase = raw
        if compression == "bzip2":
            stream = bz2.BZ2File(raw)
        elif compression == "gzip":
            stream = gzip.GzipFile(fileobj=raw)
        try:
            root = ET.parse(stream).getroot()
        except ET.ParseError as exc:
            raise _problem(path, f"is not valid XML ({exc})") from exc
        except (OSError, EOFError, zlib.error) as exc:
            what = f"{compression} data" if compression else "a readable file"
            raise _problem(path, f"is not {what} ({exc})") from exc
    if root.tag != "osm":
        raise _problem(path, f"is not OSM XML: the root element is <{root.tag}>, not <osm>")
    return root


def _int_id(element: ET.Element, path: Path) -> str:
    """The element's id, checked to be a whole number as osmnx requires."""
    text = element.get("id", "")
    try:
        int(text)
    except ValueError:
        raise _problem(path, f"<{element.tag}> with id {text!r}: the id is not a number") from None
    return text


def _node_element(node: ET.Element, path: Path) -> ET.Element:
    """A minimal copy of an OSM node (id, lat, lon, tags), its coordinates checked."""
    node_id = _int_id(node, path)
    try:
        lat, lon = float(node.get("lat", "")), float(node.get("lon", ""))
    except ValueError:
        raise _problem(path, f"node {node_id} has no valid lat/lon") from None
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise _problem(path, f"node {node_id} lies outside the earth (lat {lat}, lon {lon})")
    out = ET.Element("node", {"id": node_id, "lat": repr(lat), "lon": repr(lon)})
    out.extend([ET.Element("tag", tag.attrib) for tag in node.findall("tag")])
    return out


def _filtered_osm(path: Path, mode: str) -> ET.Element | None:
    """The file reduced to the ways ``mode`` may use and their nodes; None if there are none.

    A way that refers to nodes the file lacks (an extract cut at its edge) is split into
    its runs of present nodes: joining the pieces across the gap would invent a street.
    """
    root = _parse_osm_xml(path)
    nodes = {n.get("id"): n for n in root.findall("node") if not _removed(n)}
    ways: list[ET.Element] = []
    used: set[str] = set()
    ways_in_file = [w for w in root.findall("way") if not _removed(w)]
    ids = [int(_int_id(w, path)) for w in ways_in_file]
    next_piece_id = min([0, *ids]) - 1  # ids for the second and later pieces of a split way
    for way in ways_in_file:
        tags = {t.get("k", ""): t.get("v", "") for t in way.findall("tag")}
        if not way_allowed(tags, mode):
            continue
        piece_id = way.get("id", "")
        runs: list[list[str]] = [[]]
        for nd in way.findall("nd"):
            ref = nd.get("ref", "")
            if ref in nodes:
                runs[-1].append(ref)
            elif runs[-1]:
                runs.append([])
        for run in (r for r in runs if len(set(r)) >= 2):
            piece = ET.Element("way", {"id": piece_id})
            piece.extend([ET.Element("nd", {"ref": ref}) for ref in run])
            piece.extend([ET.Element("tag", {"k": k, "v": v}) for k, v in tags.items()])
            ways.append(piece)
            used.update(run)
            piece_id, next_piece_id = str(next_piece_id), next_piece_id - 1
    if not ways:
        return None
    out = ET.Element("osm", {"version": "0.6", "generator": "planner"})
    # lists, not generators, for extend(): ElementTree turns any error raised inside a
    # generator (our InputError too) into "TypeError: expected sequence"
    out.extend([_node_element(nodes[i], path) for i in nodes if i in used])
    out.extend(ways)
    return out


def _osm_graph(path: Path, mode: str) -> nx.MultiDiGraph:
    import osmnx as ox

    filtered = _filtered_osm(path, mode)
    if filtered is None:
        raise _problem(path, f"has no ways that mode {mode!r} may use (see docs/routes.md)")
    with tempfile.TemporaryDirectory(prefix="planner-streets-") as tmp:
        xml_path = Path(tmp) / "filtered.osm"
        ET.ElementTree(filtered).write(xml_path, encoding="utf-8", xml_declaration=True)
        try:
            return ox.graph_from_xml(
                xml_path, bidirectional=mode == "walk", simplify=True, retain_all=True
            )
        except Exception as exc:  # osmnx on data it cannot use: say so, no traceback
            raise _problem(path, f"osmnx could not build a street graph ({exc})") from exc


def _checked_graphml(path: Path) -> nx.MultiDiGraph:
    """An osmnx GraphML taken as it is (already filtered), checked to be a street graph."""
    import osmnx as ox

    try:
        graph = ox.load_graphml(path)
    except Exception as exc:  # nx/osmnx raise many kinds on a garbled file
        raise _problem(path, f"is not a readable osmnx GraphML file ({exc})") from exc
    if not graph.is_directed() or not graph.is_multigraph():
        raise _problem(path, "is not an osmnx street graph (not a directed multigraph)")
    for node, data in graph.nodes(data=True):
        if not isinstance(data.get("x"), float) or not isinstance(data.get("y"), float):
            raise _problem(path, f"node {node} has no x/y coordinates")
    for u, v, data in graph.edges(data=True):
        length = data.get("length")
        if not isinstance(length, float) or not length >= 0.0:
            raise _problem(path, f"edge {u}->{v} has no valid length in metres")
    return graph


def load_osm(path: Path, mode: str) -> nx.MultiDiGraph:
    """The street graph of an OSM file for ``mode``: only the ways it may use, simplified.

    Reads ``.osm``/``.xml`` (plain, ``.bz2`` or ``.gz``) offline; a ``.graphml`` written by
    osmnx is taken as it is. Not yet clipped nor reduced to one component: see
    :func:`prepare`. Any problem with the file is an InputError naming it.
    """
    path = Path(path)
    mode = check_mode(mode)
    if not path.exists():
        raise _problem(path, "file is missing")
    if path.is_dir():
        raise _problem(path, "is a folder, not an OpenStreetMap file")
    kind = _file_kind(path)
    if kind == "pbf":
        stem = path.name.removesuffix(".pbf").removesuffix(".osm")
        raise _problem(
            path, "PBF files are not read; " + PBF_HINT.format(name=path.name, stem=stem)
        )
    if kind is None:
        raise _problem(path, "unknown file type; expected .osm, .osm.bz2, .xml or .graphml")
    graph = _checked_graphml(path) if kind == "graphml" else _osm_graph(path, mode)
    graph.graph["planner_mode"] = mode
    graph.graph["planner_source"] = path.name
    return graph


# ---------------------------------------------------------------------------- clean-up


def prepare(
    graph: nx.MultiDiGraph,
    bbox: tuple[float, float, float, float] | None,
    *,
    source: str = "street network",
) -> nx.MultiDiGraph:
    """Clip to ``bbox`` (lon_min, lat_min, lon_max, lat_max) and keep the largest strongly
    connected component, so every node reaches every other (no ``inf`` in a matrix)."""
    import osmnx as ox

    if bbox is not None:
        try:
            graph = ox.truncate.truncate_graph_bbox(graph, bbox)
        except ValueError:  # osmnx: no node inside the box
            graph = nx.MultiDiGraph(**graph.graph)
        graph.graph["planner_bbox"] = ",".join(f"{v:g}" for v in bbox)
    if graph.number_of_edges() == 0:
        where = f"inside the bbox {list(bbox)}" if bbox is not None else "in it"
        raise _problem(source, f"has no streets {where}; check the scenario's bbox (WGS-84)")
    graph = ox.truncate.largest_component(graph, strongly=True)
    if graph.number_of_edges() == 0:
        raise _problem(source, "no two street nodes reach each other (only one-way dead ends)")
    return graph


# ---------------------------------------------------------------------------- the cache


def cache_path(scenario_dir: Path, mode: str) -> Path:
    """Where the street graph of ``mode`` is cached: ``DIR/streets/<mode>.graphml``."""
    return Path(scenario_dir) / CACHE_DIR / f"{check_mode(mode)}.graphml"


def save_cache(graph: nx.MultiDiGraph, path: Path) -> Path:
    """Write osmnx GraphML via a temporary file and a rename: readers never see half a file."""
    import osmnx as ox

    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        os.close(handle)  # osmnx writes by name
        ox.save_graphml(graph, tmp)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


GRAPHML_NS = "{http://graphml.graphdrawing.org/xmlns}"


def _bool_text(text: object) -> bool:
    """osmnx's ``_convert_bool_string``: only "True"/"False" (or a bool) are booleans."""
    if isinstance(text, bool):
        return text
    if text == "True":
        return True
    if text == "False":
        return False
    raise ValueError(f"expected True or False, got {text!r}")


GRAPH_TYPES: Final[dict[str, Any]] = {"consolidated": _bool_text, "simplified": _bool_text}
NODE_TYPES: Final[dict[str, Any]] = {
    "elevation": float,
    "elevation_res": float,
    "osmid": int,
    "street_count": int,
    "x": float,
    "y": float,
}
EDGE_TYPES: Final[dict[str, Any]] = {
    "bearing": float,
    "grade": float,
    "grade_abs": float,
    "length": float,
    "oneway": _bool_text,
    "osmid": int,
    "reversed": _bool_text,
    "speed_kph": float,
    "travel_time": float,
}
"""The attribute types ``osmnx.load_graphml`` restores (osmnx 2.1); the rest stay text."""


def _typed(data: dict[str, Any], types: Mapping[str, Any]) -> dict[str, Any]:
    """osmnx's conversion: "[...]"/"{...}" texts to Python values, then the known types."""
    for name, text in data.items():
        if (text[:1], text[-1:]) in (("[", "]"), ("{", "}")):
            with contextlib.suppress(SyntaxError, ValueError):
                data[name] = ast.literal_eval(text)
    for name in data.keys() & types.keys():
        value = data[name]
        convert = types[name]
        data[name] = [convert(v) for v in value] if isinstance(value, list) else convert(value)
    return data


def read_graphml(path: Path) -> nx.MultiDiGraph:
    """The graph ``osmnx.load_graphml`` returns for an osmnx GraphML file, without osmnx.

    Same nodes, edges, keys, order and attribute types (geometry as shapely lines); it
    exists because importing osmnx costs about a second of routing's few-second budget,
    and it runs without the cycle collector, which halves the time on a 10k-edge graph.
    """
    enabled = gc.isenabled()
    gc.disable()  # tens of thousands of new dicts would run the cycle collector many times
    try:
        return _read_graphml(path)
    finally:
        if enabled:
            gc.enable()


def _read_graphml(path: Path) -> nx.MultiDiGraph:
    import shapely  # type: ignore[import-untyped]

    root = ET.parse(path).getroot()
    keys = {k.get("id"): k.get("attr.name", "") for k in root.iter(GRAPHML_NS + "key")}
    tree = root.find(GRAPHML_NS + "graph")
    if tree is None:
        raise ValueError("no <graph> element")

    data_tag = GRAPHML_NS + "data"

    def data_of(element: ET.Element) -> dict[str, Any]:
        # plain iteration: ElementPath's iterfind costs more than the parse on 10k edges
        return {
            keys[d.get("key")]: d.text for d in element if d.tag == data_tag and d.text is not None
        }

    graph = nx.MultiDiGraph(**_typed(data_of(tree), GRAPH_TYPES))
    graph.add_nodes_from(
        (int(n.get("id", "")), _typed(data_of(n), NODE_TYPES))
        for n in tree.iterfind(GRAPHML_NS + "node")
    )
    edges: list[tuple[int, int, int | None, dict[str, Any]]] = []
    wkt: list[str] = []
    with_geometry: list[dict[str, Any]] = []
    for e in tree.iterfind(GRAPHML_NS + "edge"):
        data = data_of(e)
        data.pop("id", None)
        geometry = data.pop("geometry", None)
        data = _typed(data, EDGE_TYPES)
        if geometry is not None:
            wkt.append(geometry)
            with_geometry.append(data)
        edge_key = e.get("id")  # networkx writes a multigraph's edge key as the id
        source, target = int(e.get("source", "")), int(e.get("target", ""))
        edges.append((source, target, int(edge_key) if edge_key else None, data))
    for data, line in zip(with_geometry, shapely.from_wkt(wkt), strict=True):
        data["geometry"] = line
    graph.add_edges_from(edges)
    return graph


def load_cache(path: Path) -> nx.MultiDiGraph:
    """A cached street graph; a damaged cache is an InputError that says how to rebuild it."""
    try:
        return read_graphml(path)
    except Exception as exc:  # XML, number and WKT errors on a garbled file
        raise _problem(
            path, f"the street cache is unreadable ({exc}); run `planner streets import` again"
        ) from exc


def street_km(graph: nx.MultiDiGraph) -> float:
    """Kilometres of street, each street once however many directions it has."""
    seen: set[tuple[int, int, float]] = set()
    total = 0.0
    for u, v, data in graph.edges(data=True):
        length = float(data["length"])
        key = (min(u, v), max(u, v), round(length, 3))
        if key not in seen:
            seen.add(key)
            total += length
    return total / 1000.0


def import_streets(file: Path, scenario_dir: Path, mode: str | None = None) -> Path:
    """Build the scenario's street cache from an OSM file; returns the cache's path.

    ``mode`` defaults to the scenario's ``travel_mode``; the bbox is the scenario's.
    """
    from planner.scenario_io import load_scenario

    info = load_scenario(scenario_dir).info
    mode = check_mode(mode or info.travel_mode)
    graph = prepare(load_osm(Path(file), mode), info.bbox, source=str(file))
    return save_cache(graph, cache_path(scenario_dir, mode))


# ------------------------------------------------------------------------------ online


def _reason(exc: BaseException) -> str:
    """The useful part of a requests error ("Name or service not known"), on one line."""
    found = re.search(r"\[Errno -?\d+\] ([^'\")]+)", str(exc))
    return found.group(1).strip() if found else type(exc).__name__


def _unreachable(host: str, exc: BaseException) -> StreetsUnavailableError:
    return StreetsUnavailableError(
        f"cannot reach the OpenStreetMap servers ({host}: {_reason(exc)}); "
        "import a file with `planner streets import FILE --scenario DIR`"
    )


@contextlib.contextmanager
def _fetch_settings() -> Iterator[None]:
    """Keep the tags :func:`way_allowed` reads; no HTTP cache folder in the working dir."""
    import osmnx as ox

    saved = (list(ox.settings.useful_tags_way), ox.settings.use_cache)
    extra = [t for t in ("foot", "bicycle", "access", "highway") if t not in saved[0]]
    ox.settings.useful_tags_way = [*saved[0], *extra]
    ox.settings.use_cache = False
    try:
        yield
    finally:
        ox.settings.useful_tags_way, ox.settings.use_cache = saved


def _keep_allowed(graph: nx.MultiDiGraph, mode: str) -> nx.MultiDiGraph:
    """Drop the edges ``mode`` may not use from an unsimplified graph, then simplify."""
    import osmnx as ox

    drop = [
        (u, v, k)
        for u, v, k, data in graph.edges(keys=True, data=True)
        if not way_allowed({k: v for k, v in data.items() if isinstance(v, str)}, mode)
    ]
    graph.remove_edges_from(drop)
    graph.remove_nodes_from([n for n in list(graph) if graph.degree(n) == 0])
    if graph.number_of_edges() == 0:
        return graph
    return ox.simplify_graph(graph)


def fetch_streets(
    scenario_dir: Path,
    *,
    bbox: tuple[float, float, float, float] | None = None,
    place: str | None = None,
    mode: str | None = None,
) -> Path:
    """Download the streets (``bbox`` or ``place``; default the scenario's bbox) from the
    Overpass API with osmnx, clean them up like an import, and cache them."""
    import osmnx as ox
    import requests
    from osmnx._errors import InsufficientResponseError, ResponseStatusCodeError

    from planner.scenario_io import load_scenario

    if bbox is not None and place is not None:
        raise _problem("--place", "give either --bbox or --place, not both")
    info = load_scenario(scenario_dir).info
    mode = check_mode(mode or info.travel_mode)
    url = ox.settings.overpass_url.rstrip("/")
    host = re.sub(r"^[a-z]+://", "", url).split("/")[0]
    try:
        requests.get(url + "/status", timeout=FETCH_PROBE_TIMEOUT_S)
    except requests.RequestException as exc:
        raise _unreachable(host, exc) from exc
    network_type = OSMNX_NETWORK_TYPE[mode]
    try:
        with _fetch_settings():
            if place is not None:
                graph = ox.graph_from_place(
                    place,
                    network_type=network_type,
                    custom_filter=FETCH_FILTER,
                    simplify=False,
                    retain_all=True,
                )
            else:
                graph = ox.graph_from_bbox(
                    bbox or info.bbox,
                    network_type=network_type,
                    custom_filter=FETCH_FILTER,
                    simplify=False,
                    retain_all=True,
                )
    except requests.RequestException as exc:
        raise _unreachable(host, exc) from exc
    except (InsufficientResponseError, TypeError, ValueError) as exc:
        # no data in the box, or a place Nominatim cannot find or that is not an area
        where = f"--place {place!r}" if place is not None else "--bbox"
        raise _problem(where, f"OpenStreetMap returned nothing usable ({exc})") from exc
    except ResponseStatusCodeError as exc:
        raise StreetsUnavailableError(f"the OpenStreetMap servers refused: {exc}") from exc
    graph = prepare(_keep_allowed(graph, mode), info.bbox, source=f"streets fetched for {mode}")
    graph.graph["planner_mode"] = mode
    graph.graph["planner_source"] = f"place {place}" if place is not None else "Overpass API bbox"
    return save_cache(graph, cache_path(scenario_dir, mode))


# ------------------------------------------------------------------------- for routing


def street_graph(
    scenario_dir: Path,
    mode: str,
    source: Path | None,
    bbox: tuple[float, float, float, float] | None = None,
) -> nx.MultiDiGraph:
    """The scenario's street graph for ``mode``, from the cache when it is not older than
    ``source`` and was clipped to ``bbox``; otherwise (re)built from ``source`` and cached.

    A cache clipped to another area (the scenario's bbox was edited) is rebuilt too:
    otherwise sites in the new area would silently become unreachable.
    """
    cache = cache_path(scenario_dir, mode)
    source_file = Path(source) if source is not None and Path(source).is_file() else None
    if cache.is_file() and (
        source_file is None or cache.stat().st_mtime >= source_file.stat().st_mtime
    ):
        graph = load_cache(cache)  # a source that is gone cannot make the cache stale
        clipped = graph.graph.get("planner_bbox")
        wanted = None if bbox is None else ",".join(f"{v:g}" for v in bbox)
        if source_file is None or wanted is None or clipped in (None, wanted):
            return graph
    if source_file is not None:
        return load_cache(import_streets(source_file, scenario_dir, mode))
    hint = f"run `planner streets import FILE --scenario {scenario_dir} --mode {mode}`"
    if source is not None:
        raise _problem(source, f"file is missing and there is no street cache; {hint}")
    raise _problem(cache, f"no street network for {mode} yet; {hint}")
