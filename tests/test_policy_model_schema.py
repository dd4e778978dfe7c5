"""The policy model's attributes come from the schema: every schema attribute is visible to policies or
hidden with a reason, and the model built from a pipeline carries exactly the attributes its types list."""

from __future__ import annotations

from typing import Any

from wavec.diagnostics import Severity, Sink
from wavec.lang.values import Clock, Duration, Percent
from wavec.policy.model import Model, Obj
from wavec.policy.types import COMPUTED, HIDDEN, NOT_MODELLED, OBJECTS, PType
from wavec.semantics import schema
from wavec.semantics.loader import Loader


def test_every_schema_attribute_is_visible_to_policies_or_hidden_with_a_reason() -> None:
    missing = []
    for kind, block in schema.BLOCKS.items():
        if kind in NOT_MODELLED:
            assert NOT_MODELLED[kind].strip(), f"say why `{kind}` is not in the model"
            continue
        for a in block.every_attr():
            if (kind, a.name) in HIDDEN:
                assert HIDDEN[kind, a.name].strip(), f"say why `{kind}.{a.name}` is hidden"
            elif a.name not in OBJECTS.get(kind, {}):
                missing.append(f"{kind}.{a.name}")
    assert missing == [], "add these to the model, or to HIDDEN with a reason"


def test_what_is_hidden_exists_and_stays_hidden() -> None:
    for kind, name in HIDDEN:
        assert kind not in NOT_MODELLED and schema.BLOCKS[kind].attr(name) is not None, (kind, name)
        assert name not in OBJECTS[kind], (kind, name)
    assert set(NOT_MODELLED) <= set(schema.BLOCKS)
    assert not set(NOT_MODELLED) & set(OBJECTS)


def test_the_model_kinds_are_the_schema_blocks_plus_target_and_computed_names_shadow_none() -> None:
    assert set(COMPUTED) == (set(schema.BLOCKS) - set(NOT_MODELLED)) | {"target"}
    for kind, computed in COMPUTED.items():
        block = schema.BLOCKS.get(kind)
        shadowed = set(computed) & {a.name for a in block.every_attr()} if block is not None else set()
        assert shadowed == set(), f"`{kind}` computes attributes the schema already has"


# Every object kind of the model, every optional block, a target with an account.
PIPELINE = """
pipeline p {
  role = "arn:aws:iam::111122223333:role/p"
  source github {
    repo = "o/r"
    connection = "arn:aws:codeconnections:us-east-1:111122223333:connection/x"
  }
  stage build {
    environment {
      create  = "make up"
      destroy = "make down"
    }
    step compile { run = "make"  env = { A = "1" } }
    step test { run = ["make test"]  after = [compile] }
  }
  deploy {
    cloudformation {
      stack    = "s"
      template = "build::t.yaml"
      parameters = { P = "v" }
    }
    codedeploy {
      application = "app"
      group       = "grp"
    }
    ecs {
      cluster = "c"
      service = "svc"
    }
    local {
      run      = "./deploy"
      rollback = "./undo"
    }
  }
  gate health {
    prometheus {
      url   = "http://prometheus:9090"
      query = "up"
      max   = 1
    }
  }
  window office {
    days  = [mon]
    hours = [09:00, 17:00]
  }
  wave first {
    regions  = ["us-east-1"]
    accounts = ["111122223333"]
    gates    = [health]
    windows  = [office]
  }
  wave second { regions = ["us-west-2"] }
}
"""

_SCALARS: dict[str, type | tuple[type, ...]] = {
    "string": str, "bool": bool, "duration": Duration, "percent": Percent, "clock": Clock, "map": dict,
}


def _fits(value: Any, ty: PType) -> bool:
    """Whether a model value is of policy type ``ty`` (``none`` only where the type says it may be)."""
    if value is None:
        return ty.optional
    if ty.kind in _SCALARS:
        return isinstance(value, _SCALARS[ty.kind])
    if ty.kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if ty.kind == "enum":
        return value in ty.members
    if ty.kind == "list":
        assert ty.item is not None
        return isinstance(value, tuple) and all(_fits(v, ty.item) for v in value)
    if ty.kind == "object":
        return isinstance(value, Obj) and value.kind in ty.objs
    return False


def _objects(root: Obj) -> dict[str, list[Obj]]:
    """Every object reachable from ``root``, by kind."""
    seen: dict[int, Obj] = {}
    todo = [root]
    while todo:
        o = todo.pop()
        if id(o) in seen:
            continue
        seen[id(o)] = o
        for v in o.fields.values():
            todo += [x for x in (v if isinstance(v, tuple) else (v,)) if isinstance(x, Obj)]
    out: dict[str, list[Obj]] = {}
    for o in seen.values():
        out.setdefault(o.kind, []).append(o)
    return out


def test_the_model_has_exactly_the_attributes_its_types_list_with_values_of_those_types() -> None:
    sink = Sink()
    module = Loader(sink).load_text(PIPELINE, "p.wave")
    assert module is not None and [d for d in sink if d.severity is Severity.ERROR] == []
    objects = _objects(Model(module.pipelines[0]).root)
    assert set(objects) == set(OBJECTS), "give PIPELINE an object of every kind"
    for kind, objs in objects.items():
        for o in objs:
            assert set(o.fields) == set(OBJECTS[kind]), o
            wrong = {k: v for k, v in o.fields.items() if not _fits(v, OBJECTS[kind][k][0])}
            assert wrong == {}, (o, {k: str(OBJECTS[kind][k][0]) for k in wrong})
