"""Least-privilege IAM for the deployment bundle, derived from the actions the pipeline runs.

The pipeline role gets, per concern, one managed policy naming exactly the resources the request names: the
artifact buckets (and keys), the source, the log group of its Commands actions, the CodeBuild projects, the
stacks, applications and services it deploys, and the deploy roles it assumes. Each deploy role (an action's
``roleArn``, in a target account) is trusted by the pipeline role alone and may do what the actions that run
with it do. A permission that takes no resource-level restriction keeps a ``*`` resource and says why in the
resource's ``Metadata.wavec.wildcards`` (action → reason); nothing else is ever ``*``.

Sources (AWS documentation): CodePipeline User Guide, "CodePipeline service role" policy statements per action
provider, and the Commands action reference (its logs permissions); Service Authorization Reference for the
actions without resource-level permissions (``ecs:RegisterTaskDefinition``, ``ecs:DescribeTaskDefinition``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ...records import field, record

VERSION = "2012-10-17"
_INTRINSIC = "\x00"  # marks a resource that is an intrinsic function (kept as JSON text while gathering)
PIPELINE_ROLE = "PipelineRole"
PART = "iam"


def account_of(arn: str) -> str:
    """The account of an ARN (its fifth field)."""
    return arn.split(":")[4]


def role_name(role_arn: str) -> str:
    """``arn:aws:iam::<account>:role[/path]/<name>`` → ``name``."""
    return role_arn.rsplit("/", 1)[-1]


def role_path(role_arn: str) -> str:
    """The role's path (``/`` when it has none)."""
    resource = role_arn.split(":", 5)[5]  # role/path/name
    parts = resource.split("/")[1:-1]
    return "/" + "".join(f"{p}/" for p in parts)


@record(frozen=False)
class Grants:
    """Statements being gathered for one role: (sorted actions) → resources, and the wildcard reasons."""

    statements: dict[tuple[str, ...], set[str]] = field(default_factory=dict)
    conditions: dict[tuple[str, ...], dict[str, Any]] = field(default_factory=dict)
    wildcards: dict[str, str] = field(default_factory=dict)

    def allow(self, actions: Iterable[str], resources: Iterable[str | dict[str, Any]],
              condition: dict[str, Any] | None = None, why_wildcard: str | None = None) -> None:
        """Allow ``actions`` on ``resources`` (ARNs, or intrinsic functions of the template that make one); a
        ``*`` resource must come with ``why_wildcard``."""
        key = tuple(sorted(set(actions)))
        found = {r if isinstance(r, str) else _INTRINSIC + json.dumps(r, sort_keys=True) for r in resources}
        if "*" in found:
            if why_wildcard is None:
                raise ValueError(f"a `*` resource for {', '.join(key)} needs a reason")
            for action in key:
                self.wildcards[action] = why_wildcard
        if condition is not None:
            key = (*key, "#" + repr(sorted(condition.items())))  # a conditional grant is its own statement
            self.conditions[key] = condition
        self.statements.setdefault(key, set()).update(found)

    def __bool__(self) -> bool:
        return bool(self.statements)

    def document(self) -> dict[str, Any]:
        """The policy document: one statement per set of actions, resources sorted."""
        statements = []
        for key in sorted(self.statements):
            actions = [a for a in key if not a.startswith("#")]
            resources = [json.loads(r[len(_INTRINSIC):]) if r.startswith(_INTRINSIC) else r
                         for r in sorted(self.statements[key])]
            statement: dict[str, Any] = {"Effect": "Allow", "Action": actions if len(actions) > 1 else actions[0],
                                         "Resource": resources}
            if key in self.conditions:
                statement["Condition"] = self.conditions[key]
            statements.append(statement)
        return {"Version": VERSION, "Statement": statements}


def _kms_arn(key: str, region: str, account: str) -> str:
    return key if key.startswith("arn:") else f"arn:aws:kms:{region}:{account}:key/{key}"


