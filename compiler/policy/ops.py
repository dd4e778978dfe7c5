"""Operators of policy expressions: their typing rules (units!) and compiled closures.

* ``and or``: bools, short-circuit.
* ``== !=``: values of one type; anything may be compared with ``none``.
* ``< <= > >=``: numbers, strings, durations, percents, clocks — each only with its own kind.
* ``in``/``not in``: an item in a list, a substring in a string, a key in a map.
* ``+ - * /`` and unary ``-``: the table of :mod:`wavec.lang.operators`, which attribute evaluation
  shares — the result type comes from it, and so does the function the closure runs.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from ..diagnostics.codes import policy as codes
from ..lang import operators
from ..syntax import tree as t
from . import types as ty
from .runtime import Compiling, Env, Fn, PolicyRuntimeError, Typed, size
from .types import PType

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


def binary(c: Compiling, e: t.Binary, lt: PType, lf: Fn, rt: PType, rf: Fn) -> Typed:
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
            return ty.BOOL, lambda env: _equal(env, lf(env), rf(env))
        return ty.BOOL, lambda env: not _equal(env, lf(env), rf(env))
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
            env.tick(min(size(a), size(b)))
            return bool(cmp(a, b))

        return ty.BOOL, compare
    if op in ("in", "not in", "not_in"):
        return _membership(c, e, lt, lf, rt, rf)
    return _arith(c, e, lt, lf, rt, rf)


def _membership(c: Compiling, e: t.Binary, lt: PType, lf: Fn, rt: PType, rf: Fn) -> Typed:
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


def _arith(c: Compiling, e: t.Binary, lt: PType, lf: Fn, rt: PType, rf: Fn) -> Typed:
    op = e.op
    if lt.loose or rt.loose:
        # An operand of unknown type: the same table decides once the values are known.
        return ty.ANY, lambda env: env.charge(_dynamic(op, lf(env), rf(env), e))
    rule = operators.binary(op, lt.kind, rt.kind)
    if rule is None:
        return c.error(codes.POLICY_TYPE_ERROR, operators.refusal(op, ty.words(lt), ty.words(rt)), e.span,
                       "incompatible", operators.refusal_help(op, lt.kind, rt.kind))
    result = ty.unify(lt, rt) if rule.result == "list" else PType(rule.result)
    if result is None:  # two lists whose items do not mix: list<string> + list<number>
        return c.error(codes.POLICY_TYPE_ERROR, operators.refusal(op, ty.words(lt), ty.words(rt)), e.span,
                       "incompatible", "the items of both lists must have one type")
    compute = rule.compute
    # `+` of strings or lists makes a value as long as both: it costs that length.
    return result.plain(), lambda env: env.charge(_run(compute, e, lf(env), rf(env)))


def _equal(env: Env, a: Any, b: Any) -> bool:
    env.tick(min(size(a), size(b)))  # comparing stops at the shorter value's end
    return bool(a == b)


def negation(c: Compiling, e: t.Unary, ot: PType, fn: Fn) -> Typed:
    """Type-check ``-operand`` and compile it, by the table of :mod:`wavec.lang.operators`."""
    if ot.loose:
        return ty.ANY, lambda env: _dynamic("-", fn(env), None, e)
    rule = operators.negation(ot.kind)
    if rule is None:
        return c.error(codes.POLICY_TYPE_ERROR, operators.negation_refusal(ty.words(ot)), e.operand.span,
                       "not a number", operators.NEGATION_HELP)
    compute = rule.compute
    return PType(rule.result), lambda env: _run(compute, e, fn(env))


def _run(compute: Callable[..., Any], e: t.Binary | t.Unary, *operands: Any) -> Any:
    """Apply an operator whose operand types were checked; ``none`` and a division by zero fail the item."""
    if any(v is None for v in operands):
        raise PolicyRuntimeError(f"`{e.span.text}` has a none operand", e.span)
    try:
        return compute(*operands)
    except operators.OperatorError as exc:
        raise PolicyRuntimeError(operators.failure(e.span.text, exc.reason), e.span) from None


def _dynamic(op: str, a: Any, b: Any, e: t.Binary | t.Unary) -> Any:
    """Apply an operator to values of unknown type (``b`` unused for unary ``-``): the table, at run time."""
    if a is None or (b is None and isinstance(e, t.Binary)):
        raise PolicyRuntimeError(f"`{e.span.text}` has a none operand", e.span)
    if isinstance(e, t.Unary):
        unary = operators.negation(operators.kind_of(a))
        if unary is None:
            raise PolicyRuntimeError(f"`{e.span.text}`: {operators.negation_refusal(operators.kind_words(a))}", e.span)
        return _run(unary.compute, e, a)
    rule = operators.binary(op, operators.kind_of(a), operators.kind_of(b))
    if rule is None:
        message = operators.refusal(op, operators.kind_words(a), operators.kind_words(b))
        raise PolicyRuntimeError(f"`{e.span.text}`: {message}", e.span)
    return _run(rule.compute, e, a, b)

