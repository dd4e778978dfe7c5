"""IR → the CodePipeline ``CreatePipeline`` request: pipeline, source, pre-production stages.

The mapping is documented row by row in ``docs/codepipeline.md``; every key
was checked against the CodePipeline API reference and botocore's service
model. Waves and their gates live in :mod:`.codepipeline_waves`. Problems are
reported to the sink with the WV9xx codes of :mod:`wavec.diagnostics.codes.codepipeline`;
the builder still returns a request so that every problem is found in one
pass, and the target discards it when an error was reported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ...diagnostics.model import Severity, Sink
from ...lang.values import Template
from ...semantics import ir
from ...source import Span
from ..base import unsupported

JSON = dict[str, Any]

# Limits of the service (botocore model and the CodePipeline quotas page).
MAX_STAGES = 50
MAX_ACTIONS = 50
MAX_RULES = 5
MAX_COMMANDS = 50
MAX_COMMAND_LEN = 1000
MAX_CONFIG_VALUE = 1000
MAX_RULE_CONFIG_VALUE = 10000
MAX_ENV = 10
MAX_ENV_VALUE = 2000
MAX_FILES = 10
MAX_FILE_LEN = 128
MAX_NAME = 100
MAX_INPUTS = {"Commands": 10, "CodeBuild": 5}
COMMANDS_TIMEOUT_S = 55 * 60  # a Commands action is stopped after 55 minutes
NAME_RE = re.compile(r"[A-Za-z0-9.@\-_]+")
ARTIFACT_RE = re.compile(r"[a-zA-Z0-9_\-]+")
ENV_NAME_RE = re.compile(r"[A-Za-z0-9_]+")
ROLE_RE = re.compile(r"arn:aws(-[\w]+)*:iam::[0-9]{12}:role/.*")
BUCKET_RE = re.compile(r"[a-zA-Z0-9\-\.]{3,63}")

SOURCE_ARTIFACT = "source"
SOURCE_NAMESPACE = "SourceVariables"
EXECUTION_VAR = "#{codepipeline.PipelineExecutionId}"


def type_id(category: str, provider: str, owner: str = "AWS") -> JSON:
    """An ``actionTypeId`` (every action wavec emits is version 1)."""
    return {"category": category, "owner": owner, "provider": provider, "version": "1"}


def rule_type(provider: str) -> JSON:
    """A ``ruleTypeId``."""
    return {"category": "Rule", "owner": "AWS", "provider": provider, "version": "1"}


class Context:
    """What every part of the mapping shares: the pipeline, the sink, names, artifacts, rendering."""

    def __init__(self, pipeline: ir.Pipeline, sink: Sink) -> None:
        self.pipeline = pipeline
        self.sink = sink
        self.region = pipeline.region or (pipeline.waves[0].regions[0] if pipeline.waves else "us-east-1")
        self.account = pipeline.account
        # Artifact name → the span of what produces it; "latest" is what deploys without a template use.
        self.artifacts: dict[str, Span | None] = {SOURCE_ARTIFACT: pipeline.source.span if pipeline.source else None}
        self.step_artifacts: dict[str, list[str]] = {}
        self.step_output: dict[tuple[str, str], str] = {}
        self.latest_artifact = SOURCE_ARTIFACT
        self.regions_used: set[str] = {self.region}
        self._warned_commit = False

    @property
    def head(self) -> Span:
        """The pipeline's header line: where pipeline-wide diagnostics point."""
        return self.pipeline.span.head()

    def error(self, code: str, message: str, span: Span | None, *, help: str | None = None,
              label: str = "") -> None:
        """Report an error of this target."""
        self.sink.report(code, message, span or self.head, label=label, help=help, severity=Severity.ERROR)

    def warn(self, code: str, message: str, span: Span | None, *, help: str | None = None) -> None:
        """Report what the target cannot express (a warning, never a silent drop)."""
        unsupported(self.sink, code, message, span or self.head, help=help)

    def render(self, tpl: Template, **ctx: str | None) -> str:
        """A template with compile-time values substituted and run-time ones as CodePipeline variables."""
        commit = f"#{{{SOURCE_NAMESPACE}.CommitId}}"
        if "commit" in tpl.vars and self.pipeline.source is not None and self.pipeline.source.type == "s3":
            commit = f"#{{{SOURCE_NAMESPACE}.VersionId}}"
            if not self._warned_commit:
                self._warned_commit = True
                self.warn("WV918", "`${commit}` with an `s3` source: the S3 source has no commit id, "
                          "its `VersionId` is used instead", tpl.span or self.head,
                          help="use a codecommit or git source to get commit ids")
        env = {"pipeline": self.pipeline.name, "execution": EXECUTION_VAR, "commit": commit}
        if ctx.get("account") is None and self.account is not None:
            ctx["account"] = self.account
        env.update({k: v for k, v in ctx.items() if v is not None})
        return tpl.render(env)

    def check_name(self, kind: str, name: str, span: Span | None, pattern: re.Pattern[str] = NAME_RE,
                   max_len: int = MAX_NAME) -> None:
        """Report a name CodePipeline rejects (WV905)."""
        if len(name) > max_len or not pattern.fullmatch(name):
            self.error("WV905", f"{kind} name `{name}` is not allowed by CodePipeline", span,
                       label="this name",
                       help=f"{kind} names are 1–{max_len} characters of `{pattern.pattern}`")

    def check_config(self, what: str, config: Mapping[str, str], span: Span | None,
                     limit: int = MAX_CONFIG_VALUE) -> None:
        """Report configuration values over the service's length limit (WV916)."""
        for key, value in sorted(config.items()):
            if len(value) > limit:
                self.error("WV916", f"{what}: `{key}` is {len(value)} characters, CodePipeline accepts {limit}",
                           span, label="too long", help="shorten the value, or move it into a file the action reads")

    def check_commands(self, what: str, commands: Sequence[str], span: Span | None) -> None:
        """Report command lists beyond the service's limits (WV916)."""
        if len(commands) > MAX_COMMANDS:
            self.error("WV916", f"{what} has {len(commands)} commands, CodePipeline accepts {MAX_COMMANDS}",
                       span, label="too many commands", help="move the commands into a script and run that")
        for cmd in commands:
            if len(cmd) > MAX_COMMAND_LEN:
                self.error("WV916", f"{what} has a command of {len(cmd)} characters, CodePipeline accepts "
                           f"{MAX_COMMAND_LEN}", span, label="command too long",
                           help="move the command into a script and run that")
            if "\n" in cmd:
                self.error("WV916", f"{what} has a multi-line command, which the Commands action does not run",
                           span, label="multi-line command", help="write one command per list item")


