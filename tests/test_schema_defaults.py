"""The schema is the one place an attribute default is written: lowering takes every typed default from it.

The main test changes every default the schema holds and lowers a file that writes no optional attribute:
the IR must show the changed values. A default written a second time anywhere on the way (in lowering, as
an IR field default) would show up as the old value.
"""

from __future__ import annotations

import keyword
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import pytest

from wavec import records
from wavec.diagnostics import Severity, Sink
from wavec.lang.values import Clock, Duration, EnumMember, Percent, Template
from wavec.semantics import ir, schema
from wavec.semantics.loader import Loader

# Each block type once, with only the attributes it requires.
SAMPLE = """
pipeline p {
  source SOURCE
  stage build {
    environment {
      create  = "make up"
      destroy = "make down"
    }
    step compile { run = "make" }
  }
  deploy {
    cloudformation {
      stack    = "s"
      template = "build::t.yaml"
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
  gate made {
    alarms = ["errors-${region}"]
    create {
      metric    = "Errors"
      namespace = "Shop"
      threshold = 1
    }
  }
  window office {
    days  = [mon]
    hours = [09:00, 17:00]
  }
  wave first { regions = ["us-east-1"] }
}

policy rules {
  rule P001 "something" {
    for    = waves
    assert = true
  }
}
"""

_CONNECTED = ('{\n    repo = "o/r"\n    connection = "arn:aws:codeconnections:us-east-1:111122223333:connection/x"\n'
              '    trigger pull_request { branches = ["main"] }\n  }')
SOURCES = {
    "github": _CONNECTED,
    "gitlab": _CONNECTED,
    "bitbucket": _CONNECTED,
    "codecommit": '{ repo = "r" }',
    "s3": '{\n    bucket = "b"\n    key = "k.zip"\n  }',
}


def lower(variant: str) -> ir.Module:
    sink = Sink()
    module = Loader(sink).load_text(SAMPLE.replace("SOURCE", f"{variant} {SOURCES[variant]}"), "sample.wave")
    assert [d for d in sink if d.severity is Severity.ERROR] == []
    assert module is not None
    return module


def ir_objects(module: ir.Module) -> dict[str, Any]:
    """The IR object of each block type of SAMPLE."""
    p = module.pipelines[0]
    stage = p.stages[0]
    deploy = p.deploys[0]
    gate = p.gates[0]
    return {
        "pipeline": p, "source": p.source, "stage": stage, "environment": stage.environment,
        "step": stage.steps[0], "deploy": deploy, "cloudformation": deploy.provider("cloudformation"),
        "codedeploy": deploy.provider("codedeploy"), "ecs": deploy.provider("ecs"),
        "local": deploy.provider("local"), "gate": gate, "prometheus": gate.prometheus, "window": p.windows[0],
        "wave": p.waves[0], "policy": module.policies[0], "rule": module.policies[0].rules[0],
        "trigger": p.source.triggers[0] if p.source is not None and p.source.triggers else None,
        "create": p.gates[1].create,
    }


IR_CLASSES: dict[str, type] = {
    "pipeline": ir.Pipeline, "source": ir.Source, "stage": ir.Stage, "environment": ir.Environment,
    "step": ir.Step, "deploy": ir.DeployProfile, "cloudformation": ir.CloudFormation,
    "codedeploy": ir.CodeDeploy, "ecs": ir.Ecs, "local": ir.LocalDeploy, "gate": ir.Gate,
    "prometheus": ir.Prometheus, "window": ir.Window, "wave": ir.Wave, "policy": ir.Policy, "rule": ir.Rule,
    "trigger": ir.Trigger, "create": ir.AlarmSpec,
}


def field_name(attr: str) -> str:
    """The IR field of an attribute: ``for`` and ``assert`` are Python keywords, hence ``for_``, ``assert_``."""
    return attr + "_" if keyword.iskeyword(attr) else attr


def plain(value: Any) -> Any:
    """A language or IR value with strings as text, enum members as names and maps as pairs, so that a
    schema default compares with the IR field lowering made of it."""
    if isinstance(value, Template):
        return value.text
    if isinstance(value, EnumMember):
        return value.name
    if isinstance(value, Mapping):
        return tuple((k, plain(v)) for k, v in value.items())
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    return value


def changed(attr: schema.Attr) -> schema.Default | None:
    """A different default of the same type; ``None`` for a list of references (no block to invent)."""
    d = attr.value_default
    if isinstance(d, bool):
        return not d
    if isinstance(d, int):
        return d + 3
    if isinstance(d, Duration):
        return Duration(d.seconds + 7)
    if isinstance(d, Percent):
        return Percent(d.value / 2)
    if isinstance(d, Template):
        return Template.plain(d.text + "-changed")
    if isinstance(d, EnumMember):
        members = attr.type.members
        return EnumMember(members[(members.index(d.name) + 1) % len(members)])
    if isinstance(d, Mapping):
        return MappingProxyType({"CHANGED": Template.plain("yes")})
    assert d == (), attr
    if attr.type.item == schema.STRING:
        return (Template.plain("111122223333"),)  # twelve digits, so that `accounts` takes it too
    return None


