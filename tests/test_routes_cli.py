"""`planner routes` end to end on a tiny scenario folder, checked by `planner check --routes`.

The folder holds a hand-written OSM file: a 3 x 4 lattice of named residential streets
(0.001° apart, about 100 m) in Baotun, two grids with their stations on it, four inspectors
and a night patroller, and eight sites, one for each thing that can happen to a site:

- G1 (W1 fire + security, W2 security): S1 fire, high, 3 days overdue (mandatory); S2
  medium, due today; S3 given in GCJ-02, never visited; S4 a kilometre from any street
  (unreachable); S5 open only in the evening (closed); S6 not due until tomorrow;
- G2 (W3 security): S7 medium; S8 fire (no_skill).

So 7 stops are due and 4 served (S1, S2, S3, S7), whoever walks which.

W4 walks the night patrol of base B1 (``patrol.csv``: Row0 Road in G1, Row2 Road in G2).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from planner.cli import main
from planner.domain import (
    Crs,
    Grid,
    InspectionSite,
    Risk,
    Role,
    Scenario,
    ScenarioInfo,
    Skill,
    SkillGrant,
    StreetSettings,
    Worker,
)
from planner.scenario_io import write_scenario
from planner.streets.coords import wgs84_to_gcj02
from tests.test_routes_build import hours, shifts
from tests.test_streets_network import ORIGIN, STEP, osm_xml

DAY = dt.date(2026, 12, 8)
ROWS, COLS = 3, 4
NODES = {r * COLS + c + 1: (r, c) for r in range(ROWS) for c in range(COLS)}
WAYS: dict[int, tuple[list[int], dict[str, str]]] = {
    **{
        100 + r: ([r * COLS + c + 1 for c in range(COLS)],
                  {"highway": "residential", "name": f"Row{r} Road"})
        for r in range(ROWS)
    },
    **{
        200 + c: ([r * COLS + c + 1 for r in range(ROWS)],
                  {"highway": "residential", "name": f"Col{c} Street"})
        for c in range(COLS)
    },
}  # fmt: skip
PATROL = "grid,street\nG1,Row0 Road\nG2,Row2 Road\n"
ROUTE_HEADER = "worker_id,seq,site_id,arrive,depart,travel_m,date,grid,kind,travel_s,service_start"
TASK_HEADER = "id,name,grid,lat,lon,crs,skill,service_minutes,opening_hours,risk,mandatory"


def near(row: float, col: float) -> tuple[float, float]:
    """WGS-84 (lat, lon) of a lattice point (about 10 m off a node to make snapping real)."""
    return ORIGIN[0] + row * STEP + 0.00008, ORIGIN[1] + col * STEP + 0.00005


def site(sid: str, where: tuple[float, float], **kw: Any) -> InspectionSite:
    data: dict[str, Any] = {
        "id": sid,
        "name": f"site {sid}",
        "kind": "small_shop",
        "lat": where[0],
        "lon": where[1],
        "grid": "G1",
        "skill": "security",
        "service_minutes": 15,
        "opening_hours": hours("08:00-18:00"),
        "risk": Risk.MEDIUM,
        "visit_interval_days": 7,
        "last_visit": DAY - dt.timedelta(days=7),
    }
    data.update(kw)
    return InspectionSite(**data)


def worker(wid: str, grid: str, *skills: str, role: Role = Role.INSPECTOR) -> Worker:
    since = dt.date(2020, 1, 1)
    return Worker(
        id=wid, name=f"worker {wid}", grid=grid, role=role, original_role=skills[0],
        joined=since, weekly_hours=40,
        skills=tuple(SkillGrant(skill=s, since=since) for s in skills),
    )  # fmt: skip


def tiny_scenario() -> Scenario:
    s1, s2 = near(1, 1), near(1, 2)
    gcj = wgs84_to_gcj02(*near(2, 1))
    return Scenario(
        info=ScenarioInfo(
            name="tiny town", reference_date=DAY - dt.timedelta(days=1),
            bbox=(113.665, 22.945, 113.68, 22.96),
        ),
        skills=(Skill(code="security", zh="治安", en="Security"),
                Skill(code="fire", zh="消防", en="Fire")),
        grids=(Grid(id="G1", name="一", base="B1", station_lat=s1[0], station_lon=s1[1]),
               Grid(id="G2", name="二", base="B1", station_lat=s2[0], station_lon=s2[1])),
        shifts=shifts(),
        workers=(
            worker("W1", "G1", "fire", "security"),
            worker("W2", "G1", "security"),
            worker("W3", "G2", "security"),
            worker("W4", "G1", "security", role=Role.HANDLER),
        ),
        sites=(
            site("S1", near(0, 1), skill="fire", risk=Risk.HIGH,
                 last_visit=DAY - dt.timedelta(days=10)),
            site("S2", near(1, 0)),
            site("S3", gcj, crs=Crs.GCJ02, risk=Risk.LOW, last_visit=None),
            site("S4", (ORIGIN[0] + 0.012, ORIGIN[1])),
            site("S5", near(0, 0), opening_hours=hours("19:00-21:00")),
            site("S6", near(2, 0), last_visit=DAY - dt.timedelta(days=6)),
            site("S7", near(1, 3), grid="G2"),
            site("S8", near(0, 3), grid="G2", skill="fire"),
        ),
        streets=StreetSettings(source="town.osm", patrol="patrol.csv"),
    )  # fmt: skip


ROTA = """\
date,worker_id,grid,shift_id
2026-12-08,W1,G1,D
2026-12-08,W2,G1,D
2026-12-08,W3,G2,D
2026-12-08,W4,G1,N
2026-12-09,W1,G1,D
"""


def write_folder(root: Path) -> Path:
    """The scenario folder with its OSM file and patrol streets."""
    root.mkdir(parents=True)
    (root / "town.osm").write_text(osm_xml(NODES, WAYS), encoding="utf-8")
    (root / "patrol.csv").write_text(PATROL, encoding="utf-8")
    write_scenario(tiny_scenario(), root)
    return root


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One scenario folder for the module (its street cache is built by the first run)."""
    root = write_folder(tmp_path_factory.mktemp("tiny") / "scenario")
    (root.parent / "rota.csv").write_text(ROTA, encoding="utf-8")
    return root


