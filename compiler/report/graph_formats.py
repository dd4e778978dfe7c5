"""``wavec graph``: the action DAG as Graphviz DOT, Mermaid, or networkx node-link JSON.

Every format lists nodes and edges in the graph's insertion order, which is
the same for the same input, so the output is byte-identical across runs.

DOT and Mermaid draw one cluster per stage and per wave. The default direction is top to bottom: waves
follow each other, so they stack into a column (a 12-wave pipeline is tall and narrow, the parallel deploys
of a batch side by side), where left to right (``--rankdir LR``) makes one long strip.
"""

from __future__ import annotations

import json
from typing import Any

import networkx as nx

from ..analysis.estimates import durations
from ..dag.build import build
from ..semantics import ir
from .units import dur

FORMATS = ("dot", "mermaid", "json")
RANKDIRS = ("TB", "LR")


def annotated(pipeline: ir.Pipeline) -> nx.DiGraph[str]:
    """The DAG with two attributes added to every node: ``label`` and ``estimate_seconds``."""
    g = build(pipeline)
    est = durations(pipeline, g)
    for node, data in g.nodes(data=True):
        data["estimate_seconds"] = est[node]
        data["label"] = label(node, data, est[node])
    return g


def label(node: str, data: dict[str, Any], seconds: int) -> str:
    """A short human label for a node."""
    kind = data["kind"]
    if kind == "step":
        return f"{data['step']} ({dur(seconds)})"
    if kind == "env_create":
        return "create environment"
    if kind == "env_destroy":
        return "destroy environment"
    if kind == "deploy":
        target = data["region"] + (f"/{data['account']}" if "account" in data else "")
        return f"deploy {target} ({dur(seconds)})"
    if kind == "bake":
        return f"bake {dur(seconds)}"
    if kind == "window":
        return "wait for windows"
    if kind == "approval":
        return "manual approval"
    return node  # pragma: no cover - every kind is named above


def _group(data: dict[str, Any]) -> str:
    return f"stage {data['stage']}" if "stage" in data else f"wave {data['wave']}"


def _groups(g: nx.DiGraph[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for node, data in g.nodes(data=True):
        out.setdefault(_group(data), []).append(node)
    return out


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(g: nx.DiGraph[str], rankdir: str = "TB") -> str:
    """Graphviz DOT: one cluster per stage and wave, in ``rankdir`` (``TB``: a column of waves; ``LR``)."""
    lines = [f"digraph {_q(str(g.graph.get('pipeline', 'pipeline')))} {{", f"  rankdir={rankdir};",
             '  node [shape=box, style="rounded", fontname="Helvetica"];']
    for i, (group, nodes) in enumerate(_groups(g).items()):
        lines.append(f"  subgraph cluster_{i} {{")
        lines.append(f"    label={_q(group)};")
        for n in nodes:
            shape = ", shape=diamond" if g.nodes[n]["kind"] in ("window", "approval") else ""
            lines.append(f"    {_q(n)} [label={_q(g.nodes[n]['label'])}{shape}];")
        lines.append("  }")
    lines += [f"  {_q(a)} -> {_q(b)};" for a, b in g.edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_mermaid(g: nx.DiGraph[str], rankdir: str = "TB") -> str:
    """A Mermaid flowchart: nodes ``n0``, ``n1``… (ids in insertion order) labelled with the DAG id."""
    ids = {n: f"n{i}" for i, n in enumerate(g.nodes)}

    def text(s: str) -> str:
        return s.replace('"', "#quot;")

    lines = [f"flowchart {rankdir}"]
    for i, (group, nodes) in enumerate(_groups(g).items()):
        lines.append(f'  subgraph g{i}["{text(group)}"]')
        for n in nodes:
            kind = g.nodes[n]["kind"]
            body = f"{text(g.nodes[n]['label'])}<br/><small>{text(n)}</small>"
            lines.append(f'    {ids[n]}{{"{body}"}}' if kind in ("window", "approval") else f'    {ids[n]}["{body}"]')
        lines.append("  end")
    lines += [f"  {ids[a]} --> {ids[b]}" for a, b in g.edges]
    return "\n".join(lines) + "\n"


def to_json(g: nx.DiGraph[str]) -> str:
    """networkx node-link data (``nodes``, ``edges``, ``graph``, ``directed``, ``multigraph``)."""
    data = nx.node_link_data(g, edges="edges")
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render(pipeline: ir.Pipeline, fmt: str, rankdir: str = "TB") -> str:
    """The DAG of ``pipeline`` in ``fmt`` (one of :data:`FORMATS`), drawn in ``rankdir`` (:data:`RANKDIRS`)."""
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir {rankdir!r} (expected one of {', '.join(RANKDIRS)})")
    g = annotated(pipeline)
    if fmt == "dot":
        return to_dot(g, rankdir)
    if fmt == "mermaid":
        return to_mermaid(g, rankdir)
    return to_json(g)
