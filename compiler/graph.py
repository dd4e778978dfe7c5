"""The action DAG: every action of a pipeline as a node, every ordering as an edge (networkx).

Node ids are stable strings (``stage:build:step:compile``,
``wave:onebox:deploy:us-east-1``, ``wave:onebox:bake``) and nodes are added in
a deterministic order, so every target and every analysis sees the same graph
for the same input. Node attributes are plain values: ``kind`` (``env_create``,
``step``, ``env_destroy``, ``window``, ``approval``, ``deploy``, ``bake``),
``stage``, ``step``, ``wave``, ``region``, ``account``, ``batch``.

``after`` cycles are reported here (WV201), naming the whole cycle.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import networkx as nx

from .diagnostics import Label, Sink
from .semantics import ir
from .source import Span


def stage_entry(stage: ir.Stage) -> list[str]:
    """Node ids that start a stage."""
    if stage.environment is not None:
        return [f"stage:{stage.name}:create"]
    return [f"stage:{stage.name}:step:{s.name}" for s in stage.steps if not s.after]


def stage_exit(stage: ir.Stage) -> list[str]:
    """Node ids whose completion completes a stage."""
    if stage.environment is not None:
        return [f"stage:{stage.name}:destroy"]
    needed = {a for s in stage.steps for a in s.after}
    return [f"stage:{stage.name}:step:{s.name}" for s in stage.steps if s.name not in needed]


def wave_batches(wave: ir.Wave) -> list[tuple[ir.Target, ...]]:
    """The wave's targets in deployment batches of ``parallel`` each, in declaration order."""
    size = max(1, wave.parallel)
    return [wave.targets[i : i + size] for i in range(0, len(wave.targets), size)]


def deploy_id(wave: ir.Wave, target: ir.Target) -> str:
    """Node id of one target's deployment in a wave."""
    return f"wave:{wave.name}:deploy:{target.id}"


def check_after_cycles(pipeline: ir.Pipeline, sink: Sink) -> bool:
    """Report cycles in the ``after`` lists of stages, of each stage's steps and of waves."""
    ok = _cycles("stage", [(s.name, s.after, s.span, s.attr_spans.get("after")) for s in pipeline.stages], sink)
    for stage in pipeline.stages:
        ok &= _cycles("step", [(s.name, s.after, s.span, s.attr_spans.get("after")) for s in stage.steps], sink)
    ok &= _cycles("wave", [(w.name, w.after, w.span, w.attr_spans.get("after")) for w in pipeline.waves], sink)
    return ok


def _cycles(kind: str, items: Sequence[tuple[str, tuple[str, ...], Span, Span | None]], sink: Sink) -> bool:
    g: nx.DiGraph[str] = nx.DiGraph()
    where = {name: (after_span or span) for name, _, span, after_span in items}
    order = {name: i for i, (name, *_rest) in enumerate(items)}
    for name, after, _, _ in items:
        g.add_node(name)
        for dep in after:
            if dep in where:
                g.add_edge(dep, name)
    ok = True
    components = [c for c in nx.strongly_connected_components(g) if len(c) > 1 or any(g.has_edge(n, n) for n in c)]
    for comp in sorted(components, key=lambda c: min(order[n] for n in c)):
        ok = False
        start = min(comp, key=order.__getitem__)
        edges = nx.find_cycle(g.subgraph(comp), source=start)
        # find_cycle walks dependency → dependant; a user reads "a is after b", so name it backwards.
        path = [start] + [v for _, v in edges]
        rev = list(reversed(path))
        names = f"`{rev[0]}` is after `{rev[1]}`" + "".join(f", which is after `{n}`" for n in rev[2:])
        labels = tuple(Label(where[n], "also part of the cycle")
                       for n in sorted(set(path) - {start}, key=order.__getitem__))
        sink.report(
            "WV201", f"{kind}s wait for each other in a cycle: {names}" if len(comp) > 1
            else f"{kind} `{start}` is `after` itself",
            where[start], label="part of the cycle", extra=labels,
            help=f"remove one of these `after` entries so the {kind}s can be ordered",
        )
    return ok


def build(pipeline: ir.Pipeline) -> nx.DiGraph[str]:
    """The action DAG of a pipeline whose ``after`` lists have no cycles."""
    g: nx.DiGraph[str] = nx.DiGraph(pipeline=pipeline.name)

    def node(id_: str, kind: str, **attrs: Any) -> str:
        g.add_node(id_, kind=kind, **{k: v for k, v in attrs.items() if v is not None})
        return id_

    def edges(srcs: Iterable[str], dsts: Iterable[str]) -> None:
        dsts = list(dsts)
        for s in srcs:
            for d in dsts:
                g.add_edge(s, d)

    stages = {s.name: s for s in pipeline.stages}
    for stage in pipeline.stages:
        prefix = f"stage:{stage.name}"
        create = destroy = None
        if stage.environment is not None:
            create = node(f"{prefix}:create", "env_create", stage=stage.name)
        for step in stage.steps:
            node(f"{prefix}:step:{step.name}", "step", stage=stage.name, step=step.name)
        if stage.environment is not None:
            destroy = node(f"{prefix}:destroy", "env_destroy", stage=stage.name)
        needed = {a for s in stage.steps for a in s.after}
        for step in stage.steps:
            sid = f"{prefix}:step:{step.name}"
            if create is not None and not step.after:
                g.add_edge(create, sid)
            edges((f"{prefix}:step:{a}" for a in step.after), [sid])
            if destroy is not None and step.name not in needed:
                g.add_edge(sid, destroy)
        if create is not None and destroy is not None and not stage.steps:
            g.add_edge(create, destroy)
        for dep in stage.after:
            if dep in stages:
                edges(stage_exit(stages[dep]), stage_entry(stage))

    dependants = {a for s in pipeline.stages for a in s.after}
    final_stages = [n for s in pipeline.stages if s.name not in dependants for n in stage_exit(s)]
    waves = {w.name: w for w in pipeline.waves}
    for wave in pipeline.waves:
        prefix = f"wave:{wave.name}"
        entry: list[str] = []
        if wave.windows:
            entry = [node(f"{prefix}:window", "window", wave=wave.name)]
        if any(gate.approval for gate in wave.gates):
            approval = node(f"{prefix}:approval", "approval", wave=wave.name)
            edges(entry, [approval])
            entry = [approval]
        previous = entry
        for b, batch in enumerate(wave_batches(wave)):
            ids = [node(deploy_id(wave, t), "deploy", wave=wave.name, region=t.region, account=t.account,
                        batch=b) for t in batch]
            edges(previous, ids)
            if not entry:
                entry = ids
            previous = ids
        bake = node(f"{prefix}:bake", "bake", wave=wave.name)
        edges(previous, [bake])
        if not entry:
            entry = [bake]
        if wave.after:
            edges((f"wave:{a}:bake" for a in wave.after if a in waves), entry)
        else:
            edges(final_stages, entry)
    return g
