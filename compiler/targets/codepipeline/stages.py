"""The source stage and the pre-production stages (environments, steps) of a CodePipeline request.

Waves and their gates live in :mod:`.waves`; the request is assembled in :mod:`.request`.
"""

from __future__ import annotations

import json

from ...diagnostics.codes import codepipeline as codes
from ...lang.values import Template
from ...semantics import ir
from ...source import Span
from .attempts import attempts
from .context import (
    ARTIFACT_RE,
    COMMANDS_TIMEOUT_S,
    ENV_NAME_RE,
    JSON,
    MAX_ACTIONS,
    MAX_ENV,
    MAX_ENV_VALUE,
    MAX_FILE_LEN,
    MAX_FILES,
    MAX_INPUTS,
    SOURCE_ARTIFACT,
    SOURCE_NAMESPACE,
    Context,
    type_id,
)
from .step_projects import project_name, runs_on_image


def source_stage(ctx: Context, source: ir.Source, name: str) -> JSON:
    # The front end requires every attribute a source type needs (WV105), so they are all set here.
    config: dict[str, str]
    if source.type in ("github", "gitlab", "bitbucket"):
        provider = "CodeStarSourceConnection"
        config = {"ConnectionArn": source.connection or "", "FullRepositoryId": source.repo or "",
                  "BranchName": source.branch}
    elif source.type == "codecommit":
        provider, config = "CodeCommit", {"RepositoryName": source.repo or "", "BranchName": source.branch}
    else:
        provider, config = "S3", {"S3Bucket": source.bucket or "", "S3ObjectKey": source.key or ""}
    if provider != "CodeStarSourceConnection":
        # CodeCommit and S3 actions poll unless told not to ("PollForSourceChanges" defaults to true when a pipeline
        # is created by the CLI or CloudFormation, CodePipeline User Guide, "Valid settings for the
        # PollForSourceChanges parameter"); a change starts the pipeline through the EventBridge rule of the
        # CloudFormation output instead (cloudformation.add_source_change_rule).
        config["PollForSourceChanges"] = "false"
    ctx.check_config("source", config, source.span.head())
    action = {
        "name": "Source",
        "actionTypeId": type_id("Source", provider),
        "runOrder": 1,
        "configuration": config,
        "outputArtifacts": [{"name": SOURCE_ARTIFACT}],
        "namespace": SOURCE_NAMESPACE,
    }
    return {"name": name, "actions": [action]}


def step_levels(stage: ir.Stage) -> dict[str, int]:
    """Each step's topological level inside its stage (0: no ``after``)."""
    by_name = {s.name: s for s in stage.steps}
    levels: dict[str, int] = {}

    def level(name: str, seen: frozenset[str] = frozenset()) -> int:
        if name not in levels:
            step = by_name[name]
            deps = [a for a in step.after if a in by_name and a not in seen]
            levels[name] = 1 + max((level(a, seen | {name}) for a in deps), default=-1)
        return levels[name]

    for s in stage.steps:
        level(s.name)
    return levels


