"""``wavec run`` on the compiled CodePipeline: ``PIPELINE.json`` or ``FILE.wave --target codepipeline``.

The pipeline comes from the JSON alone (for a ``.wave`` file: the output of ``wavec build --target
codepipeline``, through :func:`wavec.api.build`); the state machines its Step Functions actions start come
from the CloudFormation output (built the same way for a ``.wave`` file, ``--template FILE`` for JSON). The
stand-in table comes from ``--stand-ins FILE`` or, for
a ``.wave`` file, from its ``deploy.local`` profile: each deploy action runs the profile's ``run`` with the
variables ``wavec run`` gives it (``WAVE_REGION``, ``WAVE_ACCOUNT``, ``WAVE_WAVE``, ``WAVE_EXPOSURE`` …), and
the same action re-run by a rollback execution runs the profile's ``rollback``.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from ..api import PipelineChoiceError, build
from ..config import Config
from ..deploy.engine import rollback_note
from ..diagnostics import Severity
from ..emulator.compensation import compensator_from_template
from ..emulator.engine import Emulator, Options
from ..emulator.functions import Function, functions_from_template
from ..emulator.journal import Diverged, Replay, Writer, is_emulated, load_inputs, read_journal, run_dir, save_inputs
from ..emulator.model import Refusal, read_pipeline
from ..emulator.projects import projects_from_template
from ..emulator.report import render, summary
from ..emulator.standins import StandIns, load_standins, standins_from
from ..emulator.stepfunctions import Machine, machines_from_template
from ..runner.journal import new_run_id
from ..runner.session import EXIT_INTERRUPTED, parse_now
from ..scenario import Scenario, ScenarioError, load_scenario
from . import extras
from .common import config_from, existing_paths, print_diagnostics
from .errors import EXIT_ERRORS, EXIT_USAGE, UsageError
from .progress import reporter


def configure(parser: argparse.ArgumentParser) -> None:
    """The options only the emulator reads (``wavec run`` adds them to its own)."""
    parser.add_argument("--target", choices=("local", "codepipeline"),
                        help="rehearse the local plan (default) or the compiled CodePipeline pipeline")
    parser.add_argument("--stand-ins", type=Path, metavar="FILE",
                        help="what each CodePipeline action runs on this machine (JSON; docs/emulator.md)")
    parser.add_argument("--template", type=Path, metavar="TEMPLATE.json",
                        help="the CloudFormation output holding the state machines the pipeline's Step Functions "
                             "actions start (for a pipeline JSON file; a .wave file builds its own)")
    parser.add_argument("--scenario", type=Path, metavar="FILE",
                        help="alarms, failures, approvals and start time for the rehearsal, on either target "
                             "(TOML or JSON; docs/scenarios.md)")


def wanted(args: argparse.Namespace) -> bool:
    """Whether this ``wavec run`` is an emulation: ``--target codepipeline``, or a file holding a pipeline."""
    if args.target == "codepipeline" or args.stand_ins is not None or args.template is not None:
        return True
    if args.resume and args.target != "local" and is_emulated(Path.cwd(), args.resume):
        return True
    if args.target == "local" or not args.file or args.resume:
        return False
    path = Path(args.file)
    if path.suffix == ".wave" or not path.is_file():
        return False
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(data, dict) and isinstance(data.get("pipeline"), dict)


def run(args: argparse.Namespace) -> int:
    """Emulate (or resume an emulated run), show progress, print the report; the exit code."""
    extras.require("emulate", "the CodePipeline emulator (wavec run --target codepipeline)")
    if args.target == "local":
        raise UsageError("--stand-ins and --template are read by the CodePipeline emulator only "
                         "(--target codepipeline, or a pipeline JSON file) for now")
    if args.resume:
        return _resume(args)
    if not args.file:
        raise UsageError("give a .wave file or a pipeline JSON file to run")
    if args.speed is not None and args.speed <= 0:
        raise UsageError("--speed must be a positive number")
    now = parse_now(args.now) if args.now else None
    if args.now and now is None:
        raise UsageError(f"--now {args.now!r} is not an ISO 8601 time (e.g. 2024-06-03T10:00:00Z)")
    (path,) = existing_paths([args.file])
    if path.suffix == ".wave" or path.is_dir():
        loaded = _compile(args, path)
        if loaded is None:
            return EXIT_ERRORS
        document, table, template = loaded
        workdir = path.parent if path.is_file() else path
        if args.template is not None:
            raise UsageError("--template is for a pipeline JSON file; a .wave file builds its own "
                             "CloudFormation output")
        standins: dict[str, Any] = {"table": table}
    else:
        document, workdir, standins = _read_json(path), Path.cwd(), {"table": None}
        template = _read_json(_readable(args.template)) if args.template is not None else None
    if args.stand_ins:
        standins = _copy_of(_readable(args.stand_ins))
    scenario = _copy_of(_readable(args.scenario)) if args.scenario else None
    if args.workdir is not None:
        if not args.workdir.is_dir():
            raise UsageError(f"--workdir {args.workdir}: no such folder")
        workdir = args.workdir
    options = {"speed": args.speed or 1.0, "now": now.isoformat() if now else None,
               "no_wait": bool(args.no_wait), "workdir": str(workdir.resolve()), "aws": bool(args.aws)}
    inputs = {"pipeline": document, "template": template, "standins": standins, "scenario": scenario,
              "options": options}
    run_id = new_run_id()
    emulator = _emulator(inputs, run_id, Path.cwd(), args, None)
    # The start instant the run resolved (--now, the scenario's, or now) is what a resume replays from.
    options["now"] = emulator.view_start()
    folder = run_dir(Path.cwd(), run_id)
    save_inputs(folder, inputs)
    emulator.writer = Writer(folder)
    return _emulate(emulator, args)


def _resume(args: argparse.Namespace) -> int:
    """``wavec run --resume ID`` of an emulated run: replay its journal, then go on (emulator/journal.py)."""
    base = Path.cwd()
    if not is_emulated(base, args.resume):
        raise UsageError(f"no emulated run {args.resume!r} under {base / '.wavec' / 'emulator'}")
    folder = run_dir(base, args.resume)
    try:
        inputs = load_inputs(folder)
        if inputs["options"].get("aws"):
            raise UsageError(f"run {args.resume} read CloudWatch (--aws), which the journal does not record: it "
                             "cannot be replayed; start it again")
        replay = read_journal(folder)
    except Refusal as exc:
        raise UsageError(str(exc)) from None
    emulator = _emulator(inputs, args.resume, base, args, replay)
    emulator.writer = Writer(folder)
    return _emulate(emulator, args)


def _copy_of(path: Path) -> dict[str, Any]:
    """A file the run reads (scenario, stand-ins), kept whole in its inputs: a resume reads this copy."""
    try:
        return {"name": path.name, "text": path.read_text(encoding="utf-8")}
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read: {exc}") from None


def _reload(copy: dict[str, Any], folder: Path, load: Any) -> Any:
    """Parse a kept copy with ``load`` (which reads a path: its suffix says the format)."""
    target = folder / "inputs" / ("copy-" + Path(str(copy["name"])).name)
    target.write_text(str(copy["text"]), encoding="utf-8")
    return load(target)


def _emulator(inputs: dict[str, Any], run_id: str, base: Path, args: argparse.Namespace,
              replay: Replay | None) -> Emulator:
    """The emulator of these inputs (a new run's, or a journaled one's)."""
    folder = run_dir(base, run_id)
    folder.joinpath("inputs").mkdir(parents=True, exist_ok=True)
    document, template, opts = inputs["pipeline"], inputs.get("template"), inputs["options"]
    try:
        machines: list[Machine] | None = None
        functions: list[Function] | None = None
        if template is not None:
            machines = machines_from_template(template, str(args.template or "the CloudFormation output"))
            functions = functions_from_template(template)
        pipeline = read_pipeline(document)
        compensator = None
        if template is not None:
            compensator = compensator_from_template(template, pipeline.region or "us-east-1",
                                                    pipeline.account() or "000000000000")
        raw = inputs.get("standins") or {}
        if "text" in raw:
            standins = _reload(raw, folder, load_standins)
        elif raw.get("table") is not None:
            standins = standins_from({"actions": raw["table"]}, "the deploy.local profile")
        else:
            standins = StandIns()
        scenario = _reload(inputs["scenario"], folder, load_scenario) if inputs.get("scenario") else None
        if opts.get("aws") and scenario is not None and scenario.alarms:
            raise UsageError("alarms come from --scenario or, with --aws, from CloudWatch, not both: remove the "
                             "scenario's [[alarm]] entries or --aws")
        now = parse_now(opts["now"]) if opts.get("now") else None
        options = Options(speed=float(opts["speed"]), now=now, no_wait=bool(opts["no_wait"]),
                          workdir=Path(opts["workdir"]), base=base, aws=bool(opts.get("aws")))
        return Emulator(pipeline, scenario or Scenario(), standins, options, lambda e: None, run_id,
                        machines, functions, compensator,
                        projects_from_template(template) if template is not None else None, replay=replay)
    except (Refusal, ScenarioError) as exc:
        raise UsageError(f"cannot emulate {args.file or run_id}: {exc}") from None


def _emulate(emulator: Emulator, args: argparse.Namespace) -> int:
    """Run it with the live view (or ``--json``), then the report."""
    mode = "json" if args.json else "live" if sys.stdout.isatty() else "plain"
    # A resumed run's view starts from the events its earlier attempt journaled: what they finished shows as done.
    show = reporter(emulator.view, mode, history=emulator.replay.events, start=emulator.view_start())
    emulator.emit = show
    try:
        code = emulator.run()
    except KeyboardInterrupt:
        show.close()
        print(f"\nwavec run: stopped; continue with: wavec run --resume {emulator.run_id}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Diverged as exc:
        show.close()
        print(f"wavec run: cannot resume {emulator.run_id}: the replay differs from its journal ({exc}); the "
              "inputs or the commands' effects changed; start the run again", file=sys.stderr)
        return EXIT_USAGE
    finally:
        if emulator.writer is not None:
            emulator.writer.close()
    show.close()
    report = summary(emulator)
    if mode == "json":
        show({"event": "report", **report})
    else:
        print(render(report), flush=True)
    return code


def _readable(path: Path) -> Path:
    (p,) = existing_paths([str(path)])
    return p


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: not valid JSON: {exc}") from None


def _compile(args: argparse.Namespace, path: Path, standins: bool = True
             ) -> tuple[Any, dict[str, Any], Any] | None:
    """The CreatePipeline body of the file, the stand-in table of its ``deploy.local`` profiles (``actions`` of
    a stand-ins file; empty without ``standins``: the local plan is then not built at all), its CloudFormation."""
    config = config_from(args)
    assert isinstance(config, Config)
    try:
        compiled = build(path, "codepipeline", "json", args.pipeline, config)
        print_diagnostics(compiled.diagnostics)
        if compiled.output is None:
            return None
        local = build(path, "local", "json", args.pipeline, config) if standins else None
        stack = build(path, "codepipeline", "cloudformation", args.pipeline, config)
    except PipelineChoiceError as exc:
        raise UsageError(str(exc)) from None
    for other in (local, stack):
        if other is not None and other.output is None:
            print_diagnostics([d for d in other.diagnostics if d.severity is Severity.ERROR])
            return None
    assert stack.output is not None
    document = json.loads(compiled.output)
    table = standin_table(document, json.loads(local.output)) if local is not None and local.output else {}
    return document, table, json.loads(stack.output)


def standin_table(document: dict[str, Any], plan: dict[str, Any]) -> dict[str, Any]:
    """Stand-ins from a ``wavec-plan/1`` plan's deploy and rollback nodes, keyed by the compiled stage/action.

    A plan wave W is the stage ``wave-W`` (or ``W``); its deploy to region R is the stage's deploy action in
    R (several in one region: in order). The command and variables (``WAVE_EXPOSURE`` among them) are the
    plan's.
    """
    nodes = {n["id"]: n for n in plan["nodes"]}
    stages = {s.get("name"): s for s in document["pipeline"].get("stages", [])}
    table: dict[str, Any] = {}
    for wave in plan["waves"]:
        stage = stages.get(f"wave-{wave['name']}") or stages.get(wave["name"])
        if stage is None:
            continue
        actions = [a for a in stage.get("actions", []) if a.get("actionTypeId", {}).get("category") == "Deploy"]
        for deploy_id in (d for batch in wave["batches"] for d in batch):
            node = nodes[deploy_id]
            region = (node.get("target") or {}).get("region")
            match = next((a for a in actions if a.get("region") == region), None)
            if match is None:
                continue
            actions.remove(match)
            rollback = nodes.get(deploy_id.replace(":deploy:", ":rollback:", 1), {})
            env = dict(node.get("environment") or {})
            entry: dict[str, Any] = {"env": env}
            if node.get("command"):
                entry["run"] = node["command"]
            if rollback.get("command"):
                entry["rollback"] = rollback["command"]
            table[f"{stage['name']}/{match['name']}"] = entry
    return table


def planned_timeline(path: Path, args: argparse.Namespace, start: datetime) -> dict[str, Any] | None:
    """``wavec plan --target codepipeline``: the compiled pipeline's healthy run, emulated without running a
    command, as a timeline of stages (virtual time); ``None`` when the file does not compile."""
    extras.require("emulate", "wavec plan --target codepipeline")
    loaded = _compile(args, path, standins=False)  # a dry run runs no command: no stand-ins to derive
    if loaded is None:
        return None
    document, _, template = loaded
    try:
        pipeline = read_pipeline(document)
        compensator = compensator_from_template(template, pipeline.region or "us-east-1",
                                                pipeline.account() or "000000000000")
        options = Options(speed=1e9, now=start, dry=True, workdir=path.parent.resolve(), base=Path.cwd())
        emulator = Emulator(pipeline, Scenario(), StandIns(), options, lambda e: None, new_run_id(),
                            machines_from_template(template, "the CloudFormation output"),
                            functions_from_template(template), compensator, projects_from_template(template))
        code = emulator.run()
    except (Refusal, ScenarioError) as exc:
        raise UsageError(f"cannot emulate {path}: {exc}") from None
    stages = [{"stage": t["stage"], "status": t["status"], "starts_at": t["started"], "ends_at": t["finished"],
               "seconds": (_instant(t["finished"]) - _instant(t["started"])).total_seconds()}
              for t in emulator.timeline]
    finish = max((_instant(t["finished"]) for t in emulator.timeline), default=start)
    return {"format": "wavec-codepipeline-timeline/1", "pipeline": pipeline.name, "target": "codepipeline",
            "start": emulator.view_start(), "finish": finish.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "time_to_full_deployment_seconds": (finish - emulator.start).total_seconds(), "exit": code,
            "stages": stages, "assumptions": list(emulator.choices),
            # Rules 45, 46, 49: a new pipeline version rolls back only to a success of its own (docs/codepipeline.md,
            # "First run and structure changes"); the plan says so, as `wavec deploy` does after a change.
            "rollback_note": rollback_note(document["pipeline"])}


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def render_timeline(timeline: dict[str, Any]) -> str:
    """The timeline as text for people."""
    hours = timeline["time_to_full_deployment_seconds"] / 3600
    lines = [f"Pipeline {timeline['pipeline']} on CodePipeline (emulated healthy run, no command run): "
             f"{timeline['start']} → {timeline['finish']} ({hours:.1f} h to full deployment)"]
    for stage in timeline["stages"]:
        lines.append(f"  {stage['starts_at']} → {stage['ends_at']}  {stage['stage']:<24} {stage['status']:<10} "
                     f"{stage['seconds'] / 60:7.1f} min")
    for choice in timeline["assumptions"]:
        lines.append(f"  assumed (rule {choice['rule']}): {choice['text']}")
    if timeline.get("rollback_note"):
        lines.append(f"  {timeline['rollback_note']} (on the first run after `wavec deploy` creates or changes it)")
    return "\n".join(lines)
