"""Loading, validating and writing scenario folders.

Every bad-input test breaks one cell or line of a copy of a scenario and checks that the
problem names the file, the row (spreadsheet numbering, header = row 1; for scenario.toml
the table or entry) and the column, with the exact message.
"""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from planner._errors import InputError, InputProblem
from planner.domain import (
    RULE_NAMES,
    Crs,
    LabourRules,
    Leave,
    Request,
    Role,
    RuleSetting,
    Scenario,
    SkillGrant,
    TimeWindow,
)
from planner.generate import generate_scenario
from planner.scenario_io import load_scenario, write_scenario

TINY_LEAVE_HEADER = "worker_id,start,end,kind,note\n"
SCENARIO_FILES = ("scenario.toml", "workers.csv", "leave.csv", "requests.csv", "sites.csv")


def _known(ids: list[str]) -> str:
    """How the loader lists known ids in an 'unknown ...' message."""
    return ", ".join(ids[:12]) + (" ..." if len(ids) > 12 else "")


def _free_worker_row(scenario: Scenario, first: int = 2) -> int:
    """Row (from ``first`` on) of a worker no leave or request refers to.

    Breaking such a row cannot cascade into 'unknown worker' problems elsewhere.
    """
    referenced = {x.worker_id for x in scenario.leave} | {r.worker_id for r in scenario.requests}
    return next(
        n for n, w in enumerate(scenario.workers, 2) if n >= first and w.id not in referenced
    )


def _skills_sorted(scenario: Scenario) -> Scenario:
    workers = tuple(
        w.model_copy(update={"skills": tuple(sorted(w.skills, key=lambda g: g.skill))})
        for w in scenario.workers
    )
    return scenario.model_copy(update={"workers": workers})


# ------------------------------------------------------------------------- valid input


def test_baotun_loads_with_expected_sizes(baotun):
    assert baotun.info.name == "Baotun"
    assert len(baotun.workers) == 62
    assert len(baotun.grids) == 8
    assert len(baotun.sites) == 2300
    assert [s.id for s in baotun.shifts] == ["MM", "D", "K", "R", "N", "S"]


def test_tiny_scenario_loads_every_value(tiny):
    s = tiny.load()
    assert s.info.name == "Tiny"
    assert s.info.name_zh == "小社区"
    assert s.info.reference_date == dt.date(2026, 12, 6)
    assert s.info.bbox == (113.655, 22.925, 113.695, 22.965)
    assert s.info.default_week == dt.date(2026, 12, 7)
    assert s.labour == LabourRules(max_nights_per_week=2)
    assert s.rules == {
        "requests": RuleSetting(mode="soft", weight=5),
        "fairness": RuleSetting(mode="off", weight=1),
    }
    assert s.rule("cover") == RuleSetting(mode="hard", weight=1)
    assert [d.date for d in s.calendar.holidays] == [dt.date(2026, 12, 9)]
    assert [d.name for d in s.calendar.adjusted_workdays] == ["调休"]
    assert [sk.code for sk in s.skills] == ["fire", "security"]
    assert [(g.id, g.base) for g in s.grids] == [("G1", "B1")]
    assert [(x.id, x.length_minutes, x.paid_minutes) for x in s.shifts] == [
        ("D", 570, 480),
        ("N", 360, 360),
    ]
    assert [(c.id, c.min, c.max, c.skill, c.min_experienced) for c in s.cover] == [
        ("day", 1, None, "fire", 0),
        ("night", 1, 1, "security", 1),
    ]

    w1, w2, w3 = s.workers
    assert (w1.id, w1.name, w1.role, w1.joined) == (
        "W1",
        "陈伟",
        Role.DISPATCHER,
        dt.date(2015, 3, 1),
    )
    assert w1.skills == (
        SkillGrant(skill="fire", since=dt.date(2020, 9, 1)),
        SkillGrant(skill="security", since=dt.date(2015, 3, 1)),
    )
    assert w2.skills == (SkillGrant(skill="fire", since=dt.date(2024, 6, 1)),)
    assert (w1.night_eligible, w2.night_eligible, w3.night_eligible) == (True, False, True)
    assert w3.weekly_hours == 37.5

    assert s.leave == (
        Leave(
            worker_id="W2",
            start=dt.date(2026, 12, 8),
            end=dt.date(2026, 12, 9),
            kind="annual",
            note="family visit",
        ),
    )
    assert s.requests == (
        Request(
            worker_id="W3", date=dt.date(2026, 12, 10), kind="shift_off", shift_id="N", weight=2
        ),
    )
    s1, s2 = s.sites
    assert s1.opening_hours == (TimeWindow(open=dt.time(8, 30), close=dt.time(20, 0)),)
    assert s2.opening_hours == (
        TimeWindow(open=dt.time(10, 0), close=dt.time(14, 0)),
        TimeWindow(open=dt.time(16, 30), close=dt.time(21, 0)),
    )
    assert (s1.crs, s2.crs) == (Crs.WGS84, Crs.GCJ02)
    assert (s1.last_visit, s2.last_visit) == (dt.date(2026, 12, 1), None)
    # S2 was never visited: due at once; S1 is due 7 days after its last visit
    assert [x.id for x in s.sites_due(dt.date(2026, 12, 7))] == ["S2"]
    assert [x.id for x in s.sites_due(dt.date(2026, 12, 8))] == ["S1", "S2"]


