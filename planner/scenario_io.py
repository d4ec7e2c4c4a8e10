"""Reading and writing a scenario folder: ``scenario.toml`` plus CSV tables.

A scenario is a folder a dispatcher can edit in a spreadsheet. Loading validates every
row and every cross-reference and collects *all* problems, each naming the file, the row
(spreadsheet numbering: the header is row 1) and the column, before raising one
:class:`~planner._errors.InputError`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import tempfile
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import tomli_w
from pydantic import BaseModel, ValidationError

from planner._errors import InputError, InputProblem
from planner.domain import (
    RULE_NAMES,
    SPREAD_RULES,
    Calendar,
    CoverRule,
    Grid,
    InspectionSite,
    LabourRules,
    Leave,
    Request,
    RoutingSettings,
    RuleSetting,
    Scenario,
    ScenarioInfo,
    ShiftKind,
    ShiftType,
    Skill,
    SkillGrant,
    StreetSettings,
    TimeWindow,
    Worker,
)

SCENARIO_FILE = "scenario.toml"
STRUCTURAL_RULES = ("one_shift_per_day",)
"""Rules the model is built on; they cannot be made soft or turned off."""
WORKERS_FILE = "workers.csv"
LEAVE_FILE = "leave.csv"
SITES_FILE = "sites.csv"
REQUESTS_FILE = "requests.csv"

SKILL_COLUMN_PREFIX = "skill_"
"""workers.csv has one column per skill (``skill_fire`` ...) holding the date it was acquired."""

WORKER_COLUMNS = (
    "id",
    "name",
    "grid",
    "role",
    "original_role",
    "joined",
    "weekly_hours",
    "night_eligible",
)
LEAVE_COLUMNS = ("worker_id", "start", "end", "kind", "note")
REQUEST_COLUMNS = ("worker_id", "date", "kind", "shift_id", "weight")
SITE_COLUMNS = (
    "id",
    "name",
    "kind",
    "lat",
    "lon",
    "crs",
    "grid",
    "skill",
    "service_minutes",
    "opening_hours",
    "risk",
    "visit_interval_days",
    "last_visit",
)
OPTIONAL_COLUMNS = {"kind", "note", "weight", "shift_id", "crs", "last_visit", "night_eligible"}

M = TypeVar("M", bound=BaseModel)


class Problems:
    """Collects problems so that one load reports everything wrong, not just the first."""

    def __init__(self) -> None:
        self.items: list[InputProblem] = []

    def add(self, file: str, row: int | str | None, column: str | None, message: str) -> None:
        self.items.append(InputProblem(file, row, column, message))

    def from_validation(
        self,
        file: str,
        row: int | str | None,
        exc: ValidationError,
        prefix: str = "",
        model: type[BaseModel] | None = None,
    ) -> None:
        errors = exc.errors()
        locs = [tuple(err["loc"]) for err in errors]
        for err in errors:
            loc = [str(p) for p in err["loc"]]
            if err["type"] == "too_short" and _has_deeper(tuple(err["loc"]), locs):
                continue  # a list emptied by its own bad items: the items say what is wrong
            message = err["msg"].removeprefix("Value error, ")
            if loc:
                column: str | None = prefix + ".".join(loc)
            else:
                record = _record_column(model, message)
                column = prefix + record if record else None
            value = err.get("input")
            scalar = isinstance(value, str | int | float) and not isinstance(value, bool)
            if loc and scalar and repr(value) not in message:
                message += f" (got {value!r})"
            self.add(file, row, column, message)

    def raise_if_any(self) -> None:
        if self.items:
            raise InputError(self.items)


def _has_deeper(loc: tuple[int | str, ...], locs: Iterable[tuple[int | str, ...]]) -> bool:
    return any(len(other) > len(loc) and other[: len(loc)] == loc for other in locs)


RECORD_CHECK_COLUMNS: dict[type[BaseModel], tuple[tuple[str, str], ...]] = {
    ShiftType: (("pays", "paid_minutes"), ("", "end")),
    Leave: (("", "end"),),
    CoverRule: (("min_experienced", "min_experienced"), ("", "max")),
    Request: (("", "shift_id"),),
    ScenarioInfo: (("", "bbox"),),
}
"""Checks of a whole record (a model validator) name the column a user should change:
the first (phrase in the message, column) pair that matches."""


def _record_column(model: type[BaseModel] | None, message: str) -> str | None:
    checks = RECORD_CHECK_COLUMNS.get(model, ()) if model is not None else ()
    return next((column for phrase, column in checks if phrase in message), None)


def _validate(
    model: type[M], data: dict[str, Any], problems: Problems, file: str, row: int | str
) -> M | None:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems.from_validation(file, row, exc, model=model)
        return None


# ---------------------------------------------------------------------------- reading


@dataclass
class CsvTable:
    """What :func:`read_csv_table` got from a file.

    ``header`` is None when the file could not be read at all (not UTF-8, empty);
    ``rows`` are the well-formed rows, ``ids`` the ``id`` cell of every non-blank row,
    well-formed or not, so one bad row is not reported again wherever its id is used.
    """

    header: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    widths: dict[int, int] = field(default_factory=dict)
    """Cells on each well-formed row as written (short rows are padded with empty cells)."""


BOM = b"\xef\xbb\xbf"


def _csv_error(exc: csv.Error) -> str:
    """A CSV reader's complaint, with the usual cause of it."""
    return f'not readable as CSV ({exc}); an unclosed quote " is the usual cause'


