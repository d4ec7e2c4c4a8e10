"""`planner streets`: build a scenario's street cache from an OSM file or from the internet.

The parser imports nothing heavy: osmnx loads only when a streets command runs, so the
rest of the CLI starts fast.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from planner._errors import InputError, InputProblem
from planner.cli_args import EXIT_OK

MODE_CHOICES = ("walk", "ebike")
"""``planner.streets.network.MODES``, spelled out so that building the parser skips osmnx."""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``streets`` command with its ``import`` and ``fetch`` actions."""
    streets = sub.add_parser(
        "streets", help="import or fetch a scenario's street network (OpenStreetMap)"
    )
    actions = streets.add_subparsers(dest="streets_command", required=True, metavar="ACTION")
    mode_help = "travel mode (default: the scenario's travel_mode)"

    imp = actions.add_parser(
        "import", help="build DIR/streets/<mode>.graphml from an OSM file, offline"
    )
    imp.add_argument("file", help="OpenStreetMap XML: .osm, .osm.bz2, .xml (or osmnx .graphml)")
    imp.add_argument("--scenario", required=True, help="scenario folder (its bbox clips)")
    imp.add_argument("--mode", choices=MODE_CHOICES, help=mode_help)
    imp.set_defaults(func=run_import)

    fetch = actions.add_parser(
        "fetch", help="download the streets from OpenStreetMap (needs internet) and cache them"
    )
    where = fetch.add_mutually_exclusive_group()
    where.add_argument(
        "--bbox",
        nargs=4,
        type=float,
        metavar=("LON_MIN", "LAT_MIN", "LON_MAX", "LAT_MAX"),
        help="area to download, WGS-84 (default: the scenario's bbox)",
    )
    where.add_argument("--place", help='a place name OpenStreetMap knows, e.g. "厚街镇, 东莞市"')
    fetch.add_argument("--scenario", required=True, help="scenario folder (its bbox clips)")
    fetch.add_argument("--mode", choices=MODE_CHOICES, help=mode_help)
    fetch.set_defaults(func=run_fetch)


def _bbox(values: list[float] | None) -> tuple[float, float, float, float] | None:
    if values is None:
        return None
    lon_min, lat_min, lon_max, lat_max = values
    if not (lon_min < lon_max and lat_min < lat_max):
        raise InputError(
            [
                InputProblem(
                    "--bbox", None, None, "expected LON_MIN LAT_MIN LON_MAX LAT_MAX, min < max"
                )
            ]
        )
    return lon_min, lat_min, lon_max, lat_max


def summary_line(path: Path) -> str:
    """One line about a street cache: size, kilometres of street, where it is."""
    from planner.streets.network import load_cache, street_km

    graph = load_cache(path)
    mode = graph.graph.get("planner_mode", path.stem)
    return (
        f"{mode} streets: {len(graph)} nodes, {graph.number_of_edges()} edges, "
        f"{street_km(graph):.1f} km of street; cached in {path}"
    )


def run_import(args: argparse.Namespace) -> int:
    """``planner streets import FILE --scenario DIR [--mode M]``."""
    from planner.streets.network import import_streets

    path = import_streets(Path(args.file), Path(args.scenario), args.mode)
    print(summary_line(path))
    return EXIT_OK


def run_fetch(args: argparse.Namespace) -> int:
    """``planner streets fetch [--bbox ... | --place NAME] --scenario DIR [--mode M]``."""
    from planner.streets.network import fetch_streets

    path = fetch_streets(
        Path(args.scenario), bbox=_bbox(args.bbox), place=args.place, mode=args.mode
    )
    print(summary_line(path))
    return EXIT_OK
