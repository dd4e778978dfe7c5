"""Helpers shared by commands: reading paths and configuration, running ``check`` for them."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from ..api import PipelineChoiceError, check, select_pipeline
from ..config import Config, ConfigError, find_configs, load_config
from ..diagnostics.render import render_text, use_color
from ..files import Ignored, absolute, project_root, walk
from ..importers import importers as find_importers
from .errors import UsageError


def add_config_option(parser: argparse.ArgumentParser) -> None:
    """``--config FILE``: a ``wave.toml`` or ``pyproject.toml`` merged over the ones found."""
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="configuration file merged over the project's (wave.toml and [tool.wavec] in "
                             "pyproject.toml, found upwards from the files given); it wins where they differ")


def _named_folder(args: argparse.Namespace) -> Path | None:
    """The folder configuration is searched from: that of the first file or folder the command names."""
    named = getattr(args, "file", None) or next(iter(getattr(args, "paths", None) or []), None)
    if not isinstance(named, str) or named == "-":
        return None
    path = Path(named)
    return path if path.is_dir() else path.parent


def config_from(args: argparse.Namespace, start: Path | None = None) -> object:
    """The configuration the command asked for, found from ``start`` (default: the folder of the first path
    the command names, else the working directory); a broken one is a usage error.

    Overrides one file made over another are printed on stderr (``note: …``), unless ``--quiet``.
    """

    path = getattr(args, "config", None)
    if path is not None and not path.is_file():
        raise UsageError(f"cannot read configuration file {path}")
    try:
        config = load_config(path, start if start is not None else _named_folder(args))
    except ConfigError as exc:
        raise UsageError(str(exc)) from exc
    if not getattr(args, "quiet", False):
        for note in config.notes:
            print(f"note: {note}", file=sys.stderr)
    return config


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
    config = config_from(args, p.parent)
    assert isinstance(config, Config)
    result = check([p], config)
    if result.errors:
        return None, result.diagnostics
    try:
        return select_pipeline(result, getattr(args, "pipeline", None)), result.diagnostics
    except PipelineChoiceError as exc:
        raise UsageError(str(exc)) from exc


def read_stdin() -> str:
    """Standard input as UTF-8 text; bytes that are not UTF-8 are a usage error."""
    data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode("utf-8")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"standard input is not valid UTF-8 (byte {exc.start})") from exc


def config_groups(args: argparse.Namespace, paths: list[Path], *, importers: bool = True
                  ) -> list[tuple[Config, list[Path]]]:
    """``paths`` grouped by the configuration that applies to each (found from a file's folder, or from the
    folder given), in the order of the paths; with ``importers``, the project files that import a file given
    are added (see :mod:`wavec.importers`), each under its own configuration."""
    groups: dict[tuple[Path, ...], tuple[Config, list[Path]]] = {}
    memo: dict[Path, tuple[Path, ...]] = {}

    def add(path: Path, key: tuple[Path, ...] | None = None) -> None:
        folder = path if path.is_dir() else absolute(path).parent
        key = key if key is not None else find_configs(folder, memo)
        if key not in groups:
            config = config_from(args, folder)
            assert isinstance(config, Config)
            groups[key] = (config, [])
        groups[key][1].append(path)

    for path in paths:
        if not path.is_dir():
            add(path)
            continue
        # A folder may hold a project of its own (a wave.toml below it): its files take that configuration.
        key = find_configs(path, memo)
        add(path, key)
        config, members = groups[key]
        top = project_root(path)
        found = list(walk(path, top, lambda _p, _named: None, Ignored(config.excludes, top)))
        keys = [find_configs(real.parent, memo) for _, real in found]
        if any(k != key for k in keys):
            members.remove(path)
            for (found_path, _), k in zip(found, keys, strict=True):
                add(found_path, k)
    named = [p for p in paths if p.is_file()]
    if importers and named:
        excludes = [e for config, _ in groups.values() for e in config.excludes]
        extra = find_importers(named, excludes)
        if extra and not getattr(args, "quiet", False) and getattr(args, "format", "text") == "text":
            shown = ", ".join(p.as_posix() for p in extra[:5]) + (", …" if len(extra) > 5 else "")
            print(f"note: also checking {len(extra)} file{'s' if len(extra) != 1 else ''} importing the files "
                  f"given: {shown}", file=sys.stderr)
        for path in extra:
            add(path)
    return list(groups.values())
