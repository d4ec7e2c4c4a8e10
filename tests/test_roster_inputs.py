"""Bad input to ``planner roster`` and ``planner check`` fails early and clearly; outputs
that no solve has to produce (calendars, sheets) hold for every rota shape.

Every failing case here stops before a solve, so these tests are cheap; the two rotas
the output tests read are built by hand, not solved.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import icalendar
import pytest

from planner.cli import MAX_PROBLEMS, main
from planner.roster.problem import Cell, RosterProblem
from planner.roster.report import rota_html, worker_ics
from planner.roster.solve import RosterResult, Unfilled, solve_roster
from planner.scenario_io import load_scenario
from tests.roster_cases import WEEK as CASE_WEEK
from tests.roster_cases import need, scenario, worker

REPO = Path(__file__).resolve().parents[1]
BAOTUN = REPO / "scenarios" / "baotun"
WEEK = "2026-12-14"
MONDAY = dt.date(2026, 12, 14)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def roster(tmp_path: Path, *extra: str) -> list[str]:
    return ["roster", "--scenario", str(BAOTUN), "--week", WEEK, "--time-limit", "5",
            "--workers", "1", "--quiet", "--out", str(tmp_path / "out"), *extra]  # fmt: skip


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def no_solve(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any solve fails the test: these inputs must be refused before one starts."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the solve started on bad input")

    monkeypatch.setattr("planner.roster.solve.solve_roster", refuse)


# ------------------------------------------------------------------- pins and history


@pytest.mark.parametrize("option", ["--pin", "--history", "--previous"])
def test_a_cells_file_without_its_columns_is_bad_input(option, tmp_path, capsys, monkeypatch):
    no_solve(monkeypatch)
    bad = write(tmp_path / "cells.csv", "day,worker,shift\n2026-12-14,W005,D\n")
    code, _, err = run(roster(tmp_path, option, str(bad)), capsys)
    assert code == 2
    assert "Traceback" not in err
    assert "cells.csv, row 1, column 'date': required column is missing" in err
    assert not (tmp_path / "out").exists()


def test_a_pin_outside_the_planned_week_is_bad_input(tmp_path, capsys, monkeypatch):
    no_solve(monkeypatch)
    pins = write(tmp_path / "pins.csv", "date,worker_id,shift_id\n2026-12-21,W005,D\n")
    code, _, err = run(roster(tmp_path, "--pin", str(pins)), capsys)
    assert code == 2
    assert "pins.csv, row 2, column 'date': 2026-12-21 is outside the rota's days" in err


def test_a_pin_row_missing_its_shift_cell_is_bad_input(tmp_path, capsys, monkeypatch):
    no_solve(monkeypatch)
    pins = write(tmp_path / "pins.csv", "date,worker_id,shift_id\n2026-12-14,W005\n")
    code, _, err = run(roster(tmp_path, "--pin", str(pins)), capsys)
    assert code == 2
    assert "pins.csv, row 2, column 'shift_id': the row has 2 cells" in err


def test_history_inside_the_planned_week_is_bad_input(tmp_path, capsys, monkeypatch):
    no_solve(monkeypatch)
    history = write(
        tmp_path / "history.csv",
        "date,worker_id,shift_id\n2026-12-13,W005,D\n2026-12-15,W005,D\n",
    )
    code, _, err = run(roster(tmp_path, "--history", str(history)), capsys)
    assert code == 2
    assert "history.csv, row 3, column 'date': 2026-12-15 is not before the planned week" in err
    assert "row 2" not in err  # the day before the week is history proper


def test_an_out_that_is_a_file_is_refused_before_the_solve(tmp_path, capsys, monkeypatch):
    no_solve(monkeypatch)
    (tmp_path / "out").write_text("mine", encoding="utf-8")
    code, _, err = run(roster(tmp_path), capsys)
    assert code == 2 and "is a file, not a folder" in err
    assert (tmp_path / "out").read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("2026-12-13,W999,B01,D", "worker_id", "unknown worker 'W999'"),
        ("2026-12-13,W005,G99,D", "grid", "unknown grid 'G99'"),
        ("2026-12-13,W005,B01,ZZ", "shift_id", "unknown shift 'ZZ'"),
    ],
)
def test_check_refuses_history_the_scenario_does_not_know(row, column, message, tmp_path, capsys):
    rota = write(tmp_path / "rota.csv", "date,worker_id,shift_id\n")
    history = write(tmp_path / "history.csv", f"date,worker_id,grid,shift_id\n{row}\n")
    argv = ["check", "--scenario", str(BAOTUN), "--rota", str(rota), "--week", WEEK,
            "--history", str(history)]  # fmt: skip
    code, _, err = run(argv, capsys)
    assert code == 2
    assert f"history.csv, row 2, column '{column}': {message}" in err


def check(tmp_path: Path, *extra: str) -> list[str]:
    rota = write(tmp_path / "rota.csv", "date,worker_id,shift_id\n")
    return ["check", "--scenario", str(BAOTUN), "--rota", str(rota), "--week", WEEK, *extra]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("2026-12-13,W005,D\n2026-12-13,W005,N", "row 3, column 'date': W005 already has a row"),
        ("2026-12-13,W005,MM", "row 2, column 'shift_id': 'MM' is the meeting"),
        ("2026-12-14,W005,D", "row 2, column 'date': 2026-12-14 is not before the planned week"),
    ],
)
def test_check_reads_history_as_strictly_as_roster(rows, message, tmp_path, capsys):
    """A doubled row would count twice toward monthly overtime; a meeting is never a
    row; a row inside the week is not history. Each is bad input, as for roster."""
    history = write(tmp_path / "history.csv", f"date,worker_id,shift_id\n{rows}\n")
    code, _, err = run(check(tmp_path, "--history", str(history)), capsys)
    assert code == 2
    assert f"history.csv, {message}" in err
    code, _, err = run(roster(tmp_path, "--history", str(history)), capsys)
    assert code == 2
    assert f"history.csv, {message}" in err


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("2026-12-21,W005,D", "row 2, column 'date': 2026-12-21 is outside the rota's days"),
        ("2026-12-14,W005", "row 2, column 'shift_id': the row has 2 cells and no shift_id"),
        ("2026-12-14,W005,MM", "row 2, column 'shift_id': 'MM' is the meeting"),
        ("2026-12-14,W005,D\n2026-12-14,W005,", "row 3, column 'date': W005 already has a pin"),
    ],
)
def test_check_reads_pins_as_strictly_as_roster(rows, message, tmp_path, capsys):
    pins = write(tmp_path / "pins.csv", f"date,worker_id,shift_id\n{rows}\n")
    code, _, err = run(check(tmp_path, "--pin", str(pins)), capsys)
    assert code == 2
    assert f"pins.csv, {message}" in err


def either(command: str, tmp_path: Path, *extra: str) -> list[str]:
    """The argv of ``planner check`` or ``planner roster``: for inputs both read."""
    return check(tmp_path, *extra) if command == "check" else roster(tmp_path, *extra)


@pytest.mark.parametrize("command", ["check", "roster"])
@pytest.mark.parametrize(
    ("option", "text", "message"),
    [
        ("--history", "2026-12-3,W005,D", "row 2, column 'date': expected a date YYYY-MM-DD"),
        ("--history", "20261213,W005,D", "row 2, column 'date': expected a date YYYY-MM-DD"),
        ("--pin", "2026-12-14,W005,D\n2026-12-4,W005,D", "row 3, column 'date': expected"),
        ("--history", '2026-12-13,"W005,D\n' + "2026-12-12,W005,D\n" * 9000, "row 2: not readable"),
        ("--history", "2026-12-13,W005,MM\n2026-12-13,W005,D", "row 2, column 'shift_id'"),
        ("--previous", "2026-12-14,W999,D", "row 2, column 'worker_id': unknown worker 'W999'"),
        (
            "--previous",
            "2026-12-21,W005,D\n2026-12-07,W005,D",
            "column 'date': no row falls within the rota's days, 2026-12-14 to 2026-12-20 "
            "(its rows run 2026-12-07 to 2026-12-21); a previous rota is an earlier rota",
        ),
        (
            "--previous",
            "",
            "column 'date': no row falls within the rota's days, 2026-12-14 to "
            "2026-12-20 (it has no rows)",
        ),
    ],
)
def test_check_and_roster_refuse_the_same_cells_files(
    command, option, text, message, tmp_path, capsys, monkeypatch
):
    """One bad cells file, the same verdict from both commands: dates exactly
    YYYY-MM-DD, an unclosed quote is bad input (not a traceback), and a bad row is
    reported once, not again as its day's second row."""
    no_solve(monkeypatch)
    cells = write(tmp_path / "cells.csv", f"date,worker_id,shift_id\n{text}\n")
    code, _, err = run(either(command, tmp_path, option, str(cells)), capsys)
    assert code == 2
    assert "Traceback" not in err
    assert f"cells.csv, {message}" in err
    assert "already has" not in err


