"""The IR's enum-like fields carry the schema's ``Literal`` types, and those agree with the schema table."""

from __future__ import annotations

from typing import get_args, get_origin, get_type_hints

import pytest

from wavec.diagnostics import Severity
from wavec.semantics import ir, schema
from wavec.syntax import tree

# (IR class, field, schema block, schema attribute)
ENUM_FIELDS = [
    (ir.Step, "kind", "step", "kind"),
    (ir.Gate, "on_breach", "gate", "on_breach"),
    (ir.Pipeline, "execution_mode", "pipeline", "execution_mode"),
    (ir.Rule, "severity", "rule", "severity"),
    (ir.Window, "days", "window", "days"),
]


def _hint(cls: type, name: str) -> object:
    hint = get_type_hints(cls, localns={"tree": tree})[name]
    return get_args(hint)[0] if get_origin(hint) is tuple else hint


@pytest.mark.parametrize(("cls", "field", "block", "attr"), ENUM_FIELDS, ids=[f"{b}.{a}" for _, _, b, a in ENUM_FIELDS])
def test_ir_field_type_is_the_schema_enum(cls: type, field: str, block: str, attr: str) -> None:
    spec = schema.BLOCKS[block].attr(attr)
    assert spec is not None
    assert get_args(_hint(cls, field)) == spec.type.enum_members


def test_rule_severities_are_diagnostic_severities() -> None:
    assert set(schema.SEVERITIES) == {s.value for s in Severity}


def test_provider_kinds_are_the_deploy_children() -> None:
    kinds = [get_args(_hint(cls, "kind")) for cls in get_args(ir.Provider)]
    assert [k for (k,) in kinds] == list(schema.DEPLOY_PROVIDERS)
    assert tuple(c.type for c in schema.BLOCKS["deploy"].children) == schema.DEPLOY_PROVIDERS
