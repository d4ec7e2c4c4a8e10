"""The domain model: what a community, its workers, shifts, rules and sites are.

Every object is an immutable pydantic model with ``extra="forbid"``, so a typo in a
scenario file is an error rather than a silently ignored field. Domain objects never
hold solver variables; the roster and routing engines build their own models from these.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
"""Ids are short and spreadsheet-safe: letters, digits, ``_ . -``."""

Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=40)]

_TRUE = {"1", "true", "yes", "y", "是", "t"}
_FALSE = {"0", "false", "no", "n", "否", "f"}


def _parse_bool(value: object) -> object:
    """Accept what a dispatcher types in a spreadsheet: yes/no, true/false, 1/0, 是/否."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    return value


MIDNIGHT_SHIFT_HINT = (
    "'24:00' is not a clock time: write 00:00, and for a shift that ends at midnight "
    "also set crosses_midnight = true"
)
MIDNIGHT_WINDOW_HINT = (
    "'24:00' is not a clock time: opening hours lie within one day, so a window open "
    "until midnight closes at 23:59"
)


def _is_24(value: object) -> bool:
    return isinstance(value, str) and value.strip() in {"24:00", "24:00:00"}


def _parse_clock(value: object) -> object:
    """Shift times are written ``HH:MM`` from 00:00 to 23:59.

    ``24:00`` is refused with a hint: a shift ending at midnight ends at ``00:00`` and says
    ``crosses_midnight = true``, so a clock time never means two different instants.
    """
    if isinstance(value, str):
        text = value.strip()
        if _is_24(text):
            raise ValueError(MIDNIGHT_SHIFT_HINT)
        try:
            return dt.datetime.strptime(text, "%H:%M").time()
        except ValueError as exc:
            raise ValueError(f"expected a clock time HH:MM, got {value!r}") from exc
    return value


def _window_clock(value: object) -> object:
    """Opening-hour times use pydantic's time parsing; only ``24:00`` gets its own hint."""
    if _is_24(value):
        raise ValueError(MIDNIGHT_WINDOW_HINT)
    return value


def _local(value: dt.time) -> dt.time:
    """A clock time of the scenario's own zone: one with an offset (``08:00+08:00``, or a
    number read as seconds) would compare with no other."""
    if value.tzinfo is not None:
        raise ValueError("expected a clock time HH:MM, without a time zone")
    return value


MAX_WEIGHT = 1_000_000
"""A penalty weight at most: weights times units must stay far inside the solver's 64-bit
sums (a weight of 2^63 - 1 overflowed into a false "optimal")."""

FIRST_YEAR, LAST_YEAR = 1900, 2999
"""Dates a scenario, a rota or a command may name: far enough for any real plan, and
near enough that a horizon or a visit interval added to one is still a date."""


def plausible_date(day: dt.date) -> str | None:
    """Why ``day`` cannot be planned with, or None."""
    if FIRST_YEAR <= day.year <= LAST_YEAR:
        return None
    return f"{day} is outside the years {FIRST_YEAR}-{LAST_YEAR}"


def _plausible(day: dt.date) -> dt.date:
    if (why := plausible_date(day)) is not None:
        raise ValueError(why)
    return day


SheetBool = Annotated[bool, BeforeValidator(_parse_bool)]
Clock = Annotated[dt.time, BeforeValidator(_parse_clock), AfterValidator(_local)]
WindowClock = Annotated[dt.time, BeforeValidator(_window_clock), AfterValidator(_local)]
Day = Annotated[dt.date, AfterValidator(_plausible)]


class Frozen(BaseModel):
    """Base of all domain objects: immutable, unknown fields rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Role(StrEnum):
    """A grid worker's post within the grid (巡查员 / 调度员 / 处置员)."""

    INSPECTOR = "inspector"
    DISPATCHER = "dispatcher"
    HANDLER = "handler"


class ShiftKind(StrEnum):
    """The five-part working pattern plus the morning meeting."""

    MEETING = "meeting"
    DAY_PATROL = "day_patrol"
    NIGHT_PATROL = "night_patrol"
    STANDBY = "standby"
    DESK = "desk"
    RESERVE = "reserve"


class SiteKind(StrEnum):
    """Kinds of inspection target named in the source article."""

    RENTAL_HOUSING = "rental_housing"
    SMALL_SHOP = "small_shop"
    SMALL_RESTAURANT = "small_restaurant"
    SMALL_WORKSHOP = "small_workshop"
    ENTERPRISE = "enterprise"
    GAS_USER = "gas_user"
    AD_HOC = "ad_hoc"
    """An ad-hoc task (``planner routes --tasks``), not a registered site."""