def test_requests_file_is_optional(tiny):
    tiny.path("requests.csv").unlink()
    assert tiny.load().requests == ()


def test_excel_bom_is_accepted(tiny):
    expected = tiny.load()
    for name in ("workers.csv", "sites.csv"):
        tiny.path(name).write_bytes(b"\xef\xbb\xbf" + tiny.path(name).read_bytes())
    assert tiny.load() == expected


def test_blank_lines_are_skipped_and_row_numbers_still_count_them(tiny):
    tiny.write("leave.csv", "worker_id,start,end,kind,note\n\n,,,,\nW9,2026-12-08,2026-12-09,,\n")
    assert tiny.only_problem() == InputProblem(
        "leave.csv", 4, "worker_id", "unknown worker 'W9'; known: W1, W2, W3"
    )


def test_not_a_folder_is_reported(tmp_path):
    with pytest.raises(InputError) as info:
        load_scenario(tmp_path / "nowhere")
    assert info.value.problems == [
        InputProblem(str(tmp_path / "nowhere"), None, None, "no such scenario folder")
    ]


def test_missing_scenario_toml_is_reported(tiny):
    tiny.path("scenario.toml").unlink()
    with pytest.raises(InputError) as info:
        tiny.load()
    assert info.value.problems == [
        InputProblem(str(tiny.path("scenario.toml")), None, None, "file is missing")
    ]


# ---------------------------------------------------------------- bad input, one kind each


def test_unknown_skill_in_sites_csv(baotun_copy, baotun):
    baotun_copy.set_cell("sites.csv", 3, "skill", "plumbing")
    codes = [s.code for s in baotun.skills]
    problem = baotun_copy.only_problem()
    assert problem == InputProblem(
        "sites.csv", 3, "skill", f"unknown skill 'plumbing'; known: {_known(codes)}"
    )
    assert str(problem).startswith("sites.csv, row 3, column 'skill': unknown skill 'plumbing'")


def test_unknown_skill_in_cover_rule(baotun_copy, baotun):
    rule = next(c for c in baotun.cover if c.skill is not None)
    baotun_copy.set_toml("cover", rule.id, "skill", '"fyre"')
    codes = [s.code for s in baotun.skills]
    assert baotun_copy.only_problem() == InputProblem(
        "scenario.toml",
        f"[[cover]] {rule.id}",
        "skill",
        f"unknown skill 'fyre'; known: {_known(codes)}",
    )


def test_worker_in_unknown_grid(baotun_copy, baotun):
    row = _free_worker_row(baotun)
    baotun_copy.set_cell("workers.csv", row, "grid", "G99")
    grids = [g.id for g in baotun.grids]
    problem = baotun_copy.only_problem()
    assert problem == InputProblem(
        "workers.csv", row, "grid", f"unknown grid 'G99'; known: {_known(grids)}"
    )
    assert str(problem) == (
        f"workers.csv, row {row}, column 'grid': unknown grid 'G99'; known: {', '.join(grids)}"
    )


def test_duplicate_worker_id(baotun_copy, baotun):
    row = _free_worker_row(baotun, first=3)
    first = baotun.workers[row - 3].id  # the worker one row above
    baotun_copy.set_cell("workers.csv", row, "id", first)
    assert baotun_copy.only_problem() == InputProblem(
        "workers.csv", row, "id", f"duplicate id {first!r} (first at {row - 1})"
    )


def test_duplicate_site_id(baotun_copy):
    baotun_copy.set_cell("sites.csv", 5, "id", baotun_copy.cell("sites.csv", 2, "id"))
    assert baotun_copy.only_problem() == InputProblem(
        "sites.csv", 5, "id", "duplicate id 'S00001' (first at 2)"
    )


def test_shift_ending_before_it_starts(baotun_copy, baotun):
    index, shift = next((i, s) for i, s in enumerate(baotun.shifts, 1) if s.crosses_midnight)
    baotun_copy.set_toml("shifts", shift.id, "crosses_midnight", "false")
    problem = baotun_copy.only_problem()
    assert problem.file == "scenario.toml"
    assert problem.row == f"[[shifts]] entry {index} ({shift.id})"
    assert problem.message == (
        f"shift {shift.id!r} ends ({shift.end:%H:%M}) before it starts ({shift.start:%H:%M}); "
        "set crosses_midnight = true if it ends the next day"
    )


def test_shift_ending_before_it_starts_in_tiny(tiny):
    tiny.set_toml("shifts", "D", "end", '"07:30"')
    problem = tiny.only_problem()
    assert (problem.file, problem.row) == ("scenario.toml", "[[shifts]] entry 1 (D)")
    assert problem.message.startswith("shift 'D' ends (07:30) before it starts (08:00)")


def test_bad_date_in_skill_column(baotun_copy, baotun):
    row = _free_worker_row(baotun)
    baotun_copy.set_cell("workers.csv", row, "skill_fire", "2024-13-12")
    assert baotun_copy.only_problem() == InputProblem(
        "workers.csv",
        row,
        "skill_fire",
        "expected the date the skill was acquired (YYYY-MM-DD) or empty, got '2024-13-12'",
    )


