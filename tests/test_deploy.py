"""`wavec deploy` of a one-region pipeline against moto's server on 127.0.0.1 (conftest.moto_server, in the
examples' account 111122223333): plan, apply, no-op, a change in words, and every AWS failure in one message.

What moto's CloudFormation does not create (the pipeline itself) is created through its API by
deploy_helpers.create_what_moto_skips, as docs/deploy.md says.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from bundle_helpers import write_bundle
from deploy_helpers import create_what_moto_skips, detach_managed_policies, reset

from conftest import EXAMPLES, ROOT, cli, free_port


@pytest.fixture
def aws_env(moto_server: str, tmp_path: Path) -> dict[str, str]:
    """Fake credentials, no real AWS configuration, and a fresh moto."""
    reset(moto_server)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
                "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true", "NO_COLOR": "1"})
    return env


def _client(service: str, url: str, region: str = "eu-west-1") -> object:
    import boto3

    return boto3.client(service, endpoint_url=url, region_name=region, aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def test_plan_then_deploy_then_no_op_then_a_change_in_words(aws_env: dict[str, str], moto_server: str,
                                                            tmp_path: Path) -> None:
    source = tmp_path / "minimal.wave"
    source.write_text((EXAMPLES / "minimal.wave").read_text())
    cf = _client("cloudformation", moto_server)

    proc = cli("deploy", str(source), "--dry-run", "--endpoint-url", moto_server, env=aws_env)
    assert proc.returncode == 0, proc.stderr
    assert "wavec-hello  111122223333 eu-west-1" in proc.stdout and "create" in proc.stdout
    assert "+ PipelineRole (AWS::IAM::Role): add" in proc.stdout
    assert "pipeline `hello` is created with 3 stages: Source, test, wave-only" in proc.stdout
    assert "Could not read" not in proc.stdout and "dry run: nothing changed" in proc.stdout
    assert cf.list_stacks()["StackSummaries"] == []  # type: ignore[attr-defined]

    proc = cli("deploy", str(source), "--yes", "--endpoint-url", moto_server, env=aws_env)
    assert proc.returncode == 0, proc.stderr
    assert "[1/1] wavec-hello (111122223333, eu-west-1): CREATE_COMPLETE" in proc.stdout
    assert "note: the new pipeline version has no successful execution yet" in proc.stdout  # rules 45/46
    out = tmp_path / "bundle"
    create_what_moto_skips(moto_server, out, write_bundle(source, out), source)

    proc = cli("deploy", str(source), "--detailed-exitcode", "--endpoint-url", moto_server, env=aws_env)
    assert proc.returncode == 0, proc.stderr
    assert "nothing to do" in proc.stdout and "Pipeline hello:\n  no change" in proc.stdout

    source.write_text(source.read_text().replace('"pytest -q"', '"pytest -q -x"'))
    proc = cli("deploy", str(source), "--dry-run", "--detailed-exitcode", "--endpoint-url", moto_server,
               env=aws_env)
    assert proc.returncode == 2, proc.stderr
    assert "stage `test`: action `unit` commands" in proc.stdout and "pytest -q -x" in proc.stdout
    assert "~ HelloPipeline (AWS::CodePipeline::Pipeline): change" in proc.stdout


def test_unreachable_endpoint_exits_3_without_traceback(aws_env: dict[str, str]) -> None:
    env = {**aws_env, "AWS_MAX_ATTEMPTS": "2"}  # the user's retry setting is honoured; keeps the test short
    proc = cli("deploy", "examples/minimal.wave", "--yes", "--endpoint-url", f"http://127.0.0.1:{free_port()}",
               env=env)
    assert proc.returncode == 3
    assert "wavec deploy: error: cannot reach http://127.0.0.1:" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_no_credentials_exits_3_unless_it_is_a_dry_run(aws_env: dict[str, str], moto_server: str) -> None:
    env = {k: v for k, v in aws_env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    proc = cli("deploy", "examples/minimal.wave", "--yes", "--endpoint-url", moto_server, env=env)
    assert proc.returncode == 3
    assert "no AWS credentials found" in proc.stderr and "--dry-run" in proc.stderr


def test_unknown_profile_exits_3(aws_env: dict[str, str], moto_server: str) -> None:
    proc = cli("deploy", "examples/minimal.wave", "--profile", "nope", "--endpoint-url", moto_server, env=aws_env)
    assert proc.returncode == 3
    assert "profile (nope) could not be found" in proc.stderr


def test_a_usage_error_under_detailed_exitcode_is_1_not_the_2_of_changes(tmp_path: Path) -> None:
    # 2 means "changes" to a CI job reading --detailed-exitcode; a usage error there must not look like one.
    args = ("deploy", str(EXAMPLES / "minimal.wave"), "--delete-artifact-buckets")
    plain, detailed = cli(*args, cwd=tmp_path), cli(*args, "--detailed-exitcode", cwd=tmp_path)
    assert plain.returncode == 2 and detailed.returncode == 1
    assert detailed.stderr == plain.stderr == "wavec deploy: error: --delete-artifact-buckets goes with --destroy\n"


def test_file_errors_exit_1_before_any_aws_call(aws_env: dict[str, str]) -> None:
    proc = cli("deploy", "tests/fixtures/codepipeline/WV900_no_role.wave", "--endpoint-url", "http://127.0.0.1:9",
               env=aws_env, cwd=ROOT)
    assert proc.returncode == 1
    assert "error[WV900]" in proc.stderr and "cannot reach" not in proc.stderr


def test_destroy_removes_the_stacks_and_keeps_artifact_buckets_unless_told(aws_env: dict[str, str],
                                                                           moto_server: str) -> None:
    s3, iam = _client("s3", moto_server), _client("iam", moto_server)
    proc = cli("deploy", "examples/minimal.wave", "--yes", "--endpoint-url", moto_server, env=aws_env)
    assert proc.returncode == 0, proc.stderr
    assert "hello-artifacts-eu-west-1" in {b["Name"] for b in s3.list_buckets()["Buckets"]}  # type: ignore[attr-defined]

    proc = cli("deploy", "examples/minimal.wave", "--destroy", "--dry-run", "--detailed-exitcode",
               "--endpoint-url", moto_server, env=aws_env)
    assert proc.returncode == 2, proc.stderr
    assert "Destroy pipeline hello" in proc.stdout and "wavec-hello" in proc.stdout
    assert "= ArtifactBucket (AWS::S3::Bucket): keep" in proc.stdout
    assert "- PipelineRole (AWS::IAM::Role): remove" in proc.stdout
    assert "Plan: 1 to delete (1 stacks)." in proc.stdout

    detach_managed_policies(moto_server, "111122223333", "hello-pipeline")
    proc = cli("deploy", "examples/minimal.wave", "--destroy", "--yes", "--endpoint-url", moto_server, env=aws_env)
    assert proc.returncode == 0, proc.stderr
    assert "kept bucket hello-artifacts-eu-west-1" in proc.stdout
    cf = _client("cloudformation", moto_server)
    assert [s["StackStatus"] for s in cf.list_stacks()["StackSummaries"]] == ["DELETE_COMPLETE"]  # type: ignore[attr-defined]
    assert "hello-pipeline" not in {r["RoleName"] for r in iam.list_roles()["Roles"]}  # type: ignore[attr-defined]
    assert "hello-artifacts-eu-west-1" in {b["Name"] for b in s3.list_buckets()["Buckets"]}  # type: ignore[attr-defined]

    proc = cli("deploy", "examples/minimal.wave", "--destroy", "--yes", "--detailed-exitcode", "--endpoint-url",
               moto_server, env=aws_env)
    assert proc.returncode == 0 and "nothing to do: no stack of the bundle exists" in proc.stdout

    # Told to: a new deploy (after removing the kept bucket by hand: a new stack cannot create a bucket that
    # exists, docs/deploy.md), an artifact in its bucket, then a destroy that empties and deletes the bucket.
    s3.delete_bucket(Bucket="hello-artifacts-eu-west-1")  # type: ignore[attr-defined]
    proc = cli("deploy", "examples/minimal.wave", "--yes", "--endpoint-url", moto_server, env=aws_env)
    assert proc.returncode == 0, proc.stderr
    s3.put_object(Bucket="hello-artifacts-eu-west-1", Key="hello/source/a.zip", Body=b"x")  # type: ignore[attr-defined]
    detach_managed_policies(moto_server, "111122223333", "hello-pipeline")
    proc = cli("deploy", "examples/minimal.wave", "--destroy", "--yes", "--delete-artifact-buckets",
               "--endpoint-url", moto_server, env=aws_env)
    assert proc.returncode == 0, proc.stderr
    assert "emptied and deleted bucket hello-artifacts-eu-west-1" in proc.stdout
    assert "hello-artifacts-eu-west-1" not in {b["Name"] for b in s3.list_buckets()["Buckets"]}  # type: ignore[attr-defined]

    proc = cli("deploy", "examples/minimal.wave", "--delete-artifact-buckets", "--endpoint-url", moto_server,
               env=aws_env)
    assert proc.returncode == 2 and "--delete-artifact-buckets goes with --destroy" in proc.stderr
