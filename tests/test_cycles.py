"""The networkx-free cycle finder used by `wavec check` agrees with networkx on random graphs."""

from __future__ import annotations

import itertools

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wavec.semantics.cycles import cycle_through, strongly_connected


@st.composite
def graphs(draw: st.DrawFn) -> tuple[list[str], dict[str, list[str]]]:
    nodes = [f"n{i}" for i in range(draw(st.integers(1, 14)))]
    edges = {n: sorted(set(draw(st.lists(st.sampled_from(nodes), max_size=3)))) for n in nodes}
    return nodes, edges


@pytest.mark.slow  # a hypothesis search (300 graphs)
@settings(max_examples=300, deadline=None)
@given(graphs())
def test_components_and_cycles_match_networkx(graph: tuple[list[str], dict[str, list[str]]]) -> None:
    nodes, edges = graph
    g: nx.DiGraph[str] = nx.DiGraph()
    g.add_nodes_from(nodes)
    g.add_edges_from((a, b) for a, bs in edges.items() for b in bs)
    ours = sorted(sorted(c) for c in strongly_connected(nodes, edges))
    assert ours == sorted(sorted(c) for c in nx.strongly_connected_components(g))
    for comp in ours:
        if len(comp) > 1 or comp[0] in edges[comp[0]]:
            path = cycle_through(comp[0], set(comp), edges)
            assert path[0] == path[-1] == comp[0]
            assert all(b in edges[a] for a, b in itertools.pairwise(path))
            assert set(path) <= set(comp)


def test_a_long_chain_does_not_recurse() -> None:
    nodes = [f"n{i}" for i in range(50_000)]
    edges = {a: [b] for a, b in zip(nodes, nodes[1:] + nodes[:1], strict=True)}
    (comp,) = strongly_connected(nodes, edges)
    assert len(comp) == 50_000
