"""``wavec plan --html OUT``: one self-contained page — a Gantt timeline and the exposure curve as inline SVG.

The geometry is computed here (plain numbers, rounded to 0.1 px so the output
is byte-identical); the jinja2 template beside this module (package data)
only lays it out. No script, no external asset: the page opens from a file.

The timeline's axis is in hours of the windows' time zone (UTC on hover). Long idle stretches — a wave waiting
over a night or a weekend for its windows — are compressed to a fixed width and drawn as a break in the axis,
so the deploy and bake bars keep a readable width whatever the waits; the window open hours are bands behind
each wave's row. The exposure curve has a logarithmic share axis, so a 1% one-box is a visible step.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..analysis.plan import Plan
from ..diagnostics import Diagnostic
from ..records import field, record
from ..schedule.windows import WindowLike, evaluable, next_open_all, openings
from .units import dur, iso, pct, when

WIDTH = 1100.0
LABEL = 190.0
ROW = 30.0
TOP = 46.0  # two lines of axis labels: days, then hours
CURVE_H = 200.0
GAP_PX = 44.0  # the width a compressed idle stretch takes
MIN_GAP = timedelta(hours=2)  # idle stretches longer than this are compressed
MIN_TICK_PX = 46.0  # hour labels at least this far apart
STEPS = (1, 2, 3, 4, 6, 12, 24)  # hours between ticks
CHAR_PX = 6.3  # average width of a character of the bar labels (11 px sans-serif)


@record
class Bar:
    """One rectangle of the Gantt chart, with its text inside when it fits."""

    x: float
    y: float
    w: float
    kind: str
    title: str
    text: str = ""


@record
class TimeSpan:
    """A bar before layout: an interval of time on one row."""

    start: datetime
    end: datetime
    kind: str  # stage, wait, deploy, bake
    title: str
    text: str = ""


@record
class Row:
    """One row of the chart: its label, its bars, and the windows whose open hours are drawn behind it."""

    label: str
    spans: tuple[TimeSpan, ...]
    windows: tuple[tuple[str, WindowLike], ...] = ()


@record(frozen=False)
class Axis:
    """Time → x: linear, except idle stretches longer than :data:`MIN_GAP`, each squeezed to :data:`GAP_PX`."""

    start: datetime
    finish: datetime
    left: float
    width: float
    busy: list[tuple[datetime, datetime]]
    segments: list[tuple[datetime, datetime, bool]] = field(default_factory=list)
    scale: float = 0.0  # px per second of the linear parts

    def __post_init__(self) -> None:
        idle: list[tuple[datetime, datetime]] = []
        cursor = self.start
        for a, b in sorted(self.busy):
            if a > cursor:
                idle.append((cursor, a))
            cursor = max(cursor, b)
        if self.finish > cursor:
            idle.append((cursor, self.finish))
        gaps = [(a, b) for a, b in idle if b - a > MIN_GAP]
        linear = (self.finish - self.start).total_seconds() - sum((b - a).total_seconds() for a, b in gaps)
        room = self.width - GAP_PX * len(gaps)
        if not gaps or linear <= 0 or room < self.width / 2:
            gaps, linear, room = [], (self.finish - self.start).total_seconds(), self.width
        self.scale = room / max(linear, 60.0)
        cursor = self.start
        for a, b in gaps:
            if a > cursor:
                self.segments.append((cursor, a, False))
            self.segments.append((a, b, True))
            cursor = b
        if self.finish > cursor or not self.segments:
            self.segments.append((cursor, self.finish, False))

    def x(self, t: datetime) -> float:
        """The x of instant ``t`` (clamped to the axis)."""
        pos = self.left
        for a, b, squeezed in self.segments:
            length = (b - a).total_seconds()
            if t <= a:
                break
            part = min((t - a).total_seconds(), length)
            pos += GAP_PX * part / length if squeezed and length else part * self.scale
            if t < b:
                break
        return _r(pos)

    def squeezed(self, t: datetime) -> bool:
        """Whether ``t`` lies inside a compressed stretch (no tick is drawn there)."""
        return any(squeezed and a < t < b for a, b, squeezed in self.segments)

    def breaks(self) -> list[dict[str, Any]]:
        """The compressed stretches, for the template: where, and how long they really are."""
        return [{"x": self.x(a), "w": _r(self.x(b) - self.x(a)), "label": dur(int((b - a).total_seconds())),
                 "title": f"{dur(int((b - a).total_seconds()))} with nothing running, drawn {GAP_PX:.0f} px wide: "
                          f"{utc(a)} → {utc(b)}"}
                for a, b, squeezed in self.segments if squeezed]


def _r(x: float) -> float:
    return round(x, 1)


def utc(t: datetime) -> str:
    """``Mon 11 Mar 08:00 UTC``."""
    return t.astimezone(UTC).strftime("%a %d %b %H:%M UTC")


def local(t: datetime, tz: ZoneInfo) -> str:
    """``Mon 11 Mar 09:00 CET`` in the chart's time zone."""
    return t.astimezone(tz).strftime("%a %d %b %H:%M %Z")


