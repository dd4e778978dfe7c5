"""What ``wavec run`` shows while it works: a live table on a terminal, plain lines otherwise, or JSON events.

Both human views are drawn from one :class:`RunView`, the run folded event by event: every node by name
(a sandbox's ``create``, each step, ``destroy``), each wave's targets with their exposure, bake and gates,
the targets rolled back (↺) in the order they were, and a virtual clock — ``T+3h12m`` since the run started
and the simulated date — read from the events' ``at``, never from the wall clock. A resumed run's view is
first given the events of the attempts before it, so what they finished shows as done.

Every reporter is a callable taking one event (the local runner's are already durable); they are called from
worker threads, so each one serialises its own output. The CodePipeline emulator uses the same reporters
(its events have the same kinds and ``at``).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import IO, Any

from ..lang.values import format_duration
from ..runner.clock import instant


def reporter(plan: dict[str, Any], mode: str, stream: IO[str] | None = None, *,
             history: Iterable[dict[str, Any]] = (), start: str | None = None) -> Any:
    """The reporter for ``mode``: ``json``, ``live`` (rich, terminals) or ``plain``.

    ``history``: the events of a resumed run's earlier attempts (shown as done, not again); ``start``: the run's
    virtual start instant, when its first events are not among those shown (the emulator's resume).
    """
    out = stream or sys.stdout
    if mode == "json":
        return JsonReporter(out)
    view = RunView(plan, start)
    for event in history:
        view.fold(event)
    if mode == "live":
        return LiveReporter(view, out)
    return PlainReporter(view, out)


def _dur(seconds: float) -> str:
    return format_duration(round(seconds)) if seconds >= 1 else "0s"


def elapsed_text(seconds: float) -> str:
    """The virtual time since the run started, as the view shows it: ``T+3h12m`` (``T+0h05m``, ``T+27h00m``)."""
    minutes = int(max(0.0, seconds) // 60)
    return f"T+{minutes // 60}h{minutes % 60:02d}m"


def date_text(at: datetime) -> str:
    """A simulated instant as the view shows it: ``Mon 2024-06-03 13:12 UTC``."""
    return f"{at:%a %Y-%m-%d %H:%M} UTC"


def label(node_id: str) -> str:
    """A node as people name it: ``stage test: step unit``, ``stage test: sandbox create``, ``wave two: deploy
    eu-west-1``, ``wave two: roll back eu-west-1``, ``wave two: bake`` (an id it does not know, as it is)."""
    parts = node_id.split(":")
    if len(parts) < 3 or parts[0] not in ("stage", "wave"):
        return node_id
    owner, what, name = parts[1], parts[2], ":".join(parts[3:])
    if parts[0] == "stage":
        if what in ("create", "destroy") and not name:
            return f"stage {owner}: sandbox {what}"
        if what == "rollback":
            return f"stage {owner}: roll back {name}"
        return f"stage {owner}: {'step' if what == 'step' else what} {name}".rstrip()
    if what == "rollback":
        return f"wave {owner}: roll back {name}"
    return f"wave {owner}: {what} {name}".rstrip()


def short(node_id: str) -> str:
    """A stage's node in its row: the step's name, or ``create`` / ``destroy`` for its sandbox."""
    parts = node_id.split(":")
    return parts[-1] if len(parts) >= 3 else node_id


def _where(node_id: str) -> str:
    """``eu-west-1 (two)`` of a wave's rollback node."""
    parts = node_id.split(":")
    return f"{':'.join(parts[3:])} ({parts[1]})" if len(parts) >= 4 else node_id


def _percent(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".") + "%"


class RunView:
    """A run as its views show it, folded from its events (pure: no clock, no output)."""

    def __init__(self, plan: dict[str, Any], start: str | None = None) -> None:
        self.plan = plan
        self.status: dict[str, str] = {}
        self.started: set[str] = set()
        self.bakes: dict[str, tuple[float, float, datetime | None]] = {}  # wave → (total, elapsed, at)
        self.gates: dict[str, tuple[bool, str]] = {}  # wave → (ok, gate) of its latest evaluation
        self.waiting: dict[str, str] = {}  # wave → the instant its window opens, while it waits for it
        self.opened: set[str] = set()  # waves whose window opened after a wait
        self.rollback_plan: list[str] = []
        self.rolled: list[str] = []  # rollback nodes in the order they ended (ok or failed)
        self.speed = 1.0
        self.origin = instant(start)  # the virtual start of the current attempt
        self.spent = 0.0  # virtual seconds of the attempts before it
        self.now: datetime | None = self.origin  # the latest virtual instant seen
        self.resumed = False
        # Waves that reach part of their targets' traffic: their deploys' lines say so (the table always does).
        self.exposure = {w["name"]: float(w["exposure"]) for w in plan["waves"] if float(w.get("exposure", 100)) < 100}

    # ------------------------------------------------------------------ folding

    def fold(self, event: dict[str, Any]) -> None:
        """Take one event into the view."""
        kind = event["event"]
        at = instant(event.get("at"))
        if kind in ("run_started", "run_resumed"):
            options = event.get("options") or {}
            self.speed = float(options.get("speed") or self.speed)
            if at is not None:
                if kind == "run_resumed" and self.origin is not None and self.now is not None:
                    self.spent += max(0.0, (self.now - self.origin).total_seconds())
                self.origin, self.now = at, at
            self.resumed = self.resumed or kind == "run_resumed"
        elif at is not None:
            if self.origin is None:
                self.origin = at
            if self.now is None or at > self.now:
                self.now = at
        node = event.get("node", "")
        if kind == "node_started":
            self.status[node] = "running"
            self.started.add(node)
            if event.get("kind") == "deploy" and event.get("wave") in self.waiting:
                self.waiting.pop(event["wave"])
        elif kind == "node_finished":
            self.status[node] = event["status"]
            if event.get("kind") == "rollback" and event["status"] in ("ok", "failed") and node not in self.rolled:
                self.rolled.append(node)
            wave = str(event.get("wave"))
            if event.get("kind") in ("window", "entry") and wave in self.waiting:
                del self.waiting[wave]
                self.opened.add(wave)
        elif kind in ("bake_started", "bake_progress"):
            if event.get("speed"):
                self.speed = float(event["speed"])
            self.bakes[event["wave"]] = (float(event["bake"]), float(event["elapsed"]), at)
        elif kind == "gate":
            self.gates[str(event["wave"])] = (bool(event["ok"]), str(event["gate"]))
        elif kind == "window_wait":
            self.waiting[str(event["wave"])] = str(event["until"])
        elif kind == "rollback_plan":
            self.rollback_plan = list(event["nodes"])
        elif kind == "rollback_retry":
            for retried in event["nodes"]:
                self.status[retried] = "pending"
                if retried in self.rolled:
                    self.rolled.remove(retried)

    # ------------------------------------------------------------------ reading

    def elapsed(self, at: datetime | None = None) -> float | None:
        """Virtual seconds since the run started, at ``at`` (default: the latest instant seen)."""
        at = at or self.now
        if at is None or self.origin is None:
            return None
        return self.spent + max(0.0, (at - self.origin).total_seconds())

    def clock(self, at: datetime | None = None) -> str:
        """``T+3h12m · Mon 2024-06-03 13:12 UTC``, or ``""`` before any instant is known."""
        seconds = self.elapsed(at)
        when = at or self.now
        if seconds is None or when is None:
            return ""
        return f"{elapsed_text(seconds)} · {date_text(when)}"

    def stamp(self, event: dict[str, Any]) -> str:
        """The ``T+…`` of an event (``""`` when it has no instant)."""
        seconds = self.elapsed(instant(event.get("at")))
        return elapsed_text(seconds) if seconds is not None and event.get("at") else ""

    def done_before(self) -> list[str]:
        """What the earlier attempts of a resumed run finished, per stage and wave, for the line saying so."""
        out = []
        for stage in self.plan.get("stages", []):
            ids = [i for i in (stage["create"], *stage["steps"], stage["destroy"]) if i]
            done = [short(i) for i in ids if self.status.get(i) == "ok"]
            if done:
                out.append(f"stage {stage['name']} ({', '.join(done)})")
        for wave in self.plan["waves"]:
            deployed = [d.split(":deploy:")[1] for b in wave["batches"] for d in b if self.status.get(d) == "ok"]
            parts = [*deployed, *(["baked"] if self.status.get(wave["bake_node"]) == "ok" else [])]
            if parts:
                out.append(f"wave {wave['name']} ({', '.join(parts)})")
        return out

    def describe(self, event: dict[str, Any]) -> str | None:
        """One human line for an event (``None``: not worth a line)."""
        kind = event["event"]
        node = event.get("node", "")
        if kind == "run_started":
            return f"run {event['run']} of pipeline {event['pipeline']} (speed x{event['options']['speed']:g})"
        if kind == "run_resumed":
            return f"resuming run {event['run']}"
        if kind == "node_started" and event.get("kind") not in ("bake",):
            exposure = self.exposure.get(str(event.get("wave"))) if event.get("kind") == "deploy" else None
            return f"→ {label(node)}" + (f" at {_percent(exposure)} exposure" if exposure is not None else "")
        if kind == "node_finished":
            return self._finished(event)
        if kind == "node_retry":
            return f"↻ {label(node)}: attempt {event['attempt']} ({event['reason']})"
        if kind == "bake_started":
            left = event["bake"] - event["elapsed"]  # 0: a bake whose length the events do not say (emulator)
            return f"  wave {event['wave']}: baking" + (f", {_dur(left)} to go" if left > 0 else "")
        if kind == "gate" and not event["ok"]:
            return f"  gate {event['gate']} ({event['wave']}): BREACH — {event['detail']}"
        if kind == "breach":
            return f"! breach in wave {event['wave']}: {event['reason']} → {event['on_breach']}"
        if kind == "rollback_plan":
            targets = ", ".join(_where(n) for n in event["nodes"])
            return f"! rolling back, newest first: {targets}" if event["nodes"] else None
        if kind == "window_wait":
            opens = instant(event["until"])
            until = date_text(opens) if opens else event["until"]
            return f"  wave {event['wave']}: waiting for its window (opens {until})"
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

    def _finished(self, event: dict[str, Any]) -> str:
        node, status = event["node"], event["status"]
        why = f" — {event['reason']}" if event.get("reason") and status != "ok" else ""
        if event.get("kind") == "rollback" and status == "ok":
            return f"↺ {label(node).replace(': roll back ', ': ', 1)} rolled back"
        wave = str(event.get("wave"))
        if status == "ok" and (event.get("kind") == "window" or (event.get("kind") == "entry" and wave in self.opened)):
            return f"✓ wave {event['wave']}: window open{self._at(event)}"
        mark = {"ok": "✓", "failed": "✗", "cancelled": "·", "skipped": "·"}.get(status, "?")
        return f"{mark} {label(node)}{why}"

    @staticmethod
    def _at(event: dict[str, Any]) -> str:
        at = instant(event.get("at"))
        return f" at {date_text(at)}" if at is not None else ""

    def window_key(self, event: dict[str, Any]) -> str | None:
        """The wave whose "waiting for its window" line this event replaces (it opened), if any."""
        kind = event["event"]
        wave = event.get("wave")
        if kind == "window_wait":
            return f"window:{wave}"
        if kind == "node_finished" and event.get("kind") in ("window", "entry"):
            return f"window:{wave}"
        return None


class PlainReporter:
    """Plain lines, one per interesting event, each after its virtual ``T+`` (for logs and CI)."""

    def __init__(self, view: RunView, out: IO[str]) -> None:
        self.view = view
        self.out = out
        self.lock = threading.Lock()
        done = view.done_before()
        if view.status and done:
            self._write(f"✓ done before the resume: {'; '.join(done)}")

    def __call__(self, event: dict[str, Any]) -> None:
        with self.lock:
            self.view.fold(event)
            line = self.view.describe(event)
            if line is not None:
                stamp = self.view.stamp(event)
                self._write(f"{stamp:<8} {line}" if stamp else line)

    def _write(self, line: str) -> None:
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


_MARKS = {"running": "[yellow]…[/]", "ok": "[green]✓[/]", "failed": "[red]✗[/]", "cancelled": "[dim]·[/]",
          "skipped": "[dim]·[/]"}


class LiveReporter:
    """A rich live table: the virtual clock, stages with their steps, waves with targets, exposure, bake and gates,
    the rollback in its order, and the latest lines (a "waiting for its window" line is replaced once it opens).

    ``console`` and ``live=False`` are for tests: the table is then drawn only when :meth:`snapshot` asks, and
    the clock stands at the latest event's instant (no interpolation from the wall clock).
    """

    def __init__(self, view: RunView, out: IO[str], console: Any = None, live: bool = True) -> None:
        from rich.console import Console
        from rich.live import Live

        self.view = view
        self.lock = threading.Lock()
        self.lines: list[tuple[str | None, str]] = []  # (key, text); a keyed line is replaced in place
        self._seen = (time.monotonic(), view.now)  # the wall moment the latest instant was seen
        self.interpolate = live
        self.console = console or Console(file=out)
        done = view.done_before()
        if view.status and done:
            self.lines.append((None, f"✓ done before the resume: {'; '.join(done)}"))
        self.live: Any = None
        if live:
            self.live = Live(self.table(), console=self.console, refresh_per_second=8, get_renderable=self.table)
            self.live.start()

    def __call__(self, event: dict[str, Any]) -> None:
        with self.lock:
            before = self.view.now
            self.view.fold(event)
            if self.view.now != before:
                self._seen = (time.monotonic(), self.view.now)
            line = self.view.describe(event)
            kind = event["event"]
            if line is None or kind in ("node_started", "bake_started") or (
                    kind == "node_finished" and event.get("kind") not in ("window", "entry", "rollback")
                    and event["status"] == "ok"):
                return
            stamp = self.view.stamp(event)
            text = f"{stamp:<8} {line}" if stamp else line
            key = self.view.window_key(event)
            for i, (k, _) in enumerate(self.lines):
                if key is not None and k == key:
                    self.lines[i] = (key, text)
                    return
            self.lines = [*self.lines, (key, text)][-8:]

    def _now(self) -> datetime | None:
        wall, at = self._seen
        if at is None or not self.interpolate:
            return self.view.now
        return at + timedelta(seconds=(time.monotonic() - wall) * self.view.speed)

    def _mark(self, node_id: str | None) -> str:
        if node_id is None:
            return ""
        return _MARKS.get(self.view.status.get(node_id, ""), "[dim]○[/]")

    def _target(self, deploy: str) -> str:
        name = deploy.split(":deploy:")[1]
        back = self.view.status.get(deploy.replace(":deploy:", ":rollback:", 1))
        if back == "ok":
            return f"[magenta]↺[/]{name}"
        if back == "running":
            return f"[yellow]↺…[/]{name}"
        if back == "failed":
            return f"[red]↺✗[/]{name}"
        return f"{self._mark(deploy)}{name}"

    def table(self) -> Any:
        """The live view as a rich renderable."""
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        view = self.view
        with self.lock:
            now = self._now()
            clock = view.clock(now)
            table = Table(title=f"wavec run — {view.plan['pipeline']}" + (f"   {clock}" if clock else ""),
                          expand=False)
            for col in ("", "name", "progress", "exposure", "bake", "gates"):
                table.add_column(col)
            for stage in view.plan.get("stages", []):
                ids = [i for i in (stage["create"], *stage["steps"], stage["destroy"]) if i]
                table.add_row("stage", stage["name"], " ".join(f"{self._mark(i)} {short(i)}" for i in ids), "", "", "")
            for wave in view.plan["waves"]:
                name = wave["name"]
                if name in view.waiting:
                    opens = instant(view.waiting[name])
                    progress = f"[cyan]⏸ window closed, opens {date_text(opens) if opens else view.waiting[name]}[/]"
                else:
                    progress = " ".join(self._target(d) for b in wave["batches"] for d in b)
                exposure = _percent(float(wave["exposure"])) if "exposure" in wave else ""
                ok, gate = view.gates.get(name, (True, ""))
                gates = f"{'[green]✓[/]' if ok else '[red]✗[/]'} {gate}" if gate else ""
                table.add_row("wave", name, progress, exposure, self._bake(wave, now), gates)
            if view.rollback_plan:
                order = " ".join(f"{self._back(n)} {_where(n)}" for n in view.rollback_plan)
                table.add_row("rollback", "newest first", order, "", "", "")
            lines = [text for _, text in self.lines]
        return Group(table, *(Text(line) for line in lines))  # Text: a reason's `[x]` is not rich markup

    def _back(self, node_id: str) -> str:
        status = self.view.status.get(node_id)
        return {"ok": "[magenta]↺[/]", "running": "[yellow]…[/]", "failed": "[red]✗[/]",
                "skipped": "[dim]·[/]"}.get(status or "", "[dim]○[/]")

    def _bake(self, wave: dict[str, Any], now: datetime | None) -> str:
        status = self.view.status.get(wave["bake_node"])
        if status == "ok":
            return "[green]baked[/]"
        if wave["name"] not in self.view.bakes or status != "running":
            return _dur(wave["bake"]) if status is None else str(status)
        total, elapsed, at = self.view.bakes[wave["name"]]
        if at is not None and now is not None:
            elapsed += max(0.0, (now - at).total_seconds())
        return f"{_dur(total - min(total, elapsed))} left"

    def snapshot(self) -> None:
        """Draw the table once on the console (tests; the live display draws it itself)."""
        self.console.print(self.table())

    def close(self) -> None:
        """Stop the live display, leaving the last table on screen."""
        if self.live is not None:
            self.live.stop()
