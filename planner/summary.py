"""Plain-text summaries of a scenario for `planner scenario check`."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence

from planner.domain import WEEKDAY_NAMES, Role, Scenario


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A left-aligned text table; widths count CJK characters as two columns."""

    def width(text: str) -> int:
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)

    cells = [[str(c) for c in header], *[[str(c) for c in r] for r in rows]]
    widths = [max(width(r[i]) for r in cells) for i in range(len(header))]
    lines = []
    for n, row in enumerate(cells):
        lines.append(
            "  ".join(c + " " * (widths[i] - width(c)) for i, c in enumerate(row)).rstrip()
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def due_per_day(scenario: Scenario, week: dt.date) -> list[tuple[dt.date, int, int]]:
    """(day, sites falling due that day, of them high risk); day one also counts overdue."""
    ref = scenario.info.reference_date
    out = []
    for i in range(7):
        day = week + dt.timedelta(days=i)
        due = [
            s
            for s in scenario.sites
            if (s.next_due(ref) == day) or (i == 0 and s.next_due(ref) < day)
        ]
        out.append((day, len(due), sum(1 for s in due if s.risk.value == "high")))
    return out


def summarise(scenario: Scenario, week: dt.date | None = None) -> str:
    """Workers per grid and role, skills per grid, shifts, and sites due per day."""
    week = week or scenario.info.default_week
    info = scenario.info
    roles = list(Role)
    parts = [
        f"Scenario {info.name} {info.name_zh}".rstrip()
        + f": {len(scenario.workers)} workers in {len(scenario.grids)} grids "
        f"({len({g.base for g in scenario.grids})} base grids), {len(scenario.sites)} sites, "
        f"{len(scenario.cover)} cover rules; data as of {info.reference_date}",
    ]
    by_grid = Counter((w.grid, w.role) for w in scenario.workers)
    rows = [
        [g.id, g.name, g.base, *[by_grid[(g.id, r)] for r in roles],
         sum(by_grid[(g.id, r)] for r in roles)]
        for g in scenario.grids
    ]  # fmt: skip
    rows.append(
        ["all", "", "", *[sum(by_grid[(g.id, r)] for g in scenario.grids) for r in roles],
         len(scenario.workers)]
    )  # fmt: skip
    parts.append(
        "Workers per grid and role\n"
        + table(["grid", "name", "base", *[r.value for r in roles], "total"], rows)
    )
    on = week
    skill_rows = []
    for g in scenario.grids:
        members = [w for w in scenario.workers if w.grid == g.id]
        skill_rows.append(
            [g.id, *[sum(w.has_skill(s.code, on) for w in members) for s in scenario.skills]]
        )
    skill_rows.append(
        ["all", *[sum(w.has_skill(s.code, on) for w in scenario.workers) for s in scenario.skills]]
    )
    parts.append(
        f"Workers holding each skill on {on}\n"
        + table(["grid", *[s.code for s in scenario.skills]], skill_rows)
    )
    shift_rows = [
        [s.id, s.zh, s.en, s.kind.value, f"{s.start:%H:%M}",
         f"{s.end:%H:%M}" + ("+1" if s.crosses_midnight else ""), s.paid_minutes,
         "yes" if s.includes_meeting else ""]
        for s in scenario.shifts
    ]  # fmt: skip
    parts.append(
        "Shifts\n"
        + table(["id", "zh", "en", "kind", "start", "end", "paid min", "meeting"], shift_rows)
    )
    due = due_per_day(scenario, week)
    due_rows = [[d.isoformat(), WEEKDAY_NAMES[d.weekday()], n, high] for d, n, high in due]
    mean = sum(n for _, n, _ in due) / len(due)
    parts.append(
        f"Sites falling due, week of {week} (day one includes overdue; mean {mean:.0f}/day)\n"
        + table(["date", "day", "due", "high risk"], due_rows)
    )
    on_leave = [
        lv for lv in scenario.leave if lv.start <= week + dt.timedelta(days=6) and lv.end >= week
    ]
    parts.append(f"Leave in that week: {len(on_leave)} entries; requests: {len(scenario.requests)}")
    return "\n\n".join(parts) + "\n"


def plural(count: int, noun: str) -> str:
    """'1 violation', '2 violations': a summary line read by people reads right."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
