"""Compile a pipeline for a target: AWS CodePipeline V2 or the local runner's plan.

The output goes to stdout, or to the file named by -o; ``--out DIR`` writes the
deployment bundle of ``--target codepipeline --format cloudformation`` instead. Diagnostics go to
stderr; errors (exit 1) mean nothing is written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..api import PipelineChoiceError, build
from ..config import Config
from ..gcpause import gc_paused
from ..targets import TARGETS, get_target
from . import extras
from .bundling import compile_bundle, write_bundle
from .common import add_config_option, config_from, existing_paths, print_diagnostics
from .errors import UsageError


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``wavec build``."""

    parser.add_argument("file", metavar="FILE", help="the .wave file")
    parser.add_argument("--target", choices=sorted(TARGETS), required=True, help="what to compile to")
    parser.add_argument("--format", default=None, help="output format of the target (codepipeline: json, "
                        "cloudformation; local: json)")
    parser.add_argument("--pipeline", metavar="NAME", help="the pipeline to build when the file has several")
    parser.add_argument("-o", "--output", type=Path, metavar="OUT", help="write here instead of stdout")
    parser.add_argument("--out", type=Path, metavar="DIR", help="codepipeline, cloudformation: write the "
                        "deployment bundle here (one template per stack and manifest.json)")
    add_config_option(parser)


def run(args: argparse.Namespace) -> int:
    """Build and write the output.

    The cyclic garbage collector pauses for the whole command: checking, the graph, the plan and its
    encoding allocate millions of small objects and no reference cycles, so collections only cost time.
    """
    with gc_paused():
        return _build(args)


def _build(args: argparse.Namespace) -> int:
    (path,) = existing_paths([args.file])
    config = config_from(args)
    assert isinstance(config, Config)
    if args.target == "codepipeline":  # the request is checked against botocore's model (WV919)
        extras.require("aws", "wavec build --target codepipeline")
    target = get_target(args.target)
    if args.format is not None and args.format not in target.formats:
        raise UsageError(f"target {args.target} has no format {args.format!r} (formats: {', '.join(target.formats)})")
    if args.out is not None:
        return _bundle(args, path)
    try:
        result = build(path, args.target, args.format, args.pipeline, config, stream=True)
    except PipelineChoiceError as exc:
        raise UsageError(str(exc)) from exc
    print_diagnostics(result.diagnostics)
    if not result.ok:
        return 1
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        with args.output.open("w", encoding="utf-8") as out:
            result.write_to(out.write)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        try:
            result.write_to(sys.stdout.write)
            sys.stdout.flush()
        except BrokenPipeError:
            pass
    return 0


def _bundle(args: argparse.Namespace, path: Path) -> int:
    if args.target != "codepipeline" or args.format != "cloudformation":
        raise UsageError("--out DIR writes the deployment bundle: use it with --target codepipeline "
                         "--format cloudformation")
    if args.output is not None:
        raise UsageError("--out DIR and -o OUT exclude each other")
    bundle, _pipeline, diagnostics = compile_bundle(args, str(path))
    print_diagnostics(diagnostics)
    if bundle is None:
        return 1
    written = write_bundle(bundle, args.out)
    print(f"wrote {len(written)} files to {args.out}: {', '.join(p.name for p in written)}", file=sys.stderr)
    return 0
