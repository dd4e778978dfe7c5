"""Types of policy expressions, and the read-only policy model's object kinds and attributes.

Policy expressions are type-checked before they run: units are types of their
own (a duration compares only with a duration), attribute names are checked
against :data:`OBJECTS`, and builtins check their arity and argument types.
The same table documents the model in ``docs/policies.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..semantics import schema

SCALARS = ("bool", "number", "string", "duration", "percent", "clock", "none")


@dataclass(frozen=True, slots=True)
class PType:
    """A policy type.

    ``kind`` is one of :data:`SCALARS`, ``list``, ``map`` (string → string),
    ``enum`` (``members``), ``object`` (``objs``: the model kinds it may be),
    ``any`` (unknown, fits everything) or ``error`` (already reported: stops cascades).
    ``optional`` is documentation only: any value may be compared with ``none``.
    """

    kind: str
    item: PType | None = None
    members: tuple[str, ...] = ()
    objs: tuple[str, ...] = ()
    optional: bool = False

    def __str__(self) -> str:
        if self.kind == "list":
            text = f"list<{self.item}>"
        elif self.kind == "enum":
            text = "enum(" + " ".join(self.members) + ")" if len(self.members) > 1 else f"`{self.members[0]}`"
        elif self.kind == "object":
            text = " or ".join(self.objs)
        elif self.kind == "map":
            text = "map<string,string>"
        else:
            text = self.kind
        return text + (" or none" if self.optional else "")

    @property
    def loose(self) -> bool:
        """Whether the type fits anything (unknown, or an error already reported)."""
        return self.kind in ("any", "error")

    def opt(self) -> PType:
        """The same type, documented as possibly ``none``."""
        return PType(self.kind, self.item, self.members, self.objs, True)

    def plain(self) -> PType:
        """The same type without the ``none`` note."""
        return PType(self.kind, self.item, self.members, self.objs, False)


BOOL, NUMBER, STRING = PType("bool"), PType("number"), PType("string")
DURATION, PERCENT, CLOCK, NONE = PType("duration"), PType("percent"), PType("clock"), PType("none")
ANY, ERROR, MAP = PType("any"), PType("error"), PType("map")
ORDERED = ("number", "string", "duration", "percent", "clock")
"""Kinds that ``< <= > >=``, ``min`` and ``max`` accept (each only with its own kind)."""


def list_of(item: PType) -> PType:
    """``list<item>``."""
    return PType("list", item=item)


def obj(*kinds: str) -> PType:
    """An object of one of the model kinds."""
    return PType("object", objs=tuple(sorted(set(kinds))))


def enum(*members: str) -> PType:
    """An enum; a bare member name in an expression is a one-member enum."""
    return PType("enum", members=tuple(members))


def words(ty: PType) -> str:
    """A type as prose: ``a duration``, ``a list<wave>``."""
    text = str(ty)
    if ty.kind == "enum" and len(ty.members) == 1:
        return f"the enum member {text}"
    return ("an " if text[0] in "aeiou" else "a ") + text


def unify(a: PType, b: PType) -> PType | None:
    """The type both fit, or ``None`` when they do not mix (a duration and a number)."""
    if a.loose:
        return b if b.kind != "error" else a
    if b.loose:
        return a
    if a.kind == "none":
        return b.opt()
    if b.kind == "none":
        return a.opt()
    optional = a.optional or b.optional
    if a.kind != b.kind:
        if {a.kind, b.kind} == {"enum", "string"}:
            return STRING.opt() if optional else STRING
        return None
    if a.kind == "list":
        assert a.item is not None and b.item is not None
        item = unify(a.item, b.item)
        return None if item is None else list_of(item)
    if a.kind == "object":
        out = obj(*a.objs, *b.objs)
    elif a.kind == "enum":
        out = enum(*dict.fromkeys(a.members + b.members))
    else:
        out = a.plain()
    return out.opt() if optional else out


# ------------------------------------------------------------- the model's objects


def _e(*members: str) -> PType:
    return enum(*members)


def _s(doc: str) -> tuple[PType, str]:
    return STRING, doc


def _os(doc: str) -> tuple[PType, str]:
    return STRING.opt(), doc


OBJECTS: dict[str, dict[str, tuple[PType, str]]] = {
    "pipeline": {
        "name": _s("the pipeline's name"),
        "role": _os("IAM role ARN of the pipeline"),
        "account": _os("the account of `role`, when its ARN is plain"),
        "region": _os("where the pipeline lives (default: the first region of the first wave)"),
        "artifacts": _os("artifact bucket as written, `${region}` kept"),
        "execution_mode": (_e(*schema.EXECUTION_MODES), "how executions queue"),
        "source": (obj("source").opt(), "the source block"),
        "stages": (list_of(obj("stage")), "pre-production stages, in file order"),
        "steps": (list_of(obj("step")), "every step of every stage"),
        "waves": (list_of(obj("wave")), "production waves, in rollout order"),
        "gates": (list_of(obj("gate")), "the pipeline's gates and every gate a wave uses"),
        "windows": (list_of(obj("window")), "the pipeline's windows and every window a wave uses"),
        "deploys": (list_of(obj("deploy")), "deploy profiles (the unnamed one is named `default`)"),
        "policies": (list_of(STRING), "names of the policies enforced on it"),
    },
    "source": {
        "type": (_e(*schema.SOURCE_TYPES), "source provider"),
        "repo": _os("repository"), "branch": _s("branch (default `main`)"),
        "connection": _os("CodeConnections ARN"), "bucket": _os("S3 bucket"), "key": _os("S3 key"),
    },
    "stage": {
        "name": _s("the stage's name"),
        "index": (NUMBER, "position among the stages, from 0"),
        "steps": (list_of(obj("step")), "its steps"),
        "after": (list_of(obj("stage")), "stages it runs after (effective: the previous one by default)"),
        "environment": (obj("environment").opt(), "its sandbox environment"),
        "prev": (obj("stage").opt(), "the stage before it in file order"),
        "next": (obj("stage").opt(), "the stage after it in file order"),
    },
    "environment": {
        "create": _os("command that creates the sandbox"), "destroy": _os("command that destroys it"),
        "region": _os("region of the sandbox"), "timeout": (DURATION, "default `1h`"),
    },
    "step": {
        "name": _s("the step's name"),
        "stage": (obj("stage"), "the stage it belongs to"),
        "kind": (_e(*schema.STEP_KINDS), "what it does (default `run`)"),
        "run": (list_of(STRING), "its shell commands"),
        "after": (list_of(obj("step")), "steps it runs after"),
        "image": _os("build image"), "project": _os("CodeBuild project"),
        "env": (MAP, "environment variables"),
        "outputs": (list_of(STRING), "file globs it produces"),
        "timeout": (DURATION, "default `1h`"), "retries": (NUMBER, "default `0`"),
    },
    "wave": {
        "name": _s("the wave's name"),
        "index": (NUMBER, "position in rollout order, from 0"),
        "regions": (list_of(STRING), "its regions"),
        "accounts": (list_of(STRING), "its account ids (empty: the pipeline's account)"),
        "targets": (list_of(obj("target")), "regions × accounts"),
        "bake": (DURATION, "time watched after the last target deployed (default `0s`)"),
        "gates": (list_of(obj("gate")), "its gates"),
        "windows": (list_of(obj("window")), "its windows"),
        "parallel": (NUMBER, "targets deployed at once (default: all of them)"),
        "exposure": (PERCENT, "share of each target's traffic (default `100%`)"),
        "deploy": (obj("deploy").opt(), "its deploy profile"),
        "after": (list_of(obj("wave")), "waves it runs after (effective)"),
        "prev": (obj("wave").opt(), "the wave before it"),
        "next": (obj("wave").opt(), "the wave after it"),
        "prior_regions": (NUMBER, "how many distinct regions the waves before it reach"),
    },
    "target": {
        "region": _s("region"), "account": _os("account id, when the wave names accounts"),
        "id": _s("`region` or `region/account`"),
    },
    "gate": {
        "name": _s("the gate's name"),
        "alarms": (list_of(STRING), "CloudWatch alarms watched during the bake"),
        "blockers": (list_of(STRING), "alarms that must not be in ALARM for the wave to start"),
        "check": _os("command run as a check"),
        "prometheus": (obj("prometheus").opt(), "a PromQL bound"),
        "on_breach": (_e(*schema.ON_BREACH), "what a breach does (default `rollback`)"),
        "interval": (DURATION, "evaluation interval (default `1m`)"),
        "approval": (BOOL, "a manual approval before the wave (default `false`)"),
    },
    "prometheus": {
        "url": _s("Prometheus URL"), "query": _s("PromQL query"),
        "max": (NUMBER.opt(), "upper bound"), "min": (NUMBER.opt(), "lower bound"),
    },
    "window": {
        "name": _s("the window's name"),
        "days": (list_of(_e(*schema.DAYS)), "days it is open"),
        "hours": (list_of(CLOCK), "`[from, to)`"),
        "cron": _os("cron expression"), "timezone": _s("IANA time zone (default `UTC`)"),
    },
    "deploy": {
        "name": _s("profile name; `default` for the unnamed one"),
        "role": _os("role the deploy actions assume"),
        "providers": (list_of(_e(*schema.DEPLOY_PROVIDERS)), "its provider blocks"),
        "cloudformation": (obj("cloudformation").opt(), ""), "codedeploy": (obj("codedeploy").opt(), ""),
        "ecs": (obj("ecs").opt(), ""), "local": (obj("local").opt(), ""),
    },
    "cloudformation": {
        "stack": _s("stack name"), "template": _s("`artifact::path`"),
        "capabilities": (list_of(STRING), ""), "parameters": (MAP, "template parameters"),
        "role": _os("CloudFormation role"),
    },
    "codedeploy": {"application": _s(""), "group": _s("")},
    "ecs": {"cluster": _s(""), "service": _s(""), "image_definitions": _s("")},
    "local": {"run": _s("deploy command"), "rollback": _s("rollback command")},
}
"""Every object kind of the policy model: attribute → (type, doc)."""

ROOTS: dict[str, tuple[PType, str]] = {
    "pipeline": (obj("pipeline"), "the pipeline being checked"),
    **{k: OBJECTS["pipeline"][k] for k in ("stages", "steps", "waves", "gates", "windows", "deploys")},
}
"""Names visible in every rule expression (shorthands for ``pipeline.<name>``)."""

ENUM_MEMBERS: frozenset[str] = frozenset(
    m for attrs in OBJECTS.values() for ty, _ in attrs.values()
    for m in (ty.members or (ty.item.members if ty.item is not None else ()))
)
"""Bare names that are enum members (``test``, ``rollback``, ``mon``)."""


def attribute(ty: PType, name: str) -> PType | None:
    """The type of ``name`` on an object of type ``ty``; ``None`` when one of its kinds lacks it."""
    found: PType | None = None
    for kind in ty.objs:
        entry = OBJECTS[kind].get(name)
        if entry is None:
            return None
        found = entry[0] if found is None else unify(found, entry[0])
        if found is None:
            return None
    return found
