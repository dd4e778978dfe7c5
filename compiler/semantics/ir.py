"""The typed IR: what every check, policy, graph analysis and target reads.

Values are *effective*: defaults applied, references resolved to the objects
they name, ``let`` values and imports substituted. Every entity keeps the
span of its block and ``attr_spans`` for its attributes, so later layers
can point at exactly what they talk about. The IR is immutable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..lang.values import Clock, Duration, Percent, Template
from ..source import Span

if TYPE_CHECKING:
    from ..syntax import tree



@dataclass(frozen=True, slots=True)
class Allow:
    """``allow CODE "reason"`` on an entity: suppresses that rule there and below."""

    code: str
    reason: str
    span: Span


@dataclass(frozen=True, slots=True)
class Source:
    """The pipeline's source (``github``, ``gitlab``, ``bitbucket``, ``codecommit``, ``s3``)."""

    type: str
    span: Span
    repo: str | None = None
    branch: str = "main"
    connection: str | None = None
    bucket: str | None = None
    key: str | None = None
    attr_spans: Mapping[str, Span] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Environment:
    """A stage's sandbox environment."""

    span: Span
    create: Template | None = None
    destroy: Template | None = None
    region: str | None = None
    timeout: Duration = Duration(3600)
    attr_spans: Mapping[str, Span] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a stage."""

    name: str
    stage: str
    span: Span
    kind: str = "run"
    run: tuple[Template, ...] = ()
    after: tuple[str, ...] = ()
    image: str | None = None
    project: str | None = None
    env: tuple[tuple[str, Template], ...] = ()
    outputs: tuple[str, ...] = ()
    timeout: Duration = Duration(3600)
    retries: int = 0
    estimate: Duration | None = None  # None: not written; `wavec plan` uses its documented default
    allows: tuple[Allow, ...] = ()
    attr_spans: Mapping[str, Span] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class CloudFormation:
    """``deploy { cloudformation { … } }``."""

    span: Span
    stack: Template
    template: Template
    capabilities: tuple[str, ...] = ()
    parameters: tuple[tuple[str, Template], ...] = ()
    role: Template | None = None
    attr_spans: Mapping[str, Span] = field(default_factory=dict)
    kind: str = "cloudformation"


@dataclass(frozen=True, slots=True)
class CodeDeploy:
    """``deploy { codedeploy { … } }``."""

    span: Span
    application: Template
    group: Template
    attr_spans: Mapping[str, Span] = field(default_factory=dict)
    kind: str = "codedeploy"


@dataclass(frozen=True, slots=True)
class Ecs:
    """``deploy { ecs { … } }``."""

    span: Span
    cluster: Template
    service: Template
    image_definitions: str = "imagedefinitions.json"
    attr_spans: Mapping[str, Span] = field(default_factory=dict)
    kind: str = "ecs"


@dataclass(frozen=True, slots=True)
class LocalDeploy:
    """``deploy { local { … } }``: what ``wavec run`` executes per target."""

    span: Span
    run: Template
    rollback: Template
    attr_spans: Mapping[str, Span] = field(default_factory=dict)
    kind: str = "local"


Provider = CloudFormation | CodeDeploy | Ecs | LocalDeploy


@dataclass(frozen=True, slots=True)
class DeployProfile:
    """A deploy profile; ``name`` is ``""`` for the pipeline's unnamed default."""

    name: str
    span: Span
    providers: tuple[Provider, ...] = ()
    role: Template | None = None
    estimate: Duration | None = None  # None: not written; `wavec plan` uses its documented default
    allows: tuple[Allow, ...] = ()
    attr_spans: Mapping[str, Span] = field(default_factory=dict)

    def provider(self, kind: str) -> Provider | None:
        """The provider block of that kind, if present."""
        for p in self.providers:
            if p.kind == kind:
                return p
        return None


@dataclass(frozen=True, slots=True)
class Prometheus:
    """A PromQL bound checked during the bake."""

    span: Span
    url: str
    query: Template
    max: float | None = None
    min: float | None = None


@dataclass(frozen=True, slots=True)
class Gate:
    """A gate: alarms, blockers, checks, queries, approval, and what a breach does."""

    name: str
    span: Span
    alarms: tuple[Template, ...] = ()
    blockers: tuple[Template, ...] = ()
    check: Template | None = None
    prometheus: Prometheus | None = None
    on_breach: str = "rollback"
    interval: Duration = Duration(60)
    # How an alarm of ``alarms`` in INSUFFICIENT_DATA counts during the bake: "ok" or "breach".
    insufficient_data: str = "ok"
    approval: bool = False
    allows: tuple[Allow, ...] = ()
    attr_spans: Mapping[str, Span] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Window:
    """A deployment window: ``days`` × ``hours`` (``[from, to)``) in ``timezone``, or a ``cron``."""

    name: str
    span: Span
    days: tuple[str, ...] = ()
    hours: tuple[Clock, Clock] | None = None
    cron: str | None = None
    timezone: str = "UTC"
    allows: tuple[Allow, ...] = ()
    attr_spans: Mapping[str, Span] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Target:
    """One deployment target of a wave: a region, and an account when the wave names accounts."""

    region: str
    account: str | None = None

    @property
    def id(self) -> str:
        """``region`` or ``region/account``: stable and unique within a wave."""
        return self.region if self.account is None else f"{self.region}/{self.account}"


@dataclass(frozen=True, slots=True)
class Wave:
    """A production wave with effective values (``parallel`` defaults to the number of targets)."""

    name: str
    index: int
    span: Span
    regions: tuple[str, ...]
    targets: tuple[Target, ...]
    parallel: int
    accounts: tuple[str, ...] = ()
    deploy: DeployProfile | None = None
    bake: Duration = Duration(0)
    gates: tuple[Gate, ...] = ()
    windows: tuple[Window, ...] = ()
    exposure: Percent = Percent(100.0)
    after: tuple[str, ...] = ()
    allows: tuple[Allow, ...] = ()
    attr_spans: Mapping[str, Span] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Rule:
    """A policy rule; its expressions stay syntax trees, compiled by the policy engine."""

    code: str
    title: str
    policy: str
    span: Span
    for_: tree.Expr | None
    assert_: tree.Expr | None
    where: tree.Expr | None = None
    severity: str = "error"
    help: str | None = None
    allows: tuple[Allow, ...] = ()
    attr_spans: Mapping[str, Span] = field(default_factory=dict)
    detail: tree.Expr | None = None


@dataclass(frozen=True, slots=True)
class Policy:
    """A named set of rules; ``module`` is the file that defines it."""

    name: str
    span: Span
    module: str
    rules: tuple[Rule, ...] = ()
    description: str | None = None


@dataclass(frozen=True, slots=True)
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
    policies: tuple[Policy, ...] = ()
    role: Template | None = None
    region: str | None = None
    artifacts: Template | None = None
    execution_mode: str = "superseded"
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


@dataclass(frozen=True, slots=True)
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