def build_request(pipeline: ir.Pipeline, sink: Sink) -> JSON:
    """The ``CreatePipeline`` request body for one pipeline (check ``sink`` for errors before using it)."""
    from .waves import wave_stages

    ctx = Context(pipeline, sink)
    role = _role(ctx)
    user_stages = [s.name for s in pipeline.stages]
    names = _Names(ctx, user_stages)
    stages: list[JSON] = []
    if pipeline.source is not None:
        stages.append(_source_stage(ctx, pipeline.source, names.take("Source")))
    for stage in ordered(pipeline.stages):
        stages.append(_stage(ctx, stage, names.take(stage.name, reserved=True)))
    stages.extend(wave_stages(ctx, names))
    if len(stages) > MAX_STAGES:
        ctx.error("WV906", f"pipeline `{pipeline.name}` compiles to {len(stages)} stages, CodePipeline allows "
                  f"{MAX_STAGES}", ctx.head, label="this pipeline",
                  help="merge stages or waves, or split the service into several pipelines")
    ctx.check_name("pipeline", pipeline.name, ctx.head)
    body: JSON = {
        "name": pipeline.name,
        "roleArn": role,
        "pipelineType": "V2",
        "executionMode": pipeline.execution_mode.upper(),
        "artifactStores": _artifact_stores(ctx),
        "stages": stages,
    }
    return {"pipeline": body, "tags": [{"key": "managed-by", "value": "wavec"}]}


