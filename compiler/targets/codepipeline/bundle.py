"""The deployment bundle: the one template split into one stack per region and account, plus a manifest.

``template`` (the pipeline and what serves it, each resource under the condition of its placement,
:mod:`.cloudformation`) is split by placement, and what the pipeline needs before it can run is added: the
pipeline role and its least-privilege policies (:mod:`.iam`), an artifact bucket in every region, and the deploy
roles of every account. The stacks are

* one **role stack** per account holding deploy roles (in the pipeline's region: IAM is global);
* one **support stack** per other region (and account) with something regional: the artifact bucket of that
  region, the bake state machine placed there;
* the **pipeline stack** in the pipeline's region and account: the pipeline, its role, its artifact bucket, the
  bake machine there, the rollback guard, the compensator, the source-change rule.

They are applied in that order (roles, then support, then the pipeline: each needs the ones before), which the
manifest states with each stack's account, region, parameters and capabilities. The bytes are deterministic.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ...records import field, record
from . import iam

MANIFEST = "manifest.json"
FORMAT = "wavec-bundle/1"
BUCKET_PART = "artifacts"


@record
class Stack:
    """One stack of the bundle: where it goes, in which order, and its template."""

    order: int
    kind: str  # roles | support | pipeline
    name: str
    file: str
    account: str
    region: str
    template: dict[str, Any]

    @property
    def parameters(self) -> dict[str, str]:
        """The parameters the stack is deployed with: their defaults."""
        return {k: str(v.get("Default", "")) for k, v in sorted(self.template.get("Parameters", {}).items())}

    @property
    def capabilities(self) -> list[str]:
        """``CAPABILITY_NAMED_IAM`` when the stack names IAM resources."""
        types = {r["Type"] for r in self.template["Resources"].values()}
        return ["CAPABILITY_NAMED_IAM"] if any(t.startswith("AWS::IAM::") for t in types) else []

    def entry(self) -> dict[str, Any]:
        """The stack's manifest entry."""
        return {"order": self.order, "kind": self.kind, "name": self.name, "file": self.file,
                "account": self.account, "region": self.region, "parameters": self.parameters,
                "capabilities": self.capabilities}


@record
class Bundle:
    """Every stack of a pipeline, in deployment order."""

    pipeline: str
    account: str
    region: str
    stacks: tuple[Stack, ...]
    request: dict[str, Any] = field(default_factory=dict, compare=False)  # the CreatePipeline body

    def manifest(self) -> dict[str, Any]:
        """What ``manifest.json`` holds."""
        return {"format": FORMAT,
                "pipeline": {"name": self.pipeline, "account": self.account, "region": self.region,
                             "stack": self.stacks[-1].name},
                "stacks": [s.entry() for s in self.stacks]}

    def files(self) -> dict[str, str]:
        """File name → text: one template per stack and the manifest."""
        out = {s.file: dumps(s.template) for s in self.stacks}
        out[MANIFEST] = dumps(self.manifest())
        return out