@pytest.mark.parametrize("command", ["check", "roster"])
@pytest.mark.parametrize("option", ["--history", "--pin", "--previous"])
def test_a_folder_given_as_a_cells_file(command, option, tmp_path, capsys, monkeypatch):
    no_solve(monkeypatch)
    folder = tmp_path / "cells.csv"
    folder.mkdir()
    code, _, err = run(either(command, tmp_path, option, str(folder)), capsys)
    assert code == 2
    assert f"{folder}: is a folder, not a file" in err


@pytest.mark.parametrize("option", ["--history", "--pin"])
def test_check_ignores_the_columns_roster_ignores(option, tmp_path, capsys, monkeypatch):
    """Extra columns (a note, Excel's trailing comma, a history's own times) mean nothing
    to either command: check reads the file on, as roster does."""
    if option == "--pin":
        text = "date,worker_id,shift_id,grid,note,\n2026-12-14,W005,,B01,ill,\n"
    else:
        text = "date,worker_id,shift_id,start,note\n2026-12-13,W005,D,xx,ok\n"
    cells = write(tmp_path / "cells.csv", text)
    code, out, err = run(check(tmp_path, option, str(cells)), capsys)
    assert code == 1, err  # the empty rota breaks cover: read, then checked
    assert "rota.csv: INVALID" in out