@pytest.mark.parametrize(
    ("cell", "column", "message"),
    [
        ("9am to 9pm", "opening_hours", "opening hours '9am to 9pm' should look like 08:30-12:00"),
        ("21:00-09:00", "opening_hours", "window 21:00-09:00 closes before it opens"),
        (
            "08:30-12:00;13:30-25:00",
            "opening_hours.1.close",
            "Input should be in a valid time format, hour value is outside expected range "
            "of 0-23 (got '25:00')",
        ),
        (
            "25:00-26:00",
            "opening_hours.0.open",
            "Input should be in a valid time format, hour value is outside expected range "
            "of 0-23 (got '25:00')",
        ),
        (
            "08:00-24:00",
            "opening_hours.0.close",
            "'24:00' is not a clock time: opening hours lie within one day, so a window open "
            "until midnight closes at 23:59",
        ),
    ],
    ids=["no-dash", "closes-before-opening", "hour-25", "only-window-bad", "24:00"],
)
def test_bad_opening_hours(baotun_copy, cell, column, message):
    baotun_copy.set_cell("sites.csv", 4, "opening_hours", cell)
    problems = baotun_copy.problems()
    assert problems[0] == InputProblem("sites.csv", 4, column, message)
    assert all((p.file, p.row) == ("sites.csv", 4) for p in problems)
    # a window's bad clock time is the problem, not the list it leaves empty
    assert not any("at least 1 item" in p.message for p in problems)


def test_impossible_opening_hour_is_one_problem(baotun_copy):
    baotun_copy.set_cell("sites.csv", 4, "opening_hours", "08:30-25:00")
    assert baotun_copy.only_problem() == InputProblem(
        "sites.csv",
        4,
        "opening_hours.0.close",
        "Input should be in a valid time format, hour value is outside expected range "
        "of 0-23 (got '25:00')",
    )


@pytest.mark.parametrize(
    ("file", "column"),
    [("leave.csv", "comment"), ("workers.csv", "skill_plumbing"), ("sites.csv", "Risk")],
)
def test_unknown_column_in_csv_header(baotun_copy, file, column):
    rows = baotun_copy.rows(file)
    baotun_copy.write_rows(file, [[*rows[0], column], *[[*r, ""] for r in rows[1:]]])
    assert baotun_copy.only_problem() == InputProblem(
        file, 1, column, "unknown column; remove it or fix its name"
    )


def test_missing_required_column(baotun_copy):
    baotun_copy.drop_column("leave.csv", "end")
    problems = baotun_copy.problems()
    assert problems[0] == InputProblem(
        "leave.csv", 1, "end", "required column is missing from the header"
    )
    # and each data row then lacks the value
    assert problems[1:] == [
        InputProblem("leave.csv", n, "end", "Field required") for n in (2, 3, 4)
    ]


def test_duplicate_column_in_header(tiny):
    tiny.write("leave.csv", "worker_id,start,end,kind,kind\n")
    assert tiny.only_problem() == InputProblem(
        "leave.csv", 1, "kind", "column appears 2 times in the header"
    )


def test_row_with_more_cells_than_header(tiny):
    tiny.write("leave.csv", TINY_LEAVE_HEADER + "W2,2026-12-08,2026-12-09,annual,note,extra\n")
    assert tiny.only_problem() == InputProblem(
        "leave.csv", 2, None, "6 cells but the header has 5 columns"
    )


def test_cover_rule_min_too_high_for_scope(baotun_copy, baotun):
    rule = next(c for c in baotun.cover if c.skill is not None and c.max is None)
    baotun_copy.set_toml("cover", rule.id, "min", "40")
    horizon = baotun.info.default_week + dt.timedelta(days=6)
    scope = set(baotun.scope_grids(rule.scope))
    able = sum(1 for w in baotun.workers if w.grid in scope and w.has_skill(rule.skill, horizon))
    assert 0 < able < 40
    assert baotun_copy.only_problem() == InputProblem(
        "scenario.toml",
        f"[[cover]] {rule.id}",
        "min",
        f"needs 40 workers with skill {rule.skill!r} in scope {rule.scope!r} but only {able} exist",
    )


def test_cover_rule_min_too_high_in_tiny(tiny):
    tiny.set_toml("cover", "day", "min", "4")
    # W1, W2 and W3 all hold fire: three, not four
    assert tiny.only_problem() == InputProblem(
        "scenario.toml",
        "[[cover]] day",
        "min",
        "needs 4 workers with skill 'fire' in scope 'G1' but only 3 exist",
    )


def test_night_cover_counts_only_night_eligible_workers(tiny):
    tiny.set_toml("cover", "night", "skill", '"fire"')
    tiny.set_toml("cover", "night", "min", "3")
    tiny.set_toml("cover", "night", "max", "3")
    # all three hold fire, but W2 may not work nights
    assert tiny.problems()[0] == InputProblem(
        "scenario.toml",
        "[[cover]] night",
        "min",
        "needs 3 workers with skill 'fire' in scope 'B1' but only 2 exist",
    )


