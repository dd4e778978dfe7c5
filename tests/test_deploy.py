"""`wavec deploy` against moto's server on 127.0.0.1 (conftest.moto_server): boto3 talks real HTTP.

moto 5.2 needs the pipeline role to exist in its IAM with a trust policy for codepipeline.amazonaws.com;
MOTO_ACCOUNT_ID makes its account the examples' (111122223333); POST /moto-api/reset clears it between tests.
"""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

import pytest

from wavec.targets.codepipeline.deploy import normalize

from conftest import ROOT, cli, free_port

TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                 "Principal": {"Service": "codepipeline.amazonaws.com"}}]}


@pytest.fixture
def aws_env(moto_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Fake credentials, no real AWS configuration, and a fresh moto (for in-process and subprocess runs)."""
    urllib.request.urlopen(urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST"), timeout=5)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
                "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true", "NO_COLOR": "1"})
    for key in os.environ:
        if key.startswith("AWS_"):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(ROOT)
    return env


def wavec(*args: str) -> tuple[int, str, str]:
    """Run the CLI in this process (faster than a subprocess; boto3 still talks HTTP to moto)."""
    proc = cli(*args)
    return proc.returncode, proc.stdout, proc.stderr


def _client(service: str, url: str, region: str = "eu-west-1") -> object:
    import boto3

    return boto3.client(service, endpoint_url=url, region_name=region, aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def _create_role(url: str, name: str) -> None:
    iam = _client("iam", url)
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))  # type: ignore[attr-defined]


def test_dry_run_changes_nothing_then_create_then_update(aws_env: dict[str, str], moto_server: str,
                                                         tmp_path: Path) -> None:
    _create_role(moto_server, "hello-pipeline")
    cp = _client("codepipeline", moto_server)

    code, out, err = wavec("deploy", "examples/minimal.wave", "--dry-run", "--endpoint-url", moto_server)
    assert code == 0, err
    assert "pipeline hello does not exist in eu-west-1" in out
    assert '+  "pipelineType": "V2",' in out and "dry run: nothing changed" in out
    assert cp.list_pipelines()["pipelines"] == []  # type: ignore[attr-defined]

    code, out, err = wavec("deploy", "examples/minimal.wave", "--endpoint-url", moto_server)
    assert code == 0, err
    assert "created pipeline hello in eu-west-1 (version 1)" in out
    live = cp.get_pipeline(name="hello")["pipeline"]  # type: ignore[attr-defined]
    code, out, err = wavec("build", "examples/minimal.wave", "--target", "codepipeline")
    assert normalize({k: v for k, v in live.items() if k != "version"}) == json.loads(out)["pipeline"]

    code, out, err = wavec("deploy", "examples/minimal.wave", "--endpoint-url", moto_server)
    assert code == 0 and "is up to date (version 1)" in out

    changed = tmp_path / "minimal.wave"
    changed.write_text((ROOT / "examples" / "minimal.wave").read_text().replace('"pytest -q"', '"pytest -q -x"'))
    code, out, err = wavec("deploy", str(changed), "--endpoint-url", moto_server)
    assert code == 0, err
    assert '-            "pytest -q"' in out and '+            "pytest -q -x"' in out
    assert "updated pipeline hello in eu-west-1 (version 2)" in out
    live = cp.get_pipeline(name="hello")["pipeline"]  # type: ignore[attr-defined]
    assert live["version"] == 2
    assert live["stages"][1]["actions"][0]["commands"] == ["pytest -q -x"]


def test_deploy_honours_aws_endpoint_url_and_region(aws_env: dict[str, str], moto_server: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _create_role(moto_server, "payments-pipeline")
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    code, out, err = wavec("deploy", "examples/team-policy.wave", "--region", "eu-central-1")
    assert code == 0, err
    assert "created pipeline payments in eu-central-1" in out
    # Rules 45/46: a new version has nothing to roll back to until a run succeeds in each rolling-back stage.
    assert "note: version 1 has no successful execution yet" in out and "without rolling back" in out
    # What the CreatePipeline body cannot hold is said before deploying (the compensator: rollback_all, teardown).
    assert "needs its bake state machines and its compensator" in err and "--format cloudformation" in err
    assert "the EventBridge rule that starts it on a source change" in err  # its CodeCommit source does not poll
    cp = _client("codepipeline", moto_server, "eu-central-1")
    assert [p["name"] for p in cp.list_pipelines()["pipelines"]] == ["payments"]  # type: ignore[attr-defined]


def test_missing_role_is_one_message_and_exit_3(aws_env: dict[str, str], moto_server: str) -> None:
    code, _out, err = wavec("deploy", "examples/minimal.wave", "--endpoint-url", moto_server)
    assert code == 3
    assert "wavec deploy: error: CodePipeline cannot use the pipeline role of hello" in err
    assert "codepipeline.amazonaws.com" in err


def test_unreachable_endpoint_exits_3_without_traceback(aws_env: dict[str, str]) -> None:
    env = {**aws_env, "AWS_MAX_ATTEMPTS": "2"}  # the user's retry setting is honoured; keeps the test short
    proc = cli("deploy", "examples/minimal.wave", "--endpoint-url", f"http://127.0.0.1:{free_port()}",
                     env=env)
    assert proc.returncode == 3
    assert "wavec deploy: error: cannot reach http://127.0.0.1:" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_no_credentials_exits_3(aws_env: dict[str, str], moto_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    code, _out, err = wavec("deploy", "examples/minimal.wave", "--endpoint-url", moto_server)
    assert code == 3
    assert "no AWS credentials found" in err


def test_unknown_profile_exits_3(aws_env: dict[str, str], moto_server: str) -> None:
    code, _out, err = wavec("deploy", "examples/minimal.wave", "--profile", "nope", "--endpoint-url", moto_server)
    assert code == 3
    assert "profile (nope) could not be found" in err


def test_file_errors_exit_1_before_any_aws_call(aws_env: dict[str, str]) -> None:
    code, _out, err = wavec("deploy", "tests/fixtures/codepipeline/WV900_no_role.wave", "--endpoint-url",
                           "http://127.0.0.1:9")
    assert code == 1
    assert "error[WV900]" in err and "cannot reach" not in err
