"""The typed IR: what every check, policy, graph analysis and target reads.

Values are *effective*: defaults applied, references resolved to the objects
they name, ``let`` values and imports substituted. Every entity keeps the
span of its block and ``attr_spans`` for its attributes, so later layers
can point at exactly what they talk about. The IR is immutable.

A field for an attribute the schema gives a default has no default here: it
is keyword-only and lowering always passes the effective value, so each
default is written once, in :mod:`wavec.semantics.schema`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from ..lang.values import Clock, Duration, Percent, Template
from ..records import field, record
from ..source import Span
from .schema import (
    Day,
    DeployProvider,
    ExecutionMode,
    ExposureBy,
    InsufficientData,
    OnBreach,
    RuleSeverity,
    StepKind,
    TargetName,
)

if TYPE_CHECKING:
    from ..syntax import tree



@record
class Allow:
    """``allow CODE "reason"`` on an entity: suppresses that rule there and below."""

    code: str
    reason: str
    span: Span


@record
class Source:
    """The pipeline's source (``github``, ``gitlab``, ``bitbucket``, ``codecommit``, ``s3``)."""

    type: str
    span: Span
    repo: str | None = None
    branch: str = field(kw_only=True)
    connection: str | None = None
    bucket: str | None = None
    key: str | None = None
    region: str | None = None  # where a CodeCommit repository or S3 bucket is (a connection is global)
    triggers: tuple[Trigger, ...] = ()
    attr_spans: Mapping[str, Span] = field(default_factory=dict)


@record
class Trigger:
    """A git trigger of the source: ``push`` or ``pull_request``, with its glob filters (empty: not given)."""

    event: str
    span: Span
    branches: tuple[str, ...] = ()
    exclude_branches: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    exclude_paths: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    exclude_tags: tuple[str, ...] = ()
    events: tuple[str, ...] = ()  # pull_request only
    attr_spans: Mapping[str, Span] = field(default_factory=dict)


@record
class Environment:
    """A stage's sandbox environment."""

    span: Span
    create: Template | None = None
    destroy: Template | None = None
    region: str | None = None
    timeout: Duration = field(kw_only=True)
    attr_spans: Mapping[str, Span] = field(default_factory=dict)


@record
class Step:
    """One step of a stage."""

    name: str
    stage: str
    span: Span
    kind: StepKind = field(kw_only=True)
    run: tuple[Template, ...] = ()
    after: tuple[str, ...] = field(kw_only=True)
    image: str | None = None
    project: str | None = None
    env: tuple[tuple[str, Template], ...] = field(kw_only=True)
    outputs: tuple[str, ...] = field(kw_only=True)
    timeout: Duration = field(kw_only=True)
    retries: int = field(kw_only=True)
    estimate: Duration = field(kw_only=True)  # written or not: `"estimate" in attr_spans` tells
    allows: tuple[Allow, ...] = ()
    attr_spans: Mapping[str, Span] = field(default_factory=dict)


@record
class Stage:
    """A pre-production stage; ``after`` is effective (the previous stage unless given)."""

    name: str
    index: int
    span: Span
    steps: tuple[Step, ...]
    after: tuple[str, ...] = ()
    environment: Environment | None = None
    allows: tuple[Allow, ...] = ()
    attr_spans: Mapping[str, Span] = field(default_factory=dict)


@record
class CloudFormation:
    """``deploy { cloudformation { … } }``."""

    span: Span
    stack: Template
    template: Template
    capabilities: tuple[str, ...] = field(kw_only=True)
    parameters: tuple[tuple[str, Template], ...] = field(kw_only=True)
    role: Template | None = None
    attr_spans: Mapping[str, Span] = field(default_factory=dict)
    kind: Literal["cloudformation"] = "cloudformation"


@record
class CodeDeploy:
    """``deploy { codedeploy { … } }``."""

    span: Span
    application: Template
    group: Template
    attr_spans: Mapping[str, Span] = field(default_factory=dict)
    kind: Literal["codedeploy"] = "codedeploy"


