"""One stack of a bundle in CloudFormation: what is there, the change set that says what would change, and
applying it — waiting for the end, and on a failure the resource and reason from the stack's events.

Every call goes through :func:`wavec.deploy.aws.call`, so a failure of AWS is an ``AwsError``.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from ..records import field, record
from .aws import AwsError, aws_error, botocore_errors, call, error_code

# A stack CloudFormation can update; a stack left by a failed create must be deleted first (it cannot be
# updated: "ROLLBACK_COMPLETE … can only be deleted"); REVIEW_IN_PROGRESS holds no resources (a CREATE change
# set never executed).
UPDATABLE = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE",
             "IMPORT_ROLLBACK_COMPLETE"}
LEFT_BY_FAILED_CREATE = {"ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED", "REVIEW_IN_PROGRESS"}
DONE = {"CREATE_COMPLETE", "UPDATE_COMPLETE"}
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
ACTIONS = {"Add": "add", "Modify": "change", "Remove": "remove"}


class StackFailed(Exception):
    """A stack did not reach CREATE_COMPLETE/UPDATE_COMPLETE: which stack, resource and why."""

    def __init__(self, stack: str, status: str, resource: str | None, reason: str) -> None:
        where = f", resource {resource}" if resource else ""
        super().__init__(f"stack {stack} failed ({status}){where}: {reason}")
        self.stack, self.status, self.resource, self.reason = stack, status, resource, reason


@record(frozen=False)
class StackPlan:
    """What deploying one stack would do: ``create``, ``recreate``, ``update`` or ``none``, and per resource."""

    name: str
    account: str
    region: str
    order: int
    action: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (add|change|replace|remove, id, type)
    status: str | None = None
    change_set: str | None = None
    unreadable: str | None = None

    @property
    def changed(self) -> bool:
        """Whether applying would change anything."""
        return self.action != "none"

    def to_json(self) -> dict[str, Any]:
        """The plan of this stack as JSON."""
        return {"name": self.name, "account": self.account, "region": self.region, "order": self.order,
                "action": self.action, "status": self.status, "unreadable": self.unreadable,
                "changes": [{"action": a, "resource": r, "type": t} for a, r, t in self.changes]}


def all_added(template: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Every resource of a template, as added."""
    return [("add", logical, r["Type"]) for logical, r in sorted(template["Resources"].items())]


def status_of(cf: Any, name: str) -> str | None:
    """The stack's status, ``None`` when it does not exist."""
    ClientError = botocore_errors().ClientError

    try:
        stacks = cf.describe_stacks(StackName=name)["Stacks"]
    except ClientError as exc:
        if error_code(exc) == "ValidationError" and "does not exist" in str(exc):
            return None
        raise
    return str(stacks[0]["StackStatus"]) if stacks else None


def _change_set_name(text: str, parameters: dict[str, str]) -> str:
    digest = hashlib.sha256((text + json.dumps(parameters, sort_keys=True)).encode()).hexdigest()[:12]
    return f"wavec-{digest}-{int(time.time())}"


def _wait(read: Callable[[], str], busy: Callable[[str], bool], pause: Callable[[float], None],
          timeout: float) -> str:
    delay, waited = 0.2, 0.0
    while True:
        state = read()
        if not busy(state):
            return state
        if waited > timeout:
            raise AwsError(f"still {state} after {int(waited)} s", "look at the stack in the CloudFormation console")
        pause(delay)
        waited += delay
        delay = min(delay * 2, 5.0)


