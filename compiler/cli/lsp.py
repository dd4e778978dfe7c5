"""Run the language server on standard input and output (for editors; needs the `wavec[lsp]` extra).

Diagnostics as you type (the same as `wavec check`), hover documentation, completion, formatting and the
outline of a file. An editor starts it as `wavec lsp`; see docs/authoring.md.
"""

from __future__ import annotations

import argparse
import importlib

from .errors import EXIT_OK, UsageError


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``wavec lsp``."""
    parser.add_argument("--stdio", action="store_true",
                        help="talk over standard input and output (the default and only transport)")


def run(args: argparse.Namespace) -> int:
    """Serve until the editor exits."""
    # Imported by name, not at module level: pygls is loaded only when the server really starts.
    try:
        server = importlib.import_module("wavec.lsp.server")
    except ImportError as exc:  # pygls (or its lsprotocol) is missing or broken
        raise UsageError(f"the language server needs pygls ({exc}): pip install 'wavec[lsp]'") from exc
    server.serve()
    return EXIT_OK
