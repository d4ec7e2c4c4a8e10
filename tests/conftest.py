"""Shared fixtures: the bundled Baotun scenario, editable copies of it, and a tiny scenario.

Validation tests copy a scenario folder to ``tmp_path`` and change one cell or one line;
:class:`ScenarioFolder` does the editing so that every test states only what it breaks.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pytest

from planner._errors import InputError, InputProblem
from planner.domain import Scenario
from planner.generate import generate_scenario
from planner.scenario_io import load_scenario

REPO = Path(__file__).resolve().parents[1]
BAOTUN_DIR = REPO / "scenarios" / "baotun"

# A hand-made community small enough to know every value by heart: one grid (base B1),
# three workers, two shifts (a day patrol and an overnight night patrol), two cover rules.
# Reference date 2026-12-06 is a Sunday, so the default week is Mon 2026-12-07..Sun 12-13.
# W1 has held security since 2015 (experienced); W3 only since 2026-06-01 (not yet);
# W2 may not work nights. Row numbers below are spreadsheet rows (header = row 1).
TINY_TOML = """\
skills = [
    { code = "fire", zh = "消防", en = "Fire safety" },
    { code = "security", zh = "治安", en = "Public security" },
]
grids = [
    { id = "G1", name = "第一网格", base = "B1", station_lat = 22.95, station_lon = 113.67 },
]

[scenario]
name = "Tiny"
name_zh = "小社区"
reference_date = 2026-12-06
bbox = [113.655, 22.925, 113.695, 22.965]

[labour]
max_nights_per_week = 2
experienced_after_days = 365

[rules.requests]
mode = "soft"
weight = 5

[rules.fairness]
mode = "off"

[calendar]
holidays = [{ date = 2026-12-09, name = "test holiday" }]
adjusted_workdays = [{ date = 2026-12-12, name = "调休" }]

[[shifts]]
id = "D"
zh = "日间巡查"
en = "Day patrol"
kind = "day_patrol"
start = "08:00"
end = "17:30"
paid_minutes = 480

[[shifts]]
id = "N"
zh = "夜间巡查"
en = "Night patrol"
kind = "night_patrol"
start = "20:00"
end = "02:00"
crosses_midnight = true
paid_minutes = 360

[[cover]]
id = "day"
scope = "G1"
shifts = ["D"]
days = ["workday"]
min = 1
skill = "fire"

