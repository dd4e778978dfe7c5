"""Binary operators of policy expressions: their typing rules (units!) and compiled closures.

* ``and or``: bools, short-circuit.
* ``== !=``: values of one type; anything may be compared with ``none``.
* ``< <= > >=``: numbers, strings, durations, percents, clocks — each only with its own kind.
* ``in``/``not in``: an item in a list, a substring in a string, a key in a map.
* ``+ - * /``: numbers; durations and percents with their own kind (``+ -``) or a number (``* /``);
  ``duration / duration`` is a number; ``+`` joins strings and lists, ``-`` removes list items.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..diagnostics.codes import policy as codes
from ..lang.values import Duration, Percent
from ..syntax import tree as t
from . import types as ty
from .runtime import PolicyRuntimeError
from .types import PType

if TYPE_CHECKING:
    from .compile import Compiler
    from .runtime import Env, Fn, Typed

_CMP: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}

_UNIT_HELP = {
    "duration": "durations compare and add with durations: write the number with a unit (`30m`, `2h`)",
    "percent": "percents compare and add with percents: write `5%`, not `5` or `0.05`",
    "clock": "times of day compare with times of day: write `09:00`",
}


def _unit_help(a: PType, b: PType) -> str | None:
    for k in (a.kind, b.kind):
        if k in _UNIT_HELP:
            return _UNIT_HELP[k]
    return None


def binary(c: Compiler, e: t.Binary, lt: PType, lf: Fn, rt: PType, rf: Fn) -> Typed:
    """Type-check ``left op right`` and compile it."""
    op = e.op
    if op in ("and", "or"):
        for side, st in ((e.left, lt), (e.right, rt)):
            if st.kind != "bool" and not st.loose:
                return c.error(codes.POLICY_TYPE_ERROR,
                               f"`{op}` needs bools, found {ty.words(st)}", side.span, "not a bool",
                               "compare it to something: `len(x) > 0`, `x != none`")
        if op == "and":
            return ty.BOOL, lambda env: bool(lf(env)) and bool(rf(env))
        return ty.BOOL, lambda env: bool(lf(env)) or bool(rf(env))
    if op in ("==", "!="):
        if ty.unify(lt, rt) is None:
            return c.error(codes.POLICY_TYPE_ERROR, f"cannot compare {ty.words(lt)} with {ty.words(rt)}", e.span,
                           "never equal", _unit_help(lt, rt))
        if op == "==":
            return ty.BOOL, lambda env: bool(lf(env) == rf(env))
        return ty.BOOL, lambda env: bool(lf(env) != rf(env))
    if op in _CMP:
        joined = ty.unify(lt, rt)
        if joined is None or not (joined.loose or joined.kind in ty.ORDERED):
            return c.error(codes.POLICY_TYPE_ERROR, f"cannot compare {ty.words(lt)} with {ty.words(rt)}", e.span,
                           "not comparable", _unit_help(lt, rt) or
                           "`<`, `>` order numbers, strings, durations, percents and clocks, each with its own kind")
        cmp = _CMP[op]

        def compare(env: Env) -> bool:
            a, b = lf(env), rf(env)
            if a is None or b is None:
                raise PolicyRuntimeError(f"`{e.span.text}` compares none", e.span)
            return bool(cmp(a, b))

        return ty.BOOL, compare
    if op in ("in", "not in", "not_in"):
        return _membership(c, e, lt, lf, rt, rf)
    return _arith(c, e, lt, lf, rt, rf)


def _membership(c: Compiler, e: t.Binary, lt: PType, lf: Fn, rt: PType, rf: Fn) -> Typed:
    negate = e.op in ("not in", "not_in")
    if rt.kind == "list":
        assert rt.item is not None
        if ty.unify(lt, rt.item) is None:
            return c.error(codes.POLICY_TYPE_ERROR, f"{ty.words(lt)} is never in {ty.words(rt)}", e.span, "never true",
                           _unit_help(lt, rt.item))
    elif rt.kind == "string":
        if lt.kind not in ("string", "enum") and not lt.loose:
            return c.error(codes.POLICY_TYPE_ERROR,
                           f"only a string can be in a string, not {ty.words(lt)}", e.left.span)
    elif rt.kind == "map":
        if lt.kind not in ("string", "enum") and not lt.loose:
            return c.error(codes.POLICY_TYPE_ERROR, f"map keys are strings, not {ty.words(lt)}", e.left.span)
    elif not rt.loose:
        return c.error(codes.POLICY_TYPE_ERROR,
                       f"`in` needs a list, a string or a map on its right, found {ty.words(rt)}",
                       e.right.span)

    def member(env: Env) -> bool:
        item, container = lf(env), rf(env)
        if container is None:
            raise PolicyRuntimeError(f"`{e.right.span.text}` is none", e.right.span)
        if isinstance(container, str) and not isinstance(item, str):
            return negate
        env.tick(len(container))
        return (item not in container) if negate else (item in container)

    return ty.BOOL, member


def _arith(c: Compiler, e: t.Binary, lt: PType, lf: Fn, rt: PType, rf: Fn) -> Typed:
    op = e.op
    if lt.loose or rt.loose:
        return ty.ANY, lambda env: _generic(op, lf(env), rf(env), e)
    kinds = (lt.kind, rt.kind)
    result: PType | None = None
    if kinds == ("number", "number"):
        result = ty.NUMBER
    elif op in ("+", "-") and lt.kind == rt.kind and lt.kind in ("duration", "percent"):
        result = lt.plain()
    elif op == "*" and set(kinds) in ({"duration", "number"}, {"percent", "number"}):
        result = lt.plain() if lt.kind != "number" else rt.plain()
    elif op == "/" and lt.kind in ("duration", "percent") and rt.kind == "number":
        result = lt.plain()
    elif op == "/" and lt.kind == rt.kind and lt.kind in ("duration", "percent"):
        result = ty.NUMBER
    elif op == "+" and lt.kind in ("string", "enum") and rt.kind in ("string", "enum"):
        result = ty.STRING
    elif op in ("+", "-") and kinds == ("list", "list"):
        result = ty.unify(lt, rt)
    if result is None:
        verb = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide"}[op]
        return c.error(codes.POLICY_TYPE_ERROR,
                       f"cannot {verb} {ty.words(lt)} and {ty.words(rt)}", e.span, "incompatible",
                       _unit_help(lt, rt) or ("turn the value into text first: `text(x)`"
                                              if "string" in kinds else None))
    return result, lambda env: _generic(op, lf(env), rf(env), e)


def _num(v: Any) -> float | int:
    if isinstance(v, Duration):
        return v.seconds
    if isinstance(v, Percent):
        return v.value
    assert isinstance(v, int | float)
    return v


def _generic(op: str, a: Any, b: Any, e: t.Binary) -> Any:
    """Apply an arithmetic operator to values whose types were checked (or are unknown)."""
    if a is None or b is None:
        raise PolicyRuntimeError(f"`{e.span.text}` has a none operand", e.span)
    if isinstance(a, tuple) and isinstance(b, tuple):
        if op == "+":
            return a + b
        drop = set(b)
        return tuple(x for x in a if x not in drop)
    if isinstance(a, str) and isinstance(b, str) and op == "+":
        return a + b
    unit = a if isinstance(a, Duration | Percent) else b if isinstance(b, Duration | Percent) else None
    x, y = _num(a), _num(b)
    if op == "/":
        if y == 0:
            raise PolicyRuntimeError(f"`{e.span.text}` divides by zero", e.span)
        if type(a) is type(b) and unit is not None:
            return x / y
        value: float | int = x / y
    else:
        value = x + y if op == "+" else x - y if op == "-" else x * y
    if isinstance(unit, Duration):
        return Duration(round(value))
    if isinstance(unit, Percent):
        return Percent(float(value))
    return value
