"""What `wavec deploy` shows while it applies: per stack the change set created, its execution, each resource
event, done or failed, then the pipeline's change — plain lines without a terminal, a live rich table on one.

The apply's steps are read from a CloudFormation that answers as the real one does (DescribeStackEvents grows
while a change set executes); the rich table is drawn in this process on a console writing to a string. One
deploy against moto's server checks the lines a user reads in a log.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
from deploy_helpers import reset
from rich.console import Console

from wavec.cli.deploy_view import DeployView
from wavec.deploy.engine import Progress, Step, apply
from wavec.deploy.plan import Plan
from wavec.deploy.stacks import StackFailed, StackPlan
from wavec.targets.codepipeline.bundle import Bundle, Stack

from conftest import EXAMPLES, cli

ACCOUNT = "111122223333"
TEMPLATE = {"Resources": {"ArtifactBucket": {"Type": "AWS::S3::Bucket"}, "ArtifactKey": {"Type": "AWS::KMS::Key"}}}


def _event(n: int, stack: str, logical: str, status: str, reason: str | None = None) -> dict[str, Any]:
    kind = "AWS::CloudFormation::Stack" if logical == stack else TEMPLATE["Resources"][logical]["Type"]
    event = {"EventId": f"{stack}-{n}", "LogicalResourceId": logical, "ResourceType": kind, "ResourceStatus": status}
    if reason is not None:
        event["ResourceStatusReason"] = reason
    return event


class _CloudFormation:
    """One stack's CloudFormation: a CREATE change set, then an execution whose events appear poll by poll."""

    def __init__(self, stack: str, fail: bool) -> None:
        self.stack, self.fail = stack, fail
        self.events: list[dict[str, Any]] = [_event(0, stack, stack, "REVIEW_IN_PROGRESS", "User Initiated")]
        if fail:
            script = [("ArtifactBucket", "CREATE_IN_PROGRESS", None),
                      ("ArtifactBucket", "CREATE_FAILED", "hello-artifacts-eu-west-1 already exists"),
                      (stack, "ROLLBACK_IN_PROGRESS", None), (stack, "ROLLBACK_COMPLETE", None)]
        else:
            script = [("ArtifactKey", "CREATE_IN_PROGRESS", None), ("ArtifactKey", "CREATE_COMPLETE", None),
                      ("ArtifactBucket", "CREATE_IN_PROGRESS", None), ("ArtifactBucket", "CREATE_COMPLETE", None),
                      (stack, "CREATE_COMPLETE", None)]
        self.script = [(stack, "CREATE_IN_PROGRESS", "User Initiated"), *script]
        self.executing = False

    def step(self) -> None:
        """Time passes (a poll's pause): the next two events happen."""
        for _ in range(2):
            if self.executing and self.script:
                logical, status, reason = self.script.pop(0)
                self.events.insert(0, _event(len(self.events), self.stack, logical, status, reason))

    def create_change_set(self, **_: Any) -> dict[str, str]:
        return {"Id": "arn:change-set"}

    def describe_change_set(self, ChangeSetName: str) -> dict[str, Any]:
        return {"Status": "CREATE_COMPLETE", "Changes": []}

    def execute_change_set(self, ChangeSetName: str) -> None:
        self.executing = True
        logical, status, reason = self.script.pop(0)  # the stack starts at once
        self.events.insert(0, _event(len(self.events), self.stack, logical, status, reason))

    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        status = next(e["ResourceStatus"] for e in self.events if e["LogicalResourceId"] == self.stack)
        return {"Stacks": [{"StackName": self.stack, "StackStatus": status}]}

    def describe_stack_events(self, StackName: str) -> dict[str, Any]:
        return {"StackEvents": list(self.events)}  # newest first, as CloudFormation gives them


class _Aws:
    def __init__(self, clients: dict[str, _CloudFormation]) -> None:
        self.clients = clients

    def client(self, service: str, account: str, region: str) -> _CloudFormation:
        return self.clients[region]


def _bundle_and_plan() -> tuple[Bundle, Plan]:
    stacks = tuple(Stack(i, "support", f"wavec-hello-{r}", f"{r}.json", ACCOUNT, r, TEMPLATE)
                   for i, r in enumerate(("us-east-1", "eu-west-1", "eu-central-1"), start=1))
    bundle = Bundle("hello", ACCOUNT, "eu-west-1", stacks)
    plans = [StackPlan(s.name, s.account, s.region, s.order, "none" if s.order == 1 else "create",
                       [] if s.order == 1 else [("add", "ArtifactBucket", "AWS::S3::Bucket")]) for s in stacks]
    return bundle, Plan("hello", plans, ["pipeline `hello` is created with 3 stages: Source, test, wave-only"])


def _apply(fail: bool) -> tuple[list[str], list[Step], Exception | None]:
    bundle, plan = _bundle_and_plan()
    clients = {"eu-west-1": _CloudFormation("wavec-hello-eu-west-1", fail=False),
               "eu-central-1": _CloudFormation("wavec-hello-eu-central-1", fail=fail)}
    lines: list[str] = []
    steps: list[Step] = []

    def pause(_seconds: float) -> None:
        for cf in clients.values():
            cf.step()

    error: Exception | None = None
    try:
        apply(plan, bundle, _Aws(clients), lines.append, Progress(watch=steps.append), pause)  # type: ignore[arg-type]
    except StackFailed as exc:
        error = exc
    return lines, steps, error


