"""What ``wavec run`` shows while it works: a live table on a terminal, plain lines otherwise, or JSON events.

Every reporter is a callable taking one journal event (already durable); they
are called from worker threads, so each one serialises its own output.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import IO, Any

from ..lang.values import format_duration


def reporter(plan: dict[str, Any], mode: str, stream: IO[str] | None = None) -> Any:
    """The reporter for ``mode``: ``json``, ``live`` (rich, terminals) or ``plain``."""
    out = stream or sys.stdout
    if mode == "json":
        return JsonReporter(out)
    if mode == "live":
        return LiveReporter(plan, out)
    return PlainReporter(out)


def _dur(seconds: float) -> str:
    return format_duration(round(seconds)) if seconds >= 1 else "0s"


def describe(event: dict[str, Any]) -> str | None:
    """One human line for an event (``None``: not worth a line)."""
    kind = event["event"]
    node = event.get("node", "")
    if kind == "run_started":
        return f"run {event['run']} of pipeline {event['pipeline']} (speed x{event['options']['speed']:g})"
    if kind == "run_resumed":
        return f"resuming run {event['run']}"
    if kind == "node_started" and event["kind"] not in ("bake",):
        return f"→ {node}"
    if kind == "node_finished":
        status = event["status"]
        mark = {"ok": "✓", "failed": "✗", "cancelled": "·"}.get(status, "?")
        why = f" — {event['reason']}" if event.get("reason") and status != "ok" else ""
        took = f" ({event['seconds']:.2f}s)" if "seconds" in event and status == "ok" else ""
        return f"{mark} {node}{took}{why}"
    if kind == "node_retry":
        return f"↻ {node}: attempt {event['attempt']} ({event['reason']})"
    if kind == "bake_started":
        left = event["bake"] - event["elapsed"]
        return f"  bake {event['wave']}: {_dur(left)} to go"
    if kind == "gate" and not event["ok"]:
        return f"  gate {event['gate']} ({event['wave']}): BREACH — {event['detail']}"
    if kind == "breach":
        return f"! breach in wave {event['wave']}: {event['reason']} → {event['on_breach']}"
    if kind == "rollback_plan":
        targets = ", ".join(n.split(":rollback:")[1] + f" ({n.split(':')[1]})" for n in event["nodes"])
        return f"! rolling back, newest first: {targets}" if event["nodes"] else None
    if kind == "window_wait":
        return f"  wave {event['wave']}: waiting for its window (opens {event['until']})"
    if kind == "note":
        return f"  note: {event['text']}"
    # Kinds of the CodePipeline emulator (docs/emulator.md).
    if kind == "execution_started" and event.get("type") == "ROLLBACK":
        return f"↺ rollback execution of stage {event.get('stage')} (to execution {event.get('target_execution')})"
    if kind == "stage_finished" and event.get("status") != "Succeeded":
        return f"  stage {event['stage']}: {event['status']}"
    if kind == "choice":
        return f"  assumed (rule {event['rule']}): {event['text']}"
    if kind == "run_interrupted":
        return "interrupted"
    return None


class PlainReporter:
    """Plain lines, one per interesting event (for logs and CI)."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.lock = threading.Lock()

    def __call__(self, event: dict[str, Any]) -> None:
        line = describe(event)
        if line is not None:
            with self.lock:
                self.out.write(line + "\n")
                self.out.flush()

    def close(self) -> None:
        """Nothing to tear down."""


class JsonReporter:
    """One JSON object per line: the journal events as they happen."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.lock = threading.Lock()

    def __call__(self, event: dict[str, Any]) -> None:
        with self.lock:
            self.out.write(json.dumps(event, sort_keys=True) + "\n")
            self.out.flush()

    def close(self) -> None:
        """Nothing to tear down."""


class LiveReporter:
    """A rich live table of stages, waves, targets, bake countdowns and gate states."""

    def __init__(self, plan: dict[str, Any], out: IO[str]) -> None:
        from rich.console import Console
        from rich.live import Live

        self.plan = plan
        self.lock = threading.Lock()
        self.status: dict[str, str] = {}
        self.bakes: dict[str, tuple[float, float, float, float]] = {}  # wave → (total, elapsed, wall, speed)
        self.gates: dict[str, str] = {}
        self.lines: list[str] = []
        self.console = Console(file=out)
        self.live = Live(self._table(), console=self.console, refresh_per_second=8, get_renderable=self._table)
        self.live.start()

    def __call__(self, event: dict[str, Any]) -> None:
        with self.lock:
            kind = event["event"]
            if kind == "node_started":
                self.status[event["node"]] = "running"
            elif kind == "node_finished":
                self.status[event["node"]] = event["status"]
            elif kind in ("bake_started", "bake_progress"):
                speed = event.get("speed") or self.bakes.get(event["wave"], (0, 0, 0, 1.0))[3]
                self.bakes[event["wave"]] = (event["bake"], event["elapsed"], time.monotonic(), speed)
            elif kind == "gate":
                self.gates[event["wave"]] = ("✓ " if event["ok"] else "✗ ") + event["gate"]
            line = describe(event)
            if line is not None and kind not in ("node_started", "node_finished", "bake_started"):
                self.lines = [*self.lines, line][-6:]

    def _mark(self, node_id: str | None) -> str:
        if node_id is None:
            return ""
        return {"running": "[yellow]…[/]", "ok": "[green]✓[/]", "failed": "[red]✗[/]",
                "cancelled": "[dim]·[/]"}.get(self.status.get(node_id, ""), "[dim]○[/]")

    def _table(self) -> Any:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        table = Table(title=f"wavec run — {self.plan['pipeline']}", expand=False)
        for col in ("", "name", "targets", "bake", "gates"):
            table.add_column(col)
        with self.lock:
            for stage in self.plan.get("stages", []):
                ids = [i for i in (stage["create"], *stage["steps"], stage["destroy"]) if i]
                marks = " ".join(self._mark(i) for i in ids)
                table.add_row("stage", stage["name"], marks, "", "")
            for wave in self.plan["waves"]:
                targets = " ".join(f"{self._mark(d)}{d.split(':deploy:')[1]}" for b in wave["batches"] for d in b)
                rolled = [r.split(":rollback:")[1] for r in wave["rollback"] if self.status.get(r) == "ok"]
                if rolled:
                    targets += f"  [magenta]↺ {' '.join(rolled)}[/]"
                table.add_row("wave", wave["name"], targets, self._bake(wave), self.gates.get(wave["name"], ""))
            lines = list(self.lines)
        return Group(table, *(Text(line) for line in lines))  # Text: a reason's `[x]` is not rich markup

    def _bake(self, wave: dict[str, Any]) -> str:
        status = self.status.get(wave["bake_node"])
        if status == "ok":
            return "[green]baked[/]"
        if wave["name"] not in self.bakes or status != "running":
            return _dur(wave["bake"]) if status is None else str(status)
        total, elapsed, wall, speed = self.bakes[wave["name"]]
        now = min(total, elapsed + (time.monotonic() - wall) * speed)
        return f"{_dur(total - now)} left"

    def close(self) -> None:
        """Stop the live display, leaving the last table on screen."""
        self.live.stop()
