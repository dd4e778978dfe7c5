"""Order on the action DAG: topological levels and a deterministic node order."""

from __future__ import annotations

import networkx as nx


def node_order(graph: nx.DiGraph[str]) -> dict[str, int]:
    """Each node's position in the graph's insertion order (stable for the same input)."""
    return {n: i for i, n in enumerate(graph.nodes)}


def topological_order(graph: nx.DiGraph[str]) -> list[str]:
    """A topological order that breaks ties by insertion order, so it is the same on every run."""
    order = node_order(graph)
    return list(nx.lexicographical_topological_sort(graph, key=order.__getitem__))


def levels(graph: nx.DiGraph[str]) -> list[list[str]]:
    """Topological levels: level 0 has no dependencies, level k depends only on levels below k."""
    order = node_order(graph)
    return [sorted(gen, key=order.__getitem__) for gen in nx.topological_generations(graph)]