def test_check_takes_the_horizon_for_pins_from_the_rota(tmp_path, capsys):
    """Without --week the rota's own Monday bounds the pins: a pin the week after is
    outside, a pin on the rota's days is checked (and broken here, exit 1)."""
    rota = write(tmp_path / "rota.csv", "date,worker_id,shift_id\n2026-12-14,W005,D\n")
    outside = write(tmp_path / "late.csv", "date,worker_id,shift_id\n2026-12-21,W005,D\n")
    argv = ["check", "--scenario", str(BAOTUN), "--rota", str(rota)]
    code, _, err = run([*argv, "--pin", str(outside)], capsys)
    assert code == 2 and "2026-12-21 is outside the rota's days, 2026-12-14 to 2026-12-20" in err
    inside = write(tmp_path / "off.csv", "date,worker_id,shift_id\n2026-12-14,W005,\n")
    code, out, _ = run([*argv, "--pin", str(inside)], capsys)
    assert code == 1
    assert "violation [pins]" in out


# --------------------------------------------------------------------- scenario files


def test_an_unknown_time_zone_is_found_when_the_scenario_loads(tmp_path, capsys):
    scenario = tmp_path / "baotun"
    shutil.copytree(BAOTUN, scenario)
    toml = scenario / "scenario.toml"
    text = toml.read_text(encoding="utf-8")
    assert 'timezone = "Asia/Shanghai"' in text
    toml.write_text(text.replace("Asia/Shanghai", "Mars/Olympus"), encoding="utf-8")
    code, _, err = run(["scenario", "check", str(scenario)], capsys)
    assert code == 2
    assert "scenario.toml" in err and "unknown time zone 'Mars/Olympus'" in err


def test_one_typo_does_not_flood_the_screen(tmp_path, capsys):
    rows = "".join(f"2026-12-1{i % 7 + 4},W{900 + i},D\n" for i in range(100))
    pins = write(tmp_path / "pins.csv", "date,worker_id,shift_id\n" + rows)
    code, _, err = run(roster(tmp_path, "--pin", str(pins)), capsys)
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == MAX_PROBLEMS + 1
    assert (
        lines[-1]
        == f"error: ... and {100 - MAX_PROBLEMS} more; the first ones often cause the rest"
    )


# ------------------------------------------------------------- calendars and sheets


def hand_made(weeks: int, cells: tuple[Cell, ...]) -> RosterResult:
    """A rota written by hand: the report functions read nothing a solve alone knows."""
    problem = RosterProblem(scenario=load_scenario(BAOTUN), week=MONDAY, weeks=weeks)
    return RosterResult(problem, "feasible", cells, 0, 0, 0.0, 0.0, 1, 1, {}, ())


def test_a_worker_without_shifts_gets_a_valid_calendar_saying_free():
    result = hand_made(1, (Cell(MONDAY, "W001", "D"),))
    cal = icalendar.Calendar.from_ical(worker_ics(result, "W002"))
    assert cal.walk("VEVENT") == []
    (free,) = cal.walk("VFREEBUSY")  # RFC 5545: a calendar holds at least one component
    assert free.decoded("DTSTART") == dt.datetime(2026, 12, 13, 16, 0, tzinfo=dt.UTC)
    assert free.decoded("DTEND") == dt.datetime(2026, 12, 20, 16, 0, tzinfo=dt.UTC)
    assert "FREEBUSY" not in free  # no busy period
    worked = icalendar.Calendar.from_ical(worker_ics(result, "W001"))
    assert len(worked.walk("VEVENT")) == 1 and worked.walk("VFREEBUSY") == []


