"""The command line: argument parsing, output and exit codes — nothing else.

Each command lives in ``wavec.cli.<name>`` and exposes ``configure(parser)``
and ``run(args) -> int``; command modules import nothing heavy at module level,
so ``wavec check`` starts without boto3, jinja2 or rich.

Exit codes are in :mod:`wavec.cli.errors`. Only the chosen command's module is imported, so ``wavec check``
pays for neither the targets nor the runner, and ``wavec --help`` imports none.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path

from .. import __version__
from .errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, UsageError

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
    "lsp": "lsp",
    "completion": "completion",
}


def chosen_command(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names (its first word that is not an option), if it names one."""
    for word in argv:
        if not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def summary(module_name: str) -> str:
    """The first line of a command module's docstring, read from its source without importing it (a command
    module imports what its command needs: the targets, the runner, the emulator)."""
    spec = importlib.util.find_spec(f".{module_name}", __package__)
    origin = spec.origin if spec is not None else None
    if origin is None or not origin.endswith(".py"):  # no source to read (a frozen build): import it
        doc = importlib.import_module(f".{module_name}", __package__).__doc__
    else:
        doc = ast.get_docstring(ast.parse(Path(origin).read_text(encoding="utf-8")))
    return (doc or "").strip().splitlines()[0] if doc else ""


def build_parser(only: str | None = None, *, every: bool = False) -> argparse.ArgumentParser:
    """The argument parser; with ``only``, just that command's module is imported and configured.

    The other commands are still named, with their one-line descriptions read from their sources, so
    ``wavec --help`` and a typo's list of choices import no command module. With ``every``, every command
    is configured (``wavec completion`` reads their options from it).
    """
    parser = argparse.ArgumentParser(
        prog="wavec",
        description="Compile .wave deployment-safety files: check, build, plan, run, deploy.",
    )
    parser.add_argument("-V", "--version", action="version", version=f"wavec {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        if only is not None and name != only and not every:
            sub.add_parser(name)  # named for argparse's choices; its help is never shown with a command chosen
            continue
        if name != only and not every:
            sub.add_parser(name, help=summary(module_name))
            continue
        module = importlib.import_module(f".{module_name}", __package__)
        doc = (module.__doc__ or "").strip().splitlines()[0] if module.__doc__ else ""
        p = sub.add_parser(name, help=doc, description=(module.__doc__ or "").strip())
        module.configure(p)
        p.set_defaults(_module=module)
    return parser


# Options users reach for that a command spells another way: (command, option, value) → the usage error.
_MISUSES = {
    ("plan", "--format", "html"): "wavec plan: error: the HTML page is not a --format: write it with `--html OUT` "
                                  "(e.g. `wavec plan FILE --html plan.html`); --format chooses what stdout holds",
}


def misused_option(words: Sequence[str]) -> str | None:
    """The usage error for an option written the way another tool spells it, or ``None``."""
    command = chosen_command(list(words))
    for i, word in enumerate(words):
        option, eq, value = word.partition("=")
        if not eq:
            value = words[i + 1] if i + 1 < len(words) else ""
        found = _MISUSES.get((command or "", option, value))
        if found is not None:
            return found
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    words = sys.argv[1:] if argv is None else list(argv)
    hint = misused_option(words)
    if hint is not None:
        print(hint, file=sys.stderr)
        return EXIT_USAGE
    parser = build_parser(chosen_command(words))
    args = parser.parse_args(words)
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
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    return code