class Risk(StrEnum):
    """Risk level of a site; high-risk sites are served first and may be mandatory."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Crs(StrEnum):
    """Coordinate systems a site may be given in (GCJ-02 comes from Chinese map apps)."""

    WGS84 = "WGS-84"
    GCJ02 = "GCJ-02"


WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_SETS = ("all", "workday", "restday", *WEEKDAY_NAMES)
"""Day selectors of a cover rule: every day, China's working days (after holidays and
adjusted working weekends), rest days (weekends and holidays), or named weekdays."""

RULE_NAMES: dict[str, str] = {
    "cover": "Cover per grid, shift and day with the required skills and experienced staff",
    "one_shift_per_day": "At most one shift per worker per day (the meeting belongs to day duty)",
    "leave": "No shift on a day of leave",
    "min_rest": "Minimum rest between the end of one shift and the start of the next",
    "max_consecutive_days": "Maximum consecutive working days",
    "weekly_rest_days": "At least the minimum number of rest days in each week",
    "weekly_hours": "Weekly paid hours within contract plus the weekly overtime cap",
    "monthly_overtime": "Overtime in a calendar month within the monthly cap, counting history",
    "max_nights": "Maximum night patrols per week",
    "night_eligibility": "Night patrols only for night-eligible workers",
    "desk_rotation": "Desk duty spread evenly over the eligible workers",
    "pairing_old_new": "An experienced worker with a newcomer on each night patrol (以旧带新)",
    "fairness": "Nights, weekends, standby and desk duty shared fairly over a running ledger",
    "fair_share": "Each worker's ledger of nights, weekends, standby and desk near the even split",
    "requests": "Workers' requests for days off or particular shifts",
    "pins": "Assignments pinned by the dispatcher",
    "stability": "Fewest changes against a given previous rota",
    "forbidden_successions": "Shift types that may not follow another on the next day",
    "max_shifts_per_type": "A worker's maximum number of shifts of each type in the horizon",
    "total_minutes": "A worker's paid minutes over the horizon within their min and max",
    "min_consecutive_days": "Runs of working days at least the minimum long",
    "min_consecutive_days_off": "Runs of days off at least the minimum long",
    "max_weekends": "A worker's maximum number of worked weekends in the horizon",
}
"""The stable names of the roster rules; scenario files, breakdowns and diagnoses use them."""


class Skill(Frozen):
    """One of the merged roles, now a skill a worker can hold."""

    code: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=30)]
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Grid(Frozen):
    """A grid (网格): the unit of cover and of daily routes, with its station."""

    id: Id
    name: str = Field(min_length=1)
    base: Id
    station_lat: float = Field(ge=-90, le=90)
    station_lon: float = Field(ge=-180, le=180)


class ShiftType(Frozen):
    """A kind of shift with its clock times; overnight shifts say so explicitly."""

    id: Id
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    kind: ShiftKind
    start: Clock
    end: Clock
    crosses_midnight: bool = False
    paid_minutes: int = Field(ge=0, le=24 * 60)
    includes_meeting: bool = False
    forbidden_next: tuple[Id, ...] = ()

    @property
    def length_minutes(self) -> int:
        """Clock length; an overnight shift ends on the next calendar day."""
        start = self.start.hour * 60 + self.start.minute
        end = self.end.hour * 60 + self.end.minute
        return end - start + (24 * 60 if self.crosses_midnight else 0)

    @model_validator(mode="after")
    def _ends_after_start(self) -> ShiftType:
        if self.length_minutes <= 0:
            raise ValueError(
                f"shift {self.id!r} ends ({self.end:%H:%M}) before it starts "
                f"({self.start:%H:%M}); set crosses_midnight = true if it ends the next day"
            )
        if self.crosses_midnight and self.length_minutes > 24 * 60:
            raise ValueError(f"shift {self.id!r} is longer than 24 hours")
        if self.paid_minutes > self.length_minutes:
            raise ValueError(
                f"shift {self.id!r} pays {self.paid_minutes} minutes but lasts only "
                f"{self.length_minutes}"
            )
        return self


class CoverRule(Frozen):
    """How many workers a scope needs on some shifts on some days, with which skill."""

    id: Id
    scope: str = Field(description="a grid id, a base grid id, or '*' for the whole community")
    shifts: tuple[Id, ...] = Field(min_length=1)
    days: tuple[Literal[DAY_SETS], ...] = ("all",)  # type: ignore[valid-type]
    min: int = Field(default=0, ge=0)
    max: int | None = Field(default=None, ge=0)
    skill: str | None = None
    role: Role | None = None
    min_experienced: int = Field(default=0, ge=0)
    weight: int | None = Field(
        default=None, ge=0, le=MAX_WEIGHT, description="overrides [rules.cover] weight"
    )
    weight_over: int | None = Field(
        default=None,
        ge=0,
        le=MAX_WEIGHT,
        description="weight per excess head when soft (default: weight)",
    )
    dates: tuple[Day, ...] = Field(
        default=(), description="if given, the rule applies on these dates only"
    )

    def applies(self, day: dt.date, calendar: Calendar) -> bool:
        """Whether the rule asks for cover on ``day``: its dates, else its day selectors."""
        if self.dates:
            return day in self.dates
        return calendar.matches(day, self.days)

    @model_validator(mode="after")
    def _bounds(self) -> CoverRule:
        if self.max is not None and self.max < self.min:
            raise ValueError(f"max ({self.max}) is below min ({self.min})")
        if self.min_experienced > max(self.min, self.max or 0):
            raise ValueError(
                f"min_experienced ({self.min_experienced}) exceeds the head count ({self.min})"
            )
        return self


class LabourRules(Frozen):
    """Labour-law limits (China's Labour Law defaults) that the roster must keep."""

    min_rest_hours: float = Field(default=11, ge=0, le=48)
    max_consecutive_days: int = Field(default=6, ge=1, le=31)
    min_rest_days_per_week: int = Field(default=1, ge=0, le=7)
    standard_weekly_hours: float = Field(default=40, gt=0, le=84)
    max_overtime_hours_week: float = Field(default=4, ge=0, le=40)
    max_undertime_hours_week: float = Field(default=8, ge=0, le=84)
    max_overtime_hours_month: float = Field(default=36, ge=0, le=200)
    max_nights_per_week: int = Field(default=3, ge=0, le=7)
    min_consecutive_days: int = Field(default=1, ge=1, le=31)
    min_consecutive_days_off: int = Field(default=1, ge=1, le=31)
    experienced_after_days: int = Field(default=365, ge=0)


class RuleSetting(Frozen):
    """Whether a rule is hard, soft (with a weight per unit of violation) or off."""

    mode: Literal["hard", "soft", "off"] = "hard"
    weight: int = Field(default=1, ge=0, le=MAX_WEIGHT)


DEFAULT_RULE_SETTINGS: dict[str, RuleSetting] = {
    "desk_rotation": RuleSetting(mode="soft", weight=1),
    "fairness": RuleSetting(mode="soft", weight=1),
    "fair_share": RuleSetting(mode="off", weight=1),
    "requests": RuleSetting(mode="soft", weight=1),
    "stability": RuleSetting(mode="soft", weight=1),
}
"""Rules that are preferences are soft unless the scenario says otherwise; all others hard."""

SPREAD_RULES = ("desk_rotation", "fairness", "fair_share")
"""Rules that measure a spread (max − min, or the distance from the even split) to keep
small: soft or off, never hard (the least is not known before the solve, so there is no
bound to hold)."""


class DatedName(Frozen):
    """A date with a name: a public holiday or an adjusted working day (调休)."""

    date: Day
    name: str = ""


class Calendar(Frozen):
    """Public holidays and adjusted working weekends that change which days are workdays."""

    holidays: tuple[DatedName, ...] = ()
    adjusted_workdays: tuple[DatedName, ...] = ()

    def is_workday(self, day: dt.date) -> bool:
        """China's rule: Mon-Fri unless a holiday; a weekend day if declared a workday."""
        if any(h.date == day for h in self.adjusted_workdays):
            return True
        if any(h.date == day for h in self.holidays):
            return False
        return day.weekday() < 5

    def matches(self, day: dt.date, selectors: tuple[str, ...]) -> bool:
        """Whether ``day`` is selected by any of a cover rule's day selectors."""
        for sel in selectors:
            if sel == "all":
                return True
            if sel == "workday" and self.is_workday(day):
                return True
            if sel == "restday" and not self.is_workday(day):
                return True
            if sel == WEEKDAY_NAMES[day.weekday()]:
                return True
        return False


class ScenarioInfo(Frozen):
    """Identity and geography of a scenario; ``reference_date`` is the data snapshot day."""

    name: str = Field(min_length=1)
    name_zh: str = ""
    reference_date: Day
    timezone: str = "Asia/Shanghai"
    bbox: tuple[float, float, float, float] = Field(
        description="lon_min, lat_min, lon_max, lat_max in WGS-84"
    )
    travel_mode: Literal["walk", "ebike"] = "walk"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        """A zone the calendars can convert from: found at load, not after a solve."""
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as Asia/Shanghai"
            ) from exc
        return value

    @model_validator(mode="after")
    def _bbox_ordered(self) -> ScenarioInfo:
        lon_min, lat_min, lon_max, lat_max = self.bbox
        if not (lon_min >= -180 and lon_max <= 180 and lat_min >= -90 and lat_max <= 90):
            raise ValueError("bbox must be longitudes within ±180 and latitudes within ±90")
        if not (lon_min < lon_max and lat_min < lat_max):
            raise ValueError("bbox must be [lon_min, lat_min, lon_max, lat_max] with min < max")
        return self

    @property
    def default_week(self) -> dt.date:
        """The Monday after the reference date: the week a rota is normally made for."""
        return self.reference_date + dt.timedelta(days=7 - self.reference_date.weekday())