def test_the_sheet_has_one_table_per_grid_and_week():
    later = MONDAY + dt.timedelta(days=8)
    result = hand_made(2, (Cell(MONDAY, "W001", "D"), Cell(later, "W001", "D")))
    page = rota_html(result)
    grids = len(result.problem.scenario.grids)
    titles = re.findall(r"排班表 (\d{4}-\d\d-\d\d) 至 (\d{4}-\d\d-\d\d)</h2>", page)
    assert len(titles) == 2 * grids
    assert set(titles) == {("2026-12-14", "2026-12-20"), ("2026-12-21", "2026-12-27")}
    assert page.count("<table>") == 2 * grids
    assert all(t.count("<th>") == 3 + 7 for t in re.findall(r"<tr><th>.*?</tr>", page))


def test_the_sheet_names_holidays_unfilled_needs_and_its_own_marks():
    """What a dispatcher pins up: 元旦 in its column head, the needs left open (all of them
    first, then each on its grid's sheet) and the 休/假 marks in the legend."""
    sc = load_scenario(BAOTUN)
    problem = RosterProblem(scenario=sc, week=dt.date(2026, 12, 28), weeks=1)
    label = "lead-B01 on 2026-12-29 (B01, MM, dispatcher)"
    need = Unfilled("lead-B01", dt.date(2026, 12, 29), label, 1)
    result = RosterResult(problem, "feasible", (), 0, 0, 0.0, 0.0, 1, 1, {}, (need,))
    page = rota_html(result)
    assert "<th>01-01<br>周五<br>元旦</th>" in page
    assert "<th>12-31<br>周四</th>" in page
    assert "缺岗 1 项 (unfilled needs)</h2><ul><li>" + label + ": 缺 1 人</li></ul>" in page
    assert page.count(label) == 1 + len(sc.scope_grids("B01")) < 1 + len(sc.grids)
    assert "<span>休 休息</span> <span>假 请假</span>" in page
    assert "可行 (feasible)" in page
    assert "缺岗" not in rota_html(hand_made(1, ()))


# ----------------------------------------------------------------------- diagnosis


def test_too_few_nights_a_week_is_explained_by_the_nights_rule(tmp_path):
    """Baotun allowing one night a week cannot cover its night patrols: the conflict
    names the nights rule and the night cover it starves, within the time given."""
    from planner.roster.solve import diagnose

    scenario = tmp_path / "baotun"
    shutil.copytree(BAOTUN, scenario)
    toml = scenario / "scenario.toml"
    text = toml.read_text(encoding="utf-8")
    assert "\nmax_nights_per_week = 3\n" in text
    toml.write_text(text.replace("\nmax_nights_per_week = 3\n", "\nmax_nights_per_week = 1\n"))
    problem = RosterProblem(scenario=load_scenario(scenario), week=MONDAY)
    conflicts = diagnose(problem, time_limit=20, seed=0)
    assert any(c.startswith("max_nights: ") for c in conflicts), conflicts
    assert any(c.startswith("cover: night") for c in conflicts), conflicts


# ------------------------------------------------------------------- seeds


def test_a_seed_past_32_bits_is_bad_input(tmp_path, capsys, monkeypatch):
    no_solve(monkeypatch)
    code, _, err = run(roster(tmp_path, "--seed", str(2**32)), capsys)
    assert code == 2
    assert "argument --seed: expected 0 to 4294967295, got 4294967296" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("strategy", ["cpsat", "lns", "auto"])
def test_every_seed_the_cli_takes_reaches_cp_sat(strategy):
    """CP-SAT's random_seed is a signed 32-bit number; 2^32 - 1 used to crash it."""
    sc = scenario([worker("A"), worker("B")], [need("day", "D", min=1, days=("mon", "tue"))])
    found = {
        seed: solve_roster(
            RosterProblem(sc, CASE_WEEK, 1), time_limit=10, seed=seed, workers=2, strategy=strategy
        )
        for seed in (0, 2**31, 2**32 - 1)
    }
    assert {r.status for r in found.values()} == {"optimal"}
    assert len({r.objective for r in found.values()}) == 1


