"""``wavec plan --format json``: the plan as a stable, documented document (docs/plan.md).

Keys are added, never renamed. Instants are UTC ISO strings (``…Z``), durations whole seconds, shares
fractions 0…1 rounded to 6 decimals; ``null`` where a node can never run (a window that never opens).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..analysis.plan import Plan
from ..diagnostics import Diagnostic
from ..plan_format import json_text
from .units import iso, share

FORMAT = "wavec-plan-report/1"


def _window(w: Any) -> dict[str, Any]:
    return {
        "name": w.name, "timezone": w.timezone, "days": list(w.days),
        "hours": [str(h) for h in w.hours] if w.hours is not None else None, "cron": w.cron,
    }


def document(plan: Plan, findings: Sequence[Diagnostic] = ()) -> dict[str, Any]:
    """The JSON-ready dictionary of a plan."""
    tl = plan.timeline
    used_regions = sorted({t.region for w in plan.pipeline.waves for t in w.targets})
    waves = []
    for wp in plan.waves:
        w = wp.wave
        on_breach = sorted({g.on_breach for g in w.gates})
        waves.append({
            "name": w.name,
            "index": w.index,
            "targets": [{"region": t.region, "account": t.account} for t in w.targets],
            "exposure": share(wp.exposure.exposure),
            "wave_exposure": share(w.exposure.fraction),
            "cumulative_exposure": share(wp.exposure.cumulative),
            "new_exposure": share(wp.exposure.new),
            "exposure_at_bake_end": share(wp.exposure.at_bake_end),
            "bake_seconds": w.bake.seconds,
            "deploy_seconds": wp.deploy_seconds,
            "parallel": w.parallel,
            "batches": [[t.id for t in b] for b in wp.batches],
            "gates": [g.name for g in w.gates],
            "on_breach": on_breach,
            "windows": [_window(x) for x in w.windows],
            "ready_at": iso(wp.ready),
            "starts_at": iso(wp.start),
            "window_wait_seconds": wp.wait_seconds,
            "deployed_at": iso(wp.deployed),
            "ends_at": iso(wp.end),
        })
    return {
        "format": FORMAT,
        "pipeline": plan.pipeline.name,
        "start": iso(plan.start),
        "finish": iso(tl.finish),
        "time_to_full_deployment_seconds": tl.total_seconds,
        "critical_path": list(tl.critical_path),
        "levels": plan.levels,
        "stages": [{
            "name": s.stage.name, "steps": [x.name for x in s.stage.steps], "starts_at": iso(s.start),
            "ends_at": iso(s.end),
        } for s in plan.stages],
        "waves": waves,
        "defects": [{
            "wave": d.wave, "detected_at": iso(d.detected_at), "exposure": share(d.exposure),
            "exposed_seconds": d.exposed_seconds,
            "exposure_hours": None if d.exposure_hours is None else round(d.exposure_hours, 6),
            "on_breach": d.action, "rolled_back": list(d.rolled_back),
            "exposure_after_rollback": share(d.exposure_after),
        } for d in plan.defects],
        "nodes": [{
            "id": n, "kind": plan.graph.nodes[n]["kind"], "duration_seconds": plan.durations[n],
            "ready_at": iso(plan.slots[n].ready), "starts_at": iso(plan.slots[n].start),
            "ends_at": iso(plan.slots[n].end),
        } for n in plan.graph.nodes],
        "weights": {r: {"weight": plan.weights.of(r), "source": plan.weights.source(r)} for r in used_regions},
        "findings": [{"code": d.code, "severity": d.severity.value, "message": d.message} for d in findings],
    }


def render(plan: Plan, findings: Sequence[Diagnostic] = ()) -> str:
    """The document as JSON text: sorted keys, two-space indent, a final newline."""
    return json_text.dumps(document(plan, findings)) + "\n"


def write(plan: Plan, findings: Sequence[Diagnostic], out: Callable[[str], object]) -> None:
    """The same text as :func:`render`, written through ``out`` in pieces (never held whole)."""
    json_text.dump(document(plan, findings), out)
    out("\n")