def dumps(document: Any) -> str:
    """Deterministic JSON: sorted keys, two-space indent, trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _words(text: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", text) if w)


def _placement_of(resource: dict[str, Any], conditions: dict[str, Any], home: tuple[str, str]) -> tuple[str, str]:
    """The region and account a resource of the one template belongs to, read from its condition."""
    name = resource.get("Condition")
    if name is None or name not in conditions:
        return home
    found: dict[str, str] = {}
    for equals in conditions[name].get("Fn::And", []):
        ref, value = equals["Fn::Equals"]
        found[ref["Ref"]] = value
    return found.get("AWS::Region", home[0]), found.get("AWS::AccountId", home[1])


def _bucket_part(request: dict[str, Any], region: str, account: str, cross_account_roles: list[str]) -> dict[str, Any]:
    """The artifact bucket of ``region`` (kept on deletion: it holds artifacts), and who may read it."""
    store = request["pipeline"]["artifactStores"][region]
    key = store.get("encryptionKey")
    rule: dict[str, Any] = {"SSEAlgorithm": "AES256"}
    if key is not None:
        rule = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key["id"]}
    meta = {"wavec": {"part": BUCKET_PART, "placement": {"region": region, "account": account}}}
    bucket = store["location"]
    resources: dict[str, Any] = {"ArtifactBucket": {
        "Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain", "Metadata": meta,
        "Properties": {
            "BucketName": bucket,
            "VersioningConfiguration": {"Status": "Enabled"},
            "BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": rule}]},
            "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                               "IgnorePublicAcls": True, "RestrictPublicBuckets": True}}}}
    statements: list[dict[str, Any]] = [{
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]
    if cross_account_roles:
        # Deploy roles of other accounts read the input artifacts (rule 56). Their accounts' roots, narrowed to
        # the roles: a bucket policy naming a role that does not exist yet would be refused.
        statements.append({
            "Sid": "DeployRolesRead", "Effect": "Allow",
            "Principal": {"AWS": sorted({f"arn:aws:iam::{iam.account_of(r)}:root" for r in cross_account_roles})},
            "Action": ["s3:GetObject", "s3:GetObjectVersion"], "Resource": f"arn:aws:s3:::{bucket}/*",
            "Condition": {"ArnEquals": {"aws:PrincipalArn": sorted(cross_account_roles)}}})
    resources["ArtifactBucketPolicy"] = {
        # The Deny of every S3 action over plain HTTP grants nothing: its `*`s are no privilege.
        "Type": "AWS::S3::BucketPolicy", "Metadata": meta,
        "Properties": {"Bucket": {"Ref": "ArtifactBucket"},
                       "PolicyDocument": {"Version": iam.VERSION, "Statement": statements}}}
    return resources


def _used_parameters(resources: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    text = json.dumps(resources, sort_keys=True)
    return {k: v for k, v in parameters.items() if f'{{"Ref": "{k}"}}' in text or f"${{{k}}}" in text}


def _depends_on_role(resources: dict[str, Any], role_logical: str, role_arn: str) -> None:
    """Every resource that names the role waits for it: a policy attached by name attaches by reference instead,
    anything naming its ARN (the pipeline, projects run with it) depends on it and on its policies."""
    name = iam.role_name(role_arn)
    owned = {role_logical} | {k for k, v in resources.items()
                              if v["Type"] == "AWS::IAM::ManagedPolicy" and {"Ref": role_logical} in
                              v.get("Properties", {}).get("Roles", [])}
    for logical, resource in resources.items():
        if logical in owned:
            continue
        roles = resource.get("Properties", {}).get("Roles")
        if isinstance(roles, list) and name in roles:
            # A policy of the same stack attaches to the role by reference: a true dependency.
            resource["Properties"]["Roles"] = [{"Ref": role_logical} if r == name else r for r in roles]
        text = json.dumps(resource, sort_keys=True)
        if role_arn in text or f'"Roles": ["{name}"]' in text:
            depends = resource.get("DependsOn", [])
            depends = [depends] if isinstance(depends, str) else list(depends)
            resource["DependsOn"] = sorted(set(depends) | owned)


def _template(description: str, resources: dict[str, Any], parameters: dict[str, Any],
              outputs: dict[str, Any] | None = None) -> dict[str, Any]:
    document: dict[str, Any] = {"AWSTemplateFormatVersion": "2010-09-09", "Description": description}
    used = _used_parameters({"r": resources, "o": outputs or {}}, parameters)
    if used:
        document["Parameters"] = used
    document["Resources"] = resources
    if outputs:
        document["Outputs"] = outputs
    return document


def split(request: dict[str, Any], template: dict[str, Any], region: str) -> Bundle:
    """The bundle of a pipeline from its request and its one template (the ``--format cloudformation`` output)."""
    pipeline = request["pipeline"]
    name = pipeline["name"]
    home = (region, iam.account_of(pipeline["roleArn"]))
    conditions = template.get("Conditions", {})
    parameters = template.get("Parameters", {})
    by_placement: dict[tuple[str, str], dict[str, Any]] = {}
    for logical, resource in template["Resources"].items():
        placement = _placement_of(resource, conditions, home)
        # Each stack holds its placement's resources only: the conditions have done their work.
        by_placement.setdefault(placement, {})[logical] = {k: v for k, v in resource.items() if k != "Condition"}
    outputs = {k: {f: v for f, v in o.items() if f != "Condition"} for k, o in template.get("Outputs", {}).items()}

    cross_account = sorted(r for r in iam.deploy_role_grants(request, region) if iam.account_of(r) != home[1])
    for store_region in pipeline.get("artifactStores", {}):
        by_placement.setdefault((store_region, home[1]), {}).update(
            _bucket_part(request, store_region, home[1], cross_account))
    by_placement.setdefault(home, {}).update(iam.pipeline_role_part(request, region, template)["Resources"])
    _depends_on_role(by_placement[home], iam.PIPELINE_ROLE, pipeline["roleArn"])

    stacks: list[Stack] = []
    for account in iam.deploy_role_accounts(request, region):
        resources = iam.deploy_roles_part(request, region, account)["Resources"]
        stacks.append(Stack(0, "roles", f"wavec-{name}-roles-{account}", f"roles-{account}.json", account, region,
                            _template(f"deploy roles of pipeline {name} in account {account} (wavec)", resources,
                                      parameters)))
    for placement in sorted(p for p in by_placement if p != home):
        p_region, p_account = placement
        suffix = p_region if p_account == home[1] else f"{p_region}-{p_account}"
        stacks.append(Stack(0, "support", f"wavec-{name}-{suffix}", f"support-{suffix}.json", p_account, p_region,
                            _template(f"what pipeline {name} needs in {p_region}, account {p_account} (wavec)",
                                      by_placement[placement], parameters)))
    stacks.append(Stack(0, "pipeline", f"wavec-{name}", "pipeline.json", home[1], region,
                        _template(f"CodePipeline V2 pipeline {name} and what serves it, compiled by wavec",
                                  by_placement[home], parameters, outputs)))
    ordered = tuple(Stack(i, s.kind, s.name, s.file, s.account, s.region, s.template)
                    for i, s in enumerate(stacks, start=1))
    return Bundle(name, home[1], region, ordered, request)