def _ticks(axis: Axis, tz: ZoneInfo) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Hour ticks (local whole hours, every ``step``) and day labels, outside the compressed stretches."""
    step = next((s for s in STEPS if s * 3600 * axis.scale >= MIN_TICK_PX), STEPS[-1])
    hours: list[dict[str, Any]] = []
    days: list[dict[str, Any]] = []
    t = axis.start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    if t < axis.start:
        t += timedelta(hours=1)
    seen_days: set[str] = set()
    last_x = -1e9
    # An hour label is 5 characters: none may run out of the chart.
    while t <= axis.finish:
        here = t.astimezone(tz)
        if here.minute == 0 and here.hour % step == 0 and not axis.squeezed(t):
            x = axis.x(t)
            box = (x, x + 6 * CHAR_PX)
            clear = box[1] <= WIDTH
            if clear and x - last_x >= MIN_TICK_PX * 0.6:  # ticks on both sides of a break can crowd
                hours.append({"x": x, "label": here.strftime("%H:%M"), "title": f"{utc(t)} · {local(t, tz)}"})
                last_x = x
                day = here.strftime("%a %d %b")
                if day not in seen_days:
                    seen_days.add(day)
                    days.append({"x": x, "label": day})
        t += timedelta(hours=1)
    return hours, days


def chart_zone(windows: Sequence[WindowLike]) -> ZoneInfo:
    """The time zone of the chart: the first window's (people open windows in their own hours), else UTC."""
    for w in windows:
        try:
            return ZoneInfo(w.timezone)
        except (ValueError, OSError, KeyError):  # an unknown zone was reported by `wavec check`
            continue
    return ZoneInfo("UTC")


def _timeline(rows: Sequence[Row], start: datetime, finish: datetime, tz: ZoneInfo) -> dict[str, Any]:
    """Rows of time spans laid out on one broken axis: bars, window bands, ticks and breaks."""
    busy = [(s.start, s.end) for r in rows for s in r.spans if s.kind != "wait" and s.end > s.start]
    axis = Axis(start, finish, LABEL, WIDTH - LABEL - 20, busy)
    bars: list[Bar] = []
    bands: list[dict[str, Any]] = []
    labels: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        y = _r(TOP + i * ROW)
        labels.append({"y": y, "label": row.label})
        for name, window in row.windows:
            if not evaluable(window):  # planned as always open (WV253): no band to draw
                continue
            hours = f"{window.hours[0]}–{window.hours[1]}" if window.hours else (window.cron or "")
            for a, b in openings(window, start, finish):
                x0, x1 = axis.x(max(a, start)), axis.x(min(b, finish))
                if x1 > x0:
                    bands.append({"x": x0, "y": y, "w": _r(x1 - x0), "h": ROW,
                                  "title": f"window {name} open {hours} {window.timezone}: "
                                           f"{local(a, tz)} → {local(b, tz)} ({utc(a)} → {utc(b)})"})
        end_x, start_x = LABEL, WIDTH
        hidden: list[str] = []  # bar texts that do not fit in their bar: written after the row's last bar
        for s in row.spans:
            x0 = axis.x(s.start)
            w = max(_r(axis.x(s.end) - x0), 1.0)
            fits = bool(s.text) and len(s.text) * CHAR_PX + 6 <= w
            title = f"{s.title}: {local(s.start, tz)} → {local(s.end, tz)} ({utc(s.start)} → {utc(s.end)})"
            bars.append(Bar(x0, y, w, s.kind, title, s.text if fits else ""))
            if s.text and not fits:
                hidden.append(s.text)
            end_x, start_x = max(end_x, x0 + w), min(start_x, x0)
        note = " · ".join(hidden)
        if note and end_x + 6 + len(note) * CHAR_PX <= WIDTH:
            notes.append({"x": _r(end_x + 6), "y": y, "text": note, "anchor": "start"})
        elif note:  # no room after the row: before its first bar
            notes.append({"x": _r(max(start_x - 6, LABEL)), "y": y, "text": note, "anchor": "end"})
    hour_ticks, day_labels = _ticks(axis, tz)
    return {"width": WIDTH, "height": _r(TOP + len(rows) * ROW + 10), "label_w": LABEL, "rows": labels,
            "bars": bars, "bands": bands, "notes": notes, "hours": hour_ticks, "days": day_labels,
            "breaks": axis.breaks(), "right": _r(LABEL + axis.width), "zone": str(tz), "axis": axis}