[[cover]]
id = "night"
scope = "B1"
shifts = ["N"]
min = 1
max = 1
skill = "security"
min_experienced = 1
"""

TINY_WORKERS = """\
id,name,grid,role,original_role,joined,weekly_hours,night_eligible,skill_fire,skill_security
W1,陈伟,G1,dispatcher,security,2015-03-01,40,yes,2020-09-01,2015-03-01
W2,李芳,G1,inspector,fire,2024-06-01,40,no,2024-06-01,
W3,黄强,G1,inspector,fire,2026-01-10,37.5,是,2026-01-10,2026-06-01
"""

TINY_LEAVE = """\
worker_id,start,end,kind,note
W2,2026-12-08,2026-12-09,annual,family visit
"""

TINY_REQUESTS = """\
worker_id,date,kind,shift_id,weight
W3,2026-12-10,shift_off,N,2
"""

TINY_SITES = """\
id,name,kind,lat,lon,crs,grid,skill,service_minutes,opening_hours,risk,visit_interval_days,last_visit
S1,宝屯路1号出租屋,rental_housing,22.95,113.67,WGS-84,G1,fire,15,08:30-20:00,high,7,2026-12-01
S2,兴旺小食店,small_restaurant,22.951,113.671,GCJ-02,G1,fire,15,10:00-14:00;16:30-21:00,medium,14,
"""

TINY_FILES = {
    "scenario.toml": TINY_TOML,
    "workers.csv": TINY_WORKERS,
    "leave.csv": TINY_LEAVE,
    "requests.csv": TINY_REQUESTS,
    "sites.csv": TINY_SITES,
}


class ScenarioFolder:
    """A scratch scenario folder with helpers to break exactly one cell or line."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, name: str) -> Path:
        return self.root / name

    def read(self, name: str) -> str:
        return self.path(name).read_text(encoding="utf-8")

    def write(self, name: str, text: str) -> None:
        self.path(name).write_text(text, encoding="utf-8", newline="")

    def replace(self, name: str, old: str, new: str) -> None:
        """Replace the one occurrence of ``old``; fail loudly if it is absent or ambiguous."""
        text = self.read(name)
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {name}"
        self.write(name, text.replace(old, new))

    def line_of(self, name: str, needle: str) -> int:
        """1-based number of the only line containing ``needle``."""
        hits = [n for n, line in enumerate(self.read(name).splitlines(), 1) if needle in line]
        assert len(hits) == 1, hits
        return hits[0]

    def set_toml(self, array: str, entry_id: str, field: str, literal: str) -> None:
        """Set ``field = literal`` in the ``[[array]]`` entry whose id is ``entry_id``.

        Works on the block layout that ``write_scenario`` (tomli-w) and TINY_TOML use:
        one ``[[array]]`` header, then one ``key = value`` per line.
        """
        text = self.read("scenario.toml")
        blocks = re.split(rf"(?m)^(?=\[\[{re.escape(array)}\]\]$)", text)
        hits = [i for i, b in enumerate(blocks) if f'\nid = "{entry_id}"\n' in b]
        assert len(hits) == 1, f"[[{array}]] {entry_id}: {len(hits)} blocks"
        block = blocks[hits[0]]
        line = re.compile(rf"(?m)^{re.escape(field)} = .*$")
        if line.search(block):
            block = line.sub(lambda _: f"{field} = {literal}", block, count=1)
        else:
            block = block.replace(
                f'\nid = "{entry_id}"\n', f'\nid = "{entry_id}"\n{field} = {literal}\n'
            )
        blocks[hits[0]] = block
        self.write("scenario.toml", "".join(blocks))

    def rows(self, name: str) -> list[list[str]]:
        return list(csv.reader(io.StringIO(self.read(name), newline="")))

    def write_rows(self, name: str, rows: list[list[str]]) -> None:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        self.write(name, buf.getvalue())

    def cell(self, name: str, row: int, column: str) -> str:
        """The cell at a spreadsheet row (header = row 1) and a column name."""
        rows = self.rows(name)
        return rows[row - 1][rows[0].index(column)]

    def set_cell(self, name: str, row: int, column: str, value: str) -> str:
        """Change one cell; returns the old value."""
        rows = self.rows(name)
        col = rows[0].index(column)
        old = rows[row - 1][col]
        rows[row - 1][col] = value
        self.write_rows(name, rows)
        return old

    def drop_column(self, name: str, column: str) -> None:
        rows = self.rows(name)
        col = rows[0].index(column)
        self.write_rows(name, [r[:col] + r[col + 1 :] for r in rows])

    def load(self) -> Scenario:
        return load_scenario(self.root)

    def problems(self) -> list[InputProblem]:
        """The problems loading reports; fails the test if loading succeeds."""
        with pytest.raises(InputError) as info:
            load_scenario(self.root)
        assert info.value.problems, "InputError without problems"
        return info.value.problems

    def only_problem(self) -> InputProblem:
        """The single problem loading reports (a broken cell must not cascade)."""
        problems = self.problems()
        assert len(problems) == 1, "\n".join(str(p) for p in problems)
        return problems[0]


@pytest.fixture(scope="session")
def baotun_dir() -> Path:
    return BAOTUN_DIR


@pytest.fixture(scope="session")
def baotun() -> Scenario:
    """The committed Baotun scenario, loaded once (never mutate: models are frozen)."""
    return load_scenario(BAOTUN_DIR)


@pytest.fixture(scope="session")
def baotun_generated() -> Scenario:
    """A fresh generate of the defaults, made once for the session (~0.5 s)."""
    return generate_scenario()


@pytest.fixture
def baotun_copy(tmp_path: Path) -> ScenarioFolder:
    """A private copy of scenarios/baotun to break."""
    root = tmp_path / "baotun"
    shutil.copytree(BAOTUN_DIR, root)
    return ScenarioFolder(root)


@pytest.fixture
def tiny(tmp_path: Path) -> ScenarioFolder:
    """The hand-made tiny scenario written out as a folder."""
    root = tmp_path / "tiny"
    root.mkdir()
    folder = ScenarioFolder(root)
    for name, text in TINY_FILES.items():
        folder.write(name, text)
    return folder
