"""Seeded generator of scenarios: the Baotun default and larger synthetic communities.

The generator encodes the working pattern of the source article (每天早会、每晚夜巡、
时刻待命、轮流坐班、后备机动) as shift types and cover rules a dispatcher would set, and
staffs each base grid with 8-12 inspectors, one dispatcher and one handler. Everything
random is drawn from one ``numpy`` generator seeded by ``seed``, so the same arguments
always give byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from numbers import Integral
from pathlib import Path

import numpy as np

from planner._errors import InputError, InputProblem
from planner.domain import (
    Calendar,
    CoverRule,
    Crs,
    DatedName,
    Grid,
    InspectionSite,
    LabourRules,
    Leave,
    Request,
    Risk,
    Role,
    RuleSetting,
    Scenario,
    ScenarioInfo,
    ShiftKind,
    ShiftType,
    SiteKind,
    Skill,
    SkillGrant,
    StreetSettings,
    TimeWindow,
    Worker,
)

BAOTUN_WORKERS = 62
BAOTUN_GRIDS = 8
BAOTUN_SITES = 2300
BAOTUN_SEED = 20220601
BAOTUN_BBOX = (113.655, 22.925, 113.695, 22.965)
REFERENCE_DATE = dt.date(2026, 12, 6)

SKILLS = (
    Skill(code="comprehensive", zh="综合治理", en="Comprehensive management"),
    Skill(code="safety", zh="安全生产", en="Work safety"),
    Skill(code="security", zh="治安", en="Public security"),
    Skill(code="city", zh="城市管理", en="City management"),
    Skill(code="fire", zh="消防", en="Fire safety"),
    Skill(code="population", zh="人口管理", en="Population registry"),
    Skill(code="hr", zh="人力资源和社会保障", en="HR & social security"),
    Skill(code="market", zh="市场监管(食药监)", en="Market supervision (food & drug)"),
)
ORIGINAL_ROLE_WEIGHTS = {
    "comprehensive": 14,
    "security": 12,
    "fire": 8,
    "safety": 8,
    "city": 8,
    "population": 6,
    "hr": 3,
    "market": 3,
}
"""How the 62 came to the pool: mostly former comprehensive-management and security staff."""

SHIFTS = (
    ShiftType(
        id="MM", zh="早会", en="Morning meeting", kind=ShiftKind.MEETING,
        start=dt.time(8, 0), end=dt.time(8, 30), paid_minutes=30,
    ),
    ShiftType(
        id="D", zh="日间巡查", en="Day patrol", kind=ShiftKind.DAY_PATROL,
        start=dt.time(8, 0), end=dt.time(17, 30), paid_minutes=480, includes_meeting=True,
    ),
    ShiftType(
        id="K", zh="轮流坐班", en="Desk duty", kind=ShiftKind.DESK,
        start=dt.time(8, 0), end=dt.time(17, 30), paid_minutes=480, includes_meeting=True,
    ),
    ShiftType(
        id="R", zh="后备机动", en="Mobile reserve", kind=ShiftKind.RESERVE,
        start=dt.time(8, 0), end=dt.time(17, 30), paid_minutes=480, includes_meeting=True,
    ),
    ShiftType(
        id="N", zh="夜间巡查", en="Night patrol", kind=ShiftKind.NIGHT_PATROL,
        start=dt.time(20, 0), end=dt.time(2, 0), crosses_midnight=True, paid_minutes=360,
    ),
    ShiftType(
        id="S", zh="夜间值守待命", en="Overnight standby", kind=ShiftKind.STANDBY,
        start=dt.time(17, 30), end=dt.time(8, 0), crosses_midnight=True, paid_minutes=240,
    ),
)  # fmt: skip

LABOUR = LabourRules(max_overtime_hours_week=8)

RULES = {
    "cover": RuleSetting(mode="hard", weight=1000),
    "requests": RuleSetting(mode="soft", weight=5),
    "fairness": RuleSetting(mode="soft", weight=2),
    "desk_rotation": RuleSetting(mode="soft", weight=3),
    "stability": RuleSetting(mode="soft", weight=10),
}

SITE_KIND_SHARE = {
    SiteKind.RENTAL_HOUSING: 0.45,
    SiteKind.SMALL_SHOP: 0.20,
    SiteKind.SMALL_RESTAURANT: 0.12,
    SiteKind.SMALL_WORKSHOP: 0.10,
    SiteKind.ENTERPRISE: 0.05,
    SiteKind.GAS_USER: 0.08,
}
SITE_SKILLS = {
    SiteKind.RENTAL_HOUSING: ("population", "fire"),
    SiteKind.SMALL_SHOP: ("fire",),
    SiteKind.SMALL_RESTAURANT: ("market", "fire"),
    SiteKind.SMALL_WORKSHOP: ("safety", "fire"),
    SiteKind.ENTERPRISE: ("safety", "hr"),
    SiteKind.GAS_USER: ("safety",),
}
SITE_RISK = {  # probabilities of high, medium, low
    SiteKind.RENTAL_HOUSING: (0.15, 0.40, 0.45),
    SiteKind.SMALL_SHOP: (0.15, 0.45, 0.40),
    SiteKind.SMALL_RESTAURANT: (0.25, 0.45, 0.30),
    SiteKind.SMALL_WORKSHOP: (0.35, 0.40, 0.25),
    SiteKind.ENTERPRISE: (0.20, 0.40, 0.40),
    SiteKind.GAS_USER: (0.40, 0.40, 0.20),
}
VISIT_INTERVAL = {Risk.HIGH: 7, Risk.MEDIUM: 14, Risk.LOW: 30}
SERVICE_MINUTES = {
    SiteKind.RENTAL_HOUSING: 15,
    SiteKind.SMALL_SHOP: 10,
    SiteKind.SMALL_RESTAURANT: 15,
    SiteKind.SMALL_WORKSHOP: 20,
    SiteKind.ENTERPRISE: 30,
    SiteKind.GAS_USER: 15,
}
OPENING_HOURS = {
    SiteKind.RENTAL_HOUSING: "08:30-20:00",
    SiteKind.SMALL_SHOP: "09:00-21:00",
    SiteKind.SMALL_RESTAURANT: "10:00-14:00;16:30-21:00",
    SiteKind.SMALL_WORKSHOP: "08:00-12:00;13:30-18:00",
    SiteKind.ENTERPRISE: "08:30-12:00;13:30-17:30",
    SiteKind.GAS_USER: "09:00-17:00",
}
GCJ02_SHARE = 0.0
"""Share of sites given in GCJ-02; zero until the street layer converts coordinates."""

SURNAMES = "陈李黄张王刘林梁叶何罗郑谢吴钟周邓袁蔡朱曾赖卢方莫彭徐冯苏邱丁".replace(" ", "")
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玲志红建国文辉海燕鹏飞俊峰晓婷健波宇浩"
STREETS = (
    "宝屯路",
    "康乐北路",
    "厚街大道",
    "莞太路",
    "新围路",
    "环岛路",
    "宝塘路",
    "河田路",
    "湖景路",
    "双岗路",
)
WORDS = (
    "兴旺",
    "富源",
    "鸿发",
    "金盛",
    "顺达",
    "永利",
    "宏图",
    "佳美",
    "新华",
    "安泰",
    "恒通",
    "友谊",
)
INDUSTRY = ("鞋业", "家具", "五金", "电子", "制衣", "塑胶", "印刷", "包装")
GRID_NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class _GridPlan:
    grid: Grid
    inspectors: int


def _name(rng: np.random.Generator, taken: set[str]) -> str:
    for _ in range(1000):
        given = "".join(rng.choice(list(GIVEN), size=int(rng.integers(1, 3))))
        name = str(rng.choice(list(SURNAMES))) + given
        if name not in taken:
            taken.add(name)
            return name
    raise RuntimeError("ran out of distinct names")  # pragma: no cover


def _grid_label(i: int) -> str:
    if i < 10:
        return GRID_NUMERALS[i]
    return str(i + 1)


def _bbox_for(grids: int) -> tuple[float, float, float, float]:
    """Baotun's box for 8 grids; larger communities grow around its centre."""
    scale = math.sqrt(max(grids, 1) / BAOTUN_GRIDS)
    lon_c = (BAOTUN_BBOX[0] + BAOTUN_BBOX[2]) / 2
    lat_c = (BAOTUN_BBOX[1] + BAOTUN_BBOX[3]) / 2
    half_lon = (BAOTUN_BBOX[2] - BAOTUN_BBOX[0]) / 2 * max(scale, 1.0)
    half_lat = (BAOTUN_BBOX[3] - BAOTUN_BBOX[1]) / 2 * max(scale, 1.0)
    return (
        round(lon_c - half_lon, 6),
        round(lat_c - half_lat, 6),
        round(lon_c + half_lon, 6),
        round(lat_c + half_lat, 6),
    )


