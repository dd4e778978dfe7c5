"""`wavec build --target codepipeline --format cloudformation --out DIR`: the deployment bundle.

One stack per region and account, each holding exactly the resources that belong there, applied in the
manifest's order; deterministic bytes; every template cfn-lint clean (slow).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bundle_helpers import BUNDLE_EXAMPLES, SECOND_ACCOUNT, templates, two_account_checkout, write_bundle
from test_codepipeline_support import cfn_lint

from conftest import EXAMPLES, cli

HOME = "111122223333"


def _single_template(path: Path) -> dict[str, object]:
    proc = cli("build", str(path), "--target", "codepipeline", "--format", "cloudformation")
    assert proc.returncode == 0, proc.stderr
    document: dict[str, object] = json.loads(proc.stdout)
    return document


def test_checkout_bundle_has_a_pipeline_stack_and_one_support_stack_per_other_region(tmp_path: Path) -> None:
    manifest = write_bundle(EXAMPLES / "checkout.wave", tmp_path)
    stacks = manifest["stacks"]
    assert manifest["pipeline"] == {"name": "checkout", "account": HOME, "region": "us-east-1",
                                    "stack": "wavec-checkout"}
    assert [s["order"] for s in stacks] == list(range(1, len(stacks) + 1))
    assert stacks[-1]["kind"] == "pipeline" and stacks[-1]["region"] == "us-east-1"
    regions = {"us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1", "ap-southeast-2", "sa-east-1",
               "ca-central-1"}
    assert {s["region"] for s in stacks if s["kind"] == "support"} == regions
    assert {s["account"] for s in stacks} == {HOME}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([s["file"] for s in stacks] + ["manifest.json"])

    docs = templates(tmp_path, manifest)
    for stack in stacks:
        doc = docs[stack["name"]]
        assert "Conditions" not in doc  # one placement per stack: nothing left to choose
        for logical, resource in doc["Resources"].items():
            where = resource.get("Metadata", {}).get("wavec", {}).get("placement")
            if where is not None:
                assert (where["region"], where["account"]) == (stack["region"], stack["account"]), logical
    # Every region's artifact store has its bucket, in the stack of that region.
    request = json.loads(cli("build", "examples/checkout.wave", "--target", "codepipeline").stdout)["pipeline"]
    for stack in stacks:
        buckets = [r["Properties"]["BucketName"] for r in docs[stack["name"]]["Resources"].values()
                   if r["Type"] == "AWS::S3::Bucket"]
        assert buckets == [request["artifactStores"][stack["region"]]["location"]]
    pipeline = docs["wavec-checkout"]["Resources"]
    role = next(r for r in pipeline.values() if r["Type"] == "AWS::IAM::Role"
                and r["Properties"].get("RoleName") == "checkout-pipeline")
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"] == \
        "codepipeline.amazonaws.com"
    # The teardown project runs with the pipeline role by default: the role trusts CodeBuild and may write the
    # project's logs (and nothing else of CloudWatch Logs).
    trusted = [s["Principal"]["Service"] for s in role["Properties"]["AssumeRolePolicyDocument"]["Statement"]]
    assert trusted == ["codepipeline.amazonaws.com", "codebuild.amazonaws.com"]
    project = next(k for k, r in pipeline.items() if r["Type"] == "AWS::CodeBuild::Project")
    granted = json.dumps(pipeline["PipelineRoleActions"]["Properties"]["PolicyDocument"])
    assert f"log-group:/aws/codebuild/${{{project}}}" in granted
    # The pipeline is created after its role and the role's policies (a name is no dependency to CloudFormation).
    assert {"PipelineRole", "PipelineRoleArtifacts", "PipelineRoleActions"} <= set(
        pipeline["CheckoutPipeline"]["DependsOn"])


def test_every_resource_of_the_one_template_is_in_exactly_one_stack(tmp_path: Path) -> None:
    for example in BUNDLE_EXAMPLES:
        out = tmp_path / example.stem
        manifest = write_bundle(example, out)
        single = _single_template(example)["Resources"]
        assert isinstance(single, dict)
        seen: dict[str, str] = {}
        for name, doc in templates(out, manifest).items():
            for logical in doc["Resources"]:
                assert logical not in seen or logical in {"ArtifactBucket", "ArtifactBucketPolicy"}, (logical, name)
                seen.setdefault(logical, name)
        assert set(single) <= set(seen), example


def test_bundle_bytes_are_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    write_bundle(EXAMPLES / "checkout.wave", first)
    write_bundle(EXAMPLES / "checkout.wave", second)
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    assert all((first / n).read_bytes() == (second / n).read_bytes() for n in names)
    assert str(tmp_path) not in "".join((first / n).read_text() for n in names)


def test_second_account_gets_a_role_stack_and_regional_stacks(tmp_path: Path) -> None:
    source = two_account_checkout(tmp_path)
    manifest = write_bundle(source, tmp_path / "out")
    stacks = manifest["stacks"]
    kinds = [s["kind"] for s in stacks]
    # Roles first (the others attach policies to them), then the regional pieces, the pipeline last.
    assert kinds == sorted(kinds, key=["roles", "support", "pipeline"].index)
    roles = {s["account"]: s for s in stacks if s["kind"] == "roles"}
    assert set(roles) == {HOME, SECOND_ACCOUNT}
    assert all(s["region"] == "us-east-1" for s in roles.values())  # IAM is global; the pipeline's region
    docs = templates(tmp_path / "out", manifest)
    (deployer,) = docs[roles[SECOND_ACCOUNT]["name"]]["Resources"].values()
    props = deployer["Properties"]
    assert props["RoleName"] == "checkout-deployer"
    (trust,) = props["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"AWS": f"arn:aws:iam::{HOME}:root"}
    assert trust["Condition"] == {"ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{HOME}:role/checkout-pipeline"}}
    # The bake machines of the second account are in its own regional stacks.
    second = [s for s in stacks if s["account"] == SECOND_ACCOUNT and s["kind"] == "support"]
    assert {s["region"] for s in second} == {"eu-central-1", "ap-northeast-1", "ap-southeast-2", "sa-east-1",
                                             "ca-central-1"}
    for stack in second:
        types = {r["Type"] for r in docs[stack["name"]]["Resources"].values()}
        assert "AWS::StepFunctions::StateMachine" in types and "AWS::S3::Bucket" not in types
    # The artifact buckets let the other account's deploy role read, and nobody else from outside.
    bucket_policy = docs["wavec-checkout"]["Resources"]["ArtifactBucketPolicy"]["Properties"]["PolicyDocument"]
    (read,) = [s for s in bucket_policy["Statement"] if s["Effect"] == "Allow"]
    assert f"arn:aws:iam::{SECOND_ACCOUNT}:role/checkout-deployer" in read["Condition"]["ArnEquals"][
        "aws:PrincipalArn"]


def test_json_format_still_emits_the_create_pipeline_body_alone() -> None:
    proc = cli("build", "examples/checkout.wave", "--target", "codepipeline", "--format", "json")
    assert proc.returncode == 0
    assert set(json.loads(proc.stdout)) == {"pipeline", "tags"}


def test_out_needs_the_cloudformation_format(tmp_path: Path) -> None:
    proc = cli("build", "examples/checkout.wave", "--target", "codepipeline", "--out", str(tmp_path / "x"))
    assert proc.returncode == 2
    assert "--out DIR writes the deployment bundle" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "x").exists()


def test_rebuilding_into_the_same_folder_drops_stacks_that_are_gone(tmp_path: Path) -> None:
    source = two_account_checkout(tmp_path)
    out = tmp_path / "out"
    write_bundle(source, out)
    assert (out / f"roles-{SECOND_ACCOUNT}.json").exists()
    (out / "notes.txt").write_text("mine")
    manifest = write_bundle(EXAMPLES / "checkout.wave", out)
    assert sorted(p.name for p in out.iterdir()) == sorted([s["file"] for s in manifest["stacks"]] +
                                                           ["manifest.json", "notes.txt"])


@pytest.mark.slow  # cfn-lint, about a second per template
@pytest.mark.parametrize("example", [*BUNDLE_EXAMPLES, None], ids=lambda p: p.name if p else "two-accounts")
def test_every_bundle_template_passes_cfn_lint(example: Path | None, tmp_path: Path) -> None:
    source = example if example is not None else two_account_checkout(tmp_path)
    manifest = write_bundle(source, tmp_path / "out")
    for stack in manifest["stacks"]:
        text = (tmp_path / "out" / stack["file"]).read_text()
        assert cfn_lint(text) == [], stack["file"]