class _Names:
    """Stage names, unique within the pipeline (user stages keep theirs; generated ones step aside)."""

    def __init__(self, ctx: Context, reserved: Iterable[str]) -> None:
        self.ctx = ctx
        self.reserved = set(reserved)
        self.taken: set[str] = set()

    def take(self, name: str, *, reserved: bool = False, span: Span | None = None) -> str:
        base, n = name, 2
        while name in self.taken or (not reserved and name in self.reserved):
            name, n = f"{base}-{n}", n + 1
        self.taken.add(name)
        self.ctx.check_name("stage", name, span)
        return name


def ordered(items: Sequence[Any]) -> list[Any]:
    """Stages or waves in an order that respects ``after`` (ties: declaration order)."""
    by_name = {i.name: i for i in items}
    done: set[str] = set()
    out: list[Any] = []
    pending = list(items)
    while pending:
        for item in pending:
            if all(a in done or a not in by_name for a in item.after):
                break
        else:  # a cycle: reported by the front end; keep declaration order
            item = pending[0]
        pending.remove(item)
        done.add(item.name)
        out.append(item)
    return out


def _role(ctx: Context) -> str:
    p = ctx.pipeline
    if p.role is None:
        ctx.error("WV900", f"pipeline `{p.name}` has no `role`; CodePipeline needs a service role", ctx.head,
                  label="no role", help='add `role = "arn:aws:iam::<account>:role/<name>"` to the pipeline')
        return "arn:aws:iam::000000000000:role/missing"
    role = ctx.render(p.role)
    if not ROLE_RE.fullmatch(role):
        ctx.error("WV901", f"pipeline role `{role}` is not an IAM role ARN", p.attr_spans.get("role"),
                  label="not a role ARN", help="write the role's full ARN: arn:aws:iam::<account>:role/<name>")
    return role


def _artifact_stores(ctx: Context) -> JSON:
    p = ctx.pipeline
    span = p.attr_spans.get("artifacts")
    if p.artifacts is None:
        ctx.error("WV902", f"pipeline `{p.name}` has no `artifacts` bucket; CodePipeline needs one per region",
                  ctx.head, label="no artifact bucket",
                  help='add `artifacts = "<bucket-prefix>-${region}"` (one bucket per region used)')
        return {}
    regions = sorted(ctx.regions_used)
    if len(regions) > 1 and "region" not in p.artifacts.vars:
        ctx.error("WV903", f"artifact bucket `{p.artifacts.text}` is one bucket, but actions run in "
                  f"{len(regions)} regions ({', '.join(regions)})", span, label="no `${region}` here",
                  help="CodePipeline needs an artifact store in every region used: put `${region}` in the name")
    stores: JSON = {}
    for region in regions:
        bucket = ctx.render(p.artifacts, region=region)
        if not BUCKET_RE.fullmatch(bucket):
            ctx.error("WV904", f"artifact bucket `{bucket}` is not a valid bucket name", span, label="this bucket",
                      help="bucket names are 3–63 characters: letters, digits, `.` and `-`")
        stores[region] = {"type": "S3", "location": bucket}
    return stores


def _source_stage(ctx: Context, source: ir.Source, name: str) -> JSON:
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


def _stage(ctx: Context, stage: ir.Stage, name: str) -> JSON:
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
        ctx.warn("WV932", f"stage `{stage.name}`: CodePipeline runs `destroy` only when every step passed; a "
                 "failed run leaves the sandbox behind", env.attr_spans.get("destroy", env.span),
                 help="make `create` remove what an earlier failed run left, or expire sandboxes on a schedule")
    if len(actions) > MAX_ACTIONS:
        ctx.error("WV907", f"stage `{stage.name}` compiles to {len(actions)} actions, CodePipeline allows "
                  f"{MAX_ACTIONS}", stage.span.head(), label="this stage", help="split the stage in two")
    return {"name": name, "actions": actions}


