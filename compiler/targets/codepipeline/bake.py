"""The bake on CodePipeline: a Standard Step Functions state machine that waits the bake while it reads alarms.

A ``CloudWatchAlarm`` rule is no bake: its ``WaitTime`` is a grace period for an alarm *already* in ALARM, and an
alarm that is OK (or INSUFFICIENT_DATA) when the rule first looks passes at once (docs/codepipeline-semantics.md,
rules 35–37). The bake is built instead from the documented parts of rules 63–65: after a wave's deploys, one
CodePipeline ``StepFunctions`` invoke action per target runs :func:`definition`, which

* for every gate of the target, in parallel (an inline ``Map``), waits the gate's ``interval`` and reads the
  gate's alarms with the ``aws-sdk:cloudwatch:describeAlarms`` integration, until the bake is over — at
  ``interval``, ``2 × interval`` … and once more at the end when the bake is not a multiple of the interval,
  the schedule of ``wavec run``;
* fails (``wavec.Breach``) at the first alarm in ALARM, the first that does not exist, or — for a gate with
  ``insufficient_data = breach`` — the first in INSUFFICIENT_DATA; the action fails, so the stage fails and its
  ``onFailure`` (the wave's ``on_breach``) follows (rule 65);
* with no gate to read, just waits the bake.

The definition is the same for every wave and target; what a wave bakes is the action's ``Input`` (the bake,
every gate's interval, alarm names and INSUFFICIENT_DATA choice), so the CreatePipeline request alone says what
each bake does. AWS SDK integrations call the state machine's own region and account (cross-region calls are not
available in Step Functions), so the machine runs where the alarms are: one per region and account of the
pipeline's bakes (a *placement*), named :func:`machine_name` there, the ARN known in advance
(:func:`machine_arn`). The CloudFormation output creates each with its execution role
(:mod:`.cloudformation`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from ...records import record
from .names import bounded

JSON = dict[str, Any]

# A CodePipeline Step Functions invoke action waits at most 7 days (rule 18, the quotas page).
MAX_BAKE_S = 7 * 24 * 3600
# A Standard execution's history holds at most 25,000 events (Step Functions quotas); past it the execution fails.
MAX_HISTORY_EVENTS = 25_000
# Events one evaluation of one gate writes: Choice, Wait, Pass, Choice (2 each: entered, exited) and the Task
# (entered, scheduled, started, succeeded, exited).
EVENTS_PER_EVALUATION = 13
# Events of the execution and the Map around the evaluations (started, Map entered/started/exited …), per gate.
EVENTS_OVERHEAD = 10
EVENTS_PER_GATE = 6
# DescribeAlarms takes at most 100 names (AlarmNames, 100 items) and returns at most 100 alarms (MaxRecords).
MAX_ALARMS_PER_READ = 100
MAX_NAME = 80  # a state machine's name: 1–80 characters
SDK_DESCRIBE_ALARMS = "arn:aws:states:::aws-sdk:cloudwatch:describeAlarms"
ARN_RE = re.compile(r"arn:aws:states:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):stateMachine:"
                    r"(?P<name>wavec-bake-.+)")
BREACH = "wavec.Breach"


@record(order=True)
class Placement:
    """Where a bake state machine lives: a region and an account (the alarms it reads are there)."""

    region: str
    account: str


def machine_name(pipeline: str) -> str:
    """The bake state machine's name for a pipeline: ``wavec-bake-<pipeline>``, shortened with a hash past 80."""
    return bounded(f"wavec-bake-{pipeline}", MAX_NAME, pipeline)


def machine_arn(placement: Placement, pipeline: str) -> str:
    """The ARN the bake state machine of ``pipeline`` has in ``placement`` (its name is fixed, so this is known)."""
    return f"arn:aws:states:{placement.region}:{placement.account}:stateMachine:{machine_name(pipeline)}"


def placement_of(arn: str) -> Placement | None:
    """The placement of a bake state machine ARN that :func:`machine_arn` wrote, else ``None``."""
    found = ARN_RE.fullmatch(arn)
    return Placement(found["region"], found["account"]) if found else None


