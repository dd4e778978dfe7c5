"""Types of policy expressions, and the read-only policy model's object kinds and attributes.

Policy expressions are type-checked before they run: units are types of their
own (a duration compares only with a duration), attribute names are checked
against :data:`OBJECTS`, and builtins check their arity and argument types.
:data:`OBJECTS` is derived from the schema (plus the attributes the model computes), and documents the
model in ``docs/policies.md``.
"""

from __future__ import annotations

from ..lang.values import source_text
from ..records import record
from ..semantics import schema

SCALARS = ("bool", "number", "string", "duration", "percent", "clock", "none")


@record
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
#
# An object kind's attributes are the schema's attributes of its block (same names, types translated by
# `_ptype`, docs and defaults from the schema) plus the computed ones below: names, nested blocks,
# positions and neighbours, values worked out from the whole pipeline.


def _e(*members: str) -> PType:
    return enum(*members)


def _s(doc: str) -> tuple[PType, str]:
    return STRING, doc


def _os(doc: str) -> tuple[PType, str]:
    return STRING.opt(), doc


COMPUTED: dict[str, dict[str, tuple[PType, str]]] = {
    "pipeline": {
        "name": _s("the pipeline's name"),
        "account": _os("the account of `role`, when its ARN is plain"),
        "source": (obj("source").opt(), "the source block"),
        "stages": (list_of(obj("stage")), "pre-production stages, in file order"),
        "steps": (list_of(obj("step")), "every step of every stage"),
        "waves": (list_of(obj("wave")), "production waves, in rollout order"),
        "gates": (list_of(obj("gate")), "the pipeline's gates and every gate a wave uses"),
        "windows": (list_of(obj("window")), "the pipeline's windows and every window a wave uses"),
        "deploys": (list_of(obj("deploy")), "deploy profiles (the unnamed one is named `default`)"),
    },
    "source": {"type": (_e(*schema.SOURCE_TYPES), "source provider")},
    "stage": {
        "name": _s("the stage's name"),
        "index": (NUMBER, "position among the stages, from 0"),
        "steps": (list_of(obj("step")), "its steps"),
        "environment": (obj("environment").opt(), "its sandbox environment"),
        "prev": (obj("stage").opt(), "the stage before it in file order"),
        "next": (obj("stage").opt(), "the stage after it in file order"),
    },
    "environment": {},
    "step": {
        "name": _s("the step's name"),
        "stage": (obj("stage"), "the stage it belongs to"),
    },
    "wave": {
        "name": _s("the wave's name"),
        "index": (NUMBER, "position in rollout order, from 0"),
        "targets": (list_of(obj("target")), "regions × accounts"),
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
        "prometheus": (obj("prometheus").opt(), "a PromQL bound"),
    },
    "prometheus": {},
    "window": {"name": _s("the window's name")},
    "deploy": {
        "name": _s("profile name; `default` for the unnamed one"),
        "providers": (list_of(_e(*schema.DEPLOY_PROVIDERS)), "its provider blocks"),
        "cloudformation": (obj("cloudformation").opt(), ""), "codedeploy": (obj("codedeploy").opt(), ""),
        "ecs": (obj("ecs").opt(), ""), "local": (obj("local").opt(), ""),
    },
    "cloudformation": {},
    "codedeploy": {},
    "ecs": {},
    "local": {},
}
"""Every object kind of the model, in the order the docs list them, with the attributes it has besides its
block's schema attributes (``target`` is no block: all of its attributes are computed)."""

_PLANNING_HINT = "a guess for `wavec plan`'s timeline, not a property of the rollout for a policy to judge"

HIDDEN: dict[tuple[str, str], str] = {
    ("step", "estimate"): _PLANNING_HINT,
    ("deploy", "estimate"): _PLANNING_HINT,
}
"""Schema attributes (block, attribute) the model leaves out, each with the reason."""

NOT_MODELLED: dict[str, str] = {
    "policy": "policies check the model; they are not part of it",
    "rule": "rules check the model; they are not part of it",
    "create": "how an alarm is made is the monitoring's business, not the rollout's; policies see the gate's "
              "alarms",
    "trigger": "which git events start the pipeline is the source host's business, not the rollout's; "
               "policies see the source",
}
"""Block types that are no object of the model (nor are their attributes), each with the reason."""


def _ptype(t: schema.Ty) -> PType:
    """The policy type of values of schema type ``t``, as the model holds them."""
    if t.kind == "list":
        assert t.item is not None
        return list_of(_ptype(t.item))
    if t.kind == "enum":
        return enum(*t.members)
    if t.kind == "ref":
        # A reference to a block of the model is that object; to a policy or module, its name.
        return obj(t.ref) if t.ref in COMPUTED else STRING
    if t.kind == "oneof":
        # Lowering turns the single value of `run = "make"` into a one-item list: the list option wins.
        lists = [o for o in t.options if o.kind == "list"]
        if lists:
            return _ptype(lists[0])
        found = _ptype(t.options[0])
        for option in t.options[1:]:
            both = unify(found, _ptype(option))
            assert both is not None, t
            found = both
        return found
    return {"string": STRING, "int": NUMBER, "number": NUMBER, "bool": BOOL, "duration": DURATION,
            "percent": PERCENT, "clock": CLOCK, "map": MAP}[t.kind]


def _model_attr(block: schema.Block, a: schema.Attr) -> tuple[PType, str]:
    """The type and doc of schema attribute ``a`` of ``block`` in the model."""
    pt = _ptype(a.type)
    default = a.value_default
    in_every_variant = not block.variants or any(x is a for x in block.attrs) or all(
        any(x.name == a.name for x in attrs) for attrs in block.variants.values())
    if isinstance(a.default, schema.Computed):
        optional = a.default.may_be_none
        doc = f"{a.doc} (default: {a.default.doc})"
    elif default is not None:
        optional = False  # lowering fills it in, in every variant
        doc = f"{a.doc} (default `{source_text(default)}`{', ' + a.default_note if a.default_note else ''})"
    else:
        optional = not (a.required and in_every_variant)
        doc = a.doc
    # A list or a map is empty, never none.
    return (pt.opt() if optional and pt.kind not in ("list", "map") else pt), doc


def _objects() -> dict[str, dict[str, tuple[PType, str]]]:
    out: dict[str, dict[str, tuple[PType, str]]] = {}
    for kind, computed in COMPUTED.items():
        # The order the docs list them in: the block's labels, its schema attributes, the computed rest.
        attrs = {k: v for k, v in computed.items() if k in ("name", "type")}
        block = schema.BLOCKS.get(kind)
        if block is not None:
            for a in block.every_attr():
                if (kind, a.name) not in HIDDEN:
                    attrs[a.name] = _model_attr(block, a)
        attrs.update(computed)
        out[kind] = attrs
    return out


OBJECTS: dict[str, dict[str, tuple[PType, str]]] = _objects()
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
