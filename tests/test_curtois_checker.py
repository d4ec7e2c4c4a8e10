"""The independent checker against a published Curtois & Qu value.

``FORMAT.md`` beside the instances gives a test value for a checker: Instance1 with every
employee off every day scores 7137 (100 x 71 cover shortage + 37 unmet on-requests). The
instance is translated by ``benchmarks/curtois.py`` (the benchmark's own translator) and
the empty rota is checked with all rules as that translation sets them. The shared folder
is ``$PLANNER_SHARED`` or ``../shared`` beside the repository; without it the test skips.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from types import ModuleType

import pytest

from planner.checker import check_rota
from tests.benchmark_scripts import load_benchmark

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PLANNER_SHARED") or REPO.parent / "shared")
INSTANCES = SHARED / "benchmarks" / "curtois"


def load_translator() -> ModuleType:
    """``benchmarks/curtois.py``, loaded from its path."""
    return load_benchmark("curtois")


@pytest.mark.skipif(
    not (INSTANCES / "Instance1.txt").is_file(), reason=f"no Curtois instances in {INSTANCES}"
)
def test_instance1_all_off_scores_the_published_7137() -> None:
    curtois = load_translator()
    scenario = curtois.translate(INSTANCES / "Instance1.txt")
    start: dt.date = curtois.START
    last = max(d for rule in scenario.cover for d in rule.dates)
    weeks = (last - start).days // 7 + 1
    assert weeks == 2  # Instance1 spans 14 days

    report = check_rota(scenario, [], week=start, weeks=weeks)

    assert report.objective == 7137
    assert report.penalties == {"cover": 100 * 71, "requests": 37}
    # Infeasible only by the minimum total minutes (H5), for each of the 8 employees.
    assert {v.rule for v in report.violations} == {"total_minutes"}
    assert len(report.violations) == 8
