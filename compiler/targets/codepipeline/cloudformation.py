"""The ``CreatePipeline`` request as an ``AWS::CodePipeline::Pipeline`` resource in a CloudFormation template.

CloudFormation spells the same structure in PascalCase, keeps ``Configuration``
maps as they are, and writes ``artifactStores`` (a map keyed by region in the
API) and ``tags`` as lists. Beside the pipeline, the template holds what the
pipeline needs to behave as the file says: the bake's state machines, roles and
permissions (:func:`add_bake_resources`), each under the condition of the region
and account it belongs to. The template passes ``cfn-lint`` (the tests prove it).
"""

from __future__ import annotations

import re
from typing import Any

from .alarms import logical_id as alarm_id
from .alarms import resource as alarm_resource
from .bake import Placement, definition_string, machine_name, placement_of

# Keys whose values are free-form maps that CloudFormation takes verbatim.
_VERBATIM = {"configuration"}


def _pascal(key: str) -> str:
    return key[:1].upper() + key[1:]


def _convert(value: Any) -> Any:
    if isinstance(value, dict):
        return {_pascal(k): (v if k in _VERBATIM else _convert(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_convert(v) for v in value]
    return value


def logical_id(name: str) -> str:
    """A CloudFormation logical id for the pipeline (alphanumeric)."""
    words = re.split(r"[^A-Za-z0-9]+", name)
    return "".join(w[:1].upper() + w[1:] for w in words if w) + "Pipeline"


def template(request: dict[str, Any], region: str | None = None) -> dict[str, Any]:
    """A template with the pipeline and what it needs to behave: the bake's resources when a wave bakes.

    ``region`` is the pipeline's own region (where its `Home` resources belong); without it, the template holds
    the pipeline only.
    """
    pipeline = dict(request["pipeline"])
    stores = pipeline.pop("artifactStores", {})
    props = _convert(pipeline)
    props["ArtifactStores"] = [{"Region": region, "ArtifactStore": _convert(store)}
                               for region, store in sorted(stores.items())]
    props["Tags"] = [{"Key": t["key"], "Value": t["value"]} for t in request.get("tags", [])]
    name = pipeline["name"]
    document: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"CodePipeline V2 pipeline {name}, compiled by wavec",
        "Resources": {logical_id(name): {"Type": "AWS::CodePipeline::Pipeline", "Properties": props}},
        "Outputs": {"PipelineName": {"Description": "the pipeline's name", "Value": {"Ref": logical_id(name)}}},
    }
    if region is not None:
        add_bake_resources(document, request, region)
        merge(document, place_at_home(document, source_change_part(request, region)))
    return document


# ------------------------------------------------------------------------------------------------------------ bake
# The bake's resources (docs/codepipeline.md, "The bake"): in every placement — a region and an account — where a
# bake action runs the bake state machine, that machine and its execution role; and the permission to start it
# for the role each action runs with. A CloudFormation stack lives in one region and account, so every
# resource carries the condition of its placement (and `Metadata.wavec.placement`): the same template deployed
# in each placement (a StackSet, or one stack per placement) creates there exactly what belongs there; the
# pipeline itself, and what serves it, belongs to the condition `Home` (its own region and account).

HOME = "Home"


def _words(text: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", text) if w)


def placement_condition(region: str, account: str) -> dict[str, Any]:
    """The condition that holds in exactly one region and account: where a stack creates a resource."""
    return {"Fn::And": [{"Fn::Equals": [{"Ref": "AWS::Region"}, region]},
                        {"Fn::Equals": [{"Ref": "AWS::AccountId"}, account]}]}


def _placement_id(placement: Placement) -> str:
    return f"{_words(placement.region)}Account{placement.account}"


def _metadata(placement: Placement, part: str) -> dict[str, Any]:
    return {"wavec": {"part": part, "placement": {"region": placement.region, "account": placement.account}}}


def _bake_actions(request: dict[str, Any]) -> list[tuple[Placement, str | None]]:
    """Every bake action of the request: where its machine is, and the role it runs with (``None``: the pipeline's)."""
    found = []
    for stage in request["pipeline"]["stages"]:
        for action in stage["actions"]:
            if action["actionTypeId"]["provider"] != "StepFunctions":
                continue
            placement = placement_of(action["configuration"]["StateMachineArn"])
            if placement is not None:
                found.append((placement, action.get("roleArn")))
    return found


def _account_of(role_arn: str) -> str:
    return role_arn.split(":")[4]


def _role_name(role_arn: str) -> str:
    # arn:aws:iam::<account>:role[/path]/<name>: a policy attaches to the role by name.
    return role_arn.rsplit("/", 1)[-1]


def _machine_resources(placement: Placement, pipeline: str) -> dict[str, Any]:
    pid = _placement_id(placement)
    condition = f"In{pid}"
    role = f"BakeRole{pid}"
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole",
        # Only this account's state machines may use the role (the confused-deputy guard).
        "Condition": {"StringEquals": {"aws:SourceAccount": placement.account}}}]}
    # DescribeAlarms is the machine's only call. Its resource is `*`: CloudWatch returns composite alarms only
    # to a `cloudwatch:DescribeAlarms` permission scoped to `*` (DescribeAlarms, CloudWatch API Reference), and
    # a gate may name one; the action is read-only.
    read = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "cloudwatch:DescribeAlarms", "Resource": "*"}]}
    return {
        role: {"Type": "AWS::IAM::Role", "Condition": condition,
               "Metadata": {"wavec": {**_metadata(placement, "bake")["wavec"], "wildcards": {
                   "cloudwatch:DescribeAlarms": "CloudWatch returns composite alarms only to a DescribeAlarms "
                                                "permission scoped to `*` (CloudWatch API Reference)"}}},
               "Properties": {"Description": f"runs the bake state machine of pipeline {pipeline} (wavec)",
                              "AssumeRolePolicyDocument": trust,
                              "Policies": [{"PolicyName": "read-alarms", "PolicyDocument": read}]}},
        f"BakeStateMachine{pid}": {
            "Type": "AWS::StepFunctions::StateMachine", "Condition": condition,
            "Metadata": _metadata(placement, "bake"),
            "Properties": {"StateMachineName": machine_name(pipeline), "StateMachineType": "STANDARD",
                           "DefinitionString": definition_string(), "RoleArn": {"Fn::GetAtt": [role, "Arn"]}}},
    }