def read_csv_table(
    path: Path,
    required: Sequence[str],
    allowed: Callable[[str], bool],
    problems: Problems,
    name: str | None = None,
) -> CsvTable:
    """A UTF-8 CSV (Excel's BOM accepted) with spreadsheet row numbers (header = row 1).

    Problems name the file by ``name``, else by its own name: a scenario's files are
    known by their names, a rota given on the command line by the path as given.
    """
    name = name or path.name
    data = path.read_bytes()
    raw = data.removeprefix(BOM)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        row = raw[: exc.start].count(b"\n") + 1  # physical lines: a good guess at the row
        at = exc.start + len(data) - len(raw)  # counting from the file's first byte
        problems.add(
            name, row, None, f"not UTF-8 text ({exc.reason} at byte {at}); save it as CSV UTF-8"
        )
        return CsvTable()
    # strict: an unclosed quote is an error here, not a cell swallowing the rest of the file
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        problems.add(name, 1, None, "the file is empty; it needs a header row")
        return CsvTable()
    except csv.Error as exc:
        problems.add(name, 1, None, _csv_error(exc))
        return CsvTable()
    table = CsvTable(header=header)
    for col in required:
        if col not in header:
            problems.add(name, 1, col, "required column is missing from the header")
    for col in header:
        if not allowed(col):
            problems.add(name, 1, col, "unknown column; remove it or fix its name")
    seen = Counter(header)
    for col, n in seen.items():
        if n > 1:
            problems.add(name, 1, col, f"column appears {n} times in the header")
    id_col = header.index("id") if "id" in header else None
    number = 1
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if id_col is not None and id_col < len(cells) and cells[id_col].strip():
                table.ids.append(cells[id_col].strip())
            if len(cells) > len(header):
                problems.add(
                    name,
                    number,
                    None,
                    f"{len(cells)} cells but the header has {len(header)} columns",
                )
                continue
            padded = cells + [""] * (len(header) - len(cells))
            table.widths[number] = len(cells)
            table.rows.append((number, {h: c.strip() for h, c in zip(header, padded, strict=True)}))
    except csv.Error as exc:  # the row after the last one read
        problems.add(name, number + 1, None, _csv_error(exc))
    return table


