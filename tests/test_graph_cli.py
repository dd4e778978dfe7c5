"""`wavec graph`: DOT, Mermaid and node-link JSON of the action DAG, with the stable node ids."""

from __future__ import annotations

import json

import networkx as nx

from wavec import check
from wavec.dag.build import build

from conftest import ROOT, cli

FIXTURE = "tests/fixtures/plan/rollout.wave"


def dag() -> nx.DiGraph[str]:
    return build(check([ROOT / FIXTURE]).pipelines[0])


def test_json_is_node_link_data_of_the_dag() -> None:
    proc = cli("graph", FIXTURE, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert set(data) == {"directed", "multigraph", "graph", "nodes", "edges"}
    g = nx.node_link_graph(data, edges="edges")
    expected = dag()
    assert list(g.nodes) == list(expected.nodes)
    assert sorted(g.edges) == sorted(expected.edges)
    assert g.graph == {"pipeline": "shop"}
    node = g.nodes["wave:rest:deploy:eu-west-1"]
    assert node == {"kind": "deploy", "wave": "rest", "region": "eu-west-1", "batch": 1, "estimate_seconds": 1200,
                    "label": "deploy eu-west-1 (20m)"}
    assert g.nodes["wave:canary:bake"]["estimate_seconds"] == 3600


def test_dot_lists_every_node_and_edge() -> None:
    proc = cli("graph", FIXTURE)  # dot is the default
    assert proc.returncode == 0
    out = proc.stdout
    assert out.startswith('digraph "shop" {') and out.rstrip().endswith("}")
    g = dag()
    for a, b in g.edges:
        assert f'"{a}" -> "{b}";' in out
    assert out.count(" -> ") == g.number_of_edges()
    assert 'label="wave canary"' in out and 'label="stage verify"' in out


def test_mermaid_flowchart() -> None:
    proc = cli("graph", FIXTURE, "--format", "mermaid")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0] == "flowchart TB"  # the default: waves in a column
    g = dag()
    assert sum(" --> " in line for line in lines) == g.number_of_edges()
    assert 'n0["compile (20m)<br/><small>stage:build:step:compile</small>"]' in proc.stdout
    assert "wave:canary:window" in proc.stdout


def test_graph_of_a_file_with_errors_exits_1(tmp_path: object) -> None:
    proc = cli("graph", "tests/fixtures/plan/does-not-exist.wave")
    assert proc.returncode == 2 and "no such file" in proc.stderr
