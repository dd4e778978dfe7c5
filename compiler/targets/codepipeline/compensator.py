"""The compensator beside a pipeline: ``rollback_all`` of earlier waves and sandbox teardown after a failure.

CodePipeline rolls back one stage (rules 44–46 of ``docs/codepipeline.md``) and stops a stage at its first failed
action (rule 15), so two things a ``.wave`` file says need resources outside the pipeline. :func:`plan` reads
them off the IR and the compiled request; :func:`part` turns the plan into CloudFormation resources:

* an EventBridge rule on ``aws.codepipeline`` "CodePipeline Stage Execution State Change", state ``FAILED``,
  for this pipeline's planned stages (rules 59–61), and a scheduled rule that reconciles lost events (rule 62);
* one Lambda function, whose code is :mod:`.compensator_code` read as text (one source of truth), with its own
  role (least privilege: the pipeline, the state machine, the teardown projects, its log group);
* a Standard Step Functions state machine that calls the function, waits and calls again until the work is
  done, so that waiting for rollbacks is not bounded by Lambda's 15 minutes;
* one CodeBuild project per sandbox stage, running the stage's ``destroy`` with the artifacts its
  ``environment-create`` read.

Every resource carries ``Metadata.wavec`` (part, region, account): they all live where the pipeline lives, and a
deployment bundle that splits resources by region and account reads that.
"""

from __future__ import annotations

import json
import math
import re
from importlib import resources
from typing import Any

from ...diagnostics import Sink
from ...records import record
from ...semantics import ir
from .context import JSON, Context, ordered
from .names import bounded, only
from .waves import wave_stage_names

RUNTIME = "python3.12"
TEARDOWN_IMAGE = "aws/codebuild/amazonlinux-x86_64-standard:5.0"  # the Commands action's image
SWEEP_SCHEDULE = "rate(15 minutes)"
LAMBDA_ENV_LIMIT = 4096  # bytes of all environment variables of a function
LOG_RETENTION_DAYS = 30
_PART = "compensator"


@record
class Teardown:
    """A sandbox stage: what its ``destroy`` runs, where, and how long it may take."""

    stage: str
    command: str
    region: str | None
    timeout_minutes: int


@record
class Plan:
    """What the compensator of one pipeline does; empty when the pipeline needs none."""

    pipeline: str
    region: str
    account: str | None
    role: str
    rollback_all: tuple[tuple[str, tuple[str, ...]], ...]  # (wave stage, earlier wave stages newest first)
    teardowns: tuple[Teardown, ...]

    @property
    def empty(self) -> bool:
        """Whether nothing needs compensating."""
        return not self.rollback_all and not self.teardowns

    def document(self, projects: dict[str, Any]) -> JSON:
        """The function's ``WAVEC_PLAN`` (with the teardown projects as given, e.g. ``{"Ref": …}``)."""
        return {
            "pipeline": self.pipeline,
            "rollbackAll": {stage: list(earlier) for stage, earlier in self.rollback_all},
            "teardown": {t.stage: {"project": projects[t.stage], "createAction": "environment-create",
                                   "destroyAction": "environment-destroy"} for t in self.teardowns},
        }


def code() -> str:
    """The function's source, read from the package (the module the tests import)."""
    return resources.files(__package__).joinpath("compensator_code.py").read_text(encoding="utf-8")


def plan(pipeline: ir.Pipeline, request: JSON) -> Plan:
    """The compensation ``pipeline`` needs, with the stage names of its compiled ``request``."""
    body = request["pipeline"]
    stages = [s["name"] for s in body["stages"]]
    waves = ordered(pipeline.waves)
    wave_names = wave_stage_names(pipeline, request)
    first = 1 if pipeline.source is not None else 0
    user = list(zip(ordered(pipeline.stages), stages[first:first + len(pipeline.stages)], strict=True))
    rollback_all: list[tuple[str, tuple[str, ...]]] = []
    # Rule 11: PARALLEL mode has no rollback at all (a rollback gate there is the error WV921).
    if pipeline.execution_mode != "parallel":
        for i, (wave, name) in enumerate(zip(waves, wave_names, strict=True)):
            if i and any(g.on_breach == "rollback_all" for g in wave.gates):
                rollback_all.append((name, tuple(reversed(wave_names[:i]))))
    ctx = Context(pipeline, Sink())  # rendering only; the request's build reported every problem
    teardowns = []
    for stage, name in user:
        env = stage.environment
        if env is None or env.destroy is None or env.create is None:
            continue
        # Run-time values become environment variables of the build, never text pasted into the command.
        command = ctx.command(env.destroy, stage=stage.name, execution="${WAVE_EXECUTION}", commit="${WAVE_COMMIT}")
        minutes = math.ceil(env.timeout.seconds / 60) if "timeout" in env.attr_spans else 55
        teardowns.append(Teardown(name, command, env.region, max(5, min(minutes, 2160))))
    return Plan(body["name"], ctx.region, pipeline.account, body["roleArn"], tuple(rollback_all), tuple(teardowns))