def read_csv_rows(
    path: Path,
    required: Sequence[str],
    allowed: Callable[[str], bool],
    problems: Problems,
    name: str | None = None,
) -> list[tuple[int, dict[str, str]]]:
    """Rows of a UTF-8 CSV (Excel's BOM accepted) with their spreadsheet row numbers."""
    return read_csv_table(path, required, allowed, problems, name).rows


def _non_empty(row: dict[str, str], columns: Iterable[str]) -> dict[str, Any]:
    """Only the cells that hold something, so empty optional cells take their defaults."""
    return {c: row[c] for c in columns if row.get(c, "") != ""}


def parse_opening_hours(text: str) -> list[dict[str, str]]:
    """``08:30-12:00;14:00-20:00`` → windows; validated further by the model."""
    windows = []
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        if "-" not in part:
            raise ValueError(f"opening hours {part!r} should look like 08:30-12:00")
        open_, close = (p.strip() for p in part.split("-", 1))
        windows.append({"open": open_, "close": close})
    return windows


def _load_toml(path: Path, problems: Problems) -> dict[str, Any]:
    try:  # Excel-style BOM accepted, as in the CSV files
        return tomllib.loads(path.read_bytes().removeprefix(BOM).decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        problems.add(path.name, None, None, f"not valid TOML: {exc}")
    except UnicodeDecodeError as exc:
        problems.add(path.name, None, None, f"not UTF-8 text ({exc.reason})")
    return {}


def _toml_list(
    doc: dict[str, Any],
    key: str,
    model: type[M],
    problems: Problems,
    *,
    required: bool = True,
) -> list[M]:
    entries = doc.get(key, [])
    if required and not entries:
        problems.add(SCENARIO_FILE, f"[[{key}]]", None, f"at least one [[{key}]] entry is needed")
    if not isinstance(entries, list):
        problems.add(SCENARIO_FILE, f"[[{key}]]", None, f"{key} must be an array of tables")
        return []
    out: list[M] = []
    for i, entry in enumerate(entries, start=1):
        label = entry.get("id", entry.get("code")) if isinstance(entry, dict) else None
        where = f"[[{key}]] entry {i}" + (f" ({label})" if label else "")
        item = _validate(
            model, entry if isinstance(entry, dict) else {}, problems, SCENARIO_FILE, where
        )
        if item is not None:
            out.append(item)
    return out


def _toml_table(
    doc: dict[str, Any], key: str, model: type[M], problems: Problems, *, required: bool = False
) -> M | None:
    table = doc.get(key)
    if table is None:
        if required:
            problems.add(SCENARIO_FILE, f"[{key}]", None, f"the [{key}] table is missing")
            return None
        table = {}
    return _validate(model, table, problems, SCENARIO_FILE, f"[{key}]")


def load_scenario(folder: str | os.PathLike[str]) -> Scenario:
    """Load and fully validate a scenario folder, or raise InputError listing every problem."""
    root = Path(folder)
    problems = Problems()
    if not root.is_dir():
        raise InputError([InputProblem(str(root), None, None, "no such scenario folder")])
    if (why := not_a_file(root / SCENARIO_FILE)) is not None:
        raise InputError([InputProblem(str(root / SCENARIO_FILE), None, None, why)])
    doc = _load_toml(root / SCENARIO_FILE, problems)
    problems.raise_if_any()

    known_top = {
        *("scenario", "labour", "rules", "calendar", "skills", "grids", "shifts", "cover"),
        *("streets", "routes"),
    }
    for key in doc:
        if key not in known_top:
            problems.add(
                SCENARIO_FILE, f"[{key}]", None, "unknown table; remove it or fix its name"
            )

    info = _toml_table(doc, "scenario", ScenarioInfo, problems, required=True)
    labour = _toml_table(doc, "labour", LabourRules, problems) or LabourRules()
    calendar = _toml_table(doc, "calendar", Calendar, problems) or Calendar()
    streets = _toml_table(doc, "streets", StreetSettings, problems) or StreetSettings()
    routing = _toml_table(doc, "routes", RoutingSettings, problems) or RoutingSettings()
    for key in ("source", "patrol"):
        name = getattr(streets, key)
        if name is not None and not (root / name).is_file():
            problems.add(SCENARIO_FILE, "[streets]", key, f"file {name!r} is not in the folder")
    rules: dict[str, RuleSetting] = {}
    rule_tables = doc.get("rules", {})
    if not isinstance(rule_tables, dict):
        problems.add(SCENARIO_FILE, "[rules]", None, "rules must be a table of [rules.NAME]")
        rule_tables = {}
    for name, setting in rule_tables.items():
        if name not in RULE_NAMES:
            problems.add(
                SCENARIO_FILE,
                f"[rules.{name}]",
                None,
                f"unknown rule {name!r}; known rules: {', '.join(RULE_NAMES)}",
            )
            continue
        parsed = _validate(RuleSetting, setting, problems, SCENARIO_FILE, f"[rules.{name}]")
        if parsed is not None and name in STRUCTURAL_RULES and parsed.mode != "hard":
            problems.add(SCENARIO_FILE, f"[rules.{name}]", "mode", "this rule is always hard")
        elif parsed is not None and name in SPREAD_RULES and parsed.mode == "hard":
            why = "a spread to keep small cannot be hard: soft (with a weight) or off"
            problems.add(SCENARIO_FILE, f"[rules.{name}]", "mode", why)
        elif parsed is not None:
            rules[name] = parsed
    skills = _toml_list(doc, "skills", Skill, problems)
    grids = _toml_list(doc, "grids", Grid, problems)
    shifts = _toml_list(doc, "shifts", ShiftType, problems)
    cover = _toml_list(doc, "cover", CoverRule, problems, required=False)

    skill_codes = [s.code for s in skills]
    workers, worker_ids = _load_workers(root / WORKERS_FILE, skill_codes, problems)
    leave = _load_rows(root / LEAVE_FILE, LEAVE_COLUMNS, Leave, problems)
    requests = _load_rows(
        root / REQUESTS_FILE, REQUEST_COLUMNS, Request, problems, optional_file=True
    )
    # sites.csv is optional: a community may be rostered before its sites are entered
    sites = _load_sites(root / SITES_FILE, problems)
    if info is None:
        problems.raise_if_any()
    assert info is not None

    _check_references(
        problems,
        raw_ids={key: _raw_ids(doc, key) for key in ("skills", "grids", "shifts")},
        worker_ids=worker_ids,
        skills=skills,
        grids=grids,
        shifts=shifts,
        cover=cover,
        workers=workers,
        leave=leave,
        requests=requests,
        sites=sites,
    )
    problems.raise_if_any()
    scenario = Scenario(
        info=info,
        labour=labour,
        rules=rules,
        calendar=calendar,
        skills=tuple(skills),
        grids=tuple(grids),
        shifts=tuple(shifts),
        cover=tuple(cover),
        workers=tuple(w for _, w in workers),
        leave=tuple(x for _, x in leave),
        requests=tuple(x for _, x in requests),
        sites=tuple(x for _, x in sites),
        streets=streets,
        routing=routing,
    )
    _check_cover_reachable(scenario, problems)
    problems.raise_if_any()
    return scenario


def not_a_file(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file (missing, or a folder), or None."""
    if path.is_file():
        return None
    return "is a folder, not a file" if path.is_dir() else "file is missing"


def _load_rows(
    path: Path,
    columns: Sequence[str],
    model: type[M],
    problems: Problems,
    *,
    optional_file: bool = False,
) -> list[tuple[int, M]]:
    if (why := not_a_file(path)) is not None:
        if not optional_file or path.exists():
            problems.add(path.name, None, None, why)
        return []
    required = [c for c in columns if c not in OPTIONAL_COLUMNS]
    out: list[tuple[int, M]] = []
    for number, row in read_csv_rows(path, required, lambda c: c in columns, problems):
        item = _validate(model, _non_empty(row, columns), problems, path.name, number)
        if item is not None:
            out.append((number, item))
    return out


def _load_workers(
    path: Path, skill_codes: Sequence[str], problems: Problems
) -> tuple[list[tuple[int, Worker]], list[str] | None]:
    """Valid workers, and the id cells of all rows (None when the file cannot be read)."""
    if (why := not_a_file(path)) is not None:
        problems.add(path.name, None, None, why)
        return [], None
    skill_columns = {SKILL_COLUMN_PREFIX + code: code for code in skill_codes}
    required = [c for c in WORKER_COLUMNS if c not in OPTIONAL_COLUMNS]

    def allowed(col: str) -> bool:
        if col.startswith(SKILL_COLUMN_PREFIX) and col not in skill_columns:
            return False
        return col in WORKER_COLUMNS or col in skill_columns

    table = read_csv_table(path, required, allowed, problems)
    out: list[tuple[int, Worker]] = []
    for number, row in table.rows:
        data: dict[str, Any] = _non_empty(row, WORKER_COLUMNS)
        grants = []
        bad = False
        for col, code in skill_columns.items():
            cell = row.get(col, "")
            if not cell:
                continue
            try:
                grants.append(SkillGrant(skill=code, since=dt.date.fromisoformat(cell)))
            except ValueError:
                problems.add(
                    path.name,
                    number,
                    col,
                    f"expected the date the skill was acquired (YYYY-MM-DD) or empty, got {cell!r}",
                )
                bad = True
        data["skills"] = grants
        worker = _validate(Worker, data, problems, path.name, number)
        if worker is not None and not bad:
            out.append((number, worker))
    readable = table.header is not None and "id" in table.header
    return out, (table.ids if readable else None)


def _load_sites(path: Path, problems: Problems) -> list[tuple[int, InspectionSite]]:
    if (why := not_a_file(path)) is not None:
        if path.exists():
            problems.add(path.name, None, None, why)
        return []
    required = [c for c in SITE_COLUMNS if c not in OPTIONAL_COLUMNS]
    out: list[tuple[int, InspectionSite]] = []
    for number, row in read_csv_rows(path, required, lambda c: c in SITE_COLUMNS, problems):
        data: dict[str, Any] = _non_empty(row, SITE_COLUMNS)
        if "opening_hours" in data:
            try:
                data["opening_hours"] = parse_opening_hours(data["opening_hours"])
            except ValueError as exc:
                problems.add(path.name, number, "opening_hours", str(exc))
                continue
        site = _validate(InspectionSite, data, problems, path.name, number)
        if site is not None:
            out.append((number, site))
    return out


# ---------------------------------------------------------------------- cross-checks


def _duplicates(
    problems: Problems, file: str, items: Iterable[tuple[int | str, str]], column: str
) -> None:
    seen: dict[str, int | str] = {}
    for row, key in items:
        if key in seen:
            problems.add(file, row, column, f"duplicate {column} {key!r} (first at {seen[key]})")
        else:
            seen[key] = row


def _unknown(
    problems: Problems,
    file: str,
    row: int | str,
    column: str,
    value: str,
    known: Sequence[str],
    what: str,
) -> None:
    if value not in known:
        shown = ", ".join(known[:12]) + (" ..." if len(known) > 12 else "")
        problems.add(file, row, column, f"unknown {what} {value!r}; known: {shown}")


def _raw_ids(doc: dict[str, Any], key: str) -> list[str]:
    """Ids of a TOML list's entries, even invalid ones, so one bad entry is reported once."""
    field = "code" if key == "skills" else "id"
    entries = doc.get(key, [])
    if not isinstance(entries, list):
        return []
    return [str(e[field]) for e in entries if isinstance(e, dict) and field in e]


def _check_references(
    problems: Problems,
    *,
    raw_ids: dict[str, list[str]],
    worker_ids: list[str] | None,
    skills: list[Skill],
    grids: list[Grid],
    shifts: list[ShiftType],
    cover: list[CoverRule],
    workers: list[tuple[int, Worker]],
    leave: list[tuple[int, Leave]],
    requests: list[tuple[int, Request]],
    sites: list[tuple[int, InspectionSite]],
) -> None:
    toml = SCENARIO_FILE
    skill_codes = raw_ids["skills"]
    grid_ids = raw_ids["grids"]
    bases = sorted({g.base for g in grids})
    shift_ids = raw_ids["shifts"]
    meeting_ids = {sh.id for sh in shifts if sh.kind == ShiftKind.MEETING}

    _duplicates(problems, toml, ((f"[[skills]] {s.code}", s.code) for s in skills), "code")
    _duplicates(problems, toml, ((f"[[grids]] {g.id}", g.id) for g in grids), "id")
    _duplicates(problems, toml, ((f"[[shifts]] {s.id}", s.id) for s in shifts), "id")
    _duplicates(problems, toml, ((f"[[cover]] {c.id}", c.id) for c in cover), "id")
    _duplicates(problems, WORKERS_FILE, ((n, w.id) for n, w in workers), "id")
    _duplicates(problems, SITES_FILE, ((n, s.id) for n, s in sites), "id")

    for g in grids:
        if g.base in grid_ids and g.base != g.id:
            problems.add(toml, f"[[grids]] {g.id}", "base", "a base grid id must not be a grid id")
    for s in shifts:
        for nxt in s.forbidden_next:
            where = f"[[shifts]] {s.id}"
            _unknown(problems, toml, where, "forbidden_next", nxt, shift_ids, "shift")
        if s.includes_meeting and s.kind == ShiftKind.MEETING:
            problems.add(
                toml, f"[[shifts]] {s.id}", "includes_meeting", "a meeting cannot include itself"
            )
    for c in cover:
        where = f"[[cover]] {c.id}"
        if c.scope != "*" and c.scope not in grid_ids and c.scope not in bases:
            _unknown(problems, toml, where, "scope", c.scope, ["*", *grid_ids, *bases], "grid")
        for sid in c.shifts:
            _unknown(problems, toml, where, "shifts", sid, shift_ids, "shift")
        if c.skill is not None:
            _unknown(problems, toml, where, "skill", c.skill, skill_codes, "skill")

    for n, w in workers:
        _unknown(problems, WORKERS_FILE, n, "grid", w.grid, grid_ids, "grid")
        _unknown(problems, WORKERS_FILE, n, "original_role", w.original_role, skill_codes, "skill")
        if w.original_role in skill_codes and not any(g.skill == w.original_role for g in w.skills):
            problems.add(
                WORKERS_FILE,
                n,
                SKILL_COLUMN_PREFIX + w.original_role,
                f"the worker's original role {w.original_role!r} needs its skill date",
            )
    # worker ids as written in workers.csv, even of rows rejected for a bad cell; when
    # workers.csv cannot be read at all, its problem is reported and references are not
    if worker_ids is not None:
        for n, lv in leave:
            _unknown(problems, LEAVE_FILE, n, "worker_id", lv.worker_id, worker_ids, "worker")
        for n, rq in requests:
            _unknown(problems, REQUESTS_FILE, n, "worker_id", rq.worker_id, worker_ids, "worker")
    for n, rq in requests:
        if rq.kind == "day_off" and rq.shift_id is not None:
            # the whole day is asked for: a shift named here means shift_off was meant
            problems.add(
                REQUESTS_FILE,
                n,
                "shift_id",
                "a day_off request takes no shift_id (for one shift use shift_off)",
            )
        if rq.shift_id is not None:
            _unknown(problems, REQUESTS_FILE, n, "shift_id", rq.shift_id, shift_ids, "shift")
            if rq.shift_id in meeting_ids:
                problems.add(
                    REQUESTS_FILE,
                    n,
                    "shift_id",
                    f"{rq.shift_id!r} is a meeting, part of other shifts; request one of those",
                )
    for n, site in sites:
        _unknown(problems, SITES_FILE, n, "grid", site.grid, grid_ids, "grid")
        _unknown(problems, SITES_FILE, n, "skill", site.skill, skill_codes, "skill")
        for message in backward_windows(site.opening_hours):
            problems.add(SITES_FILE, n, "opening_hours", message)


def _check_cover_reachable(scenario: Scenario, problems: Problems) -> None:
    """A cover rule no worker could ever meet is an input error, not a solver surprise."""
    after = scenario.labour.experienced_after_days
    horizon = scenario.info.default_week + dt.timedelta(days=6)
    for c in scenario.cover:
        if c.min == 0:
            continue
        grids = set(scenario.scope_grids(c.scope))
        nightly = any(scenario.shift(s).kind == ShiftKind.NIGHT_PATROL for s in c.shifts)
        pool = [
            w
            for w in scenario.workers
            if w.grid in grids
            and (c.role is None or w.role == c.role)
            and (not nightly or w.night_eligible)
        ]
        able = [w for w in pool if c.skill is None or w.has_skill(c.skill, horizon)]
        who = f"{c.role.value}s" if c.role is not None else "workers"
        if len(able) < c.min:
            need = f" with skill {c.skill!r}" if c.skill else ""
            problems.add(
                SCENARIO_FILE,
                f"[[cover]] {c.id}",
                "min",
                f"needs {c.min} {who}{need} in scope {c.scope!r} but only {len(able)} exist",
            )
        experienced = [w for w in able if w.is_experienced(c.skill, horizon, after)]
        if len(experienced) < c.min_experienced:
            problems.add(
                SCENARIO_FILE,
                f"[[cover]] {c.id}",
                "min_experienced",
                f"needs {c.min_experienced} experienced {who} in scope {c.scope!r} "
                f"but only {len(experienced)} have held the skill {after} days",
            )


# ---------------------------------------------------------------------------- writing


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 text via a temporary file and rename, so readers never see half a file."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write via a temporary file and rename, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def backward_windows(windows: Iterable[TimeWindow]) -> list[str]:
    """A message for each opening window that closes before (or when) it opens."""
    return [
        f"window {w.open:%H:%M}-{w.close:%H:%M} closes before it opens"
        for w in windows
        if w.close <= w.open
    ]


def _csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue()


def _fmt(value: object) -> object:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.time):
        return f"{value:%H:%M}"
    return value


def _toml_clean(value: Any) -> Any:
    """Turn dumped models into TOML-friendly values (times as HH:MM, no None).

    Whole floats are written as integers (``11``, not ``11.0``): a float field read back
    from ``11`` holds ``11.0``, so either way the same bytes are written again.
    """
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k: _toml_clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_toml_clean(v) for v in value]
    if isinstance(value, dt.time):
        return f"{value:%H:%M}"
    return value