def test_cover_rule_min_experienced_too_high(tiny):
    tiny.set_toml("cover", "night", "min", "2")
    tiny.set_toml("cover", "night", "max", "2")
    tiny.set_toml("cover", "night", "min_experienced", "2")
    # W1 and W3 hold security and may work nights; only W1 has held it for 365 days
    assert tiny.only_problem() == InputProblem(
        "scenario.toml",
        "[[cover]] night",
        "min_experienced",
        "needs 2 experienced workers in scope 'B1' but only 1 have held the skill 365 days",
    )


def test_cover_rule_role_counts_only_that_role(tiny):
    tiny.set_toml("cover", "day", "role", '"handler"')
    assert tiny.only_problem() == InputProblem(
        "scenario.toml",
        "[[cover]] day",
        "min",
        "needs 1 handlers with skill 'fire' in scope 'G1' but only 0 exist",
    )


def test_cover_rule_unknown_scope_and_shift(tiny):
    tiny.set_toml("cover", "day", "scope", '"G7"')
    tiny.set_toml("cover", "day", "shifts", '["X"]')
    assert tiny.problems() == [
        InputProblem(
            "scenario.toml", "[[cover]] day", "scope", "unknown grid 'G7'; known: *, G1, B1"
        ),
        InputProblem("scenario.toml", "[[cover]] day", "shifts", "unknown shift 'X'; known: D, N"),
    ]


def test_cover_rule_max_below_min(tiny):
    tiny.set_toml("cover", "night", "max", "0")
    problem = tiny.only_problem()
    assert (problem.file, problem.row) == ("scenario.toml", "[[cover]] entry 2 (night)")
    assert problem.message == "max (0) is below min (1)"


def test_leave_ending_before_it_starts(baotun_copy):
    start = baotun_copy.cell("leave.csv", 3, "start")
    end = baotun_copy.set_cell("leave.csv", 3, "end", "2026-12-01")
    assert end >= start
    problem = baotun_copy.only_problem()
    assert (problem.file, problem.row) == ("leave.csv", 3)
    assert problem.message == f"leave ends (2026-12-01) before it starts ({start})"


def test_request_with_unknown_worker(baotun_copy, baotun):
    baotun_copy.set_cell("requests.csv", 3, "worker_id", "W999")
    ids = [w.id for w in baotun.workers]
    assert baotun_copy.only_problem() == InputProblem(
        "requests.csv", 3, "worker_id", f"unknown worker 'W999'; known: {_known(ids)}"
    )


def test_request_with_unknown_shift(baotun_copy, baotun):
    row = next(n for n, r in enumerate(baotun.requests, 2) if r.shift_id is not None)
    baotun_copy.set_cell("requests.csv", row, "shift_id", "NIGHT")
    ids = [s.id for s in baotun.shifts]
    assert baotun_copy.only_problem() == InputProblem(
        "requests.csv", row, "shift_id", f"unknown shift 'NIGHT'; known: {_known(ids)}"
    )


def test_unknown_rule_name(baotun_copy):
    baotun_copy.replace("scenario.toml", "[rules.stability]", "[rules.stabilty]")
    assert baotun_copy.only_problem() == InputProblem(
        "scenario.toml",
        "[rules.stabilty]",
        None,
        f"unknown rule 'stabilty'; known rules: {', '.join(RULE_NAMES)}",
    )


def test_bad_rule_mode(tiny):
    tiny.replace("scenario.toml", 'mode = "off"', 'mode = "maybe"')
    assert tiny.only_problem() == InputProblem(
        "scenario.toml",
        "[rules.fairness]",
        "mode",
        "Input should be 'hard', 'soft' or 'off' (got 'maybe')",
    )


def test_unknown_toml_table(tiny):
    tiny.replace("scenario.toml", "[labour]", "[labor]")
    assert tiny.only_problem() == InputProblem(
        "scenario.toml", "[labor]", None, "unknown table; remove it or fix its name"
    )


def test_unknown_field_in_toml_entry(tiny):
    tiny.set_toml("shifts", "N", "paid", "360")
    assert tiny.only_problem() == InputProblem(
        "scenario.toml",
        "[[shifts]] entry 2 (N)",
        "paid",
        "Extra inputs are not permitted (got 360)",
    )


def test_invalid_toml_syntax(baotun_copy):
    baotun_copy.replace("scenario.toml", 'name = "Baotun"\n', 'name = "Baotun\n')
    line = baotun_copy.line_of("scenario.toml", 'name = "Baotun')
    problem = baotun_copy.only_problem()
    assert (problem.file, problem.row, problem.column) == ("scenario.toml", None, None)
    assert problem.message.startswith("not valid TOML: ")
    # the line and column of the syntax error are named in the message
    column = len('name = "Baotun') + 1  # the newline where the closing quote should be
    assert problem.message.endswith(f"(at line {line}, column {column})")


def test_non_utf8_csv(baotun_copy):
    raw = baotun_copy.read("sites.csv").encode("gb18030")  # what a Chinese Excel might save
    baotun_copy.path("sites.csv").write_bytes(raw)
    with pytest.raises(UnicodeDecodeError) as decode:
        raw.decode("utf-8")
    problem = baotun_copy.only_problem()
    assert problem.file == "sites.csv"
    assert problem.message == (
        f"not UTF-8 text ({decode.value.reason} at byte {decode.value.start}); save it as CSV UTF-8"
    )


