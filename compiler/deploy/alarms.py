"""The alarms the gates reference must exist, but for those a gate's ``create`` makes, which the bundle's stacks
create (``targets/codepipeline/alarms.py``): the bake treats a missing alarm as a breach (docs/codepipeline.md,
"The bake"), so a deploy checks them first and names each missing one with its region and account.

Where each alarm is read comes from the request: a bake or blocker reading (a Step Functions action) reads its
``Input`` gates' alarms in the action's region, in the account of its role (the pipeline's without one); an
entry condition's ``CloudWatchAlarm`` rule reads its ``AlarmName`` in the rule's region, in the pipeline's
account (rule 43).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..targets.codepipeline.bake import readings
from .aws import Aws, AwsError, call

BATCH = 100  # DescribeAlarms takes at most 100 names


def referenced(request: dict[str, Any], home_region: str) -> dict[tuple[str, str], set[str]]:
    """(account, region) → the alarm names read there."""
    pipeline = request["pipeline"]
    home = pipeline["roleArn"].split(":")[4]
    found: dict[tuple[str, str], set[str]] = {}
    for stage in pipeline["stages"]:
        for action, body in readings(stage):
            account = action["roleArn"].split(":")[4] if "roleArn" in action else home
            where = (account, action.get("region", home_region))
            for gate in body.get("gates", []):
                found.setdefault(where, set()).update(gate.get("alarms", []))
        for condition in stage.get("beforeEntry", {}).get("conditions", []):
            for rule in condition.get("rules", []):
                if rule["ruleTypeId"]["provider"] == "CloudWatchAlarm":
                    where = (home, rule.get("region", home_region))
                    found.setdefault(where, set()).add(rule["configuration"]["AlarmName"])
    return {k: v for k, v in found.items() if v}


def missing(aws: Aws, wanted: dict[tuple[str, str], set[str]]) -> list[dict[str, str]]:
    """Every referenced alarm that does not exist, as ``{alarm, region, account}``, sorted."""
    absent = []
    for (account, region), names in sorted(wanted.items()):
        cloudwatch = aws.client("cloudwatch", account, region)
        ordered = sorted(names)
        present: set[str] = set()
        for start in range(0, len(ordered), BATCH):
            chunk = ordered[start:start + BATCH]
            # Composite alarms are listed only when asked for (DescribeAlarms, CloudWatch API Reference).
            answer = call(lambda chunk=chunk, cloudwatch=cloudwatch: cloudwatch.describe_alarms(
                AlarmNames=chunk, AlarmTypes=["CompositeAlarm", "MetricAlarm"]), aws.endpoint_url)
            present |= {a["AlarmName"] for a in answer.get("MetricAlarms", []) + answer.get("CompositeAlarms", [])}
        absent += [{"alarm": n, "region": region, "account": account} for n in ordered if n not in present]
    return absent


def created(stacks: Iterable[Any]) -> set[tuple[str, str, str]]:
    """(account, region, name) of every alarm the bundle's stacks create (a gate's ``create``)."""
    return {(s.account, s.region, str(r["Properties"]["AlarmName"])) for s in stacks
            for r in s.template.get("Resources", {}).values() if r.get("Type") == "AWS::CloudWatch::Alarm"}


def check(aws: Aws, request: dict[str, Any], home_region: str, readable: bool, dry_run: bool,
          unreadable: list[str], made: frozenset[tuple[str, str, str]] | set[tuple[str, str, str]] = frozenset()
          ) -> list[dict[str, str]]:
    """The missing alarms (not counting those the bundle creates, ``made``); what could not be read is added to
    ``unreadable`` (a dry run goes on without it)."""
    wanted = {where: {n for n in names if (*where, n) not in made}
              for where, names in referenced(request, home_region).items()}
    wanted = {k: v for k, v in wanted.items() if v}
    if not wanted:
        return []
    if not readable:
        unreadable.append(f"the {sum(map(len, wanted.values()))} alarms the gates read: no AWS credentials found")
        return []
    try:
        return missing(aws, wanted)
    except AwsError as exc:
        if not dry_run:
            raise
        unreadable.append(f"the alarms the gates read: {exc}")
        return []
