"""The parity oracle: one normalised trace per run, the same shape for the local runner and the emulator.

:func:`trace` turns a ``wavec run --json`` event stream into a :class:`Trace`. Every difference the two
engines *must* have is normalised here and only here (``NORMALISED`` lists them; docs/emulator.md has the
same table under "Normalised differences"). Nothing else is forgiven.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

# What the normalisation forgives, and why (the table of docs/emulator.md, "Normalised differences").
NORMALISED: tuple[tuple[str, str], ...] = (
    ("order of targets within one wave",
     "both engines deploy (and roll back) a wave's targets of one batch at once; the order they finish in is "
     "a race, so a wave's targets are compared as a set, the waves in order"),
    ("absolute virtual time",
     "the local runner's virtual clock runs while commands run (speed × their real duration), an emulated "
     "action takes no virtual time: bake times are compared in minutes since that wave's bake started"),
    ("one gate evaluation per target",
     "CodePipeline evaluates a gate once per target (one bake action per region), the local runner once per "
     "wave for all its targets: evaluations at the same bake minute are one, ok when every target's is"),
    ("evaluations after the breach",
     "a CodePipeline stage lets its other actions run to the end after one fails, the local runner stops the "
     "bake at once: a wave's evaluations end with its first failing one, and a failed bake ends then"),
    ("sandbox actions",
     "the compiled pipeline runs a sandbox's create and destroy as Commands actions named environment-create "
     "and environment-destroy of its stage; they are the local plan's env_create and env_destroy nodes"),
    ("entry conditions",
     "CodePipeline reports a stage's beforeEntry blocker check as gate events, the local runner as a blocked "
     "deploy: both become `blocked` (the waves stopped at entry), not bake evaluations"),
    ("evaluations of nothing",
     "the local runner 'evaluates' a gate holding only blockers or an approval every interval of the bake, "
     "with nothing to evaluate (no verdict): those are not evaluations"),
    ("actions with no local counterpart",
     "the emulator's Source action and the bake actions a stage rollback re-runs are not in the local plan; "
     "the trace keeps deploys, bakes, gates, target rollbacks and sandboxes (their effect on the outcome is "
     "still compared)"),
)


_SANDBOX_ACTIONS = ("environment-create", "environment-destroy")


@dataclass(frozen=True)
class Trace:
    """What a user checks of a rehearsal: what deployed, baked, was judged and rolled back, and the end."""

    deployed: tuple[tuple[str, frozenset[str]], ...]
    bakes: tuple[tuple[str, str, float], ...]  # wave, ok|failed, minute the bake ended (since it started)
    gates: tuple[tuple[str, float, bool], ...]  # wave, bake minute, outcome
    blocked: tuple[str, ...]  # waves stopped at entry by a blocker
    rolled_back: tuple[tuple[str, frozenset[str]], ...]
    sandboxes: tuple[tuple[str, str], ...]  # (stage, create|destroy) in order
    status: str
    exit: int

    def differences(self, other: Trace) -> list[str]:
        """Each field in which ``other`` differs, as ``field: self != other``."""
        return [f"{name}: {getattr(self, name)!r} != {getattr(other, name)!r}"
                for name in self.__dataclass_fields__ if getattr(self, name) != getattr(other, name)]


def _at(event: dict[str, Any]) -> datetime | None:
    text = event.get("at")
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if isinstance(text, str) else None


def _grouped(pairs: list[tuple[str, str]]) -> tuple[tuple[str, frozenset[str]], ...]:
    out: list[tuple[str, set[str]]] = []
    for wave, target in pairs:
        if out and out[-1][0] == wave:
            out[-1][1].add(target)
        else:
            out.append((wave, {target}))
    return tuple((w, frozenset(t)) for w, t in out)


def trace(events: list[dict[str, Any]], code: int) -> Trace:
    """The normalised trace of one run's events (``wavec run --json``) and exit code."""
    deployed: list[tuple[str, str]] = []
    rolled: list[tuple[str, str]] = []
    sandboxes: list[tuple[str, str]] = []
    bake_start: dict[str, datetime] = {}
    elapsed: dict[str, float] = {}  # the local runner's last bake_progress, in seconds
    raw_gates: dict[str, dict[float, bool]] = {}
    bakes: dict[str, tuple[str, float]] = {}
    finished: dict[str, Any] = {}
    blocked: list[str] = []
    for e in events:
        kind = e["event"]
        wave = e.get("wave")
        if kind == "bake_started" and wave is not None:
            at = _at(e)
            if at is not None:
                bake_start[wave] = at
            elapsed[wave] = float(e.get("elapsed", 0))
        elif kind == "bake_progress" and wave is not None:
            elapsed[wave] = float(e["elapsed"])
        elif kind == "gate" and e.get("block") == "beforeEntry":
            if not e["ok"] and wave not in blocked:
                blocked.append(str(wave))
        elif kind == "gate" and wave is not None and e.get("detail", "?") == "":
            continue  # a local gate with nothing to evaluate
        elif kind == "gate" and wave is not None:
            at = _at(e)
            minute = ((at - bake_start[wave]).total_seconds() if at is not None and wave in bake_start
                      else elapsed.get(wave, 0.0)) / 60
            per_wave = raw_gates.setdefault(wave, {})
            per_wave[minute] = per_wave.get(minute, True) and bool(e["ok"])
        elif kind == "node_finished":
            node_kind, status = e.get("kind"), e.get("status")
            if node_kind == "deploy" and e.get("blocked"):
                if wave not in blocked:
                    blocked.append(str(wave))
            elif node_kind == "deploy" and status in ("ok", "failed"):
                deployed.append((wave, e.get("target")))
            elif node_kind == "rollback" and e.get("target") is not None and status in ("ok", "failed"):
                rolled.append((wave, e["target"]))
            elif status in ("ok", "failed") and (node_kind in ("env_create", "env_destroy") or (
                    node_kind == "step" and str(e["node"]).rsplit(":", 1)[-1] in _SANDBOX_ACTIONS)):
                last = str(e["node"]).rsplit(":", 1)[-1]
                sandboxes.append((str(e["node"]).split(":")[1],
                                  "create" if node_kind == "env_create" or last == "environment-create"
                                  else "destroy"))
            elif node_kind == "bake" and status in ("ok", "failed") and wave is not None:
                at = _at(e)
                end = ((at - bake_start[wave]).total_seconds() if at is not None and wave in bake_start
                       else elapsed.get(wave, 0.0)) / 60
                bakes[wave] = (str(status), end)
        elif kind == "run_finished":
            finished = e
    gates: list[tuple[str, float, bool]] = []
    for wave, by_minute in raw_gates.items():
        for minute in sorted(by_minute):
            gates.append((wave, round(minute, 3), by_minute[minute]))
            if not by_minute[minute]:
                first_fail = minute
                if wave in bakes and bakes[wave][0] == "failed":
                    bakes[wave] = ("failed", first_fail)
                break
    return Trace(_grouped(deployed), tuple((w, s, round(m, 3)) for w, (s, m) in bakes.items()), tuple(gates),
                 tuple(blocked), _grouped(rolled), tuple(sandboxes), str(finished.get("status")), code)
