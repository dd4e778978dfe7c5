"""A compensator beside the pipeline, as the CloudFormation output defines it: event rule → function → state machine.

wavec's output answers what one stage's rollback cannot do (``rollback_all`` of earlier waves, sandbox teardown)
with resources outside the pipeline (``docs/codepipeline.md``, "The compensator"): an EventBridge rule on the
pipeline's "CodePipeline Stage Execution State Change" events (rules 59–61) whose target is a Lambda function,
which starts a Standard state machine that calls the function, waits and calls it again until it is done. The
emulator runs those very resources from the template:

* the rule's ``EventPattern`` is matched against the stage events the emulated execution emits (exact values,
  lists of them and nested objects; any other pattern operator is refused);
* the function is the template's inline Python code (:mod:`.functions`), given clients that answer from the
  emulated pipeline (:class:`PipelineApi`: the CodePipeline and CodeBuild calls it makes) and a Step Functions
  client whose ``StartExecution`` records the execution (a second one of the same name is refused, as Step
  Functions refuses it — the deduplication of rule 62);
* the state machine runs in :func:`run_machine`, an interpreter of exactly the states such a machine uses — a
  ``Task`` on the function, ``Choice`` on booleans, ``Wait`` for seconds read from the state, ``Succeed`` and
  ``Fail`` — on the virtual clock; a machine with any other state or field is refused, never guessed.

Events are delivered once, right after the stage's own ``onFailure`` rollback ended (rule 62 allows losses and
duplicates: the function's deduplication is tested on its own in ``tests/test_compensator.py``); the scheduled
sweep is not run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from ..records import record
from .functions import Function, find_function, functions_from_template
from .model import Refusal
from .projects import Project, projects_from_template

JSON = dict[str, Any]
MAX_STEPS = 10_000  # states one compensation may pass through (a loop that never ends is a failure)
MAX_VIRTUAL_S = 7 * 24 * 3600  # a Standard execution's longest wait here, as the bake's


@record
class Compensator:
    """The compensator of a template: the events it takes, its function and environment, its state machine."""

    patterns: tuple[JSON, ...]
    function: Function
    environment: dict[str, str]
    definition: JSON
    projects: dict[str, Project]  # the template's CodeBuild projects, by name


def _sub(value: Any, names: dict[str, str], pseudo: dict[str, str], where: str) -> str:
    """A string, or a ``Fn::Sub`` / ``Ref`` / ``Fn::GetAtt`` of the template resolved offline."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
        def one(m: re.Match[str]) -> str:
            key = m.group(1)
            if key in pseudo:
                return pseudo[key]
            if key in names:
                return names[key]
            raise Refusal(f"{where}: ${{{key}}} cannot be resolved offline")
        return re.sub(r"\$\{([A-Za-z0-9:.]+)\}", one, value["Fn::Sub"])
    if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in names:
        return names[value["Ref"]]
    raise Refusal(f"{where}: {json.dumps(value)[:200]} cannot be resolved offline")


def compensator_from_template(template: Any, region: str, account: str) -> Compensator | None:
    """The compensator an ``AWS::Events::Rule`` with an ``EventPattern`` targets, or ``None`` when there is none.

    ``Ref`` of a resource resolves to its logical id (the name CloudFormation would generate is unknown offline);
    the pseudo parameters to the pipeline's region and account.
    """
    resources = template.get("Resources") if isinstance(template, dict) else None
    if not isinstance(resources, dict):
        return None
    # Rules on the pipeline's own events (rules 59–61); a source-change rule, which starts the pipeline, is not
    # one (the emulator runs one execution).
    rules = [(rid, r) for rid, r in sorted(resources.items()) if isinstance(r, dict)
             and r.get("Type") == "AWS::Events::Rule"
             and isinstance((r.get("Properties") or {}).get("EventPattern"), dict)
             and r["Properties"]["EventPattern"].get("source") == ["aws.codepipeline"]]
    if not rules:
        return None
    names = {rid: str((r.get("Properties") or {}).get("FunctionName") or (r.get("Properties") or {}).get(
        "StateMachineName") or rid) for rid, r in resources.items() if isinstance(r, dict)}
    pseudo = {"AWS::Region": region, "AWS::AccountId": account, "AWS::Partition": "aws"}
    targets: set[str] = set()
    patterns = []
    for rid, rule in rules:
        for target in rule["Properties"].get("Targets") or []:
            arn = target.get("Arn") if isinstance(target, dict) else None
            if isinstance(arn, dict) and isinstance(arn.get("Fn::GetAtt"), list):
                targets.add(str(arn["Fn::GetAtt"][0]))
            else:
                raise Refusal(f"event rule {rid}: a target other than a function of the template is not emulated")
        patterns.append(rule["Properties"]["EventPattern"])
    if len(targets) != 1:
        raise Refusal(f"event rules target {len(targets)} functions; the emulator runs one compensator")
    (fid,) = targets
    props = (resources.get(fid) or {}).get("Properties") or {}
    # A function without `FunctionName` gets a generated one: the logical id stands for it here.
    named = {fid: {**resources.get(fid, {}), "Properties": {**props, "FunctionName": names[fid]}}} \
        if fid in resources else {}
    function = find_function(functions_from_template({"Resources": named}), names.get(fid, ""))
    if function is None:
        raise Refusal(f"event rules target {fid}, which is no function of the template with inline code")
    variables = ((props.get("Environment") or {}).get("Variables")) or {}
    environment = {k: _sub(v, names, pseudo, f"{fid} environment {k}") for k, v in variables.items()}
    machines = [(mid, m) for mid, m in sorted(resources.items()) if isinstance(m, dict)
                and m.get("Type") == "AWS::StepFunctions::StateMachine"
                and (m.get("Properties") or {}).get("DefinitionSubstitutions", {}).get("FunctionArn") ==
                {"Fn::GetAtt": [fid, "Arn"]}]
    if len(machines) != 1:
        raise Refusal(f"the compensator function {fid} has {len(machines)} state machines calling it; one expected")
    mid, machine = machines[0]
    mprops = machine["Properties"]
    if mprops.get("StateMachineType", "STANDARD") != "STANDARD" or not isinstance(mprops.get("Definition"), dict):
        raise Refusal(f"state machine {mid}: only a STANDARD machine with a plain `Definition` is emulated")
    _check_machine(mprops["Definition"], mid)
    return Compensator(tuple(patterns), function, environment, mprops["Definition"],
                       projects_from_template(template))