def evaluations(bake_s: int, interval_s: int) -> int:
    """How often a gate is read during a bake: every interval up to the bake, plus the end when not a multiple."""
    ticks = bake_s // interval_s
    return ticks + (1 if bake_s % interval_s or ticks == 0 else 0)


def history_events(bake_s: int, intervals: list[int]) -> int:
    """A bound on the events one bake execution writes (it must stay under :data:`MAX_HISTORY_EVENTS`)."""
    return EVENTS_OVERHEAD + sum(EVENTS_PER_GATE + EVENTS_PER_EVALUATION * evaluations(bake_s, i)
                                 for i in intervals)


def bake_input(wave: str, target: str, bake_s: int, gates: list[JSON], rollback: str | None = None) -> str:
    """The execution input of one bake action, as the JSON string its ``Input`` carries (compact, keys sorted).

    ``rollback`` is the rollback guard's ``#{…}`` variable (:mod:`.guard`): CodePipeline fills it in, and a
    ``"true"`` there makes the machine succeed at once.
    """
    spec: JSON = {"wave": wave, "target": target, "bake": bake_s, "gates": gates}
    if rollback is not None:
        spec["rollback"] = rollback
    return json.dumps(spec, sort_keys=True, separators=(",", ":"))


def gate_input(name: str, interval_s: int, alarms: list[str], insufficient_data: str) -> JSON:
    """One gate of a bake's input."""
    return {"name": name, "interval": interval_s, "alarms": alarms, "insufficient_data": insufficient_data}


def _breach(what: str) -> JSON:
    # CausePath names the gate: the pipeline's action details show it.
    return {"Type": "Fail", "Error": BREACH,
            "CausePath": f"States.Format('gate {{}}: {what}', $.gate.name)"}


def _gate_states() -> JSON:
    """The states that watch one gate: wait an interval (or the rest), read its alarms, judge, repeat."""
    either = [{"Variable": "$.alarm", "BooleanEquals": True}, {"Variable": "$.composite_alarm", "BooleanEquals": True}]
    unknown = [{"Variable": "$.unknown", "BooleanEquals": True},
               {"Variable": "$.composite_unknown", "BooleanEquals": True}]
    return {
        # `left` is the bake still to watch; `step` is -interval (ASL has no subtraction, only States.MathAdd).
        "Start": {"Type": "Pass", "Next": "Schedule", "Parameters": {
            "gate.$": "$.gate", "left.$": "$.bake",
            "step.$": "States.StringToJson(States.Format('-{}', $.gate.interval))"}},
        "Schedule": {"Type": "Choice", "Default": "Read alarms", "Choices": [
            {"Variable": "$.left", "NumericGreaterThanEqualsPath": "$.gate.interval", "Next": "Wait interval"},
            {"Variable": "$.left", "NumericGreaterThan": 0, "Next": "Wait rest"}]},
        "Wait interval": {"Type": "Wait", "SecondsPath": "$.gate.interval", "Next": "Read alarms"},
        "Wait rest": {"Type": "Wait", "SecondsPath": "$.left", "Next": "Read alarms"},
        "Read alarms": {
            "Type": "Task", "Resource": SDK_DESCRIBE_ALARMS, "Next": "Judge",
            # Composite alarms are returned only when asked for; a gate may name either kind.
            "Parameters": {"AlarmNames.$": "$.gate.alarms", "AlarmTypes": ["CompositeAlarm", "MetricAlarm"],
                           "MaxRecords": MAX_ALARMS_PER_READ},
            "ResultSelector": {"metric.$": "$.MetricAlarms[*].StateValue",
                               "composite.$": "$.CompositeAlarms[*].StateValue"},
            "ResultPath": "$.seen",
            # A throttled or failed read is retried twice; a read that keeps failing fails the bake (not knowing
            # is not healthy, as in `wavec run`).
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 5, "MaxAttempts": 2, "BackoffRate": 2}]},
        "Judge": {"Type": "Pass", "Next": "Verdict", "Parameters": {
            "gate.$": "$.gate", "step.$": "$.step", "left.$": "States.MathAdd($.left, $.step)",
            "alarm.$": "States.ArrayContains($.seen.metric, 'ALARM')",
            "composite_alarm.$": "States.ArrayContains($.seen.composite, 'ALARM')",
            "unknown.$": "States.ArrayContains($.seen.metric, 'INSUFFICIENT_DATA')",
            "composite_unknown.$": "States.ArrayContains($.seen.composite, 'INSUFFICIENT_DATA')",
            "found.$": "States.MathAdd(States.ArrayLength($.seen.metric), States.ArrayLength($.seen.composite))",
            "expected.$": "States.ArrayLength($.gate.alarms)"}},
        "Verdict": {"Type": "Choice", "Default": "Gate held", "Choices": [
            {"Or": either, "Next": "Alarm in ALARM"},
            {"And": [{"Variable": "$.gate.insufficient_data", "StringEquals": "breach"}, {"Or": unknown}],
             "Next": "Alarm without data"},
            {"Variable": "$.found", "NumericLessThanPath": "$.expected", "Next": "Alarm missing"},
            {"Variable": "$.left", "NumericGreaterThan": 0, "Next": "Schedule"}]},
        "Alarm in ALARM": _breach("an alarm is in ALARM"),
        "Alarm without data": _breach("an alarm is in INSUFFICIENT_DATA (insufficient_data = breach)"),
        "Alarm missing": _breach("an alarm does not exist"),
        "Gate held": {"Type": "Succeed"},
    }