def _pascal(name: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", name) if w)


def _meta(p: Plan) -> JSON:
    return {"wavec": {"part": _PART, "region": p.region, "account": p.account}}


def _arn(service: str, resource: str) -> JSON:
    return {"Fn::Sub": f"arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{resource}"}


def part(p: Plan, pipeline_id: str) -> JSON:
    """The CloudFormation ``Parameters``, ``Resources`` and ``Outputs`` of the plan (empty when it is empty)."""
    if p.empty:
        return {}
    ids = _Ids(pipeline_id)
    res: dict[str, JSON] = {}
    params: dict[str, JSON] = {}
    projects: dict[str, Any] = {}
    if p.teardowns:
        params[ids.teardown_role] = {
            "Type": "String", "Default": p.role,
            "Description": "the role the sandbox teardown builds run with (trusting codebuild.amazonaws.com); "
                           "by default the pipeline's, which runs `destroy` inside the pipeline"}
    for t in p.teardowns:
        lid = ids.project(t.stage)
        projects[t.stage] = {"Ref": lid}
        res[lid] = _project(p, t, ids)
    document = json.dumps(p.document(projects), sort_keys=True, separators=(",", ":"))
    res[ids.log_group] = {"Type": "AWS::Logs::LogGroup", "Metadata": _meta(p), "Properties": {
        "LogGroupName": f"/wavec/{only(p.pipeline, 'A-Za-z0-9_./#-')}/compensator",
        "RetentionInDays": LOG_RETENTION_DAYS}}
    res[ids.role] = _function_role(p, ids)
    res[ids.function] = {"Type": "AWS::Lambda::Function", "Metadata": _meta(p), "Properties": {
        "Description": f"wavec compensator of pipeline {p.pipeline}: rollback_all and sandbox teardown",
        "Runtime": RUNTIME, "Handler": "index.handler", "Timeout": 300, "MemorySize": 256,
        "Role": {"Fn::GetAtt": [ids.role, "Arn"]},
        "Code": {"ZipFile": code()},
        "LoggingConfig": {"LogGroup": {"Ref": ids.log_group}},
        "Environment": {"Variables": {
            # The plan names the projects by reference: a Fn::Sub of its JSON (no `${` in names or JSON).
            "WAVEC_PLAN": _sub_refs(document, projects),
            "WAVEC_STATE_MACHINE": {"Fn::Sub": f"arn:${{AWS::Partition}}:states:${{AWS::Region}}:"
                                               f"${{AWS::AccountId}}:stateMachine:{ids.machine_name(p)}"}}}}}
    res[ids.machine_role] = {"Type": "AWS::IAM::Role", "Metadata": _meta(p), "Properties": {
        "AssumeRolePolicyDocument": _trust("states.amazonaws.com"),
        "Policies": [{"PolicyName": "invoke-compensator", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["lambda:InvokeFunction"],
             "Resource": [{"Fn::GetAtt": [ids.function, "Arn"]},
                          {"Fn::Sub": f"${{{ids.function}.Arn}}:*"}]}]}}]}}
    res[ids.machine] = {"Type": "AWS::StepFunctions::StateMachine", "Metadata": _meta(p), "Properties": {
        "StateMachineName": ids.machine_name(p), "StateMachineType": "STANDARD",
        "RoleArn": {"Fn::GetAtt": [ids.machine_role, "Arn"]},
        "Definition": state_machine(),
        "DefinitionSubstitutions": {"FunctionArn": {"Fn::GetAtt": [ids.function, "Arn"]}}}}
    res[ids.rule] = {"Type": "AWS::Events::Rule", "Metadata": _meta(p), "Properties": {
        "Description": f"failed stages of pipeline {p.pipeline} that wavec compensates",
        "EventPattern": event_pattern(p), "State": "ENABLED",
        "Targets": [{"Id": "compensator", "Arn": {"Fn::GetAtt": [ids.function, "Arn"]}}]}}
    res[ids.sweep] = {"Type": "AWS::Events::Rule", "Metadata": _meta(p), "Properties": {
        "Description": f"reconcile pipeline {p.pipeline} with GetPipelineState: compensate lost failure events",
        "ScheduleExpression": SWEEP_SCHEDULE, "State": "ENABLED",
        "Targets": [{"Id": "compensator", "Arn": {"Fn::GetAtt": [ids.function, "Arn"]}}]}}
    for rule in (ids.rule, ids.sweep):
        res[f"{rule}Permission"] = {"Type": "AWS::Lambda::Permission", "Metadata": _meta(p), "Properties": {
            "Action": "lambda:InvokeFunction", "FunctionName": {"Ref": ids.function},
            "Principal": "events.amazonaws.com", "SourceArn": {"Fn::GetAtt": [rule, "Arn"]}}}
    return {"Parameters": params, "Resources": res, "Outputs": {
        f"{ids.machine}Arn": {"Description": f"the compensator state machine of pipeline {p.pipeline}",
                              "Value": {"Ref": ids.machine}}}}