def _plan_rows(plan: Plan) -> list[Row]:
    slots = plan.slots
    rows: list[Row] = []
    by_stage: dict[str, list[str]] = {}  # the nodes of each stage, in graph order (one pass, not one per stage)
    deploys: dict[tuple[str, int], list[str]] = {}  # (wave, batch) → its deploy nodes
    for node, data in plan.graph.nodes(data=True):
        if "stage" in data:
            by_stage.setdefault(data["stage"], []).append(node)
        elif data.get("kind") == "deploy":
            deploys.setdefault((data["wave"], data["batch"]), []).append(node)
    for s in plan.stages:
        spans = []
        for node in by_stage.get(s.stage.name, ()):
            slot = slots[node]
            if slot.start is not None and slot.end is not None:
                spans.append(TimeSpan(slot.start, slot.end, "stage", node))
        rows.append(Row(f"stage {s.stage.name}", tuple(spans)))
    for wp in plan.waves:
        spans = []
        if wp.ready is not None and wp.start is not None and wp.start > wp.ready:
            spans.append(TimeSpan(wp.ready, wp.start, "wait", f"waits {dur(wp.wait_seconds)} for its windows"))
        for b, batch in enumerate(wp.batches):
            nodes = deploys.get((wp.wave.name, b), [])
            starts = [slots[n].start for n in nodes]
            ends = [slots[n].end for n in nodes]
            if not nodes or None in starts or None in ends:
                continue
            names = ", ".join(t.id for t in batch)
            span = TimeSpan(min(x for x in starts if x is not None), max(x for x in ends if x is not None),
                            "deploy", f"deploys {names} (batch {b + 1} of {len(wp.batches)})", names)
            spans.append(span)
        if wp.deployed is not None and wp.end is not None and wp.end > wp.deployed:
            spans.append(TimeSpan(wp.deployed, wp.end, "bake", f"bakes {dur(wp.wave.bake.seconds)}"))
        rows.append(Row(f"wave {wp.wave.name}", tuple(spans), tuple((w.name, w) for w in wp.wave.windows)))
    return rows


def _curve(start: datetime, changes: Sequence[tuple[datetime, float]], axis: Axis) -> dict[str, Any]:
    """The exposure curve (the share reached at each change) on a log scale of shares (0 on its own line below
    the lowest decade)."""
    events = [c[0] for c in changes]
    levels = [c[1] for c in changes]
    lowest = min((v for v in levels if v > 0), default=1.0)
    floor = min(0.001, 10 ** math.floor(math.log10(lowest)) if lowest > 0 else 0.001)
    decades = -math.log10(floor)
    zero_y, top_y = CURVE_H, 10.0
    low_y = CURVE_H - 14  # the lowest decade sits a little above 0, so a tiny share is not drawn as none

    def y(level: float) -> float:
        if level <= 0:
            return zero_y
        return _r(low_y - (low_y - top_y) * (math.log10(max(level, floor)) + decades) / decades)

    points: list[tuple[float, float]] = [(axis.x(start), zero_y)]
    level = 0.0
    for t, new in zip(events, levels, strict=True):
        points.append((axis.x(t), y(level)))
        level = new
        points.append((axis.x(t), y(level)))
    points.append((axis.x(axis.finish), y(level)))
    grid = [{"y": zero_y, "label": "0%"}]
    grid += [{"y": y(10.0 ** -k), "label": pct(10.0 ** -k)} for k in range(round(decades), -1, -1)]
    steps: list[dict[str, Any]] = []
    for t, v in zip(events, levels, strict=True):
        label = pct(v)
        x = axis.x(t)
        if v > 0 and (not steps or x >= steps[-1]["x"] + len(steps[-1]["label"]) * CHAR_PX + 6):  # no overlap
            steps.append({"x": x, "y": y(v), "label": label})
    return {"curve": " ".join(f"{a},{b}" for a, b in points), "grid": grid, "steps": steps}


