"""Values and types in a user's words, for diagnostics ("expected a duration, found the number `60`")."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..lang.values import Clock, Duration, EnumMember, Percent, Template
from . import schema
from .symbols import ModuleValue, Symbol

KIND_WORDS = {
    "stage": "a stage", "step": "a step", "wave": "a wave", "gate": "a gate", "window": "a window",
    "deploy": "a deploy profile", "policy": "a policy", "module": "an imported module",
    "let": "a `let` value", "pipeline": "a pipeline",
}


def members(members: Iterable[str]) -> str:
    return ", ".join(f"`{m}`" for m in members)


def type_words(ty: schema.Ty) -> str:
    words = {
        "string": "a string", "int": "a whole number", "number": "a number", "bool": "`true` or `false`",
        "duration": "a duration", "percent": "a percentage", "clock": "a time of day",
        "map": "a map of strings",
    }
    if ty.kind in words:
        return words[ty.kind]
    if ty.kind == "list" and ty.item is not None:
        return f"a list of {type_words(ty.item)}"
    if ty.kind == "ref":
        return KIND_WORDS.get(ty.ref, ty.ref)
    if ty.kind == "enum":
        return "one of " + members(ty.members)
    if ty.kind == "oneof":
        return " or ".join(type_words(o) for o in ty.options)
    return str(ty)


# Patterns, compiled (and cached by `re`) by the first diagnostic that needs one: a clean check compiles none.
_UNQUOTED = {
    "duration": r"(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?",
    "percent": r"\d+(?:\.\d+)?%",
    "number": r"\d+(?:\.\d+)?",
    "int": r"\d+",
    "bool": r"true|false",
    "clock": r"\d\d:\d\d",
}


def type_help(ty: schema.Ty, value: Any) -> str | None:
    """A help line for ``value`` where ``ty`` is wanted, when there is an obvious fix."""
    unquoted = _UNQUOTED.get(ty.kind)
    bare = value.parts[0].strip() if isinstance(value, Template) and len(value.parts) == 1 \
        and isinstance(value.parts[0], str) else ""
    if unquoted is not None and bare and re.fullmatch(unquoted, bare):
        return f"remove the quotes: `{bare}` is {type_words(ty)}, `\"{bare}\"` is text"
    if ty.kind == "duration" and isinstance(value, int | float):
        return f"durations carry a unit: `{value}s`, `{value}m`, `{value}h` or `{value}d`"
    if ty.kind == "percent" and isinstance(value, int | float):
        return f"write a percentage with `%`: `{value}%`"
    if ty.kind == "list" and not isinstance(value, tuple):
        return "wrap it in brackets: `[…]`"
    if ty.kind == "string" and isinstance(value, Symbol):
        return f'`{value.name}` names {KIND_WORDS.get(value.kind, value.kind)}; quote text: "{value.name}"'
    if ty.kind == "string" and isinstance(value, int | float):
        return f'quote it: "{value}"'
    if ty.kind == "int" and isinstance(value, float):
        return "use a whole number"
    return None


def describe(v: Any) -> str:
    if v is None:
        return "`none`"
    if isinstance(v, bool):
        return f"`{str(v).lower()}`"
    if isinstance(v, int | float):
        return f"the number `{v}`"
    if isinstance(v, Template):
        return "a string"
    if isinstance(v, Duration):
        return f"the duration `{v}`"
    if isinstance(v, Percent):
        return f"the percentage `{v}`"
    if isinstance(v, Clock):
        return f"the time `{v}`"
    if isinstance(v, EnumMember):
        return f"the name `{v.name}`"
    if isinstance(v, tuple):
        return "a list"
    if isinstance(v, dict):
        return "a map"
    if isinstance(v, Symbol):
        return f"{KIND_WORDS.get(v.kind, v.kind)} (`{v.name}`)"
    if isinstance(v, ModuleValue):
        return f"the module `{v.name}`"
    return "a value"


def define_hint(kind: str | None) -> str:
    if kind in schema.EXPORTED:
        return f"define it with a `{kind} NAME {{ … }}` block, or import a module that exports it"
    if kind in {"stage", "wave"}:
        return f"`after` names another {kind} of the same pipeline"
    if kind == "step":
        return "`after` names another step of the same stage"
    return "define it with `let`, a block, or `import`; text values are strings in double quotes"
