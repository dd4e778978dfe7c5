"""Least privilege in every bundle: no `*` action, and no `*` resource unless the service takes no narrower one.

The oracle reads every policy document of every stack of every example's bundle (roles' inline policies,
managed policies, bucket policies) and fails on an Allow with a `*` action (`*`, `service:*`), `NotAction` /
`NotResource`, or a `*` resource, unless the resource's `Metadata.wavec.wildcards` names that action with a
reason. Trust policies must name a principal, never `*`.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from bundle_helpers import BUNDLE_EXAMPLES, templates, two_account_checkout, write_bundle

from conftest import EXAMPLES


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _documents(resource: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    props = resource.get("Properties", {})
    kind = resource["Type"]
    found = []
    if kind == "AWS::IAM::Role":
        found += [(f"policy {p['PolicyName']}", p["PolicyDocument"]) for p in props.get("Policies", [])]
    if kind in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy", "AWS::S3::BucketPolicy"):
        found.append(("policy", props["PolicyDocument"]))
    return found


def _is_wildcard_resource(value: Any) -> bool:
    if not isinstance(value, str):
        return False  # an intrinsic function: a resource of the template, never `*`
    return value == "*" or (value.startswith("arn:") and value.split(":", 5)[-1] == "*")


def wildcard_findings(stack: str, template: dict[str, Any]) -> list[str]:
    """Every unjustified wildcard of one template, as `stack/resource: what`."""
    findings = []
    for logical, resource in template["Resources"].items():
        justified = resource.get("Metadata", {}).get("wavec", {}).get("wildcards", {})
        where = f"{stack}/{logical}"
        trust = resource.get("Properties", {}).get("AssumeRolePolicyDocument")
        if trust is not None:
            for statement in _listed(trust["Statement"]):
                if statement.get("Principal") in ("*", {"AWS": "*"}):
                    findings.append(f"{where}: trusts any principal")
        for name, document in _documents(resource):
            for statement in _listed(document["Statement"]):
                if statement["Effect"] != "Allow":
                    continue  # a Deny grants nothing
                if "NotAction" in statement or "NotResource" in statement:
                    findings.append(f"{where} {name}: NotAction/NotResource")
                    continue
                actions = _listed(statement["Action"])
                for action in actions:
                    if (action == "*" or action.endswith(":*")) and action not in justified:
                        findings.append(f"{where} {name}: action {action}")
                if any(_is_wildcard_resource(r) for r in _listed(statement["Resource"])):
                    for action in actions:
                        if action not in justified:
                            findings.append(f"{where} {name}: {action} on `*`")
    return findings


def _bundle(source: Path, out: Path) -> dict[str, dict[str, Any]]:
    return templates(out, write_bundle(source, out))


@pytest.mark.parametrize("example", [*BUNDLE_EXAMPLES, None], ids=lambda p: p.name if p else "two-accounts")
def test_no_unjustified_wildcard_in_any_policy_of_the_bundle(example: Path | None, tmp_path: Path) -> None:
    source = example if example is not None else two_account_checkout(tmp_path)
    docs = _bundle(source, tmp_path / "out")
    policies = sum(len(_documents(r)) for d in docs.values() for r in d["Resources"].values())
    assert policies >= 3  # the oracle reads something: the pipeline role's policies at least
    assert [f for name, doc in docs.items() for f in wildcard_findings(name, doc)] == []


def test_every_justified_wildcard_says_why(tmp_path: Path) -> None:
    docs = _bundle(two_account_checkout(tmp_path), tmp_path / "out")
    for doc in docs.values():
        for resource in doc["Resources"].values():
            for action, why in resource.get("Metadata", {}).get("wavec", {}).get("wildcards", {}).items():
                assert ":" in action and len(why) > 20, (action, why)


def test_the_oracle_catches_an_injected_wildcard(tmp_path: Path) -> None:
    docs = _bundle(EXAMPLES / "checkout.wave", tmp_path / "out")
    clean = docs["wavec-checkout"]
    assert wildcard_findings("p", clean) == []

    star_action = copy.deepcopy(clean)
    star_action["Resources"]["PipelineRoleArtifacts"]["Properties"]["PolicyDocument"]["Statement"].append(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::acme-checkout-artifacts-us-east-1/*"})
    assert wildcard_findings("p", star_action) == ["p/PipelineRoleArtifacts policy: action s3:*"]

    star_resource = copy.deepcopy(clean)
    star_resource["Resources"]["PipelineRoleActions"]["Properties"]["PolicyDocument"]["Statement"][0][
        "Resource"] = "*"
    assert any("on `*`" in f for f in wildcard_findings("p", star_resource))

    unjustified = copy.deepcopy(clean)
    guard = next(k for k in unjustified["Resources"] if k.endswith("GuardRole"))
    del unjustified["Resources"][guard]["Metadata"]["wavec"]["wildcards"]
    assert wildcard_findings("p", unjustified) == [
        f"p/{guard} policy guard: codepipeline:PutJobFailureResult on `*`",
        f"p/{guard} policy guard: codepipeline:PutJobSuccessResult on `*`"]

    bake = next(d for d in docs.values() if any(k.startswith("BakeRole") for k in d["Resources"]))
    role = next(k for k in bake["Resources"] if k.startswith("BakeRole"))
    bare = copy.deepcopy(bake)
    bare["Resources"][role]["Metadata"]["wavec"].pop("wildcards", None)
    assert wildcard_findings("s", bare) == [f"s/{role} policy read-alarms: cloudwatch:DescribeAlarms on `*`"]