def _rollback_paths(plan: Plan) -> dict[str, list[str]]:
    """For each wave a defect is caught at: the rollback's order, newest target first, as steps of targets."""
    by_name = {wp.wave.name: wp for wp in plan.waves}
    out: dict[str, list[str]] = {}
    for d in plan.defects:
        path: list[str] = []
        for wave in d.rolled_back:
            wp = by_name.get(wave)
            if wp is None:
                continue
            for batch in reversed(wp.batches):  # a wave is rolled back newest batch first
                path.append(f"{wave}: " + ", ".join(t.id for t in batch))
        out[d.wave] = path
    return out


def _geometry(plan: Plan) -> dict[str, Any]:
    slots = plan.slots
    ends = [s.end for s in slots.values() if s.end is not None]
    finish = max(ends, default=plan.start + timedelta(hours=1))
    tz = chart_zone([w for wp in plan.waves for w in wp.wave.windows])
    g = _timeline(_plan_rows(plan), plan.start, finish, tz)
    changes = [(e, plan.exposure.at(e, inclusive=True)) for e in sorted({e[0] for e in plan.exposure.events})]
    g.update(_curve(plan.start, changes, g.pop("axis")))
    g["curve_h"] = CURVE_H
    g["paths"] = _rollback_paths(plan)
    return g


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _codepipeline_geometry(plan: Plan, timeline: dict[str, Any]) -> dict[str, Any]:
    """The emulated run's stages as rows (``wavec plan --target codepipeline``): its times, not the local plan's.

    A wave's stage (``wave-NAME``) waits at its entry rule for the wave's windows (rule 38), deploys (no virtual
    time in a dry run) and bakes; the wait is where the windows are closed. The exposure reaches each wave's
    cumulative share (the local plan's figures: they depend on targets and weights only) when its wait ends.
    """
    by_stage = {f"wave-{wp.wave.name}": wp for wp in plan.waves}
    start = _instant(timeline["start"])
    finish = max(_instant(timeline["finish"]), start + timedelta(minutes=1))
    rows: list[Row] = []
    changes: list[tuple[datetime, float]] = []
    starts: dict[str, tuple[str, str]] = {}  # wave → when it enters its stage and when the stage ends
    for stage in timeline["stages"]:
        a, b = _instant(stage["starts_at"]), _instant(stage["ends_at"])
        wp = by_stage.get(stage["stage"])
        if wp is None:
            rows.append(Row(f"stage {stage['stage']}", (TimeSpan(a, b, "stage", f"{stage['stage']} "
                                                                              f"({stage['status']})"),)))
            continue
        entered = next_open_all([w for w in wp.wave.windows if evaluable(w)], a) or a
        entered = min(max(entered, a), b)
        spans = []
        if entered > a:
            spans.append(TimeSpan(a, entered, "wait", f"the entry rule waits {dur(int((entered - a).total_seconds()))} "
                                                      "for the windows"))
        names = ", ".join(t.id for t in wp.wave.targets)
        spans.append(TimeSpan(entered, b, "bake", f"deploys {names}, then bakes {dur(wp.wave.bake.seconds)}",
                              names))
        rows.append(Row(f"wave {wp.wave.name}", tuple(spans), tuple((w.name, w) for w in wp.wave.windows)))
        changes.append((entered, wp.exposure.cumulative))
        starts[wp.wave.name] = (when(entered), when(b))
    tz = chart_zone([w for wp in plan.waves for w in wp.wave.windows])
    g = _timeline(rows, start, finish, tz)
    g.update(_curve(start, changes, g.pop("axis")))
    g["curve_h"] = CURVE_H
    g["paths"] = _rollback_paths(plan)
    g["starts"] = starts
    return g


def _environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("wavec.report", "templates"),
        autoescape=jinja2.select_autoescape(("html", "j2")),
        keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
    )


def render(plan: Plan, findings: Sequence[Diagnostic] = ()) -> str:
    """The HTML page of the local plan."""
    tl = plan.timeline
    return str(_environment().get_template("plan.html.j2").render(
        plan=plan, g=_geometry(plan), when=when, dur=dur, pct=pct, iso=iso, findings=findings, cp=None,
        total=dur(tl.total_seconds) if tl.total_seconds is not None else "never",
    ))


def render_codepipeline(plan: Plan, timeline: dict[str, Any], findings: Sequence[Diagnostic] = ()) -> str:
    """The HTML page of ``wavec plan --target codepipeline``: the same page, on the emulated run's timeline."""
    seconds = timeline["time_to_full_deployment_seconds"]
    return str(_environment().get_template("plan.html.j2").render(
        plan=plan, g=_codepipeline_geometry(plan, timeline), when=when, dur=dur, pct=pct, iso=iso,
        findings=findings, cp=timeline, total=dur(int(seconds)) if timeline["exit"] == 0 else "never",
    ))
