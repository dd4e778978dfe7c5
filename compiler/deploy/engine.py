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
from typing import Any

from ..records import record
from ..targets.codepipeline.bundle import Bundle, Stack
from . import alarms
from . import stacks as cfn
from .aws import Aws, AwsError, botocore_errors, call, error_code
from .plan import Plan
from .stacks import StackFailed, StackPlan
from .words import pipeline_words

Say = Callable[[str], None]


@record
class Step:
    """One thing an apply or a destroy did to a stack, for the progress views (plain lines or a live table).

    ``what``: ``up_to_date``, ``cleaning`` (deleting what a failed create left), ``change_set`` (created),
    ``executing``, ``resource`` (one of the stack's events: ``resource``, ``kind``, ``status``, ``reason``),
    ``done``, ``failed``, ``deleting``, ``bucket``, ``gone``; ``pipeline`` (the stack is 0: the pipeline's
    change, in words, once every stack is applied).
    """

    what: str
    stack: str
    order: int
    total: int
    account: str
    region: str
    text: str
    resource: str | None = None
    kind: str | None = None
    status: str | None = None
    reason: str | None = None

    @property
    def line(self) -> str:
        """The plain line: ``[2/8] wavec-checkout-eu-west-1 (111122223333, eu-west-1): CREATE_COMPLETE``."""
        if self.what == "pipeline":
            return self.text
        return f"[{self.order}/{self.total}] {self.stack} ({self.account}, {self.region}): {self.text}"


Watch = Callable[[Step], None]


@record(frozen=False)
class Progress:
    """Where an apply is, for the message after an interruption; ``watch`` is told every :class:`Step`."""

    current: str | None = None
    done: int = 0
    watch: Watch | None = None


class EventFeed:
    """A stack's events (``DescribeStackEvents``) that are new since the last look, oldest first: what each
    resource does while a change set executes. Resources' events only (the stack's own are the steps)."""

    def __init__(self, cf: Any, name: str) -> None:
        self.cf, self.name = cf, name
        self.seen: set[str] = set()
        self.new()  # what happened before this operation is not its progress

    def new(self) -> list[dict[str, Any]]:
        """The events not given before, oldest first (the newest page: enough between two looks)."""
        events = call(lambda: self.cf.describe_stack_events(StackName=self.name)).get("StackEvents", [])
        fresh = []
        for event in events:  # newest first
            key = str(event.get("EventId") or (event.get("LogicalResourceId"), event.get("ResourceStatus"),
                                                str(event.get("Timestamp"))))
            if key in self.seen:
                break
            self.seen.add(key)
            fresh.append(event)
        return [e for e in reversed(fresh) if e.get("LogicalResourceId") != self.name]


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

            def tell(what: str, text: str, stack: Stack = stack, order: int = stack_plan.order, **more: Any) -> None:
                _tell(say, progress, Step(what, stack.name, order, total, stack.account, stack.region, text, **more))

            if not stack_plan.changed:
                tell("up_to_date", "up to date")
                progress.done += 1
                continue
            progress.current = stack.name
            cf = aws.client("cloudformation", stack.account, stack.region)
            if stack_plan.action == "recreate":
                tell("cleaning", f"deleting what a failed create left ({stack_plan.status})")
                cfn.delete(cf, stack.name, pause)
            count = f"{len(stack_plan.changes)} resource{'' if len(stack_plan.changes) == 1 else 's'}"
            if stack_plan.action in ("create", "recreate"):
                tell("change_set", f"creating {count}: creating the change set")
                arn, _ = cfn.create_change_set(cf, stack.name, _text(stack), stack.parameters, stack.capabilities,
                                               "CREATE", pause)
                tell("change_set", "change set created")
            else:
                tell("change_set", f"updating {count}: change set created with the plan")
                assert stack_plan.change_set is not None
                arn = stack_plan.change_set
            stack_plan.change_set = None
            status = _execute(cf, stack.name, arn, pause, tell)
            tell("done", status, status=status)
            progress.done += 1
            progress.current = None
    except BaseException:
        discard(plan, aws)
        raise
    if plan.pipeline_words:  # the pipeline is a resource of its stack: its change, now applied, in words
        for words in plan.pipeline_words:
            _tell(say, progress, Step("pipeline", "", 0, total, bundle.account, bundle.region,
                                      f"pipeline applied: {words}"))


def _tell(say: Say, progress: Progress, step: Step) -> None:
    say(step.line)
    if progress.watch is not None:
        progress.watch(step)


def _execute(cf: Any, name: str, arn: str, pause: Callable[[float], None],
             tell: Callable[..., None]) -> str:
    """Execute the change set, telling each resource event as it is seen (between polls, and once at the end);
    a failure is told too, then raised."""
    feed = EventFeed(cf, name)

    def report() -> None:
        for event in feed.new():
            status = str(event.get("ResourceStatus", ""))
            reason = event.get("ResourceStatusReason")
            why = f" — {reason}" if reason and status.endswith("_FAILED") else ""
            tell("resource", f"  {event.get('LogicalResourceId')} ({event.get('ResourceType')}): {status}{why}",
                 resource=str(event.get("LogicalResourceId")), kind=str(event.get("ResourceType")), status=status,
                 reason=str(reason) if reason else None)

    def watched(seconds: float) -> None:
        report()
        pause(seconds)

    tell("executing", "executing the change set")
    try:
        status = cfn.execute(cf, name, arn, watched)
    except StackFailed as exc:
        report()
        where = f" at {exc.resource}" if exc.resource else ""
        tell("failed", f"FAILED ({exc.status}){where}: {exc.reason}", resource=exc.resource, status=exc.status,
             reason=exc.reason)
        raise
    report()
    return status


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

        def tell(what: str, text: str, stack: Stack = stack, index: int = index, **more: Any) -> None:
            _tell(say, progress, Step(what, stack.name, index, total, stack.account, stack.region, text, **more))

        if not stack_plan.changed:
            tell("up_to_date", "already gone")
            progress.done += 1
            continue
        progress.current = stack.name
        tell("deleting", "deleting")
        try:
            cfn.delete(aws.client("cloudformation", stack.account, stack.region), stack.name, pause)
        except StackFailed as exc:
            where = f" at {exc.resource}" if exc.resource else ""
            tell("failed", f"FAILED ({exc.status}){where}: {exc.reason}", resource=exc.resource, status=exc.status,
                 reason=exc.reason)
            raise
        kept = [stack.template["Resources"][k] for k in _kept(stack)]
        buckets = [r["Properties"]["BucketName"] for r in kept if r["Type"] == "AWS::S3::Bucket"]
        if delete_buckets:
            for bucket in buckets:
                _delete_bucket(aws, stack.account, stack.region, bucket)
                tell("bucket", f"emptied and deleted bucket {bucket}")
        elif buckets:
            tell("gone", f"DELETE_COMPLETE; kept bucket {', '.join(buckets)} (its artifacts; "
                 "--delete-artifact-buckets removes it)", status="DELETE_COMPLETE")
            progress.done += 1
            progress.current = None
            continue
        tell("gone", "DELETE_COMPLETE", status="DELETE_COMPLETE")
        progress.done += 1
        progress.current = None
