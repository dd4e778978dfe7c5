"""The failed resource and its reason, read from a stack's events as CloudFormation writes them (newest
first): the cause of this operation, not the rollback's echoes nor an earlier operation's failure."""

from __future__ import annotations

from typing import Any

from wavec.deploy.stacks import StackFailed, execute

STACK = "wavec-checkout-us-west-2"


def _event(logical: str, status: str, reason: str | None = None) -> dict[str, Any]:
    event = {"LogicalResourceId": logical, "ResourceStatus": status}
    if reason is not None:
        event["ResourceStatusReason"] = reason
    return event


class _CloudFormation:
    """Answers as CloudFormation does after a create that rolled back (the shapes of DescribeStackEvents;
    the keyword arguments are boto3's)."""

    def execute_change_set(self, ChangeSetName: str) -> None:
        pass

    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        return {"Stacks": [{"StackName": STACK, "StackStatus": "ROLLBACK_COMPLETE"}]}

    def describe_stack_events(self, StackName: str) -> dict[str, Any]:
        return {"StackEvents": [
            _event(STACK, "ROLLBACK_COMPLETE"),
            _event("BakeRoleUsWest2", "DELETE_COMPLETE"),
            _event("BakeRoleUsWest2", "CREATE_FAILED", "Resource creation cancelled"),
            _event(STACK, "ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: [ArtifactBucket]"),
            _event("ArtifactBucket", "CREATE_FAILED", "acme-checkout-artifacts-us-west-2 already exists"),
            _event("ArtifactBucket", "CREATE_IN_PROGRESS"),
            _event(STACK, "CREATE_IN_PROGRESS", "User Initiated"),
            _event("OldThing", "CREATE_FAILED", "an earlier operation's failure"),
        ]}


def test_the_cause_is_named_not_the_cancellations_after_it() -> None:
    try:
        execute(_CloudFormation(), STACK, "arn:change-set", pause=lambda _s: None)
    except StackFailed as exc:
        assert (exc.status, exc.resource, exc.reason) == (
            "ROLLBACK_COMPLETE", "ArtifactBucket", "acme-checkout-artifacts-us-west-2 already exists")
        assert str(exc) == ("stack wavec-checkout-us-west-2 failed (ROLLBACK_COMPLETE), resource ArtifactBucket: "
                            "acme-checkout-artifacts-us-west-2 already exists")
    else:
        raise AssertionError("a rolled-back stack must fail")
