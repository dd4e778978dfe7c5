"""Duration estimates of the DAG's nodes, with documented defaults (see docs/plan.md)."""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx

from ..semantics import ir

STEP_DEFAULT = 600
"""A step without ``estimate``: 10 minutes."""
DEPLOY_DEFAULT = 900
"""Deploying one target with a profile without ``estimate``: 15 minutes."""
ENV_CREATE = 600
"""Creating a sandbox environment: 10 minutes."""
ENV_DESTROY = 300
"""Destroying a sandbox environment: 5 minutes."""
APPROVAL = 0
"""A manual approval is assumed to be given at once (a plan cannot know how long people take)."""

DEFAULTS: Mapping[str, int] = {
    "step": STEP_DEFAULT, "deploy": DEPLOY_DEFAULT, "env_create": ENV_CREATE, "env_destroy": ENV_DESTROY,
    "approval": APPROVAL, "window": 0,
}


def step_estimate(step: ir.Step) -> int:
    """Seconds a step is expected to take."""
    return step.estimate.seconds if step.estimate is not None else STEP_DEFAULT


def deploy_estimate(wave: ir.Wave) -> int:
    """Seconds deploying one target of the wave is expected to take."""
    profile = wave.deploy
    return profile.estimate.seconds if profile is not None and profile.estimate is not None else DEPLOY_DEFAULT


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
