"""End to end: ``planner roster`` and ``planner check`` on the bundled Baotun scenario.

Every solve is expensive (1-5 s), so each distinct run happens once, in a module-scoped
fixture, and the tests only read its outputs. Runs that fail before solving (bad input)
are cheap and run inside their tests.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import icalendar
import pytest

from planner.cli import main
from planner.scenario_io import load_scenario

REPO = Path(__file__).resolve().parents[1]
BAOTUN = REPO / "scenarios" / "baotun"
WEEK1 = "2026-12-07"
WEEK2 = "2026-12-14"
DAYS1 = [dt.date(2026, 12, 7) + dt.timedelta(days=i) for i in range(7)]
SOLVE = ["--seed", "1", "--workers", "1", "--time-limit", "60"]
ROTA_HEADER = "date,worker_id,worker_name,grid,shift_id,start,end"
# Measured once (seed 1, 1 worker; proven optimal in ~1-5 s): desk_rotation 3 + fairness 10.
# A change here means the rules, their weights or the scenario changed.
GOLDEN_OBJECTIVE = 13
SUMMARY = re.compile(
    r"^(optimal|feasible): \d+ assignments, objective -?\d+, bound -?\d+, gap [\d.]+%, "
    r"[\d.]+ s(, (1 unfilled cover need|\d+ unfilled cover needs))?"
    r"(, [^>]* the (\d+ )?weeks? after [^>]*)? -> .+$"
)
TZ_OFFSET = dt.timedelta(hours=8)  # Asia/Shanghai, no DST since 1991


@dataclass(frozen=True)
class Run:
    """One CLI invocation: exit code, captured stdout and stderr, and its OUT folder."""

    code: int
    out: str
    err: str
    path: Path | None = None


def call(argv: list[str], path: Path | None = None) -> Run:
    """``main(argv)`` with stdout/stderr captured (usable where capsys is not: module scope)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
    return Run(code, out.getvalue(), err.getvalue(), path)


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> Run:
    """``main(argv)`` inside a test, captured with capsys."""
    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


def roster(out: Path, *extra: str, scenario: Path = BAOTUN, quiet: bool = True) -> Run:
    argv = ["roster", "--scenario", str(scenario), *SOLVE, "--out", str(out), *extra]
    if "--week" not in extra:
        argv += ["--week", WEEK1]
    if quiet:
        argv.append("--quiet")
    return call(argv, out)


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def all_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def local(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M")


def violation_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("violation [")]


# ------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def workers() -> list[str]:
    return [w.id for w in load_scenario(BAOTUN).workers]


@pytest.fixture(scope="module")
def golden(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The reference run: week 1, seed 1, one solver thread, quiet."""
    return roster(tmp_path_factory.mktemp("golden") / "out")


@pytest.fixture(scope="module")
def golden_rows(golden: Run) -> list[dict[str, str]]:
    assert golden.code == 0, golden.err
    assert golden.path is not None
    return rows(golden.path / "rota.csv")


@pytest.fixture(scope="module")
def golden_json(golden: Run) -> dict[str, object]:
    assert golden.code == 0, golden.err
    assert golden.path is not None
    doc: dict[str, object] = json.loads((golden.path / "rota.json").read_text(encoding="utf-8"))
    return doc


@pytest.fixture(scope="module")
def golden_check(golden: Run) -> Run:
    assert golden.code == 0, golden.err
    assert golden.path is not None
    return call(["check", "--scenario", str(BAOTUN), "--rota", str(golden.path / "rota.csv")])


@pytest.fixture(scope="module")
def second_process(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The golden run again, in a fresh interpreter (own hash seed), stderr on a TTY if any.

    With --quiet nothing may reach stderr even when it is a terminal.
    """
    out = tmp_path_factory.mktemp("subprocess") / "out"
    argv = [sys.executable, "-m", "planner.cli", "roster", "--scenario", str(BAOTUN),
            "--week", WEEK1, *SOLVE, "--quiet", "--out", str(out)]  # fmt: skip
    if not hasattr(os, "openpty"):  # pragma: no cover - not POSIX
        proc = subprocess.run(argv, capture_output=True, text=True, cwd=REPO, timeout=300)
        return Run(proc.returncode, proc.stdout, proc.stderr, out)
    master, slave = os.openpty()
    try:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=slave, cwd=REPO)
        os.close(slave)
        slave = -1
        stdout, _ = proc.communicate(timeout=300)
        tty = b""
        while True:  # the child has exited: drain what it wrote, until EIO/EOF
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            tty += chunk
    finally:
        os.close(master)
        if slave >= 0:
            os.close(slave)
    return Run(proc.returncode, stdout.decode(), tty.decode(errors="replace"), out)


