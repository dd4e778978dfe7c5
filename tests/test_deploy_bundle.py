"""`wavec deploy` of the whole bundle against moto's server over HTTP: regions are endpoints of one server,
accounts are moto's per-request accounts (tests/deploy_helpers.py).

The checkout example across its regions and, in its two-account form, two accounts: every stack
CREATE_COMPLETE in its account and region, the pipeline, its role, its buckets and the deploy roles exist; a
second deploy is a no-op (exit 0 with --detailed-exitcode); a change exits 2 and says what changes in words; a
stack that fails exits 3 naming the stack and the reason, and a rerun after the fix completes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from bundle_helpers import SECOND_ACCOUNT, two_account_checkout, write_bundle
from deploy_helpers import (
    NOT_IN_MOTO,
    PIPELINE_ACCOUNT,
    create_referenced_alarms,
    create_what_moto_skips,
    env_for,
    moto_cannot_create,
    reset,
    session,
)

from conftest import EXAMPLES, cli, moto_process


@pytest.fixture(scope="module")
def moto_accounts() -> Iterator[str]:
    with moto_process(account=None) as url:
        yield url


@pytest.fixture
def moto(moto_accounts: str) -> str:
    reset(moto_accounts)
    return moto_accounts


def deploy(url: str, source: Path, tmp: Path, *extra: str) -> tuple[int, str, str]:
    proc = cli("deploy", str(source), "--endpoint-url", url, *extra, env=env_for(url, PIPELINE_ACCOUNT, tmp))
    return proc.returncode, proc.stdout, proc.stderr


def _statuses(url: str, manifest: dict[str, object]) -> dict[str, str]:
    found = {}
    for stack in manifest["stacks"]:  # type: ignore[attr-defined]
        cf = session(url, stack["account"]).client("cloudformation", endpoint_url=url, region_name=stack["region"])
        found[stack["name"]] = cf.describe_stacks(StackName=stack["name"])["Stacks"][0]["StackStatus"]
    return found


@pytest.mark.slow  # about 50 s on a loaded machine: 15 stacks, five deploys
def test_two_account_checkout_deploys_then_is_a_no_op_then_a_change_is_said_in_words(moto: str,
                                                                                     tmp_path: Path) -> None:
    source = two_account_checkout(tmp_path)
    out = tmp_path / "bundle"
    manifest = write_bundle(source, out)
    assert create_referenced_alarms(moto, source) > 20

    code, stdout, stderr = deploy(moto, source, tmp_path, "--yes", "--detailed-exitcode")
    assert code == 2, stderr + stdout
    assert "[1/15] wavec-checkout-roles-111122223333" in stdout and "CREATE_COMPLETE" in stdout
    assert set(_statuses(moto, manifest).values()) == {"CREATE_COMPLETE"}
    assert {s["account"] for s in manifest["stacks"]} == {PIPELINE_ACCOUNT, SECOND_ACCOUNT}
    # What moto's CloudFormation skipped is created through its API, as the docs say (nothing silently).
    assert create_what_moto_skips(moto, out, manifest, source) == NOT_IN_MOTO
    assert all(moto_cannot_create(t) for t in NOT_IN_MOTO)

    home, second = session(moto, PIPELINE_ACCOUNT), session(moto, SECOND_ACCOUNT)
    assert home.client("iam", endpoint_url=moto).get_role(RoleName="checkout-pipeline")["Role"]["Arn"] == \
        f"arn:aws:iam::{PIPELINE_ACCOUNT}:role/checkout-pipeline"
    attached = home.client("iam", endpoint_url=moto).list_attached_role_policies(RoleName="checkout-pipeline")
    assert len(attached["AttachedPolicies"]) >= 3  # artifacts, source, actions (and the bake's, the guard's)
    trust = second.client("iam", endpoint_url=moto).get_role(RoleName="checkout-deployer")["Role"][
        "AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Condition"]["ArnEquals"]["aws:PrincipalArn"].endswith("role/checkout-pipeline")
    buckets = {b["Name"] for b in home.client("s3", endpoint_url=moto).list_buckets()["Buckets"]}
    assert {f"acme-checkout-artifacts-{r}" for r in ("us-east-1", "us-west-2", "eu-west-1", "sa-east-1")} <= buckets
    pipeline = home.client("codepipeline", endpoint_url=moto, region_name="us-east-1").get_pipeline(
        name="checkout")["pipeline"]
    assert pipeline["roleArn"].endswith("role/checkout-pipeline")
    machines = second.client("stepfunctions", endpoint_url=moto, region_name="sa-east-1").list_state_machines()
    assert [m["name"] for m in machines["stateMachines"]] == ["wavec-bake-checkout"]

    code, stdout, stderr = deploy(moto, source, tmp_path, "--yes", "--detailed-exitcode")
    assert code == 0, stderr + stdout
    assert "nothing to do" in stdout and "Plan: 15 up to date (15 stacks)." in stdout

    source.write_text(source.read_text().replace("bake    = 2h", "bake    = 3h"))
    code, stdout, stderr = deploy(moto, source, tmp_path, "--dry-run", "--detailed-exitcode")
    assert code == 2, stderr
    assert "wave `second`: bake 2h → 3h" in stdout
    assert "~ CheckoutPipeline (AWS::CodePipeline::Pipeline): change" in stdout
    assert "Plan: 1 to update, 14 up to date (15 stacks)." in stdout
    code, stdout, stderr = deploy(moto, source, tmp_path, "--yes", "--detailed-exitcode", "--json")
    assert code == 2, stderr
    plan = json.loads(stdout)
    assert plan["pipeline_changes"] == ["wave `second`: bake 2h → 3h"]
    assert [s["name"] for s in plan["stacks"] if s["action"] == "update"] == ["wavec-checkout"]
    assert "[15/15] wavec-checkout" in stderr and "UPDATE_COMPLETE" in stderr
    create_what_moto_skips(moto, out, write_bundle(source, out), source)
    code, stdout, _ = deploy(moto, source, tmp_path, "--yes", "--detailed-exitcode")
    assert code == 0 and "nothing to do" in stdout


@pytest.mark.slow  # about 15 s
def test_a_failing_stack_exits_3_and_a_rerun_after_the_fix_continues_from_it(moto: str, tmp_path: Path) -> None:
    source = EXAMPLES / "checkout.wave"
    manifest = write_bundle(source, tmp_path / "bundle")
    create_referenced_alarms(moto, source)
    # Another account owns the name of the us-west-2 artifact bucket: S3 names are global.
    squatter = session(moto, "999988887777").client("s3", endpoint_url=moto, region_name="us-west-2")
    squatter.create_bucket(Bucket="acme-checkout-artifacts-us-west-2",
                           CreateBucketConfiguration={"LocationConstraint": "us-west-2"})

    code, stdout, stderr = deploy(moto, source, tmp_path, "--yes")
    assert code == 3, stdout + stderr
    assert "wavec deploy: error: stack wavec-checkout-us-west-2 failed" in stderr
    assert "BucketAlreadyExists" in stderr and "run `wavec deploy` again" in stderr
    assert "Traceback" not in stderr
    names = [s["name"] for s in manifest["stacks"]]
    failed_at = names.index("wavec-checkout-us-west-2")
    statuses = _statuses(moto, {"stacks": manifest["stacks"][:failed_at]})
    assert set(statuses.values()) == {"CREATE_COMPLETE"}  # the stacks before it are done ...
    cf = session(moto, PIPELINE_ACCOUNT).client("cloudformation", endpoint_url=moto, region_name="us-east-1")
    assert "wavec-checkout" not in {s["StackName"] for s in cf.list_stacks()["StackSummaries"]}  # ... not after

    squatter.delete_bucket(Bucket="acme-checkout-artifacts-us-west-2")
    code, stdout, stderr = deploy(moto, source, tmp_path, "--yes", "--detailed-exitcode")
    assert code == 2, stdout + stderr
    for index, name in enumerate(names[:failed_at], start=1):
        assert f"[{index}/{len(names)}] {name} (111122223333, " in stdout  # each stack before it: up to date
    assert f"[{failed_at + 1}/{len(names)}] wavec-checkout-us-west-2 (111122223333, us-west-2): deleting" in stdout
    assert set(_statuses(moto, manifest).values()) == {"CREATE_COMPLETE"}
    assert stdout.count(": up to date") == failed_at


def test_dry_run_without_credentials_or_endpoint_plans_everything_as_added(tmp_path: Path) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
                "AWS_EC2_METADATA_DISABLED": "true"})
    proc = cli("deploy", "examples/checkout.wave", "--dry-run", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "Plan: 8 to create (8 stacks)." in proc.stdout
    assert "+ PipelineRole (AWS::IAM::Role): add" in proc.stdout
    assert "pipeline `checkout` is created with 8 stages" in proc.stdout
    assert "stack wavec-checkout in account 111122223333, us-east-1: no AWS credentials found" in proc.stdout
    proc = cli("deploy", "examples/checkout.wave", "--dry-run", "--detailed-exitcode", "--json", env=env)
    assert proc.returncode == 2
    plan = json.loads(proc.stdout)
    assert plan["format"] == "wavec-deploy-plan/1" and plan["changes"] is True
    assert {s["action"] for s in plan["stacks"]} == {"create"}
    assert len(plan["unreadable"]) == 10  # 8 stacks, the pipeline, the alarms
    assert plan["unreadable"][-1] == "the 24 alarms the gates read: no AWS credentials found"  # 8 regions × 3


def test_without_a_terminal_or_yes_nothing_is_applied(moto: str, tmp_path: Path) -> None:
    code, _stdout, stderr = deploy(moto, EXAMPLES / "minimal.wave", tmp_path)
    assert code == 1
    assert "stdin is not a terminal" in stderr and "--yes" in stderr
    cf = session(moto, PIPELINE_ACCOUNT).client("cloudformation", endpoint_url=moto, region_name="eu-west-1")
    assert cf.list_stacks()["StackSummaries"] == []


def test_a_missing_alarm_is_an_error_naming_alarm_region_and_account(moto: str, tmp_path: Path) -> None:
    source = two_account_checkout(tmp_path)
    create_referenced_alarms(moto, source, skip=frozenset({"checkout-5xx-sa-east-1"}))
    code, stdout, stderr = deploy(moto, source, tmp_path, "--yes")
    assert code == 3, stderr
    # The name is read in sa-east-1 in both accounts of the last wave: both are missing, each named.
    assert "alarm checkout-5xx-sa-east-1 does not exist in region sa-east-1 of account 111122223333" in stdout
    assert f"alarm checkout-5xx-sa-east-1 does not exist in region sa-east-1 of account {SECOND_ACCOUNT}" in stdout
    assert "2 alarms the gates read do not exist" in stderr and "nothing was applied" in stderr
    cf = session(moto, PIPELINE_ACCOUNT).client("cloudformation", endpoint_url=moto, region_name="us-east-1")
    assert cf.list_stacks()["StackSummaries"] == []

    create_referenced_alarms(moto, source)
    code, stdout, stderr = deploy(moto, source, tmp_path, "--dry-run", "--json")
    assert code == 0, stderr
    assert json.loads(stdout)["missing_alarms"] == []


CREATE = """    create {
      metric     = "HTTPCode_Target_5XX_Count"
      namespace  = "AWS/ApplicationELB"
      threshold  = 5
      comparison = at_least
      dimensions = { LoadBalancer = "app/checkout-${region}/1" }
    }
