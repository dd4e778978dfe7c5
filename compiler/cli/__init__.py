"""The command line: argument parsing, one module per command, output and exit codes.

The only package that prints or exits. :mod:`wavec.cli.app` dispatches to the command modules lazily,
so ``wavec check`` imports neither the targets nor boto3, jinja2 or rich.
"""

from .app import main

__all__ = ["main"]
