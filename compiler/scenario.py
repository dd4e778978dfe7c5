"""Scenarios: the world a rehearsal runs in — alarm states over time, failing deploys and steps, approvals, start.

Neutral ground: both the CodePipeline emulator and the local runner read this format, so it imports nothing of
wavec. Mistakes raise :class:`ScenarioError` naming the place.

A scenario is a TOML or JSON file (``docs/scenarios.md``). Times are absolute (``at``, ISO 8601), relative to
the run's start (``after``), or — for alarms — a *bake minute*: minutes after the named wave's (stage's)
actions all succeeded, which is when its ``onSuccess`` condition, CodePipeline's nearest thing to a bake,
starts. An anchor that is never reached (the wave never deploys) means the change never happens.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .records import field, record


class ScenarioError(ValueError):
    """A scenario file that cannot be read or says something impossible; the message names the place."""


Refusal = ScenarioError  # the name the parser below uses

ALARM_STATES = ("OK", "ALARM", "INSUFFICIENT_DATA")
_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_KEYS: dict[str, set[str]] = {
    "": {"start", "undeclared_alarms", "previous_execution", "pipeline_region", "alarm", "deploy_failure",
         "step_failure", "approval", "kill_at_event"},
    "alarm": {"name", "region", "state", "at", "after", "wave", "stage", "minute"},
    "deploy_failure": {"region", "wave", "stage", "action"},
    "step_failure": {"action", "stage"},
    "approval": {"action", "wave", "stage", "decision", "at", "after"},
}


def parse_duration(value: Any, where: str) -> timedelta:
    """``"90m"``, ``"1h30m"``, ``"45s"``, ``"2d"`` or a number of minutes."""
    if isinstance(value, bool):
        raise Refusal(f"{where}: expected a duration such as \"30m\" or a number of minutes")
    if isinstance(value, int | float):
        if value < 0:
            raise Refusal(f"{where}: a duration cannot be negative")
        return timedelta(minutes=value)
    m = _DURATION.fullmatch(value) if isinstance(value, str) else None
    if not isinstance(value, str) or not value or m is None:
        raise Refusal(f"{where}: {value!r} is not a duration (write \"30m\", \"1h30m\", \"45s\", \"2d\")")
    d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    return timedelta(days=d, hours=h, minutes=mi, seconds=s)


def parse_instant(value: Any, where: str) -> datetime:
    """An ISO 8601 instant; no zone means UTC."""
    if isinstance(value, datetime):  # TOML has date-time values
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if not isinstance(value, str):
        raise Refusal(f"{where}: expected an ISO 8601 time such as \"2024-06-03T10:00:00Z\"")
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise Refusal(f"{where}: {value!r} is not an ISO 8601 time (e.g. 2024-06-03T10:00:00Z)") from None
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def stage_matches(stage: str, wave: str | None, name: str | None) -> bool:
    """Whether a stage is the one an entry names: ``stage`` exactly, or ``wave`` W as stage ``W``, ``wave-W`` or
    ``approve-W`` (the stage wavec gives a wave's approval, before ``wave-W``)."""
    if name is not None and stage != name:
        return False
    return wave is None or stage in (wave, f"wave-{wave}", f"approve-{wave}")


@record
class Anchor:
    """When something happens: absolute, after the start, or a minute of a stage's bake."""

    at: datetime | None = None
    after: timedelta | None = None
    wave: str | None = None
    stage: str | None = None
    minute: float | None = None

    def resolve(self, start: datetime, bakes: Mapping[str, datetime]) -> datetime | None:
        """The instant, or ``None`` while the stage it depends on has not started its bake."""
        if self.at is not None:
            return self.at
        if self.after is not None:
            return start + self.after
        if self.minute is None:
            return start
        for stage, began in bakes.items():
            if stage_matches(stage, self.wave, self.stage):
                return began + timedelta(minutes=self.minute)
        return None


@record
class AlarmChange:
    """Alarm ``name`` (in ``region``, or any region when ``None``) enters ``state`` at ``when``."""

    name: str
    region: str | None
    state: str
    when: Anchor
    order: int


@record
class DeployFailure:
    """The deploy to ``region`` (of a wave/stage/action, when given) fails."""

    region: str | None
    wave: str | None
    stage: str | None
    action: str | None


@record
class StepFailure:
    """The Commands action (or other build/test action) ``action`` fails."""

    action: str
    stage: str | None


@record
class Approval:
    """A manual approval's answer: ``approve`` or ``reject``, at a time (``after`` = since it started waiting)."""

    action: str | None
    wave: str | None
    stage: str | None
    decision: str
    at: datetime | None
    after: timedelta | None


@record
class Scenario:
    """Everything a scenario says; the empty scenario is a healthy run."""

    start: datetime | None = None
    undeclared_alarms: str = "ok"
    previous_execution: bool = True
    pipeline_region: str | None = None
    alarms: tuple[AlarmChange, ...] = ()
    deploy_failures: tuple[DeployFailure, ...] = ()
    step_failures: tuple[StepFailure, ...] = ()
    approvals: tuple[Approval, ...] = ()
    source: str | None = None
    declared: frozenset[tuple[str, str | None]] = field(default_factory=frozenset)
    # SIGKILL the run right after its N-th event (``seq``) is journaled: a crash to rehearse `--resume` with.
    kill_at_event: int | None = None

    def alarm_state(self, name: str, region: str | None, at: datetime, start: datetime,
                    bakes: Mapping[str, datetime]) -> str | None:
        """The alarm's state at ``at``; ``None`` when the emulated CloudWatch has no such alarm."""
        state: str | None = None
        known = (name, region) in self.declared or (name, None) in self.declared
        if known or self.undeclared_alarms == "ok":
            state = "OK"
        changes = []
        for change in self.alarms:
            if change.name != name or (change.region is not None and region is not None and change.region != region):
                continue
            when = change.when.resolve(start, bakes)
            if when is not None and when <= at:
                changes.append((when, change.order, change.state))
        for _, _, new in sorted(changes):
            state = new
        return state

    def alarm_names(self, region: str | None) -> set[str]:
        """The alarms the scenario names in ``region`` (or in every region)."""
        return {name for name, where in self.declared if where is None or region is None or where == region}

    def changes_between(self, name: str, region: str | None, after: datetime, until: datetime, start: datetime,
                        bakes: Mapping[str, datetime]) -> list[datetime]:
        """The instants in ``(after, until]`` when the alarm's scenario changes state, in order."""
        out = set()
        for change in self.alarms:
            if change.name != name or (change.region is not None and region is not None and change.region != region):
                continue
            when = change.when.resolve(start, bakes)
            if when is not None and after < when <= until:
                out.add(when)
        return sorted(out)

    def snapshot(self, at: datetime, start: datetime, bakes: Mapping[str, datetime]) -> dict[str, Any]:
        """Every declared alarm's state at ``at`` (for the ``aws`` stand-in Commands see)."""
        regions: dict[str, dict[str, str]] = {}
        for name, region in sorted(self.declared, key=lambda k: (k[0], k[1] or "")):
            state = self.alarm_state(name, region, at, start, bakes)
            if state is not None:
                regions.setdefault(region or "*", {})[name] = state
        return {"regions": regions, "undeclared": self.undeclared_alarms}


def load_scenario(path: Path) -> Scenario:
    """Read a scenario file (``.toml`` or ``.json``); raises :class:`Refusal` with the place of a mistake."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise Refusal(f"scenario {path}: cannot read: {exc}") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise Refusal(f"scenario {path}: not valid {'JSON' if path.suffix == '.json' else 'TOML'}: {exc}") from None
    return scenario_from(data, str(path))


def _entries(data: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    items = data.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise Refusal(f"{where}: `{key}` is a list of tables ([[{key}]])")
    for i, item in enumerate(items):
        unknown = sorted(set(item) - _KEYS[key])
        if unknown:
            raise Refusal(f"{where}: {key}[{i}]: unknown key {unknown[0]!r} (known: {', '.join(sorted(_KEYS[key]))})")
    return items


def _opt_str(item: dict[str, Any], key: str, where: str) -> str | None:
    value = item.get(key)
    if value is not None and (not isinstance(value, str) or not value):
        raise Refusal(f"{where}.{key}: expected a non-empty string")
    return value


def scenario_from(data: Any, where: str = "scenario") -> Scenario:
    """A scenario from parsed TOML/JSON data."""
    if not isinstance(data, dict):
        raise Refusal(f"{where}: expected a table/object at the top")
    unknown = sorted(set(data) - _KEYS[""])
    if unknown:
        raise Refusal(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_KEYS['']))})")
    start = parse_instant(data["start"], f"{where}.start") if "start" in data else None
    undeclared = data.get("undeclared_alarms", "ok")
    if undeclared not in ("ok", "missing"):
        raise Refusal(f"{where}.undeclared_alarms: expected \"ok\" or \"missing\"")
    previous = data.get("previous_execution", True)
    if not isinstance(previous, bool):
        raise Refusal(f"{where}.previous_execution: expected true or false")
    kill = data.get("kill_at_event")
    if kill is not None and (isinstance(kill, bool) or not isinstance(kill, int) or kill < 1):
        raise Refusal(f"{where}.kill_at_event: expected a positive whole number (the event's `seq`)")
    alarms = []
    declared: set[tuple[str, str | None]] = set()
    for i, item in enumerate(_entries(data, "alarm", where)):
        w = f"{where}.alarm[{i}]"
        name = _opt_str(item, "name", w)
        if name is None:
            raise Refusal(f"{w}: `name` is required")
        region = _opt_str(item, "region", w)
        state = item.get("state", "OK")
        if state not in ALARM_STATES:
            raise Refusal(f"{w}.state: {state!r} is not OK, ALARM or INSUFFICIENT_DATA")
        timing = [k for k in ("at", "after", "minute") if k in item]
        if len(timing) > 1:
            raise Refusal(f"{w}: give one of `at`, `after`, `minute`")
        if "minute" in item and not (item.get("wave") or item.get("stage")):
            raise Refusal(f"{w}: a bake `minute` needs the `wave` (or `stage`) whose bake it counts from")
        minute = item.get("minute")
        if minute is not None and (isinstance(minute, bool) or not isinstance(minute, int | float) or minute < 0):
            raise Refusal(f"{w}.minute: expected a number of minutes")
        anchor = Anchor(parse_instant(item["at"], f"{w}.at") if "at" in item else None,
                        parse_duration(item["after"], f"{w}.after") if "after" in item else None,
                        _opt_str(item, "wave", w), _opt_str(item, "stage", w),
                        float(minute) if minute is not None else None)
        alarms.append(AlarmChange(name, region, state, anchor, i))
        declared.add((name, region))
    deploys = [DeployFailure(_opt_str(it, "region", f"{where}.deploy_failure[{i}]"),
                             _opt_str(it, "wave", f"{where}.deploy_failure[{i}]"),
                             _opt_str(it, "stage", f"{where}.deploy_failure[{i}]"),
                             _opt_str(it, "action", f"{where}.deploy_failure[{i}]"))
               for i, it in enumerate(_entries(data, "deploy_failure", where))]
    steps = []
    for i, it in enumerate(_entries(data, "step_failure", where)):
        action = _opt_str(it, "action", f"{where}.step_failure[{i}]")
        if action is None:
            raise Refusal(f"{where}.step_failure[{i}]: `action` (the step's action name) is required")
        steps.append(StepFailure(action, _opt_str(it, "stage", f"{where}.step_failure[{i}]")))
    approvals = []
    for i, it in enumerate(_entries(data, "approval", where)):
        w = f"{where}.approval[{i}]"
        decision = it.get("decision", "approve")
        if decision not in ("approve", "reject"):
            raise Refusal(f"{w}.decision: expected \"approve\" or \"reject\"")
        if "at" in it and "after" in it:
            raise Refusal(f"{w}: give `at` or `after`, not both")
        approvals.append(Approval(_opt_str(it, "action", w), _opt_str(it, "wave", w), _opt_str(it, "stage", w),
                                  decision, parse_instant(it["at"], f"{w}.at") if "at" in it else None,
                                  parse_duration(it["after"], f"{w}.after") if "after" in it else None))
    return Scenario(start, undeclared, previous, _opt_str(data, "pipeline_region", where), tuple(alarms),
                    tuple(deploys), tuple(steps), tuple(approvals), where, frozenset(declared), kill_at_event=kill)
