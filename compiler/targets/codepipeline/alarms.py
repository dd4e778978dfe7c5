"""Gate ``create { … }`` → the ``AWS::CloudWatch::Alarm`` resources the deployment bundle creates.

A gate's ``alarms`` are referenced by name (and must exist when it deploys, ``compiler/deploy/alarms.py``) unless
the gate says how to make them: then, for every name a bake action reads (its ``Input`` gates, in the action's
region and account — the bake machine's placement, :mod:`.bake`), the template holds one standard metric alarm
of that name under that placement's condition, so the bundle puts it in the stack of the region and account
that reads it. The names are those the bake reads, so nothing else changes: the machine, the emulator and a
deploy's alarm check see the same alarms. (CloudFormation User Guide, ``AWS::CloudWatch::Alarm``:
``AlarmName``, ``MetricName``, ``Namespace``, ``Statistic``, ``Period`` 10, 30 or a multiple of 60 seconds,
``EvaluationPeriods``, ``Threshold``, ``ComparisonOperator``, ``Dimensions``, ``TreatMissingData``.)
"""

from __future__ import annotations

import hashlib
from typing import Any

from ...lang.values import Template
from ...semantics import ir
from .bake import Placement, placement_of, readings

COMPARISON = {"above": "GreaterThanThreshold", "at_least": "GreaterThanOrEqualToThreshold",
              "below": "LessThanThreshold", "at_most": "LessThanOrEqualToThreshold"}
STATISTIC = {"sum": "Sum", "average": "Average", "minimum": "Minimum", "maximum": "Maximum",
             "sample_count": "SampleCount"}
MISSING_DATA = {"missing": "missing", "not_breaching": "notBreaching", "breaching": "breaching", "ignore": "ignore"}


def created(pipeline: ir.Pipeline, request: dict[str, Any]) -> list[tuple[Placement, str, ir.AlarmSpec]]:
    """Every alarm to create: (where, name, how), each placement and name once, sorted."""
    specs = {g.name: g.create for w in pipeline.waves for g in w.gates if g.create is not None}
    specs.update({g.name: g.create for g in pipeline.gates if g.create is not None})
    found: dict[tuple[Placement, str], ir.AlarmSpec] = {}
    if not specs:
        return []
    for stage in request["pipeline"]["stages"]:
        for action, spec in readings(stage):
            placement = placement_of(action["configuration"].get("StateMachineArn", ""))
            if placement is None:
                continue
            for gate in spec.get("gates", []):
                how = specs.get(gate.get("name"))
                if how is not None:
                    for name in gate.get("alarms", []):
                        found.setdefault((placement, name), how)
    return [(p, n, how) for (p, n), how in sorted(found.items(), key=lambda kv: kv[0])]


def _render(template: Template, placement: Placement, pipeline: str) -> str:
    values = {"region": placement.region, "account": placement.account, "pipeline": pipeline}
    return "".join(p if isinstance(p, str) else p.value if p.value is not None else values.get(p.name, "")
                   for p in template.parts)


def resource(placement: Placement, name: str, how: ir.AlarmSpec, pipeline: str, condition: str) -> dict[str, Any]:
    """The alarm's resource, under ``condition`` (its placement's)."""
    props: dict[str, Any] = {
        "AlarmName": name, "AlarmDescription": f"created by wavec for pipeline {pipeline}",
        "MetricName": how.metric, "Namespace": how.namespace, "Statistic": STATISTIC[how.statistic],
        "Period": how.period.seconds, "EvaluationPeriods": how.evaluation_periods, "Threshold": how.threshold,
        "ComparisonOperator": COMPARISON[how.comparison], "TreatMissingData": MISSING_DATA[how.missing_data]}
    if how.dimensions:
        props["Dimensions"] = [{"Name": k, "Value": _render(v, placement, pipeline)} for k, v in how.dimensions]
    return {"Type": "AWS::CloudWatch::Alarm", "Condition": condition,
            "Metadata": {"wavec": {"part": "alarm",
                                   "placement": {"region": placement.region, "account": placement.account}}},
            "Properties": props}


def logical_id(placement: Placement, name: str) -> str:
    """A stable logical id: alarm names may hold any character, so a digest keeps it alphanumeric."""
    digest = hashlib.sha256(f"{placement.region}/{placement.account}/{name}".encode()).hexdigest()[:12]
    return f"Alarm{digest}"
