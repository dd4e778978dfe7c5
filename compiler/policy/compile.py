"""Type-check policy expressions and compile them to Python closures (never ``eval``).

Each syntax-tree expression becomes a ``(PType, Fn)`` pair; ``Fn`` takes an
:class:`Env` and returns the value. Type errors are diagnostics (WV301–WV306,
WV312) with a span and a help line; an expression with an error gets the
``error`` type, which fits everything, so one mistake is reported once.
Evaluation is bounded by a step budget counted in :class:`Env`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, assert_never

from ..diagnostics import Sink
from ..diagnostics.codes import Code
from ..diagnostics.codes import policy as codes
from ..lang.suggest import did_you_mean
from ..lang.values import Clock, Duration, EnumMember, Percent, Template
from ..source import Span
from ..syntax import tree as t
from . import types as ty
from .builtins import BUILTINS
from .model import Obj
from .ops import binary, negation
from .runtime import Env, Fn, LambdaFn, PolicyRuntimeError, Typed
from .types import PType


def _const(value: Any) -> Fn:
    return lambda env: value


def value_type(value: Any) -> PType | None:
    """The policy type of a compile-time value (a module's ``let``), ``None`` when it has none."""
    if isinstance(value, bool):
        return ty.BOOL
    if isinstance(value, int | float):
        return ty.NUMBER
    if isinstance(value, str | Template):
        return ty.STRING
    if isinstance(value, EnumMember):
        return ty.enum(value.name)
    for cls, kind in ((Duration, ty.DURATION), (Percent, ty.PERCENT), (Clock, ty.CLOCK)):
        if isinstance(value, cls):
            return kind
    if isinstance(value, tuple | list):
        item: PType | None = ty.ANY
        for v in value:
            vt = value_type(v)
            item = None if vt is None or item is None else ty.unify(item, vt)
        return None if item is None else ty.list_of(item)
    return None


def plain_value(value: Any) -> Any:
    """A ``let`` value as the model represents it (templates as text, lists as tuples)."""
    if isinstance(value, Template):
        return value.text
    if isinstance(value, EnumMember):
        return value.name
    if isinstance(value, tuple | list):
        return tuple(plain_value(v) for v in value)
    return value


class Compiler:
    """Compiles the expressions of one policy module; ``consts`` are its ``let`` values."""

    def __init__(self, sink: Sink, consts: Mapping[str, Any] | None = None) -> None:
        self.sink = sink
        self.failed = False
        self.consts: dict[str, tuple[PType, Any]] = {}
        for name, value in (consts or {}).items():
            vt = value_type(value)
            if vt is not None:
                self.consts[name] = (vt, plain_value(value))

    # ------------------------------------------------------------ reporting

    def error(self, code: Code, message: str, span: Span, label: str = "", help: str | None = None) -> Typed:
        """Report a compile-time error; the expression gets the ``error`` type."""
        self.failed = True
        self.sink.report(code, message, span, label=label, help=help)
        return ty.ERROR, _const(None)

    # ------------------------------------------------------------ expressions

    def expr(self, e: t.Expr, scope: Mapping[str, PType]) -> Typed:
        """Type-check and compile ``e``; ``scope`` holds ``this`` and lambda parameters."""
        # Cases in order of how often the kinds occur in policy expressions (a match tries them in turn).
        match e:
            case t.NameRef():
                return self._NameRef(e, scope)
            case t.GetAttr():
                return self._GetAttr(e, scope)
            case t.StringLit():
                return self._StringLit(e, scope)
            case t.Call():
                return self._Call(e, scope)
            case t.Binary():
                return self._Binary(e, scope)
            case t.ListExpr():
                return self._ListExpr(e, scope)
            case t.Lambda():
                return self._Lambda(e, scope)
            case t.Unary():
                return self._Unary(e, scope)
            case t.NumberLit():
                return self._NumberLit(e, scope)
            case t.DurationLit():
                return self._DurationLit(e, scope)
            case t.NoneLit():
                return self._NoneLit(e, scope)
            case t.Index():
                return self._Index(e, scope)
            case t.PercentLit():
                return self._PercentLit(e, scope)
            case t.MapExpr():
                return self._MapExpr(e, scope)
            case t.Slice():
                return self._Slice(e, scope)
            case t.BoolLit():
                return self._BoolLit(e, scope)
            case t.ClockLit():
                return self._ClockLit(e, scope)
            case _:
                assert_never(e)

    def _StringLit(self, e: t.StringLit, scope: Mapping[str, PType]) -> Typed:
        # `${region}` is not interpolated here: model strings keep it as text, so it matches as written.
        return ty.STRING, _const(e.value)

    def _NumberLit(self, e: t.NumberLit, scope: Mapping[str, PType]) -> Typed:
        return ty.NUMBER, _const(e.value)

    def _DurationLit(self, e: t.DurationLit, scope: Mapping[str, PType]) -> Typed:
        return ty.DURATION, _const(Duration(e.seconds))

    def _PercentLit(self, e: t.PercentLit, scope: Mapping[str, PType]) -> Typed:
        return ty.PERCENT, _const(Percent(e.value))

    def _ClockLit(self, e: t.ClockLit, scope: Mapping[str, PType]) -> Typed:
        return ty.CLOCK, _const(Clock(e.minutes))

    def _BoolLit(self, e: t.BoolLit, scope: Mapping[str, PType]) -> Typed:
        return ty.BOOL, _const(e.value)

    def _NoneLit(self, e: t.NoneLit, scope: Mapping[str, PType]) -> Typed:
        return ty.NONE, _const(None)

    def _NameRef(self, e: t.NameRef, scope: Mapping[str, PType]) -> Typed:
        name = e.name
        if name in scope:
            return scope[name], lambda env: env.vars[name]
        if name in ty.ROOTS:
            return ty.ROOTS[name][0], lambda env: env.roots[name]
        if name in self.consts:
            ct, value = self.consts[name]
            return ct, _const(value)
        if name in ty.ENUM_MEMBERS:
            return ty.enum(name), _const(name)
        known = [*scope, *ty.ROOTS, *self.consts]
        hint = did_you_mean(name, [*known, *sorted(ty.ENUM_MEMBERS)])
        if name == "this":
            hint = "`this` exists in `where`, `assert` and `detail`, not in `for`"
        return self.error(codes.POLICY_UNKNOWN_NAME,
                          f"unknown name `{name}` in a policy expression", e.span, "not defined",
                          hint or "names here: " + ", ".join(f"`{n}`" for n in known))

    def _ListExpr(self, e: t.ListExpr, scope: Mapping[str, PType]) -> Typed:
        item: PType = ty.ANY
        fns: list[Fn] = []
        for x in e.items:
            xt, fn = self.expr(x, scope)
            joined = ty.unify(item, xt)
            if joined is None:
                return self.error(codes.POLICY_TYPE_ERROR,
                                  f"a list cannot hold both {ty.words(item)} and {ty.words(xt)}",
                                  x.span, "this item", "list items have one type")
            item = joined
            fns.append(fn)
        return ty.list_of(item), lambda env: tuple(f(env) for f in fns)

    def _MapExpr(self, e: t.MapExpr, scope: Mapping[str, PType]) -> Typed:
        fns: list[tuple[str, Fn]] = []
        for entry in e.entries:
            vt, fn = self.expr(entry.value, scope)
            if vt.kind not in ("string", "enum") and not vt.loose:
                return self.error(codes.POLICY_TYPE_ERROR,
                                  f"map values are strings, not {ty.words(vt)}", entry.value.span,
                                  "not a string")
            fns.append((entry.key, fn))
        return ty.MAP, lambda env: {k: f(env) for k, f in fns}

    def _GetAttr(self, e: t.GetAttr, scope: Mapping[str, PType]) -> Typed:
        ot, ofn = self.expr(e.obj, scope)
        name = e.name.value
        if ot.loose:
            return ty.ERROR if ot.kind == "error" else ty.ANY, lambda env: _field(ofn(env), name, e)
        if ot.kind != "object":
            help_ = (f"apply it to each item: `map(list, x => x.{name})`, or pick one: `first(list).{name}`"
                     if ot.kind == "list" else None)
            return self.error(codes.POLICY_UNKNOWN_ATTRIBUTE, f"{ty.words(ot)} has no attribute `{name}`", e.name.span,
                              "no such attribute", help_)
        at = ty.attribute(ot, name)
        if at is None:
            names = sorted(set.intersection(*(set(ty.OBJECTS[k]) for k in ot.objs)))
            return self.error(codes.POLICY_UNKNOWN_ATTRIBUTE,
                              f"a {' or '.join(ot.objs)} has no attribute `{name}`", e.name.span,
                              "unknown attribute",
                              did_you_mean(name, names) or "attributes: " + ", ".join(f"`{n}`" for n in names))
        return at, lambda env: _field(ofn(env), name, e)

    def _Index(self, e: t.Index, scope: Mapping[str, PType]) -> Typed:
        ot, ofn = self.expr(e.obj, scope)
        it, ifn = self.expr(e.index, scope)
        if ot.loose or it.loose:
            return ty.ANY, lambda env: _index(ofn(env), ifn(env), e.span)
        if ot.kind == "map":
            if it.kind not in ("string", "enum"):
                return self.error(codes.POLICY_TYPE_ERROR,
                                  f"a map is indexed by a string, not {ty.words(it)}", e.index.span)
            return ty.STRING.opt(), lambda env: ofn(env).get(ifn(env))
        if ot.kind in ("list", "string"):
            if it.kind != "number":
                return self.error(codes.POLICY_TYPE_ERROR, f"{ty.words(ot)} is indexed by a number, not {ty.words(it)}",
                                  e.index.span, help="positions count from 0; `-1` is the last")
            result = ot.item if ot.kind == "list" and ot.item is not None else ty.STRING
            return result, lambda env: _index(ofn(env), ifn(env), e.span)
        return self.error(codes.POLICY_TYPE_ERROR, f"{ty.words(ot)} cannot be indexed", e.obj.span, "not a list or map")

    def _Slice(self, e: t.Slice, scope: Mapping[str, PType]) -> Typed:
        ot, ofn = self.expr(e.obj, scope)
        bounds: list[Fn | None] = []
        for b in (e.start, e.stop):
            if b is None:
                bounds.append(None)
                continue
            bt, bfn = self.expr(b, scope)
            if bt.kind != "number" and not bt.loose:
                return self.error(codes.POLICY_TYPE_ERROR, f"slice bounds are numbers, not {ty.words(bt)}", b.span)
            bounds.append(bfn)
        if ot.kind not in ("list", "string") and not ot.loose:
            return self.error(codes.POLICY_TYPE_ERROR,
                              f"{ty.words(ot)} cannot be sliced", e.obj.span, "not a list or string")
        lo, hi = bounds

        def run(env: Env) -> Any:
            seq = ofn(env)
            if seq is None:
                raise PolicyRuntimeError("cannot slice none", e.span)
            a = _int(lo(env), e.span) if lo is not None else None
            b = _int(hi(env), e.span) if hi is not None else None
            env.tick(len(seq))
            return seq[a:b]

        return ot.plain(), run

    def _Call(self, e: t.Call, scope: Mapping[str, PType]) -> Typed:
        spec = BUILTINS.get(e.func.value)
        if spec is None:
            return self.error(codes.UNKNOWN_FUNCTION_OR_ARITY,
                              f"unknown function `{e.func.value}`", e.func.span, "not a builtin",
                              did_you_mean(e.func.value, list(BUILTINS)) or
                              "builtins: " + ", ".join(sorted(BUILTINS)))
        lo, hi = spec.arity
        if not lo <= len(e.args) <= hi:
            want = str(lo) if lo == hi else f"{lo} to {hi}"
            return self.error(codes.UNKNOWN_FUNCTION_OR_ARITY,
                              f"`{e.func.value}` takes {want} argument{'s' if hi != 1 else ''}, "
                              f"found {len(e.args)}", e.span, "wrong number of arguments", "usage: " + spec.usage)
        return spec.compile(self, e, scope)

    def _Lambda(self, e: t.Lambda, scope: Mapping[str, PType]) -> Typed:
        return self.error(codes.LAMBDA_OUT_OF_PLACE,
                          "a lambda can only be an argument of a builtin", e.span, "lambda here",
                          "write it as the last argument of `any`, `all`, `count`, `map`, …: "
                          "`any(waves, w => w.bake > 1h)`")

    def lam(self, e: t.Expr, param: PType, scope: Mapping[str, PType]) -> tuple[PType, LambdaFn] | None:
        """Compile ``e`` as a one-parameter lambda over items of type ``param``; ``None`` if not a lambda."""
        if not isinstance(e, t.Lambda):
            return None
        name = e.param.value
        bt, body = self.expr(e.body, {**scope, name: param})

        def call(env: Env, value: Any) -> Any:
            env.tick()
            vars_ = env.vars
            old = vars_.get(name, _MISSING)
            vars_[name] = value
            try:
                return body(env)
            finally:
                if old is _MISSING:
                    del vars_[name]
                else:
                    vars_[name] = old

        return bt, call

    def _Unary(self, e: t.Unary, scope: Mapping[str, PType]) -> Typed:
        ot, fn = self.expr(e.operand, scope)
        if e.op == "not":
            if ot.kind != "bool" and not ot.loose:
                return self.error(codes.POLICY_TYPE_ERROR, f"`not` needs a bool, found {ty.words(ot)}", e.operand.span)
            return ty.BOOL, lambda env: not fn(env)
        return negation(self, e, ot, fn)

    def _Binary(self, e: t.Binary, scope: Mapping[str, PType]) -> Typed:
        lt, lf = self.expr(e.left, scope)
        rt, rf = self.expr(e.right, scope)
        return binary(self, e, lt, lf, rt, rf)


class _Missing:
    pass


_MISSING = _Missing()


def _field(o: Any, name: str, e: t.GetAttr) -> Any:
    if isinstance(o, Obj):
        return o.fields[name]
    if o is None:
        raise PolicyRuntimeError(f"`{e.obj.span.text}` is none, so it has no `{name}`", e.span)
    raise PolicyRuntimeError(f"`{e.obj.span.text}` is not an object", e.span)


def _int(v: Any, span: Span) -> int:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if not isinstance(v, int):
        raise PolicyRuntimeError(f"position {v} is not a whole number", span)
    return v


def _index(seq: Any, i: Any, span: Span) -> Any:
    if seq is None:
        raise PolicyRuntimeError("cannot index none", span)
    if isinstance(seq, dict):
        return seq.get(i)
    n = _int(i, span)
    if not -len(seq) <= n < len(seq):
        raise PolicyRuntimeError(f"position {n} is out of range (length {len(seq)})", span)
    return seq[n]
