"""``wavec plan --html OUT``: one self-contained page — a Gantt timeline and the exposure curve as inline SVG.

The geometry is computed here (plain numbers, rounded to 0.1 px so the output
is byte-identical); the jinja2 template beside this module (package data)
only lays it out. No script, no external asset: the page opens from a file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..analysis.plan import Plan
from ..diagnostics import Diagnostic
from .units import dur, iso, pct, when

WIDTH = 1100.0
LABEL = 190.0
ROW = 26.0
TOP = 34.0
CURVE_H = 200.0


@dataclass(frozen=True, slots=True)
class Bar:
    """One rectangle of the Gantt chart."""

    x: float
    y: float
    w: float
    kind: str
    title: str


def _r(x: float) -> float:
    return round(x, 1)


def _geometry(plan: Plan) -> dict[str, Any]:
    slots = plan.slots
    start = plan.start
    ends = [s.end for s in slots.values() if s.end is not None]
    finish = max(ends, default=start + timedelta(hours=1))
    span = max((finish - start).total_seconds(), 60.0)
    inner = WIDTH - LABEL - 20

    def x(t: datetime) -> float:
        return _r(LABEL + inner * (t - start).total_seconds() / span)

    rows: list[dict[str, Any]] = []
    bars: list[Bar] = []
    by_stage: dict[str, list[str]] = {}  # the nodes of each stage, in graph order (one pass, not one per stage)
    for node, data in plan.graph.nodes(data=True):
        if "stage" in data:
            by_stage.setdefault(data["stage"], []).append(node)
    for i, s in enumerate(plan.stages):
        y = _r(TOP + i * ROW)
        rows.append({"y": y, "label": f"stage {s.stage.name}"})
        for node in by_stage.get(s.stage.name, ()):
            slot = slots[node]
            if slot.start is not None and slot.end is not None:
                bars.append(Bar(x(slot.start), y, max(_r(x(slot.end) - x(slot.start)), 1.0), "stage",
                                f"{node}: {when(slot.start)} → {when(slot.end)}"))
    base = len(plan.stages)
    for j, wp in enumerate(plan.waves):
        y = _r(TOP + (base + j) * ROW)
        rows.append({"y": y, "label": f"wave {wp.wave.name}"})
        if wp.ready is not None and wp.start is not None and wp.start > wp.ready:
            bars.append(Bar(x(wp.ready), y, _r(x(wp.start) - x(wp.ready)), "wait",
                            f"waits {dur(wp.wait_seconds)} for its windows, until {when(wp.start)}"))
        if wp.start is not None and wp.deployed is not None:
            bars.append(Bar(x(wp.start), y, max(_r(x(wp.deployed) - x(wp.start)), 1.0), "deploy",
                            f"deploys {len(wp.wave.targets)} target(s): {when(wp.start)} → {when(wp.deployed)}"))
        if wp.deployed is not None and wp.end is not None and wp.end > wp.deployed:
            bars.append(Bar(x(wp.deployed), y, _r(x(wp.end) - x(wp.deployed)), "bake",
                            f"bakes {dur(wp.wave.bake.seconds)}: until {when(wp.end)}"))
    height = _r(TOP + (base + len(plan.waves)) * ROW + 10)
    ticks = []
    day = datetime(start.year, start.month, start.day, tzinfo=UTC) + timedelta(days=1)
    step = max(1, int(span // 86400 // 12) + 1)
    while day < finish:
        ticks.append({"x": x(day), "label": day.strftime("%a %d %b")})
        day += timedelta(days=step)
    # exposure curve: a step line through every change of the exposed share
    events = sorted({e[0] for e in plan.exposure.events})
    points: list[tuple[float, float]] = [(x(start), CURVE_H)]
    level = 0.0
    for t in events:
        new = plan.exposure.at(t, inclusive=True)
        points.append((x(t), _r(CURVE_H - level * (CURVE_H - 10))))
        level = new
        points.append((x(t), _r(CURVE_H - level * (CURVE_H - 10))))
    points.append((x(finish), _r(CURVE_H - level * (CURVE_H - 10))))
    return {
        "width": WIDTH, "height": height, "label_w": LABEL, "rows": rows, "bars": bars, "ticks": ticks,
        "curve_h": CURVE_H, "curve": " ".join(f"{a},{b}" for a, b in points),
        "grid": [{"y": _r(CURVE_H - f * (CURVE_H - 10)), "label": pct(f)} for f in (0.0, 0.25, 0.5, 0.75, 1.0)],
        "right": _r(LABEL + inner),
    }


def render(plan: Plan, findings: Sequence[Diagnostic] = ()) -> str:
    """The HTML page."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("wavec.report", "templates"),
        autoescape=jinja2.select_autoescape(("html", "j2")),
        keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
    )
    tl = plan.timeline
    return env.get_template("plan.html.j2").render(
        plan=plan, g=_geometry(plan), when=when, dur=dur, pct=pct, iso=iso, findings=findings,
        total=dur(tl.total_seconds) if tl.total_seconds is not None else "never",
    )
