"""The emulated execution: stages in order, ``runOrder`` groups, conditions, rollback, retry — on a virtual clock.

Time is *discrete*: the virtual instant moves only when the pipeline waits (a rule's ``WaitTime``, a closed
deployment window, an approval), and a wait ends at the real moment of its virtual instant at ``--speed``,
counted from the run's start (through the runner's :class:`~wavec.runner.clock.Clock`): the time the emulator
spends computing (moto's interpreter running a bake) is not slept again afterwards, as ``wavec run``'s clock,
whose virtual time is real time multiplied by the speed, does not either. Commands and stand-ins really run
(``/bin/sh -c`` through the runner's :class:`~wavec.runner.process.Processes`) but take no virtual time, so a
timeline is the same on every machine. Rules are pure functions of the scenario where they can be (alarms,
windows): a condition's rules start together and the condition resolves when the last one has (rule 28).

Events use ``wavec run``'s vocabulary (``node_started``, ``node_finished``, ``gate``, ``breach``,
``rollback_plan``, ``window_wait``, ``note``, ``run_finished`` …), folded into the runner's own
:class:`~wavec.runner.executor.State`, so the final report is built by the same code; kinds CodePipeline
has and the local runner has not (``execution_started``, ``stage_started``, ``choice`` …) are listed in
``docs/emulator.md``.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shlex
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ..records import field, record
from ..runner.clock import Clock
from ..runner.executor import State, final_status, source_commit
from ..runner.process import Processes, expand_data
from ..schedule.cron import parse_cron
from ..schedule.windows import Window, is_open, next_open
from .alarms import AlarmWorld, CloudWatchAlarms, ScenarioAlarms
from .compensation import Compensator, matches, run_machine
from .functions import NO_REPLY_S, Function, Jobs, find_function, invoke, load
from .journal import Diverged, Replay, Writer, run_dir, same
from .model import Action, Condition, Pipeline, Refusal, Rule, Stage, arn_account, substitute, variables_in, zone_name
from .projects import Project
from .scenario import Scenario, stage_matches
from .service import CodeBuildApi, CodePipelineApi, Started, StepFunctionsApi
from .standins import StandIn, StandIns
from .stepfunctions import Machine, Read, StepFunctions, find_machine

# Rule 18: a Step Functions invoke action waits at most 7 days.
_MAX_STATE_MACHINE_S = 7 * 24 * 3600.0

# A value pasted into a command's text (CodePipeline substitutes #{…} textually) must be one plain word.
_SAFE_VALUE = re.compile(r"[A-Za-z0-9._:/@+=,-]*")


class Interrupted(Exception):
    """The run was stopped (Ctrl-C) during a wait."""


@record(frozen=False)
class Options:
    """What the user asked of the emulation."""

    speed: float = 1.0
    now: datetime | None = None
    no_wait: bool = False
    workdir: Path = field(default_factory=Path.cwd)
    base: Path = field(default_factory=Path.cwd)
    # `wavec plan --target codepipeline`: no command runs (Commands actions and rules, builds and stand-ins
    # succeed at once); the timing is the pipeline's own (rules, windows, bake machines, approvals at once).
    dry: bool = False
    # `--aws`: alarm states are CloudWatch's, read when the pipeline reads them (emulator/alarms.py); the run
    # keeps pace with real time, divided by `speed`.
    aws: bool = False


@record(frozen=False)
class Result:
    """How an action or rule ended, and at which virtual instant."""

    ok: bool
    at: datetime
    reason: str = ""
    exit: int | None = None
    status: str = ""
    events: list[tuple[datetime, dict[str, Any]]] = field(default_factory=list)  # what happened meanwhile
    breach: dict[str, Any] | None = None  # a failed bake: the gate and why


@record(frozen=False)
class Node:
    """An action as the event stream names it."""

    id: str
    kind: str
    stage: str
    wave: str | None
    target: dict[str, Any] | None
    action: Action


class Emulator:
    """Executes one pipeline; ``run()`` returns the exit code (0 succeeded, 3 failed or rolled back)."""

    def __init__(self, pipeline: Pipeline, scenario: Scenario, standins: StandIns, options: Options,
                 emit: Callable[[dict[str, Any]], None], run_id: str,
                 machines: list[Machine] | None = None, functions: list[Function] | None = None,
                 compensator: Compensator | None = None, projects: dict[str, Project] | None = None,
                 journal: Writer | None = None, replay: Replay | None = None) -> None:
        self.pipeline = pipeline
        self.scenario = scenario
        self.standins = standins
        self.options = options
        self.emit = emit
        self.run_id = run_id
        self.machines: dict[tuple[str, str], Machine] = {}
        self.functions: dict[tuple[str, str], Callable[..., Any]] = {}
        for stage in pipeline.stages:  # refuse before anything runs
            for action in stage.actions:
                if action.kind == "lambda" and standins.exact(stage.name, action.name) is None:
                    # The template's function runs; a `*` stand-in serves only a function it does not hold.
                    try:
                        self.functions[(stage.name, action.name)] = _function_of(stage, action, functions)
                    except Refusal:
                        if standins.action(stage.name, action.name) is None:
                            raise
                if action.kind == "statemachine" and standins.exact(stage.name, action.name) is None:
                    self.machines[(stage.name, action.name)] = _machine_of(stage, action, machines)
            for cond in _conditions(stage):
                for rule in cond.rules:
                    if rule.provider == "LambdaInvoke" and standins.rule(stage.name, rule.name) is None:
                        raise Refusal(f"stage {stage.name}, rule {rule.name}: LambdaInvoke rules are refused unless "
                                      "stood in (the function is not run offline); give a stand-in under `rules`")
        start = options.now or scenario.start or datetime.now(UTC).replace(microsecond=0)
        self.start = start.astimezone(UTC)
        self.now = self.start
        self.clock = Clock(options.speed, self.start)
        self.state = State()
        self.processes = Processes()
        self.execution = str(uuid.uuid4())
        self.current = self.execution
        self.region = scenario.pipeline_region or pipeline.region
        self.alarms: AlarmWorld = (CloudWatchAlarms(self.region or "us-east-1") if options.aws
                                   else ScenarioAlarms(scenario))
        # A virtual instant and its real moment: waits end at the real moment of their instant counted from it.
        # Offline it is the run's start (moved only by replayed waits), so computing time is not slept twice.
        # `--aws` takes it again when a group of actions or a condition starts: readings and waits after it keep
        # pace from there (time spent before, e.g. starting moto, is not owed).
        self._anchor = (self.start, time.monotonic())
        self.bakes: dict[str, datetime] = {}
        self.variables: dict[str, str] = {}
        # GetPipelineState's view: each stage's latest execution (id, status, type), as a job's function reads it.
        self.latest: dict[str, dict[str, str]] = {}
        self.choices: list[dict[str, Any]] = []
        self._choice_keys: set[str] = set()
        self._notes: set[str] = set()
        self.timeline: list[dict[str, Any]] = []
        self.executions: list[dict[str, Any]] = []
        self.history = {s.name: "previous" for s in pipeline.stages} if scenario.previous_execution else {}
        self.dir = run_dir(options.base, run_id)
        self.logs = self.dir / "logs"
        self.commit = source_commit(options.workdir)
        self.labels = _wave_labels(pipeline)
        self.nodes = {(s.name, a.name): self._node(s, a) for s in pipeline.stages for a in s.actions}
        self.view = self._view()
        self._seq = 0
        self._lock = threading.Lock()
        # The journal (emulator/journal.py): events and command results as they happen; and, resuming, what an
        # earlier attempt of this run did, replayed until the run goes past it.
        self.writer = journal
        self.replay = replay or Replay()
        self._runs: dict[str, int] = {}  # how many times each node's command has started (the results' keys)
        self._diverged: Diverged | None = None
        self._baked: set[str] = set()
        self.started = time.monotonic()
        # moto's Step Functions, started only when an action needs it (a missing moto is refused here).
        self.sfn = StepFunctions() if self.machines else None
        self.compensator = compensator
        self.projects = projects or {}
        self._compensator = load(compensator.function, "the compensator") if compensator is not None else None
        self.action_runs: list[dict[str, Any]] = []  # ListActionExecutions' view
        self.sfn_api: StepFunctionsApi | None = None
        self.clients: dict[str, Any] = {}
        if compensator is not None:
            self.sfn_api = StepFunctionsApi(compensator.environment.get("WAVEC_STATE_MACHINE", ""))
            source = next((s.name for s in pipeline.stages if any(a.kind == "source" for a in s.actions)), None)
            self.clients = {"codepipeline": CodePipelineApi(pipeline.name, self, source),
                            "stepfunctions": self.sfn_api, "codebuild": CodeBuildApi(self)}

    # ------------------------------------------------------------------ naming

    def _node(self, stage: Stage, action: Action) -> Node:
        label = self.labels.get(stage.name)
        if action.category == "Deploy" and label is not None:
            target = self._target(stage, action)
            return Node(f"wave:{label}:deploy:{target['id']}", "deploy", stage.name, label, target, action)
        kind = {"source": "source", "approval": "approval"}.get(action.kind, "step")
        return Node(f"stage:{stage.name}:{kind}:{action.name}", kind, stage.name, label, None, action)

    def _target(self, stage: Stage, action: Action) -> dict[str, Any]:
        region = action.region or self.region
        regions = [d.region or self.region for d in stage.deploys]
        unique = region is not None and regions.count(region) == 1
        account = arn_account(action.role_arn) or self.pipeline.account()
        return {"id": region if unique else action.name, "region": region, "account": account,
                "action": action.name}

    def _rollback_id(self, node: Node) -> str:
        if node.kind == "deploy":
            return node.id.replace(":deploy:", ":rollback:", 1)
        return f"stage:{node.stage}:rollback:{node.action.name}"

    def _view(self) -> dict[str, Any]:
        """The run as the reporters and the report read it: the local plan's stages and waves, from the JSON."""
        stages, waves = [], []
        for stage in self.pipeline.stages:
            nodes = [self.nodes[(stage.name, a.name)] for a in stage.actions]
            steps = [n.id for n in nodes if n.kind != "deploy"]
            if steps:
                stages.append({"name": stage.name, "after": [], "create": None, "destroy": None, "steps": steps})
            label = self.labels.get(stage.name)
            if label is not None:
                batches = [[self.nodes[(stage.name, a.name)].id for a in group if a.category == "Deploy"]
                           for _, group in stage.groups]
                deploys = [n for n in nodes if n.kind == "deploy"]
                waves.append({"name": label, "stage": stage.name, "batches": [b for b in batches if b],
                              "bake_node": f"wave:{label}:bake", "bake": 0,
                              "rollback": [self._rollback_id(n) for n in deploys],
                              "targets": [n.target for n in deploys]})
        return {"pipeline": self.pipeline.name, "target": "codepipeline", "stages": stages, "waves": waves}

    def view_start(self) -> str:
        """The virtual start instant, ISO 8601."""
        return _iso(self.start)

    # ------------------------------------------------------------------ events

    def record(self, event: dict[str, Any]) -> None:
        """Stamp an event (sequence, wall time, virtual time ``at``), fold it into the state, show it."""
        with self._lock:
            self._seq += 1
            full = {"seq": self._seq, "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                    "at": _iso(self.now), **event}
            self.state.apply(full)
            replayed = self._seq <= len(self.replay.events)
            if replayed and not same(full, self.replay.events[self._seq - 1]):
                was = self.replay.events[self._seq - 1]
                raise Diverged(f"event {self._seq} of the journal is {was.get('event')} {was.get('node') or ''} "
                               f"at {was.get('at')}; the replay gives {full.get('event')} {full.get('node') or ''} "
                               f"at {full.get('at')}")
        if replayed:
            return  # shown by the attempt that journaled it
        if self.writer is not None:
            self.writer.event(full)
        self.emit(full)
        if full["seq"] == self.scenario.kill_at_event:  # the scenario's crash: nothing is cleaned up, as on SIGKILL
            os.kill(os.getpid(), signal.SIGKILL)

    @property
    def replaying(self) -> bool:
        """Whether the run is still re-tracing events an earlier attempt journaled (``--resume``)."""
        return self._seq < len(self.replay.events)

    def note(self, key: str, text: str) -> None:
        """A remark, once per run."""
        if key not in self._notes:
            self._notes.add(key)
            self.record({"event": "note", "text": text})

    def choice(self, rule: str, key: str, text: str) -> None:
        """An UNDOCUMENTED / CONTRADICTORY point of the documentation this run depended on, once per ``key``."""
        if key not in self._choice_keys:
            self._choice_keys.add(key)
            entry = {"rule": rule, "text": text}
            self.choices.append(entry)
            self.record({"event": "choice", **entry})

    def advance(self, to: datetime) -> None:
        """Let virtual time reach ``to``: sleep until its real moment, counted from the anchor at ``--speed``."""
        if to <= self.now:
            return
        if self.replaying:  # this wait was waited by the attempt that journaled it: pace from here on
            self._anchor = (to, time.monotonic())
        elif not self._pace(to):  # sleep only what real time has not yet passed (computing, readings)
            raise Interrupted
        self.now = to

    def _pace(self, at: datetime, anchor: tuple[datetime, float] | None = None) -> bool:
        """Wait for the real moment of virtual instant ``at``, counted from ``anchor`` (a virtual instant and its
        real moment; by default the run's, or with ``--aws`` the latest group's or condition's); ``False`` when
        interrupted."""
        virtual, real = anchor or self._anchor
        left = real + (at - virtual).total_seconds() / self.options.speed - time.monotonic()
        return left <= 0 or self.clock.sleep(left * self.options.speed)

    def _keep_pace_from_here(self) -> None:
        """``--aws``: what follows keeps pace with real time from this instant."""
        if self.alarms.live:
            self._anchor = (self.now, time.monotonic())

    # ------------------------------------------------------------------ the run

    def run(self) -> int:
        """Execute the pipeline once (and the rollback executions it triggers); the exit code."""
        self.record({"event": "run_started", "run": self.run_id, "pipeline": self.pipeline.name,
                     "execution": self.execution, "target": "codepipeline",
                     "options": {"speed": self.options.speed, "now": _iso(self.start),
                                 "no_wait": self.options.no_wait, "scenario": self.scenario.source,
                                 "stand_ins": self.standins.source}})
        if self.pipeline.execution_mode == "QUEUED":
            self.choice("9", "queued", "QUEUED mode: one execution is emulated, so queuing (UNDOCUMENTED: per stage "
                        "or pipeline-wide) does not arise")
        logs = self._function_logs()
        if self.alarms.live:
            self.note("aws", "alarm states come from CloudWatch (--aws), read when the pipeline reads them; the run "
                      "keeps pace with real time divided by --speed, and Commands see the real `aws` command")
        try:
            self._begin(self.execution, "STANDARD", "StartPipelineExecution")
            status = "Succeeded"
            for stage in self.pipeline.stages:
                outcome = self._stage(stage)
                if outcome == "failed":
                    status = "Failed"
                    break
            self._end(self.execution, status)
        except (Interrupted, KeyboardInterrupt):
            self.clock.stop()
            self.processes.stop_all()
            self.record({"event": "run_interrupted", "running": []})
            raise KeyboardInterrupt from None
        finally:
            if logs is not None:
                logging.getLogger().removeHandler(logs)
                logs.close()
            if self.sfn is not None:
                self.sfn.close()
        return self._conclude()

    def _function_logs(self) -> logging.Handler | None:
        """Where the functions run here log (``logs/functions.log`` of the run), not the run's stderr: a handler
        on the root logger, which also makes their ``logging.basicConfig`` do nothing."""
        if not self.functions and self.compensator is None:
            return None
        self.logs.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(self.logs / "functions.log", encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logging.getLogger().addHandler(handler)
        return handler

    def _begin(self, execution: str, kind: str, trigger: str, **extra: Any) -> None:
        self.current = execution
        self.executions.append({"execution": execution, "type": kind, "trigger": trigger, "started": _iso(self.now),
                                "status": "InProgress", **extra})
        self.record({"event": "execution_started", "execution": execution, "type": kind, "trigger": trigger,
                     **extra})

    def _end(self, execution: str, status: str) -> None:
        for entry in self.executions:
            if entry["execution"] == execution:
                entry.update(status=status, finished=_iso(self.now))
        self.record({"event": "execution_finished", "execution": execution, "status": status})
        self.current = self.execution

    def _stage_done(self, stage: Stage, status: str, began: datetime) -> str:
        if self.latest.get(stage.name, {}).get("pipelineExecutionId") == self.current:
            self.latest[stage.name]["status"] = status
        self.timeline.append({"stage": stage.name, "execution": self.current, "status": status,
                              "started": _iso(began), "finished": _iso(self.now)})
        self.record({"event": "stage_finished", "stage": stage.name, "execution": self.current, "status": status,
                     "wave": self.labels.get(stage.name)})
        if status == "Failed" and self.current == self.execution:
            self._stage_event(stage, "FAILED")
        return status.lower()

    def _stage(self, stage: Stage) -> str:
        """Run one stage of the main execution: entry, actions, onSuccess, and onFailure's result."""
        began = self.now
        label = self.labels.get(stage.name)
        self.record({"event": "stage_started", "stage": stage.name, "execution": self.current, "wave": label})
        self.latest[stage.name] = {"pipelineExecutionId": self.current, "status": "InProgress",
                                         "type": "STANDARD"}
        if stage.before_entry is not None:  # rule 29: before any action, approvals included
            node = f"wave:{label}:entry" if label else f"stage:{stage.name}:entry"
            self.record({"event": "node_started", "node": node, "kind": "entry", "stage": stage.name, "wave": label})
            ok, detail = self._condition(stage, "beforeEntry", stage.before_entry)
            if not ok and stage.before_entry.result == "SKIP":
                self.choice("30", "skip", "a Skipped stage lets the execution continue (UNDOCUMENTED; assumed)")
                self.record({"event": "node_finished", "node": node, "kind": "entry", "wave": label,
                             "status": "skipped", "reason": detail})
                return self._stage_done(stage, "Skipped", began)
            self.record({"event": "node_finished", "node": node, "kind": "entry", "wave": label,
                         "status": "ok" if ok else "failed", **({} if ok else {"reason": detail})})
            if not ok:
                if stage.on_failure is not None:
                    self.choice("29", "entry-fail", "an entry condition's FAIL fails the stage before any action ran; "
                                "the emulator does not apply onFailure then (UNDOCUMENTED)")
                return self._stage_done(stage, "Failed", began)
        retrying = stage.on_failure is not None and stage.on_failure.result == "RETRY"
        failed = self._groups(stage, defer=retrying)
        if failed and retrying:  # rule 21: one automatic retry attempt
            assert stage.on_failure is not None
            only = None if stage.on_failure.retry_mode == "ALL_ACTIONS" else {n.action.name for n, _ in failed}
            failed = self._groups(stage, only=only)
        if failed:
            return self._on_failure(stage, failed, began)
        return self._on_success(stage, began)

    def _on_success(self, stage: Stage, began: datetime) -> str:
        label = self.labels.get(stage.name)
        self.bakes.setdefault(stage.name, self.now)  # "bake minute 0" of the scenario, unless a bake action ran
        if stage.name in self._baked:  # the stage's bake actions were its bake: onSuccess is only a condition
            label = None
        node = f"wave:{label}:bake" if label else f"stage:{stage.name}:on_success"
        kind = "bake" if label else "on_success"
        if label or stage.on_success is not None:
            self.record({"event": "node_started", "node": node, "kind": kind, "stage": stage.name, "wave": label})
        if label:
            self.record({"event": "bake_started", "wave": label, "bake": 0, "elapsed": 0,
                         "speed": self.options.speed})
        ok, detail = True, "no onSuccess condition"
        if stage.on_success is not None:  # rule 31: after every action succeeded
            ok, detail = self._condition(stage, "onSuccess", stage.on_success)
        waited = (self.now - self.bakes[stage.name]).total_seconds()
        if label or stage.on_success is not None:
            self.record({"event": "node_finished", "node": node, "kind": kind, "wave": label,
                         "status": "ok" if ok else "failed", "virtual_seconds": waited,
                         **({} if ok else {"reason": detail})})
        if ok:
            self.history[stage.name] = self.execution
            return self._stage_done(stage, "Succeeded", began)
        assert stage.on_success is not None
        rollback = stage.on_success.result == "ROLLBACK"
        label = self.labels.get(stage.name)
        self.record({"event": "breach", "wave": label or stage.name, "stage": stage.name,
                     "gate": stage.on_success.rules[0].name if len(stage.on_success.rules) == 1 else None,
                     "reason": f"stage {stage.name} onSuccess: {detail}",
                     "on_breach": "rollback" if rollback else "halt"})
        if rollback:
            self.choice("48", "onsuccess-rollback", "an onSuccess ROLLBACK also ends the current execution Failed "
                        "(UNDOCUMENTED)")
            self._rollback(stage, f"onSuccess condition failed: {detail}")
        return self._stage_done(stage, "Failed", began)

    def _on_failure(self, stage: Stage, failed: list[tuple[Node, Result]], began: datetime) -> str:
        node, result = failed[0]
        label = self.labels.get(stage.name)
        reason = f"{node.id}: {result.reason}"
        rule = stage.on_failure
        deploy = any(n.kind == "deploy" for n, _ in failed)
        baked = result.breach
        if rule is None or rule.result == "RETRY":
            if baked is not None:
                self.record({"event": "breach", "wave": label or stage.name, "stage": stage.name, **baked,
                             "on_breach": "halt"})
            elif deploy:
                self.record({"event": "breach", "wave": label or stage.name, "stage": stage.name, "gate": None,
                             "reason": f"deploy failed: {reason}", "on_breach": "halt"})
            return self._stage_done(stage, "Failed", began)
        if rule.condition is not None:  # rule 27: roll back when the rules' criteria are met
            self.choice("27", "onfailure-conditions", "onFailure with conditions: rolls back when every rule's "
                        "criteria are met (an alarm in ALARM) — CONTRADICTORY in the documentation")
            met, detail = self._condition(stage, "onFailure", rule.condition, criteria=True)
            if not met:
                self.note(f"onfailure:{stage.name}", f"stage {stage.name}: onFailure criteria not met ({detail}); "
                          "no rollback")
                if deploy:
                    self.record({"event": "breach", "wave": label or stage.name, "stage": stage.name, "gate": None,
                                 "reason": f"deploy failed: {reason}", "on_breach": "halt"})
                return self._stage_done(stage, "Failed", began)
        self.record({"event": "breach", "wave": label or stage.name, "stage": stage.name,
                     **(baked or {"gate": None, "reason": f"{'deploy' if deploy else 'action'} failed: {reason}"}),
                     "on_breach": "rollback"})
        self._rollback(stage, f"stage {stage.name} failed: {reason}")
        return self._stage_done(stage, "Failed", began)

    def _rollback(self, stage: Stage, reason: str, target: str | None = None) -> str | None:
        """Section 3: a new execution re-runs the stage with the last successful execution's artefacts (an
        automatic rollback), or with ``target``'s (a manual one, ``RollbackStage``); its id."""
        manual = target is not None
        target = target or self.history.get(stage.name)
        if target is None:
            self.record({"event": "rollback_plan", "nodes": [], "stage": stage.name,
                         "reason": f"{reason}; stage {stage.name} has no earlier successful execution to roll back "
                                   "to (rule 45): nothing is rolled back"})
            return None
        nodes = [self.nodes[(stage.name, a.name)] for _, group in stage.groups for a in group]
        self.record({"event": "rollback_plan", "nodes": [self._rollback_id(n) for n in nodes], "stage": stage.name,
                     "target_execution": target, "reason": reason})
        self.choice("48", "rollback-scope", "a rollback execution re-runs only the failed stage (its actions, "
                    "not its conditions) and ends; earlier stages are left as they are (UNDOCUMENTED)")
        rollback = str(uuid.uuid4())
        if manual:
            self._begin(rollback, "ROLLBACK", "ManualRollback", stage=stage.name, target_execution=target)
        else:
            self._begin(rollback, "ROLLBACK", "AutomatedRollback",
                        trigger_detail={"FailedPipelineExecutionId": self.execution}, stage=stage.name,
                        target_execution=target)
        began = self.now
        self.latest[stage.name] = {"pipelineExecutionId": rollback, "status": "InProgress", "type": "ROLLBACK"}
        failed = self._groups(stage, rollback=True)
        self.latest[stage.name]["status"] = "Failed" if failed else "Succeeded"
        self.timeline.append({"stage": stage.name, "execution": rollback, "status": "Failed" if failed else
                              "Succeeded", "started": _iso(began), "finished": _iso(self.now)})
        self._end(rollback, "Failed" if failed else "Succeeded")
        return rollback

    # ------------------------------------------------------------------ the compensator (compensation.py)

    def _stage_event(self, stage: Stage, state: str) -> None:
        """Rules 59–61: a stage event of the main execution; the compensator's rules take it if they match."""
        if self.compensator is None:
            return
        event = {"version": "0", "source": "aws.codepipeline",
                 "detail-type": "CodePipeline Stage Execution State Change", "region": self.region or "",
                 "account": self.pipeline.account() or "", "time": _iso(self.now),
                 "detail": {"pipeline": self.pipeline.name, "version": 1, "execution-id": self.execution,
                            "stage": stage.name, "state": state, "pipeline-execution-attempt": 1}}
        if not any(matches(p, event) for p in self.compensator.patterns):
            return
        self.choice("62", "events-once", "a stage event reaches the compensator once, after the stage's own "
                    "rollback ended (delivery is CONTRADICTORY: at-least-once or best effort; the scheduled sweep "
                    "is not run)")
        self.record({"event": "compensation", "stage": stage.name, "state": state, "execution": self.execution})
        self._compensator_call(event)
        assert self.sfn_api is not None
        while self.sfn_api.pending:
            self._compensation(self.sfn_api.pending.pop(0))

    def _compensator_call(self, event: Any) -> Any:
        """One invocation of the compensator's function, its environment in place."""
        assert self.compensator is not None and self._compensator is not None
        saved = {k: os.environ.get(k) for k in self.compensator.environment}
        os.environ.update(self.compensator.environment)
        try:
            return self._compensator(event, None, clients=self.clients)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def _compensation(self, run: Started) -> None:
        """Run one execution of the compensator's state machine on the virtual clock."""
        assert self.compensator is not None
        self.record({"event": "compensation_started", "name": run.name, "input": json.loads(run.input)})
        outcomes: list[Any] = []

        def task(document: Any) -> Any:
            answer = self._compensator_call(document)
            outcomes[:] = (answer or {}).get("outcomes") or ([answer.get("outcome")] if answer else [])
            return answer

        end = run_machine(self.compensator.definition, json.loads(run.input), task,
                          lambda seconds: self.advance(self.now + timedelta(seconds=seconds)))
        self.record({"event": "compensation_finished", "name": run.name, "status": end.status,
                     "error": end.error, "outcomes": outcomes})
        if end.status != "SUCCEEDED":
            self.record({"event": "note", "text": f"compensation {run.name} ended {end.status}: {end.error}"})

    # Backend (service.py): what the emulated pipeline answers a function's calls with.

    def stage_states(self) -> list[dict[str, Any]]:
        """``GetPipelineState``'s ``stageStates``: each stage, with its latest execution once it ran."""
        return [{"stageName": s.name, **({"latestExecution": dict(self.latest[s.name])}
                                         if s.name in self.latest else {})} for s in self.pipeline.stages]

    def execution_summaries(self) -> list[dict[str, Any]]:
        """Every execution, newest first; the scenario's earlier success (``previous``) the oldest."""
        found = []
        for entry in reversed(self.executions):
            summary = {"pipelineExecutionId": entry["execution"], "status": entry["status"],
                       "startTime": datetime.fromisoformat(entry["started"].replace("Z", "+00:00")),
                       "executionType": entry["type"],
                       "trigger": {"triggerType": entry["trigger"],
                                   "triggerDetail": json.dumps(entry.get("trigger_detail") or {})},
                       "artifactRevisions": [{"revisionId": self.commit}]}
            if entry["type"] == "ROLLBACK":
                summary["rollbackMetadata"] = {"rollbackTargetPipelineExecutionId": entry.get("target_execution")}
            found.append(summary)
        if self.scenario.previous_execution:
            found.append({"pipelineExecutionId": "previous", "status": "Succeeded", "executionType": "STANDARD",
                          "startTime": self.start - timedelta(days=1), "artifactRevisions": [{"revisionId": ""}],
                          "trigger": {"triggerType": "StartPipelineExecution", "triggerDetail": "{}"}})
        found.sort(key=lambda s: s["startTime"], reverse=True)  # stable: the same instant keeps newest first
        return found

    def succeeded_in(self, stage: str) -> set[str]:
        """The executions that succeeded in ``stage``."""
        ok = {t["execution"] for t in self.timeline if t["stage"] == stage and t["status"] == "Succeeded"}
        return ok | ({"previous"} if self.scenario.previous_execution else set())

    def action_executions(self, execution: str) -> list[dict[str, Any]]:
        """The actions an execution ran (stage, action, status), for ``ListActionExecutions``."""
        return [dict(a) for a in self.action_runs if a["pipelineExecutionId"] == execution]

    def rollback_stage(self, stage: str, target: str) -> str:
        """``RollbackStage``: a manual rollback of ``stage`` to ``target``, run to its end."""
        found = next(s for s in self.pipeline.stages if s.name == stage)
        rollback = self._rollback(found, f"the compensator rolls stage {stage} back to execution {target}", target)
        assert rollback is not None
        return rollback

    def project_commands(self, project: str) -> list[str] | None:
        """The build commands of a CodeBuild project of the template."""
        assert self.compensator is not None
        found = self.projects.get(project)
        return list(found.commands) if found is not None else None

    def run_build(self, project: str, commands: list[str], variables: dict[str, str]) -> str:
        """A teardown build: its commands run here, to the end; shown as the stage's sandbox ``destroy``."""
        assert self.compensator is not None
        env = {**self.projects[project].variables, **variables}
        stage = next((s for s in self.pipeline.stages if s.name == env.get("WAVE_STAGE")), self.pipeline.stages[0])
        node_id = f"stage:{stage.name}:destroy"
        self.record({"event": "node_started", "node": node_id, "kind": "env_destroy", "stage": stage.name,
                     "wave": None, "target": None, "execution": env.get("WAVE_EXECUTION")})
        result = self._commands(stage, None, None, tuple(commands), self.now, env, False, node_id=node_id)
        self.advance(result.at)
        self.record({"event": "node_finished", "node": node_id, "kind": "env_destroy", "stage": stage.name,
                     "wave": None, "target": None, "status": "ok" if result.ok else "failed", "exit": result.exit,
                     **({"reason": result.reason} if result.reason else {})})
        return "SUCCEEDED" if result.ok else "FAILED"

    # ------------------------------------------------------------------ actions

    def _groups(self, stage: Stage, *, rollback: bool = False, defer: bool = False,
                only: set[str] | None = None) -> list[tuple[Node, Result]]:
        """Run the ``runOrder`` groups in order; a group starts when the one before all succeeded (rule 15)."""
        reached = only is None
        for _, group in stage.groups:
            actions = group
            if not reached:
                actions = [a for a in group if a.name in (only or set())]
                if not actions:
                    continue
                reached = True
            failed = self._group(stage, actions, rollback, defer)
            if failed:
                return failed
        return []

    def _group(self, stage: Stage, actions: list[Action], rollback: bool, defer: bool) -> list[tuple[Node, Result]]:
        t0 = self.now
        self._keep_pace_from_here()
        nodes = [self.nodes[(stage.name, a.name)] for a in actions]
        label = self.labels.get(stage.name)
        # A wave's group after its last deploys holding Step Functions actions (rules 63–65) or Commands actions
        # (check and prometheus loops, which wait the bake themselves) is its bake. Bake minute 0 of the scenario
        # is when that group starts. Readings with deploys still to come are read before them (blockers): no bake.
        later = any(a.category == "Deploy" for order, group in stage.groups if order > actions[0].run_order
                    for a in group)
        bake = (label is not None and not later and not any(a.category == "Deploy" for a in actions)
                and any(a.kind in ("statemachine", "commands") for a in actions))
        if bake:
            self.bakes.setdefault(stage.name, t0)
        shown = bake and not rollback
        if shown:
            self._baked.add(stage.name)
            self.record({"event": "node_started", "node": f"wave:{label}:bake", "kind": "bake", "stage": stage.name,
                         "wave": label})
            self.record({"event": "bake_started", "wave": label, "bake": self._bake_seconds(actions),
                         "elapsed": 0, "speed": self.options.speed})
        for node in nodes:
            node_id, kind = (self._rollback_id(node), "rollback") if rollback else (node.id, node.kind)
            self.record({"event": "node_started", "node": node_id, "kind": kind, "stage": stage.name,
                         "wave": node.wave, "target": (node.target or {}).get("id"),
                         "execution": self.current})
        results: list[Result | None] = [None] * len(nodes)
        interrupted = threading.Event()

        def work(i: int) -> None:
            try:
                results[i] = self._action(stage, nodes[i], rollback, t0)
            except Interrupted:
                interrupted.set()
            except Diverged as exc:
                self._diverged = exc
                interrupted.set()
            except Refusal as exc:  # e.g. an input the machine cannot take: the action fails, saying why
                results[i] = Result(False, t0, str(exc))
            except Exception as exc:  # an OS error must not hang the run: it fails the action
                results[i] = Result(False, t0, f"internal error: {exc!r}")

        threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(len(nodes))]
        for t in threads:
            t.start()
        for t in threads:
            while t.is_alive():
                t.join(0.05)
        if self._diverged is not None:
            raise self._diverged
        if interrupted.is_set():
            raise Interrupted
        done = [(n, r) for n, r in zip(nodes, results, strict=True) if r is not None]
        marked = {id(r) for n, r in done if shown and n.action.kind == "commands" and self._check_marks(n, r, t0)}
        # What happened meanwhile (a bake's readings) and the actions' ends, in virtual-time order.
        timeline: list[tuple[datetime, int, int, Node, Result, dict[str, Any] | None]] = []
        for node, result in done:
            index = nodes.index(node)
            timeline.extend((at, 0, index, node, result, event) for at, event in (result.events if shown else []))
            timeline.append((result.at, 1, index, node, result, None))
        timeline.sort(key=lambda item: item[:3])
        # Rule 16: siblings of a failed action are not cancelled; they finish, in virtual-time order.
        failed = []
        progress = t0
        for at, _, _, node, result, event in timeline:
            self.advance(at)
            if shown and at > progress:
                progress = at
                self.record({"event": "bake_progress", "wave": label, "elapsed": (at - t0).total_seconds(),
                             "bake": self._bake_seconds(actions)})
            if event is not None:
                self.record(event)
                continue
            node_id, kind = (self._rollback_id(node), "rollback") if rollback else (node.id, node.kind)
            if shown and node.action.kind == "commands" and id(result) not in marked:  # a check beside the bake
                detail = "check passed" if result.ok else f"check failed: {result.reason}"
                self.record({"event": "gate", "wave": label, "stage": stage.name, "block": "bake",
                             "gate": node.action.name, "rule": "Commands", "ok": result.ok, "detail": detail})
                if not result.ok:
                    result.breach = {"gate": node.action.name, "reason": f"gate {node.action.name}: {detail}"}
            if not result.ok and defer:
                self.record({"event": "node_retry", "node": node_id, "attempt": 2, "reason": result.reason,
                             "stage": stage.name})
            else:
                self.action_runs.append({"pipelineExecutionId": self.current, "stageName": stage.name,
                                         "actionName": node.action.name, "input": {},
                                         "status": "Succeeded" if result.ok else "Failed"})
                self.record({"event": "node_finished", "node": node_id, "kind": kind, "stage": stage.name,
                             "wave": node.wave, "target": (node.target or {}).get("id"),
                             "status": result.status or ("ok" if result.ok else "failed"), "exit": result.exit,
                             "execution": self.current, **({"reason": result.reason} if result.reason else {})})
            if not result.ok:
                failed.append((node, result))
        if shown:
            first = failed[0][1] if failed else None
            self.record({"event": "node_finished", "node": f"wave:{label}:bake", "kind": "bake", "wave": label,
                         "status": "failed" if first else "ok", "virtual_seconds": (self.now - t0).total_seconds(),
                         **({"reason": (first.breach or {}).get("reason") or first.reason} if first else {})})
        if failed and len(nodes) > 1:
            self.choice("16", "siblings", "the siblings of a failed action are not cancelled; the stage fails once "
                        "they have finished (UNDOCUMENTED)")
        return failed

    def _check_marks(self, node: Node, result: Result, t0: datetime) -> bool:
        """A `check` loop's evaluations, from the lines it logs (``wavec-check GATE: ok|failed at Ns``, which
        wavec's compiled loop prints and CodeBuild's log shows): one gate event each, at its instant."""
        try:
            text = self._log_path(node.id).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
        marks = [m for m in (_CHECK_MARK.fullmatch(line.strip()) for line in text.splitlines()) if m]
        label = self.labels.get(node.stage)
        for m in marks:
            ok = m["verdict"] == "ok"
            detail = f"check {'passed' if ok else 'failed'} at {m['seconds']}s"
            result.events.append((t0 + timedelta(seconds=int(m["seconds"])), {
                "event": "gate", "wave": label, "stage": node.stage, "block": "bake", "gate": m["gate"],
                "rule": "Commands", "action": node.action.name, "ok": ok, "detail": detail}))
            if not ok and result.breach is None:
                result.breach = {"gate": m["gate"], "reason": f"gate {m['gate']}: {detail}"}
        return bool(marks)

    @staticmethod
    def _bake_seconds(actions: list[Action]) -> float:
        """The longest ``bake`` of the group's Step Functions inputs (0 when none says)."""
        longest = 0.0
        for action in actions:
            spec = _json_object(action.configuration.get("Input", "")) if action.kind == "statemachine" else None
            value = (spec or {}).get("bake")
            if isinstance(value, int | float) and not isinstance(value, bool):
                longest = max(longest, float(value))
        return longest

    def _action(self, stage: Stage, node: Node, rollback: bool, t0: datetime) -> Result:
        action = node.action
        if action.kind == "source":
            return self._source(action, t0)
        if action.kind == "approval":
            return self._approval(stage, action, t0)
        if action.kind == "commands":
            if not rollback and any(f.action == action.name and (f.stage is None or f.stage == stage.name)
                                    for f in self.scenario.step_failures):
                return Result(False, t0, "the scenario makes this step fail")
            return self._commands(stage, action, node, action.commands, t0, dict(action.environment), rollback)
        # Opaque actions (deploys, CodeBuild) and stood-in ones: the stand-in says what they do here.
        unreadable = self._unreadable_artifacts(action)
        if unreadable:
            return Result(False, t0, unreadable)
        if not rollback and self._fails_by_scenario(stage, action):
            return Result(False, t0, "the scenario makes this " + ("deploy" if action.category == "Deploy"
                                                                  else "action") + " fail")
        if action.kind == "statemachine" and (stage.name, action.name) in self.machines:
            return self._state_machine(stage, node, t0)
        if action.kind == "lambda" and (stage.name, action.name) in self.functions:
            return self._lambda(stage, action, t0)
        project = self.projects.get(action.configuration.get("ProjectName", "")) \
            if action.provider == "CodeBuild" and self.standins.exact(stage.name, action.name) is None else None
        if project is not None:  # a project of the output (a step on its image): its build commands run here
            env = dict(project.variables)
            for entry in _json_list(action.configuration.get("EnvironmentVariables", "[]")):
                env[str(entry.get("name"))] = str(entry.get("value", ""))
            return self._commands(stage, action, node, project.commands, t0, env, rollback)
        standin = self.standins.action(stage.name, action.name)
        if standin is None:
            self.note("no-standin", "actions without a stand-in succeed at once (no stand-in table entry): "
                      + f"{stage.name}/{action.name} and the like")
            return Result(True, t0, "" if not rollback else "nothing to run (no stand-in)")
        command = standin.rollback if rollback and standin.rollback else standin.run
        if command is None:
            return Result(True, t0, "nothing to run (the stand-in has no command)")
        env = self._standin_env(stage, node, standin, rollback)
        return self._run(command, env, node, t0, action.timeout_minutes * 60.0)

    def _unreadable_artifacts(self, action: Action) -> str:
        """Rule 58: an action in another account reads the pipeline's artifacts only through a customer-managed
        KMS key on its region's store; with the AWS-managed key it fails (why, or ``""``)."""
        account, home = arn_account(action.role_arn), self.pipeline.account()
        if account is None or home is None or account == home or self.pipeline.artifact_key(action.region):
            return ""
        return (f"acts in account {account} with the artifact store's AWS-managed key, which only the pipeline's "
                f"account {home} can use (rule 58: a cross-account action needs a customer-managed KMS key)")

    def _lambda(self, stage: Stage, action: Action, t0: datetime) -> Result:
        """Rule 64: one job of the template's function, answered through the emulated CodePipeline API."""
        configuration: dict[str, str] = {}
        for key, value in action.configuration.items():
            resolved, why = self._resolve(value, safe=False)
            if resolved is None:
                return Result(False, t0, why)
            configuration[key] = resolved
        jobs = Jobs(self.pipeline.name, self.stage_states)
        answer = invoke(self.functions[(stage.name, action.name)], configuration,
                        arn_account(action.role_arn) or self.pipeline.account() or "", jobs)
        if answer.hung:
            return Result(False, t0 + timedelta(seconds=NO_REPLY_S), answer.reason)
        if answer.ok and action.namespace:
            self.variables.update({f"{action.namespace}.{k}": v for k, v in answer.variables.items()})
        return Result(answer.ok, t0, answer.reason)

    def _state_machine(self, stage: Stage, node: Node, t0: datetime) -> Result:
        """Rule 63: a Step Functions execution of the template's machine, in moto, on the virtual clock."""
        action = node.action
        machine = self.machines[(stage.name, action.name)]
        assert self.sfn is not None
        region = action.configuration["StateMachineArn"].split(":")[3]
        payload, why = self._resolve(action.configuration.get("Input", "{}") or "{}", safe=False)
        if payload is None:
            return Result(False, t0, why)
        spec = _json_object(payload) or {}
        gates = [g for g in spec.get("gates") or [] if isinstance(g, dict)] if isinstance(spec.get("gates"),
                                                                                         list) else []
        names = {str(a) for g in gates for a in g.get("alarms") or []} | self.alarms.alarm_names(region)

        began: list[float] = []  # the real moment the execution first read its world (moto has started it)

        def world(seconds: float) -> dict[str, str | None]:
            at = t0 + timedelta(seconds=seconds)
            if self.alarms.live:  # a live alarm is read at its moment, not in advance: pace from the first read
                if not began:
                    began.append(time.monotonic())
                self._pace(at, (t0, began[0]))
            return {n: self.alarms.alarm_state(n, region, at, self.start, self.bakes) for n in sorted(names)}

        outcome = self.sfn.execute(machine, region, payload, len(gates) or 1, world)
        for text in outcome.notes:
            self.note(f"sfn:{stage.name}:{action.name}", f"stage {stage.name}, action {action.name}: {text}")
        self.choice("63", "sfn-status", "a Step Functions action succeeds when its execution SUCCEEDED and fails "
                    "on any other status (FAILED, TIMED_OUT, ABORTED: UNDOCUMENTED)")
        label = self.labels.get(stage.name) or stage.name
        events = []
        breach: dict[str, Any] | None = None
        for read in outcome.reads:
            gate, ok, detail = _judge(read, gates)
            at = t0 + timedelta(seconds=read.at)
            events.append((at, {"event": "gate", "wave": label, "stage": stage.name, "block": "bake", "gate": gate,
                                "rule": "StepFunctions", "action": action.name, "target": region, "ok": ok,
                                "detail": detail}))
            if not ok and breach is None:
                breach = {"gate": gate, "reason": f"gate {gate}: {detail}"}
        seconds = min(outcome.seconds, _MAX_STATE_MACHINE_S)
        end = t0 + timedelta(seconds=seconds)
        if outcome.seconds > _MAX_STATE_MACHINE_S:
            return Result(False, end, "the Step Functions action timed out after 7 days (rule 18)", events=events)
        if outcome.status == "SUCCEEDED":
            return Result(True, end, "", events=events)
        why = f"state machine execution {outcome.status}" + (f": {outcome.error}" if outcome.error else "") \
            + (f" ({outcome.cause})" if outcome.cause else "")
        if breach is None and outcome.error:
            breach = {"gate": None, "reason": why}
        return Result(False, end, why, events=events, breach=breach)

    def _fails_by_scenario(self, stage: Stage, action: Action) -> bool:
        if action.category == "Deploy":
            region = action.region or self.region
            return any((f.region is None or f.region == region) and stage_matches(stage.name, f.wave, f.stage)
                       and (f.action is None or f.action == action.name) for f in self.scenario.deploy_failures)
        return any(f.action == action.name and (f.stage is None or f.stage == stage.name)
                   for f in self.scenario.step_failures)

    def _source(self, action: Action, t0: datetime) -> Result:
        conf = action.configuration
        values = {"CommitId": self.commit}
        if action.provider == "CodeStarSourceConnection":
            values.update(BranchName=conf.get("BranchName", ""), FullRepositoryId=conf.get("FullRepositoryId", ""),
                          ConnectionArn=conf.get("ConnectionArn", ""))
        elif action.provider == "CodeCommit":
            values.update(BranchName=conf.get("BranchName", ""), RepositoryName=conf.get("RepositoryName", ""))
        elif action.provider == "S3":
            values = {"ObjectKey": conf.get("S3ObjectKey", ""), "VersionId": "", "ETag": ""}
        elif action.provider == "ECR":
            values = {"RepositoryName": conf.get("RepositoryName", ""), "ImageTag": conf.get("ImageTag", "latest")}
        if action.namespace:
            self.variables.update({f"{action.namespace}.{k}": v for k, v in values.items()})
        return Result(True, t0, "")

    def _approval(self, stage: Stage, action: Action, t0: datetime) -> Result:
        """Section 4: an answer from the scenario, or a timeout (rules 50–51)."""
        deadline = t0 + timedelta(minutes=action.timeout_minutes)
        entry = next((a for a in self.scenario.approvals if (a.action is None or a.action == action.name)
                      and stage_matches(stage.name, a.wave, a.stage)), None)
        if entry is None:
            self.note(f"approval:{stage.name}:{action.name}", f"stage {stage.name}: approval {action.name} granted at "
                      "once (the scenario gives no answer)")
            return Result(True, t0, "")
        when = entry.at if entry.at is not None else t0 + (entry.after or timedelta(0))
        when = max(when, t0)
        if when > deadline:
            return Result(False, deadline, f"approval timed out after {action.timeout_minutes} minutes (rule 51)")
        if entry.decision == "reject":
            return Result(False, when, f"approval rejected at {_iso(when)} (rule 51)")
        return Result(True, when, f"approved at {_iso(when)}")

    # ------------------------------------------------------------------ commands

    def _base_env(self, stage: Stage, node_id: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(WAVE_PIPELINE=self.pipeline.name, WAVE_STAGE=stage.name, WAVE_EXECUTION=self.execution,
                   WAVE_PIPELINE_EXECUTION=self.current, WAVE_COMMIT=self.commit, WAVE_RUN_ID=self.run_id,
                   WAVE_RUNNER_PID=str(os.getpid()), WAVE_NODE=node_id)
        # Commands see the emulated CloudWatch through the `aws` stand-in, never a real account; with --aws the
        # world is CloudWatch itself, and they see the real `aws` command.
        env["PATH"] = str(self._shim(aws=not self.alarms.live)) + os.pathsep + env.get("PATH", "")
        if not self.alarms.live:
            env["WAVEC_EMULATOR_ALARMS"] = json.dumps(self.scenario.snapshot(self.now, self.start, self.bakes),
                                                      sort_keys=True)
        return env

    def _standin_env(self, stage: Stage, node: Node, standin: StandIn, rollback: bool) -> dict[str, str]:
        env = self._base_env(stage, node.id)
        target = node.target or {}
        region = node.action.region or self.region or ""
        env.update(WAVE_ACTION=node.action.name, WAVE_REGION=target.get("region") or region,
                   WAVE_ACCOUNT=target.get("account") or self.pipeline.account() or "",
                   WAVE_ROLLBACK="1" if rollback else "0")
        if node.wave is not None:
            env["WAVE_WAVE"] = node.wave
        runtime = {"execution": self.execution, "commit": self.commit}
        env.update({k: expand_data(v, runtime) for k, v in standin.env.items()})
        return env

    def _resolve(self, text: str, safe: bool = True) -> tuple[str | None, str]:
        """``text`` with its ``#{ns.name}`` filled, or ``None`` and why (unknown, or — for text that becomes a
        command, ``safe`` — a value that is not safe to paste into one)."""
        values = dict(self.variables)
        values["codepipeline.PipelineExecutionId"] = self.current
        for ns, name in variables_in(text):
            key = f"{ns}.{name}"
            if key not in values:
                return None, f"variable #{{{key}}} cannot be resolved"
            if safe and not _SAFE_VALUE.fullmatch(values[key]):
                return None, f"variable #{{{key}}} has a value that is not safe to paste into a command"
        return substitute(text, values), ""

    def _commands(self, stage: Stage, action: Action | None, node: Node | None, commands: tuple[str, ...],
                  t0: datetime, extra_env: dict[str, str], rollback: bool, node_id: str | None = None) -> Result:
        lines = []
        for command in commands:
            resolved, why = self._resolve(command)
            if resolved is None:
                return Result(False, t0, why)
            lines.append(resolved)
        node_id = node_id or (node.id if node is not None else f"stage:{stage.name}")
        env = self._base_env(stage, node_id)
        if action is not None:
            env["WAVE_ACTION"] = action.name
        for key, value in extra_env.items():
            resolved, why = self._resolve(value)
            if resolved is None:
                return Result(False, t0, why)
            env[key] = resolved
        script = lines[0] if len(lines) == 1 else "set -e\n" + "\n".join(lines)
        timeout = (action.timeout_minutes if action is not None else 55) * 60.0
        return self._run(script, env, node, t0, timeout, node_id)

    def _log_path(self, node_id: str) -> Path:
        """Where a command run for ``node_id`` logs (this run's ``logs/``)."""
        return self.logs / (re.sub(r"[^A-Za-z0-9_.-]+", "_", node_id) + ".log")

    def _run(self, command: str, env: dict[str, str], node: Node | None, t0: datetime, timeout: float,
             node_id: str | None = None) -> Result:
        if self.options.dry:  # a plan: the command's success is assumed, its time unknown (0)
            return Result(True, t0, "")
        name = node_id or (node.id if node else "command")
        with self._lock:
            self._runs[name] = self._runs.get(name, 0) + 1
            key = f"{name}#{self._runs[name]}"
        done = self.replay.results.get(key)
        if done is not None:  # it ran, to its end, before the run stopped: what it did stands
            return Result(bool(done["ok"]), t0 + timedelta(seconds=float(done["seconds"])),
                          str(done.get("reason", "")), done.get("code"))
        result = self._execute(command, env, node, t0, timeout, name)
        if self.writer is not None:
            self.writer.result(key, {"ok": result.ok, "seconds": (result.at - t0).total_seconds(),
                                     "code": result.exit, "reason": result.reason})
        return result

    def _execute(self, command: str, env: dict[str, str], node: Node | None, t0: datetime, timeout: float,
                 name: str) -> Result:
        """Run one command for real (its log in this run's ``logs/``)."""
        log = self._log_path(name)
        # `sleep` is the emulator's: it sleeps `seconds / speed` and counts the seconds as the command's
        # virtual time (a check gate's loop of `sleep INTERVAL && check` takes its bake, not real minutes).
        slept = log.with_suffix(f".{uuid.uuid4().hex[:8]}.slept")
        env = {**env, "WAVEC_EMULATOR_SLEPT": str(slept), "WAVEC_EMULATOR_SPEED": repr(float(self.options.speed))}
        outcome = self.processes.run(command, env, self.options.workdir, log, timeout)
        if outcome.interrupted:
            raise Interrupted
        seconds = _slept(slept)
        if seconds > timeout:  # rule 18, in virtual time
            return Result(False, t0 + timedelta(seconds=timeout), f"timed out after {timeout / 60:g} min (rule 18)")
        return Result(outcome.ok, t0 + timedelta(seconds=seconds), "" if outcome.ok else outcome.reason,
                      outcome.code)

    def _shim(self, aws: bool = True) -> Path:
        """The folder put first on PATH: the emulator's `sleep` (virtual time), and its `aws` unless ``aws`` is
        false (``--aws``: the real one)."""
        folder = self.dir / ("bin" if aws else "bin-live")
        folder.mkdir(parents=True, exist_ok=True)
        shim = folder / "aws"
        if aws and not shim.exists():
            shim.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -m wavec.emulator.aws_shim \"$@\"\n",
                            encoding="utf-8")
            shim.chmod(0o755)
        sleep = folder / "sleep"
        if not sleep.exists():
            sleep.write_text(_SLEEP, encoding="utf-8")
            sleep.chmod(0o755)
        return folder

    # ------------------------------------------------------------------ conditions and rules

    def _condition(self, stage: Stage, block: str, condition: Condition, criteria: bool = False) -> tuple[bool, str]:
        """Rules 26–28: every rule starts at once; the condition resolves when the last has, AND of all."""
        t0 = self.now
        self._keep_pace_from_here()
        results = [(rule, self._rule(stage, block, rule, t0, criteria)) for rule in condition.rules]
        label = self.labels.get(stage.name)
        for rule, result in sorted(results, key=lambda rr: rr[1].at):
            self.advance(result.at)
            self.record({"event": "gate", "wave": label or stage.name, "stage": stage.name, "block": block,
                         "gate": rule.name, "rule": rule.provider, "ok": result.ok, "detail": result.reason})
        ok = all(r.ok for _, r in results)
        failed = [f"rule {rule.name}: {r.reason}" for rule, r in results if not r.ok]
        return ok, "; ".join(failed) if failed else "; ".join(f"rule {rule.name}: {r.reason}" for rule, r in results)

    def _rule(self, stage: Stage, block: str, rule: Rule, t0: datetime, criteria: bool) -> Result:
        if rule.provider == "CloudWatchAlarm":
            return self._alarm_rule(stage, block, rule, t0, criteria)
        if rule.provider == "DeploymentWindow":
            return self._window_rule(stage, rule, t0, criteria)
        if rule.provider == "VariableCheck":
            return self._variable_rule(rule, t0)
        if rule.provider == "Commands":
            result = self._commands(stage, None, None, rule.commands, t0, {}, False,
                                    node_id=f"stage:{stage.name}:rule:{rule.name}")
            return Result(result.ok, t0, "commands succeeded" if result.ok else f"commands failed: {result.reason}")
        standin = self.standins.rule(stage.name, rule.name)  # LambdaInvoke, checked at start
        assert standin is not None and standin.run is not None
        env = self._base_env(stage, f"stage:{stage.name}:rule:{rule.name}")
        env.update(standin.env)
        result = self._run(standin.run, env, None, t0, 55 * 60.0, f"stage:{stage.name}:rule:{rule.name}")
        self.choice("41", "lambda", "LambdaInvoke: a normal return (the stand-in exits 0) is Succeeded, an error is "
                    "Failed (no rule-result API is documented)")
        return Result(result.ok, t0, "stand-in succeeded" if result.ok else f"stand-in failed: {result.reason}")

    def _alarm_rule(self, stage: Stage, block: str, rule: Rule, t0: datetime, criteria: bool) -> Result:
        name = rule.configuration["AlarmName"]
        region = rule.region or self.region
        where = f"`{name}` ({region or 'the pipeline region'})"
        if "," in name:
            self.choice("33", "comma", f"an AlarmName holding commas (`{name}`, …) names ONE alarm: commas are legal "
                        "in alarm names and no list syntax is documented (rule 33)")
        state = self.alarms.alarm_state(name, region, t0, self.start, self.bakes)
        if state is None:
            self.choice("37", f"missing:{name}:{region}", f"alarm {where} does not exist in the emulated CloudWatch; "
                        "the rule treats it as INSUFFICIENT_DATA (UNDOCUMENTED)")
            state = "INSUFFICIENT_DATA"
        if criteria:
            return Result(state == "ALARM", t0, f"alarm {where} is {state}")
        wait = int(rule.configuration.get("WaitTime", "0") or 0)
        if state != "ALARM":
            if state == "INSUFFICIENT_DATA":
                self.choice("37", "insufficient", "INSUFFICIENT_DATA at the first check succeeds at once, like OK "
                            "(rule 37)")
            if wait:
                self.choice("36", "waittime", "WaitTime is a grace period for an alarm already in ALARM, not a bake: "
                            "an OK alarm passes at once (rules 35–37; CONTRADICTORY use case in the docs)")
            return Result(True, t0, f"alarm {where} is {state} at the first check: succeeds at once"
                          + (f" (WaitTime {wait} min not waited)" if wait else ""))
        if not wait:
            self.choice("37", "no-waittime", "an alarm in ALARM with no WaitTime fails the rule at once (UNDOCUMENTED)")
            return Result(False, t0, f"alarm {where} is in ALARM")
        deadline = t0 + timedelta(minutes=wait)
        for change in self.alarms.changes_between(name, region, t0, deadline, self.start, self.bakes):
            if self.alarms.live and not self._pace(change):  # polled at its moment
                raise Interrupted
            now = self.alarms.alarm_state(name, region, change, self.start, self.bakes)
            if now != "ALARM":
                return Result(True, change, f"alarm {where} left ALARM after {_minutes(change - t0)} "
                              f"(within WaitTime {wait} min)")
        return Result(False, deadline, f"alarm {where} still in ALARM after WaitTime {wait} min")

    def _window_rule(self, stage: Stage, rule: Rule, t0: datetime, criteria: bool) -> Result:
        cron = rule.configuration["Cron"]
        tz = zone_name(rule.configuration.get("TimeZone", "UTC"), rule.where)
        window = Window(rule.name, cron=cron, timezone=tz)
        if len(parse_cron(cron).minutes) < 60:
            self.choice("39", f"cron:{cron}", f"Cron `{cron}`: read as open during the minutes it matches; "
                        "whether CodePipeline reads a fixed minute field as whole hours is UNDOCUMENTED (rule 39)")
        if criteria:
            open_now = is_open(window, t0)
            return Result(open_now, t0, f"window {cron} ({tz}) is {'open' if open_now else 'closed'}")
        opens = next_open(window, t0)
        if opens is not None and opens <= t0:
            return Result(True, t0, f"window {cron} ({tz}) is open")
        if opens is None:
            return Result(False, t0, f"window {cron} ({tz}) does not open within 400 days")
        if self.options.no_wait:
            return Result(False, t0, f"window {cron} ({tz}) is closed (opens {_iso(opens)}; --no-wait)")
        if rule.timeout_minutes is not None and opens > t0 + timedelta(minutes=rule.timeout_minutes):
            return Result(False, t0 + timedelta(minutes=rule.timeout_minutes),
                          f"window {cron} ({tz}) still closed after the rule's timeout of {rule.timeout_minutes} min")
        if rule.timeout_minutes is None:
            self.choice("38", "window-wait", "a DeploymentWindow rule without timeoutInMinutes waits for the window "
                        "however long it takes (the longest wait is UNDOCUMENTED)")
        self.record({"event": "window_wait", "wave": self.labels.get(stage.name) or stage.name, "stage": stage.name,
                     "rule": rule.name, "until": _iso(opens)})
        return Result(True, opens, f"window {cron} ({tz}) opened at {_iso(opens)} after {_minutes(opens - t0)}")

    def _variable_rule(self, rule: Rule, t0: datetime) -> Result:
        conf = rule.configuration
        value, why = self._resolve(conf["Variable"])
        if value is None:
            return Result(False, t0, why)
        want, op = conf["Value"], conf["Operator"]
        if op == "MATCHES":
            self.choice("42", "matches", "VariableCheck MATCHES: Java regex read as a Python regex matching the whole "
                        "value")
            try:
                ok = re.fullmatch(want, value) is not None
            except re.error as exc:
                return Result(False, t0, f"bad pattern {want!r}: {exc}")
        else:
            ok = {"EQ": value == want, "NE": value != want, "CONTAINS": want in value}[op]
        return Result(ok, t0, f"{conf['Variable']} = {value!r} {op} {want!r}: {'true' if ok else 'false'}")

    # ------------------------------------------------------------------ the end

    def _conclude(self) -> int:
        st = self.state
        failed = any(e["status"] == "Failed" for e in self.executions if e["type"] == "STANDARD")
        status, code = final_status(st, failed=failed)
        reason = (st.breach or {}).get("reason") or st.failure
        if failed and reason is None:
            reason = next((f"stage {t['stage']} {t['status'].lower()}" for t in self.timeline
                           if t["status"] == "Failed"), "the execution failed")
        if isinstance(self.alarms, CloudWatchAlarms):
            for n, error in enumerate(dict.fromkeys(self.alarms.errors)):
                self.note(f"aws-read:{n}", error)
        self.record({"event": "run_finished", "status": status, "exit": code, "reason": reason,
                     "seconds": round(time.monotonic() - self.started, 3),
                     "virtual_seconds": (self.now - self.start).total_seconds()})
        return code


# The `sleep` of emulated commands: `sleep N[s|m|h|d]…` records N seconds of virtual time and sleeps N / speed.
_SLEEP = r"""#!/bin/sh
total=0
for arg in "$@"; do
  seconds=$(printf '%s' "$arg" | awk '/^[0-9]*\.?[0-9]+[smhd]?$/ {
    n = $0; u = substr(n, length(n)); f = 1
    if (u == "m") f = 60; else if (u == "h") f = 3600; else if (u == "d") f = 86400
    if (u ~ /[smhd]/) n = substr(n, 1, length(n) - 1)
    print n * f; next } { print "x" }')
  if [ "$seconds" = x ]; then echo "sleep: invalid time interval '$arg'" >&2; exit 1; fi
  total=$(awk -v a="$total" -v b="$seconds" 'BEGIN { print a + b }')
done
[ -n "$WAVEC_EMULATOR_SLEPT" ] && echo "$total" >> "$WAVEC_EMULATOR_SLEPT"
real=$(awk -v s="$total" -v k="${WAVEC_EMULATOR_SPEED:-1}" 'BEGIN { printf "%.6f", s / k }')
exec /bin/sleep "$real"
"""


def _slept(path: Path) -> float:
    """The virtual seconds a command slept (and forget the record)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return 0.0
    path.unlink(missing_ok=True)
    return sum(float(line) for line in text.split() if line.replace(".", "", 1).isdigit())


def _loads(text: str) -> Any:
    """A JSON value, or ``None`` when ``text`` is not JSON."""
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return None


def _json_object(text: str) -> dict[str, Any] | None:
    value = _loads(text)
    return value if isinstance(value, dict) else None


_CHECK_MARK = re.compile(r"wavec-check (?P<gate>\S+): (?P<verdict>ok|failed) at (?P<seconds>\d+)s")


def _json_list(text: str) -> list[dict[str, Any]]:
    """The objects of a JSON array (a CodeBuild action's ``EnvironmentVariables``); none when it is not one."""
    value = _loads(text)
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _function_of(stage: Stage, action: Action, functions: list[Function] | None) -> Callable[..., Any]:
    """The handler of the template's function a Lambda action invokes, or a refusal saying why there is none."""
    where = f"stage {stage.name}, action {action.name}"
    name = action.configuration.get("FunctionName", "")
    function = find_function(functions or [], name) if name else None
    if functions is None:
        raise Refusal(f"{where}: invokes Lambda function {name or '(no FunctionName)'}, whose code the emulator "
                      "needs: give the CloudFormation output that creates it (--template TEMPLATE.json), or a "
                      "stand-in")
    if function is None:
        raise Refusal(f"{where}: Lambda function {name or '(no FunctionName)'} is not in the CloudFormation "
                      "template (no AWS::Lambda::Function of that name with inline Python code); give a stand-in "
                      "for it (--stand-ins)")
    return load(function, where)


def _machine_of(stage: Stage, action: Action, machines: list[Machine] | None) -> Machine:
    """The template's state machine a Step Functions action starts, or a refusal saying why there is none."""
    where = f"stage {stage.name}, action {action.name}"
    arn = action.configuration.get("StateMachineArn")
    if not arn:
        raise Refusal(f"{where}: a Step Functions action needs a StateMachineArn")
    if action.configuration.get("InputType", "Literal") != "Literal":
        raise Refusal(f"{where}: InputType {action.configuration['InputType']!r} (an input read from an artifact) "
                      "is not emulated; only Literal inputs are")
    if machines is None:
        raise Refusal(f"{where}: starts state machine {arn}, whose definition the emulator needs: give the "
                      "CloudFormation output that creates it (--template TEMPLATE.json), or a stand-in")
    machine = find_machine(machines, arn)
    if machine is None:
        raise Refusal(f"{where}: state machine {arn} is not in the CloudFormation template "
                      "(no AWS::StepFunctions::StateMachine of that name, region and account with a plain "
                      "definition)")
    if machine.kind != "STANDARD":
        raise Refusal(f"{where}: state machine {machine.name} is {machine.kind}; CodePipeline supports Standard "
                      "machines only (rule 63: Express is not supported)")
    return machine


def _judge(read: Read, gates: list[dict[str, Any]]) -> tuple[str, bool, str]:
    """A reading as a gate evaluation: the gate whose alarms it read, whether it saw a breach, what it saw.

    Whether the bake fails is the execution's status (the machine decides); this only says what each reading
    saw, for the event stream, with the gate's ``insufficient_data`` choice from the input.
    """
    gate = next((g for g in gates if [str(a) for a in g.get("alarms") or []] == read.names), None)
    name = str(gate.get("name")) if gate is not None else "alarms"
    strict = gate is not None and gate.get("insufficient_data") == "breach"
    seen = [f"{n} {read.states.get(n, 'missing')}" for n in read.names]
    bad = [n for n in read.names if read.states.get(n) in (None, "ALARM")
           or (strict and read.states.get(n) == "INSUFFICIENT_DATA")]
    return name, not bad, ", ".join(seen) or "no alarms"


def _conditions(stage: Stage) -> list[Condition]:
    out = [c for c in (stage.before_entry, stage.on_success) if c is not None]
    if stage.on_failure is not None and stage.on_failure.condition is not None:
        out.append(stage.on_failure.condition)
    return out


def _wave_labels(pipeline: Pipeline) -> dict[str, str]:
    """Stages with deploy actions are the rollout's waves; ``wave-X`` is shown as ``X`` when that is unambiguous."""
    stages = [s.name for s in pipeline.stages if s.deploys]
    stripped = [s[5:] if s.startswith("wave-") and len(s) > 5 else s for s in stages]
    if len(set(stripped)) == len(stripped) and not set(stripped) & (set(s.name for s in pipeline.stages) - set(stages)):
        return dict(zip(stages, stripped, strict=True))
    return {s: s for s in stages}


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _minutes(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    return f"{seconds // 60} min" + (f" {seconds % 60} s" if seconds % 60 else "")