def _plan_grids(
    rng: np.random.Generator, workers: int, grids: int, bbox: tuple[float, float, float, float]
) -> list[_GridPlan]:
    """Base grids of 8-12 inspectors (+ dispatcher + handler); the largest split in two."""
    bases = math.ceil(grids * 5 / 8)
    splits = grids - bases
    inspectors = workers - 2 * bases
    if inspectors < 2 * grids or splits > bases:
        raise InputError(
            [
                InputProblem(
                    "generate",
                    None,
                    "--workers",
                    f"{workers} workers cannot staff {_grids_text(grids)} "
                    f"({bases} base grids, each with a dispatcher, a handler and inspectors)",
                )
            ]
        )
    weights = rng.uniform(8, 12, size=bases)
    sizes = np.floor(weights / weights.sum() * inspectors).astype(int)
    for i in np.argsort(-(weights / weights.sum() * inspectors - sizes))[
        : inspectors - sizes.sum()
    ]:
        sizes[i] += 1
    order = sorted(range(bases), key=lambda b: (-sizes[b], b))
    split_bases = set(order[:splits])
    # stations on a jittered lattice across the inner part of the box, row-major
    cols = math.ceil(math.sqrt(grids * 1.0))
    rows = math.ceil(grids / cols)
    lon0, lat0, lon1, lat1 = bbox
    plans: list[_GridPlan] = []
    slot = 0
    for b in range(bases):
        base_id = f"B{b + 1:02d}"
        parts = 2 if b in split_bases else 1
        share = [sizes[b] // parts + (1 if i < sizes[b] % parts else 0) for i in range(parts)]
        for part in range(parts):
            r, c = divmod(slot, cols)
            lat = lat1 - (r + 0.5 + rng.uniform(-0.2, 0.2)) / rows * (lat1 - lat0)
            lon = lon0 + (c + 0.5 + rng.uniform(-0.2, 0.2)) / cols * (lon1 - lon0)
            grid = Grid(
                id=f"G{slot + 1:02d}",
                name=f"第{_grid_label(slot)}网格",
                base=base_id,
                station_lat=round(lat, 6),
                station_lon=round(lon, 6),
            )
            plans.append(_GridPlan(grid, int(share[part])))
            slot += 1
    _check_staffable(workers, plans)
    return plans


def _grids_text(grids: int) -> str:
    return f"{grids} grid" if grids == 1 else f"{grids} grids"


def _staffing_problem(workers: int, grids: int, why: str) -> InputError:
    message = f"{workers} workers cannot staff {_grids_text(grids)}: {why}"
    return InputError([InputProblem("generate", None, "--workers", message)])


def _heads_per_day(rules: list[CoverRule], plans: list[_GridPlan], day: str) -> int:
    """Fewest workers the cover rules need on a ``workday`` or ``restday``, one shift each.

    Different shifts need different workers; for one shift, rules over disjoint scopes
    (the grids, the base grids, the whole community) add up and the largest sum counts.
    The meeting is part of the day shifts, so it needs nobody of its own.
    """
    meetings = {s.id for s in SHIFTS if s.kind == ShiftKind.MEETING}
    grid_ids = {p.grid.id for p in plans}
    base_ids = {p.grid.base for p in plans}
    total = 0
    for shift in sorted({s for r in rules for s in r.shifts} - meetings):
        mins: dict[str, int] = {}
        for r in rules:
            if r.shifts == (shift,) and ("all" in r.days or day in r.days):
                mins[r.scope] = max(mins.get(r.scope, 0), r.min)
        total += max(
            sum(n for scope, n in mins.items() if scope in grid_ids),
            sum(n for scope, n in mins.items() if scope in base_ids),
            mins.get("*", 0),
        )
    return total


def _check_staffable(workers: int, plans: list[_GridPlan]) -> None:
    """Refuse sizes whose cover rules no rota could meet: one shift a day, six days a week."""
    rules = _cover_rules(plans)
    workday = _heads_per_day(rules, plans, "workday")
    restday = _heads_per_day(rules, plans, "restday")
    grids = len(plans)
    if max(workday, restday) > workers:
        raise _staffing_problem(
            workers,
            grids,
            f"the cover rules need {max(workday, restday)} workers on shift on one day, "
            "each working one shift",
        )
    week = 5 * workday + 2 * restday
    days = 7 - LABOUR.min_rest_days_per_week
    if week > days * workers:
        raise _staffing_problem(
            workers,
            grids,
            f"the cover rules need {week} shifts a week, more than {workers} workers "
            f"working at most {days} days each can give",
        )


def _skills_for(
    rng: np.random.Generator, original: str, joined: dt.date, veteran: bool
) -> list[SkillGrant]:
    """Veterans learned many skills since the 2020 merger, newcomers few."""
    grants = [SkillGrant(skill=original, since=joined)]
    others = [s.code for s in SKILLS if s.code != original]
    extra = int(rng.integers(3, 7)) if veteran else int(rng.integers(0, 3))
    start = max(joined, dt.date(2020, 3, 1))
    span = max((REFERENCE_DATE - start).days - 30, 1)
    for code in rng.choice(others, size=extra, replace=False):
        since = start + dt.timedelta(days=int(rng.integers(30, span + 30)))
        grants.append(SkillGrant(skill=str(code), since=min(since, REFERENCE_DATE)))
    return grants


def _make_workers(rng: np.random.Generator, plans: list[_GridPlan]) -> list[Worker]:
    codes = list(ORIGINAL_ROLE_WEIGHTS)
    probs = np.array(list(ORIGINAL_ROLE_WEIGHTS.values()), dtype=float)
    probs /= probs.sum()
    taken: set[str] = set()
    workers: list[Worker] = []
    seen_bases: set[str] = set()
    for plan in plans:
        roles = [Role.INSPECTOR] * plan.inspectors
        if plan.grid.base not in seen_bases:
            seen_bases.add(plan.grid.base)
            roles = [Role.DISPATCHER, Role.HANDLER, *roles]
        for role in roles:
            veteran = role != Role.INSPECTOR or rng.random() < 0.55
            if veteran:
                joined = dt.date(2012, 1, 1) + dt.timedelta(days=int(rng.integers(0, 8 * 365)))
            else:
                joined = dt.date(2021, 6, 1) + dt.timedelta(days=int(rng.integers(0, 5 * 365)))
                joined = min(joined, REFERENCE_DATE - dt.timedelta(days=30))
            original = str(rng.choice(codes, p=probs))
            workers.append(
                Worker(
                    id=f"W{len(workers) + 1:03d}",
                    name=_name(rng, taken),
                    grid=plan.grid.id,
                    role=role,
                    original_role=original,
                    joined=joined,
                    weekly_hours=40,
                    night_eligible=bool(rng.random() > 0.08),
                    skills=tuple(_skills_for(rng, original, joined, veteran)),
                )
            )
    return _ensure_cover_skills(workers, plans)


def _in_skill_order(grants: tuple[SkillGrant, ...]) -> tuple[SkillGrant, ...]:
    """A worker's skills listed in the scenario's skill order, as workers.csv has them."""
    order = {s.code: i for i, s in enumerate(SKILLS)}
    return tuple(sorted(grants, key=lambda g: order[g.skill]))


def _ensure_cover_skills(workers: list[Worker], plans: list[_GridPlan]) -> list[Worker]:
    """Top up skills so each grid's cover rules can be met (3 with fire, 4 with security)."""
    needs = {"fire": 3, "security": 4}
    fixed = list(workers)
    for plan in plans:
        for code, count in needs.items():
            members = [i for i, w in enumerate(fixed) if w.grid == plan.grid.id]
            have = [i for i in members if any(g.skill == code for g in fixed[i].skills)]
            # train the longest-serving workers first: they are the old hands
            candidates = sorted(
                (i for i in members if i not in have), key=lambda i: (fixed[i].joined, fixed[i].id)
            )
            for i in candidates[: max(0, count - len(have))]:
                w = fixed[i]
                since = max(w.joined, dt.date(2020, 9, 1))
                fixed[i] = w.model_copy(
                    update={"skills": (*w.skills, SkillGrant(skill=code, since=since))}
                )
    return [w.model_copy(update={"skills": _in_skill_order(w.skills)}) for w in fixed]


def _cover_rules(plans: list[_GridPlan]) -> list[CoverRule]:
    """The five-part pattern as cover rules, scaled to each grid's size."""
    rules: list[CoverRule] = []
    for plan in plans:
        gid = plan.grid.id
        work = max(1, round(plan.inspectors * 0.3))
        rest = max(1, round(plan.inspectors * 0.2))
        rules += [
            CoverRule(id=f"day-{gid}", scope=gid, shifts=("D",), days=("workday",), min=work),
            CoverRule(id=f"day-fire-{gid}", scope=gid, shifts=("D",), days=("workday",), min=1,
                      skill="fire"),
            CoverRule(id=f"day-rest-{gid}", scope=gid, shifts=("D",), days=("restday",), min=rest),
        ]  # fmt: skip
    for base in sorted({p.grid.base for p in plans}):
        rules += [
            CoverRule(id=f"night-{base}", scope=base, shifts=("N",), min=2, max=2,
                      min_experienced=1),
            CoverRule(id=f"night-security-{base}", scope=base, shifts=("N",), min=1,
                      skill="security"),
            CoverRule(id=f"lead-{base}", scope=base, shifts=("MM",), days=("workday",), min=1,
                      role=Role.DISPATCHER),
        ]  # fmt: skip
    scale = max(1, round(len(plans) / BAOTUN_GRIDS))
    handlers = len({p.grid.base for p in plans})  # one handler per base grid
    rules += [
        CoverRule(id="lead-restday", scope="*", shifts=("MM",), days=("restday",),
                  min=min(2 * scale, handlers), role=Role.HANDLER),
        CoverRule(id="dispatchers-by-day", scope="*", shifts=("N", "S"), max=0,
                  role=Role.DISPATCHER),
        CoverRule(id="standby", scope="*", shifts=("S",), min=2 * scale, max=3 * scale),
        CoverRule(id="desk", scope="*", shifts=("K",), min=2 * scale, max=2 * scale),
        CoverRule(id="reserve", scope="*", shifts=("R",), days=("workday",), min=2 * scale),
        CoverRule(id="reserve-restday", scope="*", shifts=("R",), days=("restday",), min=scale),
    ]  # fmt: skip
    return rules


def _make_sites(
    rng: np.random.Generator,
    plans: list[_GridPlan],
    count: int,
    bbox: tuple[float, float, float, float],
) -> list[InspectionSite]:
    """Sites spread over each grid's area, due again by risk, last visits staggered."""
    kinds = list(SITE_KIND_SHARE)
    kind_p = np.array(list(SITE_KIND_SHARE.values()))
    stations = np.array([[p.grid.station_lat, p.grid.station_lon] for p in plans])
    weight = np.array([max(p.inspectors, 1) for p in plans], dtype=float)
    per_grid = np.floor(weight / weight.sum() * count).astype(int)
    per_grid[: count - per_grid.sum()] += 1
    lon0, lat0, lon1, lat1 = bbox
    margin_lon, margin_lat = (lon1 - lon0) * 0.04, (lat1 - lat0) * 0.04
    sites: list[InspectionSite] = []
    for gi, plan in enumerate(plans):
        made = 0
        while made < per_grid[gi]:
            lat = rng.uniform(lat0 + margin_lat, lat1 - margin_lat)
            lon = rng.uniform(lon0 + margin_lon, lon1 - margin_lon)
            near = int(np.argmin(((stations - [lat, lon]) ** 2).sum(axis=1)))
            if near != gi:
                continue
            kind = kinds[int(rng.choice(len(kinds), p=kind_p))]
            risk = (Risk.HIGH, Risk.MEDIUM, Risk.LOW)[int(rng.choice(3, p=SITE_RISK[kind]))]
            interval = VISIT_INTERVAL[risk]
            overdue = rng.random() < 0.01
            back = int(rng.integers(0, interval)) + (interval if overdue else 0)
            n = len(sites) + 1
            sites.append(
                InspectionSite(
                    id=f"S{n:05d}",
                    name=_site_name(rng, kind, n),
                    kind=kind,
                    lat=round(float(lat), 6),
                    lon=round(float(lon), 6),
                    crs=Crs.WGS84,
                    grid=plan.grid.id,
                    skill=str(rng.choice(list(SITE_SKILLS[kind]))),
                    service_minutes=SERVICE_MINUTES[kind] + 5 * int(rng.integers(-1, 2)),
                    opening_hours=tuple(_windows(OPENING_HOURS[kind])),
                    risk=risk,
                    visit_interval_days=interval,
                    last_visit=REFERENCE_DATE - dt.timedelta(days=back),
                )
            )
            made += 1
    return sites


def _windows(text: str) -> list[TimeWindow]:
    out = []
    for part in text.split(";"):
        a, b = part.split("-")
        out.append(
            TimeWindow(
                open=dt.datetime.strptime(a, "%H:%M").time(),
                close=dt.datetime.strptime(b, "%H:%M").time(),
            )
        )
    return out


def _site_name(rng: np.random.Generator, kind: SiteKind, n: int) -> str:
    street = str(rng.choice(STREETS))
    word = str(rng.choice(WORDS))
    number = int(rng.integers(1, 300))
    match kind:
        case SiteKind.RENTAL_HOUSING:
            return f"{street}{number}号出租屋"
        case SiteKind.SMALL_SHOP:
            return f"{word}士多店({street}{number}号)"
        case SiteKind.SMALL_RESTAURANT:
            return f"{word}小食店({street}{number}号)"
        case SiteKind.SMALL_WORKSHOP:
            return f"{word}{rng.choice(INDUSTRY)}加工坊({street})"
        case SiteKind.ENTERPRISE:
            return f"东莞市{word}{rng.choice(INDUSTRY)}有限公司#{n}"
        case SiteKind.GAS_USER:
            return f"{street}{number}号瓶装燃气用户"
        case SiteKind.AD_HOC:  # never generated; tasks come from --tasks files
            return f"{street}{number}号临时任务"


def _make_leave(rng: np.random.Generator, workers: list[Worker]) -> list[Leave]:
    week = REFERENCE_DATE + dt.timedelta(days=1)
    count = max(3, len(workers) // 20)
    # dispatchers lead their base grid's meeting every workday: their leave is planned apart
    pool = [i for i, w in enumerate(workers) if w.role != Role.DISPATCHER]
    chosen = sorted(rng.choice(pool, size=min(count, len(pool)), replace=False))
    kinds = ("annual", "sick", "training")
    leave = []
    for j, i in enumerate(chosen):
        start = week + dt.timedelta(days=int(rng.integers(0, 5)))
        length = int(rng.integers(1, 4))
        leave.append(
            Leave(
                worker_id=workers[int(i)].id,
                start=start,
                end=start + dt.timedelta(days=length - 1),
                kind=kinds[j % len(kinds)],
            )
        )
    return leave


def _make_requests(rng: np.random.Generator, workers: list[Worker]) -> list[Request]:
    week = REFERENCE_DATE + dt.timedelta(days=1)
    count = min(max(6, len(workers) // 10), len(workers))
    requests = []
    for i in sorted(rng.choice(len(workers), size=count, replace=False)):
        day = week + dt.timedelta(days=int(rng.integers(0, 7)))
        kind = str(rng.choice(["day_off", "day_off", "shift_off"]))
        requests.append(
            Request(
                worker_id=workers[int(i)].id,
                date=day,
                kind=kind,
                shift_id="N" if kind == "shift_off" else None,
                weight=int(rng.integers(1, 4)),
            )
        )
    return requests


def _check_arguments(**values: int) -> None:
    least = {"workers": 1, "grids": 1, "sites": 0, "seed": 0}
    problems = [
        InputProblem(
            "generate",
            None,
            f"--{key}",
            f"expected a whole number of at least {least[key]}, got {value!r}",
        )
        for key, value in values.items()
        if isinstance(value, bool) or not isinstance(value, Integral) or value < least[key]
    ]
    if problems:
        raise InputError(problems)


def generate_scenario(
    workers: int = BAOTUN_WORKERS,
    grids: int = BAOTUN_GRIDS,
    sites: int = BAOTUN_SITES,
    seed: int = BAOTUN_SEED,
    name: str | None = None,
) -> Scenario:
    """A complete, valid scenario; the defaults give the Baotun community.

    Raises :class:`InputError` for sizes no rota could staff and for negative arguments.
    """
    _check_arguments(workers=workers, grids=grids, sites=sites, seed=seed)
    rng = np.random.default_rng(seed)
    bbox = _bbox_for(grids)
    plans = _plan_grids(rng, workers, grids, bbox)
    staff = _make_workers(rng, plans)
    baotun = (workers, grids) == (BAOTUN_WORKERS, BAOTUN_GRIDS)
    return Scenario(
        info=ScenarioInfo(
            name=name or ("Baotun" if baotun else f"Synthetic-{workers}w-{grids}g-s{seed}"),
            name_zh="东莞市厚街镇宝屯社区" if baotun else "",
            reference_date=REFERENCE_DATE,
            bbox=bbox,
            travel_mode="walk",
        ),
        labour=LABOUR,
        rules=RULES,
        calendar=Calendar(holidays=(DatedName(date=dt.date(2027, 1, 1), name="元旦"),)),
        skills=SKILLS,
        grids=tuple(p.grid for p in plans),
        shifts=SHIFTS,
        cover=tuple(_cover_rules(plans)),
        workers=tuple(staff),
        leave=tuple(_make_leave(rng, staff)),
        requests=tuple(_make_requests(rng, staff)),
        sites=tuple(_make_sites(rng, plans, sites, bbox)),
    )


def write_generated(scenario: Scenario, folder: Path, seed: int) -> None:
    """Write a generated scenario with its generated street network and patrol streets.

    The streets come from :func:`planner.streets.synth.generate_streets` for the
    scenario's area and stations: an invented town, not a map (the README says so).
    """
    from planner.scenario_io import write_scenario
    from planner.streets.synth import PATROL_FILE, STREETS_FILE, generate_streets, write_streets

    stations = [(g.id, g.station_lat, g.station_lon) for g in scenario.grids]
    network = generate_streets(scenario.info.bbox, stations, seed)  # first: it may refuse
    streets = StreetSettings(source=STREETS_FILE, patrol=PATROL_FILE)
    write_scenario(scenario.model_copy(update={"streets": streets}), folder)
    write_streets(network, folder)