SCENARIO_SECTIONS = (
    ("skills", "The merged roles, now skills; workers.csv has a column skill_<code> for each."),
    ("grids", "Grids with their base grid and station (WGS-84). Cover scopes name these."),
    ("scenario", "Identity, data snapshot day (last visits up to it) and area [lon/lat min, max]."),
    ("labour", "Legal limits (China's Labour Law): hours, rest, overtime, nights."),
    ("rules", "Per rule: mode = hard | soft | off, weight = penalty per unit when soft."),
    ("calendar", "Public holidays and adjusted working weekends (调休) decide workday/restday."),
    ("shifts", "Shift types; includes_meeting puts the morning meeting in that shift."),
    (
        "cover",
        "Staffing needs: scope (grid, base grid or *), shifts, days (all, workday, restday, "
        "mon..sun), min/max head count, skill, role, min_experienced. A cover rule on the "
        "meeting counts everyone whose shift includes the meeting.",
    ),
    ("streets", "Street network: an OSM file here (generated for Baotun) and the patrol streets."),
    (
        "routes",
        "Daily routes (docs/routes.md): lunch at the grid station, drop penalties in metres.",
    ),
)


def scenario_toml_text(scenario: Scenario) -> str:
    """The scenario.toml of a scenario, each section with a line of guidance on top."""
    doc: dict[str, Any] = {
        "scenario": scenario.info.model_dump(),
        "labour": scenario.labour.model_dump(),
        "rules": {k: v.model_dump() for k, v in scenario.rules.items()},
        "calendar": scenario.calendar.model_dump(),
        "skills": [s.model_dump() for s in scenario.skills],
        "grids": [g.model_dump() for g in scenario.grids],
        "shifts": [s.model_dump(exclude_defaults=True) for s in scenario.shifts],
        "cover": [c.model_dump(exclude_defaults=True) for c in scenario.cover],
        "streets": scenario.streets.model_dump(exclude_defaults=True),
        "routes": scenario.routing.model_dump(mode="json", exclude_defaults=True),
    }
    doc["scenario"]["bbox"] = list(scenario.info.bbox)
    chunks = ["# planner scenario: edit freely; `planner scenario check DIR` validates it.\n"]
    for key, comment in SCENARIO_SECTIONS:
        if not doc[key]:
            continue
        chunks.append(f"\n# {comment}\n" + tomli_w.dumps(_toml_clean({key: doc[key]})))
    return "".join(chunks)


