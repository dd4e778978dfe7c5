"""The timeline: when each node of the DAG starts and ends, from a start time, honouring windows.

Every node starts as soon as all its dependencies have ended (the DAG already
holds the ``parallel`` batches: batch *b* of a wave waits for batch *b-1*), and
takes its estimated duration. A wave's ``window`` node is where windows bite:
it ends at the first instant, at or after all its dependencies ended, when
every window of the wave is open at once (the wave *starts* inside its windows,
then deploys and bakes without looking at them again, as CodePipeline's
``beforeEntry`` condition and the local runner do).

The critical path is read off the computed timeline: from the node that ends
last, walk back through the dependency that ended last (the one it actually
waited for). So a window wait shows up on the critical path where it delays
the rollout.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import networkx as nx

from ..dag.order import node_order, topological_order
from ..records import field, record
from ..schedule.windows import evaluable, next_open_all
from ..semantics import ir


def wait_seconds(ready: datetime | None, start: datetime | None) -> int:
    """Seconds from being ready to starting: the time spent waiting for windows (0 if either is unknown)."""
    if ready is None or start is None:
        return 0
    return int((start - ready).total_seconds())


@record
class Slot:
    """One node on the timeline; ``start``/``end`` are ``None`` when the node can never run."""

    node: str
    ready: datetime | None
    start: datetime | None
    end: datetime | None

    @property
    def wait_seconds(self) -> int:
        """Seconds between ready and start (a window wait)."""
        return wait_seconds(self.ready, self.start)


@record(frozen=False)
class Timeline:
    """The schedule of every node, the finish, and the critical path."""

    start: datetime
    slots: dict[str, Slot]
    finish: datetime | None
    critical_path: list[str]
    blocked: list[str] = field(default_factory=list)
    unsupported_windows: list[str] = field(default_factory=list)

    @property
    def total_seconds(self) -> int | None:
        """Seconds from the start until every node has ended; ``None`` if some node never can."""
        return None if self.finish is None else int((self.finish - self.start).total_seconds())


def _usable(windows: tuple[ir.Window, ...], unsupported: list[str]) -> list[ir.Window]:
    out = []
    for w in windows:
        if not evaluable(w):
            if w.name not in unsupported:
                unsupported.append(w.name)
            continue  # reported as WV253; planned as always open
        out.append(w)
    return out


def schedule(pipeline: ir.Pipeline, graph: nx.DiGraph[str], start: datetime,
             durations: Mapping[str, int]) -> Timeline:
    """Schedule every node of ``graph`` from ``start`` (an aware datetime)."""
    waves = {w.name: w for w in pipeline.waves}
    slots: dict[str, Slot] = {}
    blocked: list[str] = []
    unsupported: list[str] = []
    for node in topological_order(graph):
        preds = [slots[p] for p in graph.predecessors(node)]
        if any(p.end is None for p in preds):
            slots[node] = Slot(node, None, None, None)
            blocked.append(node)
            continue
        ready = max((p.end for p in preds if p.end is not None), default=start)
        begin: datetime | None = ready
        data = graph.nodes[node]
        if data["kind"] == "window":
            begin = next_open_all(_usable(waves[data["wave"]].windows, unsupported), ready)
        if begin is None:
            slots[node] = Slot(node, ready, None, None)
            blocked.append(node)
            continue
        slots[node] = Slot(node, ready, begin, begin + timedelta(seconds=durations.get(node, 0)))
    ends = [s.end for s in slots.values() if s.end is not None]
    finish = None if blocked or not ends else max(ends)
    return Timeline(start, slots, finish, _critical_path(graph, slots) if finish else [], blocked, unsupported)


def _critical_path(graph: nx.DiGraph[str], slots: Mapping[str, Slot]) -> list[str]:
    order = node_order(graph)

    def key(n: str) -> tuple[datetime, int]:
        end = slots[n].end
        assert end is not None
        return (end, -order[n])  # latest end; on a tie, the node declared first

    node = max(slots, key=key)
    path = [node]
    while True:
        preds = list(graph.predecessors(node))
        if not preds:
            break
        node = max(preds, key=key)
        path.append(node)
    return path[::-1]
