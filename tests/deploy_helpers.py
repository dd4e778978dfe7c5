"""A multi-account moto for the deploy tests, and the resources moto's CloudFormation cannot create.

moto's server without ``MOTO_ACCOUNT_ID`` gives each request the account of its credentials: ``sts:AssumeRole``
of a role ARN in an account returns credentials acting in that account (moto's documentation, "Multi-Account
support"). Its regions are endpoints of the one server.

moto's CloudFormation skips resource types it does not implement (with a warning) and still completes the
stack. :data:`NOT_IN_MOTO` are those of the bundles (docs/deploy.md lists them); :func:`create_what_moto_skips`
creates each through its own service's API, as CloudFormation would have.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

from conftest import ROOT, cli

PIPELINE_ACCOUNT = "111122223333"
NOT_IN_MOTO = {"AWS::CodePipeline::Pipeline", "AWS::S3::BucketPolicy", "AWS::CodeBuild::Project"}


def reset(url: str) -> None:
    """Forget every resource of the server."""
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=5).close()


def session(url: str, account: str) -> Any:
    """A boto3 session acting in ``account`` (credentials from moto's STS)."""
    import boto3

    base = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
    creds = base.client("sts", endpoint_url=url).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/tests", RoleSessionName="tests")["Credentials"]
    return boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                         aws_session_token=creds["SessionToken"], region_name="us-east-1")


def env_for(url: str, account: str, tmp: Path) -> dict[str, str]:
    """The environment of a `wavec deploy` run as a caller in ``account`` (nothing of the real AWS set-up)."""
    import os

    creds = session(url, account).get_credentials()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ACCESS_KEY_ID": creds.access_key, "AWS_SECRET_ACCESS_KEY": creds.secret_key,
                "AWS_SESSION_TOKEN": creds.token, "AWS_CONFIG_FILE": str(tmp / "none"),
                "AWS_SHARED_CREDENTIALS_FILE": str(tmp / "none"), "AWS_EC2_METADATA_DISABLED": "true",
                "NO_COLOR": "1"})
    return env


def moto_cannot_create(kind: str) -> bool:
    """Whether moto's CloudFormation implements ``kind`` (asked of moto itself, so the list cannot go stale)."""
    from moto.cloudformation.parsing import resource_class_from_type

    return resource_class_from_type(kind) is None


def _camel(value: Any) -> Any:
    if isinstance(value, dict):
        return {k[:1].lower() + k[1:]: _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def create_what_moto_skips(url: str, out: Path, manifest: dict[str, Any], source: Path) -> set[str]:
    """Create, through their services' APIs, the resources of the bundle moto's CloudFormation skipped; the types."""
    created = set()
    for stack in manifest["stacks"]:
        template = json.loads((out / stack["file"]).read_text())
        aws = session(url, stack["account"])
        for logical, resource in template["Resources"].items():
            kind, props = resource["Type"], resource.get("Properties", {})
            if not moto_cannot_create(kind):
                continue
            created.add(kind)
            if kind == "AWS::CodePipeline::Pipeline":
                body = json.loads(cli("build", str(source), "--target", "codepipeline", cwd=ROOT).stdout)
                cp = aws.client("codepipeline", endpoint_url=url, region_name=stack["region"])
                names = [p["name"] for p in cp.list_pipelines()["pipelines"]]
                if body["pipeline"]["name"] in names:
                    live = cp.get_pipeline(name=body["pipeline"]["name"])["pipeline"]
                    cp.update_pipeline(pipeline={**body["pipeline"], "version": live["version"]})
                else:
                    cp.create_pipeline(**body)
            elif kind == "AWS::S3::BucketPolicy":
                bucket = template["Resources"][props["Bucket"]["Ref"]]["Properties"]["BucketName"]
                aws.client("s3", endpoint_url=url, region_name=stack["region"]).put_bucket_policy(
                    Bucket=bucket, Policy=json.dumps(props["PolicyDocument"]))
            elif kind == "AWS::CodeBuild::Project":
                spec = _camel(props)
                if "buildSpec" in spec["source"]:  # CloudFormation's BuildSpec is the API's buildspec
                    spec["source"]["buildspec"] = spec["source"].pop("buildSpec")
                spec["source"].setdefault("location", "none")  # moto wants one even for NO_SOURCE
                role = props["ServiceRole"]
                if isinstance(role, dict):  # a parameter: its default
                    role = template["Parameters"][role["Ref"]]["Default"]
                cb = aws.client("codebuild", endpoint_url=url, region_name=stack["region"])
                name = props.get("Name") or logical  # no name: CloudFormation would generate one
                if name not in cb.list_projects()["projects"]:
                    cb.create_project(name=name, source=spec["source"], artifacts=spec["artifacts"],
                                      environment=spec["environment"], serviceRole=role)
            elif kind == "AWS::CloudWatch::Alarm":  # a gate's `create`
                aws.client("cloudwatch", endpoint_url=url, region_name=stack["region"]).put_metric_alarm(
                    **{k: v for k, v in props.items() if k != "TreatMissingData"},
                    TreatMissingData=props.get("TreatMissingData", "missing"))
            else:
                raise AssertionError(f"{logical}: no API stand-in for {kind}: add one and list it in docs/deploy.md")
    return created


def detach_managed_policies(url: str, account: str, role: str) -> None:
    """Detach the managed policies from ``role``: moto's CloudFormation deletes a role before the
    AWS::IAM::ManagedPolicy of the same stack attached to it and fails (DeleteConflict); CloudFormation orders
    the deletions by their dependencies. docs/deploy.md lists this with the other differences."""
    iam = session(url, account).client("iam", endpoint_url=url)
    for policy in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=role, PolicyArn=policy["PolicyArn"])


def create_referenced_alarms(url: str, source: Path, skip: frozenset[str] = frozenset(),
                             home_region: str = "us-east-1") -> int:
    """Put a metric alarm of every name the gates of ``source`` read, where they read it (but ``skip``); how many."""
    from wavec.deploy.alarms import referenced

    body = json.loads(cli("build", str(source), "--target", "codepipeline", cwd=ROOT).stdout)
    count = 0
    for (account, region), names in referenced(body, home_region).items():
        cloudwatch = session(url, account).client("cloudwatch", endpoint_url=url, region_name=region)
        for name in sorted(names - skip):
            cloudwatch.put_metric_alarm(AlarmName=name, MetricName="5xx", Namespace="checkout", Statistic="Sum",
                                        Period=60, EvaluationPeriods=1, Threshold=1,
                                        ComparisonOperator="GreaterThanThreshold")
            count += 1
    return count
