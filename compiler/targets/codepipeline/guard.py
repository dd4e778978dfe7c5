"""The rollback guard: a wave stage's first action, telling its bake and blocker readings whether to skip.

A rollback execution re-runs every action of the stage (rules 44, 47 of ``docs/codepipeline.md``), its Step
Functions bake and blocker actions included; they would read the alarm that caused the rollback, still in
ALARM, and fail it. :mod:`.guard_code` (the function's code) says why and how it answers; this module names the
function, builds the action and the ``#{…}`` variable the Step Functions inputs carry, and the CloudFormation
resources: the function, its role and log group, and the pipeline role's permission to invoke it. They live where
the pipeline lives (``Metadata.wavec.part`` = ``guard``).
"""

from __future__ import annotations

import json
from importlib import resources

from .context import JSON, type_id
from .names import bounded, only

ACTION = "rollback-guard"
RUNTIME = "python3.12"
LOG_RETENTION_DAYS = 30
MAX_FUNCTION_NAME = 64
MAX_NAMESPACE = 100
VARIABLE = "rollback"
_PART = "guard"


def function_name(pipeline: str) -> str:
    """``wavec-guard-<pipeline>``: letters, digits, ``-`` and ``_``, at most 64 (shortened with a hash)."""
    return bounded(only(f"wavec-guard-{pipeline}", "A-Za-z0-9_-"), MAX_FUNCTION_NAME, pipeline)


def namespace(stage: str) -> str:
    """The guard action's variable namespace in ``stage`` (unique: stage names are)."""
    return bounded(only(f"wavec-{stage}", "A-Za-z0-9@_-", "_"), MAX_NAMESPACE, stage)


def variable(stage: str) -> str:
    """``#{<namespace>.rollback}``: ``"true"`` in a rollback execution of ``stage``, else ``"false"``."""
    return f"#{{{namespace(stage)}.{VARIABLE}}}"


def action(pipeline: str, stage: str) -> JSON:
    """The guard's ``Lambda`` invoke action, at runOrder 1 of the stage (rule 64)."""
    return {"name": ACTION, "actionTypeId": type_id("Invoke", "Lambda"), "runOrder": 1,
            "configuration": {"FunctionName": function_name(pipeline),
                              "UserParameters": json.dumps({"pipeline": pipeline, "stage": stage},
                                                           sort_keys=True, separators=(",", ":"))},
            "namespace": namespace(stage)}


def code() -> str:
    """The function's source, read from the package (the module the tests import)."""
    return resources.files(__package__).joinpath("guard_code.py").read_text(encoding="utf-8")


def guarded(request: JSON) -> bool:
    """Whether any stage of the request runs the guard."""
    return any(a["name"] == ACTION and a["actionTypeId"]["provider"] == "Lambda"
               for s in request["pipeline"]["stages"] for a in s["actions"])


def part(request: JSON, pipeline_id: str) -> JSON:
    """The guard's CloudFormation resources (none when no stage runs it)."""
    if not guarded(request):
        return {}
    body = request["pipeline"]
    pipeline, role_arn = body["name"], body["roleArn"]
    base = f"{pipeline_id}Guard"
    meta = {"wavec": {"part": _PART}}
    pipeline_arn = {"Fn::Sub": f"arn:${{AWS::Partition}}:codepipeline:${{AWS::Region}}:${{AWS::AccountId}}:"
                               f"{pipeline}"}
    function_arn = {"Fn::GetAtt": [f"{base}Function", "Arn"]}
    statements: list[JSON] = [
        {"Sid": "ReadStage", "Effect": "Allow", "Action": ["codepipeline:GetPipelineState"],
         "Resource": [pipeline_arn]},
        # PutJobSuccessResult and PutJobFailureResult take no resource-level permissions (the Service
        # Authorization Reference lists no resource type for them): `*` is the only resource they accept.
        {"Sid": "AnswerJob", "Effect": "Allow",
         "Action": ["codepipeline:PutJobFailureResult", "codepipeline:PutJobSuccessResult"], "Resource": "*"},
        {"Sid": "WriteLog", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": [{"Fn::GetAtt": [f"{base}Logs", "Arn"]}]},
    ]
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    res: dict[str, JSON] = {
        f"{base}Logs": {"Type": "AWS::Logs::LogGroup", "Metadata": meta, "Properties": {
            "LogGroupName": f"/wavec/{only(pipeline, 'A-Za-z0-9_./#-')}/guard",
            "RetentionInDays": LOG_RETENTION_DAYS}},
        f"{base}Role": {"Type": "AWS::IAM::Role", "Metadata": {"wavec": {"part": _PART, "wildcards": {
            a: "no resource-level permissions exist for it" for a in (
                "codepipeline:PutJobFailureResult", "codepipeline:PutJobSuccessResult")}}},
            "Properties": {"AssumeRolePolicyDocument": trust, "Policies": [
                {"PolicyName": "guard", "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}]}},
        f"{base}Function": {"Type": "AWS::Lambda::Function", "Metadata": meta, "Properties": {
            "FunctionName": function_name(pipeline),
            "Description": f"wavec rollback guard of pipeline {pipeline}: is this stage run by a rollback?",
            "Runtime": RUNTIME, "Handler": "index.handler", "Timeout": 30, "MemorySize": 128,
            "Role": {"Fn::GetAtt": [f"{base}Role", "Arn"]},
            "Code": {"ZipFile": code()},
            "LoggingConfig": {"LogGroup": {"Ref": f"{base}Logs"}}}},
        # CodePipeline invokes the function with the pipeline's role (rule 57), which needs the permission.
        f"{base}Invoke": {"Type": "AWS::IAM::ManagedPolicy", "Metadata": meta, "Properties": {
            "Description": f"lets pipeline {pipeline} run its rollback guard (wavec)",
            "Roles": [role_arn.rsplit("/", 1)[-1]],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": [function_arn]}]}}},
    }
    return {"Resources": res}