def _invoke_policy(pipeline: str, role_arn: str, placements: list[Placement], condition: str,
                   where: Placement) -> dict[str, Any]:
    """What a CodePipeline Step Functions action needs of the role it runs with: start and follow the bake."""
    name = machine_name(pipeline)
    machines = sorted({f"arn:aws:states:{p.region}:{p.account}:stateMachine:{name}" for p in placements})
    executions = sorted({f"arn:aws:states:{p.region}:{p.account}:execution:{name}:*" for p in placements})
    return {"Type": "AWS::IAM::ManagedPolicy", "Condition": condition, "Metadata": _metadata(where, "bake-invoke"),
            "Properties": {
                "Description": f"starts and follows the bake executions of pipeline {pipeline} (wavec)",
                "Roles": [_role_name(role_arn)],
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "states:StartExecution", "Resource": machines},
                    {"Effect": "Allow", "Action": ["states:DescribeExecution", "states:StopExecution"],
                     "Resource": executions}]}}}


def add_bake_resources(document: dict[str, Any], request: dict[str, Any], region: str) -> None:
    """Add the bake's state machines, roles and invoke permissions to ``document`` (nothing when no wave bakes)."""
    actions = _bake_actions(request)
    if not actions:
        return
    pipeline = request["pipeline"]
    home = Placement(region, _account_of(pipeline["roleArn"]))
    conditions: dict[str, Any] = {HOME: placement_condition(home.region, home.account)}
    resources = document["Resources"]
    for resource in resources.values():
        resource.setdefault("Condition", HOME)  # the pipeline belongs to its own region and account only
    for output in document.get("Outputs", {}).values():
        output.setdefault("Condition", HOME)
    for placement in sorted({p for p, _ in actions}):
        conditions[f"In{_placement_id(placement)}"] = placement_condition(placement.region, placement.account)
        resources.update(_machine_resources(placement, pipeline["name"]))
    # One policy per role that runs bake actions, created in that role's account (the first placement there).
    by_role: dict[str, list[Placement]] = {}
    for placement, role in actions:
        by_role.setdefault(role or pipeline["roleArn"], []).append(placement)
    for role, placements in sorted(by_role.items()):
        if role == pipeline["roleArn"]:
            condition, where = HOME, home
        else:
            where = min(placements)
            condition = f"In{_placement_id(where)}"
        resources[f"BakeInvoke{_words(_role_name(role))}Account{_account_of(role)}"] = _invoke_policy(
            pipeline["name"], role, placements, condition, where)
    document["Conditions"] = {**document.get("Conditions", {}), **conditions}


def add_created_alarms(document: dict[str, Any], created: list[tuple[Placement, str, Any]], pipeline: str) -> None:
    """The gates' ``create`` alarms (:mod:`.alarms`), each under the condition of the placement that reads it (a
    bake placement: :func:`add_bake_resources` made its condition)."""
    for placement, name, how in created:
        condition = f"In{_placement_id(placement)}"
        document["Resources"][alarm_id(placement, name)] = alarm_resource(placement, name, how, pipeline, condition)