class SkillGrant(Frozen):
    """A skill and the date the worker acquired it (skills grow with training)."""

    skill: str
    since: Day


class Worker(Frozen):
    """A grid worker and their contract."""

    id: Id
    name: str = Field(min_length=1)
    grid: Id
    role: Role
    original_role: str
    joined: Day
    weekly_hours: float = Field(gt=0, le=84)
    night_eligible: SheetBool = True
    skills: tuple[SkillGrant, ...] = ()
    max_shifts: dict[str, int] = Field(
        default_factory=dict, description="shift id -> most shifts of that type in the horizon"
    )
    min_total_minutes: int | None = Field(default=None, ge=0)
    max_total_minutes: int | None = Field(default=None, ge=0)
    max_consecutive_days: int | None = Field(default=None, ge=1)
    min_consecutive_days: int | None = Field(default=None, ge=1)
    min_consecutive_days_off: int | None = Field(default=None, ge=1)
    max_weekends: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _whole_contract_minutes(self) -> Worker:
        minutes = self.weekly_hours * 60
        if abs(minutes - round(minutes)) > 1e-9 or round(minutes) % 5:
            raise ValueError(
                f"weekly_hours {self.weekly_hours:g} is not a whole number of 5-minute steps "
                "(e.g. 40, 37.5, 37.25)"
            )
        return self

    def has_skill(self, code: str, on: dt.date) -> bool:
        """Whether the worker holds ``code`` on ``on``."""
        return any(g.skill == code and g.since <= on for g in self.skills)

    def is_experienced(self, code: str | None, on: dt.date, after_days: int) -> bool:
        """Held the skill (or, without one, the job) for at least ``after_days`` days."""
        if code is None:
            since: Day | None = self.joined
        else:
            since = next((g.since for g in self.skills if g.skill == code), None)
        return since is not None and (on - since).days >= after_days