def lambda_environment_size(p: Plan) -> int:
    """The bytes of the function's environment (names and values; a project reference counts as 80)."""
    document = json.dumps(p.document({t.stage: "x" * 80 for t in p.teardowns}), sort_keys=True,
                          separators=(",", ":"))
    return len("WAVEC_PLAN") + len(document.encode()) + len("WAVEC_STATE_MACHINE") + 200


def event_pattern(p: Plan) -> JSON:
    """The failure events of the planned stages of this pipeline (rules 59–61)."""
    stages = sorted({s for s, _ in p.rollback_all} | {t.stage for t in p.teardowns})
    return {"source": ["aws.codepipeline"], "detail-type": ["CodePipeline Stage Execution State Change"],
            "detail": {"pipeline": [p.pipeline], "stage": stages, "state": ["FAILED"]}}


def state_machine() -> JSON:
    """Call the function; until it says ``done``, wait the seconds it asks and call it again."""
    retry = [{"ErrorEquals": ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
                              "Lambda.TooManyRequestsException", "States.TaskFailed"],
              "IntervalSeconds": 10, "MaxAttempts": 6, "BackoffRate": 2.0}]
    return {
        "Comment": "wavec compensator: one step at a time; every step re-reads the pipeline's history",
        "StartAt": "Step",
        "States": {
            "Step": {"Type": "Task", "Resource": "${FunctionArn}", "Retry": retry, "Next": "Done?"},
            "Done?": {"Type": "Choice", "Choices": [{"Variable": "$.done", "BooleanEquals": True, "Next": "Ok?"}],
                      "Default": "Wait"},
            "Wait": {"Type": "Wait", "SecondsPath": "$.wait", "Next": "Step"},
            "Ok?": {"Type": "Choice", "Choices": [{"Variable": "$.ok", "BooleanEquals": True, "Next": "Compensated"}],
                    "Default": "Incomplete"},
            "Compensated": {"Type": "Succeed"},
            "Incomplete": {"Type": "Fail", "Error": "CompensationIncomplete",
                           "Cause": "a rollback or teardown did not succeed; the function's log says which"},
        },
    }


def _sub_refs(document: str, projects: dict[str, Any]) -> Any:
    if not projects:
        return document
    text = document
    for ref in projects.values():
        text = text.replace(json.dumps(ref, sort_keys=True, separators=(",", ":")), f'"${{{ref["Ref"]}}}"')
    return {"Fn::Sub": text}


def _trust(service: str) -> JSON:
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}


