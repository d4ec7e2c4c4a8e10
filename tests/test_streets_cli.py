"""`planner streets import|fetch`: the summary line, exit codes, one-line errors."""

from __future__ import annotations

import subprocess
import sys

import osmnx as ox
import pytest

from planner.cli import main
from planner.streets.cli import MODE_CHOICES
from planner.streets.network import MODES, street_km
from tests.test_streets_network import closed_port_url, write_town


def run(argv: list[str]) -> int:
    """main()'s exit code, whether it returns it or argparse raises SystemExit."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def test_import_prints_one_summary_line(tiny, tmp_path, capsys):
    source = write_town(tmp_path / "town.osm.bz2")
    assert run(["streets", "import", str(source), "--scenario", str(tiny.root)]) == 0
    out, err = capsys.readouterr()
    cache = tiny.root / "streets" / "walk.graphml"
    km = street_km(ox.load_graphml(cache))
    assert out == f"walk streets: 11 nodes, 24 edges, {km:.1f} km of street; cached in {cache}\n"
    assert err == ""


def test_import_ebike(tiny, tmp_path, capsys):
    source = write_town(tmp_path / "town.osm")
    argv = ["streets", "import", str(source), "--scenario", str(tiny.root), "--mode", "ebike"]
    assert run(argv) == 0
    out, _ = capsys.readouterr()
    assert out.startswith("ebike streets: 8 nodes, 15 edges, ")
    assert out.endswith(f"cached in {tiny.root / 'streets' / 'ebike.graphml'}\n")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("gone.osm", None, "file is missing"),
        ("x.osm", b"<osm><way", "is not valid XML (unclosed token: line 1, column 5)"),
        ("x.osm.pbf", b"\x00", "PBF files are not read; convert it first with `osmium cat "
         "x.osm.pbf -o x.osm.bz2` and import that file"),
    ],
)  # fmt: skip
def test_import_bad_file_exit_2_one_line(tiny, tmp_path, capsys, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    assert run(["streets", "import", str(path), "--scenario", str(tiny.root)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"error: {path}: {message}\n"
    assert not (tiny.root / "streets").exists()


def test_import_into_a_missing_scenario(tmp_path, capsys):
    source = write_town(tmp_path / "town.osm")
    assert run(["streets", "import", str(source), "--scenario", str(tmp_path / "no")]) == 2
    assert "no such scenario folder" in capsys.readouterr().err


def test_import_outside_the_scenario_bbox(tiny, tmp_path, capsys):
    tiny.replace("scenario.toml", "bbox = [113.655, 22.925, 113.695, 22.965]",
                 "bbox = [113.600, 22.900, 113.610, 22.910]")  # fmt: skip
    source = write_town(tmp_path / "town.osm")
    assert run(["streets", "import", str(source), "--scenario", str(tiny.root)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"error: {source}: has no streets inside the bbox [113.6, 22.9, 113.61, 22.91]; "
        "check the scenario's bbox (WGS-84)\n"
    )


def test_fetch_offline_exit_2_one_line(tiny, capsys, monkeypatch):
    monkeypatch.setattr(ox.settings, "overpass_url", closed_port_url())
    assert run(["streets", "fetch", "--scenario", str(tiny.root)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error: cannot reach the OpenStreetMap servers (127.0.0.1:")
    assert err.endswith("; import a file with `planner streets import FILE --scenario DIR`\n")
    assert err.count("\n") == 1


def test_fetch_bbox_must_be_ordered(tiny, capsys):
    argv = ["streets", "fetch", "--bbox", "113.7", "22.9", "113.6", "23.0"]
    assert run([*argv, "--scenario", str(tiny.root)]) == 2
    assert capsys.readouterr().err == (
        "error: --bbox: expected LON_MIN LAT_MIN LON_MAX LAT_MAX, min < max\n"
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["streets"],
        ["streets", "import", "x.osm"],
        ["streets", "import", "x.osm", "--scenario", "d", "--mode", "car"],
        ["streets", "fetch", "--scenario", "d", "--bbox", "1", "2", "3", "4", "--place", "p"],
    ],
)
def test_usage_errors_exit_2(argv, capsys):
    assert run(argv) == 2
    assert "usage: planner streets" in capsys.readouterr().err


def test_mode_choices_are_the_modes():
    assert MODE_CHOICES == MODES


def test_the_parser_does_not_import_osmnx():
    code = "import sys, planner.streets.cli; print('osmnx' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout == "False\n"