@record
class Ecs:
    """``deploy { ecs { … } }``."""

    span: Span
    cluster: Template
    service: Template
    image_definitions: str = field(kw_only=True)
    attr_spans: Mapping[str, Span] = field(default_factory=dict)
    kind: Literal["ecs"] = "ecs"


@record
class LocalDeploy:
    """``deploy { local { … } }``: what ``wavec run`` executes per target."""

    span: Span
    run: Template
    rollback: Template
    timeout: Duration = field(kw_only=True)
    attr_spans: Mapping[str, Span] = field(default_factory=dict)
    kind: Literal["local"] = "local"


Provider = CloudFormation | CodeDeploy | Ecs | LocalDeploy


@record
class DeployProfile:
    """A deploy profile; ``name`` is ``""`` for the pipeline's unnamed default."""

    name: str
    span: Span
    providers: tuple[Provider, ...] = ()
    role: Template | None = None
    estimate: Duration = field(kw_only=True)
    allows: tuple[Allow, ...] = ()
    attr_spans: Mapping[str, Span] = field(default_factory=dict)

    def provider(self, kind: DeployProvider) -> Provider | None:
        """The provider block of that kind, if present."""
        for p in self.providers:
            if p.kind == kind:
                return p
        return None


@record
class Prometheus:
    """A PromQL bound checked during the bake."""

    span: Span
    url: str
    query: Template
    reachable_from_aws: bool
    max: float | None = None
    min: float | None = None


@record
class Gate:
    """A gate: alarms, blockers, checks, queries, approval, and what a breach does."""

    name: str
    span: Span
    alarms: tuple[Template, ...] = field(kw_only=True)
    blockers: tuple[Template, ...] = field(kw_only=True)
    check: Template | None = None
    prometheus: Prometheus | None = None
    create: AlarmSpec | None = None
    on_breach: OnBreach = field(kw_only=True)
    interval: Duration = field(kw_only=True)
    # How an alarm of ``alarms`` in INSUFFICIENT_DATA counts during the bake: "ok" or "breach".
    insufficient_data: InsufficientData = field(kw_only=True)
    approval: bool = field(kw_only=True)
    allows: tuple[Allow, ...] = ()
    attr_spans: Mapping[str, Span] = field(default_factory=dict)


@record
class AlarmSpec:
    """``gate { create { … } }``: the metric alarm the bundle creates under each of the gate's alarm names."""

    span: Span
    metric: str
    namespace: str
    threshold: float
    comparison: str = field(kw_only=True)
    statistic: str = field(kw_only=True)
    period: Duration = field(kw_only=True)
    evaluation_periods: int = field(kw_only=True)
    dimensions: tuple[tuple[str, Template], ...] = field(kw_only=True)
    missing_data: str = field(kw_only=True)


@record
class Window:
    """A deployment window: ``days`` × ``hours`` (``[from, to)``) in ``timezone``, or a ``cron``."""

    name: str
    span: Span
    days: tuple[Day, ...] = ()
    hours: tuple[Clock, Clock] | None = None
    cron: str | None = None
    timezone: str = field(kw_only=True)
    allows: tuple[Allow, ...] = ()
    attr_spans: Mapping[str, Span] = field(default_factory=dict)


@record
class Target:
    """One deployment target of a wave: a region, and an account when the wave names accounts."""

    region: str
    account: str | None = None

    @property
    def id(self) -> str:
        """``region`` or ``region/account``: stable and unique within a wave."""
        return self.region if self.account is None else f"{self.region}/{self.account}"


@record
class Wave:
    """A production wave with effective values (``parallel`` defaults to the number of targets)."""

    name: str
    index: int
    span: Span
    regions: tuple[str, ...]
    targets: tuple[Target, ...]
    parallel: int
    accounts: tuple[str, ...] = field(kw_only=True)
    deploy: DeployProfile | None = None
    bake: Duration = field(kw_only=True)
    gates: tuple[Gate, ...] = field(kw_only=True)
    windows: tuple[Window, ...] = field(kw_only=True)
    exposure: Percent = field(kw_only=True)
    exposure_by: ExposureBy = field(kw_only=True)
    after: tuple[str, ...] = ()
    allows: tuple[Allow, ...] = ()
    attr_spans: Mapping[str, Span] = field(default_factory=dict)