def _function_role(p: Plan, ids: _Ids) -> JSON:
    pipeline_arn = _arn("codepipeline", p.pipeline)
    statements: list[JSON] = [
        {"Sid": "ReadPipeline", "Effect": "Allow",
         "Action": ["codepipeline:GetPipelineExecution", "codepipeline:GetPipelineState",
                    "codepipeline:ListActionExecutions", "codepipeline:ListPipelineExecutions"],
         "Resource": [pipeline_arn]},
        {"Sid": "StartCompensation", "Effect": "Allow",
         "Action": ["states:ListExecutions", "states:StartExecution"],
         "Resource": [_arn("states", f"stateMachine:{ids.machine_name(p)}")]},
        {"Sid": "WriteLog", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": [{"Fn::GetAtt": [ids.log_group, "Arn"]}]},
    ]
    if p.rollback_all:
        statements.insert(1, {"Sid": "RollBackEarlierWaves", "Effect": "Allow",
                              "Action": ["codepipeline:RollbackStage"],
                              "Resource": [{"Fn::Sub": f"arn:${{AWS::Partition}}:codepipeline:${{AWS::Region}}:"
                                                       f"${{AWS::AccountId}}:{p.pipeline}/{stage}"}
                                           for stage in sorted({s for _, e in p.rollback_all for s in e})]})
    if p.teardowns:
        statements.append({"Sid": "TearDownSandboxes", "Effect": "Allow",
                           "Action": ["codebuild:BatchGetBuilds", "codebuild:BatchGetProjects",
                                      "codebuild:ListBuildsForProject", "codebuild:StartBuild"],
                           # The ARN spelled from the project's name (its Ref), not GetAtt: the same ARN, and a
                           # template moto's CloudFormation (which has no CodeBuild projects) still creates.
                           "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:codebuild:${AWS::Region}:"
                                                    f"${{AWS::AccountId}}:project/${{{ids.project(t.stage)}}}"}
                                        for t in p.teardowns]})
    return {"Type": "AWS::IAM::Role", "Metadata": _meta(p), "Properties": {
        "AssumeRolePolicyDocument": _trust("lambda.amazonaws.com"),
        "Policies": [{"PolicyName": "compensate", "PolicyDocument": {"Version": "2012-10-17",
                                                                    "Statement": statements}}]}}


def _project(p: Plan, t: Teardown, ids: _Ids) -> JSON:
    spec = json.dumps({"version": "0.2", "phases": {"build": {"commands": [t.command]}}}, sort_keys=True)
    variables = [{"Name": "WAVE_PIPELINE", "Value": p.pipeline, "Type": "PLAINTEXT"},
                 {"Name": "WAVE_STAGE", "Value": t.stage, "Type": "PLAINTEXT"}]
    if t.region is not None:
        variables.append({"Name": "WAVE_REGION", "Value": t.region, "Type": "PLAINTEXT"})
    return {"Type": "AWS::CodeBuild::Project", "Metadata": _meta(p), "Properties": {
        "Description": f"destroys the sandbox of stage {t.stage} of pipeline {p.pipeline} after a failed run",
        # JSON is YAML: the buildspec is the one command `environment-destroy` runs in the pipeline.
        "Source": {"Type": "NO_SOURCE", "BuildSpec": spec},
        "Artifacts": {"Type": "NO_ARTIFACTS"},
        "Environment": {"Type": "LINUX_CONTAINER", "ComputeType": "BUILD_GENERAL1_SMALL", "Image": TEARDOWN_IMAGE,
                        "EnvironmentVariables": variables},
        "ServiceRole": {"Ref": ids.teardown_role},
        "TimeoutInMinutes": t.timeout_minutes}}


class _Ids:
    """Logical ids of the compensator's resources, prefixed with the pipeline's."""

    def __init__(self, pipeline_id: str) -> None:
        self.base = f"{pipeline_id}Compensator"
        self.function, self.role, self.log_group = self.base + "Function", self.base + "Role", self.base + "Logs"
        self.machine, self.machine_role = self.base + "StateMachine", self.base + "StateMachineRole"
        self.rule, self.sweep = self.base + "OnStageFailed", self.base + "Sweep"
        self.teardown_role = self.base + "TeardownRole"
        self._projects: dict[str, str] = {}

    def project(self, stage: str) -> str:
        if stage not in self._projects:
            lid, n = f"{self.base}Teardown{_pascal(stage)}", 2
            while lid in self._projects.values():
                lid, n = f"{self.base}Teardown{_pascal(stage)}{n}", n + 1
            self._projects[stage] = lid
        return self._projects[stage]

    def machine_name(self, p: Plan) -> str:
        # Named (not generated) so the function's role and environment can name it without a cycle.
        return bounded(only(f"wavec-{p.pipeline}-compensator", "A-Za-z0-9_-"), 80, p.pipeline)