def rota_of(folder: Path) -> Path:
    return folder.parent / "rota.csv"


def routes(folder: Path, out: Path, *extra: str, rota: Path | None = None) -> int:
    argv = [
        "routes", "--scenario", str(folder), "--date", DAY.isoformat(),
        "--rota", str(rota or rota_of(folder)), "--out", str(out),
        "--time-limit", "0.5", "--workers", "1", *extra,
    ]  # fmt: skip
    return run(argv)


def run(argv: list[str]) -> int:
    """main()'s exit code, whether it returns it or argparse raises SystemExit."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def check(folder: Path, routes_csv: Path, *extra: str) -> int:
    return run(["check", "--scenario", str(folder), "--routes", str(routes_csv), *extra])


def table(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


@pytest.fixture(scope="module")
def output(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One run of `planner routes` shared by the tests that only read its output."""
    out = tmp_path_factory.mktemp("run") / "out"
    assert routes(folder, out) == 0
    return out


# ------------------------------------------------------------------ a good run


def test_routes_writes_every_output(folder: Path, tmp_path: Path, capsys):
    out = tmp_path / "out"
    assert routes(folder, out) == 0
    stdout, stderr = capsys.readouterr()
    assert re.fullmatch(
        r"routes 2026-12-08: 4/7 stops served \(mandatory 1/1\), [0-9.]+ km, 3 inspectors, "
        rf"[0-9.]+ s \(pyvrp\) -> {re.escape(str(out))}\n",
        stdout,
    ), stdout
    assert all(line.startswith("warning: ") for line in stderr.splitlines())
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert names == {
        "routes.csv", "unserved.csv", "routes.geojson", "summary.json", "patrol.csv",
        "patrol.geojson", "maps/routes_G1.png", "maps/routes_G2.png", "maps/patrol_B1.png",
    }  # fmt: skip
    for png in out.glob("maps/*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_routes_csv_columns_and_rows(output: Path):
    text = (output / "routes.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == ROUTE_HEADER
    assert text.startswith("worker_id,seq,site_id,arrive,depart,travel_m")
    rows = table(output / "routes.csv")
    assert sorted({r["worker_id"] for r in rows}) == ["W1", "W2", "W3"]
    visits = {r["site_id"]: (r["worker_id"], r["grid"]) for r in rows if r["kind"] == "visit"}
    assert visits.keys() == {"S1", "S2", "S3", "S7"}
    assert visits["S1"] == ("W1", "G1")  # fire: only W1
    assert visits["S7"] == ("W3", "G2")
    assert {r["date"] for r in rows} == {"2026-12-08"}
    for r in rows:
        if r["kind"] in ("start", "lunch", "end"):
            assert r["site_id"] == f"station:{r['grid']}"


def test_unserved_csv_gives_each_reason(output: Path):
    rows = table(output / "unserved.csv")
    assert [(r["site_id"], r["grid"], r["risk"], r["mandatory"], r["reason"]) for r in rows] == [
        ("S4", "G1", "medium", "no", "unreachable"),
        ("S5", "G1", "medium", "no", "closed"),
        ("S8", "G2", "medium", "no", "no_skill"),
    ]


def test_summary_json(output: Path, folder: Path):
    doc = json.loads((output / "summary.json").read_text(encoding="utf-8"))
    assert (doc["date"], doc["backend"], doc["due"], doc["served"]) == ("2026-12-08", "pyvrp", 7, 4)
    assert (doc["mandatory_due"], doc["mandatory_served"]) == (1, 1)
    assert doc["unserved_by_reason"] == {"closed": 1, "no_skill": 1, "unreachable": 1}
    assert doc["rota"] == str(rota_of(folder).resolve())
    assert [w["worker_id"] for w in doc["workers"]] == ["W1", "W2", "W3"]
    metres = sum(int(r["travel_m"]) for r in table(output / "routes.csv"))
    assert doc["km"] == round(metres / 1000, 2)


def test_geojson_has_routes_stops_unserved_and_stations(output: Path):
    doc = json.loads((output / "routes.geojson").read_text(encoding="utf-8"))
    kinds = [f["properties"]["kind"] for f in doc["features"]]
    assert kinds.count("route") == 3
    assert kinds.count("stop") == 4
    assert kinds.count("unserved") == 3
    assert kinds.count("station") == 2


def test_night_patrol_outputs(output: Path):
    (row,) = table(output / "patrol.csv")
    assert (row["base"], row["station_grid"], row["workers"]) == ("B1", "G1", "W4")
    assert int(row["length_m"]) >= int(row["required_m"]) > 0
    doc = json.loads((output / "patrol.geojson").read_text(encoding="utf-8"))
    assert len(doc["features"]) == 1


def test_the_independent_checker_agrees(output: Path, folder: Path, capsys):
    capsys.readouterr()
    assert check(folder, output / "routes.csv") == 0
    stdout = capsys.readouterr().out
    assert stdout.startswith(f"{output / 'routes.csv'}: 3 routes, 4 stops served, ")


def test_the_checker_catches_a_changed_leg_length(output: Path, folder: Path, tmp_path, capsys):
    rows = table(output / "routes.csv")
    leg = next(r for r in rows if r["kind"] == "visit" and int(r["travel_m"]) > 0)
    leg["travel_m"] = str(int(leg["travel_m"]) + 25)
    bad = tmp_path / "out" / "routes.csv"
    bad.parent.mkdir()
    with bad.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=ROUTE_HEADER.split(","), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    capsys.readouterr()
    assert check(folder, bad, "--rota", str(rota_of(folder))) == 1
    stdout = capsys.readouterr().out
    assert f"violation [leg_length] {leg['worker_id']} on 2026-12-08, seq {leg['seq']}" in stdout
    assert stdout.rstrip().endswith("m travelled; INVALID: 1 violation")


def test_the_checker_accounts_for_every_due_stop(output: Path, folder: Path, tmp_path, capsys):
    copy = tmp_path / "out"
    copy.mkdir()
    (copy / "routes.csv").write_bytes((output / "routes.csv").read_bytes())
    lines = (output / "unserved.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) > 1, "the fixture day leaves some stop unserved"
    dropped = lines[1].split(",")[0]
    (copy / "unserved.csv").write_text("\n".join([lines[0], *lines[2:]]) + "\n", "utf-8")
    capsys.readouterr()
    assert check(folder, copy / "routes.csv", "--rota", str(rota_of(folder))) == 1
    out = capsys.readouterr().out
    assert f"violation [coverage] - on 2026-12-08, seq -1 ({dropped}): due, but neither" in out


# ------------------------------------------------------------------ ad-hoc tasks


def test_tasks_add_an_ad_hoc_stop(folder: Path, tmp_path: Path, capsys):
    lat, lon = near(2, 2)
    tasks = tmp_path / "tasks.csv"
    tasks.write_text(
        f"{TASK_HEADER}\nT1,投诉核查,G1,{lat},{lon},WGS-84,security,10,08:00-18:00,low,yes\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert routes(folder, out, "--tasks", str(tasks)) == 0
    assert "5/8 stops served (mandatory 2/2)" in capsys.readouterr().out
    visits = [r for r in table(out / "routes.csv") if r["site_id"] == "T1"]
    assert [(r["kind"], r["grid"]) for r in visits] == [("visit", "G1")]
    assert check(folder, out / "routes.csv", "--tasks", str(tasks)) == 0
    assert check(folder, out / "routes.csv") == 1  # without the tasks, T1 is unknown


# ------------------------------------------------------------------ bad input: exit 2


def write_tasks(tmp_path: Path, row: str) -> Path:
    path = tmp_path / "tasks.csv"
    path.write_text(f"{TASK_HEADER}\n{row}\n", encoding="utf-8")
    return path


GOOD_TASK = "T1,check,G1,22.951,113.671,WGS-84,security,10,08:00-18:00,low,no"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (GOOD_TASK.replace(",G1,", ",G9,"), "tasks.csv, row 2, column 'grid': unknown grid 'G9'"),
        (GOOD_TASK.replace(",no", ",sometimes"),
         "tasks.csv, row 2, column 'mandatory': expected yes or no"),
        (GOOD_TASK.replace("T1,", "S2,"),
         "tasks.csv, row 2, column 'id': 'S2' is already a site id"),
    ],
)  # fmt: skip
def test_a_bad_tasks_file_exits_2_naming_file_row_and_column(
    folder: Path, tmp_path: Path, capsys, row: str, message: str
):
    out = tmp_path / "out"
    assert routes(folder, out, "--tasks", str(write_tasks(tmp_path, row))) == 2
    stdout, stderr = capsys.readouterr()
    assert (stdout, stderr) == ("", f"error: {tmp_path}/{message}\n")  # the path as given
    assert not out.exists()


def test_a_date_not_in_the_rota_exits_2(folder: Path, tmp_path: Path, capsys):
    out = tmp_path / "out"
    argv = ["routes", "--scenario", str(folder), "--date", "2026-12-20", "--rota",
            str(rota_of(folder)), "--out", str(out), "--time-limit", "0.5"]  # fmt: skip
    assert run(argv) == 2
    stderr = capsys.readouterr().err
    assert (
        stderr == f"error: {rota_of(folder)}, column 'date': the rota has no rows for 2026-12-20\n"
    )
    assert not out.exists()


def test_a_rota_with_an_unknown_worker_exits_2(folder: Path, tmp_path: Path, capsys):
    rota = tmp_path / "rota.csv"
    rota.write_text(ROTA + "2026-12-08,W9,G1,D\n", encoding="utf-8")
    out = tmp_path / "out"
    assert routes(folder, out, rota=rota) == 2
    assert (
        capsys.readouterr().err
        == f"error: {rota}, row 7, column 'worker_id': unknown worker 'W9'\n"
    )
    assert not out.exists()


def test_an_out_folder_with_other_files_is_refused(folder: Path, tmp_path: Path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("years of work", encoding="utf-8")
    assert routes(folder, out) == 2
    assert "folder holds other files" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["thesis.docx"]


def test_running_twice_into_the_same_folder_replaces_the_output(folder: Path, tmp_path: Path):
    out = tmp_path / "out"
    assert routes(folder, out) == 0
    first = (out / "routes.csv").read_text(encoding="utf-8")
    (out / "maps" / "stale.png").write_bytes(b"old")
    assert routes(folder, out) == 0
    assert not (out / "maps" / "stale.png").exists()
    assert (out / "routes.csv").read_text(encoding="utf-8") == first
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left behind


# ------------------------------------------------------------------ reproducibility


@pytest.mark.parametrize("backend", ["pyvrp", "ortools"])
def test_same_seed_gives_identical_routes_csv(folder: Path, tmp_path: Path, backend: str):
    texts = []
    for n in range(2):
        out = tmp_path / f"out{n}"
        assert routes(folder, out, "--backend", backend, "--seed", "7") == 0
        texts.append((out / "routes.csv").read_text(encoding="utf-8"))
        assert check(folder, out / "routes.csv") == 0
    assert texts[0] == texts[1]


def test_solving_grids_side_by_side_gives_the_same_routes(folder: Path, tmp_path: Path):
    texts = []
    for workers in ("1", "2"):
        out = tmp_path / f"out{workers}"
        argv = ["routes", "--scenario", str(folder), "--date", DAY.isoformat(), "--rota",
                str(rota_of(folder)), "--out", str(out), "--time-limit", "0.5",
                "--workers", workers]  # fmt: skip
        assert run(argv) == 0
        texts.append((out / "routes.csv").read_text(encoding="utf-8"))
    assert texts[0] == texts[1]


# ------------------------------------------------------------------ known bugs


def test_an_inspector_lent_to_another_grid_patrols_there(folder: Path, tmp_path: Path):
    rota = tmp_path / "rota.csv"
    rota.write_text(ROTA.replace("W2,G1,D", "W2,G2,D"), encoding="utf-8")
    out = tmp_path / "out"
    assert routes(folder, out, rota=rota) == 0
    grids = {r["worker_id"]: r["grid"] for r in table(out / "routes.csv")}
    assert grids == {"W1": "G1", "W2": "G2", "W3": "G2"}
    assert check(folder, out / "routes.csv") == 0


def test_a_task_id_used_twice_exits_2(folder: Path, tmp_path: Path, capsys):
    tasks = tmp_path / "tasks.csv"
    other = GOOD_TASK.replace("22.951", "22.952")
    tasks.write_text(f"{TASK_HEADER}\n{GOOD_TASK}\n{other}\n", encoding="utf-8")
    out = tmp_path / "out"
    assert routes(folder, out, "--tasks", str(tasks)) == 2
    assert capsys.readouterr().err.startswith(f"error: {tasks}, row 3, column 'id': ")
    assert not out.exists()


def test_a_task_open_backwards_exits_2(folder: Path, tmp_path: Path, capsys):
    tasks = write_tasks(tmp_path, GOOD_TASK.replace("08:00-18:00", "18:00-08:00"))
    out = tmp_path / "out"
    assert routes(folder, out, "--tasks", str(tasks)) == 2
    assert capsys.readouterr().err.startswith(f"error: {tasks}, row 2, column 'opening_hours': ")
    assert not out.exists()


@pytest.mark.parametrize(
    ("old", "new", "column"),
    [("22.951", "abc", "lat"), (",10,", ",ten,", "service_minutes"), (",low,", ",huge,", "risk")],
)
def test_a_bad_task_value_names_its_column(
    folder: Path, tmp_path: Path, capsys, old: str, new: str, column: str
):
    tasks = write_tasks(tmp_path, GOOD_TASK.replace(old, new))
    assert routes(folder, tmp_path / "out", "--tasks", str(tasks)) == 2
    assert capsys.readouterr().err.startswith(f"error: tasks.csv, row 2, column {column!r}: ")


def test_a_tasks_file_without_a_column_exits_2(folder: Path, tmp_path: Path, capsys):
    tasks = tmp_path / "tasks.csv"
    header = TASK_HEADER.replace(",mandatory", "")
    row = GOOD_TASK.rsplit(",", 1)[0]
    tasks.write_text(f"{header}\n{row}\n", encoding="utf-8")
    out = tmp_path / "out"
    assert routes(folder, out, "--tasks", str(tasks)) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {tasks}, row 1, column 'mandatory'")
    assert "Traceback" not in err
    assert not out.exists()


def test_a_negative_seed_is_refused(folder: Path, tmp_path: Path, capsys):
    assert routes(folder, tmp_path / "out", "--seed", "-1") == 2
    assert "expected 0 to 4294967295" in capsys.readouterr().err


def test_a_folder_given_as_tasks_says_so(folder: Path, tmp_path: Path, capsys):
    tasks = tmp_path / "tasks.csv"
    tasks.mkdir()
    out = tmp_path / "out"
    assert routes(folder, out, "--tasks", str(tasks)) == 2
    assert capsys.readouterr().err == f"error: {tasks}: is a folder, not a file\n"
    assert not out.exists()
