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

Every figure is linear in the events (deployments) and waves: the events are sorted once, the exposed
share after each distinct start time and the exposure-hours up to it are prefix arrays, and a question
about an instant is a bisection. A share is the correctly rounded sum of the targets' weighted
fractions (kept exactly, as integers, while the sweep adds and raises them), so it does not depend on
the order the targets were reached in.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right, insort
from collections.abc import Mapping, Sequence
from datetime import datetime

from ..dag.build import deploy_id
from ..records import record
from ..semantics import ir
from .timeline import Timeline
from .weights import Weights

_BREACH_STRENGTH = {"halt": 0, "rollback": 1, "rollback_all": 2}

_SCALE = 1074
"""Every finite double is an integer multiple of 2**-1074: a share's sum is kept exactly in those units."""


def _units(x: float) -> int:
    """``x`` exactly, as a whole number of 2**-1074."""
    n, d = x.as_integer_ratio()
    return n << (_SCALE + 1 - d.bit_length())


@record
class WaveExposure:
    """Exposure figures of one wave, in rollout order."""

    wave: str
    exposure: float
    cumulative: float
    new: float
    at_bake_end: float | None


@record
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


class _Best:
    """The two largest fractions one target was reached at, from two different waves (for "all but one")."""

    __slots__ = ("first", "first_wave", "second")

    def __init__(self, value: float, wave: str) -> None:
        self.first = value
        self.first_wave = wave
        self.second: float | None = None

    def add(self, value: float, wave: str) -> None:
        if wave == self.first_wave:
            self.first = max(self.first, value)
        elif value > self.first:
            self.second, self.first, self.first_wave = self.first, value, wave
        elif self.second is None or value > self.second:
            self.second = value


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
        self._index = {w.name: w.index for w in pipeline.waves}
        self._sweep()

    def _sweep(self) -> None:
        """The prefix arrays: distinct start times, the share exposed once each has started, exposure-hours."""
        self._times: list[datetime] = []
        self._levels: list[float] = [self._ratio(0)]  # _levels[k]: the share once the first k times started
        reached: dict[str, float] = {}
        units = 0
        for start, _, target, e in self.events:
            if self._times and self._times[-1] != start:
                self._levels.append(self._ratio(units))
            if not self._times or self._times[-1] != start:
                self._times.append(start)
            units += self._raise(reached, target, e)
        if self._times:
            self._levels.append(self._ratio(units))
        # _hours[k]: share x hours from the first start until the (k+1)-th start time (a left fold, in time order)
        self._hours: list[float] = [0.0]
        for k in range(1, len(self._times)):
            a, b = self._times[k - 1], self._times[k]
            self._hours.append(self._hours[-1] + self._levels[k] * (b - a).total_seconds() / 3600)

    def _raise(self, reached: dict[str, float], target: str, e: float) -> int:
        """Reach ``target`` at ``e`` at least; the change of the exact weighted sum, in units."""
        old = reached.get(target)
        if old is not None and old >= e:
            return 0
        reached[target] = e
        change = _units(self.weight[target] * e)
        return change - _units(self.weight[target] * old) if old is not None else change

    def _ratio(self, units: int) -> float:
        """The share of an exact weighted sum."""
        if not self.total:
            return 0.0
        return units / (1 << _SCALE) / self.total

    def share(self, reached: Mapping[str, float]) -> float:
        """The traffic share of targets reached at the given fractions."""
        if not self.total:
            return 0.0
        return math.fsum(self.weight[t] * reached[t] for t in reached) / self.total

    def by_wave(self, order: Sequence[ir.Wave]) -> list[WaveExposure]:
        """Exposure, cumulative and new share of each wave, in ``order``."""
        reached: dict[str, float] = {}
        units = 0
        out: list[WaveExposure] = []
        previous = 0.0
        for wave in order:
            e = wave.exposure.fraction
            own = self.share({t.id: e for t in wave.targets})
            for t in wave.targets:
                units += self._raise(reached, t.id, e)
            cumulative = self._ratio(units)
            bake = self.timeline.slots.get(f"wave:{wave.name}:bake")
            at_end = self.at(bake.end) if bake is not None and bake.end is not None else None
            out.append(WaveExposure(wave.name, own, cumulative, max(0.0, cumulative - previous), at_end))
            previous = cumulative
        return out

    def _started(self, when: datetime, inclusive: bool) -> int:
        """How many distinct start times are before ``when`` (or at it, with ``inclusive``)."""
        return (bisect_right if inclusive else bisect_left)(self._times, when)

    def at(self, when: datetime, without: frozenset[str] = frozenset(), inclusive: bool = False) -> float:
        """The share exposed at ``when`` (deployments started before it), leaving out the waves ``without``.

        A deployment starting exactly at ``when`` is not counted: a wave that starts as the previous bake
        ends has not reached anyone when that bake's gates have their last word (``inclusive`` counts it).
        """
        if not without:
            return self._levels[self._started(when, inclusive)]
        reached: dict[str, float] = {}  # rare outside defect_table, which answers its questions in one sweep
        for start, wave, target, e in self.events:
            if start > when or (start == when and not inclusive):
                break
            if wave not in without:
                reached[target] = max(reached.get(target, 0.0), e)
        return self.share(reached)

    def exposure_hours(self, until: datetime) -> float:
        """The integral of the exposed share over time until ``until``, in share × hours."""
        k = self._started(until, inclusive=False)
        if not k:
            return 0.0
        return self._hours[k - 1] + self._levels[k] * (until - self._times[k - 1]).total_seconds() / 3600

    def unfinished_targets(self) -> list[tuple[ir.Wave, str, float]]:
        """Targets no wave deploys at 100%: (the last wave reaching them, target, largest exposure)."""
        best: dict[str, float] = {}
        last: dict[str, ir.Wave] = {}
        for wave in self.pipeline.waves:
            for t in wave.targets:
                best[t.id] = max(best.get(t.id, 0.0), wave.exposure.fraction)
                last[t.id] = wave
        return [(last[t], t, e) for t, e in sorted(best.items()) if e < 1.0]

    def defect_table(self, order: Sequence[ir.Wave]) -> list[DefectCase]:
        """For each wave, the worst case of a defect caught at the end of its bake.

        One sweep through the events in time order answers every wave's question at its bake's end: what
        had started by then, the largest and second largest fraction per target (what is left when one
        wave is rolled back) and the waves deployed so far (what ``rollback_all`` takes back).
        """
        first = self.events[0][0] if self.events else None
        rows: list[DefectCase | None] = [None] * len(order)
        asks: list[tuple[datetime, int]] = []
        for i, wave in enumerate(order):
            bake = self.timeline.slots.get(f"wave:{wave.name}:bake")
            if bake is not None and bake.end is not None and first is not None:
                asks.append((bake.end, i))
        asks.sort()
        best: dict[str, _Best] = {}
        reached: dict[str, float] = {}
        units = 0
        deployed: list[tuple[int, str]] = []  # (index, name) of the waves started so far, by index
        seen: set[str] = set()
        next_event = 0
        for when, i in asks:
            while next_event < len(self.events) and self.events[next_event][0] < when:
                _, name, target, e = self.events[next_event]
                next_event += 1
                units += self._raise(reached, target, e)
                if target in best:
                    best[target].add(e, name)
                else:
                    best[target] = _Best(e, name)
                if name not in seen:
                    seen.add(name)
                    insort(deployed, (self._index[name], name))
            wave = order[i]
            action = self._action(wave)
            if action == "rollback":
                back: tuple[str, ...] = (wave.name,)
                after = units
                for t in {t.id for t in wave.targets}:
                    b = best.get(t)
                    if b is not None and b.first_wave == wave.name:
                        after -= _units(self.weight[t] * b.first)
                        if b.second is not None:
                            after += _units(self.weight[t] * b.second)
                left = self._ratio(after)
            elif action == "rollback_all":
                back = tuple(name for _, name in reversed(deployed))  # newest first, as the runner rolls back
                left = self._ratio(0)  # every wave that had started is rolled back
            else:
                back = ()
                left = self._ratio(units)
            assert first is not None
            rows[i] = DefectCase(wave.name, when, self._ratio(units), int((when - first).total_seconds()),
                                 self.exposure_hours(when), action, back, left)
        return [row if row is not None else DefectCase(w.name, None, None, None, None, self._action(w), (), None)
                for row, w in zip(rows, order, strict=True)]

    @staticmethod
    def _action(wave: ir.Wave) -> str:
        """The strongest ``on_breach`` of the wave's gates (``none`` without gates)."""
        actions = [g.on_breach for g in wave.gates]
        return max(actions, key=_BREACH_STRENGTH.__getitem__) if actions else "none"
