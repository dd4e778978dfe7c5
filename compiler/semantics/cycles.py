"""Cycles in ``after`` lists, found without networkx.

``wavec check`` runs in pre-commit on every commit; finding cycles among a few
named stages, steps and waves does not need the graph library (the largest
import of the whole front end), so this is Tarjan's algorithm, iterative and
linear, plus a shortest path back to where a cycle starts to name it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence

from ..diagnostics import Label, Sink
from ..diagnostics.codes import builtin as codes
from ..source import Span
from . import ir


def check_after_cycles(pipeline: ir.Pipeline, sink: Sink) -> bool:
    """Report cycles in the ``after`` lists of stages, of each stage's steps and of waves (WV201)."""
    ok = _cycles("stage", [(s.name, s.after, s.span, s.attr_spans.get("after")) for s in pipeline.stages], sink)
    for stage in pipeline.stages:
        ok &= _cycles("step", [(s.name, s.after, s.span, s.attr_spans.get("after")) for s in stage.steps], sink)
    ok &= _cycles("wave", [(w.name, w.after, w.span, w.attr_spans.get("after")) for w in pipeline.waves], sink)
    return ok


def _cycles(kind: str, items: Sequence[tuple[str, tuple[str, ...], Span, Span | None]], sink: Sink) -> bool:
    where = {name: (after_span or span) for name, _, span, after_span in items}
    order = {name: i for i, (name, *_rest) in enumerate(items)}
    # An edge runs from a dependency to what waits for it.
    edges: dict[str, list[str]] = {name: [] for name in order}
    for name, after, _, _ in items:
        for dep in after:
            if dep in edges and name not in edges[dep]:
                edges[dep].append(name)
    ok = True
    components = [c for c in strongly_connected(list(order), edges) if len(c) > 1 or c[0] in edges[c[0]]]
    for comp in sorted(components, key=lambda c: min(order[n] for n in c)):
        ok = False
        start = min(comp, key=order.__getitem__)
        path = cycle_through(start, set(comp), edges)
        # The path follows dependency → dependant; a user reads "a is after b", so name it backwards.
        rev = list(reversed(path))
        names = f"`{rev[0]}` is after `{rev[1]}`" + "".join(f", which is after `{n}`" for n in rev[2:])
        labels = tuple(Label(where[n], "also part of the cycle")
                       for n in sorted(set(path) - {start}, key=order.__getitem__))
        sink.report(
            codes.AFTER_CYCLE, f"{kind}s wait for each other in a cycle: {names}" if len(comp) > 1
            else f"{kind} `{start}` is `after` itself",
            where[start], label="part of the cycle", extra=labels,
            help=f"remove one of these `after` entries so the {kind}s can be ordered",
        )
    return ok


def strongly_connected(nodes: Sequence[str], edges: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """The strongly connected components of a directed graph (Tarjan, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            succ = edges.get(node, ())
            if i < len(succ):
                work.append((node, i + 1))
                nxt = succ[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if work:  # return to the caller: propagate the low link
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                comp: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    comp.append(member)
                    if member == node:
                        break
                out.append(comp)
    return out


def cycle_through(start: str, members: set[str], edges: Mapping[str, Sequence[str]]) -> list[str]:
    """A shortest cycle ``[start, …, start]`` that stays inside ``members`` (breadth-first)."""
    previous: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in edges.get(node, ()):
            if nxt not in members:
                continue
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [*reversed(path), start]
            if nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    raise ValueError(f"{start} is on no cycle")
