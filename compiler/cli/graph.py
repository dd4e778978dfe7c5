"""Print the action DAG of a pipeline: Graphviz DOT, Mermaid, or networkx node-link JSON.

One cluster per stage and wave; ``--rankdir TB`` (the default) stacks the waves in a column, ``LR`` in a row.

Node ids are the stable ids every target uses (stage:build:step:compile, wave:onebox:deploy:us-east-1,
wave:onebox:bake); nodes carry their kind, stage/step or wave/region/account/batch, and the estimated
duration used by `wavec plan`.
"""

from __future__ import annotations

import argparse

from ..report.graph_formats import RANKDIRS, render
from .common import add_config_option, checked_pipeline, print_diagnostics, write


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``wavec graph``."""
    parser.add_argument("file", metavar="FILE", help="the .wave file")
    parser.add_argument("--format", choices=("dot", "mermaid", "json"), default="dot",
                        help="dot (default), mermaid, or json (networkx node-link data)")
    parser.add_argument("--rankdir", choices=RANKDIRS, default="TB", type=str.upper,
                        help="dot, mermaid: TB (default) stacks the waves in a column, LR draws them in a row")
    parser.add_argument("--pipeline", metavar="NAME", help="the pipeline to show when the file has several")
    add_config_option(parser)


def run(args: argparse.Namespace) -> int:
    """Build the DAG and print it."""

    pipeline, diagnostics = checked_pipeline(args, args.file)
    print_diagnostics(diagnostics)
    if pipeline is None:
        return 1
    write(render(pipeline, args.format, args.rankdir))
    return 0