def test_non_utf8_csv_names_the_row(tiny):
    raw = tiny.read("sites.csv").encode("gb18030")
    tiny.path("sites.csv").write_bytes(raw)
    # the header is ASCII; the first non-UTF-8 byte is in the name cell of row 2
    assert tiny.only_problem().row == 2


def test_non_utf8_csv_row_counts_the_header_as_row_1(tiny):
    tiny.path("leave.csv").write_bytes("worker_id,start,end,kind,note 备注\n".encode("gb18030"))
    assert tiny.only_problem().row == 1


def test_non_utf8_csv_after_a_bom_names_the_row(tiny):
    raw = b"\xef\xbb\xbf" + tiny.read("workers.csv").encode("gb18030")
    tiny.path("workers.csv").write_bytes(raw)
    # the BOM is not counted: W1's name 陈伟 on row 2 is the first non-ASCII text
    assert tiny.only_problem().row == 2


def test_missing_workers_csv(baotun_copy):
    baotun_copy.path("workers.csv").unlink()
    problems = baotun_copy.problems()
    assert problems[0] == InputProblem("workers.csv", None, None, "file is missing")
    assert str(problems[0]) == "workers.csv: file is missing"


def test_empty_workers_csv(tiny):
    tiny.write("workers.csv", "")
    assert tiny.problems()[0] == InputProblem(
        "workers.csv", 1, None, "the file is empty; it needs a header row"
    )


@pytest.mark.parametrize("name", ["workers.csv", "leave.csv"])
def test_missing_required_csv_file(tiny, name):
    tiny.path(name).unlink()
    assert tiny.only_problem() == InputProblem(name, None, None, "file is missing")


@pytest.mark.parametrize("name", ["workers.csv", "leave.csv", "requests.csv", "sites.csv"])
def test_a_folder_where_a_file_belongs(tiny, name):
    """Optional files too: a folder named requests.csv is a mistake, not 'no requests'."""
    tiny.path(name).unlink()
    tiny.path(name).mkdir()
    assert tiny.only_problem() == InputProblem(name, None, None, "is a folder, not a file")


def test_scenario_toml_as_a_folder(tiny):
    tiny.path("scenario.toml").unlink()
    tiny.path("scenario.toml").mkdir()
    with pytest.raises(InputError) as info:
        tiny.load()
    assert info.value.problems == [
        InputProblem(str(tiny.path("scenario.toml")), None, None, "is a folder, not a file")
    ]


def test_unclosed_quote_in_a_last_column_is_refused(tiny):
    """A free-text note opened with a quote and never closed would swallow every row
    after it (W1's leave lost without a word): it is refused at the row it opens on."""
    tiny.write("leave.csv", TINY_LEAVE_HEADER + 'W2,2026-12-08,2026-12-09,annual,"doctor\n'
               "W1,2026-12-10,2026-12-11,sick,\n")  # fmt: skip
    assert tiny.only_problem() == InputProblem(
        "leave.csv",
        2,
        None,
        'not readable as CSV (unexpected end of data); an unclosed quote " is the usual cause',
    )


def test_scenario_toml_with_a_bom_loads(tiny):
    """Excel-minded editors save a BOM; the CSV files accept it, so does scenario.toml."""
    plain = tiny.load()
    raw = tiny.path("scenario.toml").read_bytes()
    tiny.path("scenario.toml").write_bytes(b"\xef\xbb\xbf" + raw)
    assert tiny.load() == plain


def test_unknown_shift_in_forbidden_next(tiny):
    tiny.set_toml("shifts", "N", "forbidden_next", '["D", "Q"]')
    assert tiny.only_problem() == InputProblem(
        "scenario.toml", "[[shifts]] N", "forbidden_next", "unknown shift 'Q'; known: D, N"
    )


def test_day_off_request_with_a_shift(tiny):
    """A whole day asked off with a shift named: shift_off was probably meant; say so."""
    tiny.set_cell("requests.csv", 2, "kind", "day_off")
    assert tiny.only_problem() == InputProblem(
        "requests.csv",
        2,
        "shift_id",
        "a day_off request takes no shift_id (for one shift use shift_off)",
    )


def test_sites_file_is_optional(tiny):
    # a community may be rostered before its sites are entered
    tiny.path("sites.csv").unlink()
    assert tiny.load().sites == ()


@pytest.mark.parametrize(
    "breaker",
    [
        lambda folder: folder.path("workers.csv").unlink(),
        lambda folder: folder.write("workers.csv", ""),
        lambda folder: folder.path("workers.csv").write_bytes("id,名\n".encode("gb18030")),
    ],
    ids=["missing", "empty", "not-utf8"],
)
def test_unreadable_workers_csv_is_one_problem_not_a_cascade(tiny, breaker):
    # leave.csv and requests.csv name workers; they are not flagged as unknown
    breaker(tiny)
    assert tiny.only_problem().file == "workers.csv"


