"""Smoke test of ``benchmarks/roster_chain.py``: two Baotun weeks planned one after the other."""

from __future__ import annotations

import datetime as dt

from planner.domain import RuleSetting, Scenario
from planner.roster.problem import Cell
from tests.benchmark_scripts import load_benchmark

bench = load_benchmark("roster_chain")


def test_two_weeks_chain_and_the_ledger_counts_them(baotun: Scenario) -> None:
    rows, history = bench.chain(
        baotun, baotun.info.default_week, 2, lookahead=1, seed=1, workers=1, time_limit=20
    )
    assert [r.week for r in rows] == ["2026-12-07", "2026-12-14"]
    assert all(r.status == "optimal" and r.checker_ok and r.lookahead for r in rows)
    assert {c.date for c in history} == {
        baotun.info.default_week + dt.timedelta(days=i) for i in range(14)
    }
    nights = sum(1 for c in history if c.shift_id == "N")
    held = bench.ledger(baotun, history)
    assert held["nights"]["max"] >= nights / sum(w.night_eligible for w in baotun.workers)


def test_the_ledger_of_a_hand_made_chain(baotun: Scenario) -> None:
    monday = baotun.info.default_week
    w1, w2 = [w.id for w in baotun.workers if w.night_eligible][:2]
    cells = [Cell(monday, w1, "N"), Cell(monday + dt.timedelta(days=1), w1, "N"),
             Cell(monday + dt.timedelta(days=5), w2, "D")]  # fmt: skip
    held = bench.ledger(baotun, cells)
    assert held["nights"]["max"] == 2 and held["nights"]["min"] == 0
    assert held["nights"]["min_of_those_with_any"] == 2
    assert held["restdays"]["max"] == 1  # a Saturday
    assert held["nights"]["widest_base_range_of_those_with_any"] == 0  # one with any per base


def test_the_ledger_s_widest_range_is_within_one_base(baotun: Scenario) -> None:
    monday = baotun.info.default_week
    base = {g.id: g.base for g in baotun.grids}
    eligible = [w for w in baotun.workers if w.night_eligible]
    a, b = [w.id for w in eligible if base[w.grid] == base[eligible[0].grid]][:2]
    other = next(w.id for w in eligible if base[w.grid] != base[eligible[0].grid])
    days = [monday + dt.timedelta(days=k) for k in range(4)]
    cells = [*(Cell(d, a, "N") for d in days[:3]), Cell(days[0], b, "N"), Cell(days[3], other, "N")]
    held = bench.ledger(baotun, cells)
    # a 3 and b 1 share a base: 2; the other base's 1 and a's 3 are not compared
    assert held["nights"]["widest_base_range_of_those_with_any"] == 2


def test_a_week_with_fair_share_on_is_checked_with_it(baotun: Scenario) -> None:
    shared = baotun.with_rule("fair_share", RuleSetting(mode="soft", weight=1))
    (row,), history = bench.chain(
        shared, shared.info.default_week, 1, lookahead=0, seed=1, workers=1, time_limit=20
    )
    assert row.checker_ok and row.status in ("optimal", "feasible")
    assert len(history) > 0