def matches(pattern: Any, event: Any) -> bool:
    """EventBridge matching for exact values: a list is "one of", an object matches field by field."""
    if isinstance(pattern, dict):
        return isinstance(event, dict) and all(k in event and matches(v, event[k]) for k, v in pattern.items())
    if isinstance(pattern, list):
        if any(isinstance(p, dict | list) for p in pattern):
            raise Refusal(f"event pattern {json.dumps(pattern)[:200]}: only exact values are emulated")
        values = event if isinstance(event, list) else [event]
        return any(v in pattern for v in values)
    raise Refusal(f"event pattern value {pattern!r}: EventBridge patterns hold lists")


_STATE_FIELDS = {
    "Task": {"Type", "Resource", "Retry", "Next", "End", "Comment"},
    "Choice": {"Type", "Choices", "Default", "Comment"},
    "Wait": {"Type", "SecondsPath", "Seconds", "Next", "Comment"},
    "Succeed": {"Type", "Comment"},
    "Fail": {"Type", "Error", "Cause", "Comment"},
}


def _check_machine(definition: JSON, where: str) -> None:
    """Refuse a machine this interpreter does not run exactly."""
    states = definition.get("States")
    if not isinstance(states, dict) or definition.get("StartAt") not in states:
        raise Refusal(f"state machine {where}: no StartAt state")
    for name, state in states.items():
        kind = state.get("Type") if isinstance(state, dict) else None
        if kind not in _STATE_FIELDS or set(state) - _STATE_FIELDS[kind]:
            raise Refusal(f"state machine {where}, state {name}: only Task, Choice (BooleanEquals), Wait, Succeed "
                          "and Fail states with their basic fields are emulated")
        if kind == "Task" and state["Resource"] != "${FunctionArn}":
            raise Refusal(f"state machine {where}, state {name}: a Task on anything but the compensator function")
        for choice in state.get("Choices", []) if kind == "Choice" else []:
            if set(choice) != {"Variable", "BooleanEquals", "Next"}:
                raise Refusal(f"state machine {where}, state {name}: a Choice rule other than BooleanEquals")


def _path(document: Any, path: str) -> Any:
    """A ``$.a.b`` path of a JSON value (``None`` when absent)."""
    value = document
    for part in path.removeprefix("$").split(".")[1:]:
        value = value.get(part) if isinstance(value, dict) else None
    return value


@record
class MachineEnd:
    """How a compensation's execution ended."""

    status: str  # SUCCEEDED | FAILED
    error: str
    output: Any


def run_machine(definition: JSON, document: Any, task: Callable[[Any], Any],
                wait: Callable[[float], None]) -> MachineEnd:
    """Run the compensator machine from ``StartAt``: ``task`` calls the function, ``wait`` lets virtual time pass.

    A task that raises fails the execution once its ``Retry`` is spent; retries are run without their intervals
    (the function is this process's; a retried error repeats at once).
    """
    states: JSON = definition["States"]
    name: str = definition["StartAt"]
    waited = 0.0
    for _ in range(MAX_STEPS):
        state = states[name]
        kind = state["Type"]
        if kind == "Succeed":
            return MachineEnd("SUCCEEDED", "", document)
        if kind == "Fail":
            return MachineEnd("FAILED", str(state.get("Error", "")), document)
        if kind == "Task":
            attempts = 1 + max((int(r.get("MaxAttempts", 3)) for r in state.get("Retry", [])), default=0)
            error: Exception | None = None
            for _attempt in range(attempts):
                try:
                    document = task(document)
                    error = None
                    break
                except Exception as exc:
                    error = exc
            if error is not None:
                return MachineEnd("FAILED", f"States.TaskFailed: {type(error).__name__}: {error}", document)
        elif kind == "Wait":
            seconds = float(state["Seconds"]) if "Seconds" in state else float(_path(document, state["SecondsPath"]))
            waited += seconds
            if waited > MAX_VIRTUAL_S:
                return MachineEnd("FAILED", "the compensation waited more than 7 days", document)
            wait(seconds)
        elif kind == "Choice":
            chosen = next((c["Next"] for c in state["Choices"]
                           if _path(document, c["Variable"]) is c["BooleanEquals"]), state.get("Default"))
            if chosen is None:
                return MachineEnd("FAILED", "States.NoChoiceMatched", document)
            name = chosen
            continue
        if state.get("End"):
            return MachineEnd("SUCCEEDED", "", document)
        name = state["Next"]
    return MachineEnd("FAILED", f"the compensation passed {MAX_STEPS} states without ending", document)