def artifact_resources(request: dict[str, Any], account: str) -> tuple[list[str], list[str], list[str]]:
    """The artifact buckets' ARNs, their objects' ARNs and their keys' ARNs."""
    buckets, objects, keys = [], [], []
    for region, store in sorted(request["pipeline"].get("artifactStores", {}).items()):
        buckets.append(f"arn:aws:s3:::{store['location']}")
        objects.append(f"arn:aws:s3:::{store['location']}/*")
        if "encryptionKey" in store:
            keys.append(_kms_arn(store["encryptionKey"]["id"], region, account))
    return buckets, objects, keys


def _actions(request: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(stage["name"], action) for stage in request["pipeline"]["stages"] for action in stage["actions"]]


def _deploy_grants(grants: Grants, action: dict[str, Any], region: str, account: str) -> None:
    """What one deploy action needs, in its own region and account."""
    provider = action["actionTypeId"]["provider"]
    config = action.get("configuration", {})
    if provider == "CloudFormation":
        stack = f"arn:aws:cloudformation:{region}:{account}:stack/{config['StackName']}/*"
        grants.allow(["cloudformation:CreateStack", "cloudformation:DeleteStack", "cloudformation:DescribeStacks",
                      "cloudformation:DescribeStackEvents", "cloudformation:UpdateStack"], [stack])
        if "RoleArn" in config:
            grants.allow(["iam:PassRole"], [config["RoleArn"]],
                         {"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}})
    elif provider == "CodeDeploy":
        app, group = config["ApplicationName"], config["DeploymentGroupName"]
        grants.allow(["codedeploy:CreateDeployment", "codedeploy:GetDeployment"],
                     [f"arn:aws:codedeploy:{region}:{account}:deploymentgroup:{app}/{group}"])
        grants.allow(["codedeploy:GetApplication", "codedeploy:GetApplicationRevision",
                      "codedeploy:RegisterApplicationRevision"],
                     [f"arn:aws:codedeploy:{region}:{account}:application:{app}"])
        grants.allow(["codedeploy:GetDeploymentConfig"],
                     [f"arn:aws:codedeploy:{region}:{account}:deploymentconfig:*"])
    elif provider == "ECS":
        cluster, service = config["ClusterName"], config["ServiceName"]
        grants.allow(["ecs:DescribeServices", "ecs:UpdateService"],
                     [f"arn:aws:ecs:{region}:{account}:service/{cluster}/{service}"])
        grants.allow(["ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"], ["*"],
                     why_wildcard="ecs:RegisterTaskDefinition and ecs:DescribeTaskDefinition take no resource-level "
                                  "permission (Service Authorization Reference, Amazon ECS)")
        # The task definition names its own roles, which the file does not: PassRole to ECS tasks only.
        grants.allow(["iam:PassRole"], ["*"], {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
                     why_wildcard="the task definition's roles are not named in the file; passing is limited to "
                                  "ecs-tasks.amazonaws.com")


def _source_grants(grants: Grants, action: dict[str, Any], region: str, account: str) -> None:
    provider = action["actionTypeId"]["provider"]
    config = action.get("configuration", {})
    if provider == "CodeStarSourceConnection":
        grants.allow(["codestar-connections:UseConnection", "codeconnections:UseConnection"],
                     [config["ConnectionArn"]])
    elif provider == "CodeCommit":
        grants.allow(["codecommit:CancelUploadArchive", "codecommit:GetBranch", "codecommit:GetCommit",
                      "codecommit:GetUploadArchiveStatus", "codecommit:UploadArchive"],
                     [f"arn:aws:codecommit:{region}:{account}:{config['RepositoryName']}"])
    elif provider == "S3":
        grants.allow(["s3:GetObject", "s3:GetObjectVersion"],
                     [f"arn:aws:s3:::{config['S3Bucket']}/{config['S3ObjectKey']}"])
        grants.allow(["s3:GetBucketVersioning"], [f"arn:aws:s3:::{config['S3Bucket']}"])


def pipeline_grants(request: dict[str, Any], region: str) -> dict[str, Grants]:
    """The pipeline role's grants per concern (``artifacts``, ``source``, ``actions``): what its actions do."""
    pipeline = request["pipeline"]
    account = account_of(pipeline["roleArn"])
    name = pipeline["name"]
    artifacts, source, actions = Grants(), Grants(), Grants()
    buckets, objects, keys = artifact_resources(request, account)
    artifacts.allow(["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"], objects)
    artifacts.allow(["s3:GetBucketLocation", "s3:GetBucketVersioning", "s3:ListBucket"], buckets)
    if keys:
        artifacts.allow(["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"], keys)
    for _stage, action in _actions(request):
        category = action["actionTypeId"]["category"]
        provider = action["actionTypeId"]["provider"]
        where = action.get("region", region)
        if category == "Source":
            _source_grants(source, action, region, account)
        elif provider == "Commands":
            # Commands action reference: the service role writes the action's logs to this group.
            group = f"arn:aws:logs:{where}:{account}:log-group:/aws/codepipeline/{name}"
            actions.allow(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                          [group, f"{group}:log-stream:*"])
        elif provider == "CodeBuild":
            project = action["configuration"]["ProjectName"]
            actions.allow(["codebuild:BatchGetBuilds", "codebuild:StartBuild"],
                          [f"arn:aws:codebuild:{where}:{account}:project/{project}"])
        elif "roleArn" in action:
            # Rule 57: the action's role is assumed through the pipeline role; that role does the work.
            actions.allow(["sts:AssumeRole"], [action["roleArn"]])
        elif category == "Deploy":
            _deploy_grants(actions, action, where, account)
    return {"artifacts": artifacts, "source": source, "actions": actions}


def deploy_role_grants(request: dict[str, Any], region: str) -> dict[str, Grants]:
    """For every deploy role an action assumes (its ``roleArn``): what the actions that run with it do."""
    pipeline = request["pipeline"]
    home_account = account_of(pipeline["roleArn"])
    _buckets, objects, keys = artifact_resources(request, home_account)
    found: dict[str, Grants] = {}
    for _stage, action in _actions(request):
        role = action.get("roleArn")
        if role is None:
            continue
        grants = found.setdefault(role, Grants())
        # Input artifacts are read from the pipeline account's stores (rule 56), through its keys (rule 58).
        grants.allow(["s3:GetObject", "s3:GetObjectVersion"], objects)
        if keys:
            grants.allow(["kms:Decrypt", "kms:DescribeKey"], keys)
        if action["actionTypeId"]["category"] == "Deploy":
            _deploy_grants(grants, action, action.get("region", region), account_of(role))
    return found


def _metadata(grants: Grants, placement: tuple[str, str], what: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"part": PART, "what": what,
                            "placement": {"region": placement[0], "account": placement[1]}}
    if grants.wildcards:
        meta["wildcards"] = dict(sorted(grants.wildcards.items()))
    return {"wavec": meta}


def _projects_run_with(template: dict[str, Any], role_arn: str) -> dict[str, dict[str, Any]]:
    """The template's CodeBuild projects whose service role is ``role_arn`` (directly, or a parameter's default)."""
    parameters = template.get("Parameters", {})
    found = {}
    for logical, resource in template.get("Resources", {}).items():
        if resource["Type"] != "AWS::CodeBuild::Project":
            continue
        role = resource.get("Properties", {}).get("ServiceRole")
        if isinstance(role, dict) and "Ref" in role:
            role = parameters.get(role["Ref"], {}).get("Default")
        if role == role_arn:
            found[logical] = resource
    return found


def _trusted_services(template: dict[str, Any], role_arn: str) -> list[str]:
    services = ["codepipeline.amazonaws.com"]
    # The step-image and teardown projects run with the pipeline role by default (their `…Role` parameters).
    if _projects_run_with(template, role_arn):
        services.append("codebuild.amazonaws.com")
    return services


def pipeline_role_part(request: dict[str, Any], region: str, template: dict[str, Any]) -> dict[str, Any]:
    """The pipeline role (named as the file's ``role``) and its per-concern managed policies."""
    pipeline = request["pipeline"]
    arn = pipeline["roleArn"]
    account = account_of(arn)
    placement = (region, account)
    # One statement per service: the same grant, and a document readers that expect one service per
    # statement (moto's CodePipeline among them) understand.
    trust = {"Version": VERSION, "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": account}}} for service in _trusted_services(template, arn)]}
    resources: dict[str, Any] = {PIPELINE_ROLE: {
        "Type": "AWS::IAM::Role", "Metadata": _metadata(Grants(), placement, "pipeline role"),
        "Properties": {"RoleName": role_name(arn), "Path": role_path(arn),
                       "Description": f"the service role of pipeline {pipeline['name']} (wavec)",
                       "AssumeRolePolicyDocument": trust}}}
    concerns = pipeline_grants(request, region)
    for logical in sorted(_projects_run_with(template, arn)):
        # The CodeBuild projects that run with the pipeline role by default (teardown, step images) write their
        # logs to CodeBuild's group of the project (`Ref` of a project is its name).
        group = ("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/codebuild/"
                 f"${{{logical}}}")
        concerns["actions"].allow(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                                  [{"Fn::Sub": group}, {"Fn::Sub": group + ":log-stream:*"}])
    for concern, grants in concerns.items():
        if not grants:
            continue
        resources[f"{PIPELINE_ROLE}{concern.capitalize()}"] = {
            "Type": "AWS::IAM::ManagedPolicy", "Metadata": _metadata(grants, placement, f"pipeline role: {concern}"),
            "Properties": {"Description": f"{concern} of pipeline {pipeline['name']} (wavec)",
                           "Roles": [{"Ref": PIPELINE_ROLE}], "PolicyDocument": grants.document()}}
    return {"Resources": resources}


