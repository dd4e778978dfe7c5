"""The final report of a run: what deployed, what rolled back, why, and how long it took."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ..lang.values import format_duration
from .clock import instant
from .executor import State


def summary(plan: dict[str, Any], state: State, run_id: str, speed: float, start: str | None = None
            ) -> dict[str, Any]:
    """The report as data (also the ``report`` event of ``--json``); ``start`` is the run's virtual start."""
    finished = state.finished or {}
    rolled_back = [n for n in state.rollback_plan or [] if state.status.get(n) == "ok"]
    rollback_failed = [n for n in state.rollback_plan or [] if state.status.get(n) == "failed"]
    undone = {n.replace(":rollback:", ":deploy:", 1) for n in rolled_back}
    waves = []
    for wave in plan["waves"]:
        deploys = [d for batch in wave["batches"] for d in batch]
        started = [d for d in deploys if d in state.attempted]
        status = state.status.get(wave["bake_node"], "pending")
        waves.append({
            "name": wave["name"], **({"exposure": wave["exposure"]} if "exposure" in wave else {}),
            "status": "baked" if status == "ok" else "not started" if not started else status,
            "deployed": [d.split(":deploy:")[1] for d in started if d not in undone],
            "rolled_back": [r.split(":rollback:")[1] for r in rolled_back if r.split(":")[1] == wave["name"]],
        })
    stages = []
    for stage in plan.get("stages", []):
        ids = [i for i in (stage["create"], *stage["steps"], stage["destroy"]) if i]
        statuses = [state.status.get(i, "pending") for i in ids]
        failed = [i for i, s in zip(ids, statuses, strict=True) if s == "failed"]
        stages.append({"name": stage["name"], "status": "failed" if failed else
                       "passed" if all(s == "ok" for s in statuses) else "not run" if
                       all(s == "pending" for s in statuses) else "incomplete", "failed": failed})
    seconds = float(finished.get("seconds", 0.0))
    return {
        "run": run_id, "pipeline": plan["pipeline"], "status": finished.get("status", "unfinished"),
        "exit": finished.get("exit"), "reason": finished.get("reason"), "stages": stages, "waves": waves,
        "rolled_back": [n.split(":rollback:")[1] + f" ({n.split(':')[1]})" for n in rolled_back],
        "rollback_failed": [n.split(":rollback:")[1] + f" ({n.split(':')[1]})" for n in rollback_failed],
        "seconds": seconds, "speed": speed, "start": start,
        "virtual_seconds": float(finished.get("virtual_seconds", 0.0)),
    }


def render(report: dict[str, Any]) -> str:
    """The report as text for people."""
    head = {"succeeded": "SUCCEEDED", "rolled_back": "FAILED, ROLLED BACK", "halted": "FAILED, HALTED (no rollback)",
            "failed": "FAILED", "rollback_failed": "FAILED, ROLLBACK FAILED"}.get(report["status"], report["status"])
    lines = [f"Rollout of {report['pipeline']}: {head} (run {report['run']}, exit {report['exit']})"]
    if report["reason"]:
        lines.append(f"  why:         {report['reason']}")
    if report["stages"]:
        lines.append("  stages:      " + ", ".join(f"{s['name']} {s['status']}" for s in report["stages"]))
    for wave in report["waves"]:
        parts = [wave["status"]]
        if wave["deployed"]:
            exposure = f" at {percent(wave['exposure'])} exposure" if "exposure" in wave else ""
            parts.append("deployed " + " ".join(wave["deployed"]) + exposure)
        if wave["rolled_back"]:
            parts.append("rolled back " + " ".join(wave["rolled_back"]))
        lines.append(f"  wave {wave['name']}: " + "; ".join(parts))
    if report["rolled_back"]:
        lines.append("  rolled back (in order): " + ", ".join(report["rolled_back"]))
    if report["rollback_failed"]:
        again = f"fix the cause (their logs: .wavec/runs/{report['run']}/), then `{report['resume']}` tries them " \
            "again — or roll back by hand" if report.get("resume") else "act by hand"
        lines.append("  ROLLBACK FAILED for: " + ", ".join(report["rollback_failed"]) + " — " + again)
    lines.append(f"  time:        {simulated(report)}; {report['seconds']:.1f}s real at x{report['speed']:g}")
    return "\n".join(lines)


def percent(value: float) -> str:
    """An exposure as the file writes it: ``5%``, ``0.5%``, ``100%``."""
    return f"{value:.6f}".rstrip("0").rstrip(".") + "%"


def simulated(report: dict[str, Any]) -> str:
    """The simulated duration of a run and its span in virtual time: ``3h12m simulated (Mon 2024-06-03 10:00 →
    13:12 UTC)``."""
    seconds = float(report.get("virtual_seconds") or 0.0)
    took = format_duration(round(seconds)) if seconds >= 1 else "0s"
    start = instant(report.get("start"))
    if start is None:
        return f"{took} simulated"
    end = start + timedelta(seconds=seconds)
    until = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%a %Y-%m-%d %H:%M}"
    return f"{took} simulated ({start:%a %Y-%m-%d %H:%M} → {until} UTC)"
