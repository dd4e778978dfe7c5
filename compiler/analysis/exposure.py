"""Blast radius: how much traffic each wave reaches, cumulatively, and what a defect caught late costs.

Every distinct target of the pipeline (region, or region × account) weighs
its region's traffic weight; a wave reaches ``exposure`` of each of its
targets' traffic. Shares are fractions 0…1 of the traffic of all the
pipeline's targets:

* a wave's ``exposure`` is the share its deployments touch;
* ``cumulative`` after wave *k* (in rollout order) is, summed over targets,
  the largest exposure any wave up to *k* gave that target — so a one-box
  wave at 0.5% followed by the full region counts the region once, and the
  last wave reaches 1 when every target ends at 100%;
* on the timeline, a target is exposed from the moment its deployment
  *starts* (the change may reach customers while it rolls out).

"A defect caught at wave *k*" is the worst case for a defect that no earlier
bake caught and that wave *k*'s gates catch at the very end of its bake: how
much traffic had the change then, for how long, and what the gates' strongest
``on_breach`` takes back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ..dag.build import deploy_id
from ..semantics import ir
from .timeline import Timeline
from .weights import Weights

_BREACH_STRENGTH = {"halt": 0, "rollback": 1, "rollback_all": 2}


@dataclass(frozen=True, slots=True)
class WaveExposure:
    """Exposure figures of one wave, in rollout order."""

    wave: str
    exposure: float
    cumulative: float
    new: float
    at_bake_end: float | None


@dataclass(frozen=True, slots=True)
class DefectCase:
    """The worst case for a defect first caught at the end of one wave's bake."""

    wave: str
    detected_at: datetime | None
    exposure: float | None
    exposed_seconds: int | None
    exposure_hours: float | None
    action: str
    rolled_back: tuple[str, ...]
    exposure_after: float | None


class Exposure:
    """Target weights and the exposure events of a scheduled pipeline."""

    def __init__(self, pipeline: ir.Pipeline, weights: Weights, timeline: Timeline) -> None:
        self.pipeline = pipeline
        self.timeline = timeline
        self.weight: dict[str, float] = {}
        for wave in pipeline.waves:
            for t in wave.targets:
                self.weight.setdefault(t.id, weights.of(t.region))
        self.total = sum(self.weight[k] for k in sorted(self.weight))
        self.equal_weights = self.total <= 0
        if self.equal_weights:  # every weight is 0: count targets instead of dividing by zero
            self.weight = dict.fromkeys(self.weight, 1.0)
            self.total = float(len(self.weight))
        # (start of the deployment, wave, target, exposure) for every deployment that runs
        self.events: list[tuple[datetime, str, str, float]] = []
        for wave in pipeline.waves:
            for t in wave.targets:
                slot = timeline.slots.get(deploy_id(wave, t))
                if slot is not None and slot.start is not None:
                    self.events.append((slot.start, wave.name, t.id, wave.exposure.fraction))
        self.events.sort(key=lambda e: (e[0], e[1], e[2]))

    def share(self, reached: dict[str, float]) -> float:
        """The traffic share of targets reached at the given fractions."""
        if not self.total:
            return 0.0
        return sum(self.weight[t] * reached[t] for t in sorted(reached)) / self.total

    def by_wave(self, order: Sequence[ir.Wave]) -> list[WaveExposure]:
        """Exposure, cumulative and new share of each wave, in ``order``."""
        reached: dict[str, float] = {}
        out: list[WaveExposure] = []
        previous = 0.0
        for wave in order:
            e = wave.exposure.fraction
            own = self.share({t.id: e for t in wave.targets})
            for t in wave.targets:
                reached[t.id] = max(reached.get(t.id, 0.0), e)
            cumulative = self.share(reached)
            bake = self.timeline.slots.get(f"wave:{wave.name}:bake")
            at_end = self.at(bake.end) if bake is not None and bake.end is not None else None
            out.append(WaveExposure(wave.name, own, cumulative, max(0.0, cumulative - previous), at_end))
            previous = cumulative
        return out

    def at(self, when: datetime, without: frozenset[str] = frozenset(), inclusive: bool = False) -> float:
        """The share exposed at ``when`` (deployments started before it), leaving out the waves ``without``.

        A deployment starting exactly at ``when`` is not counted: a wave that starts as the previous bake
        ends has not reached anyone when that bake's gates have their last word (``inclusive`` counts it).
        """
        reached: dict[str, float] = {}
        for start, wave, target, e in self.events:
            if start > when or (start == when and not inclusive):
                break
            if wave not in without:
                reached[target] = max(reached.get(target, 0.0), e)
        return self.share(reached)

    def exposure_hours(self, until: datetime) -> float:
        """The integral of the exposed share over time until ``until``, in share × hours."""
        total = 0.0
        times = sorted({e[0] for e in self.events if e[0] < until})
        for a, b in zip(times, [*times[1:], until], strict=True):
            total += self.at(a, inclusive=True) * (b - a).total_seconds() / 3600
        return total

    def unfinished_targets(self) -> list[tuple[ir.Wave, str, float]]:
        """Targets no wave deploys at 100%: (the last wave reaching them, target, largest exposure)."""
        best: dict[str, float] = {}
        last: dict[str, ir.Wave] = {}
        for wave in self.pipeline.waves:
            for t in wave.targets:
                best[t.id] = max(best.get(t.id, 0.0), wave.exposure.fraction)
                last[t.id] = wave
        return [(last[t], t, e) for t, e in sorted(best.items()) if e < 1.0]

    def _wave_index(self, name: str) -> int:
        wave = self.pipeline.wave(name)
        return wave.index if wave is not None else -1

    def defect_table(self, order: Sequence[ir.Wave]) -> list[DefectCase]:
        """For each wave, the worst case of a defect caught at the end of its bake."""
        first = self.events[0][0] if self.events else None
        rows: list[DefectCase] = []
        for wave in order:
            bake = self.timeline.slots.get(f"wave:{wave.name}:bake")
            actions = [g.on_breach for g in wave.gates]
            action = max(actions, key=_BREACH_STRENGTH.__getitem__) if actions else "none"
            when = bake.end if bake is not None else None
            if when is None or first is None:
                rows.append(DefectCase(wave.name, None, None, None, None, action, (), None))
                continue
            deployed = sorted({e[1] for e in self.events if e[0] < when},
                              key=self._wave_index)
            if action == "rollback":
                back: tuple[str, ...] = (wave.name,)
            elif action == "rollback_all":
                back = tuple(reversed(deployed))  # newest first, as the runner rolls back
            else:
                back = ()
            rows.append(DefectCase(
                wave.name, when, self.at(when), int((when - first).total_seconds()), self.exposure_hours(when),
                action, back, self.at(when, frozenset(back)),
            ))
        return rows
