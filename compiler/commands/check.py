"""Parse, resolve, validate and enforce policies; print diagnostics.

Exit code 0 when there are no errors (and, with --strict, no warnings), 1
otherwise, 2 for a usage error or an unreadable file.
"""

from __future__ import annotations

import argparse
import sys

from .common import add_config_option, config_from, existing_paths, write


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``wavec check``."""
    parser.add_argument("paths", nargs="+", metavar="FILE|DIR", help=".wave files, or folders to search")
    parser.add_argument("--format", choices=("text", "json", "sarif", "github"), default="text",
                        help="output format (default: text)")
    parser.add_argument("--strict", action="store_true", help="fail on warnings too")
    add_config_option(parser)


def run(args: argparse.Namespace) -> int:
    """Check the files and print what was found."""
    from ..api import check
    from ..config import Config
    from ..diagnostics import Severity
    from ..render import render, summary, use_color

    paths = existing_paths(args.paths)
    config = config_from(args)
    assert isinstance(config, Config)
    result = check(paths, config)
    diagnostics = result.diagnostics
    if args.format == "text":
        color = use_color(sys.stdout)
        body = render(diagnostics, "text", color)
        write(body + ("\n" if body else "") + summary(diagnostics, len(result.files)) + "\n")
    else:
        write(render(diagnostics, args.format))
    failing = {Severity.ERROR} | ({Severity.WARNING} if args.strict else set())
    return 1 if any(d.severity in failing for d in diagnostics) else 0
