"""Compile-time evaluation of attribute expressions, name resolution and type checks.

Outside policies an expression is evaluated once: literals, names (``let``,
blocks, imported modules), lists, maps, indexing, and the arithmetic operators
of :mod:`wavec.lang.operators` — the table policy rules use too. Everything
else (lambdas, comparisons, calls) belongs to policy rules and is reported here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, assert_never

from ..diagnostics import Label, Sink
from ..diagnostics.codes import builtin as codes
from ..lang import operators
from ..lang.suggest import did_you_mean
from ..lang.values import Clock, Duration, EnumMember, Percent, Template, Var
from ..limits import MAX_DEPTH
from ..source import Span
from ..syntax import tree as t
from . import ir, schema
from .describe import KIND_WORDS, define_hint, describe, members, type_help, type_words
from .stdlib_index import std_binding
from .symbols import ERR, ModuleValue, Scope, Symbol

__all__ = ["ERR", "Evaluator", "ModuleValue", "Scope", "Symbol", "module_member", "module_names"]


_HYPHEN_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(-[A-Za-z0-9_]+)+")


class Evaluator:
    """Evaluates expressions in a scope and coerces them to schema types, reporting problems."""

    def __init__(self, scope: Scope, sink: Sink) -> None:
        self.scope = scope
        self.sink = sink

    # ------------------------------------------------------------------ api

    def value(self, expr: t.Expr, ty: schema.Ty, *, vars_allowed: Iterable[str] = (),
              where: str = "here") -> Any:
        """Evaluate ``expr`` as a value of type ``ty``; ``ERR`` after a diagnostic."""
        raw = self.eval(expr, ty)
        if raw is ERR:
            return ERR
        if (ty.kind == "list" and ty.item is not None and isinstance(expr, t.ListExpr)
                and isinstance(raw, tuple) and len(raw) == len(expr.items)):
            # Coerce item by item so that a mismatch points at the item, not the whole list.
            items = [self.coerce(v, ty.item, e.span) for v, e in zip(raw, expr.items, strict=True)]
            out: Any = ERR if any(i is ERR for i in items) else tuple(items)
        else:
            out = self.coerce(raw, ty, expr.span)
        if out is not ERR and not self.check_vars(out, frozenset(vars_allowed), expr.span, where):
            return ERR
        return out

    # ------------------------------------------------------------ evaluation

    def eval(self, expr: t.Expr, ty: schema.Ty | None = None) -> Any:
        """The compile-time value of ``expr``; ``ty`` lets bare enum members resolve."""
        # Cases in order of how often the kinds occur in attribute values (a match tries them in turn).
        match expr:
            case t.NameRef():
                return self._name(expr, ty)
            case t.StringLit():
                return self._string(expr)
            case t.GetAttr():
                return self._getattr(expr, ty)
            case t.ListExpr():
                item = ty.item if ty is not None and ty.kind == "list" else _list_item(ty)
                values = [self.eval(i, item) for i in expr.items]
                return ERR if any(v is ERR for v in values) else tuple(values)
            case t.DurationLit():
                return Duration(expr.seconds)
            case t.NumberLit():
                return expr.value
            case t.MapExpr():
                return self._map(expr)
            case t.PercentLit():
                return Percent(expr.value)
            case t.Binary() if expr.op in {"+", "-", "*", "/"}:
                return self._arith(expr, ty)
            case t.BoolLit():
                return expr.value
            case t.NoneLit():
                return None
            case t.ClockLit():
                return Clock(expr.minutes)
            case t.Unary() if expr.op == "-":
                return self._negate(expr)
            case t.Index() | t.Slice():
                return self._subscript(expr, ty)
            case t.Lambda() | t.Call() | t.Binary() | t.Unary():
                return self._policy_only(expr)
            case _:
                assert_never(expr)

    def _policy_only(self, expr: t.Lambda | t.Call | t.Binary | t.Unary) -> Any:
        """Report an expression only a policy rule can evaluate: a lambda, a call, a comparison, `not`."""
        what = {
            t.Lambda: "a lambda", t.Call: "a function call", t.Binary: "a comparison or logical operator",
            t.Unary: "`not`",
        }.get(type(expr), "this expression")
        self.sink.report(
            codes.POLICY_ONLY_EXPRESSION, f"{what} can only be used in a policy rule", expr.span,
            label="evaluated at compile time here",
            help="attribute values are literals, names, lists, maps and `+ - * /`; lambdas, "
                 "comparisons and builtin calls belong in `rule` blocks (`for`, `where`, `assert`)",
        )
        return ERR

    def _string(self, lit: t.StringLit) -> Any:
        parts: list[str | Var] = []
        failed = False
        for p in lit.parts:
            if isinstance(p, str):
                parts.append(p)
                continue
            if p.name in schema.COMPILE_TIME_VARS or p.name in schema.RUNTIME_VARS:
                parts.append(Var(p.name, p.span))
                continue
            if p.name in self.scope.lets:
                v = self._let(p.name, p.span)
                if v is ERR:
                    failed = True
                elif isinstance(v, Template):
                    # The let's text is data, never shell: a command receives it quoted (wavec.lang.shell).
                    parts.extend(Var(p.name, p.span, x) if isinstance(x, str) else x for x in v.parts)
                elif isinstance(v, bool) or not isinstance(v, int | float):
                    self.sink.report(
                        codes.UNKNOWN_INTERPOLATION,
                        f"`${{{p.name}}}` holds {describe(v)}, not a string or a number", p.span,
                        label="cannot be interpolated",
                        help="only `let` values holding a string or a number can be interpolated",
                    )
                    failed = True
                else:
                    parts.append(str(v))
                continue
            known = list(schema.COMPILE_TIME_VARS + schema.RUNTIME_VARS) + [
                n for n in self.scope.lets
            ]
            self.sink.report(
                codes.UNKNOWN_INTERPOLATION, f"unknown name `${{{p.name}}}` in a string", p.span, label="not known",
                help=did_you_mean(p.name, known) or (
                    "strings can interpolate ${pipeline}, ${stage}, ${step}, ${wave}, ${region}, "
                    "${account}, ${execution}, ${commit} and `let` values; write `$${` for a literal `${`"),
            )
            failed = True
        if failed:
            return ERR
        merged: list[str | Var] = []
        for part in parts:
            if isinstance(part, str) and merged and isinstance(merged[-1], str):
                merged[-1] += part
            else:
                merged.append(part)
        return Template(tuple(merged) or ("",), lit.span)

    def _let(self, name: str, span: Span) -> Any:
        scope = self.scope
        if name in scope.let_values:
            return scope.let_values[name]
        if name in scope.evaluating:
            cycle = [*scope.evaluating[scope.evaluating.index(name):], name]
            self.sink.report(
                codes.LET_CYCLE, "`let` values refer to each other in a cycle: " + " → ".join(cycle), span,
                label="refers back here", help="a `let` must be computable from values defined without it",
            )
            return ERR
        if len(scope.evaluating) >= MAX_DEPTH:
            self.sink.report(codes.NESTING_TOO_DEEP, f"`let` values nested deeper than {MAX_DEPTH} levels", span,
                             label="too deep", help="define long chains of values directly")
            return ERR
        scope.evaluating.append(name)
        try:
            value = self.eval(scope.lets[name].value)
        finally:
            scope.evaluating.pop()
        scope.let_values[name] = value
        return value

    def _name(self, ref: t.NameRef, ty: schema.Ty | None) -> Any:
        name = ref.name
        choices = ty.enum_members if ty is not None else ()
        if name in choices:
            return EnumMember(name)
        want = _ref_kind(ty)
        if want is None and name in self.scope.lets:
            return self._let(name, ref.span)
        sym = self.scope.find(name, want)
        if sym is not None and (want is None or sym.kind == want or want == "any"):
            return sym
        if name in self.scope.lets:
            return self._let(name, ref.span)
        if name in self.scope.imports:
            return ModuleValue(name, self.scope.imports[name])
        if sym is not None:
            return sym
        if name in self.scope.failed:
            return ERR  # an import that failed was reported; its uses are not errors of their own
        if choices:
            self.sink.report(
                codes.UNKNOWN_ENUM_MEMBER,
                f"`{name}` is not one of {members(choices)}", ref.span, label="unknown member",
                help=did_you_mean(name, choices) or f"choose one of {members(choices)}",
            )
            return ERR
        if ty is None and any(name in s.enum_members for s in _ALL_ENUMS):
            return EnumMember(name)  # a `let` holding enum members, checked where it is used
        wanted = KIND_WORDS.get(want or "", "")
        candidates = self.scope.known_names() if want is None else [
            s.name for layer in (self.scope.pipeline, self.scope.top) for s in layer.get(want, {}).values()
        ] + (list(self.scope.stage_steps) if want == "step" else [])
        hint = did_you_mean(name, candidates)
        spec = std_binding(name)
        if spec is not None:
            hint = f'`{name}` is a module of the standard library: add `import "{spec}"` at the top of the file'
        if hint is None and want is None and name.lower() in {"true", "false", "none", "null", "nil"}:
            hint = "the literals are `true`, `false` and `none`, in lower case"
        self.sink.report(
            codes.UNKNOWN_NAME, f"unknown name `{name}`" + (f": expected {wanted}" if wanted else ""), ref.span,
            label="not defined", help=hint or define_hint(want),
        )
        return ERR

    def _getattr(self, expr: t.GetAttr, ty: schema.Ty | None) -> Any:
        base = self.eval(expr.obj)
        if base is ERR:
            return ERR
        name = expr.name.value
        if isinstance(base, ModuleValue):
            found = module_member(base.module, name, _ref_kind(ty))
            if found is not None:
                return found
            self.sink.report(
                codes.UNKNOWN_NAME, f"module `{base.name}` has no `{name}`", expr.name.span, label="not exported",
                help=did_you_mean(name, module_names(base.module)) or
                "a module exports its top-level `let`, `gate`, `window`, `deploy` and `policy` names",
            )
            return ERR
        if isinstance(base, dict) and name in base:
            return base[name]
        self.sink.report(
            codes.TYPE_MISMATCH, f"{describe(base)} has no attribute `{name}`", expr.span, label="not an attribute",
            help="outside policy rules, `.` reads a name exported by an imported module or a key of a map",
        )
        return ERR

    def _map(self, expr: t.MapExpr) -> Any:
        out: dict[str, Any] = {}
        for entry in expr.entries:
            if entry.key in out:
                self.sink.report(codes.ATTRIBUTE_SET_TWICE,
                                 f"key `{entry.key}` appears twice in this map", entry.key_span,
                                 label="repeated key", help="keep one of them")
                continue
            value = self.eval(entry.value)
            if value is ERR:
                return ERR
            out[entry.key] = value
        return out

    def _arith(self, expr: t.Binary, ty: schema.Ty | None) -> Any:
        if expr.op == "-":
            text = expr.span.file.text
            minus = text.find("-", expr.left.span.end, expr.right.span.start)
            line_start = text.rfind("\n", 0, minus) + 1
            if minus != -1 and not text[line_start:minus].strip():
                self.sink.report(
                    codes.YAML_LIST, "YAML-style list item", Span(expr.span.file, minus, minus + 1),
                    label="a list item in YAML style",
                    help='lists are written in brackets: `regions = ["us-east-1", "eu-west-1"]`',
                )
                return ERR
        if expr.op == "-" and self._hyphenated(expr):
            word = expr.span.text
            self.sink.report(
                codes.HYPHEN_IN_NAME, f"`{word}` is not a name: names cannot contain `-`", expr.span,
                label="read as a subtraction of unknown names",
                help=f'a value with hyphens (a region, an id) is a string: "{word}"; '
                     f"a name would be `{word.replace('-', '_')}`",
            )
            return ERR
        left = self.eval(expr.left, ty)
        if left is ERR:
            return ERR
        right = self.eval(expr.right, ty)
        if right is ERR:
            return ERR
        op = expr.op
        lk, rk = operators.kind_of(left), operators.kind_of(right)
        rule = operators.binary(op, lk, rk)
        if rule is None:
            self.sink.report(
                codes.TYPE_MISMATCH, operators.refusal(op, describe(left), describe(right)), expr.span,
                label="incompatible operands", help=operators.refusal_help(op, lk, rk),
            )
            return ERR
        return self._compute(expr, rule.compute, left, right)

    def _compute(self, expr: t.Expr, compute: Callable[..., Any], *operands: Any) -> Any:
        """Run an operator of the table; a division by zero or an overflow is a diagnostic."""
        try:
            return compute(*operands)
        except operators.OperatorError as exc:
            # The reason alone: the caret shows the expression, and the message must not change with spacing.
            self.sink.report(codes.VALUE_OUT_OF_RANGE, exc.reason, expr.span, label="no such value")
            return ERR

    def _hyphenated(self, expr: t.Binary) -> bool:
        """``us-east-1`` written without quotes: a subtraction whose leftmost name is unknown."""
        if not _HYPHEN_WORD.fullmatch(expr.span.text):
            return False
        left: t.Expr = expr
        while isinstance(left, t.Binary):
            left = left.left
        return (isinstance(left, t.NameRef) and left.name not in self.scope.lets
                and left.name not in self.scope.imports and self.scope.find(left.name, None) is None)

    def _negate(self, expr: t.Unary) -> Any:
        v = self.eval(expr.operand)
        if v is ERR:
            return ERR
        rule = operators.negation(operators.kind_of(v))
        if rule is None:
            self.sink.report(codes.TYPE_MISMATCH, operators.negation_refusal(describe(v)), expr.span,
                             label="not a number", help=operators.NEGATION_HELP)
            return ERR
        return self._compute(expr, rule.compute, v)

    def _subscript(self, expr: t.Index | t.Slice, ty: schema.Ty | None) -> Any:
        base = self.eval(expr.obj)
        if base is ERR:
            return ERR
        if isinstance(expr, t.Slice):
            bounds = [self.eval(b) if b is not None else None for b in (expr.start, expr.stop)]
            if isinstance(base, tuple) and all(b is None or type(b) is int for b in bounds):
                return base[bounds[0] : bounds[1]]
        else:
            key = self.eval(expr.index)
            if isinstance(base, tuple) and type(key) is int:
                if -len(base) <= key < len(base):
                    return base[key]
                self.sink.report(codes.VALUE_OUT_OF_RANGE,
                                 f"index {key} is outside a list of {len(base)}", expr.index.span,
                                 label="out of range")
                return ERR
            if isinstance(base, dict) and isinstance(key, Template) and key.text in base:
                return base[key.text]
        self.sink.report(codes.TYPE_MISMATCH, f"cannot index {describe(base)} like this", expr.span,
                         label="not indexable", help="index lists with integers and maps with their keys")
        return ERR

    # ----------------------------------------------------------------- types

    def coerce(self, value: Any, ty: schema.Ty, span: Span) -> Any:
        """Check ``value`` against ``ty``; report a mismatch once."""
        ok = self._fits(value, ty)
        if ok is not ERR:
            return ok
        if isinstance(value, Symbol) and ty.kind == "ref":
            self.sink.report(
                codes.WRONG_KIND, f"`{value.name}` is {KIND_WORDS.get(value.kind, value.kind)}, not "
                f"{KIND_WORDS.get(ty.ref, ty.ref)}", span, label=f"expected {KIND_WORDS.get(ty.ref, ty.ref)}",
                extra=(Label(value.span, f"`{value.name}` is defined here"),),
            )
            return ERR
        if isinstance(value, EnumMember) and ty.kind == "enum":
            self.sink.report(
                codes.UNKNOWN_ENUM_MEMBER,
                f"`{value.name}` is not one of {members(ty.members)}", span, label="unknown member",
                help=did_you_mean(value.name, ty.members) or f"choose one of {members(ty.members)}")
            return ERR
        if isinstance(value, tuple) and ty.kind == "list" and ty.item is not None:
            # Point at the offending element when we can tell which.
            for v in value:
                if self._fits(v, ty.item) is ERR:
                    self.sink.report(codes.TYPE_MISMATCH, f"expected a list of {type_words(ty.item)}, found "
                                     f"{describe(v)} in it", span, label=f"expected {type_words(ty)}")
                    return ERR
        self.sink.report(
            codes.TYPE_MISMATCH, f"expected {type_words(ty)}, found {describe(value)}", span,
            label=f"expected {type_words(ty)}",
            help=type_help(ty, value),
        )
        return ERR

    def _fits(self, value: Any, ty: schema.Ty) -> Any:
        k = ty.kind
        if k == "string":
            return value if isinstance(value, Template) else ERR
        if k == "int":
            return value if type(value) is int else ERR
        if k == "number":
            return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else ERR
        if k == "bool":
            return value if isinstance(value, bool) else ERR
        if k == "duration":
            return value if isinstance(value, Duration) else ERR
        if k == "percent":
            return value if isinstance(value, Percent) else ERR
        if k == "clock":
            return value if isinstance(value, Clock) else ERR
        if k == "enum":
            return value if isinstance(value, EnumMember) and value.name in ty.members else ERR
        if k == "list":
            if not isinstance(value, tuple):
                return ERR
            assert ty.item is not None
            out = [self._fits(v, ty.item) for v in value]
            return ERR if any(v is ERR for v in out) else tuple(out)
        if k == "map":
            if not isinstance(value, dict):
                return ERR
            if all(isinstance(v, Template) for v in value.values()):
                return value
            converted = {}
            for key, v in value.items():
                if isinstance(v, int | float) and not isinstance(v, bool):
                    converted[key] = Template.plain(str(v))
                elif isinstance(v, Template):
                    converted[key] = v
                else:
                    return ERR
            return converted
        if k == "ref":
            if ty.ref == "module":
                return value if isinstance(value, ModuleValue) else ERR
            return value if isinstance(value, Symbol) and value.kind == ty.ref else ERR
        if k == "oneof":
            for option in ty.options:
                out = self._fits(value, option)
                if out is not ERR:
                    return out
            return ERR
        return value

    def check_vars(self, value: Any, allowed: frozenset[str], span: Span, where: str) -> bool:
        """Report interpolations not known in this place (``${region}`` in a step, say); ``False`` if any."""
        for tpl in _templates(value):
            for part in tpl.parts:
                if isinstance(part, Var) and part.value is None and part.name not in allowed:
                    allowed_text = ", ".join(f"${{{a}}}" for a in sorted(allowed)) or "none"
                    self.sink.report(
                        codes.INTERPOLATION_OUT_OF_PLACE, f"`${{{part.name}}}` is not known {where}", part.span or span,
                        label="has no value here",
                        help=f"known {where}: {allowed_text}",
                    )
                    return False
        return True


_ALL_ENUMS = [a.type for b in schema.BLOCKS.values() for a in b.all_attrs() if a.type.enum_members] + [
    a.type for b in schema.BLOCKS.values() for v in b.variants.values() for a in v if a.type.enum_members
]


def _list_item(ty: schema.Ty | None) -> schema.Ty | None:
    if ty is not None and ty.kind == "oneof":
        for o in ty.options:
            if o.kind == "list":
                return o.item
    return None


def _ref_kind(ty: schema.Ty | None) -> str | None:
    if ty is None:
        return None
    if ty.kind == "ref":
        return ty.ref
    if ty.kind == "list" and ty.item is not None:
        return _ref_kind(ty.item)
    if ty.kind == "oneof":
        kinds = {_ref_kind(o) for o in ty.options} - {None}
        return "any" if len(kinds) > 1 else (kinds.pop() if kinds else None)
    return None


def _templates(value: Any) -> Iterable[Template]:
    if isinstance(value, Template):
        yield value
    elif isinstance(value, tuple):
        for v in value:
            yield from _templates(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _templates(v)


def module_member(module: ir.Module, name: str, kind: str | None) -> Any:
    """What ``module.name`` means: an exported block (the wanted kind first) or a ``let`` value."""
    for k in sorted(schema.EXPORTED, key=lambda k: k != kind):
        for obj in module.exported(k):
            if obj.name == name:
                return Symbol(k, name, obj.span, obj)
    if name in module.lets:
        return module.lets[name]
    if name in module.imports:
        return ModuleValue(name, module.imports[name])
    return None


def module_names(module: ir.Module) -> list[str]:
    """Every name a module exports."""
    names: set[str] = set(module.lets)
    for kind in schema.EXPORTED:
        names.update(o.name for o in module.exported(kind))
    return sorted(names)
