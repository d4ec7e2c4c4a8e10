"""The Solomon benchmark script: parser, DIMACS data, independent evaluator, .sol writer.

The C101 solve needs the shared instances (``$PLANNER_SHARED`` or ``../shared`` beside the
repository, as for the Curtois tests); without them it skips.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import ModuleType

import pytest

from tests.benchmark_scripts import load_benchmark

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PLANNER_SHARED") or REPO.parent / "shared")
INSTANCES = SHARED / "benchmarks" / "solomon"

# Depot at (40, 50); customer 1 three right, four up (distance 5), customer 2 one right and
# one up (distance sqrt 2: 14 in DIMACS tenths), customer 3 twenty left. Demands 10 + 20 + 15
# need two vehicles; the best is {2, 1} + {3}: 10.0 + 40.0 = 50.0 ({1, 3} + {2} is 51.1).
SMALL = """TINY1

VEHICLE
NUMBER     CAPACITY
   2         30

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0      40         50          0          0        300          0
    1      43         54         10         10         45         10
    2      41         51         20          0        200         10
    3      20         50         15          0        100          5
"""


def load_script() -> ModuleType:
    """``benchmarks/solomon.py``, loaded from its path."""
    return load_benchmark("solomon")


solomon = load_script()


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "TINY1.txt"
    path.write_bytes(SMALL.replace("\n", "\r\n").encode())
    return path


def test_parser_reads_a_crlf_file(small: Path):
    instance = solomon.read_instance(small)
    assert (instance.name, instance.vehicles, instance.capacity) == ("TINY1", 2, 30)
    assert [c.number for c in instance.customers] == [0, 1, 2, 3]
    assert instance.customers[1] == solomon.Customer(1, 43, 54, 10, 10, 45, 10)
    assert instance.depot.due == 300


def test_parser_rejects_a_file_without_customers(tmp_path: Path):
    path = tmp_path / "BAD.txt"
    path.write_text(SMALL.split("CUSTOMER")[0])
    with pytest.raises(ValueError, match="customer rows"):
        solomon.read_instance(path)


def test_dimacs_data(small: Path):
    instance = solomon.read_instance(small)
    problem = solomon.to_problem(instance)
    assert problem.distance[0, 1] == 50 and problem.distance[0, 2] == 14
    assert (problem.duration == problem.distance).all()
    assert problem.visits[0].windows == ((100, 450),) and problem.visits[0].service == 100
    assert len(problem.vehicles) == 2
    assert {(v.shift_start, v.shift_end, v.capacity) for v in problem.vehicles} == {(0, 3000, 30)}


def test_evaluator_recomputes_and_checks(small: Path):
    instance = solomon.read_instance(small)
    # 0→2→1→0: 14 + isqrt(100*(4+9))=36 + 50 = 100 (tenths); 0→3→0: 200 + 200.
    assert solomon.evaluate(instance, [[2, 1], [3]]) == 500
    with pytest.raises(ValueError, match="exactly once"):
        solomon.evaluate(instance, [[2, 1]])
    with pytest.raises(ValueError, match="over capacity"):
        solomon.evaluate(instance, [[2, 1, 3]])
    with pytest.raises(ValueError, match="customer 1 reached"):
        solomon.evaluate(instance, [[3, 1], [2]])  # 1 reached at 20 + 5 + 23.3 > 45
    with pytest.raises(ValueError, match="vehicles"):
        solomon.evaluate(instance, [[1], [2], [3]])


def test_solution_file_format(tmp_path: Path):
    path = tmp_path / "out" / "X.sol"
    solomon.write_solution(path, [[2, 1], [], [3]], 500)
    assert path.read_text() == "Route #1: 2 1\nRoute #2: 3\nCost 50.0\n"


def test_the_script_end_to_end(small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    (small.parent / "best_known.csv").write_text(
        "instance,vehicles,distance,objective_kind,source\n"
        "TINY1,2,50.0,distance_only_trunc1,by hand\n"
        "TINY1,1,1.0,hierarchical_double,another convention: never used\n"
    )
    out = tmp_path / "out"
    args = ["--instances", str(small.parent), "--time-limit", "0.5", "--out", str(out)]
    assert solomon.main([*args, "--workers", "1"]) == 0
    report = json.loads((out / "solomon.json").read_text())
    (row,) = report["rows"]
    assert row["best_known"] == 50.0
    for column in ("pyvrp", "ortools", "pyvrp-ref"):
        assert row[column]["distance"] == 50.0 and row[column]["gap"] == 0.0
    assert (out / "TINY1.sol").read_text().endswith("Cost 50.0\n")
    assert (out / "pyvrp-ref" / "TINY1.sol").is_file()
    assert "mean gap 0.00%" in capsys.readouterr().out


@pytest.mark.skipif(not (INSTANCES / "C101.txt").is_file(), reason=f"no Solomon in {INSTANCES}")
def test_c101_reaches_its_best_known_distance():
    instance = solomon.read_instance(INSTANCES / "C101.txt")
    best = solomon.read_best_known(INSTANCES / "best_known.csv")["C101"]
    routes = solomon.solve_planner(instance, "pyvrp", time_limit=2, seed=0, workers=1)
    assert solomon.evaluate(instance, routes) / 10 == best == 827.3