@pytest.fixture(scope="module")
def infeasible_scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Baotun with W001, the B01 dispatcher who must lead the workday meeting, on leave."""
    root = tmp_path_factory.mktemp("infeasible") / "baotun"
    shutil.copytree(BAOTUN, root)
    with (root / "leave.csv").open("a", encoding="utf-8", newline="") as f:
        f.write("W001,2026-12-08,2026-12-08,annual,\n")
    return root


@pytest.fixture(scope="module")
def infeasible(infeasible_scenario: Path) -> Run:
    return roster(infeasible_scenario.parent / "out", scenario=infeasible_scenario)


@pytest.fixture(scope="module")
def unfilled(infeasible_scenario: Path) -> Run:
    out = infeasible_scenario.parent / "unfilled"
    argv = ["roster", "--scenario", str(infeasible_scenario), "--week", WEEK1, "--seed", "1",
            "--workers", "1", "--quiet", "--allow-unfilled", "--time-limit", "10",
            "--out", str(out)]  # fmt: skip
    return call(argv, out)


@pytest.fixture(scope="module")
def week2(golden: Run) -> Run:
    assert golden.code == 0, golden.err
    assert golden.path is not None
    out = golden.path.parent.parent / "week2" / "out"
    return roster(out, "--week", WEEK2, "--history", str(golden.path / "rota.csv"))


PIN_K = ("2026-12-09", "W003", "K")  # G01 inspector, at work that day
PIN_OFF = ("2026-12-10", "W011", "")  # G02 inspector, given a day off


@pytest.fixture(scope="module")
def pins_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pins") / "PINS.csv"
    path.write_text(
        "date,worker_id,shift_id\n" + "".join(",".join(p) + "\n" for p in (PIN_K, PIN_OFF)),
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def pinned(pins_file: Path) -> Run:
    """Pinned run, without --quiet: stderr is not a TTY here, so still no progress line."""
    return roster(pins_file.parent / "out", "--pin", str(pins_file), quiet=False)


# ----------------------------------------------------------------- 1. golden Baotun


def test_golden_exits_0_and_writes_every_output(golden, workers):
    assert golden.code == 0, golden.err
    out = golden.path
    for name in ("rota.csv", "rota_grid.csv", "rota.json", "rota.html"):
        assert (out / name).is_file(), name
    assert len(workers) == 62
    assert sorted(p.name for p in (out / "ics").iterdir()) == sorted(f"{w}.ics" for w in workers)


def test_golden_leaves_no_staging_folders(golden):
    assert [p.name for p in golden.path.parent.iterdir()] == ["out"]


def test_golden_is_proven_optimal_with_the_known_objective(golden_json, golden_rows):
    doc = golden_json
    assert doc["status"] == "optimal"
    assert doc["gap"] == 0
    assert doc["objective"] == doc["best_bound"] == GOLDEN_OBJECTIVE
    assert doc["week"] == WEEK1 and doc["weeks"] == 1
    assert doc["seed"] == 1 and doc["workers"] == 1
    assert doc["unfilled"] == []
    assert doc["assignments"] == len(golden_rows)
    penalties = doc["penalties"]
    assert isinstance(penalties, dict)
    assert sum(penalties.values()) == doc["objective"]


def test_golden_check_is_valid_with_the_same_objective(golden_check, golden_json, golden):
    assert golden_check.code == 0, golden_check.out
    assert violation_lines(golden_check.out) == []  # in particular every cover rule is met
    last = golden_check.out.splitlines()[-1]
    assert last.startswith(f"{golden.path / 'rota.csv'}: valid; objective ")
    objective = int(re.search(r"objective (-?\d+)", last).group(1))
    assert objective == golden_json["objective"] == GOLDEN_OBJECTIVE
    assert golden_check.err == ""


def test_rota_csv_layout(golden, golden_rows):
    text = (golden.path / "rota.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == ROTA_HEADER
    keys = [(r["date"], r["worker_id"]) for r in golden_rows]
    assert keys == sorted(keys), "sorted by date, then worker id"
    assert len(set(keys)) == len(keys), "one shift per worker and day"
    assert {r["date"] for r in golden_rows} == {d.isoformat() for d in DAYS1}
    for r in golden_rows:
        assert local(r["start"]).date().isoformat() == r["date"]
        assert local(r["start"]) < local(r["end"])


def test_rota_grid_has_a_row_per_worker_and_a_column_per_date(golden, golden_rows, workers):
    with (golden.path / "rota_grid.csv").open(encoding="utf-8", newline="") as f:
        table = list(csv.reader(f))
    header, body = table[0], table[1:]
    assert header == ["worker_id", "worker_name", "grid", *[d.isoformat() for d in DAYS1]]
    assert len(body) == 62
    assert sorted(r[0] for r in body) == sorted(workers)
    cells = {(r["worker_id"], r["date"]): r["shift_id"] for r in golden_rows}
    for line in body:
        for day, value in zip(header[3:], line[3:], strict=True):
            assert value == cells.get((line[0], day), ""), (line[0], day)


# -------------------------------------------------------------------- 2. determinism


def test_subprocess_run_exits_0_with_one_summary_line(second_process):
    assert second_process.code == 0, second_process.err
    lines = second_process.out.splitlines()
    assert len(lines) == 1 and SUMMARY.match(lines[0]), second_process.out
    assert second_process.err == "", "--quiet must print no progress even on a terminal"


def test_same_seed_gives_byte_identical_outputs(golden, second_process):
    assert golden.code == 0 and second_process.code == 0
    first, second = all_files(golden.path), all_files(second_process.path)
    assert sorted(first) == sorted(second)
    assert len(first) == 4 + 62
    different = [name for name in first if first[name] != second[name]]
    assert different == []


# ------------------------------------------------------------------------------ 3. ICS


def test_ics_files_are_valid_and_match_the_rota(golden, golden_rows, workers):
    by_worker: dict[str, list[dict[str, str]]] = {w: [] for w in workers}
    for r in golden_rows:
        by_worker[r["worker_id"]].append(r)
    uids: list[str] = []
    for worker_id in workers:
        cal = icalendar.Calendar.from_ical((golden.path / "ics" / f"{worker_id}.ics").read_bytes())
        assert str(cal["VERSION"]) == "2.0"
        assert str(cal.get("PRODID", "")).strip()
        events = cal.walk("VEVENT")
        assert len(events) == len(by_worker[worker_id]), worker_id
        got = []
        for ev in events:
            for prop in ("DTSTART", "DTEND"):
                assert ev[prop].to_ical().endswith(b"Z"), f"{worker_id} {prop} not in UTC"
                assert ev.decoded(prop).utcoffset() == dt.timedelta(0)
            got.append((ev.decoded("DTSTART"), ev.decoded("DTEND")))
            uids.append(str(ev["UID"]))
        want = [
            ((local(r["start"]) - TZ_OFFSET).replace(tzinfo=dt.UTC),
             (local(r["end"]) - TZ_OFFSET).replace(tzinfo=dt.UTC))
            for r in by_worker[worker_id]
        ]  # fmt: skip
        assert sorted(got) == sorted(want), worker_id
    assert len(uids) == len(golden_rows)
    assert [u for u, n in Counter(uids).items() if n > 1] == []


# ----------------------------------------------------------------------------- 4. HTML


def test_html_has_grid_names_and_shift_labels_and_no_external_resources(golden):
    page = (golden.path / "rota.html").read_text(encoding="utf-8")
    scenario = load_scenario(BAOTUN)
    assert "第一网格" in page
    for grid in scenario.grids:
        assert grid.name in page, grid.name
    for shift in scenario.shifts:
        if shift.kind.value != "meeting":
            assert shift.zh in page, shift.zh
    lowered = page.lower()
    for bad in ('src="http', "src='http", 'href="http', "href='http", "url(http", "@import"):
        assert bad not in lowered, bad
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", lowered)


def test_html_renders_in_chromium_if_available(golden, tmp_path):
    browser = next((b for b in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if
                    Path(b).exists()), None)  # fmt: skip
    if browser is None:
        pytest.skip("no /usr/bin/chromium")
    proc = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path}",
         "--dump-dom", (golden.path / "rota.html").as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "第一网格" in proc.stdout


# ----------------------------------------------------------------------- 5. infeasible


def test_infeasible_exits_3_naming_the_conflict_and_writes_nothing(infeasible):
    assert infeasible.code == 3, infeasible.err
    assert "cover: lead-B01 on 2026-12-08" in infeasible.err
    assert "leave: W001 on 2026-12-08" in infeasible.err
    assert "Traceback" not in infeasible.err
    assert infeasible.out == ""
    assert not infeasible.path.exists()
    assert not [p for p in infeasible.path.parent.iterdir() if p.name.startswith(".")]


def test_allow_unfilled_reports_the_open_need(unfilled):
    assert unfilled.code == 0, unfilled.err
    doc = json.loads((unfilled.path / "rota.json").read_text(encoding="utf-8"))
    hits = [u for u in doc["unfilled"] if u["rule"] == "lead-B01" and u["date"] == "2026-12-08"]
    assert len(hits) == 1 and hits[0]["missing"] == 1, doc["unfilled"]
    # --quiet: the summary alone, which counts the open needs (rota.json lists them)
    assert unfilled.out.count("\n") == 1, unfilled.out
    count = len(doc["unfilled"])
    assert f"{count} unfilled cover need{'s' if count > 1 else ''}" in unfilled.out
    assert SUMMARY.match(unfilled.out.splitlines()[0])


def test_check_flags_the_unfilled_rota(unfilled, infeasible_scenario, capsys):
    assert unfilled.code == 0, unfilled.err
    rota = str(unfilled.path / "rota.csv")
    run = run_main(["check", "--scenario", str(infeasible_scenario), "--rota", rota], capsys)
    assert run.code == 1
    found = violation_lines(run.out)
    assert any(line.startswith("violation [cover] cover lead-B01 on 2026-12-08") for line in found)
    # only cover was made soft: every other hard rule still holds
    assert all(line.startswith("violation [cover] ") for line in found), found
    assert "INVALID" in run.out.splitlines()[-1]


# ---------------------------------------------------------------- 6. week boundary


def test_second_week_with_history_is_valid(week2, golden, capsys):
    assert week2.code == 0, week2.err
    doc = json.loads((week2.path / "rota.json").read_text(encoding="utf-8"))
    assert doc["week"] == WEEK2 and doc["status"] in ("optimal", "feasible")
    dates = {r["date"] for r in rows(week2.path / "rota.csv")}
    assert min(dates) == WEEK2 and max(dates) == "2026-12-20"
    history = str(golden.path / "rota.csv")
    argv = ["check", "--scenario", str(BAOTUN), "--rota", str(week2.path / "rota.csv"),
            "--history", history]  # fmt: skip
    run = run_main(argv, capsys)
    assert run.code == 0, run.out
    assert ": valid; objective " in run.out


def test_a_previous_rota_longer_than_the_week_is_read_for_the_week(
    week2, golden, golden_json, tmp_path, capsys
):
    """An earlier two-week rota as --previous: its second week is ignored, its first kept
    as it was (the golden rota is optimal, so no change is worth its stability cost)."""
    assert week2.code == 0, week2.err
    both = rows(golden.path / "rota.csv") + rows(week2.path / "rota.csv")
    previous = tmp_path / "previous.csv"
    previous.write_text(
        ROTA_HEADER + "\n" + "".join(",".join(r[k] for k in ROTA_HEADER.split(",")) + "\n"
                                     for r in both),
        encoding="utf-8",
    )  # fmt: skip
    run = roster(tmp_path / "out", "--previous", str(previous))
    assert run.code == 0, run.err
    doc = json.loads((tmp_path / "out" / "rota.json").read_text(encoding="utf-8"))
    assert doc["penalties"]["stability"] == 0
    assert doc["objective"] == golden_json["objective"]
    assert rows(tmp_path / "out" / "rota.csv") == rows(golden.path / "rota.csv")
    argv = ["check", "--scenario", str(BAOTUN), "--rota", str(tmp_path / "out" / "rota.csv"),
            "--previous", str(previous)]  # fmt: skip
    checked = run_main(argv, capsys)
    assert checked.code == 0, checked.out
    assert "stability 0" in checked.out


def test_the_lookahead_leaves_next_week_a_rota(tmp_path):
    # the dispatchers of bases B01 and B02 lead every workday's meeting, alone; asked to work
    # the weekend of 2027-01-02, a week planned alone grants it and next week has no rota
    scenario = tmp_path / "baotun"
    shutil.copytree(BAOTUN, scenario)
    with (scenario / "requests.csv").open("a", encoding="utf-8") as f:
        for wid in ("W001", "W013"):
            f.write(f"{wid},2027-01-02,shift_on,D,3\n{wid},2027-01-03,shift_on,D,3\n")
    short = ["--time-limit", "20", "--workers", "1", "--seed", "1", "--quiet"]
    outcomes = {}
    for lookahead in ("0", "1"):
        first = tmp_path / f"first{lookahead}"
        argv = ["roster", "--scenario", str(scenario), "--week", "2026-12-28", *short,
                "--lookahead", lookahead, "--out", str(first)]  # fmt: skip
        assert call(argv).code == 0
        doc = json.loads((first / "rota.json").read_text(encoding="utf-8"))
        assert doc["lookahead_weeks"] == int(lookahead)
        assert doc["lookahead_met"] is (None if lookahead == "0" else True)
        assert doc["lookahead_outcome"] == (None if lookahead == "0" else "replanned")
        argv = ["roster", "--scenario", str(scenario), "--week", "2027-01-04", *short[2:],
                "--time-limit", "6", "--lookahead", "0", "--history", str(first / "rota.csv"),
                "--out", str(tmp_path / f"next{lookahead}")]  # fmt: skip
        outcomes[lookahead] = call(argv)
    assert outcomes["0"].code == 3, outcomes["0"]
    assert "max_consecutive_days" in outcomes["0"].err
    assert outcomes["1"].code == 0, outcomes["1"].out
    # `check --lookahead` asks the same of a rota on disk, and says why it strands
    for lookahead, code, said in (("0", 1, "cannot be staffed"), ("1", 0, "can be staffed")):
        argv = ["check", "--scenario", str(scenario), "--rota",
                str(tmp_path / f"first{lookahead}" / "rota.csv"), "--lookahead", "1",
                "--time-limit", "10"]  # fmt: skip
        run = call(argv)
        assert run.code == code and f"the week after {said} from it" in run.out, run.out
        assert ("  - max_consecutive_days: " in run.out) == (code == 1), run.out


# ----------------------------------------------------------------------------- 7. pins


def test_pins_are_respected_and_checked(pinned, pins_file, capsys):
    assert pinned.code == 0, pinned.err
    cells = {(r["date"], r["worker_id"]): r["shift_id"] for r in rows(pinned.path / "rota.csv")}
    assert cells.get(PIN_K[:2]) == "K"
    assert PIN_OFF[:2] not in cells
    argv = ["check", "--scenario", str(BAOTUN), "--rota", str(pinned.path / "rota.csv"),
            "--pin", str(pins_file)]  # fmt: skip
    run = run_main(argv, capsys)
    assert run.code == 0, run.out
    assert violation_lines(run.out) == []


def test_check_with_pins_flags_a_rota_that_ignores_them(golden, golden_rows, pins_file, capsys):
    cells = {(r["date"], r["worker_id"]): r["shift_id"] for r in golden_rows}
    broken = (cells.get(PIN_K[:2]) != "K") + (PIN_OFF[:2] in cells)
    argv = ["check", "--scenario", str(BAOTUN), "--rota", str(golden.path / "rota.csv"),
            "--pin", str(pins_file)]  # fmt: skip
    run = run_main(argv, capsys)
    assert run.code == (1 if broken else 0)
    assert len([v for v in violation_lines(run.out) if v.startswith("violation [pins]")]) == broken


# ------------------------------------------------------------------------ 8. bad input


def test_week_that_is_not_a_monday_exits_2(tmp_path, capsys):
    out = tmp_path / "out"
    run = run_main(["roster", "--scenario", str(BAOTUN), "--week", "2026-12-08", "--out",
                    str(out)], capsys)  # fmt: skip
    assert run.code == 2
    assert "2026-12-08" in run.err and "Monday" in run.err
    assert "Traceback" not in run.err
    assert not out.exists()


BAD_HISTORY = (
    f"{ROTA_HEADER}\n"
    "2026-12-01,W001,周文,G01,D,2026-12-01T08:00,2026-12-01T17:30\n"
    "2026-13-02,W002,朱英玲,G01,D,2026-13-02T08:00,2026-13-02T17:30\n"
)


def test_history_with_a_bad_date_exits_2_naming_file_row_and_column(tmp_path, capsys):
    history = tmp_path / "history.csv"
    history.write_text(BAD_HISTORY, encoding="utf-8")
    out = tmp_path / "out"
    run = run_main(["roster", "--scenario", str(BAOTUN), "--week", WEEK2, "--history",
                    str(history), "--out", str(out)], capsys)  # fmt: skip
    assert run.code == 2
    assert "history.csv, row 3, column 'date'" in run.err
    assert "2026-13-02" in run.err
    assert "Traceback" not in run.err
    assert run.out == ""
    assert not out.exists()


def test_check_with_a_bad_history_date_exits_2(golden, tmp_path, capsys):
    history = tmp_path / "history.csv"
    history.write_text(BAD_HISTORY, encoding="utf-8")
    run = run_main(["check", "--scenario", str(BAOTUN), "--rota", str(golden.path / "rota.csv"),
                    "--history", str(history)], capsys)  # fmt: skip
    assert run.code == 2
    assert "history.csv, row 3, column 'date'" in run.err
    assert "Traceback" not in run.err


def test_unknown_worker_in_pins_exits_2(tmp_path, capsys):
    pins = tmp_path / "PINS.csv"
    pins.write_text("date,worker_id,shift_id\n2026-12-09,W999,K\n", encoding="utf-8")
    out = tmp_path / "out"
    run = run_main(["roster", "--scenario", str(BAOTUN), "--week", WEEK1, "--pin", str(pins),
                    "--out", str(out)], capsys)  # fmt: skip
    assert run.code == 2
    assert "PINS.csv, row 2, column 'worker_id'" in run.err
    assert "W999" in run.err
    assert "Traceback" not in run.err
    assert not out.exists()


def test_check_unknown_worker_in_pins_exits_2(golden, tmp_path, capsys):
    pins = tmp_path / "PINS.csv"
    pins.write_text("date,worker_id,shift_id\n2026-12-09,W999,K\n", encoding="utf-8")
    run = run_main(["check", "--scenario", str(BAOTUN), "--rota", str(golden.path / "rota.csv"),
                    "--pin", str(pins)], capsys)  # fmt: skip
    assert run.code == 2
    assert "PINS.csv, row 2, column 'worker_id'" in run.err


# --------------------------------------------------------------------- 9. tampering


def write_rota(path: Path, table: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.DictWriter(f, fieldnames=ROTA_HEADER.split(","), lineterminator="\n")
        out.writeheader()
        out.writerows(table)


def test_check_names_the_cover_rule_when_a_night_team_is_deleted(golden_rows, tmp_path, capsys):
    day = "2026-12-09"
    b01 = {"G01", "G02"}
    kept = [r for r in golden_rows
            if not (r["date"] == day and r["shift_id"] == "N" and r["grid"] in b01)]  # fmt: skip
    assert len(golden_rows) - len(kept) == 2, "Baotun has a night pair per base grid"
    rota = tmp_path / "rota.csv"
    write_rota(rota, kept)
    run = run_main(["check", "--scenario", str(BAOTUN), "--rota", str(rota)], capsys)
    assert run.code == 1
    found = violation_lines(run.out)
    assert any(v.startswith(f"violation [cover] cover night-B01 on {day}") for v in found), found
    assert "INVALID" in run.out.splitlines()[-1]


def test_check_names_min_rest_when_a_day_shift_becomes_a_night(golden_rows, tmp_path, capsys):
    day_shifts = {"D", "K", "R"}
    cells = {(r["worker_id"], r["date"]): r["shift_id"] for r in golden_rows}

    # a worker on a day shift on d and d+1; d becomes night patrol (ends 02:00, 6 h before 08:00)
    def next_day(r: dict[str, str]) -> str:
        return (dt.date.fromisoformat(r["date"]) + dt.timedelta(days=1)).isoformat()

    target = next(
        r
        for r in golden_rows
        if r["shift_id"] in day_shifts and cells.get((r["worker_id"], next_day(r))) in day_shifts
    )
    day = dt.date.fromisoformat(target["date"])
    tampered = [dict(r) for r in golden_rows]
    for r in tampered:
        if r["date"] == target["date"] and r["worker_id"] == target["worker_id"]:
            r["shift_id"] = "N"
            r["start"] = f"{day}T20:00"
            r["end"] = f"{day + dt.timedelta(days=1)}T02:00"
    rota = tmp_path / "rota.csv"
    write_rota(rota, tampered)
    run = run_main(["check", "--scenario", str(BAOTUN), "--rota", str(rota)], capsys)
    assert run.code == 1
    rest = [v for v in violation_lines(run.out) if v.startswith("violation [min_rest]")]
    assert any(target["worker_id"] in v for v in rest), run.out


# -------------------------------------------------------------------------- 10. quiet


def test_quiet_prints_only_the_summary_line(golden):
    lines = golden.out.splitlines()
    assert len(lines) == 1, golden.out
    assert SUMMARY.match(lines[0]), lines[0]
    assert lines[0].startswith("optimal: ")
    assert f"objective {GOLDEN_OBJECTIVE}, bound {GOLDEN_OBJECTIVE}, gap 0.00%" in lines[0]
    assert lines[0].endswith(f"-> {golden.path}")
    assert golden.err == ""


def test_no_progress_line_when_stderr_is_not_a_terminal(pinned):
    assert pinned.code == 0, pinned.err
    assert pinned.err == ""
    lines = pinned.out.splitlines()
    assert len(lines) == 1 and SUMMARY.match(lines[0]), pinned.out


# ----------------------------------------------------------------- output folder mode


def test_output_folder_follows_the_umask(golden):
    mask = os.umask(0)
    os.umask(mask)
    if mask & 0o077 == 0o077:
        pytest.skip("umask already hides the folder from others")
    assert stat.S_IMODE(golden.path.stat().st_mode) == 0o777 & ~mask


def test_check_scores_an_unfilled_rota_as_roster_did(unfilled, infeasible_scenario, capsys):
    rota = str(unfilled.path / "rota.csv")
    args = ["check", "--scenario", str(infeasible_scenario), "--rota", rota, "--allow-unfilled"]
    run = run_main(args, capsys)
    doc = json.loads((unfilled.path / "rota.json").read_text(encoding="utf-8"))
    assert run.code == 0, run.out
    assert f"objective {doc['objective']} " in run.out


def test_out_refuses_a_folder_holding_other_files(tmp_path, capsys):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me", encoding="utf-8")
    args = ["roster", "--scenario", str(BAOTUN), "--quiet", "--time-limit", "20", "--out"]
    run = run_main([*args, str(precious)], capsys)
    assert run.code == 2 and "holds other files" in run.err
    assert (precious / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_duplicate_history_rows_are_bad_input(tmp_path, capsys):
    history = tmp_path / "history.csv"
    history.write_text(
        "date,worker_id,shift_id\n2026-12-06,W004,D\n2026-12-06,W004,N\n", encoding="utf-8"
    )
    args = ["roster", "--scenario", str(BAOTUN), "--history", str(history), "--out"]
    run = run_main([*args, str(tmp_path / "out")], capsys)
    assert run.code == 2
    assert "history.csv, row 3, column 'date'" in run.err
