"""Analyses of the action DAG: levels, critical path, a timeline that honours windows, blast radius.

``wavec plan`` and ``wavec graph`` are built on these; every function is pure
(IR and graph in, plain values out) so other tools can use them too. Nothing
here is imported by ``wavec check``.
"""
