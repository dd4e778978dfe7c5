"""What every part of the CodePipeline mapping shares: the service's limits, the build context, stage names.

:class:`Context` carries the pipeline being compiled and the sink; the limits are the service's (botocore model
and the CodePipeline quotas page).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ...diagnostics import Severity, Sink
from ...diagnostics.codes import Code
from ...diagnostics.codes import codepipeline as codes
from ...lang.values import Template, Var
from ...semantics import ir
from ...source import Span
from ..base import command_text, unsupported

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


def pipeline_region(pipeline: ir.Pipeline) -> str:
    """The region the pipeline lives in: its `region`, else the first region of the first wave."""
    return pipeline.region or (pipeline.waves[0].regions[0] if pipeline.waves else "us-east-1")


class Context:
    """What every part of the mapping shares: the pipeline, the sink, names, artifacts, rendering."""

    def __init__(self, pipeline: ir.Pipeline, sink: Sink) -> None:
        self.pipeline = pipeline
        self.sink = sink
        self.region = pipeline_region(pipeline)
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

    def error(self, code: Code, message: str, span: Span | None, *, help: str | None = None,
              label: str = "") -> None:
        """Report an error of this target."""
        self.sink.report(code, message, span or self.head, label=label, help=help, severity=Severity.ERROR)

    def warn(self, code: Code, message: str, span: Span | None, *, help: str | None = None) -> None:
        """Report what the target cannot express (a warning, never a silent drop)."""
        unsupported(self.sink, code, message, span or self.head, help=help)

    def render(self, tpl: Template, **ctx: str | None) -> str:
        """A template with compile-time values substituted and run-time ones as CodePipeline variables."""
        commit = f"#{{{SOURCE_NAMESPACE}.CommitId}}"
        if "commit" in tpl.vars and self.pipeline.source is not None and self.pipeline.source.type == "s3":
            commit = f"#{{{SOURCE_NAMESPACE}.VersionId}}"
            if not self._warned_commit:
                self._warned_commit = True
                self.warn(codes.COMMIT_WITH_S3_SOURCE,
                          "`${commit}` with an `s3` source: the S3 source has no commit id, "
                          "its `VersionId` is used instead", tpl.span or self.head,
                          help="use a codecommit or git source to get commit ids")
        env = {"pipeline": self.pipeline.name, "execution": EXECUTION_VAR, "commit": commit}
        if ctx.get("account") is None and self.account is not None:
            ctx["account"] = self.account
        env.update({k: v for k, v in ctx.items() if v is not None})
        return tpl.render(env)

    def command(self, tpl: Template, **ctx: str | None) -> str:
        """A command's text: like :meth:`render`, but a ``let`` string is quoted as data for the shell's state
        where it stands (:mod:`wavec.lang.shell`); the context's values are safe words and stay as they are."""
        values = {p.name: self.render(Template((p,), tpl.span), **ctx) for p in tpl.parts
                  if isinstance(p, Var) and p.value is None}
        return command_text(tpl, self.sink, lambda var: values[var.name], verbatim=True)

    def check_name(self, kind: str, name: str, span: Span | None, pattern: re.Pattern[str] = NAME_RE,
                   max_len: int = MAX_NAME) -> None:
        """Report a name CodePipeline rejects (WV905)."""
        if len(name) > max_len or not pattern.fullmatch(name):
            self.error(codes.NAME_NOT_ALLOWED, f"{kind} name `{name}` is not allowed by CodePipeline", span,
                       label="this name",
                       help=f"{kind} names are 1–{max_len} characters of `{pattern.pattern}`")

    def check_config(self, what: str, config: Mapping[str, str], span: Span | None,
                     limit: int = MAX_CONFIG_VALUE) -> None:
        """Report configuration values over the service's length limit (WV916)."""
        for key, value in sorted(config.items()):
            if len(value) > limit:
                self.error(codes.OVER_SERVICE_LIMIT,
                           f"{what}: `{key}` is {len(value)} characters, CodePipeline accepts {limit}",
                           span, label="too long", help="shorten the value, or move it into a file the action reads")

    def check_commands(self, what: str, commands: Sequence[str], span: Span | None) -> None:
        """Report command lists beyond the service's limits (WV916)."""
        if len(commands) > MAX_COMMANDS:
            self.error(codes.OVER_SERVICE_LIMIT,
                       f"{what} has {len(commands)} commands, CodePipeline accepts {MAX_COMMANDS}",
                       span, label="too many commands", help="move the commands into a script and run that")
        for cmd in commands:
            if len(cmd) > MAX_COMMAND_LEN:
                self.error(codes.OVER_SERVICE_LIMIT,
                           f"{what} has a command of {len(cmd)} characters, CodePipeline accepts "
                           f"{MAX_COMMAND_LEN}", span, label="command too long",
                           help="move the command into a script and run that")
            if "\n" in cmd:
                self.error(codes.OVER_SERVICE_LIMIT,
                           f"{what} has a multi-line command, which the Commands action does not run",
                           span, label="multi-line command", help="write one command per list item")


class StageNames:
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