class Leave(Frozen):
    """Days (inclusive) a worker is away: annual leave, sick leave, training."""

    worker_id: Id
    start: Day
    end: Day
    kind: str = "annual"
    note: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Leave:
        if self.end < self.start:
            raise ValueError(f"leave ends ({self.end}) before it starts ({self.start})")
        return self

    def covers(self, day: dt.date) -> bool:
        """Whether ``day`` is a day of this leave."""
        return self.start <= day <= self.end


class Request(Frozen):
    """A worker's wish: a day off, a particular shift, or not a particular shift."""

    worker_id: Id
    date: Day
    kind: Literal["day_off", "shift_on", "shift_off"]
    shift_id: Id | None = None
    weight: int = Field(default=1, ge=0, le=MAX_WEIGHT)

    @model_validator(mode="after")
    def _shift_given(self) -> Request:
        if self.kind != "day_off" and self.shift_id is None:
            raise ValueError(f"a {self.kind} request needs a shift_id")
        return self


class TimeWindow(Frozen):
    """An opening interval of a site within one day."""

    open: WindowClock
    close: WindowClock


class InspectionSite(Frozen):
    """A place grid workers inspect, due again every ``visit_interval_days``."""

    id: Id
    name: str = Field(min_length=1)
    kind: SiteKind
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    crs: Crs = Crs.WGS84
    grid: Id
    skill: str
    service_minutes: int = Field(gt=0, le=480)
    opening_hours: tuple[TimeWindow, ...] = Field(min_length=1)
    risk: Risk
    visit_interval_days: int = Field(gt=0, le=3650)
    last_visit: Day | None = None

    def next_due(self, reference: dt.date) -> dt.date:
        """The day the next visit falls due; never visited means due at once."""
        if self.last_visit is None:
            return reference
        return self.last_visit + dt.timedelta(days=self.visit_interval_days)