def merge(document: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    """Add a part's ``Parameters``, ``Resources`` and ``Outputs`` to a template; a logical id is never reused."""
    for section in ("Parameters", "Resources", "Outputs"):
        entries = part.get(section) or {}
        if not entries:
            continue
        into = document.setdefault(section, {})
        clash = sorted(set(into) & set(entries))
        if clash:
            raise ValueError(f"logical ids used twice in the template: {', '.join(clash)}")
        into.update(entries)
    return document


def place_at_home(document: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    """``part`` with every resource and output under the ``Home`` condition when ``document`` has placements.

    What serves the pipeline itself (the compensator) belongs to the pipeline's own region and account, like
    the pipeline: without the condition, the template deployed in another placement would create it there too.
    """
    if HOME in document.get("Conditions", {}):
        for section in ("Resources", "Outputs"):
            for entry in (part.get(section) or {}).values():
                entry.setdefault("Condition", HOME)
    return part


# ------------------------------------------------------------------------------------------------ source changes
# CodeCommit and S3 source actions do not poll (`PollForSourceChanges: "false"`, stages.source_stage): a change
# starts the pipeline through an EventBridge rule whose target is the pipeline, run with a role that may start
# this pipeline only — the documented event-based change detection (CodePipeline User Guide, "CodeCommit source
# actions and EventBridge" and "Connecting to Amazon S3 source actions with a source enabled for events"; the
# CloudFormation forms: "Create an EventBridge rule for a CodeCommit source (AWS CloudFormation template)" and
# "Migrate polling pipelines with an S3 source enabled for events"). A source action runs in the pipeline's own
# region (rule 55), so the repository or bucket, and the rule, are there: the resources belong to `Home`.

SOURCE_PART = "source-events"


def _pipeline_arn(pipeline_id: str) -> dict[str, Any]:
    # `Ref` of an AWS::CodePipeline::Pipeline is its name.
    return {"Fn::Sub": f"arn:${{AWS::Partition}}:codepipeline:${{AWS::Region}}:${{AWS::AccountId}}:${{{pipeline_id}}}"}


def _source_event(action: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """What the rule waits for, described and as an event pattern (``None``: the source needs no rule)."""
    config = action["configuration"]
    provider = action["actionTypeId"]["provider"]
    if provider == "CodeCommit":
        repo, branch = config["RepositoryName"], config["BranchName"]
        arn = f"arn:${{AWS::Partition}}:codecommit:${{AWS::Region}}:${{AWS::AccountId}}:{repo}"
        # "CodeCommit Repository State Change" of the repository, on the branch's creation or update (a push).
        return f"branch {branch} of CodeCommit repository {repo} changes", {
            "source": ["aws.codecommit"], "detail-type": ["CodeCommit Repository State Change"],
            "resources": [{"Fn::Sub": arn}],
            "detail": {"event": ["referenceCreated", "referenceUpdated"], "referenceType": ["branch"],
                       "referenceName": [branch]}}
    if provider == "S3":
        bucket, key = config["S3Bucket"], config["S3ObjectKey"]
        # S3 sends "Object Created" to EventBridge only for a bucket with EventBridge notifications enabled
        # (AWS::S3::Bucket EventBridgeConfiguration): the bucket is the user's, not this template's, so that
        # setting is a prerequisite the rule's description and docs/codepipeline.md state.
        return (f"object {key} of S3 bucket {bucket} is created or replaced (the bucket must have EventBridge "
                "notifications enabled)"), {
            "source": ["aws.s3"], "detail-type": ["Object Created"],
            "detail": {"bucket": {"name": [bucket]}, "object": {"key": [key]}}}
    return None


def source_change_part(request: dict[str, Any], region: str) -> dict[str, Any]:
    """The EventBridge rule that starts the pipeline on a CodeCommit or S3 source change, and its role."""
    pipeline = request["pipeline"]
    # A wavec pipeline has one source: the first stage's one action (rule 2: only the first stage holds sources).
    event = _source_event(pipeline["stages"][0]["actions"][0])
    if event is None:
        return {}
    what, pattern = event
    pid = logical_id(pipeline["name"])
    meta = _metadata(Placement(region, _account_of(pipeline["roleArn"])), SOURCE_PART)
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}}]}
    start = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "codepipeline:StartPipelineExecution", "Resource": [_pipeline_arn(pid)]}]}
    resources: dict[str, Any] = {
        "SourceChangeRole": {"Type": "AWS::IAM::Role", "Metadata": meta, "Properties": {
            "Description": f"lets EventBridge start pipeline {pipeline['name']} on a source change (wavec)",
            "AssumeRolePolicyDocument": trust,
            "Policies": [{"PolicyName": "start-pipeline", "PolicyDocument": start}]}}}
    resources["SourceChangeRule"] = {"Type": "AWS::Events::Rule", "Metadata": meta, "Properties": {
        "Description": f"starts pipeline {pipeline['name']} when {what} (wavec)"[:512],
        "State": "ENABLED", "EventPattern": pattern,
        "Targets": [{"Id": "pipeline", "Arn": _pipeline_arn(pid),
                     "RoleArn": {"Fn::GetAtt": ["SourceChangeRole", "Arn"]}}]}}
    return {"Resources": resources}
