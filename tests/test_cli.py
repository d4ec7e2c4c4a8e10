"""The ``planner`` command: exit codes, messages on stderr, generate + check."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from planner import __version__
from planner.cli import main

REPO = Path(__file__).resolve().parents[1]
SCENARIO_FILES = ("scenario.toml", "workers.csv", "leave.csv", "requests.csv", "sites.csv")


def run(argv: list[str]) -> int:
    """main()'s exit code, whether it returns it or argparse raises SystemExit."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


# ------------------------------------------------------------------------------ check


def test_check_baotun(baotun_dir, capsys):
    assert main(["scenario", "check", str(baotun_dir)]) == 0
    out, err = capsys.readouterr()
    assert "62 workers in 8 grids" in out
    assert "(5 base grids), 2300 sites" in out
    assert "Sites falling due, week of 2026-12-07" in out
    assert out.splitlines()[-1] == f"OK: {baotun_dir} is valid"
    assert err == ""


def test_check_with_week(baotun_dir, capsys):
    assert main(["scenario", "check", str(baotun_dir), "--week", "2026-12-14"]) == 0
    out = capsys.readouterr().out
    assert "Sites falling due, week of 2026-12-14" in out
    assert "Workers holding each skill on 2026-12-14" in out


def test_check_week_must_be_a_monday(baotun_dir, capsys):
    assert main(["scenario", "check", str(baotun_dir), "--week", "2026-12-08"]) == 2
    out, err = capsys.readouterr()
    assert err == "error: --week: 2026-12-08 is not a Monday\n"
    assert out == ""


def test_check_bad_week_text_is_a_usage_error(baotun_dir, capsys):
    assert run(["scenario", "check", str(baotun_dir), "--week", "next"]) == 2
    assert "expected a date YYYY-MM-DD, got 'next'" in capsys.readouterr().err


def test_check_broken_row_exits_2_naming_file_row_and_column(baotun_copy, baotun, capsys):
    # a worker no leave or request names, so the one broken cell is the one problem
    referenced = {x.worker_id for x in baotun.leave} | {r.worker_id for r in baotun.requests}
    row = next(n for n, w in enumerate(baotun.workers, 2) if w.id not in referenced)
    baotun_copy.set_cell("workers.csv", row, "grid", "G99")
    assert main(["scenario", "check", str(baotun_copy.root)]) == 2
    out, err = capsys.readouterr()
    known = ", ".join(g.id for g in baotun.grids)
    assert err == (
        f"error: workers.csv, row {row}, column 'grid': unknown grid 'G99'; known: {known}\n"
    )
    assert "Traceback" not in err
    assert out == ""