class StreetSettings(Frozen):
    """Where a scenario's street network comes from (``[streets]`` in scenario.toml)."""

    source: str | None = Field(
        default=None, description="OSM file in the scenario folder (.osm, .osm.bz2, .graphml)"
    )
    patrol: str | None = Field(
        default=None, description="CSV grid,street: each grid's night-patrol streets"
    )


class RoutingSettings(Frozen):
    """How daily routes are built (``[routes]`` in scenario.toml); see docs/routes.md."""

    lunch_minutes: int = Field(default=90, ge=0, le=240)
    lunch_earliest: Clock = dt.time(11, 30)
    lunch_latest: Clock = dt.time(12, 30)
    max_snap_m: int = Field(default=500, gt=0)
    drop_penalty_m: dict[Risk, int] = Field(
        default_factory=lambda: {Risk.LOW: 3000, Risk.MEDIUM: 8000, Risk.HIGH: 20000}
    )
    overdue_penalty_m_per_day: int = Field(default=500, ge=0)
    overdue_days_cap: int = Field(default=30, ge=0)
    mandatory_penalty_m: int = Field(default=1_000_000, gt=0)

    @model_validator(mode="after")
    def _lunch_window(self) -> RoutingSettings:
        if self.lunch_latest < self.lunch_earliest:
            raise ValueError("lunch_latest is before lunch_earliest")
        return self


class Scenario(Frozen):
    """A whole community as loaded from one scenario folder."""

    info: ScenarioInfo
    labour: LabourRules = LabourRules()
    rules: dict[str, RuleSetting] = Field(default_factory=dict)
    calendar: Calendar = Calendar()
    skills: tuple[Skill, ...]
    grids: tuple[Grid, ...]
    shifts: tuple[ShiftType, ...]
    cover: tuple[CoverRule, ...] = ()
    workers: tuple[Worker, ...]
    leave: tuple[Leave, ...] = ()
    requests: tuple[Request, ...] = ()
    sites: tuple[InspectionSite, ...] = ()
    streets: StreetSettings = StreetSettings()
    routing: RoutingSettings = RoutingSettings()

    @field_validator("rules")
    @classmethod
    def _spreads_not_hard(cls, rules: dict[str, RuleSetting]) -> dict[str, RuleSetting]:
        for name in SPREAD_RULES:
            if name in rules and rules[name].mode == "hard":
                raise ValueError(f"{name} measures a spread to keep small: soft or off")
        return rules

    def rule(self, name: str) -> RuleSetting:
        """The setting of a rule by its stable name (its default unless set)."""
        return self.rules.get(name) or DEFAULT_RULE_SETTINGS.get(name, RuleSetting())

    def with_rule(self, name: str, setting: RuleSetting) -> Scenario:
        """A copy with one rule set otherwise (a benchmark's or a what-if's switch),
        validated by the domain model (a spread rule cannot be hard; the loader's own check
        that ``one_shift_per_day`` stays hard is not repeated here)."""
        if name not in RULE_NAMES:
            raise ValueError(f"unknown rule {name!r}")
        return Scenario.model_validate({**dict(self), "rules": {**self.rules, name: setting}})

    def grid(self, grid_id: str) -> Grid:
        """The grid with this id."""
        return next(g for g in self.grids if g.id == grid_id)

    def shift(self, shift_id: str) -> ShiftType:
        """The shift type with this id."""
        return next(s for s in self.shifts if s.id == shift_id)

    def scope_grids(self, scope: str) -> tuple[str, ...]:
        """Grid ids a cover scope stands for: one grid, all grids of a base, or all."""
        if scope == "*":
            return tuple(g.id for g in self.grids)
        if any(g.id == scope for g in self.grids):
            return (scope,)
        return tuple(g.id for g in self.grids if g.base == scope)

    def sites_due(self, day: dt.date) -> tuple[InspectionSite, ...]:
        """Sites whose next visit falls due on ``day`` or earlier (overdue ones included)."""
        ref = self.info.reference_date
        return tuple(s for s in self.sites if s.next_due(ref) <= day)
