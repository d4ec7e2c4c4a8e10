"""The rule catalogue: one function per rule, each named as in docs/rules.md.

Each function adds its constraints to the CP-SAT model through a :class:`RuleContext`,
which applies the rule's mode: ``hard`` constraints (guarded by an assumption literal
when diagnosing infeasibility), ``soft`` penalty terms registered under the rule's name,
or nothing when ``off``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model, cp_model_helper

from planner.domain import CoverRule, RuleSetting, ShiftKind, ShiftType, Worker
from planner.roster.problem import RosterProblem, month_of_week, shift_interval, week_of

Expr = cp_model.LinearExpr | cp_model.IntVar | int
"""A linear expression over model variables (or a constant)."""


@dataclass(frozen=True)
class CoverRow:
    """One cover bound: which (worker, day, shift) cells count, its limits and weights."""

    label: str
    cells: tuple[tuple[int, int, int], ...]
    lo: int | None
    hi: int | None
    weight_under: int
    weight_over: int
    hard: bool


@dataclass(frozen=True)
class Spread:
    """One max − min term (a fairness or rotation rule's): the counts it spans, its max
    and min variables, and the least value cover allows it."""

    name: str
    hi: cp_model.IntVar
    lo: cp_model.IntVar
    least: int
    counts: tuple[Expr, ...]
    workers: tuple[int, ...]
    """The worker whose count each of ``counts`` is."""


@dataclass
class RuleContext:
    """The model under construction and the bookkeeping every rule shares."""

    problem: RosterProblem
    model: cp_model.CpModel
    x: dict[tuple[int, int, int], cp_model.IntVar]
    diagnose: bool = False
    coarse: bool = False
    penalties: dict[str, list[tuple[int, Expr]]] = field(default_factory=dict)
    assumptions: dict[str, cp_model.IntVar] = field(default_factory=dict)
    shortfalls: list[tuple[str, dt.date, cp_model.IntVar, str]] = field(default_factory=list)
    spreads: list[Spread] = field(default_factory=list)
    """Each max − min term, with the counts it spans."""
    cover_rows: list[CoverRow] = field(default_factory=list)
    """Every head count the cover rule bounds, as data (the column generator's master rows)."""
    _work: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)

    # -- views -------------------------------------------------------------------------
    def works(self, w: int, d: int) -> Expr:
        """1 if worker ``w`` has a shift on day ``d``."""
        return sum(self.x[w, d, s] for s in range(len(self.problem.shifts)))

    def work_var(self, w: int, d: int) -> cp_model.IntVar:
        """A boolean equal to ``works(w, d)``, made once, for rules that need a literal."""
        key = (w, d)
        if key not in self._work:
            var = self.model.new_bool_var(f"work[{w},{d}]")
            self.model.add(var == self.works(w, d))
            self._work[key] = var
        return self._work[key]

    def shift_ids(self, kind: ShiftKind) -> list[int]:
        """Indices of assignable shifts of one kind."""
        return [i for i, s in enumerate(self.problem.shifts) if s.kind == kind]

    # -- applying a mode ---------------------------------------------------------------
    def guard(self, rule: str, label: str) -> list[cp_model.IntVar]:
        """Enforcement literals of a hard constraint: one assumption per label when diagnosing."""
        if not self.diagnose:
            return []
        if self.coarse:  # one literal per rule; cover keeps its rule id (the first word)
            label = label.split(" ")[0] if rule == "cover" else "all instances"
        key = f"{rule}: {label}"
        if key not in self.assumptions:
            self.assumptions[key] = self.model.new_bool_var(key)
        return [self.assumptions[key]]

    def penalise(self, rule: str, weight: int, expr: Expr) -> None:
        """Register a soft term under the rule's name."""
        if weight:
            self.penalties.setdefault(rule, []).append((weight, expr))

    def bound(
        self,
        rule: str,
        label: str,
        expr: Expr,
        lo: int | None,
        hi: int | None,
        *,
        weight: int | None = None,
        weight_over: int | None = None,
        unit: int = 1,
        track: tuple[dt.date, str] | None = None,
        cap: int | None = None,
    ) -> None:
        """``lo <= expr <= hi`` hard, or soft with a penalty per started ``unit`` beyond."""
        setting = self.problem.rule(rule)
        if setting.mode == "off":
            return
        if setting.mode == "hard":
            lits = self.guard(rule, label)
            if lo is not None:
                self.model.add(expr >= lo).only_enforce_if(lits)
            if hi is not None:
                self.model.add(expr <= hi).only_enforce_if(lits)
            return
        w = setting.weight if weight is None else weight
        big = 1_000_000
        gaps: dict[str, cp_model.IntVar] = {}
        for side, limit in (("under", lo), ("over", hi)):
            if limit is None:
                continue
            # tight domains help presolve and core-based search: every expression here is
            # a non-negative count or sum, so a shortfall never exceeds the lower bound
            top = limit if side == "under" else (big if cap is None else max(0, cap - limit))
            gap = gaps[side] = self.model.new_int_var(0, top, f"{rule}:{label}:{side}")
            if unit == 1:
                units: cp_model.IntVar = gap
            else:
                units = self.model.new_int_var(0, big, f"{rule}:{label}:{side}:units")
                self.model.add(units * unit >= gap)
            self.penalise(rule, w if side == "under" or weight_over is None else weight_over, units)
            if track is not None and side == "under":
                self.shortfalls.append((label, track[0], units, track[1]))
        if lo is not None and lo == hi:
            self.model.add(expr + gaps["under"] - gaps["over"] == lo)  # one row, not two
            return
        if lo is not None:
            self.model.add(expr + gaps["under"] >= lo)
        if hi is not None:
            self.model.add(expr - gaps["over"] <= hi)

    def forbid_followers(
        self,
        rule: str,
        label: str,
        lit: cp_model.IntVar,
        followers: Sequence[cp_model.IntVar],
        between: Sequence[cp_model.IntVar] = (),
    ) -> None:
        """``lit`` excludes every one of ``followers`` (mutually exclusive shifts of one day).

        Hard, this is one clique constraint ``lit + sum(followers) <= 1``, tighter and
        smaller than a clause per pair; soft, each pair is its own unit.
        """
        setting = self.problem.rule(rule)
        if setting.mode == "hard":
            self.model.add(lit + sum(followers) <= 1).only_enforce_if(self.guard(rule, label))
            return
        for other in followers:
            self.forbid_together(rule, label + f" ({other.name})", [lit, other], between)

    def forbid_together(
        self,
        rule: str,
        label: str,
        lits: Sequence[cp_model.IntVar],
        absent: Sequence[cp_model.IntVar] = (),
    ) -> None:
        """Not all of ``lits`` true with all of ``absent`` false: a clause, or a penalty."""
        setting = self.problem.rule(rule)
        if setting.mode == "off":
            return
        clause = [*(lit.Not() for lit in lits), *absent]
        if setting.mode == "hard":
            self.model.add_bool_or(clause).only_enforce_if(self.guard(rule, label))
            return
        hit = self.model.new_bool_var(f"{rule}:{label}")
        self.model.add_bool_or([*clause, hit])
        self.penalise(rule, setting.weight, hit)


# ------------------------------------------------------------------------------ helpers


def _counted_shifts(ctx: RuleContext, shift_ids: Sequence[str]) -> list[int]:
    """Shift indices a cover rule counts: the listed ones, and those including a listed meeting."""
    meetings = {s.id for s in ctx.problem.scenario.shifts if s.kind == ShiftKind.MEETING} & set(
        shift_ids
    )
    return [
        i
        for i, s in enumerate(ctx.problem.shifts)
        if s.id in shift_ids or (meetings and s.includes_meeting)
    ]


def _counts(rule: CoverRule, grids: Collection[str], worker: Worker, day: dt.date) -> bool:
    """Whether a cover rule counts the worker on ``day``: in its ``grids`` (the scope's,
    worked out once by the caller), of its role, holding its skill then."""
    return (
        worker.grid in grids
        and (rule.role is None or worker.role == rule.role)
        and (rule.skill is None or worker.has_skill(rule.skill, day))
    )


def _week_indices(problem: RosterProblem) -> list[list[int]]:
    return [list(range(7 * k, 7 * k + 7)) for k in range(problem.weeks)]


# -------------------------------------------------------------------------------- rules


def cover(ctx: RuleContext) -> None:
    """Head counts per cover rule and day, with skill, role and experienced minimums."""
    p = ctx.problem
    sc = p.scenario
    after = sc.labour.experienced_after_days
    setting = p.rule("cover")
    for rule in sc.cover:
        under = setting.weight if rule.weight is None else rule.weight
        over = under if rule.weight_over is None else rule.weight_over
        grids = set(sc.scope_grids(rule.scope))
        shifts = _counted_shifts(ctx, rule.shifts)
        for d, day in enumerate(p.days):
            if not rule.applies(day, sc.calendar):
                continue
            eligible = [w for w, wk in enumerate(p.workers) if _counts(rule, grids, wk, day)]
            cells = tuple((w, d, s) for w in eligible for s in shifts)
            count = sum(ctx.x[c] for c in cells)
            skill = f", skill {rule.skill}" if rule.skill else ""
            role = f", {rule.role.value}" if rule.role else ""
            label = f"{rule.id} on {day} ({rule.scope}, {'/'.join(rule.shifts)}{skill}{role})"
            ctx.bound(
                "cover",
                label,
                count,
                rule.min or None,
                rule.max,
                weight=rule.weight,
                weight_over=rule.weight_over,
                track=(day, rule.id),
                cap=len(eligible),
            )
            hard = setting.mode == "hard"
            if setting.mode != "off":
                row = CoverRow(label, cells, rule.min or None, rule.max, under, over, hard)
                ctx.cover_rows.append(row)
            if rule.min_experienced:
                exp = [w for w in eligible if p.workers[w].is_experienced(rule.skill, day, after)]
                exp_cells = tuple((w, d, s) for w in exp for s in shifts)
                ctx.bound(
                    "cover",
                    f"{label} experienced",
                    sum(ctx.x[c] for c in exp_cells),
                    rule.min_experienced,
                    None,
                    weight=rule.weight,
                    track=(day, rule.id),
                )
                if setting.mode != "off":
                    exp_label = f"{label} experienced"
                    row = CoverRow(exp_label, exp_cells, rule.min_experienced, None, under, 0, hard)
                    ctx.cover_rows.append(row)


def one_shift_per_day(ctx: RuleContext) -> None:
    """Structural: at most one shift per worker per day."""
    for w in range(len(ctx.problem.workers)):
        for d in range(len(ctx.problem.days)):
            ctx.model.add_at_most_one(ctx.x[w, d, s] for s in range(len(ctx.problem.shifts)))


def leave(ctx: RuleContext) -> None:
    """No shift on a day of leave."""
    p = ctx.problem
    for w, worker in enumerate(p.workers):
        for d, day in enumerate(p.days):
            if p.on_leave(worker.id, day):
                ctx.bound("leave", f"{worker.id} on {day}", ctx.works(w, d), None, 0)


def min_rest(ctx: RuleContext) -> None:
    """Minimum rest between consecutive shifts, across the boundary with history."""
    p = ctx.problem
    rest = dt.timedelta(hours=p.scenario.labour.min_rest_hours)
    shifts = p.shifts
    n_days = len(p.days)
    # which shifts come too soon 1, 2, ... days later (a shift lasts at most a day, so
    # ceil((rest + 1 day) / 1 day) days suffice); times repeat daily: one table for all
    offsets = range(1, math.ceil((rest + dt.timedelta(days=1)) / dt.timedelta(days=1)) + 1)
    too_soon = {
        (s1, offset): [
            s2
            for s2, b in enumerate(shifts)
            if shift_interval(b, p.week + dt.timedelta(days=offset))[0]
            - shift_interval(a, p.week)[1]
            < rest
        ]
        for s1, a in enumerate(shifts)
        for offset in offsets
    }
    for w, worker in enumerate(p.workers):
        for d1 in range(n_days):
            for s1, a in enumerate(shifts):
                for offset in offsets:
                    d2 = d1 + offset
                    if d2 >= n_days or not too_soon[s1, offset]:
                        continue
                    ctx.forbid_followers(
                        "min_rest",
                        f"{worker.id} {p.days[d1]} {a.id} then {p.days[d2]}",
                        ctx.x[w, d1, s1],
                        [ctx.x[w, d2, s2] for s2 in too_soon[s1, offset]],
                        # soft: a unit per pair of *consecutive* shifts, so days between off
                        between=[ctx.work_var(w, d) for d in range(d1 + 1, d2)],
                    )
        for day, sid in p.history_by_worker.get(worker.id, {}).items():
            _, end = shift_interval(p.scenario.shift(sid), day)
            for d2 in range(min(len(offsets), n_days)):
                for s2, b in enumerate(shifts):
                    start, _ = shift_interval(b, p.days[d2])
                    if start - end < rest:
                        ctx.forbid_together(
                            "min_rest",
                            f"{worker.id} {day} {sid} (history) then {p.days[d2]} {b.id}",
                            [ctx.x[w, d2, s2]],
                            absent=[ctx.work_var(w, d) for d in range(d2)],
                        )


def max_consecutive_days(ctx: RuleContext) -> None:
    """No run of working days longer than the maximum; history days count."""
    p = ctx.problem
    for w, worker in enumerate(p.workers):
        limit = worker.max_consecutive_days or p.scenario.labour.max_consecutive_days
        span = limit + 1
        for first in range(-limit, len(p.days) - limit):
            days = range(first, first + span)
            expr: Expr = 0
            for d in days:
                if d < 0:
                    before = p.week + dt.timedelta(days=d)
                    expr += 1 if before in p.history_by_worker.get(worker.id, {}) else 0
                else:
                    expr += ctx.works(w, d)
            if all(d < 0 for d in days):
                continue
            start = p.week + dt.timedelta(days=first)
            ctx.bound("max_consecutive_days", f"{worker.id} from {start}", expr, None, limit)


def weekly_rest_days(ctx: RuleContext) -> None:
    """At least the minimum number of days off in each rota week."""
    p = ctx.problem
    need = p.scenario.labour.min_rest_days_per_week
    for w, worker in enumerate(p.workers):
        for k, days in enumerate(_week_indices(p)):
            worked = sum(ctx.works(w, d) for d in days)
            ctx.bound("weekly_rest_days", f"{worker.id} week {k + 1}", worked, None, 7 - need)


def _paid_in(ctx: RuleContext, w: int, days: Sequence[int]) -> Expr:
    shifts = ctx.problem.shifts
    return sum(s.paid_minutes * ctx.x[w, d, i] for d in days for i, s in enumerate(shifts))


def _weekly_bounds(problem: RosterProblem, worker: Worker, days: Sequence[int]) -> tuple[int, int]:
    lab = problem.scenario.labour
    contract = round(worker.weekly_hours * 60)
    leave_workdays = sum(
        1
        for d in days
        if problem.on_leave(worker.id, problem.days[d])
        and problem.scenario.calendar.is_workday(problem.days[d])
    )
    low = contract - round(lab.max_undertime_hours_week * 60) - leave_workdays * contract // 5
    high = contract + round(lab.max_overtime_hours_week * 60)
    return max(0, low), high


def weekly_hours(ctx: RuleContext) -> None:
    """Weekly paid minutes between contract − undertime allowance and contract + overtime cap."""
    p = ctx.problem
    for w, worker in enumerate(p.workers):
        for k, days in enumerate(_week_indices(p)):
            low, high = _weekly_bounds(p, worker, days)
            ctx.bound(
                "weekly_hours",
                f"{worker.id} week {k + 1}",
                _paid_in(ctx, w, days),
                low or None,
                high,
                unit=60,
            )


def _history_overtime(problem: RosterProblem, worker: Worker) -> dict[tuple[int, int], int]:
    """Overtime minutes per month from history weeks (Monday-based, month of the Thursday)."""
    contract = round(worker.weekly_hours * 60)
    paid: dict[dt.date, int] = {}
    for day, sid in problem.history_by_worker.get(worker.id, {}).items():
        monday = week_of(day)
        paid[monday] = paid.get(monday, 0) + problem.scenario.shift(sid).paid_minutes
    out: dict[tuple[int, int], int] = {}
    for monday, minutes in paid.items():
        month = month_of_week(monday)
        out[month] = out.get(month, 0) + max(0, minutes - contract)
    return out


def monthly_overtime(ctx: RuleContext) -> None:
    """Overtime of the weeks of a month within the monthly cap, counting history weeks."""
    p = ctx.problem
    cap = round(p.scenario.labour.max_overtime_hours_month * 60)
    for w, worker in enumerate(p.workers):
        contract = round(worker.weekly_hours * 60)
        history = _history_overtime(p, worker)
        by_month: dict[tuple[int, int], list[cp_model.IntVar]] = {}
        for k, days in enumerate(_week_indices(p)):
            over = ctx.model.new_int_var(0, 7 * 24 * 60, f"ot:{worker.id}:{k}")
            ctx.model.add_max_equality(over, [0, _paid_in(ctx, w, days) - contract])
            by_month.setdefault(month_of_week(p.days[days[0]]), []).append(over)
        for (year, month), overs in by_month.items():
            ctx.bound(
                "monthly_overtime",
                f"{worker.id} {year}-{month:02d}",
                sum(overs) + history.get((year, month), 0),
                None,
                cap,
                unit=60,
            )


def max_nights(ctx: RuleContext) -> None:
    """At most the maximum number of night patrols in each rota week."""
    p = ctx.problem
    limit = p.scenario.labour.max_nights_per_week
    nights = ctx.shift_ids(ShiftKind.NIGHT_PATROL)
    for w, worker in enumerate(p.workers):
        for k, days in enumerate(_week_indices(p)):
            count = sum(ctx.x[w, d, s] for d in days for s in nights)
            ctx.bound("max_nights", f"{worker.id} week {k + 1}", count, None, limit)


def night_eligibility(ctx: RuleContext) -> None:
    """Night patrols only for night-eligible workers."""
    p = ctx.problem
    nights = ctx.shift_ids(ShiftKind.NIGHT_PATROL)
    for w, worker in enumerate(p.workers):
        if worker.night_eligible:
            continue
        count = sum(ctx.x[w, d, s] for d in range(len(p.days)) for s in nights)
        ctx.bound("night_eligibility", f"{worker.id}", count, None, 0)


def pairing_old_new(ctx: RuleContext) -> None:
    """Each newcomer on night patrol goes out with an old hand of the same base grid."""
    p = ctx.problem
    after = p.scenario.labour.experienced_after_days
    setting = p.rule("pairing_old_new")
    if setting.mode == "off":
        return
    nights = ctx.shift_ids(ShiftKind.NIGHT_PATROL)
    for base in sorted(set(p.base_of.values())):
        members = [w for w, wk in enumerate(p.workers) if p.base_of[wk.grid] == base]
        for d, day in enumerate(p.days):
            old = [w for w in members if p.workers[w].is_experienced(None, day, after)]
            new = [w for w in members if w not in old]
            old_count = sum(ctx.x[w, d, s] for w in old for s in nights)
            label = f"{base} on {day}"
            if setting.mode == "hard":
                lits = ctx.guard("pairing_old_new", label)
                for w in new:
                    for s in nights:
                        ctx.model.add(ctx.x[w, d, s] <= old_count).only_enforce_if(lits)
            else:
                unpaired = ctx.model.new_bool_var(f"unpaired:{label}")
                for w in new:
                    for s in nights:
                        ctx.model.add(ctx.x[w, d, s] <= old_count + unpaired)
                ctx.penalise("pairing_old_new", setting.weight, unpaired)


def _spread(
    ctx: RuleContext,
    name: str,
    counts: Sequence[Expr],
    workers: Sequence[int],
    upper: int,
    cuts: tuple[int, int] = (0, -1),
) -> Expr:
    """max − min of ``counts`` (those of ``workers``) as exact variables (so the breakdown
    is exact too).

    ``cuts`` = (least possible max, greatest possible min) implied by hard cover (see
    :func:`_cover_cuts`); -1 means no cut on the min.
    """
    hi = ctx.model.new_int_var(min(cuts[0], upper), upper, f"{name}:max")
    lo = ctx.model.new_int_var(0, upper if cuts[1] < 0 else min(cuts[1], upper), f"{name}:min")
    ctx.model.add_max_equality(hi, counts)
    ctx.model.add_min_equality(lo, counts)
    # redundant: the largest is at least the mean and the smallest at most the mean; this
    # gives the LP the integer-rounding bound (spread >= 1 unless the total divides evenly)
    total = sum(counts)
    ctx.model.add(len(counts) * hi >= total)
    ctx.model.add(len(counts) * lo <= total)
    least = max(0, cuts[0] - cuts[1]) if cuts[1] >= 0 else 0
    ctx.spreads.append(Spread(name, hi, lo, least, tuple(counts), tuple(workers)))
    return hi - lo


def _always(w: int, day: dt.date) -> bool:
    return True


def _cover_cuts(
    ctx: RuleContext, matches: Callable[[ShiftType, dt.date], bool], pool: dict[int, int]
) -> tuple[int, int]:
    """Bounds on a spread's max and min that hard cover rules imply, summed over the horizon.

    ``pool`` maps each worker in the spread to its count from history. If a cover rule needs
    N category shifts in all and only workers E of the pool can supply them, some worker
    of E ends with at least ceil((N + their history) / |E|). If every category shift of
    the workers S is counted by a rule with a maximum M in all, some worker of S ends with
    at most floor((M + their history) / |S|). CP-SAT's LP sees neither through the max/min;
    on large communities these cuts close most of the gap. Not used when cover is soft or
    when diagnosing (cover may then be switched off).
    """
    p = ctx.problem
    sc = p.scenario
    if ctx.diagnose or p.rule("cover").mode != "hard":
        return 0, -1
    after = sc.labour.experienced_after_days
    present = {w for w, wk in enumerate(p.workers) if not p.on_leave_all_horizon(wk.id)}
    nights = set(ctx.shift_ids(ShiftKind.NIGHT_PATROL))

    def barred_from(shifts: set[int]) -> set[int]:
        """Workers a hard rule keeps off every one of ``shifts``."""
        if shifts <= nights and p.rule("night_eligibility").mode == "hard":
            return {w for w, wk in enumerate(p.workers) if not wk.night_eligible}
        return set()

    least_max, greatest_min = 0, -1
    for rule in sc.cover:
        grids = set(sc.scope_grids(rule.scope))
        counted = set(_counted_shifts(ctx, rule.shifts))
        applies = [rule.applies(day, sc.calendar) for day in p.days]

        def eligible(w: int, day: dt.date, rule: CoverRule = rule, grids: set[str] = grids) -> bool:
            return _counts(rule, grids, p.workers[w], day)

        # lower cut: every counted assignment is a category assignment
        if all(
            matches(p.shifts[s], day) for d, day in enumerate(p.days) if applies[d] for s in counted
        ):
            needs: list[tuple[int, Callable[[int, dt.date], bool]]] = [(rule.min, _always)]
            if rule.min_experienced:

                def experienced(w: int, day: dt.date, rule: CoverRule = rule) -> bool:
                    return p.workers[w].is_experienced(rule.skill, day, after)

                needs.append((rule.min_experienced, experienced))
            for per_day, extra in needs:
                need = per_day * sum(applies)
                suppliers = {
                    w
                    for w in present
                    for d, day in enumerate(p.days)
                    if applies[d] and eligible(w, day) and extra(w, day)
                } - barred_from(counted)
                if need and suppliers and suppliers <= pool.keys():
                    history = sum(pool[w] for w in suppliers)
                    least_max = max(least_max, -(-(need + history) // len(suppliers)))
        # upper cut: each category shift of the capped workers is counted by this rule
        if rule.max is None:
            continue
        capped = [
            w
            for w in pool
            if all(
                applies[d] and s in counted and eligible(w, day)
                for d, day in enumerate(p.days)
                for s, shift in enumerate(p.shifts)
                if matches(shift, day)
            )
        ]
        if capped:
            cap = rule.max * sum(applies) + sum(pool[w] for w in capped)
            value = cap // len(capped)
            greatest_min = value if greatest_min < 0 else min(greatest_min, value)
    return least_max, greatest_min


def desk_rotation(ctx: RuleContext) -> None:
    """Desk duty spread evenly: max − min of desk shifts over the present workers."""
    p = ctx.problem
    setting = p.rule("desk_rotation")
    desks = ctx.shift_ids(ShiftKind.DESK)
    if setting.mode == "off" or not desks:
        return
    present = [w for w, wk in enumerate(p.workers) if not p.on_leave_all_horizon(wk.id)]
    if len(present) < 2:
        return
    counts = [sum(ctx.x[w, d, s] for d in range(len(p.days)) for s in desks) for w in present]
    cuts = _cover_cuts(
        ctx, lambda shift, day: shift.kind == ShiftKind.DESK, dict.fromkeys(present, 0)
    )
    ctx.penalise(
        "desk_rotation", setting.weight, _spread(ctx, "desk", counts, present, len(p.days), cuts)
    )


FAIRNESS_CATEGORIES = ("nights", "restdays", "standby", "desk")


def _ledger_shift_matches(ctx: RuleContext, category: str, shift: ShiftType, day: dt.date) -> bool:
    cal = ctx.problem.scenario.calendar
    match category:
        case "nights":
            return shift.kind == ShiftKind.NIGHT_PATROL
        case "restdays":
            return not cal.is_workday(day)
        case "standby":
            return shift.kind == ShiftKind.STANDBY
        case _:
            return shift.kind == ShiftKind.DESK


def _barred(ctx: RuleContext, matches: Callable[[ShiftType, dt.date], bool]) -> set[int]:
    """Workers a cover rule with a maximum of 0 keeps off every shift of a category on every
    day of the horizon (Baotun's dispatchers, who take no night and no standby), whatever
    cover's mode: :func:`fair_share` leaves them out, as their count says nothing about a
    fair split, and would otherwise charge their distance below it every week for good."""
    p = ctx.problem
    sc = p.scenario
    cells = [
        (d, s)
        for d, day in enumerate(p.days)
        for s, shift in enumerate(p.shifts)
        if matches(shift, day)
    ]
    zero = [
        (rule, set(_counted_shifts(ctx, rule.shifts)), set(sc.scope_grids(rule.scope)))
        for rule in sc.cover
        if rule.max == 0
    ]
    if not cells or not zero:
        return set()

    def keeps_off(w: int, d: int, s: int) -> bool:
        worker, day = p.workers[w], p.days[d]
        return any(
            s in counted and rule.applies(day, sc.calendar) and _counts(rule, grids, worker, day)
            for rule, counted, grids in zero
        )

    return {w for w in range(len(p.workers)) if all(keeps_off(w, d, s) for d, s in cells)}


def _ledger(
    ctx: RuleContext, category: str, *, unbarred: bool = False
) -> tuple[list[int], list[Expr], dict[int, int]]:
    """A fairness category's pool (the workers present in the horizon; for nights the
    night-eligible; with ``unbarred`` not those of :func:`_barred`), each one's ledger
    count (history + horizon) and history count."""
    p = ctx.problem

    def matches(shift: ShiftType, day: dt.date) -> bool:
        return _ledger_shift_matches(ctx, category, shift, day)

    barred = _barred(ctx, matches) if unbarred else set()
    pool = [
        w
        for w, wk in enumerate(p.workers)
        if not p.on_leave_all_horizon(wk.id)
        and (category != "nights" or wk.night_eligible)
        and w not in barred
    ]
    counts: list[Expr] = []
    history: dict[int, int] = {}
    for w in pool:
        past = sum(
            1
            for day, sid in p.history_by_worker.get(p.workers[w].id, {}).items()
            if matches(p.scenario.shift(sid), day)
        )
        history[w] = past
        counts.append(
            past
            + sum(
                ctx.x[w, d, s]
                for d, day in enumerate(p.days)
                for s, shift in enumerate(p.shifts)
                if matches(shift, day)
            )
        )
    return pool, counts, history


def fairness(ctx: RuleContext) -> None:
    """Nights, rest-day shifts, standby and desk duty shared fairly over a running ledger:
    max − min of each category's ledger counts over its pool. The pool keeps the workers
    :func:`_barred` names: without them the min side matters, and Baotun's four weeks no
    longer close to a proof in minutes (13 against a bound of 9 after 240 s)."""
    p = ctx.problem
    setting = p.rule("fairness")
    if setting.mode == "off":
        return
    for category in FAIRNESS_CATEGORIES:
        pool, counts, history = _ledger(ctx, category)
        if len(pool) < 2:
            continue
        top = max(history.values()) + len(p.days)

        def matches(shift: ShiftType, day: dt.date, category: str = category) -> bool:
            return _ledger_shift_matches(ctx, category, shift, day)

        cuts = _cover_cuts(ctx, matches, history)
        spread = _spread(ctx, f"fair:{category}", counts, pool, top, cuts)
        ctx.penalise("fairness", setting.weight, spread)


def fair_share(ctx: RuleContext) -> None:
    """Every ledger count drawn towards the even split of its category, not only the
    extremes: with q = ⌊total / pool size⌋, each worker adds d(d − 1) for d = count − q
    (0 at q and q + 1; 2 one step beyond; 6 two steps), which is the sum of squared counts
    above the least any split of the same total has."""
    p = ctx.problem
    setting = p.rule("fair_share")
    if setting.mode == "off":
        return
    for category in FAIRNESS_CATEGORIES:
        pool, counts, history = _ledger(ctx, category, unbarred=True)
        if len(pool) < 2:
            continue
        # the most a count can grow in the horizon: one a day with a matching shift (the
        # model holds one shift a day whatever the setting: one_shift_per_day is structural)
        grows = sum(
            any(_ledger_shift_matches(ctx, category, shift, day) for shift in p.shifts)
            for day in p.days
        )
        n, past = len(pool), sum(history.values())
        q_least, q_most = past // n, (past + n * grows) // n
        q = ctx.model.new_int_var(q_least, q_most, f"share:{category}:q")
        total = sum(counts)
        ctx.model.add(n * q <= total)
        ctx.model.add(total <= n * q + n - 1)
        terms = []
        for w, count in zip(pool, counts, strict=True):
            d_least, d_most = history[w] - q_most, history[w] + grows - q_least
            d = ctx.model.new_int_var(d_least, d_most, f"share:{category}:d[{w}]")
            ctx.model.add(d == count - q)
            worst = max(d_least * (d_least - 1), d_most * (d_most - 1))
            term = ctx.model.new_int_var(0, worst, f"share:{category}:{w}")
            # d(d − 1) as the largest of its chords between neighbouring integers (the one
            # from k to k + 1 is 2kd − k(k + 1); at a whole d the largest is d(d − 1)): the
            # objective holds the term down to it, and its LP sees the convex penalty of
            # fractional counts. No product constraint: with one (and chords within four
            # steps) Baotun four weeks ended at 123, 68 and 63 on seeds 1-3 at 60 s; with
            # these chords alone at 74, 45 and 45 (600 workers, 120 s: 290 against 161).
            # A merely feasible rota's term is brought down to d(d − 1) by the solve's
            # last step, which re-solves with every shift fixed. (A d that cannot move
            # still needs its one chord.)
            for k in range(d_least, max(d_most, d_least + 1)):
                ctx.model.add(term >= 2 * k * d - k * (k + 1))
            terms.append(term)
        ctx.penalise("fair_share", setting.weight, sum(terms))


def requests(ctx: RuleContext) -> None:
    """Workers' requests: a day off, a shift, or not a shift."""
    p = ctx.problem
    setting = p.rule("requests")
    index = {wk.id: w for w, wk in enumerate(p.workers)}
    shift_index = {s.id: i for i, s in enumerate(p.shifts)}
    for rq in p.scenario.requests:
        if rq.date not in p.days or rq.worker_id not in index or setting.mode == "off":
            continue
        w, d = index[rq.worker_id], p.days.index(rq.date)
        label = f"{rq.worker_id} {rq.kind} {rq.shift_id or ''} on {rq.date}".replace("  ", " ")
        if rq.kind == "day_off":
            expr: Expr = ctx.works(w, d)
        elif rq.shift_id in shift_index:
            lit = ctx.x[w, d, shift_index[rq.shift_id]]
            expr = (1 - lit) if rq.kind == "shift_on" else lit
        else:
            continue
        if setting.mode == "hard":
            ctx.model.add(expr == 0).only_enforce_if(ctx.guard("requests", label))
        else:
            ctx.penalise("requests", setting.weight * rq.weight, expr)


def _cell_expr(ctx: RuleContext, w: int, d: int, shift_id: str | None) -> Expr:
    """1 when the worker's cell differs from ``shift_id`` (None = day off)."""
    if shift_id is None:
        return ctx.works(w, d)
    index = [i for i, s in enumerate(ctx.problem.shifts) if s.id == shift_id]
    return 1 - ctx.x[w, d, index[0]] if index else 1


def pins(ctx: RuleContext) -> None:
    """Assignments pinned by the dispatcher hold (or cost their weight when soft)."""
    p = ctx.problem
    index = {wk.id: w for w, wk in enumerate(p.workers)}
    for cell in p.pins:
        if cell.date not in p.days or cell.worker_id not in index:
            continue
        w, d = index[cell.worker_id], p.days.index(cell.date)
        label = f"{cell.worker_id} {cell.shift_id or 'off'} on {cell.date}"
        ctx.bound("pins", label, _cell_expr(ctx, w, d, cell.shift_id), None, 0)


def stability(ctx: RuleContext) -> None:
    """Fewest changed cells against a previous rota (for repairs)."""
    p = ctx.problem
    setting = p.rule("stability")
    if setting.mode == "off" or not p.previous:
        return
    before = {(c.worker_id, c.date): c.shift_id for c in p.previous}
    for w, worker in enumerate(p.workers):
        for d, day in enumerate(p.days):
            expr = _cell_expr(ctx, w, d, before.get((worker.id, day)))
            if setting.mode == "hard":
                label = f"{worker.id} on {day}"
                ctx.model.add(expr == 0).only_enforce_if(ctx.guard("stability", label))
            else:
                ctx.penalise("stability", setting.weight, expr)


def forbidden_successions(ctx: RuleContext) -> None:
    """Shift types that may not follow another on the next date (history's last day too)."""
    p = ctx.problem
    index = {s.id: i for i, s in enumerate(p.shifts)}
    pairs = [(i, index[t]) for i, s in enumerate(p.shifts) for t in s.forbidden_next if t in index]
    if not pairs:
        return
    eve = p.week - dt.timedelta(days=1)
    after = {a: [b for a2, b in pairs if a2 == a] for a, _ in pairs}
    for w, worker in enumerate(p.workers):
        for d in range(len(p.days) - 1):
            for a, followers in after.items():
                ctx.forbid_followers(
                    "forbidden_successions",
                    f"{worker.id} {p.days[d]} {p.shifts[a].id} then {p.days[d + 1]}",
                    ctx.x[w, d, a],
                    [ctx.x[w, d + 1, b] for b in followers],
                )
        last = p.history_by_worker.get(worker.id, {}).get(eve)
        if last in index:
            for a, b in pairs:
                if a == index[last]:
                    label = f"{worker.id} {eve} {last} (history) then {p.shifts[b].id}"
                    ctx.forbid_together("forbidden_successions", label, [ctx.x[w, 0, b]])


def max_shifts_per_type(ctx: RuleContext) -> None:
    """A worker's cap on shifts of each type over the horizon."""
    p = ctx.problem
    index = {s.id: i for i, s in enumerate(p.shifts)}
    for w, worker in enumerate(p.workers):
        for sid, limit in sorted(worker.max_shifts.items()):
            if sid not in index:
                continue
            count = sum(ctx.x[w, d, index[sid]] for d in range(len(p.days)))
            ctx.bound("max_shifts_per_type", f"{worker.id} {sid}", count, None, limit)


def total_minutes(ctx: RuleContext) -> None:
    """A worker's paid minutes over the horizon within their own min and max."""
    p = ctx.problem
    for w, worker in enumerate(p.workers):
        low, high = worker.min_total_minutes, worker.max_total_minutes
        if low is None and high is None:
            continue
        paid = _paid_in(ctx, w, range(len(p.days)))
        ctx.bound("total_minutes", worker.id, paid, low or None, high, unit=60)


def _min_runs(ctx: RuleContext, rule: str, working: bool) -> None:
    """Forbid short maximal runs strictly inside the horizon (edges are exempt)."""
    p = ctx.problem
    lab = p.scenario.labour
    n = len(p.days)
    for w, worker in enumerate(p.workers):
        if working:
            need = worker.min_consecutive_days or lab.min_consecutive_days
        else:
            need = worker.min_consecutive_days_off or lab.min_consecutive_days_off
        for length in range(1, need):
            for d in range(0, n - length - 1):
                inner = [ctx.work_var(w, d + k) for k in range(1, length + 1)]
                outer = [ctx.work_var(w, d), ctx.work_var(w, d + length + 1)]
                label = f"{worker.id} {length}-day run from {p.days[d + 1]}"
                if working:  # off, work x length, off
                    ctx.forbid_together(rule, label, inner, absent=outer)
                else:  # work, off x length, work
                    ctx.forbid_together(rule, label, outer, absent=inner)


def min_consecutive_days(ctx: RuleContext) -> None:
    """Runs of working days at least the minimum long (runs at the horizon edges exempt)."""
    _min_runs(ctx, "min_consecutive_days", working=True)


def min_consecutive_days_off(ctx: RuleContext) -> None:
    """Runs of days off at least the minimum long (runs at the horizon edges exempt)."""
    _min_runs(ctx, "min_consecutive_days_off", working=False)


def max_weekends(ctx: RuleContext) -> None:
    """A worker's cap on worked weekends (Saturday or Sunday worked) in the horizon."""
    p = ctx.problem
    for w, worker in enumerate(p.workers):
        if worker.max_weekends is None:
            continue
        weekends = []
        for k in range(p.weeks):
            both = [ctx.work_var(w, 7 * k + 5), ctx.work_var(w, 7 * k + 6)]
            worked = ctx.model.new_bool_var(f"weekend[{worker.id},{k}]")
            ctx.model.add_max_equality(worked, both)
            weekends.append(worked)
        ctx.bound("max_weekends", worker.id, sum(weekends), None, worker.max_weekends)


CATALOGUE: dict[str, Callable[[RuleContext], None]] = {
    "cover": cover,
    "one_shift_per_day": one_shift_per_day,
    "leave": leave,
    "min_rest": min_rest,
    "max_consecutive_days": max_consecutive_days,
    "weekly_rest_days": weekly_rest_days,
    "weekly_hours": weekly_hours,
    "monthly_overtime": monthly_overtime,
    "max_nights": max_nights,
    "night_eligibility": night_eligibility,
    "desk_rotation": desk_rotation,
    "pairing_old_new": pairing_old_new,
    "fairness": fairness,
    "fair_share": fair_share,
    "requests": requests,
    "pins": pins,
    "stability": stability,
    "forbidden_successions": forbidden_successions,
    "max_shifts_per_type": max_shifts_per_type,
    "total_minutes": total_minutes,
    "min_consecutive_days": min_consecutive_days,
    "min_consecutive_days_off": min_consecutive_days_off,
    "max_weekends": max_weekends,
}
"""Every rule by its stable name; the keys equal ``planner.domain.RULE_NAMES``."""

COUPLING_RULES = ("cover", "desk_rotation", "fairness", "fair_share", "pairing_old_new")
"""The rules that tie workers together; every other rule reads one worker's line alone."""

OWN_HORIZON_RULES = (
    "max_shifts_per_type",
    "total_minutes",
    "max_weekends",
    "min_consecutive_days",
    "min_consecutive_days_off",
)
"""Rules that read a horizon's own days and no history: caps and totals per horizon, and
minimum runs, exempt at the horizon's edges. The weeks after a rota meet them on their own."""

LEDGER_RULES = ("desk_rotation", "fairness", "fair_share")
"""Spreads over a horizon and the ledger: if hard, the next week's reads the rota as its
history, which a lookahead in the same model cannot give as data; only the check after a
rota (``after_settings``) applies them."""


def after_settings(problem: RosterProblem) -> dict[str, RuleSetting]:
    """The rules the weeks after a rota must be able to meet: the hard ones, as the next
    ``planner roster`` will enforce them (soft rules cannot strand a week)."""
    off = RuleSetting(mode="off")
    return {
        name: problem.rule(name) if problem.rule(name).mode == "hard" else off for name in CATALOGUE
    }


def add_weeks_after(ctx: RuleContext) -> None:
    """The hard rules of the ``problem.lookahead`` weeks after the horizon, in the horizon's
    model: the rota must leave those weeks a way to meet them.

    The extra weeks' cells are new variables that nothing scores and nothing writes. The
    rules that read history (rest, consecutive days, weekly rest, monthly overtime, nights,
    cover and the rest) are built over the horizon and the weeks after as one span, so
    they see the rota as the history they will be in next week; the rules of
    :data:`OWN_HORIZON_RULES` over the weeks after alone, as the next week will apply them;
    soft rules, pins, stability and :data:`LEDGER_RULES` are not repeated.
    """
    p = ctx.problem
    after = after_settings(p)
    off = RuleSetting(mode="off")
    span_rules = {
        name: off if name in OWN_HORIZON_RULES or name in LEDGER_RULES else setting
        for name, setting in after.items()
    }
    own_rules = {name: s if name in OWN_HORIZON_RULES else off for name, s in after.items()}
    span = RosterProblem(
        p.scenario, p.week, p.weeks + p.lookahead, history=p.history, overrides=span_rules
    )
    n = len(p.days)
    own = RosterProblem(p.scenario, span.days[n], p.lookahead, overrides=own_rules)
    proto = ctx.model.proto
    new_from, constraints_from = len(proto.variables), len(proto.constraints)
    x = dict(ctx.x)
    for w, worker in enumerate(span.workers):
        for d in range(n, len(span.days)):
            for s, shift in enumerate(span.shifts):
                x[w, d, s] = ctx.model.new_bool_var(f"x[{worker.id},{span.days[d]},{shift.id}]")
    contexts = (
        RuleContext(problem=span, model=ctx.model, x=x, _work=dict(ctx._work)),  # shared
        RuleContext(
            problem=own,
            model=ctx.model,
            x={(w, d - n, s): v for (w, d, s), v in x.items() if d >= n},
        ),
    )
    for sub in contexts:
        for name, add_rule in CATALOGUE.items():
            if sub.problem.rule(name).mode == "hard":
                add_rule(sub)
    # what the horizon's cells alone decide, the horizon's own rules already say: only the
    # constraints that reach a variable made here stay; the others are emptied (a no-op),
    # some 40% of the lookahead's on Baotun
    for i in range(constraints_from, len(proto.constraints)):
        constraint = proto.constraints[i]
        kind = _kind(constraint)
        if kind is not None and not _reaches(constraint, kind, new_from):
            getattr(constraint, f"clear_{kind}")()


_BOOLEAN_KINDS = ("bool_or", "bool_and", "at_most_one", "exactly_one")


def _kind(constraint: cp_model_helper.ConstraintProto) -> str | None:
    """The constraint's kind among those whose variables :func:`_reaches` reads."""
    for kind in ("linear", "lin_max", *_BOOLEAN_KINDS):
        if getattr(constraint, f"has_{kind}")():
            return kind
    return None


def _reaches(constraint: cp_model_helper.ConstraintProto, kind: str, first: int) -> bool:
    """Whether a constraint uses a variable of index ``first`` or later, or none at all (a
    constant one, e.g. cover no one can give in the weeks after, must stay)."""
    refs = list(constraint.enforcement_literal)
    if kind == "linear":
        refs += constraint.linear.vars
    elif kind == "lin_max":
        refs += constraint.lin_max.target.vars
        for expr in constraint.lin_max.exprs:
            refs += expr.vars
    else:
        refs += getattr(constraint, kind).literals
    return not refs or any((ref if ref >= 0 else -ref - 1) >= first for ref in refs)


def build_model(
    problem: RosterProblem, *, diagnose: bool = False, coarse: bool = False
) -> RuleContext:
    """One boolean per (worker, day, assignable shift), then every rule of the catalogue."""
    model = cp_model.CpModel()
    x = {
        (w, d, s): model.new_bool_var(f"x[{worker.id},{day},{shift.id}]")
        for w, worker in enumerate(problem.workers)
        for d, day in enumerate(problem.days)
        for s, shift in enumerate(problem.shifts)
    }
    ctx = RuleContext(problem=problem, model=model, x=x, diagnose=diagnose, coarse=coarse)
    for add_rule in CATALOGUE.values():
        add_rule(ctx)
    if problem.lookahead and not diagnose:  # a diagnosis explains the horizon's own rules
        add_weeks_after(ctx)
    model.minimize(penalty_sum(ctx))
    return ctx


def penalty_sum(ctx: RuleContext) -> Expr:
    """The objective: every soft rule's weighted penalty terms."""
    return sum(weight * expr for terms in ctx.penalties.values() for weight, expr in terms)
