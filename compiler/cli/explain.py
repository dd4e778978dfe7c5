"""Show one check with its rationale and an example: what it does, why, and what to write instead.

Built-in codes (WV…), the rules of the standard-library policies and those of the policies the project's
configuration enforces are always known; give FILEs to explain the rules of other policies too.
"""

from __future__ import annotations

import argparse

from ..diagnostics.codes import lookup, registry
from ..docgen.rules import explain_rule_text, explain_text
from ..lang.suggest import did_you_mean
from .common import write
from .errors import UsageError
from .rules import policy_rule_docs


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``wavec explain``."""
    parser.add_argument("code", metavar="CODE", help="a code such as WV104 or HO001")
    parser.add_argument("paths", nargs="*", metavar="FILE|DIR", help=".wave files whose policies to search too")


def run(args: argparse.Namespace) -> int:
    """Print the explanation."""

    code = args.code.upper()
    entry = lookup(code)
    if entry is not None:
        write(explain_text(entry))
        return 0
    docs = policy_rule_docs(args)
    found = next((d for d in docs if d.code == code), None)
    if found is None:
        hint = did_you_mean(code, [*registry(), *(d.code for d in docs)])
        raise UsageError(f"unknown code {args.code!r}" + (f"; {hint}" if hint else "; `wavec rules` lists them"))
    write(explain_rule_text(found))
    return 0
