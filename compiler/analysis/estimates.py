"""Duration estimates of the DAG's nodes, with documented defaults (see docs/plan.md).

The ``estimate`` of steps and deploy profiles comes from the IR, where lowering applied the schema's
default; the actions no block can estimate have their fixed guesses here.
"""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx

from ..lang.values import Duration
from ..semantics import ir, schema

ENV_CREATE = 600
"""Creating a sandbox environment: 10 minutes."""
ENV_DESTROY = 300
"""Destroying a sandbox environment: 5 minutes."""
APPROVAL = 0
"""A manual approval is assumed to be given at once (a plan cannot know how long people take)."""

DEFAULTS: Mapping[str, int] = {
    "env_create": ENV_CREATE, "env_destroy": ENV_DESTROY, "approval": APPROVAL, "window": 0,
}
"""Seconds of the node kinds that have no ``estimate`` attribute."""


def step_estimate(step: ir.Step) -> int:
    """Seconds a step is expected to take."""
    return step.estimate.seconds


def deploy_estimate(wave: ir.Wave) -> int:
    """Seconds deploying one target of the wave is expected to take."""
    if wave.deploy is not None:
        return wave.deploy.estimate.seconds
    # A wave without a profile is an error `check` reports; a graph of it still gets the default.
    spec = schema.BLOCKS["deploy"].attr("estimate")
    assert spec is not None and isinstance(spec.value_default, Duration)
    return spec.value_default.seconds


def durations(pipeline: ir.Pipeline, graph: nx.DiGraph[str]) -> dict[str, int]:
    """Estimated seconds of every node (a window node takes no time: it only waits)."""
    steps = {(s.stage, s.name): s for st in pipeline.stages for s in st.steps}
    waves = {w.name: w for w in pipeline.waves}
    out: dict[str, int] = {}
    for node, data in graph.nodes(data=True):
        kind = data["kind"]
        if kind == "step":
            out[node] = step_estimate(steps[(data["stage"], data["step"])])
        elif kind == "deploy":
            out[node] = deploy_estimate(waves[data["wave"]])
        elif kind == "bake":
            out[node] = waves[data["wave"]].bake.seconds
        else:
            out[node] = DEFAULTS.get(kind, 0)
    return out