def test_bad_boolean_in_night_eligible(baotun_copy, baotun):
    row = _free_worker_row(baotun)
    baotun_copy.set_cell("workers.csv", row, "night_eligible", "maybe")
    assert baotun_copy.only_problem() == InputProblem(
        "workers.csv",
        row,
        "night_eligible",
        "Input should be a valid boolean, unable to interpret input (got 'maybe')",
    )


@pytest.mark.parametrize(
    ("cell", "expected"), [("否", False), ("N", False), ("1", True), ("", True)]
)
def test_night_eligible_spreadsheet_spellings(tiny, cell, expected):
    tiny.set_cell("workers.csv", 4, "night_eligible", cell)  # W3 is not needed at night
    assert tiny.load().workers[2].night_eligible is expected


def test_lat_out_of_range(baotun_copy):
    baotun_copy.set_cell("sites.csv", 2, "lat", "95.5")
    problem = baotun_copy.only_problem()
    assert problem == InputProblem(
        "sites.csv", 2, "lat", "Input should be less than or equal to 90 (got '95.5')"
    )
    assert str(problem) == (
        "sites.csv, row 2, column 'lat': Input should be less than or equal to 90 (got '95.5')"
    )


def test_original_role_needs_its_skill_date(tiny):
    tiny.set_cell("workers.csv", 3, "skill_fire", "")  # W2's original role is fire
    assert tiny.only_problem() == InputProblem(
        "workers.csv", 3, "skill_fire", "the worker's original role 'fire' needs its skill date"
    )


def test_all_bad_rows_are_reported_at_once(tiny):
    tiny.set_cell("workers.csv", 2, "weekly_hours", "forty")
    tiny.set_cell("workers.csv", 2, "joined", "2026-02-30")  # W1: no leave, no requests
    tiny.set_cell("leave.csv", 2, "start", "2026-12-10")
    tiny.set_cell("sites.csv", 3, "lon", "-200")
    tiny.set_cell("sites.csv", 2, "grid", "G2")
    problems = tiny.problems()
    assert [(p.file, p.row, p.column) for p in problems] == [
        ("workers.csv", 2, "joined"),  # in the order of the columns
        ("workers.csv", 2, "weekly_hours"),
        ("leave.csv", 2, "end"),
        ("sites.csv", 3, "lon"),
        ("sites.csv", 2, "grid"),
    ]
    with pytest.raises(InputError) as info:
        tiny.load()
    assert str(info.value).splitlines() == [str(p) for p in problems]


def test_several_bad_rows_in_baotun_are_all_reported(baotun_copy, baotun):
    row = _free_worker_row(baotun)
    baotun_copy.set_cell("workers.csv", row, "role", "boss")
    baotun_copy.set_cell("sites.csv", 10, "risk", "extreme")
    baotun_copy.set_cell("sites.csv", 2000, "service_minutes", "0")
    baotun_copy.set_cell("leave.csv", 2, "worker_id", "W000")
    problems = baotun_copy.problems()
    assert [(p.file, p.row, p.column) for p in problems] == [
        ("workers.csv", row, "role"),
        ("sites.csv", 10, "risk"),
        ("sites.csv", 2000, "service_minutes"),
        ("leave.csv", 2, "worker_id"),
    ]


def test_bad_worker_cell_does_not_cascade_into_unknown_worker(tiny):
    tiny.set_cell("workers.csv", 3, "night_eligible", "maybe")  # W2, who has leave
    assert tiny.only_problem() == InputProblem(
        "workers.csv",
        3,
        "night_eligible",
        "Input should be a valid boolean, unable to interpret input (got 'maybe')",
    )


def test_bad_skill_date_does_not_cascade_into_unknown_worker(tiny):
    tiny.set_cell("workers.csv", 4, "skill_security", "2026-06-31")  # W3, who has a request
    assert tiny.only_problem() == InputProblem(
        "workers.csv",
        4,
        "skill_security",
        "expected the date the skill was acquired (YYYY-MM-DD) or empty, got '2026-06-31'",
    )


def test_unknown_worker_is_still_reported_when_a_worker_row_is_bad(tiny):
    tiny.set_cell("workers.csv", 3, "night_eligible", "maybe")
    tiny.set_cell("leave.csv", 2, "worker_id", "W9")
    assert [(p.file, p.row, p.column) for p in tiny.problems()] == [
        ("workers.csv", 3, "night_eligible"),
        ("leave.csv", 2, "worker_id"),
    ]


def _break_shift(folder):
    folder.set_toml("shifts", "D", "end", '"07:00"')


def _break_leave(folder):
    folder.set_cell("leave.csv", 2, "end", "2026-12-01")


def _break_cover(folder):
    folder.set_toml("cover", "night", "max", "0")


def _break_request(folder):
    folder.set_cell("requests.csv", 2, "kind", "shift_on")
    folder.set_cell("requests.csv", 2, "shift_id", "")


@pytest.mark.parametrize(
    ("breaker", "columns"),
    [
        (_break_shift, {"start", "end", "crosses_midnight"}),
        (_break_leave, {"start", "end"}),
        (_break_cover, {"min", "max"}),
        (_break_request, {"kind", "shift_id"}),
    ],
    ids=["shift", "leave", "cover", "request"],
)
def test_whole_record_errors_name_a_column(tiny, breaker, columns):
    breaker(tiny)
    assert tiny.only_problem().column in columns


