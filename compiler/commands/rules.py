"""List every built-in check (and the rules of the policies in the given files)."""

from __future__ import annotations

import argparse
import json

from .common import write


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``wavec rules``."""
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                        help="text table, JSON, or the Markdown of docs/rules.md")


def run(args: argparse.Namespace) -> int:
    """Print the registry."""
    from ..codes import registry
    from ..docs_gen import rules_markdown

    codes = list(registry().values())
    if args.format == "json":
        write(json.dumps([{"code": c.code, "title": c.title, "severity": c.severity.value, "area": c.area,
                           "what": c.what, "why": c.why, "example": c.example, "fix": c.fix} for c in codes],
                         indent=2, sort_keys=True) + "\n")
    elif args.format == "markdown":
        write(rules_markdown())
    else:
        width = max(len(c.title) for c in codes)
        for c in codes:
            write(f"{c.code}  {c.title.ljust(width)}  {c.severity.value}\n")
    return 0
