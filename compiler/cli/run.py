"""Rehearse a rollout on this machine: run the plan's commands, bake waves, roll back on breach.

FILE is a .wave file (compiled on the fly) or a plan written by
`wavec build FILE --target local`. With --target codepipeline, or given a
CreatePipeline / get-pipeline JSON file, it emulates the compiled CodePipeline
pipeline instead (--stand-ins; see docs/emulator.md). --scenario FILE (docs/scenarios.md) sets alarms,
failures, approvals and the start for either target. Every wait (bake, gate interval, window) is
divided by --speed. The run is journaled to .wavec/runs/ID.jsonl; after a crash
or Ctrl-C, `wavec run --resume ID` continues it. Exit 0: the rollout
succeeded; 3: it failed (and was rolled back where the gates say so).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..dag.build import build as build_graph
from ..diagnostics import Severity, Sink
from ..runner import scenario as local_scenario
from ..runner.journal import Journal, JournalError, new_run_id, replay
from ..runner.outcome import render
from ..runner.planfile import PlanError, load_plan
from ..runner.session import Session, parse_now
from ..scenario import ScenarioError, load_scenario
from ..targets.local import plan
from . import emulate, extras
from .common import add_config_option, checked_pipeline, existing_paths, print_diagnostics
from .errors import UsageError
from .progress import reporter


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``wavec run``."""

    parser.add_argument("file", metavar="FILE|PLAN", nargs="?", help="a .wave file or a wavec-plan/1 JSON plan")
    parser.add_argument("--speed", type=float, metavar="X", help="divide every wait by X (default 1)")
    parser.add_argument("--jobs", type=int, metavar="N", help="commands run at once (default 4)")
    parser.add_argument("--resume", metavar="ID", help="continue run ID from its journal")
    parser.add_argument("--aws", action="store_true", default=None,
                        help="watch CloudWatch alarms and blockers through boto3")
    parser.add_argument("--no-wait", action="store_true", default=None,
                        help="fail a wave whose window is closed instead of waiting for it")
    parser.add_argument("--json", action="store_true", help="stream events as JSON lines")
    parser.add_argument("--now", metavar="ISO", help="pretend the run starts at this instant (e.g. 2024-06-03T10:00Z)")
    parser.add_argument("--workdir", type=Path, metavar="DIR",
                        help="where commands run (default: the .wave file's folder, or the current one for a plan)")
    parser.add_argument("--pipeline", metavar="NAME", help="the pipeline to run when the file has several")
    emulate.configure(parser)
    add_config_option(parser)


def run(args: argparse.Namespace) -> int:
    """Run (or resume) and print the final report."""

    if emulate.wanted(args):  # the compiled CodePipeline pipeline, not the local plan
        return emulate.run(args)
    if args.aws:
        extras.require("aws", "wavec run --aws (CloudWatch alarms)")
    if args.speed is not None and args.speed <= 0:
        raise UsageError("--speed must be a positive number")
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    now = parse_now(args.now) if args.now else None
    if args.now and now is None:
        raise UsageError(f"--now {args.now!r} is not an ISO 8601 time (e.g. 2024-06-03T10:00:00Z)")
    base = Path.cwd()
    journal = Journal(base, args.resume or new_run_id())
    plan: dict[str, Any] | None = None
    options = _overrides(args)
    if args.resume:
        if not journal.path.exists() or not journal.plan_path.exists():
            raise UsageError(f"no run {args.resume!r} in {journal.dir} (runs: {_known_runs(journal.dir)})")
        try:
            plan = load_plan(journal.plan_path)
        except PlanError as exc:
            raise UsageError(str(exc)) from exc
    else:
        if not args.file:
            raise UsageError("give a .wave file or a plan to run, or --resume ID")
        plan, workdir = _load(args)
        if plan is None:
            return 1
        options.setdefault("workdir", str(workdir.resolve()))
        if args.scenario is not None:
            scenario_options, journal.kill_at_event = _scenario(args, plan)
            options.update(scenario_options)
    try:
        journal.acquire()  # one process owns a run; taken before its journal is read
        try:
            session = Session.resume(plan, journal, replay(journal.path), overrides=options) if args.resume \
                else Session.start(plan, journal, options)
            mode = "json" if args.json else "live" if sys.stdout.isatty() else "plain"
            # A resumed run's view starts from what its earlier attempts did: that shows as done.
            show = reporter(session.plan, mode, history=session.replayed.events if session.replayed else ())
            try:
                outcome = session.execute(show)
            finally:
                show.close()
        finally:
            journal.release()
    except JournalError as exc:
        raise UsageError(str(exc)) from None
    if outcome.report is None:
        why = f" ({outcome.why})" if outcome.why else ""
        print(f"\nwavec run: stopped{why}. Resume with: wavec run --resume {outcome.run_id}", file=sys.stderr)
    elif mode == "json":
        show({"event": "report", **outcome.report})
    else:
        print(render(outcome.report), flush=True)
    return outcome.code


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("speed", "jobs", "aws", "no_wait", "now"):
        value = getattr(args, key)
        if value is not None:
            out[key] = value
    if args.workdir is not None:
        if not args.workdir.is_dir():
            raise UsageError(f"--workdir {args.workdir}: no such folder")
        out["workdir"] = str(args.workdir.resolve())
    return out


def _scenario(args: argparse.Namespace, loaded: dict[str, Any]) -> tuple[dict[str, Any], int | None]:
    """The options a scenario sets for the local runner, and its ``kill_at_event`` (a first attempt's, never a
    resume's); a usage error for what it cannot honour."""
    if args.aws:
        raise UsageError("--scenario and --aws both say where alarms come from: give one")
    path: Path = args.scenario
    try:
        found = load_scenario(path)
        local_scenario.check(found, loaded)
    except ScenarioError as exc:
        raise UsageError(f"cannot rehearse {args.file} with {path}: {exc}") from None
    out: dict[str, Any] = {"scenario": str(path.resolve())}
    if found.start is not None and args.now is None:
        out["now"] = found.start.isoformat()
    return out, found.kill_at_event


def _known_runs(folder: Path) -> str:
    runs = sorted(p.stem for p in folder.glob("*.jsonl")) if folder.is_dir() else []
    return ", ".join(runs[-5:]) or "none"


def _load(args: argparse.Namespace) -> tuple[dict[str, Any] | None, Path]:
    """The plan to run: compiled from a .wave file, or read from a plan file."""

    (path,) = existing_paths([args.file])
    if path.suffix == ".wave" or path.is_dir():
        pipeline, diagnostics = checked_pipeline(args, args.file)
        if pipeline is None:
            print_diagnostics(diagnostics)
            return None, path
        sink = Sink()
        doc = plan(pipeline, build_graph(pipeline), sink)
        print_diagnostics(diagnostics + sink.sorted())
        if any(d.severity is Severity.ERROR for d in sink):
            return None, path
        return doc, path.parent if path.is_file() else path
    try:
        return load_plan(path), Path.cwd()
    except PlanError as exc:
        raise UsageError(str(exc)) from exc
