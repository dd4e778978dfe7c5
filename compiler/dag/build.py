"""The action DAG: every action of a pipeline as a node, every ordering as an edge (networkx).

Node ids are stable strings (``stage:build:step:compile``,
``wave:onebox:deploy:us-east-1``, ``wave:onebox:bake``) and nodes are added in
a deterministic order, so every target and every analysis sees the same graph
for the same input. Node attributes are plain values: ``kind`` (``env_create``,
``step``, ``env_destroy``, ``window``, ``approval``, ``deploy``, ``bake``),
``stage``, ``step``, ``wave``, ``region``, ``account``, ``batch``.

``after`` cycles are found (without networkx) in :mod:`wavec.semantics.cycles` before the graph is built.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..semantics import ir

if TYPE_CHECKING:
    import networkx as nx


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


def build(pipeline: ir.Pipeline) -> nx.DiGraph[str]:
    """The action DAG of a pipeline whose ``after`` lists have no cycles."""
    import networkx as nx  # heavy: only what builds a graph pays for it, never `wavec check`

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
        # Approval, then window, then the deploys (whose first batch reads the blockers): an approval given late
        # must still wait for the window, and the wave's predecessors lead into the first of them.
        entry: list[str] = []
        previous: list[str] = []
        if any(gate.approval for gate in wave.gates):
            entry = previous = [node(f"{prefix}:approval", "approval", wave=wave.name)]
        if wave.windows:
            window = [node(f"{prefix}:window", "window", wave=wave.name)]
            edges(previous, window)
            entry = entry or window
            previous = window
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