@pytest.mark.parametrize(
    ("breaker", "where"),
    [
        (_break_shift, ("scenario.toml", "[[shifts]] entry 1 (D)", "end")),
        (
            lambda f: f.set_toml("shifts", "D", "paid_minutes", "600"),
            ("scenario.toml", "[[shifts]] entry 1 (D)", "paid_minutes"),
        ),
        (_break_leave, ("leave.csv", 2, "end")),
        (_break_cover, ("scenario.toml", "[[cover]] entry 2 (night)", "max")),
        (
            lambda f: f.set_toml("cover", "night", "min_experienced", "2"),
            ("scenario.toml", "[[cover]] entry 2 (night)", "min_experienced"),
        ),
        (_break_request, ("requests.csv", 2, "shift_id")),
        (
            lambda f: f.replace("scenario.toml", "bbox = [113.655,", "bbox = [113.755,"),
            ("scenario.toml", "[scenario]", "bbox"),
        ),
    ],
    ids=["shift-end", "shift-paid", "leave", "cover-max", "cover-experienced", "request", "bbox"],
)
def test_whole_record_error_columns(tiny, breaker, where):
    breaker(tiny)
    problem = tiny.only_problem()
    assert (problem.file, problem.row, problem.column) == where


# -------------------------------------------------------------------------- round trip


def test_generated_scenario_round_trips_equal(baotun_generated, tmp_path):
    write_scenario(baotun_generated, tmp_path)
    assert load_scenario(tmp_path) == baotun_generated


@pytest.mark.parametrize(
    "sizes",
    [
        {"workers": 40, "grids": 4, "sites": 120, "seed": 7},
        {"workers": 14, "grids": 1, "sites": 30, "seed": 2},
    ],
    ids=["small", "one-grid"],
)
def test_other_generated_scenarios_round_trip_equal(sizes, tmp_path):
    scenario = generate_scenario(**sizes)
    write_scenario(scenario, tmp_path)
    assert load_scenario(tmp_path) == scenario


@pytest.mark.parametrize(
    "sizes", [{}, {"workers": 40, "grids": 4, "sites": 120, "seed": 7}], ids=["baotun", "small"]
)
def test_generated_scenario_round_trips_up_to_skill_order(sizes, baotun_generated, tmp_path):
    scenario = generate_scenario(**sizes) if sizes else baotun_generated
    write_scenario(scenario, tmp_path)
    loaded = load_scenario(tmp_path)
    assert _skills_sorted(loaded) == _skills_sorted(scenario)
    # every field other than the workers' skill order survives exactly
    assert loaded.model_copy(update={"workers": ()}) == scenario.model_copy(update={"workers": ()})


def _with_streets(baotun_dir, folder):
    """The street files a scenario.toml names travel with it (write_scenario leaves them)."""
    for name in ("streets.osm.bz2", "patrol.csv"):
        (folder / name).write_bytes((baotun_dir / name).read_bytes())


