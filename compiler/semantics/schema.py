"""The schema: the one table of block types, attributes, types, defaults and docs.

Validation, lowering, ``wavec explain``, the docs and editor completion all
read this table; nothing else in the compiler lists attribute names.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal, get_args

from ..lang.values import Clock, Duration, EnumMember, Percent, Template, source_text
from ..records import field, record

# ----------------------------------------------------------------------- types


@record
class Ty:
    """A schema type. ``kind`` is one of the primitive names, ``list``, ``map``, ``ref``, ``enum``,
    ``oneof`` or ``expr`` (a policy expression kept unevaluated)."""

    kind: str
    item: Ty | None = None
    members: tuple[str, ...] = ()
    ref: str = ""
    options: tuple[Ty, ...] = ()

    def __str__(self) -> str:
        if self.kind == "list":
            return f"list<{self.item}>"
        if self.kind == "map":
            return "map<string,string>"
        if self.kind == "ref":
            return f"ref<{self.ref}>"
        if self.kind == "enum":
            return "enum " + " ".join(self.members)
        if self.kind == "oneof":
            return " or ".join(str(o) for o in self.options)
        if self.kind == "expr":
            return "expression"
        return self.kind

    @property
    def enum_members(self) -> tuple[str, ...]:
        """Members of this enum or of the enum this list holds (bare names resolve to them)."""
        if self.kind == "enum":
            return self.members
        if self.item is not None:
            return self.item.enum_members
        return ()


STRING = Ty("string")
INT = Ty("int")
NUMBER = Ty("number")
BOOL = Ty("bool")
DURATION = Ty("duration")
PERCENT = Ty("percent")
CLOCK = Ty("clock")
MAP = Ty("map")
EXPR = Ty("expr")


def list_of(item: Ty) -> Ty:
    """``list<item>``."""
    return Ty("list", item=item)


def ref(kind: str) -> Ty:
    """``ref<kind>``: a name that must resolve to a block of that kind."""
    return Ty("ref", ref=kind)


def enum(*members: str) -> Ty:
    """An enum of bare-name members."""
    return Ty("enum", members=members)


def oneof(*options: Ty) -> Ty:
    """A value of any of the given types (the first that fits)."""
    return Ty("oneof", options=options)


# The members of the schema's enums (and the kinds of provider block), as types the IR's fields carry;
# the tuples the schema table reads are derived from them, so each list is written once.
Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
StepKind = Literal["build", "test", "scan", "policy", "run"]
OnBreach = Literal["rollback", "rollback_all", "halt"]
InsufficientData = Literal["ok", "breach"]
ExecutionMode = Literal["queued", "superseded", "parallel"]
RuleSeverity = Literal["error", "warning", "info"]
SourceType = Literal["github", "gitlab", "bitbucket", "codecommit", "s3"]
DeployProvider = Literal["cloudformation", "codedeploy", "ecs", "local"]
ExposureBy = Literal["provider", "profile"]
TargetName = Literal["codepipeline", "local"]  # the compile targets (wavec.targets maps each to its module)

DAYS: tuple[Day, ...] = get_args(Day)
STEP_KINDS: tuple[StepKind, ...] = get_args(StepKind)
ON_BREACH: tuple[OnBreach, ...] = get_args(OnBreach)
INSUFFICIENT_DATA: tuple[InsufficientData, ...] = get_args(InsufficientData)
EXECUTION_MODES: tuple[ExecutionMode, ...] = get_args(ExecutionMode)
SEVERITIES: tuple[RuleSeverity, ...] = get_args(RuleSeverity)
SOURCE_TYPES: tuple[SourceType, ...] = get_args(SourceType)
PullRequestEvent = Literal["open", "updated", "closed"]
PULL_REQUEST_EVENTS: tuple[PullRequestEvent, ...] = get_args(PullRequestEvent)
# A `create` alarm's vocabulary; CloudFormation's names for it are in targets/codepipeline/alarms.py.
ALARM_COMPARISONS = ("above", "at_least", "below", "at_most")
ALARM_STATISTICS = ("sum", "average", "minimum", "maximum", "sample_count")
ALARM_MISSING_DATA = ("missing", "not_breaching", "breaching", "ignore")
DEPLOY_PROVIDERS: tuple[DeployProvider, ...] = get_args(DeployProvider)
EXPOSURE_BY: tuple[ExposureBy, ...] = get_args(ExposureBy)
TARGET_NAMES: tuple[TargetName, ...] = get_args(TargetName)

# -------------------------------------------------------------------- defaults

Default = Template | Duration | Percent | Clock | EnumMember | bool | int | tuple[()] | Mapping[str, Template]
"""A typed default: the value an attribute has when it is not written, exactly as evaluating the written
value would produce it (a string is a :class:`Template`, an enum member an :class:`EnumMember`, a list a
tuple, a map a mapping), so lowering treats a missing attribute as if its default had been written."""


@record
class Computed:
    """A default that lowering works out from the rest of the pipeline instead of a fixed value.

    ``doc`` is how the docs state it (``the previous stage``). ``may_be_none`` says whether it can come
    out empty (there may be no unnamed deploy profile to fall back on); the policy model then types the
    attribute ``… or none``.
    """

    doc: str
    may_be_none: bool = False


NO_ITEMS: tuple[()] = ()
"""The default of a list attribute that starts empty."""
NO_ENTRIES: Mapping[str, Template] = MappingProxyType({})
"""The default of a map attribute that starts empty (read-only: one object is shared by every block)."""

# ---------------------------------------------------------------------- tables


@record
class Attr:
    """One attribute: its type, whether it is required, its default and its documentation.

    ``default`` is a typed value lowering uses when the attribute is not written, or a :class:`Computed`
    default lowering works out itself; ``default_note`` is prose the docs show after a typed default
    (``[] (runs in parallel)``). ``required_unless`` names attributes any of which makes this one optional.
    """

    name: str
    type: Ty
    doc: str
    default: Default | Computed | None = None
    default_note: str = ""
    required: bool = False
    required_unless: tuple[str, ...] = ()

    @property
    def value_default(self) -> Default | None:
        """The typed default, or ``None`` when there is none or lowering computes it."""
        return None if isinstance(self.default, Computed) else self.default

    @property
    def default_text(self) -> str:
        """The default as the docs show it: the value as it is written (``1h``), or how it is computed;
        ``""`` when there is none."""
        if isinstance(self.default, Computed):
            return self.default.doc
        if self.default is None:
            return ""
        text = source_text(self.default)
        return f"{text} ({self.default_note})" if self.default_note else text


@record
class Child:
    """A nested block type and how many of it a block may hold (``None``: no upper bound)."""

    type: str
    min: int = 0
    max: int | None = None


@record
class Block:
    """A block type: labels, attributes, nested blocks, documentation.

    ``labels`` names the labels in order; ``optional_labels`` how many trailing ones
    may be left out; ``title_label`` is the index of a label that is free text (a string).
    For blocks like ``source TYPE``, ``variants`` gives the attributes per first label.
    """

    type: str
    doc: str
    labels: tuple[str, ...] = ()
    optional_labels: int = 0
    title_label: int | None = None
    attrs: tuple[Attr, ...] = ()
    children: tuple[Child, ...] = ()
    variants: dict[str, tuple[Attr, ...]] = field(default_factory=dict)

    def attr(self, name: str, variant: str | None = None) -> Attr | None:
        """The attribute of that name, looking in the variant first."""
        for a in self.variants.get(variant or "", ()):
            if a.name == name:
                return a
        for a in self.attrs:
            if a.name == name:
                return a
        return None

    def all_attrs(self, variant: str | None = None) -> tuple[Attr, ...]:
        """Attributes valid in this block (and in that variant)."""
        return self.attrs + self.variants.get(variant or "", ())

    def every_attr(self) -> tuple[Attr, ...]:
        """The attributes of every variant, each name once (the first variant that has it gives it)."""
        seen: dict[str, Attr] = {}
        for a in self.attrs + tuple(a for attrs in self.variants.values() for a in attrs):
            seen.setdefault(a.name, a)
        return tuple(seen.values())

    def child(self, type_: str) -> Child | None:
        """The nested block type of that name."""
        for c in self.children:
            if c.type == type_:
                return c
        return None


_REGION_DOC = "validated against the AWS region list of the `aws` partition shipped with botocore"
_ROLE_DOC = "IAM role ARN the deploy actions assume; may use `${account}` and `${region}`"

BLOCKS: dict[str, Block] = {
    b.type: b
    for b in (
        Block(
            "pipeline",
            "A delivery pipeline: source, pre-production stages and production waves.",
            labels=("NAME",),
            attrs=(
                Attr("role", STRING, "IAM role ARN of the pipeline; required by the CodePipeline target; "
                     "its account is the pipeline's account"),
                Attr("region", STRING, "the region the pipeline itself lives in",
                     default=Computed("the source's `region`, else the first region of the first wave",
                                      may_be_none=True)),
                Attr("artifacts", STRING, "S3 bucket for artifacts; may use `${region}`, then one bucket per "
                     "region used"),
                Attr("encryption_key", STRING, "KMS key (id or ARN) that encrypts the artifact stores, one per "
                     "region: may use `${region}`; required by the CodePipeline target when a wave deploys to "
                     "another account"),
                Attr("execution_mode", enum(*EXECUTION_MODES), "how executions queue",
                     default=EnumMember("superseded")),
                Attr("policies", list_of(oneof(ref("policy"), ref("module"))),
                     "policies enforced on this pipeline, in addition to configured ones; a module means "
                     "every policy in it", default=NO_ITEMS),
                Attr("targets", list_of(enum(*TARGET_NAMES)),
                     "targets this pipeline is built for; `wavec check` then reports each target's constraints "
                     "(the WV9xx of `codepipeline`) as `wavec build` would; when not written, the configuration's "
                     "`targets` apply", default=NO_ITEMS),
            ),
            children=(
                Child("source", 1, 1),
                Child("stage"),
                Child("deploy"),
                Child("gate"),
                Child("window"),
                Child("wave", 1),
            ),
        ),
        Block(
            "source",
            "Where the pipeline's source comes from; exactly one per pipeline.",
            labels=("TYPE",),
            variants={
                "github": (
                    Attr("repo", STRING, "`owner/name` of the repository", required=True),
                    Attr("branch", STRING, "branch to build", default=Template.plain("main")),
                    Attr("connection", STRING, "CodeConnections connection ARN", required=True),
                ),
                "codecommit": (
                    Attr("repo", STRING, "repository name", required=True),
                    Attr("branch", STRING, "branch to build", default=Template.plain("main")),
                    Attr("region", STRING, "the repository's region; a source action runs in the pipeline's "
                         "region, so they must be one (the pipeline's region defaults to it)"),
                ),
                "s3": (
                    Attr("bucket", STRING, "source bucket", required=True),
                    Attr("key", STRING, "object key of the source archive", required=True),
                    Attr("region", STRING, "the bucket's region; a source action runs in the pipeline's region, "
                         "so they must be one (the pipeline's region defaults to it)"),
                ),
            },
            children=(Child("trigger", 0, 6),),
        ),
        Block(
            "trigger",
            "Which git events start the pipeline (CodePipeline V2 triggers, `github`/`gitlab`/`bitbucket` sources): "
            "`push` filters branches (and file paths) or tags, `pull_request` its events, branches and file paths. "
            "Patterns are globs (`release/**`). Without a trigger, a push to `branch` starts the pipeline; with "
            "triggers, only what they admit does.",
            labels=("EVENT",),
            variants={
                "push": (
                    Attr("branches", list_of(STRING), "branch patterns a push to starts the pipeline"),
                    Attr("exclude_branches", list_of(STRING), "branch patterns a push to does not"),
                    Attr("paths", list_of(STRING), "file path patterns: the push must change one (with `branches`)"),
                    Attr("exclude_paths", list_of(STRING), "file path patterns a push may not only change"),
                    Attr("tags", list_of(STRING), "tag patterns a pushed tag starts the pipeline with (alone: not "
                         "with branches or paths)"),
                    Attr("exclude_tags", list_of(STRING), "tag patterns that do not"),
                ),
                "pull_request": (
                    Attr("events", list_of(enum(*PULL_REQUEST_EVENTS)), "the pull request events that start the "
                         "pipeline", default=Computed("every one: " + ", ".join(PULL_REQUEST_EVENTS))),
                    Attr("branches", list_of(STRING), "patterns of the branches the pull request is into"),
                    Attr("exclude_branches", list_of(STRING), "branch patterns it is not into"),
                    Attr("paths", list_of(STRING), "file path patterns the pull request must change one of (with "
                         "`branches`)"),
                    Attr("exclude_paths", list_of(STRING), "file path patterns it may not only change"),
                ),
            },
        ),
        Block(
            "stage",
            "A pre-production stage: steps, optionally inside a sandbox environment.",
            labels=("NAME",),
            attrs=(Attr("after", list_of(ref("stage")), "stages this one runs after",
                        default=Computed("the previous stage")),),
            children=(Child("environment", 0, 1), Child("step", 1)),
        ),
        Block(
            "environment",
            "A sandbox environment that simulates production: `create` runs before the stage's steps, "
            "`destroy` after them whether they pass or fail.",
            attrs=(
                Attr("create", STRING, "command that creates the environment"),
                Attr("destroy", STRING, "command that destroys it, run whether the steps pass or fail"),
                Attr("region", STRING, "region of the sandbox; " + _REGION_DOC),
                Attr("timeout", DURATION, "time limit of create and destroy",
                     default=Duration(3600)),
            ),
        ),
        Block(
            "step",
            "One action of a stage: shell commands or an existing CodeBuild project.",
            labels=("NAME",),
            attrs=(
                Attr("run", oneof(STRING, list_of(STRING)), "shell commands", required_unless=("project",)),
                Attr("kind", enum(*STEP_KINDS), "what the step does; policies can require kinds",
                     default=EnumMember("run")),
                Attr("after", list_of(ref("step")), "steps of the same stage this one runs after",
                     default=NO_ITEMS, default_note="runs in parallel"),
                Attr("image", STRING, "build image"),
                Attr("project", STRING, "an existing CodeBuild project: compile to a CodeBuild action"),
                Attr("env", MAP, "environment variables", default=NO_ENTRIES),
                Attr("outputs", list_of(STRING), "file globs this step produces", default=NO_ITEMS),
                Attr("timeout", DURATION, "time limit", default=Duration(3600)),
                Attr("retries", INT, "how often a failed step is retried", default=0),
                Attr("estimate", DURATION, "how long the step usually takes, for `wavec plan`'s timeline",
                     default=Duration(600)),
            ),
        ),
        Block(
            "deploy",
            "How a wave deploys one target (a region × account); the unnamed profile is the default.",
            labels=("NAME",),
            optional_labels=1,
            attrs=(
                Attr("role", STRING, _ROLE_DOC),
                Attr("estimate", DURATION, "how long deploying one target usually takes, for `wavec plan`'s "
                     "timeline", default=Duration(900)),
            ),
            children=tuple(Child(p, 0, 1) for p in DEPLOY_PROVIDERS),
        ),
        Block(
            "cloudformation",
            "Deploy a CloudFormation stack per target.",
            attrs=(
                Attr("stack", STRING, "stack name", required=True),
                Attr("template", STRING, "template as `artifact::path`", required=True),
                Attr("capabilities", list_of(STRING), "IAM capabilities", default=NO_ITEMS),
                Attr("parameters", MAP, "parameter overrides", default=NO_ENTRIES),
                Attr("role", STRING, "IAM role ARN CloudFormation assumes to operate on the stack (the deploy "
                     "action's `RoleArn`); required by the CodePipeline target; may use `${account}` and "
                     "`${region}`"),
            ),
        ),
        Block(
            "codedeploy",
            "Deploy with CodeDeploy.",
            attrs=(
                Attr("application", STRING, "CodeDeploy application", required=True),
                Attr("group", STRING, "deployment group", required=True),
            ),
        ),
        Block(
            "ecs",
            "Deploy an ECS service.",
            attrs=(
                Attr("cluster", STRING, "ECS cluster", required=True),
                Attr("service", STRING, "ECS service", required=True),
                Attr("image_definitions", STRING, "image definitions file",
                     default=Template.plain("imagedefinitions.json")),
            ),
        ),
        Block(
            "local",
            "What `wavec run` executes per target.",
            attrs=(
                Attr("run", STRING, "deploy command", required=True),
                Attr("rollback", STRING, "rollback command", required=True),
                Attr("timeout", DURATION, "time limit of each run of the deploy and of the rollback command "
                     "(a timed-out rollback is tried 3 times in all)", default=Duration(3600)),
            ),
        ),
        Block(
            "gate",
            "What decides whether a wave may proceed: alarms, checks and queries watched during the bake.",
            labels=("NAME",),
            attrs=(
                Attr("alarms", list_of(STRING), "CloudWatch alarm names, may use `${region}`; any in ALARM "
                     "is a breach", default=NO_ITEMS),
                Attr("blockers", list_of(STRING), "alarm names that must not be in ALARM for the wave to "
                     "start", default=NO_ITEMS),
                Attr("check", STRING, "a command; a non-zero exit is a breach"),
                Attr("on_breach", enum(*ON_BREACH), "what a breach does",
                     default=EnumMember("rollback")),
                Attr("interval", DURATION, "how often the gate is evaluated during the bake",
                     default=Duration(60)),
                Attr("insufficient_data", enum(*INSUFFICIENT_DATA), "how an alarm of `alarms` in "
                     "INSUFFICIENT_DATA counts during the bake: `ok` (healthy) or `breach`",
                     default=EnumMember("ok")),
                Attr("approval", BOOL, "a manual approval before the wave", default=False),
            ),
            children=(Child("prometheus", 0, 1), Child("create", 0, 1)),
        ),
        Block(
            "prometheus",
            "A PromQL query whose value must stay within bounds, read every `interval` of the bake.",
            attrs=(
                Attr("url", STRING, "base URL of the Prometheus server", required=True),
                Attr("query", STRING, "PromQL query", required=True),
                Attr("max", NUMBER, "largest healthy value"),
                Attr("min", NUMBER, "smallest healthy value"),
                Attr("reachable_from_aws", BOOL, "the server answers requests from AWS (CodeBuild's network): "
                     "CodePipeline then reads the query in a Commands action during the bake; without it the "
                     "CodePipeline target refuses the gate (WV925)", default=False),
            ),
        ),
        Block(
            "create",
            "A standard CloudWatch metric alarm for each name of the gate's `alarms`, which the deployment bundle "
            "creates in every region and account the bake reads it in (`wavec build --out`, `wavec deploy`); "
            "without it the alarms are referenced and must exist.",
            attrs=(
                Attr("metric", STRING, "metric name", required=True),
                Attr("namespace", STRING, "metric namespace (`AWS/ApplicationELB`, `Shop`)", required=True),
                Attr("threshold", NUMBER, "the value compared with the statistic", required=True),
                Attr("comparison", enum(*ALARM_COMPARISONS), "the alarm fires when the statistic is `above`, "
                     "`at_least`, `below` or `at_most` the threshold", default=EnumMember("above")),
                Attr("statistic", enum(*ALARM_STATISTICS), "statistic over each period",
                     default=EnumMember("sum")),
                Attr("period", DURATION, "length of one period: 10s, 30s or whole minutes",
                     default=Duration(60)),
                Attr("evaluation_periods", INT, "periods over the threshold that make the alarm fire", default=1),
                Attr("dimensions", MAP, "metric dimensions; may use `${region}` and `${account}`",
                     default=NO_ENTRIES),
                Attr("missing_data", enum(*ALARM_MISSING_DATA), "how periods without data count",
                     default=EnumMember("missing")),
            ),
        ),
        Block(
            "window",
            "When a wave may start: days and hours in a time zone, or a cron expression.",
            labels=("NAME",),
            attrs=(
                Attr("days", list_of(enum(*DAYS)), "days the window is open", required_unless=("cron",)),
                Attr("hours", list_of(CLOCK), "`[from, to)`, two clocks", required_unless=("cron",)),
                Attr("cron", STRING, "instead of days/hours, CodePipeline's DeploymentWindow cron: `seconds "
                     "minutes hours day-of-month month day-of-week [year]` (seconds `*`); the window is open "
                     "during every minute it matches"),
                Attr("timezone", STRING, "IANA time zone, validated against the tz database",
                     default=Template.plain("UTC")),
            ),
        ),
        Block(
            "wave",
            "A production wave: targets deployed together, then baked while gates are watched.",
            labels=("NAME",),
            attrs=(
                Attr("regions", list_of(STRING), "regions; " + _REGION_DOC, required=True),
                Attr("accounts", list_of(STRING), "12-digit account ids; targets are regions × accounts",
                     default=NO_ITEMS, default_note="the pipeline's account"),
                Attr("deploy", ref("deploy"), "deploy profile",
                     default=Computed("the unnamed deploy profile", may_be_none=True)),
                Attr("bake", DURATION, "time the wave is watched after its last target deployed",
                     default=Duration(0)),
                Attr("gates", list_of(ref("gate")), "gates watched during the bake", default=NO_ITEMS),
                Attr("windows", list_of(ref("window")), "windows the wave must start in",
                     default=NO_ITEMS),
                Attr("parallel", INT, "how many targets deploy at once",
                     default=Computed("all of the wave")),
                Attr("exposure", PERCENT, "share of each target's traffic this wave reaches",
                     default=Percent(100.0)),
                Attr("exposure_by", enum(*EXPOSURE_BY),
                     "what limits a deploy to `exposure`: `provider`, the target's deploy action (CodePipeline's "
                     "cannot: an exposure below 100% is then an error there), or `profile`, the wave's deploy "
                     "profile itself (a one-box stack, a deployment group whose configuration shifts that share); "
                     "`wavec run` passes it to the scripts as `WAVE_EXPOSURE` either way",
                     default=EnumMember("provider")),
                Attr("after", list_of(ref("wave")), "waves this one runs after",
                     default=Computed("the previous wave")),
            ),
        ),
        Block(
            "policy",
            "A named set of rules the plan must satisfy.",
            labels=("NAME",),
            attrs=(Attr("description", STRING, "what the policy is for"),),
            children=(Child("rule", 1),),
        ),
        Block(
            "rule",
            "One policy rule: for each item `for` yields (filtered by `where`), `assert` must hold.",
            labels=("CODE", "title"),
            title_label=1,
            attrs=(
                Attr("for", EXPR, "what the rule inspects: `pipeline`, `stages`, `steps`, `waves`, `gates`, "
                     "or any expression", required=True),
                Attr("where", EXPR, "filter; `this` is the item"),
                Attr("assert", EXPR, "must be true for each item", required=True),
                Attr("severity", enum(*SEVERITIES), "severity of a finding",
                     default=EnumMember("error")),
                Attr("help", STRING, "shown under the diagnostic and by `wavec explain`"),
                Attr("detail", EXPR, "a policy expression evaluated for a failing item, shown as the note "
                     "under the caret (a string, or a value written out)"),
            ),
        ),
    )
}

# The source types that share one variant table.
for _alias in ("gitlab", "bitbucket"):
    BLOCKS["source"].variants[_alias] = BLOCKS["source"].variants["github"]

TOP_LEVEL: tuple[str, ...] = ("pipeline", "policy", "gate", "window", "deploy")
"""Block types allowed at the top level of a file."""

EXPORTED: tuple[str, ...] = ("gate", "window", "deploy", "policy")
"""Top-level block kinds a module exports (with its ``let`` names), in the order ``module.name`` looks."""

COMPILE_TIME_VARS: tuple[str, ...] = ("pipeline", "stage", "step", "wave", "region", "account")
RUNTIME_VARS: tuple[str, ...] = ("execution", "commit")
