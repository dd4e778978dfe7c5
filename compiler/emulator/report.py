"""The final report of an emulated run: ``wavec run``'s report, plus what only CodePipeline has.

The common part (status, exit, why, stages, waves deployed and rolled back, the rollback order) is
built by :func:`wavec.runner.outcome.summary` from the same state the local runner keeps. The additions:
the executions (the main one and any rollback execution), the stage timeline in virtual time, and the
points where AWS's documentation is UNDOCUMENTED or CONTRADICTORY that this run depended on, with the
choice the emulator made.
"""

from __future__ import annotations

from typing import Any

from ..runner.outcome import render as render_local
from ..runner.outcome import summary as local_summary
from .engine import Emulator


def summary(emulator: Emulator) -> dict[str, Any]:
    """The report as data (also the ``report`` event of ``--json``)."""
    report = local_summary(emulator.view, emulator.state, emulator.run_id, emulator.options.speed)
    finished = emulator.state.finished or {}
    report.update(
        target="codepipeline",
        execution=emulator.execution,
        start=emulator.view_start(),
        virtual_seconds=float(finished.get("virtual_seconds", 0.0)),
        executions=list(emulator.executions),
        timeline=list(emulator.timeline),
        choices=list(emulator.choices),
    )
    return report


def render(report: dict[str, Any]) -> str:
    """The report as text for people."""
    lines = [render_local(report)]
    lines[0] = lines[0].replace("Rollout of ", "Emulated CodePipeline run of ", 1)
    for execution in report["executions"]:
        extra = f" of stage {execution['stage']}" if execution.get("stage") else ""
        lines.append(f"  execution {execution['type'].lower()}{extra}: {execution['status']} "
                     f"({execution['started']} → {execution.get('finished', '…')})")
    if report["timeline"]:
        lines.append("  timeline (virtual time):")
        for entry in report["timeline"]:
            kind = "" if entry["execution"] == report["execution"] else " [rollback execution]"
            lines.append(f"    {entry['started']} → {entry['finished']}  {entry['stage']}: {entry['status']}{kind}")
    if report["choices"]:
        lines.append("  where AWS's documentation is silent or contradicts itself, this run assumed:")
        lines.extend(f"    - rule {c['rule']}: {c['text']}" for c in report["choices"])
    return "\n".join(lines)
