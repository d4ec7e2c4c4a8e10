"""The roster engine on the Curtois & Qu instances: the proven optima of Instance1 and 2.

Skips without the shared benchmark folder (``$PLANNER_SHARED`` or ``../shared``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.checker import Assignment, check_rota
from planner.roster.problem import RosterProblem
from planner.roster.solve import solve_roster
from tests.test_curtois_checker import INSTANCES, load_translator


@pytest.mark.skipif(not INSTANCES.is_dir(), reason=f"no Curtois instances in {INSTANCES}")
@pytest.mark.parametrize(("name", "optimum"), [("Instance1", 607)])
def test_engine_proves_the_published_optimum(name: str, optimum: int, tmp_path: Path):
    curtois = load_translator()
    scenario = curtois.translate(INSTANCES / f"{name}.txt")
    problem = RosterProblem(scenario, curtois.START, weeks=2)
    result = solve_roster(problem, time_limit=30, seed=0, workers=1)
    assert (result.status, result.objective, result.bound) == ("optimal", optimum, optimum)
    rota = [Assignment(c.date, c.worker_id, c.shift_id or "") for c in result.assignments]
    report = check_rota(scenario, rota, week=curtois.START, weeks=2)
    assert report.ok and report.objective == optimum
    curtois.write_solution(result, tmp_path / f"{name}.csv")
    lines = (tmp_path / f"{name}.csv").read_text().splitlines()
    assert len(lines) == 8 and all(len(line.split(",")) == 15 for line in lines)


@pytest.mark.skipif(not INSTANCES.is_dir(), reason=f"no Curtois instances in {INSTANCES}")
def test_columns_prove_instance4_optimal():
    """CP-SAT alone ends Instance4 at 1719-1721 with a bound near 1550 in 60 s; the columns'
    Lagrangian bound is 1716, and their dive reaches it, which proves it optimal."""
    curtois = load_translator()
    scenario = curtois.translate(INSTANCES / "Instance4.txt")
    problem = RosterProblem(scenario, curtois.START, weeks=4)
    result = solve_roster(problem, time_limit=60, seed=0, workers=2, strategy="auto")
    assert (result.status, result.objective, result.bound) == ("optimal", 1716, 1716)
    rota = [Assignment(c.date, c.worker_id, c.shift_id or "") for c in result.assignments]
    report = check_rota(scenario, rota, week=curtois.START, weeks=4)
    assert report.ok and report.objective == 1716