def definition() -> JSON:
    """The bake state machine (Amazon States Language, JSONPath): the same for every wave, target and pipeline."""
    return {
        "Comment": "wavec bake: wait `bake` seconds while every gate's alarms are read every `interval`; "
                   "the first breach fails the execution",
        "StartAt": "In a rollback?",
        "States": {
            # A rollback re-runs the stage's actions (rules 44, 47): the alarm that caused it is still in ALARM,
            # and the rollback is not a change to watch. The rollback guard's answer says so (guard_code.py).
            "In a rollback?": {"Type": "Choice", "Default": "Any gate", "Choices": [
                {"And": [{"Variable": "$.rollback", "IsPresent": True},
                         {"Variable": "$.rollback", "StringEquals": "true"}], "Next": "Not watched in a rollback"}]},
            "Not watched in a rollback": {"Type": "Succeed"},
            "Any gate": {"Type": "Choice", "Default": "Bake without gates", "Choices": [
                {"Variable": "$.gates[0]", "IsPresent": True, "Next": "Watch gates"}]},
            "Bake without gates": {"Type": "Choice", "Default": "Baked", "Choices": [
                {"Variable": "$.bake", "NumericGreaterThan": 0, "Next": "Wait the bake"}]},
            "Wait the bake": {"Type": "Wait", "SecondsPath": "$.bake", "Next": "Baked"},
            # Every gate at once: the Map fails, and the execution with it, at the first breach of any gate.
            "Watch gates": {
                "Type": "Map", "ItemsPath": "$.gates", "MaxConcurrency": 0, "ResultPath": None, "Next": "Baked",
                "ItemSelector": {"gate.$": "$$.Map.Item.Value", "bake.$": "$.bake"},
                "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Start",
                                  "States": _gate_states()}},
            "Baked": {"Type": "Succeed"},
        },
    }


def readings(stage: dict[str, Any]) -> Iterator[tuple[dict[str, Any], JSON]]:
    """Each Step Functions action of a request's ``stage`` (bake and blocker readings) with its ``Input``
    parsed: the one reading of what those actions watch (the gates, their alarms and intervals, the bake)."""
    for action in stage.get("actions", []):
        if action["actionTypeId"]["provider"] != "StepFunctions":
            continue
        try:
            body = json.loads(action.get("configuration", {}).get("Input", "{}"))
        except ValueError:
            continue
        if isinstance(body, dict):
            yield action, body


def definition_string() -> str:
    """:func:`definition` as the deterministic JSON text a state machine is created with."""
    return json.dumps(definition(), sort_keys=True, separators=(",", ":"))
