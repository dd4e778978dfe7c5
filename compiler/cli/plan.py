"""Show the rollout at a glance: waves, exposure, bakes, windows, time to full deployment, critical path.

Text (default), JSON or Markdown (a GitHub job summary) on stdout; --html OUT also writes a self-contained
page with a timeline and the exposure curve. Feasibility findings (WV250-WV256) are printed on stderr as warnings.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..analysis.plan import make_plan
from ..analysis.weights import parse_weights_option
from ..api import PipelineChoiceError, apply_config, check, select_pipeline
from ..config import Config
from ..diagnostics import Diagnostic, Severity, Sink
from ..gcpause import gc_paused
from ..report import html, plan_json, plan_markdown, plan_text
from .common import add_config_option, config_from, existing_paths, print_diagnostics, write
from .emulate import planned_timeline, render_timeline
from .errors import UsageError


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``wavec plan``."""
    parser.add_argument("file", metavar="FILE", help="the .wave file")
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                        help="output on stdout; markdown: for a GitHub job summary or a pull-request comment "
                             "(the local plan only)")
    parser.add_argument("--start", metavar="ISO-TIME",
                        help="when the rollout starts, e.g. 2024-03-08T15:00 or 2024-03-08T16:00+01:00 (no "
                             "offset: UTC); default: $SOURCE_DATE_EPOCH if set, else now")
    parser.add_argument("--html", type=Path, metavar="OUT", help="also write a self-contained HTML page here "
                                                                 "(with --target codepipeline: on its timeline)")
    parser.add_argument("--pipeline", metavar="NAME", help="the pipeline to plan when the file has several")
    parser.add_argument("--target", choices=("local", "codepipeline"), default="local",
                        help="local (default): the plan's own estimates; codepipeline: the compiled pipeline's "
                             "healthy run, emulated without running a command (needs wavec[emulate])")
    parser.add_argument("--weights", metavar="REGION=W,…",
                        help="traffic weight per region, overriding std/regions and the file's `let weights`")
    add_config_option(parser)


def parse_start(text: str | None, environ: dict[str, str] | None = None) -> datetime:
    """The start instant: ``--start``, else ``SOURCE_DATE_EPOCH``, else now (to the minute), as aware UTC."""
    env = os.environ if environ is None else environ
    if text is None:
        epoch = env.get("SOURCE_DATE_EPOCH")
        if epoch is not None and epoch.strip().isdigit():
            return datetime.fromtimestamp(int(epoch), UTC)
        return datetime.now(UTC).replace(second=0, microsecond=0)
    try:
        value = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        raise UsageError(f"--start {text!r} is not an ISO time such as 2024-03-08T15:00 or "
                         "2024-03-08T15:00+01:00") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def run(args: argparse.Namespace) -> int:
    """Plan the pipeline and print the report.

    The cyclic garbage collector pauses for the command, as for ``wavec build``: the plan's figures and
    documents are many small objects and no reference cycles.
    """
    with gc_paused():
        return _plan(args)


def _plan(args: argparse.Namespace) -> int:
    start = parse_start(args.start)
    if args.target == "codepipeline":
        return _codepipeline(args, start)
    try:
        weights = parse_weights_option(args.weights) if args.weights else {}
    except ValueError as exc:
        raise UsageError(f"--weights: {exc}") from None
    (path,) = existing_paths([args.file])
    config = config_from(args)
    assert isinstance(config, Config)
    result = check([path], config)
    if result.errors:
        print_diagnostics(result.diagnostics)
        return 1
    try:
        pipeline = select_pipeline(result, args.pipeline)
    except PipelineChoiceError as exc:
        raise UsageError(str(exc)) from exc
    module = next((m for m in result.modules if any(p is pipeline for p in m.pipelines)), None)
    sink = Sink()
    plan = make_plan(pipeline, start, sink, module, weights)
    findings, _ = apply_config(sink, config)
    print_diagnostics(sorted(result.diagnostics + findings, key=Diagnostic.sort_key))
    if args.format == "json":
        try:
            plan_json.write(plan, findings, sys.stdout.write)
            sys.stdout.flush()
        except BrokenPipeError:
            pass
    elif args.format == "markdown":
        write(plan_markdown.render(plan, findings))
    else:
        write(plan_text.render(plan, findings))
    if args.html is not None:
        args.html.parent.mkdir(parents=True, exist_ok=True)
        args.html.write_text(html.render(plan, findings), encoding="utf-8")
        print(f"wrote {args.html}", file=sys.stderr)
    return 1 if any(d.severity is Severity.ERROR for d in findings) else 0


def _codepipeline(args: argparse.Namespace, start: datetime) -> int:
    """The timeline of the compiled pipeline's healthy run (docs/plan.md, "On CodePipeline")."""
    if args.weights or args.format == "markdown":
        raise UsageError("--weights and --format markdown are for the local plan; --target codepipeline shows the "
                         "compiled pipeline's timeline")
    (path,) = existing_paths([args.file])
    timeline = planned_timeline(path, args, start)
    if timeline is None:
        return 1
    write((json.dumps(timeline, indent=2, sort_keys=True) if args.format == "json" else render_timeline(timeline))
          + "\n")
    if args.html is not None:
        _codepipeline_html(args, path, start, timeline)
    return 0 if timeline["exit"] == 0 else 1


def _codepipeline_html(args: argparse.Namespace, path: Path, start: datetime, timeline: dict[str, Any]) -> None:
    """``--html`` of ``--target codepipeline``: the local plan's page (waves, exposure, rollback paths) drawn on
    the emulated run's timeline. The file compiled for the emulator, so it checks without errors here."""
    config = config_from(args)
    assert isinstance(config, Config)
    result = check([path], config, target_constraints=False)
    pipeline = select_pipeline(result, args.pipeline)
    module = next((m for m in result.modules if any(p is pipeline for p in m.pipelines)), None)
    plan = make_plan(pipeline, start, Sink(), module)
    args.html.parent.mkdir(parents=True, exist_ok=True)
    args.html.write_text(html.render_codepipeline(plan, timeline), encoding="utf-8")
    print(f"wrote {args.html}", file=sys.stderr)
