"""``wavec plan --format markdown``: the plan for a GitHub job summary or a pull-request comment.

The figures of the text report (:mod:`.plan_text`), as GitHub-flavoured Markdown: a headline a reviewer reads
first (time to full deployment, waves, the largest exposure before the last wave), the waves table, the
stages, what a defect caught at each wave costs, and the findings — listed here, since a summary has no
stderr. The critical path is folded (``<details>``) so a comment stays short. Deterministic: the same plan
and start give the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..analysis.plan import Plan
from ..diagnostics import Diagnostic
from .plan_text import windows_cell
from .units import dur, iso, pct, when


def cell(text: str) -> str:
    """A table cell: ``|`` escaped (GitHub honours ``\\|`` inside code spans too), newlines flattened, empty
    shown as ``-``."""
    return " ".join(text.split()).replace("|", "\\|") or "-"


def prose(text: str) -> str:
    """A finding's message as Markdown text: ``<`` and ``&`` cannot start HTML."""
    return text.replace("&", "&amp;").replace("<", "&lt;")


def code(text: str) -> str:
    """Inline code that survives backticks in the text (a name cannot hold one, a message can)."""
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: frozenset[int] = frozenset()) -> list[str]:
    """A GitHub table; columns in ``right`` are right-aligned (numbers)."""
    align = ["--:" if i in right else "---" for i in range(len(headers))]
    return ["| " + " | ".join(headers) + " |", "|" + "|".join(align) + "|",
            *("| " + " | ".join(cell(c) for c in row) + " |" for row in rows)]


def render(plan: Plan, findings: Sequence[Diagnostic] = ()) -> str:
    """The whole Markdown report, ending with one newline."""
    tl = plan.timeline
    targets = sum(len(wp.wave.targets) for wp in plan.waves)
    out = [f"### Rollout plan of {code(plan.pipeline.name)}", ""]
    if tl.finish is not None:
        headline = (f"**Full deployment in {dur(tl.total_seconds)}**: starts {when(plan.start)}, finishes "
                    f"{when(tl.finish)}")
    else:
        never = ", ".join(code(b) for b in tl.blocked[:3]) + (" …" if len(tl.blocked) > 3 else "")
        headline = f"**Never fully deployed**: these actions can never start: {never}"
    out.append(f"{headline} · {len(plan.waves)} wave{'s' if len(plan.waves) != 1 else ''}, {targets} "
               f"target{'s' if targets != 1 else ''}")
    if len(plan.defects) > 1:
        worst = plan.defects[-2]  # the last wave's defect reaches everything; the one before says what gates save
        out.append("")
        out.append(f"A defect the gates catch at wave {code(worst.wave)} has reached {pct(worst.exposure)} of the "
                   f"traffic for {dur(worst.exposed_seconds)}.")
    if findings:
        out += ["", f"> [!WARNING]\n> {len(findings)} finding{'s' if len(findings) != 1 else ''}: "
                + ", ".join(sorted({d.code for d in findings})) + " (listed below)"]
    out += ["", "#### Waves", ""]
    rows = []
    for i, wp in enumerate(plan.waves):
        w = wp.wave
        names = ", ".join(t.id for t in w.targets)
        if len(wp.batches) > 1:
            names += f" ({len(wp.batches)} batches of {w.parallel})"
        rows.append((str(i + 1), code(w.name), names, pct(w.exposure.fraction), pct(wp.exposure.exposure),
                     pct(wp.exposure.cumulative), dur(w.bake.seconds),
                     ", ".join(f"{g.name} ({g.on_breach})" for g in w.gates) or "-", windows_cell(plan, i),
                     when(wp.start), when(wp.end)))
    out += md_table(("#", "wave", "targets", "each", "traffic", "cumulative", "bake", "gates", "windows", "start",
                     "end"), rows, right=frozenset({0, 3, 4, 5}))
    if plan.stages:
        out += ["", "#### Stages", ""]
        out += md_table(("stage", "steps", "start", "end", "takes"), [
            (code(s.stage.name), ", ".join(x.name for x in s.stage.steps) or "-", when(s.start), when(s.end),
             dur(int((s.end - s.start).total_seconds())) if s.start and s.end else "-")
            for s in plan.stages])
    out += ["", "#### A defect caught at wave k", "",
            "Worst case: the gates catch it as the bake of wave k ends.", ""]
    out += md_table(("wave", "caught", "exposed", "for", "share × hours", "on breach", "rolled back", "left"), [
        (code(d.wave), when(d.detected_at), pct(d.exposure), dur(d.exposed_seconds),
         "-" if d.exposure_hours is None else f"{d.exposure_hours:.2f}", d.action,
         ", ".join(d.rolled_back) or "-", pct(d.exposure_after))
        for d in plan.defects], right=frozenset({2, 4, 7}))
    if tl.finish is not None:
        out += ["", "<details>", f"<summary>Critical path ({len(tl.critical_path)} actions)</summary>", ""]
        path_rows = []
        for node in tl.critical_path:
            slot = tl.slots[node]
            note = f"waits {dur(slot.wait_seconds)} for its windows" if slot.wait_seconds else ""
            path_rows.append((when(slot.start), dur(plan.durations[node]), code(node), note))
        out += md_table(("start", "takes", "action", "note"), path_rows, right=frozenset({1}))
        out += ["", "</details>"]
    out.append("")
    used = sorted({t.region for w in plan.pipeline.waves for t in w.targets})
    weights = ", ".join(f"{r} {plan.weights.of(r):g} ({plan.weights.source(r)})" for r in used)
    note = "every region weighs 0: targets are counted equally. " if plan.exposure.equal_weights else ""
    out.append(f"Traffic weights: {note}{weights}.")
    if findings:
        out += ["", "#### Findings", ""]
        out += [f"- **{d.severity.value}** {d.code}: {prose(d.message)}" for d in findings]
    out += ["", f"<sub>wavec plan, start {iso(plan.start)}</sub>"]
    return "\n".join(out) + "\n"
