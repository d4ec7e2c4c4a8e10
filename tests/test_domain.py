"""The domain model: shift lengths, the calendar, cover bounds, experience, scopes."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from planner._errors import InputError, InputProblem
from planner.domain import (
    Calendar,
    CoverRule,
    DatedName,
    Grid,
    InspectionSite,
    Leave,
    Request,
    RuleSetting,
    Scenario,
    ScenarioInfo,
    ShiftType,
    Skill,
    SkillGrant,
    Worker,
)

MON = dt.date(2026, 12, 7)  # a Monday
SAT = dt.date(2026, 12, 12)
SUN = dt.date(2026, 12, 13)


def shift(start: str, end: str, paid: int = 0, **extra: object) -> ShiftType:
    return ShiftType(
        id="X",
        zh="班",
        en="Shift",
        kind="day_patrol",
        start=start,
        end=end,
        paid_minutes=paid,
        **extra,
    )


def worker(**extra: object) -> Worker:
    fields: dict[str, object] = {
        "id": "W1",
        "name": "陈伟",
        "grid": "G1",
        "role": "inspector",
        "original_role": "fire",
        "joined": dt.date(2020, 1, 1),
        "weekly_hours": 40,
    }
    return Worker(**(fields | extra))


# ----------------------------------------------------------------------------- shifts


def test_day_shift_length():
    assert shift("08:00", "17:30").length_minutes == 570


@pytest.mark.parametrize(
    ("start", "end", "minutes"),
    [("20:00", "02:00", 360), ("17:30", "08:00", 870), ("22:00", "22:00", 1440)],
)
def test_overnight_shift_length(start, end, minutes):
    assert shift(start, end, crosses_midnight=True).length_minutes == minutes


def test_shift_ending_before_start_needs_crosses_midnight():
    with pytest.raises(
        ValidationError, match=r"shift 'X' ends \(02:00\) before it starts \(20:00\)"
    ):
        shift("20:00", "02:00")


def test_zero_length_shift_rejected():
    with pytest.raises(ValidationError, match="before it starts"):
        shift("08:00", "08:00")


def test_overnight_shift_longer_than_a_day_rejected():
    with pytest.raises(ValidationError, match="longer than 24 hours"):
        shift("08:00", "09:00", crosses_midnight=True)


def test_paid_minutes_cannot_exceed_length():
    assert shift("08:00", "09:00", paid=60).paid_minutes == 60
    with pytest.raises(ValidationError, match="pays 61 minutes but lasts only 60"):
        shift("08:00", "09:00", paid=61)


def test_bad_clock_text_rejected():
    with pytest.raises(ValidationError, match="expected a clock time HH:MM, got '8 am'"):
        shift("8 am", "17:00")


def test_shift_ending_at_24_00_is_refused_with_a_hint():
    with pytest.raises(
        ValidationError,
        match=r"'24:00' is not a clock time: write 00:00, and for a shift that ends at "
        r"midnight also set crosses_midnight = true",
    ):
        shift("16:00", "24:00")
    # what the hint says to write
    assert shift("16:00", "00:00", crosses_midnight=True).length_minutes == 480


# --------------------------------------------------------------------------- calendar


def test_calendar_plain_week():
    cal = Calendar()
    assert [cal.is_workday(MON + dt.timedelta(days=i)) for i in range(7)] == [
        True, True, True, True, True, False, False,
    ]  # fmt: skip


def test_calendar_holiday_and_adjusted_workday():
    holiday = dt.date(2026, 12, 9)  # a Wednesday
    cal = Calendar(
        holidays=(DatedName(date=holiday, name="假日"),),
        adjusted_workdays=(DatedName(date=SAT, name="调休"),),
    )
    assert cal.is_workday(holiday) is False
    assert cal.is_workday(SAT) is True
    assert cal.is_workday(SUN) is False
    assert cal.is_workday(MON) is True


def test_calendar_day_selectors():
    cal = Calendar(holidays=(DatedName(date=MON),), adjusted_workdays=(DatedName(date=SAT),))
    assert cal.matches(MON, ("restday",)) and not cal.matches(MON, ("workday",))
    assert cal.matches(SAT, ("workday",)) and not cal.matches(SAT, ("restday",))
    assert cal.matches(MON, ("mon",)) and not cal.matches(MON, ("tue", "sun"))
    assert cal.matches(SUN, ("workday", "sun"))
    assert all(cal.matches(MON + dt.timedelta(days=i), ("all",)) for i in range(7))
    assert not cal.matches(SUN, ())


# ------------------------------------------------------------------------ cover rules


def test_cover_rule_max_below_min_rejected():
    with pytest.raises(ValidationError, match=r"max \(1\) is below min \(2\)"):
        CoverRule(id="c", scope="*", shifts=("D",), min=2, max=1)


def test_cover_rule_bounds_accepted():
    rule = CoverRule(id="c", scope="*", shifts=("D",), min=2, max=2, min_experienced=2)
    assert (rule.min, rule.max, rule.days) == (2, 2, ("all",))


def test_cover_rule_min_experienced_above_head_count_rejected():
    with pytest.raises(ValidationError, match=r"min_experienced \(3\) exceeds the head count"):
        CoverRule(id="c", scope="*", shifts=("D",), min=2, max=2, min_experienced=3)


@pytest.mark.parametrize(
    "bad",
    [{"shifts": ()}, {"days": ("weekend",)}, {"min": -1}, {"role": "boss"}, {"colour": "red"}],
    ids=["no-shifts", "bad-day", "negative-min", "bad-role", "unknown-field"],
)
def test_cover_rule_rejects_bad_fields(bad):
    with pytest.raises(ValidationError):
        CoverRule(**({"id": "c", "scope": "*", "shifts": ("D",), "min": 1} | bad))


# ---------------------------------------------------------------------------- workers


def test_is_experienced_boundary_by_skill():
    w = worker(skills=(SkillGrant(skill="fire", since=dt.date(2025, 12, 13)),))
    assert w.is_experienced("fire", dt.date(2026, 12, 13), 365) is True  # exactly 365 days
    assert w.is_experienced("fire", dt.date(2026, 12, 12), 365) is False  # 364 days
    assert w.is_experienced("security", dt.date(2030, 1, 1), 365) is False  # never held


def test_is_experienced_by_tenure_without_skill():
    w = worker(joined=dt.date(2026, 1, 1))
    assert w.is_experienced(None, dt.date(2026, 1, 31), 30) is True
    assert w.is_experienced(None, dt.date(2026, 1, 30), 30) is False
    assert w.is_experienced(None, dt.date(2026, 1, 1), 0) is True


def test_has_skill_from_its_date_on():
    w = worker(skills=(SkillGrant(skill="fire", since=dt.date(2026, 6, 1)),))
    assert w.has_skill("fire", dt.date(2026, 6, 1))
    assert not w.has_skill("fire", dt.date(2026, 5, 31))
    assert not w.has_skill("security", dt.date(2030, 1, 1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", True),
        ("是", True),
        ("T", True),
        ("1", True),
        ("no", False),
        ("否", False),
        ("0", False),
    ],
)
def test_night_eligible_accepts_spreadsheet_booleans(text, expected):
    assert worker(night_eligible=text).night_eligible is expected


def test_worker_rejects_unknown_field_and_is_frozen():
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        worker(nickname="伟仔")
    w = worker()
    with pytest.raises(ValidationError):
        w.grid = "G2"


@pytest.mark.parametrize("bad_id", ["W 1", "-W1", "", "W" * 41])
def test_ids_must_be_spreadsheet_safe(bad_id):
    with pytest.raises(ValidationError):
        worker(id=bad_id)


# ---------------------------------------------------------------- leave and requests


def test_leave_covers_inclusive_days():
    lv = Leave(worker_id="W1", start=MON, end=MON + dt.timedelta(days=2))
    assert [lv.covers(MON + dt.timedelta(days=i)) for i in range(-1, 4)] == [
        False, True, True, True, False,
    ]  # fmt: skip
    assert Leave(worker_id="W1", start=MON, end=MON).covers(MON)


def test_leave_ending_before_start_rejected():
    with pytest.raises(ValidationError, match=r"leave ends \(2026-12-06\) before it starts"):
        Leave(worker_id="W1", start=MON, end=MON - dt.timedelta(days=1))


def test_shift_request_needs_shift_id():
    assert Request(worker_id="W1", date=MON, kind="day_off").shift_id is None
    with pytest.raises(ValidationError, match="a shift_on request needs a shift_id"):
        Request(worker_id="W1", date=MON, kind="shift_on")


# ---------------------------------------------------------------------------- scenario


def _scenario(reference: dt.date = dt.date(2026, 12, 6)) -> Scenario:
    def grid(gid: str, base: str) -> Grid:
        return Grid(id=gid, name=gid, base=base, station_lat=22.95, station_lon=113.67)

    return Scenario(
        info=ScenarioInfo(name="S", reference_date=reference, bbox=(113.6, 22.9, 113.7, 23.0)),
        skills=(Skill(code="fire", zh="消防", en="Fire"),),
        grids=(grid("G1", "B1"), grid("G2", "B1"), grid("G3", "B2")),
        shifts=(shift("08:00", "17:00"),),
        workers=(worker(),),
        sites=(
            InspectionSite(
                id="S1", name="a", kind="small_shop", lat=22.95, lon=113.67, grid="G1",
                skill="fire", service_minutes=10,
                opening_hours=({"open": "09:00", "close": "21:00"},),
                risk="high", visit_interval_days=7, last_visit=dt.date(2026, 12, 1),
            ),
            InspectionSite(
                id="S2", name="b", kind="gas_user", lat=22.95, lon=113.67, grid="G3",
                skill="fire", service_minutes=10,
                opening_hours=({"open": "09:00", "close": "17:00"},),
                risk="low", visit_interval_days=30,
            ),
        ),
    )  # fmt: skip


def test_scope_grids():
    s = _scenario()
    assert s.scope_grids("*") == ("G1", "G2", "G3")
    assert s.scope_grids("B1") == ("G1", "G2")
    assert s.scope_grids("B2") == ("G3",)
    assert s.scope_grids("G2") == ("G2",)
    assert s.scope_grids("G9") == ()


def test_rule_defaults_preferences_soft_labour_rules_hard():
    sc = _scenario()
    assert (sc.rule("fairness").mode, sc.rule("fairness").weight) == ("soft", 1)
    assert (sc.rule("min_rest").mode, sc.rule("min_rest").weight) == ("hard", 1)
    assert sc.rule("fair_share").mode == "off"  # opt-in: see docs/rules.md


def test_with_rule_sets_one_rule_and_validates_it():
    sc = _scenario()
    on = sc.with_rule("fair_share", RuleSetting(mode="soft", weight=4))
    assert on.rule("fair_share") == RuleSetting(mode="soft", weight=4)
    assert (
        sc.rule("fair_share").mode == "off" and on.rules.keys() - {"fair_share"} == sc.rules.keys()
    )
    with pytest.raises(ValueError, match="unknown rule 'fair_shares'"):
        sc.with_rule("fair_shares", RuleSetting(mode="soft"))
    with pytest.raises(ValueError, match="fair_share measures a spread"):
        sc.with_rule("fair_share", RuleSetting(mode="hard"))


def test_sites_due_and_next_due():
    s = _scenario()
    s1, s2 = s.sites
    assert s1.next_due(s.info.reference_date) == dt.date(2026, 12, 8)
    assert s2.next_due(s.info.reference_date) == s.info.reference_date  # never visited
    assert [x.id for x in s.sites_due(dt.date(2026, 12, 7))] == ["S2"]
    assert [x.id for x in s.sites_due(dt.date(2026, 12, 8))] == ["S1", "S2"]


@pytest.mark.parametrize(
    ("reference", "week"),
    [
        (dt.date(2026, 12, 6), dt.date(2026, 12, 7)),  # Sunday -> next day
        (dt.date(2026, 12, 7), dt.date(2026, 12, 14)),  # Monday -> the Monday after
        (dt.date(2026, 12, 10), dt.date(2026, 12, 14)),  # Thursday
    ],
)
def test_default_week_is_the_monday_after_the_reference_date(reference, week):
    assert _scenario(reference).info.default_week == week
    assert week.weekday() == 0


def test_bbox_must_be_ordered():
    with pytest.raises(ValidationError, match="bbox must be"):
        ScenarioInfo(name="S", reference_date=MON, bbox=(113.7, 22.9, 113.6, 23.0))


# ------------------------------------------------------------------------------ errors


def test_input_problem_text():
    assert str(InputProblem("workers.csv", 5, "grid", "bad")) == (
        "workers.csv, row 5, column 'grid': bad"
    )
    assert str(InputProblem("scenario.toml", "[[cover]] c", "min", "bad")) == (
        "scenario.toml, [[cover]] c, column 'min': bad"
    )
    assert str(InputProblem("workers.csv", None, None, "file is missing")) == (
        "workers.csv: file is missing"
    )


def test_input_error_lists_every_problem_and_exits_2():
    err = InputError([InputProblem("a.csv", 2, "x", "one"), InputProblem("b.csv", 3, None, "two")])
    assert str(err) == "a.csv, row 2, column 'x': one\nb.csv, row 3: two"
    assert err.exit_code == 2
    assert isinstance(err, ValueError)