def test_check_prints_every_problem(baotun_copy, capsys):
    baotun_copy.set_cell("sites.csv", 7, "lat", "95")
    baotun_copy.set_cell("sites.csv", 9, "risk", "extreme")
    assert main(["scenario", "check", str(baotun_copy.root)]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("error: sites.csv, row 7, column 'lat': ")
    assert lines[1].startswith("error: sites.csv, row 9, column 'risk': ")


def test_check_missing_folder(tmp_path, capsys):
    assert main(["scenario", "check", str(tmp_path / "nowhere")]) == 2
    assert capsys.readouterr().err == f"error: {tmp_path / 'nowhere'}: no such scenario folder\n"


# --------------------------------------------------------------------------- generate


def test_generate_writes_a_folder_check_accepts(tmp_path, capsys):
    out_dir = tmp_path / "synthetic"
    argv = ["--workers", "40", "--grids", "4", "--sites", "120", "--seed", "3"]
    assert main(["scenario", "generate", *argv, "--out", str(out_dir)]) == 0
    assert capsys.readouterr().out == f"wrote {out_dir}: 40 workers, 4 grids, 120 sites (seed 3)\n"
    written = sorted(p.name for p in out_dir.iterdir())
    assert written == sorted([*SCENARIO_FILES, "streets.osm.bz2", "patrol.csv"])
    assert main(["scenario", "check", str(out_dir)]) == 0
    out, err = capsys.readouterr()
    assert "Synthetic-40w-4g-s3: 40 workers in 4 grids" in out
    assert err == ""


def test_generate_defaults_reproduce_the_committed_baotun(baotun_dir, tmp_path, capsys):
    assert main(["scenario", "generate", "--out", str(tmp_path)]) == 0
    assert "62 workers, 8 grids, 2300 sites (seed 20220601)" in capsys.readouterr().out
    for name in SCENARIO_FILES:
        assert (tmp_path / name).read_bytes() == (baotun_dir / name).read_bytes(), name


def test_generate_into_non_empty_folder_needs_force(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    argv = ["scenario", "generate", "--workers", "30", "--grids", "3", "--sites", "20"]
    assert main([*argv, "--out", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert err == f"error: {tmp_path}: folder is not empty; use --force to overwrite\n"
    assert out == ""
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]

    assert main([*argv, "--out", str(tmp_path), "--force"]) == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted([*SCENARIO_FILES, "streets.osm.bz2", "patrol.csv", "notes.txt"])


def test_generate_into_existing_empty_folder(tmp_path):
    assert main(["scenario", "generate", "--workers", "30", "--grids", "3", "--sites", "20",
                 "--out", str(tmp_path)]) == 0  # fmt: skip
    assert (tmp_path / "workers.csv").is_file()


def test_generate_too_few_workers_exits_2(tmp_path, capsys):
    assert main(["scenario", "generate", "--workers", "20", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: generate, column '--workers': 20 workers cannot staff 8 grids")
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("value", ["0", "-3", "many"])
def test_generate_workers_must_be_a_positive_number(value, tmp_path, capsys):
    assert run(["scenario", "generate", "--workers", value, "--out", str(tmp_path / "x")]) == 2
    assert "argument --workers" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    "extra",
    [
        ["--sites", "-5"],
        ["--seed", "-1"],
        ["--workers", "5", "--grids", "1", "--sites", "10"],
        ["--out-is-a-file"],
    ],
    ids=["negative-sites", "negative-seed", "five-workers", "out-is-a-file"],
)
def test_generate_bad_arguments_exit_2(extra, tmp_path, capsys):
    out = tmp_path / "out"
    if extra == ["--out-is-a-file"]:
        out.write_text("not a folder", encoding="utf-8")
        extra = []
    assert run(["scenario", "generate", *extra, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert out.is_file() or not out.exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--sites", "-5"], "argument --sites: expected a number of 0 or more, got -5"),
        (["--seed", "-1"], "argument --seed: expected a number of 0 or more, got -1"),
        (["--seed", "x"], "argument --seed: expected a whole number, got 'x'"),
        (
            ["--workers", "5", "--grids", "1", "--sites", "10"],
            "error: generate, column '--workers': 5 workers cannot staff 1 grid: ",
        ),
    ],
)
def test_generate_bad_arguments_say_what_is_wrong(extra, message, tmp_path, capsys):
    assert run(["scenario", "generate", *extra, "--out", str(tmp_path / "out")]) == 2
    assert message in capsys.readouterr().err


def test_generate_out_is_a_file(tmp_path, capsys):
    out = tmp_path / "out"
    out.write_text("not a folder", encoding="utf-8")
    assert run(["scenario", "generate", "--out", str(out)]) == 2
    assert capsys.readouterr().err == f"error: {out}: is a file, not a folder\n"
    assert out.read_text(encoding="utf-8") == "not a folder"


def test_generate_out_inside_a_file_exits_2(tmp_path, capsys):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    argv = ["--workers", "30", "--grids", "3", "--sites", "5"]
    assert run(["scenario", "generate", *argv, "--out", str(tmp_path / "file" / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "cannot write: " in err
    assert "Traceback" not in err


def test_generate_zero_sites(tmp_path):
    argv = ["--workers", "30", "--grids", "3", "--sites", "0", "--seed", "0"]
    assert run(["scenario", "generate", *argv, "--out", str(tmp_path / "out")]) == 0
    assert run(["scenario", "check", str(tmp_path / "out")]) == 0


# ------------------------------------------------------------------------- usage, help


@pytest.mark.parametrize("argv", [["--help"], ["scenario", "--help"], ["scenario", "check", "-h"]])
def test_help_exits_0(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("usage: planner")


def test_help_lists_commands_and_exit_codes(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "scenario" in out
    assert "Exit codes: 0 ok, 1 check failed, 2 bad input, 3 infeasible" in out


def test_generate_help_lists_its_options(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["scenario", "generate", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for option in ("--workers", "--grids", "--sites", "--seed", "--out", "--force"):
        assert option in out


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out == f"planner {__version__}\n"


def test_python_m_planner_is_the_same_command():
    """Cron lines may call ``python -m planner``: same output, same exit codes."""
    ok = subprocess.run([sys.executable, "-m", "planner", "--version"], capture_output=True,
                        text=True, cwd=REPO, check=False)  # fmt: skip
    assert (ok.returncode, ok.stdout) == (0, f"planner {__version__}\n")
    bad = subprocess.run([sys.executable, "-m", "planner", "nonsense"], capture_output=True,
                         text=True, cwd=REPO, check=False)  # fmt: skip
    assert bad.returncode == 2 and "usage: planner" in bad.stderr


@pytest.mark.parametrize("argv", [[], ["scenario"], ["scenario", "check"], ["nonsense"]])
def test_usage_errors_exit_2(argv, capsys):
    assert run(argv) == 2
    assert "usage: planner" in capsys.readouterr().err


# ------------------------------------------------------------------------- subprocess


def test_console_script_checks_baotun(baotun_dir):
    script = Path(sys.executable).with_name("planner")
    if not script.is_file():
        pytest.skip(f"console script not installed next to {sys.executable}")
    proc = subprocess.run(
        [str(script), "scenario", "check", str(baotun_dir)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "62 workers in 8 grids" in proc.stdout
    assert proc.stderr == ""


def test_module_reports_bad_input_without_traceback(baotun_copy):
    baotun_copy.set_cell("leave.csv", 3, "worker_id", "W999")
    proc = subprocess.run(
        [sys.executable, "-m", "planner.cli", "scenario", "check", str(baotun_copy.root)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith(
        "error: leave.csv, row 3, column 'worker_id': unknown worker 'W999'"
    )
    assert len(proc.stderr.splitlines()) == 1
    assert "Traceback" not in proc.stderr
