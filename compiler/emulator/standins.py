"""The stand-in table: what "action A ran" (and "rule R ran") means on this machine.

A stand-in is a shell command (run through ``/bin/sh -c``, values reaching it as environment variables
only), the variables it gets, and for an action the command a *rollback execution* runs instead. Stand-ins
carry no timing, gate or rollback logic: when to run, what a failure means and whether to roll back all
come from the pipeline. Keys are ``"stage/action"``, just ``"action"`` (any stage) or ``"*"`` (every action
without an entry of its own); the most specific wins.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..records import field, record
from .model import Refusal


@record
class StandIn:
    """One stand-in: the command, its environment, and (actions only) the rollback command."""

    run: str | None
    rollback: str | None = None
    env: dict[str, str] = field(default_factory=dict)


@record
class StandIns:
    """The table, by key (``stage/name`` or ``name``)."""

    actions: dict[str, StandIn] = field(default_factory=dict)
    rules: dict[str, StandIn] = field(default_factory=dict)
    source: str | None = None

    def action(self, stage: str, name: str) -> StandIn | None:
        """The stand-in for action ``name`` of ``stage``."""
        return self.actions.get(f"{stage}/{name}") or self.actions.get(name) or self.actions.get("*")

    def exact(self, stage: str, name: str) -> StandIn | None:
        """The stand-in naming action ``name`` itself (``*`` does not stand in for a state machine)."""
        return self.actions.get(f"{stage}/{name}") or self.actions.get(name)

    def rule(self, stage: str, name: str) -> StandIn | None:
        """The stand-in for rule ``name`` of ``stage``."""
        return self.rules.get(f"{stage}/{name}") or self.rules.get(name)


def _standin(raw: Any, where: str, *, rollback: bool) -> StandIn:
    if not isinstance(raw, dict):
        raise Refusal(f"{where}: expected an object with `run`" + (", `rollback`" if rollback else "") + ", `env`")
    allowed = {"run", "env"} | ({"rollback"} if rollback else set())
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise Refusal(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(allowed))})")
    for key in ("run", "rollback"):
        if raw.get(key) is not None and (not isinstance(raw[key], str) or not raw[key].strip()):
            raise Refusal(f"{where}.{key}: expected a command (a non-empty string)")
    env = raw.get("env", {})
    if not isinstance(env, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in env.items()):
        raise Refusal(f"{where}.env: expected an object of string values")
    return StandIn(raw.get("run"), raw.get("rollback"), dict(env))


def standins_from(data: Any, where: str = "stand-ins") -> StandIns:
    """A table from parsed JSON data."""
    if not isinstance(data, dict):
        raise Refusal(f"{where}: expected an object with `actions` (and `rules`)")
    unknown = sorted(set(data) - {"actions", "rules"})
    if unknown:
        raise Refusal(f"{where}: unknown key {unknown[0]!r} (known: actions, rules)")
    out: dict[str, dict[str, StandIn]] = {"actions": {}, "rules": {}}
    for section in ("actions", "rules"):
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise Refusal(f"{where}.{section}: expected an object keyed by \"stage/name\" or \"name\"")
        for key, raw in table.items():
            out[section][key] = _standin(raw, f"{where}.{section}[{key!r}]", rollback=section == "actions")
    return StandIns(out["actions"], out["rules"], where)


def load_standins(path: Path) -> StandIns:
    """Read a stand-in table (JSON); raises :class:`Refusal`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise Refusal(f"stand-ins {path}: cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise Refusal(f"stand-ins {path}: not valid JSON: {exc}") from None
    return standins_from(data, str(path))