def stage_of(ctx: Context, stage: ir.Stage, name: str) -> JSON:
    # Artifacts of earlier stages are inputs of this one's steps (the primary input is the source).
    inputs = list(ctx.artifacts)
    producing = [s for s in stage.steps if s.outputs]
    for step in producing:
        art = stage.name if len(producing) == 1 else f"{stage.name}_{step.name}"
        ctx.check_name("artifact", art, step.attr_spans.get("outputs"), ARTIFACT_RE)
        ctx.artifacts[art] = step.attr_spans.get("outputs", step.span)
        ctx.step_artifacts.setdefault(step.name, []).append(art)
        ctx.step_output[(stage.name, step.name)] = art
        ctx.latest_artifact = art
    levels = step_levels(stage)
    offset = 1 if stage.environment is not None and stage.environment.create is not None else 0
    actions: list[JSON] = []
    env = stage.environment
    if env is not None and env.create is not None:
        actions.append(_env_action(ctx, stage, env, "create", env.create, 1, inputs))
    for step in stage.steps:
        actions.append(_step_action(ctx, stage, step, levels[step.name] + 1 + offset, inputs))
    if env is not None and env.destroy is not None:
        last = max((a["runOrder"] for a in actions), default=0)
        actions.append(_env_action(ctx, stage, env, "destroy", env.destroy, last + 1, inputs))
        # After a failed step, the compensator runs `destroy` (compensator.py): the stage stops at its first
        # failure (rule 15), so this action runs only when every step passed.
    if len(actions) > MAX_ACTIONS:
        ctx.error(codes.TOO_MANY_ACTIONS,
                  f"stage `{stage.name}` compiles to {len(actions)} actions, CodePipeline allows "
                  f"{MAX_ACTIONS}", stage.span.head(), label="this stage", help="split the stage in two")
    return {"name": name, "actions": actions}


def _env_action(ctx: Context, stage: ir.Stage, env: ir.Environment, which: str, command: Template,
                run_order: int, inputs: list[str]) -> JSON:
    span = env.attr_spans.get(which, env.span)
    commands = [ctx.command(command, stage=stage.name)]
    if "timeout" in env.attr_spans:
        _timeout(ctx, f"stage `{stage.name}` environment", env.timeout.seconds, env.attr_spans["timeout"], True)
        commands = attempts(commands, 0, env.timeout.seconds)
    ctx.check_commands(f"stage `{stage.name}` environment `{which}`", commands, span)
    action: JSON = {
        "name": f"environment-{which}",
        "actionTypeId": type_id("Compute", "Commands"),
        "runOrder": run_order,
        "commands": commands,
        "inputArtifacts": [{"name": a} for a in inputs[: MAX_INPUTS["Commands"]]],
    }
    if env.region is not None:
        action["environmentVariables"] = [{"name": "WAVE_REGION", "value": env.region, "type": "PLAINTEXT"}]
    return action


def _timeout(ctx: Context, what: str, seconds: int, span: Span, commands: bool) -> None:
    """A Commands action's timeout is enforced by :func:`attempts` up to the action's own 55 minutes; a CodeBuild
    action's is its project's."""
    if commands and seconds > COMMANDS_TIMEOUT_S:
        ctx.error(codes.TIMEOUT_BEYOND_COMMANDS,
                  f"{what} has a timeout of {seconds // 60} minutes; a CodePipeline Commands action is "
                  "stopped after 55", span, label="longer than 55m",
                  help="use a CodeBuild project (`project = …`) for long steps, or split the step")
    elif not commands:
        ctx.warn(codes.TIMEOUT_NOT_ENFORCEABLE,
                 f"{what}: CodePipeline cannot apply a timeout of {seconds // 60} minutes to a CodeBuild action "
                 "(the project's own timeout applies)", span,
                 help="set the project's timeout to the same value, or give the step `run` without `project`")


