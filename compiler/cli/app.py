"""The command line: argument parsing, output and exit codes — nothing else.

Each command lives in ``wavec.cli.<name>`` and exposes ``configure(parser)``
and ``run(args) -> int``; command modules import nothing heavy at module level,
so ``wavec check`` starts without boto3, jinja2 or rich.

Exit codes: 0 success, 1 the input has errors, 2 usage error or unreadable
file, 3 a runtime failure (a rollout rolled back, an AWS call failed).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from .. import __version__

# Command name → module under wavec.cli; the order is the order of `wavec --help`.
COMMANDS: dict[str, str] = {
    "check": "check",
    "build": "build",
    "plan": "plan",
    "graph": "graph",
    "run": "run",
    "deploy": "deploy",
    "fmt": "fmt",
    "init": "init",
    "rules": "rules",
    "explain": "explain",
}

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_RUNTIME = 0, 1, 2, 3


class UsageError(Exception):
    """A usage problem found after parsing (an unreadable file, a bad configuration): exit 2."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command."""
    parser = argparse.ArgumentParser(
        prog="wavec",
        description="Compile .wave deployment-safety files: check, build, plan, run, deploy.",
    )
    parser.add_argument("--version", action="version", version=f"wavec {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(f".{module_name}", __package__)
        doc = (module.__doc__ or "").strip().splitlines()[0] if module.__doc__ else ""
        p = sub.add_parser(name, help=doc, description=(module.__doc__ or "").strip())
        module.configure(p)
        p.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        code: int = args._module.run(args)
    except UsageError as exc:
        print(f"wavec {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("wavec: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    return code