def write_scenario(scenario: Scenario, folder: str | os.PathLike[str]) -> None:
    """Write a scenario folder that :func:`load_scenario` reads back unchanged."""
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    atomic_write_text(root / SCENARIO_FILE, scenario_toml_text(scenario))
    skill_cols = [SKILL_COLUMN_PREFIX + s.code for s in scenario.skills]
    worker_rows = []
    for w in scenario.workers:
        since = {g.skill: g.since.isoformat() for g in w.skills}
        worker_rows.append(
            [
                w.id,
                w.name,
                w.grid,
                w.role.value,
                w.original_role,
                w.joined.isoformat(),
                _fmt_hours(w.weekly_hours),
                _fmt(w.night_eligible),
                *[since.get(s.code, "") for s in scenario.skills],
            ]
        )
    atomic_write_text(root / WORKERS_FILE, _csv_text([*WORKER_COLUMNS, *skill_cols], worker_rows))
    atomic_write_text(
        root / LEAVE_FILE,
        _csv_text(
            LEAVE_COLUMNS,
            ([x.worker_id, x.start, x.end, x.kind, x.note] for x in scenario.leave),
        ),
    )
    # always written (a header only when there are none), so no stale file survives
    atomic_write_text(
        root / REQUESTS_FILE,
        _csv_text(
            REQUEST_COLUMNS,
            ([r.worker_id, r.date, r.kind, r.shift_id, r.weight] for r in scenario.requests),
        ),
    )
    atomic_write_text(
        root / SITES_FILE,
        _csv_text(SITE_COLUMNS, (_site_row(s) for s in scenario.sites)),
    )


def _fmt_hours(hours: float) -> str:
    return f"{hours:g}"


def _fmt_windows(windows: Sequence[TimeWindow]) -> str:
    return ";".join(f"{w.open:%H:%M}-{w.close:%H:%M}" for w in windows)


def _site_row(s: InspectionSite) -> list[object]:
    return [
        s.id,
        s.name,
        s.kind.value,
        f"{s.lat:.6f}",
        f"{s.lon:.6f}",
        s.crs.value,
        s.grid,
        s.skill,
        s.service_minutes,
        _fmt_windows(s.opening_hours),
        s.risk.value,
        s.visit_interval_days,
        s.last_visit.isoformat() if s.last_visit else "",
    ]