def _step_action(ctx: Context, stage: ir.Stage, step: ir.Step, run_order: int, inputs: list[str]) -> JSON:
    what = f"step `{stage.name}.{step.name}`"
    spans = step.attr_spans
    values = {"stage": stage.name, "step": step.name}
    env = [(k, ctx.render(v, **values)) for k, v in step.env]
    sandbox = stage.environment.region if stage.environment is not None else None
    if sandbox is not None and all(k != "WAVE_REGION" for k, _ in env):
        # The steps that test a sandbox read its region as `$WAVE_REGION`, as its environment actions do and as
        # `wavec run` gives it them (targets/local.py); a step's own `env` may still set it.
        env.insert(0, ("WAVE_REGION", sandbox))
    if step.retries and step.project is not None:
        ctx.warn(codes.RETRIES_NOT_EXPRESSIBLE,
                 f"{what}: CodePipeline cannot retry one CodeBuild action ({step.retries} retries asked)",
                 spans.get("retries"), help="retry inside the project's buildspec, or give the step `run` "
                                            "without `project` (a Commands action, which wavec retries)")
    if step.image is not None and step.project is not None:
        ctx.warn(codes.IMAGE_NOT_EXPRESSIBLE,
                 f"{what}: the CodeBuild project `{step.project}` runs on its own image, not `{step.image}`",
                 spans.get("image"), help="configure the project with that image, or drop `project` (wavec's "
                                          "output then creates a project on the image)")
    on_image = runs_on_image(step)
    if "timeout" in spans and not on_image:
        _timeout(ctx, what, step.timeout.seconds, spans["timeout"], step.project is None)
    for name, value in env:
        ctx.check_name("environment variable", name, spans.get("env"), ENV_NAME_RE, 128)
        if len(value) > MAX_ENV_VALUE:
            ctx.error(codes.OVER_SERVICE_LIMIT,
                      f"{what}: the value of `{name}` is {len(value)} characters, CodePipeline accepts "
                      f"{MAX_ENV_VALUE}", spans.get("env"), label="too long")
    if len(env) > MAX_ENV:
        ctx.error(codes.OVER_SERVICE_LIMIT,
                  f"{what} has {len(env)} environment variables, CodePipeline accepts {MAX_ENV}",
                  spans.get("env"), label="too many", help="read the rest from a file in the source")
    if len(step.outputs) > MAX_FILES or any(len(o) > MAX_FILE_LEN for o in step.outputs):
        ctx.error(codes.OVER_SERVICE_LIMIT,
                  f"{what}: CodePipeline accepts up to {MAX_FILES} `outputs` of up to {MAX_FILE_LEN} "
                  "characters", spans.get("outputs"), label="too many or too long",
                  help="use wider globs (`dist/**`)")
    provider = "CodeBuild" if step.project is not None or on_image else "Commands"
    if len(inputs) > MAX_INPUTS[provider]:
        ctx.error(codes.OVER_SERVICE_LIMIT, f"{what} would read {len(inputs)} artifacts, a {provider} action accepts "
                  f"{MAX_INPUTS[provider]}", step.span.head(), label="too many input artifacts",
                  help="produce fewer artifacts (fewer steps with `outputs`) before this stage")
    action: JSON = {"name": step.name, "runOrder": run_order, "inputArtifacts": [{"name": a} for a in inputs]}
    ctx.check_name("action", step.name, step.span.head())
    art = ctx.step_output.get((stage.name, step.name))
    if step.project is not None or on_image:
        # A step on its own image runs in the project the CloudFormation output creates (step_projects.py).
        config = {"ProjectName": step.project or project_name(ctx.pipeline.name, stage.name, step.name)}
        if len(inputs) > 1:
            config["PrimarySource"] = SOURCE_ARTIFACT
        if env:
            config["EnvironmentVariables"] = json.dumps(
                [{"name": k, "type": "PLAINTEXT", "value": v} for k, v in env], separators=(",", ":"))
        ctx.check_config(what, config, step.span.head())
        action["actionTypeId"] = type_id("Test" if step.kind == "test" else "Build", "CodeBuild")
        action["configuration"] = config
        if art is not None:
            action["outputArtifacts"] = [{"name": art}]
        return action
    commands = attempts([ctx.command(r, **values) for r in step.run], step.retries,
                        step.timeout.seconds if "timeout" in spans else None)
    ctx.check_commands(what, commands, spans.get("run", step.span))
    action["actionTypeId"] = type_id("Compute", "Commands")
    action["commands"] = commands
    if env:
        action["environmentVariables"] = [{"name": k, "type": "PLAINTEXT", "value": v} for k, v in env]
    if art is not None:
        action["outputArtifacts"] = [{"name": art, "files": list(step.outputs)}]
    return action
