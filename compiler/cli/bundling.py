"""Compile a file's pipeline to its deployment bundle and write it to a folder (``build --out``, ``deploy``)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ..api import apply_config
from ..config import Config
from ..diagnostics import Diagnostic, Severity, Sink
from ..targets.codepipeline.bundle import MANIFEST, Bundle
from ..targets.codepipeline.target import bundle_for
from .common import checked_pipeline, config_from


def compile_bundle(args: argparse.Namespace, path: str) -> tuple[Bundle | None, Any, list[Diagnostic]]:
    """The bundle of the chosen pipeline (``None`` on errors), the pipeline, and every diagnostic, sorted."""
    pipeline, diagnostics = checked_pipeline(args, path)
    if pipeline is None:
        return None, None, diagnostics
    sink = Sink()
    bundle = bundle_for(pipeline, sink)
    config = config_from(args)
    assert isinstance(config, Config)
    extra, _ = apply_config(sink, config)
    every = sorted(diagnostics + extra, key=Diagnostic.sort_key)
    if any(d.severity is Severity.ERROR for d in extra):
        bundle = None
    return bundle, pipeline, every


def write_bundle(bundle: Bundle, folder: Path) -> list[Path]:
    """Write every file of the bundle to ``folder``; files an earlier manifest there listed, and this one does
    not, are removed (a region dropped from the file must not leave its stack behind for review)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = bundle.files()
    old = folder / MANIFEST
    if old.is_file():
        try:
            previous = json.loads(old.read_text(encoding="utf-8"))
            stale = {s["file"] for s in previous.get("stacks", [])} - set(files)
        except (ValueError, KeyError, TypeError, AttributeError):
            stale = set()
        for name in sorted(stale):
            if "/" not in name and (folder / name).is_file():
                (folder / name).unlink()
    written = []
    for name, text in sorted(files.items()):
        (folder / name).write_text(text, encoding="utf-8")
        written.append(folder / name)
    return written