def test_loaded_scenario_round_trips_exactly(baotun, baotun_dir, tmp_path):
    write_scenario(baotun, tmp_path)
    _with_streets(baotun_dir, tmp_path)
    assert load_scenario(tmp_path) == baotun
    for name in SCENARIO_FILES:
        if name != "scenario.toml":  # compared with a fresh write in the test below
            assert (tmp_path / name).read_bytes() == (baotun_dir / name).read_bytes(), name
    # writing what was read back is a fixed point
    write_scenario(load_scenario(tmp_path), tmp_path / "again")
    _with_streets(baotun_dir, tmp_path / "again")
    for name in SCENARIO_FILES:
        assert (tmp_path / "again" / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_writing_loaded_or_generated_gives_the_same_bytes(baotun, baotun_generated, tmp_path):
    # floats read back from TOML (11 -> 11.0) are written as they were generated (11)
    write_scenario(baotun, tmp_path / "loaded")
    streets = baotun.streets  # the generator adds these when it writes the street files
    write_scenario(baotun_generated.model_copy(update={"streets": streets}), tmp_path / "generated")
    for name in SCENARIO_FILES:
        loaded, generated = (tmp_path / d / name for d in ("loaded", "generated"))
        assert loaded.read_bytes() == generated.read_bytes(), name
    assert "max_overtime_hours_week = 8\n" in (tmp_path / "loaded" / "scenario.toml").read_text(
        encoding="utf-8"
    )


def test_tiny_scenario_round_trips(tiny, tmp_path):
    original = tiny.load()
    write_scenario(original, tmp_path / "out")
    assert load_scenario(tmp_path / "out") == original
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(SCENARIO_FILES)


def test_write_without_requests_writes_a_header_only_file(tiny, tmp_path):
    scenario = tiny.load().model_copy(update={"requests": ()})
    write_scenario(scenario, tmp_path / "out")
    assert (tmp_path / "out" / "requests.csv").read_text(encoding="utf-8") == (
        "worker_id,date,kind,shift_id,weight\n"
    )
    assert load_scenario(tmp_path / "out") == scenario


def test_write_over_old_folder_reads_back_unchanged(tiny):
    scenario = tiny.load().model_copy(update={"requests": ()})
    write_scenario(scenario, tiny.root)
    assert load_scenario(tiny.root) == scenario


def test_write_leaves_no_temporary_files(baotun, tmp_path):
    write_scenario(baotun, tmp_path)
    write_scenario(baotun, tmp_path)  # overwriting goes through the same atomic rename
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(SCENARIO_FILES)


def test_structural_rule_cannot_be_soft(baotun_copy):
    baotun_copy.write(
        "scenario.toml",
        baotun_copy.read("scenario.toml") + '\n[rules.one_shift_per_day]\nmode = "soft"\n',
    )
    with pytest.raises(InputError) as info:
        load_scenario(baotun_copy.root)
    assert "[rules.one_shift_per_day]" in str(info.value) and "always hard" in str(info.value)


def test_request_for_a_meeting_shift_is_rejected(baotun_copy):
    baotun_copy.write(
        "requests.csv", "worker_id,date,kind,shift_id,weight\nW004,2026-12-08,shift_on,MM,1\n"
    )
    with pytest.raises(InputError) as info:
        load_scenario(baotun_copy.root)
    [problem] = info.value.problems
    assert (problem.file, problem.row, problem.column) == ("requests.csv", 2, "shift_id")


@pytest.mark.parametrize(("hours", "ok"), [("37.5", True), ("37.33", False)])
def test_contract_hours_are_whole_five_minute_steps(baotun_copy, hours, ok):
    baotun_copy.set_cell("workers.csv", 2, "weekly_hours", hours)
    if ok:
        load_scenario(baotun_copy.root)
        return
    with pytest.raises(InputError) as info:
        load_scenario(baotun_copy.root)
    assert "5-minute" in str(info.value)


def test_a_spread_rule_cannot_be_hard(baotun_copy, baotun):
    text = baotun_copy.read("scenario.toml")
    soft = '[rules.fairness]\nmode = "soft"'
    assert soft in text
    baotun_copy.write("scenario.toml", text.replace(soft, '[rules.fairness]\nmode = "hard"'))
    with pytest.raises(InputError) as info:
        load_scenario(baotun_copy.root)
    assert "[rules.fairness]" in str(info.value) and "cannot be hard" in str(info.value)
    # nor in a scenario built in code: the solver would only minimise it
    rules = {**baotun.rules, "desk_rotation": RuleSetting(mode="hard")}
    with pytest.raises(ValidationError, match="desk_rotation measures a spread"):
        Scenario.model_validate({**dict(baotun), "rules": rules})
    rules = {**baotun.rules, "fair_share": RuleSetting(mode="hard")}
    with pytest.raises(ValidationError, match="fair_share measures a spread"):
        Scenario.model_validate({**dict(baotun), "rules": rules})


# ------------------------------------------------ values a solve could not survive


def test_dates_far_off_are_refused_where_they_are_written(tiny):
    """9999-12-31 is a date, but a week or a visit interval after it is not."""
    tiny.replace("scenario.toml", "reference_date = 2026-12-06", "reference_date = 9999-12-30")
    assert tiny.only_problem() == InputProblem(
        "scenario.toml", "[scenario]", "reference_date", "9999-12-30 is outside the years 1900-2999"
    )


def test_a_bbox_off_the_globe_is_refused(tiny):
    tiny.replace("scenario.toml", "bbox = [113.655,", "bbox = [-inf,")
    assert tiny.only_problem() == InputProblem(
        "scenario.toml", "[scenario]", "bbox",
        "bbox must be longitudes within ±180 and latitudes within ±90",
    )  # fmt: skip


@pytest.mark.parametrize("value", ["3", "[1, 2]"])
def test_rules_that_are_not_a_table(tiny, value):
    text = tiny.read("scenario.toml")
    text = text.replace('[rules.requests]\nmode = "soft"\nweight = 5\n\n', "")
    text = text.replace('[rules.fairness]\nmode = "off"\n', "")
    tiny.write("scenario.toml", f"rules = {value}\n" + text)
    assert tiny.only_problem() == InputProblem(
        "scenario.toml", "[rules]", None, "rules must be a table of [rules.NAME]"
    )


@pytest.mark.parametrize(
    ("cell", "column", "got"),
    [
        ("08:00+08:00-12:00", "open", "'08:00+08:00'"),
        ("08:00-12:00-14:00", "close", "'12:00-14:00'"),
    ],
)
def test_opening_hours_with_an_offset_are_refused(baotun_copy, cell, column, got):
    """A clock time read with an offset compares with no other (it crashed the check)."""
    baotun_copy.set_cell("sites.csv", 4, "opening_hours", cell)
    assert baotun_copy.problems()[0] == InputProblem(
        "sites.csv", 4, f"opening_hours.0.{column}",
        f"expected a clock time HH:MM, without a time zone (got {got})",
    )  # fmt: skip


def test_a_shift_time_given_as_a_number_is_refused(tiny):
    tiny.set_toml("shifts", "N", "start", "72000")
    assert tiny.only_problem() == InputProblem(
        "scenario.toml", "[[shifts]] entry 2 (N)", "start",
        "expected a clock time HH:MM, without a time zone (got 72000)",
    )  # fmt: skip
