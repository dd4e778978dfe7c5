"""Plan a whole bundle against what exists, and apply it stack by stack in manifest order.

The plan reads each stack (``DescribeStacks``) in its account and region; for an existing stack it creates an
UPDATE change set and reads its changes (a dry run deletes it again; a deploy executes it). A stack that does
not exist, or that cannot be read (no credentials, no access), is planned as created with every resource
added, and what could not be read is listed. The live pipeline (``GetPipeline``) against the compiled one gives
the words. Applying stops at the first stack that fails, which CloudFormation has rolled back; a rerun plans
again, so it continues from the first stack that is not up to date.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..targets.codepipeline.bundle import Bundle, Stack
from . import alarms
from . import stacks as cfn
from .aws import Aws, AwsError, botocore_errors, call, error_code
from .plan import Plan
from .stacks import StackPlan
from .words import pipeline_words

Say = Callable[[str], None]


@dataclass
class Progress:
    """Where an apply is, for the message after an interruption."""

    current: str | None = None
    done: int = 0


def _text(stack: Stack) -> str:
    return json.dumps(stack.template, indent=2, sort_keys=True) + "\n"


def _plan_stack(stack: Stack, aws: Aws, readable: bool, dry_run: bool, unreadable: list[str]) -> StackPlan:
    plan = StackPlan(stack.name, stack.account, stack.region, stack.order, "create", cfn.all_added(stack.template))
    where = f"stack {stack.name} in account {stack.account}, {stack.region}"
    if not readable:
        plan.unreadable = "no AWS credentials found"
        unreadable.append(f"{where}: no AWS credentials found")
        return plan
    try:
        cf = aws.client("cloudformation", stack.account, stack.region)
        status = call(lambda: cfn.status_of(cf, stack.name), aws.endpoint_url)
    except AwsError as exc:
        if not dry_run:
            raise
        plan.unreadable = str(exc)
        unreadable.append(f"{where}: {exc}")
        return plan
    plan.status = status
    if status is None:
        return plan
    if status in cfn.LEFT_BY_FAILED_CREATE:
        plan.action = "recreate"
        return plan
    if status not in cfn.UPDATABLE:
        raise AwsError(f"{where} is {status}: CloudFormation cannot update it now",
                       "wait for it to settle, or repair it in the CloudFormation console")
    arn, changes = cfn.create_change_set(cf, stack.name, _text(stack), stack.parameters, stack.capabilities,
                                         "UPDATE")
    plan.changes = changes
    if not changes:
        plan.action = "none"
    elif dry_run:
        cfn.delete_change_set(cf, arn)
        plan.action = "update"
    else:
        plan.action, plan.change_set = "update", arn
    return plan


def live_pipeline(aws: Aws, name: str, account: str, region: str) -> dict[str, Any] | None:
    """The pipeline's live declaration (``GetPipeline``), ``None`` when there is none."""
    ClientError = botocore_errors().ClientError

    client = aws.client("codepipeline", account, region)
    try:
        pipeline: dict[str, Any] = client.get_pipeline(name=name)["pipeline"]
    except ClientError as exc:
        if error_code(exc) == "PipelineNotFoundException":
            return None
        raise
    return pipeline


def make_plan(bundle: Bundle, request: dict[str, Any], aws: Aws, *, dry_run: bool) -> Plan:
    """The plan of deploying ``bundle`` (whose pipeline is ``request``) where ``aws`` points."""
    unreadable: list[str] = []
    readable = aws.has_credentials()
    if not readable and not dry_run:
        raise AwsError("no AWS credentials found",
                       "set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; `--dry-run` plans without")
    stacks = [_plan_stack(s, aws, readable, dry_run, unreadable) for s in bundle.stacks]
    live = None
    if readable:
        try:
            live = call(lambda: live_pipeline(aws, bundle.pipeline, bundle.account, bundle.region), aws.endpoint_url)
        except AwsError as exc:
            if not dry_run:
                raise
            unreadable.append(f"pipeline {bundle.pipeline} in account {bundle.account}, {bundle.region}: {exc}")
    else:
        unreadable.append(f"pipeline {bundle.pipeline} in account {bundle.account}, {bundle.region}: "
                          "no AWS credentials found")
    absent = alarms.check(aws, request, bundle.region, readable, dry_run, unreadable, alarms.created(bundle.stacks))
    return Plan(bundle.pipeline, stacks, pipeline_words(live, request["pipeline"]), unreadable,
                missing_alarms=absent)


def discard(plan: Plan, aws: Aws) -> None:
    """Delete the change sets a plan created and will not execute (best effort: they cost nothing)."""
    for stack in plan.stacks:
        if stack.change_set is not None:
            with contextlib.suppress(AwsError):
                cfn.delete_change_set(aws.client("cloudformation", stack.account, stack.region), stack.change_set)
            stack.change_set = None


def apply(plan: Plan, bundle: Bundle, aws: Aws, say: Say, progress: Progress,
          pause: Callable[[float], None] = time.sleep) -> None:
    """Apply the plan in manifest order, waiting on each stack; :class:`~.stacks.StackFailed` at the first failure."""
    by_name = {s.name: s for s in bundle.stacks}
    total = len(plan.stacks)
    try:
        for stack_plan in plan.stacks:
            stack = by_name[stack_plan.name]
            head = f"[{stack_plan.order}/{total}] {stack.name} ({stack.account}, {stack.region})"
            if not stack_plan.changed:
                say(f"{head}: up to date")
                progress.done += 1
                continue
            progress.current = stack.name
            cf = aws.client("cloudformation", stack.account, stack.region)
            if stack_plan.action == "recreate":
                say(f"{head}: deleting what a failed create left ({stack_plan.status})")
                cfn.delete(cf, stack.name, pause)
            if stack_plan.action in ("create", "recreate"):
                say(f"{head}: creating {len(stack_plan.changes)} resources")
                arn, _ = cfn.create_change_set(cf, stack.name, _text(stack), stack.parameters, stack.capabilities,
                                               "CREATE", pause)
            else:
                say(f"{head}: updating {len(stack_plan.changes)} resources")
                assert stack_plan.change_set is not None
                arn = stack_plan.change_set
            stack_plan.change_set = None
            status = cfn.execute(cf, stack.name, arn, pause)
            say(f"{head}: {status}")
            progress.done += 1
            progress.current = None
    except BaseException:
        discard(plan, aws)
        raise


