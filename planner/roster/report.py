"""Write a solved rota: CSV, grid CSV, JSON, printable HTML and one calendar per worker.

All files are written into a temporary folder next to ``OUT`` and moved into place at
the end, so a failed run never leaves a partial output. Nothing here depends on wall
time, so the same result gives byte-identical files.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar

from planner.domain import Calendar, ShiftKind
from planner.outputs import write_folder
from planner.roster.problem import shift_interval
from planner.roster.solve import RosterResult

ROTA_COLUMNS = ("date", "worker_id", "worker_name", "grid", "shift_id", "start", "end")
ROLE_ZH = {"inspector": "巡查员", "dispatcher": "调度员", "handler": "处置员"}
STATUS_ZH = {"optimal": "最优", "feasible": "可行"}
WEEKDAY_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
KIND_COLOURS = {
    ShiftKind.DAY_PATROL: "#dbeafe",
    ShiftKind.NIGHT_PATROL: "#c7d2fe",
    ShiftKind.STANDBY: "#fde68a",
    ShiftKind.DESK: "#d1fae5",
    ShiftKind.RESERVE: "#fce7f3",
    ShiftKind.MEETING: "#eeeeee",
}


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def rota_csv(result: RosterResult) -> str:
    """One row per assignment, by date then worker id."""
    sc = result.problem.scenario
    names = {w.id: w for w in sc.workers}
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(ROTA_COLUMNS)
    for cell in sorted(result.assignments, key=lambda c: (c.date, c.worker_id)):
        assert cell.shift_id is not None
        start, end = shift_interval(sc.shift(cell.shift_id), cell.date)
        worker = names[cell.worker_id]
        out.writerow(
            [cell.date.isoformat(), worker.id, worker.name, worker.grid, cell.shift_id,
             _stamp(start), _stamp(end)]
        )  # fmt: skip
    return buf.getvalue()


def rota_grid_csv(result: RosterResult) -> str:
    """One row per worker, one column per date, cell = shift id or empty."""
    p = result.problem
    cells = {(c.worker_id, c.date): c.shift_id for c in result.assignments}
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(["worker_id", "worker_name", "grid", *[d.isoformat() for d in p.days]])
    for w in sorted(p.workers, key=lambda w: (w.grid, w.id)):
        out.writerow([w.id, w.name, w.grid, *[cells.get((w.id, d)) or "" for d in p.days]])
    return buf.getvalue()


def rota_json(result: RosterResult, time_limit: float) -> str:
    """Status, objective, bound, gap, solve time, seed, penalties by rule, unfilled needs."""
    p = result.problem
    doc = {
        "scenario": p.scenario.info.name,
        "week": p.week.isoformat(),
        "weeks": p.weeks,
        "lookahead_weeks": p.lookahead,
        "lookahead_met": result.lookahead_met,
        "lookahead_outcome": result.lookahead_outcome or None,
        "lookahead_conflicts": list(result.lookahead_conflicts),
        "status": result.status,
        "objective": result.objective,
        "best_bound": result.bound,
        "gap": round(result.gap, 6),
        "solve_time_deterministic": round(result.deterministic_seconds, 3),
        "time_limit": time_limit,
        "seed": result.seed,
        "workers": result.workers,
        "assignments": len(result.assignments),
        "penalties": result.penalties,
        "unfilled": [
            {"rule": u.rule_id, "date": u.date.isoformat(), "need": u.label, "missing": u.missing}
            for u in result.unfilled
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def rota_html(result: RosterResult) -> str:
    """A printable weekly sheet per grid, Chinese labels, no external resources."""
    p = result.problem
    sc = p.scenario
    cells = {(c.worker_id, c.date): c.shift_id for c in result.assignments}
    shifts = {s.id: s for s in sc.shifts}
    e = html.escape
    parts = [
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>{e(sc.info.name_zh or sc.info.name)} 排班表 {p.week}</title>",
        "<style>body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:1em}"
        "table{border-collapse:collapse;margin-bottom:1.5em;width:100%}"
        "th,td{border:1px solid #999;padding:3px 6px;text-align:center;font-size:12px}"
        "td.name{text-align:left}section{page-break-after:always}"
        "@media print{section{page-break-after:always}}</style></head><body>",
    ]
    legend = (
        " ".join(
            f"<span style='background:{KIND_COLOURS[s.kind]};padding:0 4px'>{e(s.id)} {e(s.zh)} "
            f"{s.start:%H:%M}-{s.end:%H:%M}</span>"
            for s in sc.shifts
            if s.kind != ShiftKind.MEETING
        )
        + " <span>休 休息</span> <span>假 请假</span>"
    )
    cover_grids = {c.id: sc.scope_grids(c.scope) for c in sc.cover if c.scope != "*"}
    if result.unfilled:  # the whole list first: the dispatcher's to-do before publishing
        parts.append(f"<section><h2>缺岗 {len(result.unfilled)} 项 (unfilled needs)</h2><ul>")
        parts += [f"<li>{e(u.label)}: 缺 {u.missing} 人</li>" for u in result.unfilled]
        parts.append("</ul></section>")
    weeks = [p.days[i : i + 7] for i in range(0, len(p.days), 7)]
    for days in weeks:  # a sheet per grid and week: what goes on the notice board
        for grid in sc.grids:
            members = sorted((w for w in p.workers if w.grid == grid.id), key=lambda w: w.id)
            parts.append(
                f"<section><h2>{e(sc.info.name_zh or sc.info.name)} · {e(grid.name)}"
                f" ({e(grid.id)}) 排班表 {days[0]} 至 {days[-1]}</h2><p>{legend}</p><table><tr>"
                "<th>工号</th><th>姓名</th><th>岗位</th>"
            )
            parts += [_day_header(sc.calendar, d) for d in days]
            parts.append("</tr>")
            for w in members:
                row = [f"<td>{e(w.id)}</td><td class='name'>{e(w.name)}</td>",
                       f"<td>{ROLE_ZH[w.role.value]}</td>"]  # fmt: skip
                for d in days:
                    sid = cells.get((w.id, d))
                    if sid is None:
                        label = "休" if not p.on_leave(w.id, d) else "假"
                        row.append(f"<td>{label}</td>")
                    else:
                        s = shifts[sid]
                        row.append(f"<td style='background:{KIND_COLOURS[s.kind]}'>{e(s.zh)}</td>")
                parts.append("<tr>" + "".join(row) + "</tr>")
            parts.append("</table>")
            here = [
                u for u in result.unfilled
                if u.date in days and grid.id in cover_grids.get(u.rule_id, ())
            ]  # fmt: skip
            if here:
                parts.append("<p>缺岗: " + "; ".join(
                    f"{e(u.label)} 缺 {u.missing} 人" for u in here) + "</p>")  # fmt: skip
            parts.append("</section>")
    status = STATUS_ZH.get(result.status, result.status)
    parts.append(
        f"<p>{e(status)} ({e(result.status)}) · 目标值 objective {result.objective}"
        f" · 下界 bound {result.bound} · 随机种子 seed {result.seed}</p></body></html>\n"
    )
    return "".join(parts)


def _day_header(calendar: Calendar, day: dt.date) -> str:
    """A column head: the date, the weekday, and a holiday or 调休 workday named."""
    note = ""
    for h in calendar.holidays:
        if h.date == day:
            note = f"<br>{html.escape(h.name or '节假日')}"
    for h in calendar.adjusted_workdays:
        if h.date == day:
            note = f"<br>调休上班{html.escape(' ' + h.name if h.name else '')}"
    return f"<th>{day:%m-%d}<br>{WEEKDAY_ZH[day.weekday()]}{note}</th>"


def worker_ics(result: RosterResult, worker_id: str) -> bytes:
    """A worker's shifts as an RFC 5545 calendar (times in UTC, stable UIDs)."""
    p = result.problem
    sc = p.scenario
    zone = ZoneInfo(sc.info.timezone)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//planner//roster//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    stamp = dt.datetime.combine(sc.info.reference_date, dt.time(0, 0), tzinfo=dt.UTC)
    for cell in sorted(result.assignments, key=lambda c: c.date):
        if cell.worker_id != worker_id or cell.shift_id is None:
            continue
        shift = sc.shift(cell.shift_id)
        start, end = shift_interval(shift, cell.date)
        event = icalendar.Event()
        event.add("uid", f"{cell.date:%Y%m%d}-{worker_id}-{shift.id}@planner")
        event.add("dtstamp", stamp)
        event.add("dtstart", start.replace(tzinfo=zone).astimezone(dt.UTC))
        event.add("dtend", end.replace(tzinfo=zone).astimezone(dt.UTC))
        event.add("summary", f"{shift.zh} {shift.en}")
        event.add("categories", [shift.kind.value])
        cal.add_component(event)
    if not cal.subcomponents:
        # RFC 5545 wants at least one component: a worker with no shifts is free all
        # through the rota's days, which a VFREEBUSY without busy periods says exactly
        free = icalendar.FreeBusy()
        free.add("uid", f"{p.week:%Y%m%d}-{worker_id}-free@planner")
        free.add("dtstamp", stamp)
        first = dt.datetime.combine(p.days[0], dt.time(0, 0), tzinfo=zone)
        after = dt.datetime.combine(p.days[-1] + dt.timedelta(days=1), dt.time(0, 0), tzinfo=zone)
        free.add("dtstart", first.astimezone(dt.UTC))
        free.add("dtend", after.astimezone(dt.UTC))
        cal.add_component(free)
    data: bytes = cal.to_ical()
    return data


def write_rota(result: RosterResult, out: Path, time_limit: float) -> None:
    """Write every output into ``out`` atomically (temporary folder, then rename)."""

    def fill(staging: Path) -> None:
        (staging / "rota.csv").write_text(rota_csv(result), encoding="utf-8")
        (staging / "rota_grid.csv").write_text(rota_grid_csv(result), encoding="utf-8")
        (staging / "rota.json").write_text(rota_json(result, time_limit), encoding="utf-8")
        (staging / "rota.html").write_text(rota_html(result), encoding="utf-8")
        (staging / "ics").mkdir()
        for worker in result.problem.workers:
            (staging / "ics" / f"{worker.id}.ics").write_bytes(worker_ics(result, worker.id))

    write_folder(out, "rota.json", fill)