@record
class Rule:
    """A policy rule; its expressions stay syntax trees, compiled by the policy engine."""

    code: str
    title: str
    policy: str
    span: Span
    for_: tree.Expr | None
    assert_: tree.Expr | None
    where: tree.Expr | None = None
    severity: RuleSeverity = field(kw_only=True)
    help: str | None = None
    allows: tuple[Allow, ...] = ()
    attr_spans: Mapping[str, Span] = field(default_factory=dict)
    detail: tree.Expr | None = None


@record
class Policy:
    """A named set of rules; ``module`` is the file that defines it."""

    name: str
    span: Span
    module: str
    rules: tuple[Rule, ...] = ()
    description: str | None = None


@record
class Pipeline:
    """A whole pipeline, every reference resolved."""

    name: str
    span: Span
    module: str
    source: Source | None
    stages: tuple[Stage, ...]
    waves: tuple[Wave, ...]
    deploys: tuple[DeployProfile, ...] = ()
    gates: tuple[Gate, ...] = ()
    windows: tuple[Window, ...] = ()
    policies: tuple[Policy, ...] = field(kw_only=True)
    role: Template | None = None
    region: str | None = None
    artifacts: Template | None = None
    encryption_key: Template | None = None
    execution_mode: ExecutionMode = field(kw_only=True)
    targets: tuple[TargetName, ...] = field(kw_only=True)
    """The targets the file says it is built for (``targets = [...]``); empty: the configuration decides."""
    allows: tuple[Allow, ...] = ()
    attr_spans: Mapping[str, Span] = field(default_factory=dict)
    # Name → object, filled on first use: targets look waves up once per node, which must stay O(1).
    _by_name: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def account(self) -> str | None:
        """The pipeline's account: the account field of ``role``'s ARN, when it is plain."""
        if self.role is None or not self.role.is_plain:
            return None
        fields = self.role.text.split(":")
        return fields[4] if len(fields) > 5 and fields[4].isdigit() else None

    def _index(self, kind: str, items: tuple[Any, ...]) -> dict[str, Any]:
        table = self._by_name.get(kind)
        if table is None:
            table = self._by_name[kind] = {}
            for item in items:
                table.setdefault(item.name, item)
        return table

    def stage(self, name: str) -> Stage | None:
        """The stage of that name."""
        found: Stage | None = self._index("stage", self.stages).get(name)
        return found

    def wave(self, name: str) -> Wave | None:
        """The wave of that name."""
        found: Wave | None = self._index("wave", self.waves).get(name)
        return found


@record
class Module:
    """One lowered `.wave` file: what it defines and the modules it imports."""

    path: str
    span: Span
    pipelines: tuple[Pipeline, ...] = ()
    policies: tuple[Policy, ...] = ()
    gates: tuple[Gate, ...] = ()
    windows: tuple[Window, ...] = ()
    deploys: tuple[DeployProfile, ...] = ()
    lets: Mapping[str, object] = field(default_factory=dict)
    imports: Mapping[str, Module] = field(default_factory=dict)
    allows: tuple[Allow, ...] = ()
    let_spans: Mapping[str, Span] = field(default_factory=dict)
    """Where each ``let`` is written (the whole statement)."""
    let_entries: Mapping[str, Mapping[str, Span]] = field(default_factory=dict)
    """For a ``let`` written as a map (``let weights = { "us-east-1" = 3 }``): where each entry is written."""

    def exported(self, kind: str) -> tuple[Gate | Window | DeployProfile | Policy, ...]:
        """The blocks of one exported kind (see :data:`~wavec.semantics.schema.EXPORTED`) the module defines."""
        tables: dict[str, tuple[Gate | Window | DeployProfile | Policy, ...]] = {
            "gate": self.gates, "window": self.windows, "deploy": self.deploys, "policy": self.policies}
        return tables[kind]
