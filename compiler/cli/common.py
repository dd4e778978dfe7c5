"""Helpers shared by commands: reading paths and configuration, running ``check`` for them."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from ..api import PipelineChoiceError, check, select_pipeline
from ..config import Config, ConfigError, load_config
from ..diagnostics.render import render_text, use_color
from .errors import UsageError


def add_config_option(parser: argparse.ArgumentParser) -> None:
    """``--config FILE``: a ``wave.toml`` or ``pyproject.toml`` instead of the one found."""
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="configuration file (default: wave.toml or [tool.wavec] in pyproject.toml, "
                             "searched upwards from the working directory)")


def config_from(args: argparse.Namespace) -> object:
    """The configuration the command asked for; a broken one is a usage error."""

    path = getattr(args, "config", None)
    if path is not None and not path.is_file():
        raise UsageError(f"cannot read configuration file {path}")
    try:
        return load_config(path)
    except ConfigError as exc:
        raise UsageError(str(exc)) from exc


def existing_paths(paths: list[str]) -> list[Path]:
    """The given paths; a missing or unreadable one is a usage error (exit 2)."""
    out = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise UsageError(f"{raw}: no such file or folder")
        # Not opened here: a FIFO would block, and a link out of the project is reported by the check (WV021).
        if p.is_file() and not os.access(p, os.R_OK):
            raise UsageError(f"{raw}: cannot read: Permission denied")
        out.append(p)
    return out


def write(text: str) -> None:
    """Write to stdout, tolerating a closed pipe."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        pass


def print_diagnostics(diagnostics: list[Any]) -> None:
    """Diagnostics of a command whose stdout is its output (build, plan, graph, run): text on stderr."""

    if diagnostics:
        sys.stderr.write(render_text(diagnostics, use_color(sys.stderr)) + "\n")


def checked_pipeline(args: argparse.Namespace, path: str) -> tuple[Any, list[Any]]:
    """Check ``path`` and choose the pipeline ``args.pipeline`` (or the only one).

    Returns ``(pipeline, diagnostics)``; ``pipeline`` is ``None`` when the file has errors
    (the diagnostics say why). An ambiguous choice is a usage error.
    """

    (p,) = existing_paths([path])
    config = config_from(args)
    assert isinstance(config, Config)
    result = check([p], config)
    if result.errors:
        return None, result.diagnostics
    try:
        return select_pipeline(result, getattr(args, "pipeline", None)), result.diagnostics
    except PipelineChoiceError as exc:
        raise UsageError(str(exc)) from exc