def test_each_stack_says_change_set_executing_every_resource_event_and_done_then_the_pipeline() -> None:
    lines, steps, error = _apply(fail=False)
    assert error is None
    head = f"[2/3] wavec-hello-eu-west-1 ({ACCOUNT}, eu-west-1)"
    assert lines[:8] == [
        f"[1/3] wavec-hello-us-east-1 ({ACCOUNT}, us-east-1): up to date",
        f"{head}: creating 1 resource: creating the change set",
        f"{head}: change set created",
        f"{head}: executing the change set",
        f"{head}:   ArtifactKey (AWS::KMS::Key): CREATE_IN_PROGRESS",  # each resource event, in the order it happened
        f"{head}:   ArtifactKey (AWS::KMS::Key): CREATE_COMPLETE",
        f"{head}:   ArtifactBucket (AWS::S3::Bucket): CREATE_IN_PROGRESS",
        f"{head}:   ArtifactBucket (AWS::S3::Bucket): CREATE_COMPLETE",
    ]
    assert lines[8] == f"{head}: CREATE_COMPLETE"
    assert lines[-1] == "pipeline applied: pipeline `hello` is created with 3 stages: Source, test, wave-only"
    assert [s.line for s in steps] == lines  # the live view is told exactly what the lines say


def test_a_failed_stack_names_the_resource_and_reason_and_stops_there() -> None:
    lines, _, error = _apply(fail=True)
    assert isinstance(error, StackFailed)
    head = f"[3/3] wavec-hello-eu-central-1 ({ACCOUNT}, eu-central-1)"
    assert f"{head}:   ArtifactBucket (AWS::S3::Bucket): CREATE_FAILED — hello-artifacts-eu-west-1 already exists" \
        in lines
    assert lines[-1] == (f"{head}: FAILED (ROLLBACK_COMPLETE) at ArtifactBucket: "
                         "hello-artifacts-eu-west-1 already exists")
    assert not any(line.startswith("pipeline applied") for line in lines)  # the pipeline was not updated


def test_the_live_table_on_a_terminal() -> None:
    _, plan = _bundle_and_plan()
    _, steps, _ = _apply(fail=True)
    out = io.StringIO()
    view = DeployView(plan, out, console=Console(file=out, force_terminal=True, width=150, color_system=None),
                      live=False)
    executing = next(i for i, s in enumerate(steps) if s.what == "executing" and s.order == 3)
    for step in steps[:executing + 2]:  # stack 3 is executing: its bucket is being created
        view(step)
    view.snapshot()
    text = out.getvalue()
    rows = {line.split("│")[3].strip(): line for line in text.splitlines() if line.count("│") > 4}
    assert "= " in rows["wavec-hello-us-east-1"].split("│")[1] and "up to date" in rows["wavec-hello-us-east-1"]
    assert "✓" in rows["wavec-hello-eu-west-1"] and "CREATE_COMPLETE" in rows["wavec-hello-eu-west-1"]
    assert "…" in rows["wavec-hello-eu-central-1"] and "ArtifactBucket: CREATE_IN_PROGRESS" in rows[
        "wavec-hello-eu-central-1"]
    # Each resource event is also a line above the table, so the story stays on screen once it is done.
    assert f"[2/3] wavec-hello-eu-west-1 ({ACCOUNT}, eu-west-1):   ArtifactBucket (AWS::S3::Bucket): " \
        "CREATE_COMPLETE" in text
    for step in steps[executing + 2:]:
        view(step)
    out.truncate(0)
    view.snapshot()
    rows = {line.split("│")[3].strip(): line for line in out.getvalue().splitlines() if line.count("│") > 4}
    assert "✗" in rows["wavec-hello-eu-central-1"] and "FAILED (ROLLBACK_COMPLETE) at ArtifactBucket" in rows[
        "wavec-hello-eu-central-1"]


@pytest.mark.slow  # one deploy to moto's server: seconds
def test_a_deploy_without_a_terminal_prints_plain_progress_lines(moto_server: str, tmp_path: Path) -> None:
    reset(moto_server)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
                "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true", "NO_COLOR": "1"})
    proc = cli("deploy", str(EXAMPLES / "minimal.wave"), "--yes", "--endpoint-url", moto_server, env=env)
    assert proc.returncode == 0, proc.stderr
    head = f"[1/1] wavec-hello ({ACCOUNT}, eu-west-1)"
    lines = [line for line in proc.stdout.splitlines() if line.startswith((head, "pipeline applied"))]
    assert lines[1:] == [f"{head}: change set created", f"{head}: executing the change set",
                         f"{head}: CREATE_COMPLETE",
                         "pipeline applied: pipeline `hello` is created with 3 stages: Source, test, wave-only"]
    assert lines[0].startswith(f"{head}: creating ") and lines[0].endswith(" resources: creating the change set")
    assert "\x1b[" not in proc.stdout and "┃" not in proc.stdout  # no terminal: no live table, no escapes