def create_change_set(cf: Any, name: str, text: str, parameters: dict[str, str], capabilities: list[str],
                      kind: str, pause: Callable[[float], None] = time.sleep,
                      timeout: float = 600) -> tuple[str, list[tuple[str, str, str]]]:
    """Create a change set of ``kind`` (CREATE or UPDATE), wait for it; its id and its changes (``[]``: none)."""
    ClientError = botocore_errors().ClientError

    try:
        created = cf.create_change_set(
            StackName=name, ChangeSetName=_change_set_name(text, parameters), TemplateBody=text,
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in sorted(parameters.items())],
            Capabilities=capabilities, ChangeSetType=kind, Description="wavec deploy")
    except ClientError as exc:
        # CloudFormation says "no changes" in a FAILED change set; some endpoints (moto) refuse the call.
        if any(text_ in str(exc) for text_ in NO_CHANGES):
            return "", []
        raise aws_error(exc) from None
    arn = str(created["Id"])

    def read() -> str:
        return str(call(lambda: cf.describe_change_set(ChangeSetName=arn))["Status"])

    status = _wait(read, lambda s: s.endswith("_PENDING") or s.endswith("_IN_PROGRESS"), pause, timeout)
    described = call(lambda: cf.describe_change_set(ChangeSetName=arn))
    if status == "FAILED":
        reason = str(described.get("StatusReason", ""))
        if any(text_ in reason for text_ in NO_CHANGES):
            call(lambda: cf.delete_change_set(ChangeSetName=arn))
            return arn, []
        raise StackFailed(name, "change set FAILED", None, reason or "the change set could not be created")
    changes = []
    for change in described.get("Changes", []):
        rc = change.get("ResourceChange", {})
        action = ACTIONS.get(rc.get("Action", ""), str(rc.get("Action", "")).lower())
        if action == "change" and rc.get("Replacement") in ("True", "Conditional"):
            action = "replace"
        changes.append((action, str(rc.get("LogicalResourceId")), str(rc.get("ResourceType"))))
    return arn, sorted(changes, key=lambda c: c[1])


def delete_change_set(cf: Any, arn: str) -> None:
    """Drop a change set that will not be executed (a dry run, a refused plan)."""
    call(lambda: cf.delete_change_set(ChangeSetName=arn))


def _failure(cf: Any, name: str, status: str) -> StackFailed:
    """The first failed resource of the last operation, from the stack's events (newest first)."""
    events = call(lambda: cf.describe_stack_events(StackName=name)).get("StackEvents", [])
    failed = []
    for event in events:  # newest first, back to the start of this operation
        state = str(event.get("ResourceStatus", ""))
        if event.get("LogicalResourceId") == name:
            if state in ("CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "DELETE_IN_PROGRESS") and \
                    event.get("ResourceStatusReason") == "User Initiated":
                break
            continue
        if state.endswith("_FAILED"):
            failed.append(event)
    if failed:
        first = failed[-1]  # the oldest failure of the newest events: the cause, not the rollback's echo
        return StackFailed(name, status, str(first["LogicalResourceId"]),
                           str(first.get("ResourceStatusReason", "no reason given")))
    return StackFailed(name, status, None, "no failed resource in the stack's events")


def execute(cf: Any, name: str, arn: str, pause: Callable[[float], None] = time.sleep,
            timeout: float = 3600) -> str:
    """Execute a change set and wait for the stack to settle; its final status, or :class:`StackFailed`."""
    ClientError = botocore_errors().ClientError

    try:
        cf.execute_change_set(ChangeSetName=arn)
    except ClientError as exc:
        # Real CloudFormation reports a resource's failure in the stack's events; an endpoint that refuses the
        # execution itself (moto raises the resource's error here) names no resource.
        error = exc.response.get("Error", {})
        raise StackFailed(name, "ExecuteChangeSet refused", None,
                          f"{error.get('Code', 'Error')}: {error.get('Message', str(exc))}") from None

    def read() -> str:
        return status_of(cf, name) or "DELETE_COMPLETE"

    status = call(lambda: _wait(read, lambda s: s.endswith("_IN_PROGRESS") and s != "REVIEW_IN_PROGRESS",
                                pause, timeout))
    if status not in DONE:
        raise _failure(cf, name, status)
    return str(status)


def delete(cf: Any, name: str, pause: Callable[[float], None] = time.sleep, timeout: float = 3600) -> None:
    """Delete a stack and wait until it is gone."""
    call(lambda: cf.delete_stack(StackName=name))

    def read() -> str:
        return call(lambda: status_of(cf, name)) or "DELETE_COMPLETE"

    status = _wait(read, lambda s: s.endswith("_IN_PROGRESS") and s != "REVIEW_IN_PROGRESS", pause, timeout)
    if status not in ("DELETE_COMPLETE",):
        raise _failure(cf, name, status)
