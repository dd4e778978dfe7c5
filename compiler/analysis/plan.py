"""The rollout plan: every analysis of one pipeline put together, for ``wavec plan``'s text, JSON and HTML."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import networkx as nx

from ..dag.build import build as build_graph
from ..dag.build import wave_batches
from ..dag.order import levels
from ..diagnostics import Sink
from ..records import record
from ..semantics import ir
from . import estimates, feasibility
from .exposure import DefectCase, Exposure, WaveExposure
from .timeline import Slot, Timeline, schedule, wait_seconds
from .weights import Weights, resolve


@record
class StagePlan:
    """A pre-production stage on the timeline."""

    stage: ir.Stage
    start: datetime | None
    end: datetime | None


@record
class WavePlan:
    """A production wave on the timeline, with its exposure."""

    wave: ir.Wave
    ready: datetime | None
    start: datetime | None
    deployed: datetime | None
    end: datetime | None
    batches: tuple[tuple[ir.Target, ...], ...]
    exposure: WaveExposure
    deploy_seconds: int

    @property
    def wait_seconds(self) -> int:
        """Seconds the wave waited for its windows."""
        return wait_seconds(self.ready, self.start)


@record(frozen=False)
class Plan:
    """Everything ``wavec plan`` shows about one pipeline."""

    pipeline: ir.Pipeline
    graph: nx.DiGraph[str]
    start: datetime
    durations: Mapping[str, int]
    timeline: Timeline
    levels: list[list[str]]
    stages: list[StagePlan]
    waves: list[WavePlan]
    defects: list[DefectCase]
    weights: Weights
    exposure: Exposure

    @property
    def slots(self) -> Mapping[str, Slot]:
        """Timeline slot of every node."""
        return self.timeline.slots


def _span_of(slots: list[Slot]) -> tuple[datetime | None, datetime | None]:
    starts = [s.start for s in slots]
    ends = [s.end for s in slots]
    if not slots or any(x is None for x in starts) or any(x is None for x in ends):
        return (min((x for x in starts if x is not None), default=None), None)
    return (min(x for x in starts if x is not None), max(x for x in ends if x is not None))


def make_plan(pipeline: ir.Pipeline, start: datetime, sink: Sink, module: ir.Module | None = None,
              weights: Mapping[str, float] | None = None) -> Plan:
    """Build the DAG of ``pipeline``, schedule it from ``start`` and compute every figure.

    ``module`` is the lowered file of the pipeline (its ``let weights`` overrides std/regions);
    ``weights`` comes from ``--weights``. Feasibility findings go to ``sink``.
    """
    graph = build_graph(pipeline)
    durations = estimates.durations(pipeline, graph)
    timeline = schedule(pipeline, graph, start, durations)
    resolved = resolve(module, weights or {}, pipeline.span, sink)
    exposure = Exposure(pipeline, resolved, timeline)
    by_stage: dict[str, list[Slot]] = {}
    by_wave: dict[str, list[str]] = {}
    for node, data in graph.nodes(data=True):
        if "stage" in data:
            by_stage.setdefault(data["stage"], []).append(timeline.slots[node])
        elif "wave" in data:
            by_wave.setdefault(data["wave"], []).append(node)
    stages = [StagePlan(s, *_span_of(by_stage.get(s.name, []))) for s in pipeline.stages]

    def wave_key(w: ir.Wave) -> tuple[int, datetime, int]:
        first = timeline.slots[by_wave[w.name][0]].start
        return (0, first, w.index) if first is not None else (1, start, w.index)

    order = sorted(pipeline.waves, key=wave_key)
    exposures = {e.wave: e for e in exposure.by_wave(order)}
    waves: list[WavePlan] = []
    for w in order:
        nodes = by_wave[w.name]
        entry = timeline.slots[nodes[0]]
        deploys = [timeline.slots[n] for n in nodes if graph.nodes[n]["kind"] == "deploy"]
        bake = timeline.slots[f"wave:{w.name}:bake"]
        waves.append(WavePlan(
            w, entry.ready, entry.start, bake.start, bake.end, tuple(wave_batches(w)), exposures[w.name],
            sum(durations[s.node] for s in deploys),
        ))
    feasibility.check(pipeline, start, sink, exposure)
    return Plan(pipeline, graph, start, durations, timeline, levels(graph), stages, waves,
                exposure.defect_table(order), resolved, exposure)
