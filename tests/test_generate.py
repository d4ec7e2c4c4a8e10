"""The seeded generator: determinism, the Baotun numbers, larger communities."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter

import numpy as np
import pytest

from planner._errors import InputError, InputProblem
from planner.domain import Role, Scenario
from planner.generate import (
    BAOTUN_SEED,
    _make_leave,
    _make_requests,
    generate_scenario,
    write_generated,
)
from planner.scenario_io import load_scenario, write_scenario
from planner.summary import due_per_day

SCENARIO_FILES = ("scenario.toml", "workers.csv", "leave.csv", "requests.csv", "sites.csv")
MERGER = dt.date(2020, 1, 1)


def _files(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _roles_per_base(scenario: Scenario) -> dict[str, Counter[Role]]:
    out: dict[str, Counter[Role]] = {}
    for w in scenario.workers:
        out.setdefault(scenario.grid(w.grid).base, Counter())[w.role] += 1
    return out


# ------------------------------------------------------------------------ determinism


def test_same_seed_writes_byte_identical_folders(baotun_generated, tmp_path):
    write_scenario(baotun_generated, tmp_path / "a")
    write_scenario(generate_scenario(), tmp_path / "b")
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert sorted(a) == sorted(SCENARIO_FILES)
    assert a == b


def test_same_seed_is_deterministic_for_other_sizes(tmp_path):
    args = {"workers": 40, "grids": 4, "sites": 150, "seed": 11}
    write_scenario(generate_scenario(**args), tmp_path / "a")
    write_scenario(generate_scenario(**args), tmp_path / "b")
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


def test_different_seeds_differ(tmp_path):
    write_scenario(generate_scenario(seed=1), tmp_path / "one")
    write_scenario(generate_scenario(seed=2), tmp_path / "two")
    one, two = _files(tmp_path / "one"), _files(tmp_path / "two")
    for name in ("scenario.toml", "workers.csv", "sites.csv"):
        assert one[name] != two[name], name


def test_committed_baotun_is_a_fresh_generate_of_the_defaults(
    baotun_generated, baotun_dir, tmp_path
):
    write_generated(baotun_generated, tmp_path, BAOTUN_SEED)
    fresh = _files(tmp_path)
    assert sorted(fresh) == sorted([*SCENARIO_FILES, "streets.osm.bz2", "patrol.csv"])
    for name, data in fresh.items():
        assert (baotun_dir / name).read_bytes() == data, f"{name} differs from a fresh generate"


# ------------------------------------------------------------------- the Baotun numbers


def test_baotun_sizes(baotun_generated):
    s = baotun_generated
    assert s.info.name == "Baotun"
    assert s.info.name_zh == "东莞市厚街镇宝屯社区"
    assert len(s.workers) == 62
    assert len(s.grids) == 8
    assert len(s.sites) == 2300
    assert len({g.base for g in s.grids}) == 5
    assert len({w.id for w in s.workers}) == 62
    assert len({x.id for x in s.sites}) == 2300


def test_baotun_staff_per_base_grid(baotun_generated):
    per_base = _roles_per_base(baotun_generated)
    assert sorted(per_base) == ["B01", "B02", "B03", "B04", "B05"]
    for base, roles in per_base.items():
        assert 8 <= roles[Role.INSPECTOR] <= 12, (base, roles)
        assert roles[Role.DISPATCHER] == 1, base
        assert roles[Role.HANDLER] == 1, base


def test_the_three_largest_base_grids_are_split(baotun_generated):
    grids_per_base = Counter(g.base for g in baotun_generated.grids)
    assert sorted(grids_per_base.values()) == [1, 1, 2, 2, 2]
    inspectors = {b: r[Role.INSPECTOR] for b, r in _roles_per_base(baotun_generated).items()}
    split = {b for b, n in grids_per_base.items() if n == 2}
    whole = set(grids_per_base) - split
    assert min(inspectors[b] for b in split) >= max(inspectors[b] for b in whole)


def test_every_worker_holds_their_original_role_from_joining(baotun_generated):
    for w in baotun_generated.workers:
        assert w.has_skill(w.original_role, w.joined), w.id
        assert len({g.skill for g in w.skills}) == len(w.skills), f"{w.id} repeats a skill"


def test_veterans_hold_more_skills_than_newcomers(baotun_generated):
    veterans = [len(w.skills) for w in baotun_generated.workers if w.joined < MERGER]
    newcomers = [len(w.skills) for w in baotun_generated.workers if w.joined >= MERGER]
    assert veterans and newcomers
    assert statistics.mean(veterans) > statistics.mean(newcomers)


def test_dispatchers_and_handlers_are_veterans(baotun_generated):
    leads = [w for w in baotun_generated.workers if w.role != Role.INSPECTOR]
    assert len(leads) == 10
    assert all(w.joined < MERGER for w in leads)


def test_baotun_sites_inside_the_community(baotun_generated):
    for site in baotun_generated.sites:
        assert 22.925 <= site.lat <= 22.965, site.id
        assert 113.655 <= site.lon <= 113.695, site.id
    assert baotun_generated.info.bbox == (113.655, 22.925, 113.695, 22.965)


def test_baotun_sites_belong_to_their_nearest_station(baotun_generated):
    s = baotun_generated
    for site in s.sites:
        nearest = min(
            s.grids,
            key=lambda g: (g.station_lat - site.lat) ** 2 + (g.station_lon - site.lon) ** 2,
        )
        assert site.grid == nearest.id, site.id


def test_baotun_sites_falling_due_per_day(baotun_generated):
    due = due_per_day(baotun_generated, baotun_generated.info.default_week)
    assert [d for d, _, _ in due] == [dt.date(2026, 12, 7) + dt.timedelta(days=i) for i in range(7)]
    mean = statistics.mean(n for _, n, _ in due)
    assert 140 <= mean <= 180, mean
    assert all(0 < high <= n for _, n, high in due)


def test_baotun_leave_and_requests_fall_in_the_default_week(baotun_generated):
    week = baotun_generated.info.default_week
    end = week + dt.timedelta(days=6)
    ids = {w.id for w in baotun_generated.workers}
    assert len(baotun_generated.leave) >= 3
    assert len(baotun_generated.requests) >= 6
    for lv in baotun_generated.leave:
        assert lv.worker_id in ids and week <= lv.start <= end
    for rq in baotun_generated.requests:
        assert rq.worker_id in ids and week <= rq.date <= end


def test_baotun_shift_pattern(baotun_generated):
    lengths = {x.id: (x.kind.value, x.length_minutes) for x in baotun_generated.shifts}
    assert lengths == {
        "MM": ("meeting", 30),
        "D": ("day_patrol", 570),
        "K": ("desk", 570),
        "R": ("reserve", 570),
        "N": ("night_patrol", 360),
        "S": ("standby", 870),
    }


# ------------------------------------------------------------------ other communities


def test_larger_community_loads_back_valid(tmp_path):
    scenario = generate_scenario(workers=200, grids=24, sites=500, seed=5)
    write_scenario(scenario, tmp_path)
    loaded = load_scenario(tmp_path)
    assert len(loaded.workers) == 200
    assert len(loaded.grids) == 24
    assert len(loaded.sites) == 500
    assert loaded.info.name == "Synthetic-200w-24g-s5"
    per_base = _roles_per_base(loaded)
    assert len(per_base) == 15
    assert all(r[Role.DISPATCHER] == 1 and r[Role.HANDLER] == 1 for r in per_base.values())
    lon0, lat0, lon1, lat1 = loaded.info.bbox
    assert all(lat0 <= x.lat <= lat1 and lon0 <= x.lon <= lon1 for x in loaded.sites)
    # the community grows around Baotun's centre
    assert (lon0 + lon1) / 2 == pytest.approx(113.675)
    assert (lat0 + lat1) / 2 == pytest.approx(22.945)
    assert lon1 - lon0 > 0.04


def test_name_argument():
    assert generate_scenario(workers=30, grids=3, sites=20, seed=1, name="Test").info.name == "Test"


def test_too_few_workers_for_the_grids():
    with pytest.raises(InputError) as info:
        generate_scenario(workers=20, grids=8)
    assert info.value.problems == [
        InputProblem(
            "generate",
            None,
            "--workers",
            "20 workers cannot staff 8 grids (5 base grids, each with a dispatcher, a handler "
            "and inspectors)",
        )
    ]


def test_single_grid_community_loads_back_valid(tmp_path):
    write_scenario(generate_scenario(workers=14, grids=1, sites=50), tmp_path)
    assert len(load_scenario(tmp_path).workers) == 14


def test_five_workers_for_one_grid_is_an_input_error_not_a_crash():
    with pytest.raises(InputError):
        generate_scenario(workers=5, grids=1, sites=10)


def test_single_grid_community_needs_no_more_handlers_than_it_has():
    scenario = generate_scenario(workers=14, grids=1, sites=0)
    handlers = sum(w.role == Role.HANDLER for w in scenario.workers)
    lead = next(c for c in scenario.cover if c.id == "lead-restday")
    assert (handlers, lead.min) == (1, 1)


def test_too_few_workers_for_one_day_of_cover():
    with pytest.raises(InputError) as info:
        generate_scenario(workers=5, grids=1, sites=10)
    assert info.value.problems == [
        InputProblem(
            "generate",
            None,
            "--workers",
            "5 workers cannot staff 1 grid: the cover rules need 9 workers on shift on one day, "
            "each working one shift",
        )
    ]


def test_too_few_workers_for_a_week_of_cover():
    # 12 workers fill each day's 11 workday shifts, but not 73 shifts in a week of 6-day weeks
    with pytest.raises(InputError) as info:
        generate_scenario(workers=12, grids=1, sites=10)
    (problem,) = info.value.problems
    assert problem.message == (
        "12 workers cannot staff 1 grid: the cover rules need 73 shifts a week, more than "
        "12 workers working at most 6 days each can give"
    )


@pytest.mark.parametrize(
    ("argument", "value"),
    [("workers", 0), ("grids", 0), ("sites", -5), ("seed", -1)],
)
def test_out_of_range_arguments_are_input_errors(argument, value):
    with pytest.raises(InputError) as info:
        generate_scenario(**{argument: value})
    (problem,) = info.value.problems
    assert (problem.file, problem.column) == ("generate", f"--{argument}")
    assert problem.message.endswith(f"got {value}")


def test_no_sites_is_allowed():
    assert generate_scenario(workers=30, grids=3, sites=0).sites == ()


def test_leave_and_requests_never_draw_more_workers_than_there_are(baotun_generated):
    few = list(baotun_generated.workers[:4])  # a dispatcher, a handler, two inspectors
    rng = np.random.default_rng(0)
    leave = _make_leave(rng, few)
    requests = _make_requests(rng, few)
    assert len(leave) == 3 and len(requests) == 4
    assert len({x.worker_id for x in requests}) == 4


def test_worker_skills_are_listed_in_the_scenario_skill_order(baotun_generated):
    order = [s.code for s in baotun_generated.skills]
    for w in baotun_generated.workers:
        codes = [g.skill for g in w.skills]
        assert codes == sorted(codes, key=order.index), w.id