def defaults_by_block() -> list[tuple[str, str | None, schema.Attr]]:
    """(block type, variant, attribute) of every attribute with a typed default."""
    out: list[tuple[str, str | None, schema.Attr]] = []
    for kind, block in schema.BLOCKS.items():
        for variant in block.variants or [None]:
            out += [(kind, variant, a) for a in block.all_attrs(variant) if a.value_default is not None]
    return out


def _with(attrs: tuple[schema.Attr, ...], values: dict[int, Any]) -> tuple[schema.Attr, ...]:
    return tuple(records.replace(a, default=values[id(a)]) if id(a) in values else a for a in attrs)


@pytest.mark.parametrize("variant", sorted(SOURCES))
def test_lowering_takes_every_default_from_the_schema(variant: str, monkeypatch: pytest.MonkeyPatch) -> None:
    expected: dict[int, Any] = {}
    new: dict[int, Any] = {}
    for _, _, a in defaults_by_block():
        other = changed(a)
        if other is not None:
            new[id(a)] = other
        expected[id(a)] = other if other is not None else a.value_default
    checked = [(kind, v, a, expected[id(a)]) for kind, v, a in defaults_by_block()
               if kind != "source" or v == variant]
    for kind, block in list(schema.BLOCKS.items()):
        monkeypatch.setitem(schema.BLOCKS, kind, records.replace(
            block, attrs=_with(block.attrs, new), variants={k: _with(v, new) for k, v in block.variants.items()}))

    objects = ir_objects(lower(variant))
    assert set(objects) == set(schema.BLOCKS), "give SAMPLE a block of every type"
    got = {f"{kind}.{a.name}": plain(getattr(objects[kind], field_name(a.name))) for kind, _, a, _ in checked}
    wrong = {key: (got[key], plain(want)) for key, (kind, _, a, want) in zip(got, checked, strict=True)
             if got[key] != plain(want)}
    assert wrong == {}, "lowering has a default of its own (IR value, schema default)"
    if variant == "s3":
        # An s3 source has no `branch`; the IR still gives it the default the other variants share.
        github = schema.BLOCKS["source"].attr("branch", "github")
        assert github is not None and isinstance(github.default, Template)
        assert objects["source"].branch == github.default.text


def test_no_ir_field_repeats_a_schema_default() -> None:
    # Lowering passes every defaulted field; a default here would be a second copy that could drift.
    repeated = []
    for kind, block in schema.BLOCKS.items():
        fields = {f.name: f for f in records.fields(IR_CLASSES[kind])}
        for a in block.every_attr():
            f = fields.get(field_name(a.name))
            assert f is not None, f"the IR has no field for `{kind}.{a.name}`"
            if a.value_default is not None and (f.default is not records.MISSING
                                                or f.default_factory is not records.MISSING):
                repeated.append(f"{IR_CLASSES[kind].__name__}.{a.name}")
    assert repeated == []


def fits(value: Any, ty: schema.Ty) -> bool:
    """Whether ``value`` is a value of schema type ``ty`` as the evaluator produces it."""
    simple: dict[str, type | tuple[type, ...]] = {
        "string": Template, "duration": Duration, "percent": Percent, "clock": Clock, "bool": bool,
        "number": (int, float)}
    if ty.kind in simple:
        return isinstance(value, simple[ty.kind])
    if ty.kind == "int":
        return type(value) is int
    if ty.kind == "enum":
        return isinstance(value, EnumMember) and value.name in ty.members
    if ty.kind == "list":
        assert ty.item is not None
        return isinstance(value, tuple) and all(fits(v, ty.item) for v in value)
    if ty.kind == "map":
        return isinstance(value, Mapping) and all(isinstance(v, Template) for v in value.values())
    return False


def test_every_typed_default_is_a_value_of_its_type() -> None:
    wrong = [f"{kind}.{a.name}" for kind, _, a in defaults_by_block() if not fits(a.value_default, a.type)]
    assert wrong == []


def test_a_computed_default_or_a_note_is_prose_and_a_required_attribute_has_no_default() -> None:
    for block in schema.BLOCKS.values():
        for a in block.every_attr():
            if a.required or a.required_unless:
                assert a.default is None, f"{block.type}.{a.name}"
            if isinstance(a.default, schema.Computed):
                assert a.default.doc and not a.default_note, f"{block.type}.{a.name}"
            if a.default_note:
                assert a.value_default is not None, f"{block.type}.{a.name}: a note belongs to a typed default"
