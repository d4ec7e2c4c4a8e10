"""Tests of the independent rota checker, on tiny hand-made scenarios.

Each test switches on the one rule it is about (all others ``off``, except the always-hard
``one_shift_per_day``) so the expected counts can be worked out by hand.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from planner._errors import InputError
from planner.checker import (
    _RULES,
    Assignment,
    CheckReport,
    Violation,
    check_rota,
    read_pins,
    read_rota,
)
from planner.domain import (
    RULE_NAMES,
    Calendar,
    CoverRule,
    DatedName,
    Grid,
    LabourRules,
    Leave,
    Request,
    Role,
    RuleSetting,
    Scenario,
    ScenarioInfo,
    ShiftKind,
    ShiftType,
    Skill,
    SkillGrant,
    Worker,
)
from planner.scenario_io import load_scenario

MON = dt.date(2026, 12, 7)  # a Monday
SUN_BEFORE = MON - dt.timedelta(days=1)
OLD = dt.date(2015, 1, 1)  # joined long ago: experienced
NEW = dt.date(2026, 10, 1)  # joined weeks ago: a newcomer

SHIFTS = (
    ShiftType(id="MM", zh="早会", en="Meeting", kind=ShiftKind.MEETING,
              start=dt.time(8, 0), end=dt.time(8, 30), paid_minutes=30),
    ShiftType(id="D", zh="日班", en="Day", kind=ShiftKind.DAY_PATROL,
              start=dt.time(8, 0), end=dt.time(17, 30), paid_minutes=480, includes_meeting=True),
    ShiftType(id="N", zh="夜巡", en="Night", kind=ShiftKind.NIGHT_PATROL,
              start=dt.time(20, 0), end=dt.time(2, 0), crosses_midnight=True, paid_minutes=360),
    ShiftType(id="K", zh="坐班", en="Desk", kind=ShiftKind.DESK,
              start=dt.time(8, 0), end=dt.time(17, 30), paid_minutes=480, includes_meeting=True),
    ShiftType(id="S", zh="待命", en="Standby", kind=ShiftKind.STANDBY,
              start=dt.time(17, 30), end=dt.time(8, 0), crosses_midnight=True, paid_minutes=240),
)  # fmt: skip


def day(n: int) -> dt.date:
    """The n-th day of the horizon (0 = Monday 2026-12-07); negative = history."""
    return MON + dt.timedelta(days=n)


def worker(wid: str, *, grid: str = "G01", joined: dt.date = OLD, **kw: object) -> Worker:
    data: dict[str, object] = {
        "id": wid,
        "name": f"Name {wid}",
        "grid": grid,
        "role": Role.INSPECTOR,
        "original_role": "fire",
        "joined": joined,
        "weekly_hours": 40,
    }
    data.update(kw)
    return Worker.model_validate(data)


def only(name: str | None, mode: str = "hard", weight: int = 1) -> dict[str, RuleSetting]:
    """Every rule off except ``name``."""
    rules = {n: RuleSetting(mode="off") for n in RULE_NAMES}
    if name is not None:
        rules[name] = RuleSetting.model_validate({"mode": mode, "weight": weight})
    return rules


def scenario(
    rules: dict[str, RuleSetting],
    workers: tuple[Worker, ...] | None = None,
    *,
    cover: tuple[CoverRule, ...] = (),
    labour: LabourRules | None = None,
    leave: tuple[Leave, ...] = (),
    requests: tuple[Request, ...] = (),
    calendar: Calendar | None = None,
    grids: tuple[Grid, ...] | None = None,
) -> Scenario:
    return Scenario(
        info=ScenarioInfo(name="Tiny", reference_date=day(-1), bbox=(113.0, 22.0, 114.0, 23.0)),
        labour=labour or LabourRules(),
        rules=rules,
        calendar=calendar or Calendar(),
        skills=(Skill(code="fire", zh="消防", en="Fire"),),
        grids=grids or (Grid(id="G01", name="一", base="B1", station_lat=22.5, station_lon=113.5),),
        shifts=SHIFTS,
        cover=cover,
        workers=workers if workers is not None else (worker("W1"), worker("W2"), worker("W3")),
        leave=leave,
        requests=requests,
    )


def a(n: int, wid: str, sid: str) -> Assignment:
    return Assignment(day(n), wid, sid)


def check(sc: Scenario, rota: list[Assignment], **kw: object) -> CheckReport:
    kw.setdefault("week", MON)
    kw.setdefault("weeks", 1)
    return check_rota(sc, rota, **kw)  # type: ignore[arg-type]


def units(found: tuple[Violation, ...], rule: str) -> int:
    return sum(v.units for v in found if v.rule == rule)


# ---------------------------------------------------------------------------- report


def test_every_catalogue_rule_has_a_function() -> None:
    assert set(_RULES) | {"cover"} == set(RULE_NAMES)


def test_clean_rota_with_all_rules_off_is_ok_and_lists_soft_rules_with_zero() -> None:
    rules = only(None)
    rules["requests"] = RuleSetting(mode="soft", weight=5)
    rules["stability"] = RuleSetting(mode="soft", weight=10)
    report = check(scenario(rules), [a(0, "W1", "D")])
    assert report.ok
    assert report.violations == ()
    assert report.penalties == {"requests": 0, "stability": 0}
    assert report.objective == 0


# ---------------------------------------------------------------------------- cover


def cover_day(**kw: object) -> CoverRule:
    data: dict[str, object] = {"id": "day-G01", "scope": "G01", "shifts": ("D",), "min": 2}
    data.update(kw)
    return CoverRule.model_validate(data)


def test_cover_missing_head_message_and_units() -> None:
    sc = scenario(only("cover"), cover=(cover_day(days=("tue",)),))
    report = check(sc, [a(1, "W1", "D")])
    assert not report.ok
    assert report.violations == (
        Violation(
            "cover", "cover day-G01 on 2026-12-08 (G01, shift D): 1 of min 2", None, day(1), 1
        ),
    )


def test_cover_excess_head() -> None:
    sc = scenario(only("cover"), cover=(cover_day(days=("mon",), min=1, max=1),))
    report = check(sc, [a(0, "W1", "D"), a(0, "W2", "D"), a(0, "W3", "D")])
    assert [v.units for v in report.violations] == [2]
    assert report.violations[0].message.endswith("3 of max 1")


def test_cover_missing_experienced_counts_besides_missing_heads() -> None:
    workers = (worker("W1", joined=NEW), worker("W2", joined=NEW), worker("W3"))
    rule = cover_day(days=("mon",), min=2, min_experienced=1)
    sc = scenario(only("cover"), workers, cover=(rule,))
    report = check(sc, [a(0, "W1", "D")])
    assert [v.units for v in report.violations] == [1, 1]
    assert report.violations[1].message.endswith("0 experienced of min 1")
    assert check(sc, [a(0, "W1", "D"), a(0, "W3", "D")]).ok


def test_cover_soft_uses_the_cover_rule_weight_over_the_rule_weight() -> None:
    rules = only("cover", "soft", weight=1000)
    cover = (cover_day(id="a", days=("mon",), weight=7), cover_day(id="b", days=("mon",)))
    report = check(scenario(rules, cover=cover), [a(0, "W1", "D")])
    assert report.ok
    assert report.penalties == {"cover": 7 * 1 + 1000 * 1}
    assert len(report.soft_breaches) == 2


def test_cover_counts_only_holders_of_the_skill_on_that_day() -> None:
    workers = (
        worker("W1", skills=(SkillGrant(skill="fire", since=OLD),)),
        worker("W2", skills=(SkillGrant(skill="fire", since=day(3)),)),
        worker("W3"),
    )
    rule = cover_day(days=("all",), min=2, skill="fire")
    sc = scenario(only("cover"), workers, cover=(rule,))
    rota = [a(n, w, "D") for n in range(7) for w in ("W1", "W2", "W3")]
    report = check(sc, rota)
    # W2 holds fire from day 3: days 0-2 have 1 of 2, days 3-6 have 2.
    assert [v.date for v in report.violations] == [day(0), day(1), day(2)]
    assert "skill fire" in report.violations[0].message


def test_cover_role_filter() -> None:
    workers = (worker("W1", role=Role.DISPATCHER), worker("W2"))
    rule = cover_day(days=("mon",), min=1, role=Role.DISPATCHER)
    sc = scenario(only("cover"), workers, cover=(rule,))
    assert not check(sc, [a(0, "W2", "D")]).ok
    assert check(sc, [a(0, "W1", "D")]).ok


def test_cover_on_the_meeting_counts_shifts_that_include_it() -> None:
    rule = cover_day(id="meet", shifts=("MM",), days=("mon",), min=3)
    sc = scenario(only("cover"), cover=(rule,))
    report = check(sc, [a(0, "W1", "D"), a(0, "W2", "K"), a(0, "W3", "N")])
    assert [v.units for v in report.violations] == [1]  # N does not include the meeting
    assert report.violations[0].message.endswith("2 of min 3")


def test_cover_days_follow_the_calendar() -> None:
    calendar = Calendar(
        holidays=(DatedName(date=day(2)),), adjusted_workdays=(DatedName(date=day(5)),)
    )
    rule = cover_day(days=("workday",), min=1)
    sc = scenario(only("cover"), cover=(rule,), calendar=calendar)
    report = check(sc, [])
    # Mon, Tue, Thu, Fri and the adjusted Saturday; not the Wednesday holiday nor Sunday.
    assert [v.date for v in report.violations] == [day(0), day(1), day(3), day(4), day(5)]


def test_cover_dates_replace_the_day_selectors() -> None:
    rule = cover_day(days=("mon",), dates=(day(2), day(4), day(20)), min=1)
    report = check(scenario(only("cover"), cover=(rule,)), [a(4, "W1", "D")])
    # Wednesday is short; Friday is covered; Monday is not asked for; day 20 is outside.
    assert [(v.date, v.units) for v in report.violations] == [(day(2), 1)]


def test_cover_soft_weight_over_charges_excess_heads() -> None:
    rule = cover_day(days=("mon",), min=2, max=2, weight=100, weight_over=1)
    sc = scenario(only("cover", "soft", 1000), cover=(rule,))
    short = check(sc, [a(0, "W1", "D")])
    assert short.ok
    assert short.penalties == {"cover": 100}
    over = check(sc, [a(0, "W1", "D"), a(0, "W2", "D"), a(0, "W3", "D")])
    assert over.penalties == {"cover": 1}
    assert check(sc, [a(0, "W1", "D"), a(0, "W2", "D")]).penalties == {"cover": 0}


def test_cover_weight_over_defaults_to_the_weight_and_spares_experienced_heads() -> None:
    plain = cover_day(id="plain", days=("mon",), min=0, max=1, weight=7)
    only_over = cover_day(id="over", days=("mon",), min=0, max=1, weight_over=3)
    workers = (worker("W1", joined=NEW), worker("W2", joined=NEW), worker("W3"))
    experienced = cover_day(
        id="exp", days=("mon",), min=1, max=1, min_experienced=1, weight=50, weight_over=2
    )
    sc = scenario(only("cover", "soft", 10), workers, cover=(plain, only_over, experienced))
    report = check(sc, [a(0, "W1", "D"), a(0, "W2", "D")])
    # plain: 1 excess at its weight 7; over: 1 excess at 3; exp: 1 excess at 2 and
    # 1 missing experienced head at 50.
    assert report.penalties == {"cover": 7 + 3 + 2 + 50}
    # A shortage under a rule without its own weight is charged at the rule weight.
    short = cover_day(id="short", days=("mon",), min=1, weight_over=3)
    alone = scenario(only("cover", "soft", 10), cover=(short,))
    assert check(alone, []).penalties == {"cover": 10}


# ---------------------------------------------------------------------------- structure


def test_one_shift_per_day_is_hard_even_when_set_soft() -> None:
    rules = only(None)
    rules["one_shift_per_day"] = RuleSetting(mode="soft", weight=100)
    report = check(scenario(rules), [a(0, "W1", "D"), a(0, "W1", "N"), a(1, "W1", "D")])
    assert report.violations == (
        Violation(
            "one_shift_per_day", "W1 (Name W1) has 2 assignments on 2026-12-07: D, N", "W1", day(0)
        ),
    )
    assert report.penalties == {}


def test_leave_hard_and_soft() -> None:
    leave = (Leave(worker_id="W1", start=day(1), end=day(2)),)
    rota = [a(0, "W1", "D"), a(1, "W1", "D"), a(2, "W1", "N")]
    report = check(scenario(only("leave"), leave=leave), rota)
    assert [(v.worker_id, v.date) for v in report.violations] == [("W1", day(1)), ("W1", day(2))]
    assert "annual leave" in report.violations[0].message
    soft = check(scenario(only("leave", "soft", 3), leave=leave), rota)
    assert soft.ok
    assert soft.penalties == {"leave": 6}


# ---------------------------------------------------------------------------- min_rest


def test_min_rest_within_the_horizon() -> None:
    sc = scenario(only("min_rest"))
    # N Mon 20:00-Tue 02:00 then D Tue 08:00: 6 h; D Wed 17:30 then N Wed 20:00: 2.5 h.
    rota = [a(0, "W1", "N"), a(1, "W1", "D"), a(2, "W1", "D"), a(3, "W1", "D")]
    report = check(sc, rota)
    assert len(report.violations) == 1
    assert report.violations[0].date == day(1)
    rota2 = [a(2, "W2", "D"), a(2, "W3", "D")]  # different workers never pair up
    assert check(sc, rota2).ok


def test_min_rest_history_night_then_monday_day() -> None:
    sc = scenario(only("min_rest"), labour=LabourRules(min_rest_hours=11))
    history = [Assignment(SUN_BEFORE, "W1", "N")]
    report = check(sc, [a(0, "W1", "D")], history=history)
    assert report.violations == (
        Violation(
            "min_rest",
            "W1 (Name W1) rests 6 h between N on 2026-12-06 (until 2026-12-07 02:00) "
            "and D on 2026-12-07 (from 2026-12-07 08:00); min rest 11 h",
            "W1",
            day(0),
        ),
    )


def test_min_rest_pairs_within_history_are_not_checked() -> None:
    sc = scenario(only("min_rest"))
    history = [Assignment(day(-2), "W1", "N"), Assignment(day(-1), "W1", "D")]
    assert check(sc, [a(2, "W1", "D")], history=history).ok


def test_min_rest_zero_gap_and_exact_limit() -> None:
    # S 17:30-08:00 then D at 08:00: 0 h rest.
    sc = scenario(only("min_rest", "soft", 4))
    report = check(sc, [a(0, "W1", "S"), a(1, "W1", "D")])
    assert report.penalties == {"min_rest": 4}
    # D ends 17:30 Mon; N starts 20:00 Tue: 26.5 h; a limit of exactly the gap is kept.
    exact = scenario(only("min_rest"), labour=LabourRules(min_rest_hours=26.5))
    assert check(exact, [a(0, "W1", "D"), a(1, "W1", "N")]).ok


def test_min_rest_overlapping_shifts() -> None:
    long = ShiftType(
        id="L", zh="长", en="Long", kind=ShiftKind.STANDBY, start=dt.time(20, 0),
        end=dt.time(10, 0), crosses_midnight=True, paid_minutes=600,
    )  # fmt: skip
    sc = scenario(only("min_rest")).model_copy(update={"shifts": (*SHIFTS, long)})
    report = check(sc, [a(0, "W1", "L"), a(1, "W1", "D")])
    assert len(report.violations) == 1
    assert "overlaps" in report.violations[0].message


# ------------------------------------------------------------------- consecutive days


def test_max_consecutive_days_with_history() -> None:
    sc = scenario(only("max_consecutive_days"), labour=LabourRules(max_consecutive_days=6))
    history = [Assignment(day(n), "W1", "D") for n in range(-5, 0)]
    report = check(sc, [a(0, "W1", "D"), a(1, "W1", "D")], history=history)
    assert [(v.units, v.date) for v in report.violations] == [(1, day(1))]
    assert "7 consecutive days 2026-12-02..2026-12-08 (max 6)" in report.violations[0].message


def test_max_consecutive_days_history_days_beyond_are_not_counted() -> None:
    sc = scenario(
        only("max_consecutive_days", "soft", 2), labour=LabourRules(max_consecutive_days=3)
    )
    history = [Assignment(day(n), "W1", "D") for n in range(-5, 0)]  # already 5 in a row
    report = check(sc, [a(0, "W1", "D")], history=history)
    assert report.penalties == {"max_consecutive_days": 2}  # only Monday is counted


def test_max_consecutive_days_across_two_rota_weeks() -> None:
    sc = scenario(only("max_consecutive_days"), labour=LabourRules(max_consecutive_days=6))
    rota = [a(n, "W1", "D") for n in range(3, 11)]  # 8 days in a row
    report = check(sc, rota, weeks=2)
    assert units(report.violations, "max_consecutive_days") == 2


def test_max_consecutive_days_worker_limit_overrides_the_labour_default() -> None:
    workers = (
        worker("W1", max_consecutive_days=3),
        worker("W2"),
        worker("W3", max_consecutive_days=7),
    )
    labour = LabourRules(max_consecutive_days=6)
    sc = scenario(only("max_consecutive_days"), workers, labour=labour)
    rota = [a(n, "W1", "D") for n in range(5)]
    rota += [a(n, w, "D") for n in range(7) for w in ("W2", "W3")]
    report = check(sc, rota)
    assert [(v.worker_id, v.units, v.date) for v in report.violations] == [
        ("W1", 2, day(3)),
        ("W2", 1, day(6)),
    ]
    assert "(max 3)" in report.violations[0].message


def test_min_consecutive_days_short_inner_runs_and_edge_exemptions() -> None:
    workers = (worker("W1"), worker("W2"), worker("W3", min_consecutive_days=1))
    labour = LabourRules(min_consecutive_days=3)
    sc = scenario(only("min_consecutive_days", "soft", 4), workers, labour=labour)
    history = [Assignment(day(-1), "W1", "D")]
    rota = [
        a(0, "W1", "D"),  # touches the first day: exempt, history or not
        a(2, "W1", "D"), a(3, "W1", "D"),  # inside, 2 of 3: one short run
        a(6, "W1", "D"),  # touches the last day: exempt
        a(1, "W2", "D"), a(2, "W2", "N"), a(3, "W2", "D"),  # 3 days: kept
        a(5, "W2", "D"),  # inside, 1 of 3: one short run
        a(3, "W3", "D"),  # W3's own minimum of 1: no rule
    ]  # fmt: skip
    report = check(sc, rota, history=history)
    assert report.penalties == {"min_consecutive_days": 4 * 2}
    assert [(v.worker_id, v.date, v.units) for v in report.soft_breaches] == [
        ("W1", day(2), 1),
        ("W2", day(5), 1),
    ]
    assert report.soft_breaches[0].message == (
        "W1 (Name W1) has 2 consecutive days 2026-12-09..2026-12-10 (min 3)"
    )


def test_min_consecutive_days_default_of_one_is_no_rule() -> None:
    sc = scenario(only("min_consecutive_days"))
    assert check(sc, [a(1, "W1", "D"), a(3, "W1", "D"), a(5, "W1", "D")]).ok


def test_min_consecutive_days_off_short_inner_runs_with_leave_and_edges() -> None:
    workers = (worker("W1"), worker("W2"), worker("W3", min_consecutive_days_off=3))
    labour = LabourRules(min_consecutive_days_off=2)
    leave = (Leave(worker_id="W3", start=day(1), end=day(2)),)
    sc = scenario(only("min_consecutive_days_off"), workers, labour=labour, leave=leave)
    rota = [
        # W1 off on day 1 and on day 4, each alone between working days: two short runs.
        a(0, "W1", "D"), a(2, "W1", "D"), a(3, "W1", "D"), a(5, "W1", "D"), a(6, "W1", "D"),
        # W2 off days 0 (edge: exempt), 2-3 (2 of 2: kept), 5-6 (edge: exempt).
        a(1, "W2", "D"), a(4, "W2", "D"),
        # W3 (own min 3): leave 1-2 plus day 3 make 3 days off; day 5 alone is short.
        a(0, "W3", "D"), a(4, "W3", "D"), a(6, "W3", "D"),
    ]  # fmt: skip
    report = check(sc, rota)
    assert [(v.worker_id, v.date, v.units) for v in report.violations] == [
        ("W1", day(1), 1),
        ("W1", day(4), 1),
        ("W3", day(5), 1),
    ]
    assert report.violations[2].message == (
        "W3 (Name W3) has 1 consecutive days off 2026-12-12..2026-12-12 (min 3)"
    )
    # A worker who never works has one off run touching both edges: exempt.
    assert check(sc, []).ok


# ------------------------------------------------------------------------ weekly rules


def test_weekly_rest_days() -> None:
    sc = scenario(only("weekly_rest_days"), labour=LabourRules(min_rest_days_per_week=2))
    rota = [a(n, "W1", "D") for n in range(7)] + [a(n, "W2", "D") for n in range(6)]
    report = check(sc, rota)
    assert [(v.worker_id, v.units) for v in report.violations] == [("W1", 2), ("W2", 1)]


def test_weekly_hours_over_the_cap_counts_started_hours() -> None:
    sc = scenario(only("weekly_hours"), (worker("W1"),))
    # 5 D + 1 N = 2760 min = 46 h; max 40 + 4 = 44 h: 2 hours beyond.
    rota = [a(n, "W1", "D") for n in range(5)] + [a(5, "W1", "N")]
    report = check(sc, rota)
    assert [v.units for v in report.violations] == [2]
    assert "above the max 44 h" in report.violations[0].message
    # 39.5 h contract: max 43.5 h; 46 h is 2.5 h beyond: 3 started hours.
    half = scenario(only("weekly_hours"), (worker("W1", weekly_hours=39.5),))
    assert [v.units for v in check(half, rota).violations] == [3]


def test_weekly_hours_under_the_floor_with_leave() -> None:
    leave = (Leave(worker_id="W1", start=day(3), end=day(6)),)  # Thu, Fri (+ weekend)
    sc = scenario(only("weekly_hours", "soft", 1), (worker("W1"), worker("W2")), leave=leave)
    # W1: min = 40 - 8 - 2 * 8 = 16 h; paid 8 h -> 8 units.
    # W2: min = 32 h; paid 0 -> 32 units.
    report = check(sc, [a(0, "W1", "D")])
    assert report.penalties == {"weekly_hours": 8 + 32}
    assert [v.units for v in report.soft_breaches] == [8, 32]


def test_weekly_hours_floor_at_zero() -> None:
    leave = (Leave(worker_id="W1", start=day(0), end=day(6)),)
    sc = scenario(only("weekly_hours"), (worker("W1"),), leave=leave)
    assert check(sc, []).ok


def test_monthly_overtime_counts_history_weeks_of_the_same_month() -> None:
    labour = LabourRules(max_overtime_hours_month=10)
    sc = scenario(only("monthly_overtime"), (worker("W1"),), labour=labour)

    def heavy_week(monday: dt.date) -> list[Assignment]:  # 46 h: 6 h overtime
        return [Assignment(monday + dt.timedelta(days=i), "W1", "D") for i in range(5)] + [
            Assignment(monday + dt.timedelta(days=5), "W1", "N")
        ]

    history = heavy_week(day(-14)) + heavy_week(day(-7)) + heavy_week(day(0))
    week = day(7)  # Monday 2026-12-14
    report = check(sc, heavy_week(week), week=week, history=history)
    # Weeks of 11-23 (Thu 11-26: November) do not count; 11-30 (Thu 12-03), 12-07 and
    # 12-14 are December: 18 h overtime, 8 h over the cap of 10.
    assert [(v.units, v.date) for v in report.violations] == [(8, week)]
    assert "18 h overtime in 2026-12 (max 10 h)" in report.violations[0].message


def test_monthly_overtime_week_belongs_to_the_month_of_its_thursday() -> None:
    labour = LabourRules(max_overtime_hours_month=5)
    sc = scenario(only("monthly_overtime"), (worker("W1"),), labour=labour)
    # Rota week Mon 2026-11-30 (Thu 12-03: December); history week 11-23 is November.
    week = dt.date(2026, 11, 30)
    history = [
        Assignment(dt.date(2026, 11, 23) + dt.timedelta(days=i), "W1", "D") for i in range(7)
    ]
    rota = [Assignment(week + dt.timedelta(days=i), "W1", "D") for i in range(5)]
    assert check(sc, rota, week=week, history=history).ok
    rota.append(Assignment(week + dt.timedelta(days=5), "W1", "N"))  # 6 h overtime
    report = check(sc, rota, week=week, history=history)
    assert [v.units for v in report.violations] == [1]


def test_max_nights() -> None:
    sc = scenario(only("max_nights"), labour=LabourRules(max_nights_per_week=3))
    rota = [a(n, "W1", "N") for n in range(5)] + [a(n, "W2", "N") for n in range(3)]
    report = check(sc, rota)
    assert [(v.worker_id, v.units) for v in report.violations] == [("W1", 2)]


def test_night_eligibility() -> None:
    workers = (worker("W1", night_eligible=False), worker("W2"))
    sc = scenario(only("night_eligibility", "soft", 9), workers)
    report = check(sc, [a(0, "W1", "N"), a(1, "W1", "D"), a(2, "W2", "N")])
    assert report.penalties == {"night_eligibility": 9}


def test_pairing_old_new_per_base_grid_and_night() -> None:
    grids = (
        Grid(id="G01", name="一", base="B1", station_lat=22.5, station_lon=113.5),
        Grid(id="G02", name="二", base="B1", station_lat=22.5, station_lon=113.5),
        Grid(id="G03", name="三", base="B2", station_lat=22.5, station_lon=113.5),
    )
    workers = (
        worker("W1", joined=NEW),
        worker("W2", grid="G02", joined=NEW),
        worker("W3", grid="G02"),
        worker("W4", grid="G03", joined=NEW),
    )
    sc = scenario(only("pairing_old_new"), workers, grids=grids)
    rota = [
        a(0, "W1", "N"), a(0, "W2", "N"),  # B1: two newcomers -> 1
        a(1, "W1", "N"), a(1, "W3", "N"),  # B1: old hand across grids of the base -> ok
        a(1, "W4", "N"),  # B2: a newcomer alone -> 1
        a(2, "W3", "N"),  # an old hand alone -> ok
    ]  # fmt: skip
    report = check(sc, rota)
    assert [(v.date, v.units) for v in report.violations] == [(day(0), 1), (day(1), 1)]
    assert report.violations[0].message == (
        "night patrol of base B1 on 2026-12-07: W1, W2 with no experienced worker "
        "(365 days' tenure)"
    )


# ---------------------------------------------------------------------- worker limits


def with_forbidden_next(sc: Scenario, **forbidden: tuple[str, ...]) -> Scenario:
    shifts = tuple(
        s.model_copy(update={"forbidden_next": forbidden.get(s.id, ())}) for s in sc.shifts
    )
    return sc.model_copy(update={"shifts": shifts})


def test_forbidden_successions_on_consecutive_dates_with_history() -> None:
    sc = with_forbidden_next(scenario(only("forbidden_successions", "soft", 5)), N=("D", "K"))
    history = [
        Assignment(day(-3), "W1", "N"),
        Assignment(day(-2), "W1", "D"),  # a pair within history: not checked
        Assignment(day(-1), "W1", "N"),
    ]
    rota = [
        a(0, "W1", "D"),  # after history's N on Sunday: 1
        a(2, "W2", "N"), a(3, "W2", "K"),  # 1
        a(4, "W2", "N"), a(5, "W2", "N"),  # N after N is allowed
        a(6, "W2", "D"),  # D after N: 1
        a(2, "W3", "N"), a(4, "W3", "D"),  # not consecutive dates
        a(5, "W3", "D"), a(6, "W3", "N"),  # D may be followed by N
    ]  # fmt: skip
    report = check(sc, rota, history=history)
    assert report.penalties == {"forbidden_successions": 5 * 3}
    assert [(v.worker_id, v.date) for v in report.soft_breaches] == [
        ("W1", day(0)),
        ("W2", day(3)),
        ("W2", day(6)),
    ]
    assert report.soft_breaches[0].message == (
        "W1 (Name W1) works D on 2026-12-07 after N on 2026-12-06; N may not be followed "
        "by D the next day"
    )


def test_max_shifts_per_type() -> None:
    workers = (worker("W1", max_shifts={"N": 1, "D": 0}), worker("W2", max_shifts={"N": 3}))
    sc = scenario(only("max_shifts_per_type"), workers)
    rota = [a(0, "W1", "N"), a(1, "W1", "D"), a(2, "W1", "N"), a(4, "W1", "N")]
    rota += [a(n, "W2", "N") for n in (0, 2, 4)] + [a(6, "W2", "D")]
    report = check(sc, rota)
    assert [(v.worker_id, v.units) for v in report.violations] == [("W1", 2), ("W1", 1)]
    assert report.violations[0].message == "W1 (Name W1) has 3 N shifts in the horizon (max 1)"


def test_total_minutes_counts_started_hours_beyond_each_bound() -> None:
    workers = (
        worker("W1", max_total_minutes=1000),
        worker("W2", min_total_minutes=600),
        worker("W3", min_total_minutes=480, max_total_minutes=480),
    )
    sc = scenario(only("total_minutes", "soft", 3), workers)
    # W1: 480 + 480 + 360 = 1320 min, 320 above: 6 started hours.  W2: 480, 120 below: 2.
    rota = [a(0, "W1", "D"), a(1, "W1", "D"), a(3, "W1", "N"), a(0, "W2", "D"), a(2, "W3", "D")]
    report = check(sc, rota)
    assert [(v.worker_id, v.units) for v in report.soft_breaches] == [("W1", 6), ("W2", 2)]
    assert report.penalties == {"total_minutes": 3 * 8}
    assert report.soft_breaches[0].message == (
        "W1 (Name W1) is paid 22 h in the horizon, above the max 16 h 40 min"
    )


def test_max_weekends_over_three_rota_weeks() -> None:
    workers = (worker("W1", max_weekends=1), worker("W2", max_weekends=0), worker("W3"))
    sc = scenario(only("max_weekends", "soft", 10), workers)
    rota = [
        a(5, "W1", "D"), a(13, "W1", "D"), a(19, "W1", "D"), a(20, "W1", "D"),  # 3 weekends
        a(4, "W2", "D"), a(6, "W2", "D"),  # Friday is no weekend; Sunday is: 1 weekend
        *(a(n, "W3", "D") for n in (5, 6, 12, 13, 19, 20)),  # no limit
    ]  # fmt: skip
    report = check(sc, rota, weeks=3)
    assert [(v.worker_id, v.units, v.date) for v in report.soft_breaches] == [
        ("W1", 2, day(12)),
        ("W2", 1, day(5)),
    ]
    assert report.penalties == {"max_weekends": 10 * 3}


# ---------------------------------------------------------------------------- soft rules


def test_desk_rotation_spread_ignores_workers_away_all_horizon() -> None:
    leave = (Leave(worker_id="W3", start=day(0), end=day(6)),)
    sc = scenario(only("desk_rotation", "soft", 3), leave=leave)
    report = check(sc, [a(0, "W1", "K"), a(1, "W1", "K"), a(2, "W2", "K")])
    assert report.penalties == {"desk_rotation": 3 * 1}
    report2 = check(sc, [a(0, "W1", "K"), a(1, "W1", "K")])
    assert report2.penalties == {"desk_rotation": 3 * 2}


def test_fairness_running_ledger() -> None:
    workers = (worker("W1"), worker("W2"), worker("W3", night_eligible=False))
    leave = (Leave(worker_id="W2", start=day(0), end=day(2)),)  # partly away: still counted
    sc = scenario(only("fairness", "soft", 2), workers, leave=leave)
    history = [
        Assignment(day(-3), "W1", "N"),
        Assignment(day(-2), "W1", "N"),  # Saturday: a rest-day shift
        Assignment(day(-1), "W2", "S"),  # Sunday: a rest-day shift
    ]
    rota = [a(3, "W2", "N"), a(4, "W3", "K"), a(5, "W3", "D")]
    report = check(sc, rota, history=history)
    # nights W1 2, W2 1 (W3 not night-eligible): 1; rest-day W1 1, W2 1, W3 1: 0;
    # standby W1 0, W2 1, W3 0: 1; desk W1 0, W2 0, W3 1: 1.  Units 3, weight 2.
    assert report.penalties == {"fairness": 6}
    assert [v.units for v in report.soft_breaches] == [1, 1, 1]


def test_fair_share_counts_each_step_from_the_even_split() -> None:
    workers = (worker("W1"), worker("W2"), worker("W3"), worker("W4", night_eligible=False))
    sc = scenario(only("fair_share", "soft", 3), workers)
    history = [Assignment(day(-3), "W1", "N"), Assignment(day(-4), "W1", "N")]
    rota = [a(0, "W1", "N"), a(1, "W2", "N"), a(2, "W4", "K")]
    report = check(sc, rota, history=history)
    # nights W1 3, W2 1, W3 0 (W4 not night-eligible): total 4 over 3, q 1, d 2, 0, -1:
    # 2 + 0 + 2 = 4. rest-day shifts: none (0). standby: none. desk W4 1, others 0:
    # total 1 over 4, q 0, d 1, 0, 0, 0: 0. Units 4, weight 3.
    assert report.penalties == {"fair_share": 12}
    (breach,) = report.soft_breaches
    assert breach.units == 4 and "W1 3, W3 0" in breach.message


def test_fair_share_leaves_out_workers_cover_keeps_off_the_category() -> None:
    workers = (worker("W1"), worker("W2"), worker("W3", role=Role.DISPATCHER))
    no_nights = CoverRule(id="no-n", scope="*", shifts=("N", "S"), max=0, role=Role.DISPATCHER)
    sc = scenario(only("fair_share", "soft", 1), workers, cover=(no_nights,))
    rota = [a(0, "W1", "N"), a(1, "W2", "N")]
    # nights W1 1, W2 1; the dispatcher W3 is kept off every night: not compared
    assert check(sc, rota).penalties == {"fair_share": 0}
    # kept off on some days only, W3 is compared: total 2 over 3, q 0, d 1, 1, 0: still 0;
    # a third night for W1 makes total 3, q 1, d 1, 0, -1: 2
    weekend = no_nights.model_copy(update={"days": ("restday",)})
    sc2 = scenario(only("fair_share", "soft", 1), workers, cover=(weekend,))
    assert check(sc2, rota).penalties == {"fair_share": 0}
    assert check(sc2, [*rota, a(2, "W1", "N")]).penalties == {"fair_share": 2}
    assert check(sc, [*rota, a(2, "W1", "N")]).penalties == {"fair_share": 0}


def test_requests_soft_weight_times_request_weight() -> None:
    requests = (
        Request(worker_id="W1", date=day(1), kind="day_off", weight=2),
        Request(worker_id="W2", date=day(1), kind="shift_on", shift_id="D", weight=3),
        Request(worker_id="W3", date=day(2), kind="shift_off", shift_id="N", weight=4),
        Request(worker_id="W3", date=day(30), kind="day_off", weight=50),  # outside horizon
    )
    sc = scenario(only("requests", "soft", 5), requests=requests)
    report = check(sc, [a(1, "W1", "D"), a(1, "W2", "D"), a(2, "W3", "D")])
    assert report.penalties == {"requests": 10}
    report2 = check(sc, [a(1, "W2", "N"), a(2, "W3", "N")])
    assert report2.penalties == {"requests": 5 * (3 + 4)}


def test_pins_hard() -> None:
    pins = [(day(0), "W1", "D"), (day(1), "W1", None), (day(2), "W2", "N"), (day(40), "W1", "D")]
    sc = scenario(only("pins"))
    report = check(sc, [a(0, "W1", "D"), a(1, "W1", "D"), a(2, "W2", "D")], pins=pins)
    assert [(v.worker_id, v.date) for v in report.violations] == [("W1", day(1)), ("W2", day(2))]
    assert report.violations[0].message == (
        "W1 (Name W1) is pinned to a day off on 2026-12-08 but is assigned D"
    )


def test_stability_counts_changed_cells() -> None:
    sc = scenario(only("stability", "soft", 10))
    previous = [a(0, "W1", "D"), a(1, "W1", "N"), a(2, "W2", "D")]
    rota = [a(0, "W1", "D"), a(1, "W1", "D"), a(3, "W2", "D")]
    report = check(sc, rota, previous=previous)
    # W1 Tue N->D, W2 Wed D->off, W2 Thu off->D.
    assert report.penalties == {"stability": 30}
    assert check(sc, rota).penalties == {"stability": 0}  # no previous rota given


# ---------------------------------------------------------------------------- rota format


def test_rota_format_problems() -> None:
    sc = scenario(only(None))
    good = Assignment(
        day(0), "W1", "N", worker_name="Name W1", grid="G01",
        start=dt.datetime(2026, 12, 7, 20, 0), end=dt.datetime(2026, 12, 8, 2, 0), row=2,
    )  # fmt: skip
    assert check(sc, [good]).ok
    rota = [
        good,
        Assignment(day(1), "W9", "D", row=3),  # unknown worker
        Assignment(day(1), "W2", "X", row=4),  # unknown shift
        Assignment(day(2), "W2", "MM", row=5),  # meeting
        Assignment(day(3), "W3", "D", worker_name="Bob", grid="G09", row=6),
        Assignment(day(4), "W3", "N", end=dt.datetime(2026, 12, 11, 2, 0), row=7),  # wrong day
        Assignment(day(9), "W3", "D", row=8),  # outside the horizon
    ]
    report = check(sc, rota)
    assert {v.rule for v in report.violations} == {"rota_format"}
    assert len(report.violations) == 7
    messages = "\n".join(v.message for v in report.violations)
    assert "W9 on 2026-12-08 (row 3): unknown worker 'W9'" in messages
    assert "unknown shift 'X'" in messages
    assert "MM is a meeting" in messages
    assert "worker_name 'Bob' but the scenario says 'Name W3'" in messages
    assert "grid 'G09' but the worker belongs to 'G01'" in messages
    assert "end 2026-12-11T02:00 but N ends 2026-12-12T02:00" in messages
    assert "date outside the horizon 2026-12-07..2026-12-13" in messages


def test_rows_with_unknown_worker_or_shift_are_left_out_of_the_rules() -> None:
    sc = scenario(only("cover"), cover=(cover_day(days=("mon",), min=1),))
    report = check(sc, [a(0, "W9", "D"), a(0, "W1", "X")])
    assert units(report.violations, "cover") == 1


def test_history_with_unknown_shift_is_reported_and_others_ignored() -> None:
    sc = scenario(only(None))
    history = [
        Assignment(day(-1), "W1", "X"),
        Assignment(day(-1), "W9", "X"),  # a worker who has left: ignored
        Assignment(day(0), "W1", "X"),  # not before the horizon: ignored
    ]
    report = check(sc, [], history=history)
    assert [(v.rule, v.worker_id) for v in report.violations] == [("rota_format", "W1")]


def test_horizon_inferred_from_the_rota() -> None:
    sc = scenario(only("weekly_rest_days"), labour=LabourRules(min_rest_days_per_week=7))
    # First date Wednesday 12-09 -> week 12-07; last 12-15 -> 2 weeks.
    report = check_rota(sc, [a(2, "W1", "D"), a(8, "W1", "D")])
    assert [(v.worker_id, v.date) for v in report.violations] == [
        ("W1", day(0)),
        ("W1", day(7)),
    ]


def test_week_must_be_a_monday() -> None:
    with pytest.raises(InputError, match="is not a Monday"):
        check_rota(scenario(only(None)), [], week=day(1))


# ---------------------------------------------------------------------------- files


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_read_rota_full_columns(tmp_path: Path) -> None:
    path = write(
        tmp_path / "rota.csv",
        "date,worker_id,worker_name,grid,shift_id,start,end\n"
        "2026-12-07,W1,Name W1,G01,N,2026-12-07T20:00,2026-12-08T02:00\n"
        "2026-12-07,W2,Name W2,G01,D,2026-12-07T08:00,2026-12-07T17:30\n",
    )
    rota = read_rota(path)
    assert rota == [a(0, "W1", "N"), a(0, "W2", "D")]
    assert rota[0].end == dt.datetime(2026, 12, 8, 2, 0)
    assert rota[1].row == 3
    assert check(scenario(only(None)), rota).ok


def test_read_rota_history_needs_only_three_columns(tmp_path: Path) -> None:
    path = write(tmp_path / "history.csv", "\ufeffdate,worker_id,shift_id\n2026-12-06,W1,N\n\n")
    assert read_rota(path) == [Assignment(SUN_BEFORE, "W1", "N")]


def test_read_rota_bad_date_names_file_row_and_column(tmp_path: Path) -> None:
    path = write(
        tmp_path / "rota.csv",
        "date,worker_id,shift_id\n2026-12-07,W1,D\n2026-13-07,W2,D\n2026-12-08,,D\n",
    )
    with pytest.raises(InputError) as info:
        read_rota(path)
    problems = info.value.problems
    assert [(p.file, p.row, p.column) for p in problems] == [
        (str(path), 3, "date"),  # the path as given: two files may share a name
        (str(path), 4, "worker_id"),
    ]
    assert "expected a date YYYY-MM-DD, got '2026-13-07'" in problems[0].message
    assert "rota.csv, row 3, column 'date'" in str(info.value)


def test_read_rota_bad_time_and_header(tmp_path: Path) -> None:
    bad_time = write(tmp_path / "a.csv", "date,worker_id,shift_id,start\n2026-12-07,W1,D,8:00\n")
    with pytest.raises(InputError) as info:
        read_rota(bad_time)
    assert [(p.row, p.column) for p in info.value.problems] == [(2, "start")]
    no_shift = write(tmp_path / "b.csv", "date,worker_id,shift\n2026-12-07,W1,D\n")
    with pytest.raises(InputError) as info:
        read_rota(no_shift)
    assert {(p.row, p.column) for p in info.value.problems} == {(1, "shift_id"), (1, "shift")}
    with pytest.raises(InputError, match="file is missing"):
        read_rota(tmp_path / "nope.csv")


def test_read_pins(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pins.csv", "date,worker_id,shift_id\n2026-12-07,W1,D\n2026-12-08,W2,\n"
    )
    assert read_pins(path) == [(day(0), "W1", "D"), (day(1), "W2", None)]
    bad = write(tmp_path / "bad.csv", "date,worker_id,shift_id\n07/12/2026,W1,D\n")
    with pytest.raises(InputError) as info:
        read_pins(bad)
    assert [(p.file, p.row, p.column) for p in info.value.problems] == [(str(bad), 2, "date")]


# ---------------------------------------------------------------------------- Baotun


def test_baotun_empty_rota_breaks_cover_and_scores_soft_rules() -> None:
    root = Path(__file__).resolve().parents[1] / "scenarios" / "baotun"
    sc = load_scenario(root)
    week = sc.info.default_week
    report = check_rota(sc, [], week=week, weeks=1)
    assert not report.ok
    assert {"cover", "weekly_hours"} <= {v.rule for v in report.violations}
    assert set(report.penalties) == {r for r, s in sc.rules.items() if s.mode == "soft"}
