"""Ctrl-C in the middle of a solve ends the command at once: exit 130, nothing written.

CP-SAT (and SCIP) used to take SIGINT as "stop searching" and carry on, writing a rota and
exiting 0 (Baotun four weeks interrupted at 3 s ran to its 20 s limit); the routes' grid
processes were waited for. Each test sends SIGINT to this process while ``main`` solves,
with a time limit far beyond when the interrupt comes, and asserts the command ended
soon after it without leaving its output folder.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from planner.cli import main

REPO = Path(__file__).resolve().parents[1]
BAOTUN = REPO / "scenarios" / "baotun"


def interrupted(argv: list[str], after: float) -> tuple[int, float]:
    """main(argv)'s exit code with SIGINT sent ``after`` seconds in, and the seconds it
    took from the signal to the return."""
    sent: list[float] = []

    def send() -> None:
        sent.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(after, send)
    timer.start()
    try:
        code = main(argv)
    finally:
        timer.cancel()
    assert sent, "the command ended before the interrupt: give it more work"
    return code, time.monotonic() - sent[0]


def test_ctrl_c_during_the_rota_solve_exits_130_at_once(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out" / "rota"
    argv = ["roster", "--scenario", str(BAOTUN), "--week", "2026-12-07", "--weeks", "4",
            "--seed", "1", "--time-limit", "120", "--quiet", "--out", str(out)]  # fmt: skip
    code, took = interrupted(argv, after=4.0)  # loading takes ~1 s; the solve ~25 s
    assert code == 130
    assert took < 5.0
    assert capsys.readouterr().err == "interrupted\n"
    assert not out.parent.exists()


@pytest.mark.parametrize("backend", ["pyvrp", "ortools"])
def test_ctrl_c_during_the_routes_solve_exits_130_at_once(
    backend: str, tmp_path: Path, capsys
) -> None:
    scenario = tmp_path / "baotun"
    shutil.copytree(BAOTUN, scenario)
    rota = tmp_path / "rota"
    argv = ["roster", "--scenario", str(scenario), "--week", "2026-12-07", "--seed", "1",
            "--time-limit", "30", "--quiet", "--out", str(rota)]  # fmt: skip
    assert main(argv) == 0
    out = tmp_path / "routes"
    argv = ["routes", "--scenario", str(scenario), "--date", "2026-12-07", "--rota",
            str(rota / "rota.csv"), "--backend", backend, "--workers", "2", "--seed", "1",
            "--time-limit", "120", "--out", str(out)]  # fmt: skip
    code, took = interrupted(argv, after=9.0)  # streets and matrices take ~5 s
    assert code == 130
    assert took < 5.0
    assert capsys.readouterr().err.endswith("interrupted\n")
    assert not out.exists()


def test_ctrl_c_still_reaches_python_after_a_raw_cp_sat_solve() -> None:
    """A CpSolver left with its own SIGINT handling resets SIGINT to the system default
    when its solve ends (a library user's, or a test's): watch() installs Python's handler
    again, so Ctrl-C is a KeyboardInterrupt, not a killed process. Run apart, since the
    failure kills the process that meets it."""
    script = (
        "import os, signal, threading, time\n"
        "from ortools.sat.python import cp_model\n"
        "m = cp_model.CpModel(); x = m.new_int_var(0, 10, 'x'); m.maximize(x)\n"
        "cp_model.CpSolver().solve(m)\n"
        "from planner import interrupt\n"
        "try:\n"
        "    with interrupt.watch():\n"
        "        threading.Timer(0.2, lambda: os.kill(os.getpid(), signal.SIGINT)).start()\n"
        "        time.sleep(10)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert (done.returncode, done.stdout) == (0, "interrupted\n"), done.stderr