"""


def test_a_gate_that_creates_its_alarms_deploys_them_where_the_bake_reads_them(moto: str, tmp_path: Path) -> None:
    from wavec.deploy.alarms import referenced

    source = two_account_checkout(tmp_path)
    text = source.read_text()
    # The health gate creates its alarms (both names of `alarms`): nothing of them has to exist beforehand.
    anchor = '    alarms    = ["checkout-5xx-${region}", "checkout-latency-p99-${region}"]\n'
    assert anchor in text
    source.write_text(text.replace(anchor, anchor + CREATE))
    body = json.loads(cli("build", str(source), "--target", "codepipeline").stdout)
    read = {(a, r, n) for (a, r), names in referenced(body, "us-east-1").items() for n in names}
    made = {x for x in read if x[2].startswith(("checkout-5xx-", "checkout-latency-p99-"))}
    create_referenced_alarms(moto, source, skip=frozenset(n for _, _, n in made))
    out = tmp_path / "bundle"
    manifest = write_bundle(source, out)
    code, stdout, stderr = deploy(moto, source, tmp_path, "--yes")
    assert code == 0, stderr + stdout
    assert "do not exist" not in stdout + stderr
    # moto's CloudFormation skips AWS::CloudWatch::Alarm (docs/deploy.md): made through its API, as the rest.
    assert create_what_moto_skips(moto, out, manifest, source) == NOT_IN_MOTO | {"AWS::CloudWatch::Alarm"}
    for account, region, name in sorted(made):
        cw = session(moto, account).client("cloudwatch", endpoint_url=moto, region_name=region)
        (alarm,) = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"]
        assert alarm["Threshold"] == 5 and alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert alarm["Dimensions"] == [{"Name": "LoadBalancer", "Value": f"app/checkout-{region}/1"}]
    # Each alarm is in the stack of the region and account that reads it, once.
    placed = {(st["account"], st["region"], r["Properties"]["AlarmName"])
              for st in manifest["stacks"]
              for r in json.loads((out / st["file"]).read_text())["Resources"].values()
              if r["Type"] == "AWS::CloudWatch::Alarm"}
    assert placed == made
