"""``wavec plan`` as text: the stages, the waves table, time to full deployment, critical path, defects."""

from __future__ import annotations

from collections.abc import Sequence

from ..analysis.plan import Plan
from ..diagnostics import Diagnostic
from .units import dur, iso, pct, when


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: frozenset[int] = frozenset()) -> list[str]:
    """A plain table: columns padded to their widest cell, two spaces apart, no trailing blanks."""
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))]
        return "  " + "  ".join(parts).rstrip()

    return [line(headers), "  " + "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def windows_cell(plan: Plan, i: int) -> str:
    """Wave ``i``'s windows (with their time zones) and its wait for them, as the plan tables show it."""
    wp = plan.waves[i]
    names = ", ".join(f"{w.name} ({w.timezone})" for w in wp.wave.windows) or "-"
    return names + (f"; waits {dur(wp.wait_seconds)}" if wp.wait_seconds else "")


def render(plan: Plan, findings: Sequence[Diagnostic] = ()) -> str:
    """The whole text report."""
    tl = plan.timeline
    out = [f"Rollout plan of pipeline `{plan.pipeline.name}`, starting {when(plan.start)} ({iso(plan.start)})", ""]
    if plan.stages:
        out.append("Stages")
        out += table(("stage", "steps", "start", "end", "takes"), [
            (s.stage.name, ", ".join(x.name for x in s.stage.steps) or "-", when(s.start), when(s.end),
             dur(int((s.end - s.start).total_seconds())) if s.start and s.end else "-")
            for s in plan.stages])
        out.append("")
    out.append("Waves")
    rows = []
    for i, wp in enumerate(plan.waves):
        w = wp.wave
        targets = ", ".join(t.id for t in w.targets)
        if len(wp.batches) > 1:
            targets += f" ({len(wp.batches)} batches of {w.parallel})"
        rows.append((
            str(i + 1), w.name, targets, pct(w.exposure.fraction), pct(wp.exposure.exposure),
            pct(wp.exposure.cumulative), dur(w.bake.seconds),
            ", ".join(f"{g.name} ({g.on_breach})" for g in w.gates) or "-", windows_cell(plan, i),
            when(wp.start), when(wp.end),
        ))
    out += table(("#", "wave", "targets", "each", "traffic", "cumulative", "bake", "gates", "windows", "start",
                  "end"), rows, right=frozenset({0, 3, 4, 5}))
    out.append("")
    if tl.finish is not None:
        out.append(f"Time to full deployment: {dur(tl.total_seconds)} (finishes {when(tl.finish)})")
        out.append(f"Critical path ({len(tl.critical_path)} actions):")
        for node in tl.critical_path:
            slot = tl.slots[node]
            note = f"  (waits {dur(slot.wait_seconds)} for its windows)" if slot.wait_seconds else ""
            out.append(f"  {when(slot.start)}  {dur(plan.durations[node]):>8}  {node}{note}")
    else:
        never = ", ".join(tl.blocked[:3]) + (" …" if len(tl.blocked) > 3 else "")
        out.append(f"Time to full deployment: never — these actions can never start: {never}")
    out.append("")
    out.append("A defect caught at wave k (worst case: the gates catch it as the bake of wave k ends)")
    out += table(("wave", "caught", "exposed", "for", "share x hours", "on breach", "rolled back", "left"), [
        (d.wave, when(d.detected_at), pct(d.exposure), dur(d.exposed_seconds),
         "-" if d.exposure_hours is None else f"{d.exposure_hours:.2f}", d.action,
         ", ".join(d.rolled_back) or "-", pct(d.exposure_after))
        for d in plan.defects], right=frozenset({2, 4, 7}))
    out.append("")
    if plan.exposure.equal_weights:
        out.append("Every region weighs 0: targets are counted equally.")
    used = sorted({t.region for w in plan.pipeline.waves for t in w.targets})
    out.append("Traffic weights: " + ", ".join(f"{r} {plan.weights.of(r):g} ({plan.weights.source(r)})"
                                               for r in used))
    if findings:
        out.append(f"Findings: {len(findings)} (listed on stderr): "
                   + ", ".join(sorted({d.code for d in findings})))
    return "\n".join(out) + "\n"
