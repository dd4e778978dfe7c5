"""Show one check with its rationale and an example: what it does, why, and what to write instead."""

from __future__ import annotations

import argparse

from ..cli import UsageError
from .common import write


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``wavec explain``."""
    parser.add_argument("code", metavar="CODE", help="a code such as WV104")


def run(args: argparse.Namespace) -> int:
    """Print the explanation."""
    from ..codes import lookup, registry
    from ..docs_gen import explain_text
    from ..semantics.suggest import did_you_mean

    entry = lookup(args.code.upper())
    if entry is None:
        hint = did_you_mean(args.code.upper(), registry())
        raise UsageError(f"unknown code {args.code!r}" + (f"; {hint}" if hint else "; `wavec rules` lists them"))
    write(explain_text(entry))
    return 0