def _words(text: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in text.replace("_", "-").replace(".", "-").split("-") if w)


def deploy_roles_part(request: dict[str, Any], region: str, account: str) -> dict[str, Any]:
    """The deploy roles in ``account``: each trusted by the pipeline role only, allowed what its actions do."""
    pipeline = request["pipeline"]
    pipeline_role = pipeline["roleArn"]
    home = account_of(pipeline_role)
    resources: dict[str, Any] = {}
    for role, grants in sorted(deploy_role_grants(request, region).items()):
        if account_of(role) != account:
            continue
        logical = f"DeployRole{_words(role_name(role))}"
        # The account's root as principal, narrowed to the pipeline role: IAM refuses a trust policy naming a
        # role that does not exist yet, and the pipeline role is created after this stack.
        trust = {"Version": VERSION, "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{home}:root"}, "Action": "sts:AssumeRole",
            "Condition": {"ArnEquals": {"aws:PrincipalArn": pipeline_role}}}]}
        resources[logical] = {
            "Type": "AWS::IAM::Role", "Metadata": _metadata(grants, (region, account), "deploy role"),
            "Properties": {"RoleName": role_name(role), "Path": role_path(role),
                           "Description": f"deploys for pipeline {pipeline['name']} in {account} (wavec)",
                           "AssumeRolePolicyDocument": trust,
                           "Policies": [{"PolicyName": "deploy", "PolicyDocument": grants.document()}]}}
    return {"Resources": resources}


def deploy_role_accounts(request: dict[str, Any], region: str) -> list[str]:
    """The accounts that hold deploy roles, sorted."""
    return sorted({account_of(role) for role in deploy_role_grants(request, region)})
