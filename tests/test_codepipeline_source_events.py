"""CodeCommit and S3 sources start the pipeline on a change through EventBridge, and never poll.

CodePipeline polls a CodeCommit or S3 source unless its configuration says ``PollForSourceChanges: "false"``: the
parameter defaults to true for a pipeline created with the CLI or CloudFormation (CodePipeline User Guide, "Valid
settings for the PollForSourceChanges parameter"), and AWS recommends event-based change detection instead
("Migrate polling pipelines to use event-based change detection"). The documented set-up is an EventBridge rule
whose target is the pipeline, with a role that may call ``codepipeline:StartPipelineExecution`` on it:

* CodeCommit: the "CodeCommit Repository State Change" of the repository, ``referenceCreated``/``referenceUpdated``
  of the branch ("Create an EventBridge rule for a CodeCommit source (AWS CloudFormation template)");
* S3: "Object Created" of the bucket and key, from a bucket with EventBridge notifications enabled ("Connecting to
  Amazon S3 source actions with a source enabled for events").

The patterns are run against moto's EventBridge over HTTP (the session server of conftest.py): a rule with the
compiled pattern and an SQS queue as its target receives the documented sample events it should, and no other.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from test_codepipeline_support import request

from conftest import EXAMPLES, MOTO_ACCOUNT, ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "codepipeline"
CODECOMMIT = EXAMPLES / "team-policy.wave"  # source codecommit { repo = "payments"  branch = "main" }
S3 = EXAMPLES / "minimal.wave"  # source s3 { bucket = "hello-source"  key = "hello.zip" }
GITHUB = FIXTURES / "checkout_no_policy.wave"


def _template(path: Path) -> dict[str, Any]:
    return request(path.relative_to(ROOT), "cloudformation")


def _source(path: Path) -> dict[str, Any]:
    action: dict[str, Any] = request(path.relative_to(ROOT))["pipeline"]["stages"][0]["actions"][0]
    return action


def _part(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items()
            if r.get("Metadata", {}).get("wavec", {}).get("part") == "source-events"}


def _pipeline_id(template: dict[str, Any]) -> str:
    (pid,) = [k for k, r in template["Resources"].items() if r["Type"] == "AWS::CodePipeline::Pipeline"]
    return pid


@pytest.mark.parametrize("path", [CODECOMMIT, S3], ids=["codecommit", "s3"])
def test_codecommit_and_s3_sources_do_not_poll(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # "Valid settings for the PollForSourceChanges parameter": absent means true for CLI/CloudFormation pipelines.
    monkeypatch.chdir(ROOT)
    assert _source(path)["configuration"]["PollForSourceChanges"] == "false"


def test_a_connection_source_has_no_poll_setting_and_no_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    # CodeStarSourceConnection actions are started by the connection (its `DetectChanges`), not by polling.
    monkeypatch.chdir(ROOT)
    assert "PollForSourceChanges" not in _source(GITHUB)["configuration"]
    assert _part(_template(GITHUB)) == {}


@pytest.mark.parametrize("path", [CODECOMMIT, S3], ids=["codecommit", "s3"])
def test_the_rule_starts_this_pipeline_with_a_role_that_may_start_it_only(
        path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    template = _template(path)
    part = _part(template)
    assert sorted(r["Type"] for r in part.values()) == ["AWS::Events::Rule", "AWS::IAM::Role"]
    (rule,) = [r for r in part.values() if r["Type"] == "AWS::Events::Rule"]
    (role_id,) = [k for k, r in part.items() if r["Type"] == "AWS::IAM::Role"]
    pipeline_arn = {"Fn::Sub": "arn:${AWS::Partition}:codepipeline:${AWS::Region}:${AWS::AccountId}:"
                               f"${{{_pipeline_id(template)}}}"}
    assert rule["Properties"]["State"] == "ENABLED"
    assert rule["Properties"]["Targets"] == [
        {"Id": "pipeline", "Arn": pipeline_arn, "RoleArn": {"Fn::GetAtt": [role_id, "Arn"]}}]
    role = part[role_id]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "events.amazonaws.com"} and trust["Action"] == "sts:AssumeRole"
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    assert statements == [{"Effect": "Allow", "Action": "codepipeline:StartPipelineExecution",
                           "Resource": [pipeline_arn]}]
    # It lives where the pipeline lives: under `Home` when the template has placements (the bake's).
    for resource in part.values():
        assert resource.get("Condition") == ("Home" if "Home" in template.get("Conditions", {}) else None)
    assert "Home" in template.get("Conditions", {}) or path == S3  # team-policy bakes: the condition is exercised


# ------------------------------------------------------------------------------------- moto's EventBridge


def _client(service: str, url: str) -> Any:
    import boto3

    return boto3.client(service, endpoint_url=url, region_name="eu-west-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def _resolve(value: Any) -> Any:
    """The pattern as the stack in eu-west-1 of account MOTO_ACCOUNT would hold it (``Fn::Sub`` resolved)."""
    if isinstance(value, dict) and set(value) == {"Fn::Sub"}:
        return (value["Fn::Sub"].replace("${AWS::Partition}", "aws").replace("${AWS::Region}", "eu-west-1")
                .replace("${AWS::AccountId}", MOTO_ACCOUNT))
    if isinstance(value, dict):
        return {k: _resolve(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v) for v in value]
    return value


def _delivered(url: str, pattern: dict[str, Any], events: list[dict[str, Any]]) -> list[int]:
    """Which of ``events`` (by index) a rule with ``pattern`` delivers to its target."""
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=5).close()
    sqs, eb = _client("sqs", url), _client("events", url)
    queue = sqs.create_queue(QueueName="target")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    eb.put_rule(Name="source-change", EventPattern=json.dumps(pattern), State="ENABLED")
    eb.put_targets(Rule="source-change", Targets=[{"Id": "pipeline", "Arn": arn}])
    for i, event in enumerate(events):
        eb.put_events(Entries=[{"Source": event["source"], "DetailType": event["detail-type"],
                                "Resources": event.get("resources", []),
                                "Detail": json.dumps({**event["detail"], "index": i})}])
    got: list[int] = []
    while messages := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
        got.extend(json.loads(m["Body"])["detail"]["index"] for m in messages)
        sqs.delete_message_batch(QueueUrl=queue, Entries=[
            {"Id": str(k), "ReceiptHandle": m["ReceiptHandle"]} for k, m in enumerate(messages)])
    return sorted(got)


def _pattern(path: Path) -> dict[str, Any]:
    (rule,) = [r for r in _part(_template(path)).values() if r["Type"] == "AWS::Events::Rule"]
    resolved: dict[str, Any] = _resolve(rule["Properties"]["EventPattern"])
    return resolved


def test_a_push_to_the_branch_starts_the_pipeline(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    repo = f"arn:aws:codecommit:eu-west-1:{MOTO_ACCOUNT}:payments"

    def push(ref: str, event: str = "referenceUpdated", kind: str = "branch", on: str = repo) -> dict[str, Any]:
        # The shape of the CodeCommit event of the CodePipeline User Guide's samples.
        return {"source": "aws.codecommit", "detail-type": "CodeCommit Repository State Change", "resources": [on],
                "detail": {"event": event, "referenceType": kind, "referenceName": ref, "repositoryName": "payments",
                           "commitId": "0123456789abcdef0123456789abcdef01234567"}}

    events = [push("main"), push("main", "referenceCreated"), push("feature"), push("main", kind="tag"),
              push("main", "referenceDeleted"), push("main", on=repo.replace("payments", "other"))]
    assert _delivered(moto_server, _pattern(CODECOMMIT), events) == [0, 1]


def test_a_new_version_of_the_key_starts_the_pipeline(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)

    def created(bucket: str, key: str, kind: str = "Object Created") -> dict[str, Any]:
        # The shape of S3's EventBridge events (Amazon S3 User Guide, "EventBridge event message structure").
        return {"source": "aws.s3", "detail-type": kind, "resources": [f"arn:aws:s3:::{bucket}"],
                "detail": {"version": "0", "bucket": {"name": bucket},
                           "object": {"key": key, "version-id": "v2"}, "reason": "PutObject"}}

    events = [created("hello-source", "hello.zip"), created("hello-source", "other.zip"),
              created("other-bucket", "hello.zip"), created("hello-source", "hello.zip", "Object Deleted")]
    assert _delivered(moto_server, _pattern(S3), events) == [0]