def _env_action(ctx: Context, stage: ir.Stage, env: ir.Environment, which: str, command: Template,
                run_order: int, inputs: list[str]) -> JSON:
    span = env.attr_spans.get(which, env.span)
    commands = [ctx.render(command, stage=stage.name)]
    ctx.check_commands(f"stage `{stage.name}` environment `{which}`", commands, span)
    if "timeout" in env.attr_spans:
        _timeout(ctx, f"stage `{stage.name}` environment", env.timeout.seconds, env.attr_spans["timeout"], True)
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
    if commands and seconds > COMMANDS_TIMEOUT_S:
        ctx.error("WV915", f"{what} has a timeout of {seconds // 60} minutes; a CodePipeline Commands action is "
                  "stopped after 55", span, label="longer than 55m",
                  help="use a CodeBuild project (`project = …`) for long steps, or split the step")
    elif seconds != COMMANDS_TIMEOUT_S or not commands:
        ctx.warn("WV935", f"{what}: CodePipeline cannot apply a timeout of {seconds // 60} minutes "
                 + ("(Commands actions run up to 55 minutes)" if commands else "(the CodeBuild project's own "
                    "timeout applies)"), span, help="enforce the limit in the command, e.g. `timeout 600 make`")


def _step_action(ctx: Context, stage: ir.Stage, step: ir.Step, run_order: int, inputs: list[str]) -> JSON:
    what = f"step `{stage.name}.{step.name}`"
    spans = step.attr_spans
    values = {"stage": stage.name, "step": step.name}
    env = [(k, ctx.render(v, **values)) for k, v in step.env]
    if step.retries:
        ctx.warn("WV933", f"{what}: CodePipeline cannot retry one action ({step.retries} retries asked)",
                 spans.get("retries"), help="retry inside the command, or re-run the failed stage by hand")
    if step.image is not None:
        ctx.warn("WV934", f"{what}: CodePipeline cannot choose the image `{step.image}`", spans.get("image"),
                 help="use a CodeBuild project configured with that image (`project = …`)")
    if "timeout" in spans:
        _timeout(ctx, what, step.timeout.seconds, spans["timeout"], step.project is None)
    for name, value in env:
        ctx.check_name("environment variable", name, spans.get("env"), ENV_NAME_RE, 128)
        if len(value) > MAX_ENV_VALUE:
            ctx.error("WV916", f"{what}: the value of `{name}` is {len(value)} characters, CodePipeline accepts "
                      f"{MAX_ENV_VALUE}", spans.get("env"), label="too long")
    if len(env) > MAX_ENV:
        ctx.error("WV916", f"{what} has {len(env)} environment variables, CodePipeline accepts {MAX_ENV}",
                  spans.get("env"), label="too many", help="read the rest from a file in the source")
    if len(step.outputs) > MAX_FILES or any(len(o) > MAX_FILE_LEN for o in step.outputs):
        ctx.error("WV916", f"{what}: CodePipeline accepts up to {MAX_FILES} `outputs` of up to {MAX_FILE_LEN} "
                  "characters", spans.get("outputs"), label="too many or too long",
                  help="use wider globs (`dist/**`)")
    provider = "CodeBuild" if step.project is not None else "Commands"
    if len(inputs) > MAX_INPUTS[provider]:
        ctx.error("WV916", f"{what} would read {len(inputs)} artifacts, a {provider} action accepts "
                  f"{MAX_INPUTS[provider]}", step.span.head(), label="too many input artifacts",
                  help="produce fewer artifacts (fewer steps with `outputs`) before this stage")
    action: JSON = {"name": step.name, "runOrder": run_order, "inputArtifacts": [{"name": a} for a in inputs]}
    ctx.check_name("action", step.name, step.span.head())
    art = ctx.step_output.get((stage.name, step.name))
    if step.project is not None:
        config = {"ProjectName": step.project}
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
    commands = [ctx.render(r, **values) for r in step.run]
    ctx.check_commands(what, commands, spans.get("run", step.span))
    action["actionTypeId"] = type_id("Compute", "Commands")
    action["commands"] = commands
    if env:
        action["environmentVariables"] = [{"name": k, "type": "PLAINTEXT", "value": v} for k, v in env]
    if art is not None:
        action["outputArtifacts"] = [{"name": art, "files": list(step.outputs)}]
    return action