def rollback_note(pipeline: dict[str, Any]) -> str:
    """What a new pipeline version means for rollback, or ``""`` when no stage rolls back.

    A stage rolls back only to an execution that succeeded in it in the *current* pipeline version (semantics
    rules 45, 46 and 49), so after every create or update the first run has nothing to roll back to until it
    has succeeded in each stage once.
    """
    stages = [s["name"] for s in pipeline.get("stages", []) if s.get("onFailure", {}).get("result") == "ROLLBACK"]
    if not stages:
        return ""
    return (f"note: the new pipeline version has no successful execution yet, so until a run succeeds in "
            f"{', '.join(stages)}, a breach there fails the stage without rolling back (CodePipeline rolls back "
            "only to a success of the current version); see docs/codepipeline.md, \"First run and structure "
            "changes\"")


# ---------------------------------------------------------------------------------------------------- destroy
# What the bundle created goes, in reverse manifest order (the pipeline stack first, the role stacks last: each
# stack's resources may be used by the ones after it). Artifact buckets have DeletionPolicy Retain, so
# CloudFormation keeps them with the artifacts of past runs; `delete_buckets` empties and deletes them after
# their stack is gone.

def _kept(stack: Stack) -> list[str]:
    return sorted(k for k, r in stack.template["Resources"].items() if r.get("DeletionPolicy") == "Retain")


def make_destroy_plan(bundle: Bundle, aws: Aws, *, dry_run: bool, delete_buckets: bool) -> Plan:
    """The plan of removing what ``bundle`` created: every existing stack deleted, newest first."""
    unreadable: list[str] = []
    readable = aws.has_credentials()
    if not readable and not dry_run:
        raise AwsError("no AWS credentials found",
                       "set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; `--dry-run` plans without")
    plans = []
    for stack in reversed(bundle.stacks):
        kept = set() if delete_buckets else set(_kept(stack))
        changes = [("keep" if k in kept else "remove", k, r["Type"])
                   for k, r in sorted(stack.template["Resources"].items())]
        plan = StackPlan(stack.name, stack.account, stack.region, stack.order, "delete", changes)
        where = f"stack {stack.name} in account {stack.account}, {stack.region}"
        try:
            if not readable:
                raise AwsError("no AWS credentials found")
            cf = aws.client("cloudformation", stack.account, stack.region)
            plan.status = call(lambda cf=cf, name=stack.name: cfn.status_of(cf, name), aws.endpoint_url)
        except AwsError as exc:
            if not dry_run:
                raise
            plan.unreadable = str(exc)
            unreadable.append(f"{where}: {exc}")
        else:
            if plan.status is None:
                plan.action, plan.changes = "none", []
        plans.append(plan)
    words = [f"pipeline `{bundle.pipeline}` is deleted with stack {bundle.stacks[-1].name}"]
    if plans[0].action == "none":
        words = []
    return Plan(bundle.pipeline, plans, words, unreadable, destroy=True)


def _delete_bucket(aws: Aws, account: str, region: str, bucket: str) -> None:
    """Empty a versioned bucket (every version and delete marker) and delete it."""
    s3 = aws.client("s3", account, region)
    paginator = s3.get_paginator("list_object_versions")
    for page in call(lambda: list(paginator.paginate(Bucket=bucket)), aws.endpoint_url):
        objects = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                   for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
        if objects:
            call(lambda objects=objects: s3.delete_objects(Bucket=bucket, Delete={"Objects": objects}),
                 aws.endpoint_url)
    call(lambda: s3.delete_bucket(Bucket=bucket), aws.endpoint_url)


def destroy(plan: Plan, bundle: Bundle, aws: Aws, say: Say, progress: Progress, *, delete_buckets: bool,
            pause: Callable[[float], None] = time.sleep) -> None:
    """Delete the stacks of the plan in its order, waiting on each; :class:`~.stacks.StackFailed` on a failure."""
    by_name = {s.name: s for s in bundle.stacks}
    total = len(plan.stacks)
    for index, stack_plan in enumerate(plan.stacks, start=1):
        stack = by_name[stack_plan.name]
        head = f"[{index}/{total}] {stack.name} ({stack.account}, {stack.region})"
        if not stack_plan.changed:
            say(f"{head}: already gone")
            progress.done += 1
            continue
        progress.current = stack.name
        say(f"{head}: deleting")
        cfn.delete(aws.client("cloudformation", stack.account, stack.region), stack.name, pause)
        kept = [stack.template["Resources"][k] for k in _kept(stack)]
        buckets = [r["Properties"]["BucketName"] for r in kept if r["Type"] == "AWS::S3::Bucket"]
        if delete_buckets:
            for bucket in buckets:
                _delete_bucket(aws, stack.account, stack.region, bucket)
                say(f"{head}: emptied and deleted bucket {bucket}")
        elif buckets:
            say(f"{head}: DELETE_COMPLETE; kept bucket {', '.join(buckets)} (its artifacts; "
                "--delete-artifact-buckets removes it)")
            progress.done += 1
            progress.current = None
            continue
        say(f"{head}: DELETE_COMPLETE")
        progress.done += 1
        progress.current = None