def test_check_notes_a_week_made_by_one_stray_date(tmp_path, capsys):
    """One mistyped date adds a week of open needs to a rota's own horizon: check says
    where its weeks came from, and says nothing when the weeks are given."""
    lines = [f"2026-12-14,W{i:03d},D" for i in range(1, 13)] + ["2026-12-24,W001,D"]
    rota = write(tmp_path / "rota.csv", "date,worker_id,shift_id\n" + "\n".join(lines) + "\n")
    argv = ["check", "--scenario", str(BAOTUN), "--rota", str(rota)]
    code, _, err = run(argv, capsys)
    assert code == 1
    assert err == (
        "note: the rota's dates run 2026-12-14 to 2026-12-24, so it is checked as 2 weeks; "
        "the week of 2026-12-21 has 1 row against 12 in another (a mistyped date?); "
        "--week and --weeks set the weeks\n"
    )
    code, _, err = run([*argv, "--week", WEEK, "--weeks", "2"], capsys)
    assert code == 1 and err == ""


def test_a_week_far_off_is_bad_input(tmp_path, capsys, monkeypatch):
    no_solve(monkeypatch)
    argv = roster(tmp_path)
    argv[argv.index("--week") + 1] = "9999-12-27"
    code, _, err = run(argv, capsys)
    assert code == 2
    assert "argument --week: 9999-12-27 is outside the years 1900-2999" in err


@pytest.mark.parametrize("command", ["check", "roster"])
def test_a_history_row_far_off_is_bad_input(command, tmp_path, capsys, monkeypatch):
    no_solve(monkeypatch)
    cells = write(tmp_path / "cells.csv", "date,worker_id,shift_id\n0001-01-01,W005,D\n")
    code, _, err = run(either(command, tmp_path, "--history", str(cells)), capsys)
    assert code == 2
    assert f"{cells}, row 2, column 'date': 0001-01-01 is outside the years 1900-2999" in err


def test_a_rota_dated_far_off_is_bad_input_to_check(tmp_path, capsys):
    rota = write(tmp_path / "rota.csv", "date,worker_id,shift_id\n9999-12-31,W005,D\n")
    code, _, err = run(["check", "--scenario", str(BAOTUN), "--rota", str(rota)], capsys)
    assert code == 2
    assert (
        err == f"error: {rota}, row 2, column 'date': 9999-12-31 is outside the years 1900-2999\n"
    )


# ------------------------------------------------------------------- flags


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--time-limit", "nan", "expected a time above 0, got nan"),
        ("--time-limit", "inf", "expected a time above 0, got inf"),
        ("--weeks", "1000", "expected 1 to 52, got 1000"),
        ("--lookahead", "1000", "expected 0 to 8, got 1000"),
        ("--week", "20261214", "expected a date YYYY-MM-DD, got '20261214'"),
    ],
)
def test_flags_that_would_not_end_or_mean_another_thing(
    flag, value, message, tmp_path, capsys, monkeypatch
):
    no_solve(monkeypatch)
    argv = roster(tmp_path)
    if flag in argv:
        argv[argv.index(flag) + 1] = value
    else:
        argv += [flag, value]
    code, _, err = run(argv, capsys)
    assert code == 2
    assert f"argument {flag}: {message}" in err


def test_a_weight_past_a_million_is_bad_input(tmp_path, capsys, monkeypatch):
    """2^63 - 1 overflowed the objective into a false 'optimal'."""
    no_solve(monkeypatch)
    scenario = tmp_path / "baotun"
    shutil.copytree(BAOTUN, scenario)
    toml = scenario / "scenario.toml"
    text = toml.read_text(encoding="utf-8")
    old = '[rules.requests]\nmode = "soft"\nweight = 5'
    assert old in text
    toml.write_text(text.replace(old, old + "000000000000000000"), encoding="utf-8")
    argv = roster(tmp_path)
    argv[argv.index("--scenario") + 1] = str(scenario)
    code, _, err = run(argv, capsys)
    assert code == 2
    assert "scenario.toml, [rules.requests], column 'weight': " in err
    assert "less than or equal to 1000000" in err


def test_an_out_that_is_the_current_folder_is_refused(tmp_path, capsys, monkeypatch):
    no_solve(monkeypatch)
    monkeypatch.chdir(tmp_path)
    for out in ("", ".", ".."):
        argv = roster(tmp_path)
        argv[argv.index("--out") + 1] = out
        code, _, err = run(argv, capsys)
        assert code == 2
        assert "is the current folder (or holds it); give a folder inside it" in err
    assert tmp_path.is_dir()


def test_an_out_under_a_file_is_refused_before_the_solve(tmp_path, capsys, monkeypatch):
    no_solve(monkeypatch)
    write(tmp_path / "F", "a file")
    argv = roster(tmp_path)
    argv[argv.index("--out") + 1] = str(tmp_path / "F" / "out")
    code, _, err = run(argv, capsys)
    assert code == 2
    assert f"error: {tmp_path / 'F' / 'out'}: cannot be made: {tmp_path / 'F'} is a file" in err
