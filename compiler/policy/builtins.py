"""Builtin functions of policy expressions: signatures checked at compile time, bounded at run time.

The spec's builtins (``len any all count sum min max first last prev next
contains matches startswith distinct``) plus a few that make rules readable
(``endswith flatten map filter join text keys values``). Each iteration
costs the rule's budget what it does: an item per item, a character per character of the
strings it reads or makes; ``matches`` runs RE2 patterns, in linear time (see :mod:`wavec.policy.regex`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..diagnostics.codes import policy as codes
from ..lang import operators
from ..lang.values import Duration, Percent
from ..records import record
from ..syntax import tree as t
from . import types as ty
from .model import Obj
from .regex import MAX_PATTERN, RegexError, compile_pattern
from .runtime import Compiling, Env, Fn, LambdaFn, PolicyRuntimeError, Typed, size
from .types import PType

Scope = Mapping[str, PType]


@record
class Builtin:
    """One builtin: how many arguments, how it is written, what it does, how it compiles."""

    name: str
    arity: tuple[int, int]
    usage: str
    doc: str
    compile: Callable[[Compiling, t.Call, Scope], Typed]


def _list(c: Compiling, call: t.Call, scope: Scope, what: str = "list") -> tuple[PType, Fn, PType] | None:
    """The first argument, which must be a list: (type, fn, item type); ``None`` after an error."""
    at, fn = c.expr(call.args[0], scope)
    if at.loose:
        return at, fn, ty.ANY
    if at.kind != "list":
        c.error(codes.POLICY_TYPE_ERROR, f"`{call.func.value}` needs a {what}, found {ty.words(at)}", call.args[0].span,
                "not a list", _BUILTIN_USAGE.get(call.func.value))
        return None
    assert at.item is not None
    return at, fn, at.item


def _lambda(c: Compiling, call: t.Call, arg: t.Expr, item: PType, scope: Scope, want: tuple[str, ...]
            ) -> tuple[PType, LambdaFn] | None:
    compiled = c.lam(arg, item, scope)
    if compiled is None:
        c.error(codes.POLICY_TYPE_ERROR,
                f"the last argument of `{call.func.value}` is a lambda such as `x => x.bake > 1h`",
                arg.span, "not a lambda", _BUILTIN_USAGE.get(call.func.value))
        return None
    rt, fn = compiled
    if want and rt.kind not in want and not rt.loose:
        c.error(codes.POLICY_TYPE_ERROR, f"the lambda of `{call.func.value}` must give {' or '.join(want)}, "
                f"found {ty.words(rt)}", arg.span, "wrong result type", _BUILTIN_USAGE.get(call.func.value))
        return None
    return rt, fn


def _seq(v: Any, call: t.Call, env: Env) -> Any:
    if v is None:
        raise PolicyRuntimeError(f"`{call.args[0].span.text}` is none", call.args[0].span)
    env.tick(len(v))
    return v


# ---------------------------------------------------------------- quantifiers


def _quantifier(name: str) -> Callable[[Compiling, t.Call, Scope], Typed]:
    def comp(c: Compiling, call: t.Call, scope: Scope) -> Typed:
        got = _list(c, call, scope)
        if got is None:
            return ty.ERROR, lambda env: None
        _, lf, item = got
        if len(call.args) == 1:
            if item.kind != "bool" and not item.loose:
                return c.error(codes.POLICY_TYPE_ERROR, f"`{name}(list)` needs a list of bools, found a list<{item}>",
                               call.args[0].span, "not bools", _BUILTIN_USAGE[name])
            if name == "count":
                return ty.NUMBER, lambda env: sum(1 for x in _seq(lf(env), call, env) if x)
            agg = any if name == "any" else all
            return ty.BOOL, lambda env: agg(bool(x) for x in _seq(lf(env), call, env))
        lam = _lambda(c, call, call.args[1], item, scope, ("bool",))
        if lam is None:
            return ty.ERROR, lambda env: None
        _, pred = lam
        if name == "count":
            return ty.NUMBER, lambda env: sum(1 for x in _seq(lf(env), call, env) if pred(env, x))
        if name == "any":
            return ty.BOOL, lambda env: any(pred(env, x) for x in _seq(lf(env), call, env))
        return ty.BOOL, lambda env: all(pred(env, x) for x in _seq(lf(env), call, env))

    return comp


def _aggregate(name: str) -> Callable[[Compiling, t.Call, Scope], Typed]:
    allowed = ("number", "duration", "percent") if name == "sum" else ty.ORDERED

    def comp(c: Compiling, call: t.Call, scope: Scope) -> Typed:
        got = _list(c, call, scope)
        if got is None:
            return ty.ERROR, lambda env: None
        _, lf, item = got
        proj: LambdaFn | None = None
        if len(call.args) == 2:
            lam = _lambda(c, call, call.args[1], item, scope, allowed)
            if lam is None:
                return ty.ERROR, lambda env: None
            item, proj = lam
        elif item.kind not in allowed and not item.loose:
            return c.error(codes.POLICY_TYPE_ERROR,
                           f"`{name}` needs a list of {' or '.join(allowed)}s, found a list<{item}>",
                           call.args[0].span, "cannot aggregate", _BUILTIN_USAGE[name])
        kind = item.kind

        def values(env: Env) -> list[Any]:
            xs = _seq(lf(env), call, env)
            return [proj(env, x) for x in xs] if proj is not None else list(xs)

        if name == "sum":
            zero: Any = Duration(0) if kind == "duration" else Percent(0.0) if kind == "percent" else 0

            def total(env: Env) -> Any:
                acc: Any = None
                for v in values(env):
                    if v is not None:
                        acc = v if acc is None else _plus(acc, v, call)
                return zero if acc is None else acc

            return item.plain(), total
        pick = min if name == "min" else max

        def extreme(env: Env) -> Any:
            vs = [v for v in values(env) if v is not None]
            return pick(vs) if vs else None

        return item.opt(), extreme

    return comp


def _plus(a: Any, b: Any, call: t.Call) -> Any:
    """``a + b`` by the operator table: `sum` adds as `+` does (units, bounds) and fails the item as it does."""
    rule = operators.binary("+", operators.kind_of(a), operators.kind_of(b))
    if rule is None:
        raise PolicyRuntimeError(f"`{call.span.text}`: " + operators.refusal(
            "+", operators.kind_words(a), operators.kind_words(b)), call.span)
    try:
        return rule.compute(a, b)
    except operators.OperatorError as exc:
        raise PolicyRuntimeError(operators.failure(call.span.text, exc.reason), call.span) from None


# ---------------------------------------------------------------- positions


def _end(name: str) -> Callable[[Compiling, t.Call, Scope], Typed]:
    def comp(c: Compiling, call: t.Call, scope: Scope) -> Typed:
        got = _list(c, call, scope)
        if got is None:
            return ty.ERROR, lambda env: None
        _, lf, item = got
        pos = 0 if name == "first" else -1

        def run(env: Env) -> Any:
            xs = lf(env)
            return xs[pos] if xs else None

        return item.opt(), run

    return comp


def _neighbour(name: str) -> Callable[[Compiling, t.Call, Scope], Typed]:
    def comp(c: Compiling, call: t.Call, scope: Scope) -> Typed:
        at, fn = c.expr(call.args[0], scope)
        if not at.loose and not (at.kind == "object" and set(at.objs) <= {"wave", "stage"}):
            return c.error(codes.POLICY_TYPE_ERROR,
                           f"`{name}` takes a wave or a stage, found {ty.words(at)}", call.args[0].span,
                           "not a wave or stage", _BUILTIN_USAGE[name])

        def run(env: Env) -> Any:
            o = fn(env)
            if not isinstance(o, Obj):
                raise PolicyRuntimeError(f"`{call.args[0].span.text}` is none", call.args[0].span)
            return o.fields[name]

        return (at.plain().opt() if not at.loose else at), run

    return comp


# ---------------------------------------------------------------- strings and lists


def _contains(c: Compiling, call: t.Call, scope: Scope) -> Typed:
    ct, cf = c.expr(call.args[0], scope)
    it, iff = c.expr(call.args[1], scope)
    if ct.kind == "list" and ct.item is not None and ty.unify(ct.item, it) is None:
        return c.error(codes.POLICY_TYPE_ERROR,
                       f"{ty.words(it)} is never in {ty.words(ct)}", call.args[1].span, "never found")
    if ct.kind in ("string", "map") and it.kind not in ("string", "enum") and not it.loose:
        return c.error(codes.POLICY_TYPE_ERROR, f"`contains` on {ty.words(ct)} looks for a string, not {ty.words(it)}",
                       call.args[1].span)
    if ct.kind not in ("list", "string", "map") and not ct.loose:
        return c.error(codes.POLICY_TYPE_ERROR, f"`contains` needs a list, a string or a map, found {ty.words(ct)}",
                       call.args[0].span, help=_BUILTIN_USAGE["contains"])

    def run(env: Env) -> bool:
        container = _seq(cf(env), call, env)
        item = iff(env)
        if isinstance(container, str) and not isinstance(item, str):
            return False
        return item in container

    return ty.BOOL, run


def _strings(c: Compiling, call: t.Call, scope: Scope) -> list[Fn] | None:
    fns: list[Fn] = []
    for arg in call.args:
        at, fn = c.expr(arg, scope)
        if at.kind not in ("string", "enum") and not at.loose:
            c.error(codes.POLICY_TYPE_ERROR,
                    f"`{call.func.value}` takes strings, found {ty.words(at)}", arg.span, "not a string",
                    _BUILTIN_USAGE[call.func.value])
            return None
        fns.append(fn)
    return fns


def _affix(name: str) -> Callable[[Compiling, t.Call, Scope], Typed]:
    def comp(c: Compiling, call: t.Call, scope: Scope) -> Typed:
        fns = _strings(c, call, scope)
        if fns is None:
            return ty.ERROR, lambda env: None
        sf, af = fns

        def run(env: Env) -> bool:
            s, a = sf(env), af(env)
            if s is None or a is None:
                return False
            env.tick(len(a))
            return bool(s.startswith(a) if name == "startswith" else s.endswith(a))

        return ty.BOOL, run

    return comp


def _matches(c: Compiling, call: t.Call, scope: Scope) -> Typed:
    fns = _strings(c, call, scope)
    if fns is None:
        return ty.ERROR, lambda env: None
    sf, pf = fns
    arg = call.args[1]
    probe: Any = None
    if isinstance(arg, t.StringLit):
        probe = arg.value
    elif isinstance(arg, t.NameRef) and arg.name in c.consts and arg.name not in scope:
        probe = c.consts[arg.name][1]
    if isinstance(probe, str):
        try:
            pattern = compile_pattern(probe)
        except RegexError as exc:
            return c.error(codes.UNSAFE_REGEX, f"unusable regular expression: {exc}", call.args[1].span, "this pattern",
                           "`matches` takes RE2 patterns (linear time): no backreferences, no lookaround; "
                           f"up to {MAX_PATTERN} characters")

        def fixed(env: Env) -> bool:
            s = sf(env)
            if s is None:
                return False
            env.tick(1 + len(s))  # RE2 is linear: a search costs the length of its string
            return pattern.search(s) is not None

        return ty.BOOL, fixed

    cache: dict[str, Any] = {}

    def dynamic(env: Env) -> bool:
        s, p = sf(env), pf(env)
        env.tick(1 + (len(s) if s is not None else 0))
        rx = cache.get(p)
        if rx is None:
            try:
                rx = cache[p] = compile_pattern(p)
            except RegexError as exc:
                raise PolicyRuntimeError(f"unusable regular expression {p!r}: {exc}", call.args[1].span) from None
        return s is not None and rx.search(s) is not None

    return ty.BOOL, dynamic


def _distinct(c: Compiling, call: t.Call, scope: Scope) -> Typed:
    got = _list(c, call, scope)
    if got is None:
        return ty.ERROR, lambda env: None
    at, lf, _ = got

    def run(env: Env) -> tuple[Any, ...]:
        xs = _seq(lf(env), call, env)
        try:
            return tuple(dict.fromkeys(xs))
        except TypeError:  # maps are unhashable: keep first occurrences by equality
            out: list[Any] = []
            for x in xs:
                if x not in out:
                    out.append(x)
            return tuple(out)

    return at.plain(), run


def _flatten(c: Compiling, call: t.Call, scope: Scope) -> Typed:
    got = _list(c, call, scope, "list of lists")
    if got is None:
        return ty.ERROR, lambda env: None
    at, lf, item = got
    if item.kind != "list" and not item.loose:
        return c.error(codes.POLICY_TYPE_ERROR,
                       f"`flatten` needs a list of lists, found {ty.words(at)}", call.args[0].span)

    def run(env: Env) -> tuple[Any, ...]:
        out: list[Any] = []
        for xs in _seq(lf(env), call, env):
            env.tick(len(xs))
            out.extend(xs)
        return tuple(out)

    return (item if not item.loose else ty.list_of(ty.ANY)), run


def _map(c: Compiling, call: t.Call, scope: Scope) -> Typed:
    got = _list(c, call, scope)
    if got is None:
        return ty.ERROR, lambda env: None
    _, lf, item = got
    lam = _lambda(c, call, call.args[1], item, scope, ())
    if lam is None:
        return ty.ERROR, lambda env: None
    rt, fn = lam
    return ty.list_of(rt.plain()), lambda env: tuple(fn(env, x) for x in _seq(lf(env), call, env))


def _filter(c: Compiling, call: t.Call, scope: Scope) -> Typed:
    got = _list(c, call, scope)
    if got is None:
        return ty.ERROR, lambda env: None
    at, lf, item = got
    lam = _lambda(c, call, call.args[1], item, scope, ("bool",))
    if lam is None:
        return ty.ERROR, lambda env: None
    _, pred = lam
    return at.plain(), lambda env: tuple(x for x in _seq(lf(env), call, env) if pred(env, x))


def _comma(env: Env) -> str:
    return ", "


def _join(c: Compiling, call: t.Call, scope: Scope) -> Typed:
    got = _list(c, call, scope)
    if got is None:
        return ty.ERROR, lambda env: None
    _, lf, item = got
    if item.kind not in ("string", "enum") and not item.loose:
        return c.error(codes.POLICY_TYPE_ERROR,
                       f"`join` needs a list of strings, found a list<{item}>", call.args[0].span,
                       help="turn items into text first: `join(map(xs, x => text(x)), \", \")`")
    sep: Fn = _comma
    if len(call.args) == 2:
        st, sep = c.expr(call.args[1], scope)
        if st.kind != "string" and not st.loose:
            return c.error(codes.POLICY_TYPE_ERROR,
                           f"the separator of `join` is a string, not {ty.words(st)}", call.args[1].span)
    return ty.STRING, lambda env: env.charge(sep(env).join(str(x) for x in _seq(lf(env), call, env)))


def text(value: Any) -> str:
    """A value written out as a user reads it (lists comma-separated, objects by name)."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Obj):
        return value.name
    if isinstance(value, tuple | list):
        return ", ".join(text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _text(c: Compiling, call: t.Call, scope: Scope) -> Typed:
    _, fn = c.expr(call.args[0], scope)

    def run(env: Env) -> str:
        value = fn(env)
        env.tick(size(value))  # before the work: a list's items are each written out
        return str(env.charge(text(value)))  # and after: the characters written

    return ty.STRING, run


def _plural(c: Compiling, call: t.Call, scope: Scope) -> Typed:
    nt, nf = c.expr(call.args[0], scope)
    wt, wf = c.expr(call.args[1], scope)
    if nt.kind != "number" and not nt.loose:
        return c.error(codes.POLICY_TYPE_ERROR, f"`plural` counts a number, not {ty.words(nt)}", call.args[0].span,
                       "not a number", help='write `plural(len(this.regions), "region")`')
    if wt.kind != "string" and not wt.loose:
        return c.error(codes.POLICY_TYPE_ERROR, f"the word of `plural` is a string, not {ty.words(wt)}",
                       call.args[1].span, "not a string")

    def run(env: Env) -> str:
        n, word = nf(env), str(wf(env))
        return str(env.charge(f"{text(n)} {word}" + ("" if n == 1 else "s")))

    return ty.STRING, run


def _len(c: Compiling, call: t.Call, scope: Scope) -> Typed:
    at, fn = c.expr(call.args[0], scope)
    if at.kind not in ("list", "string", "map") and not at.loose:
        return c.error(codes.POLICY_TYPE_ERROR,
                       f"`len` needs a list, a string or a map, found {ty.words(at)}", call.args[0].span,
                       "has no length")

    def run(env: Env) -> int:
        v = fn(env)
        if v is None:
            raise PolicyRuntimeError(f"`{call.args[0].span.text}` is none", call.args[0].span)
        return len(v)

    return ty.NUMBER, run


def _mapping(name: str) -> Callable[[Compiling, t.Call, Scope], Typed]:
    def comp(c: Compiling, call: t.Call, scope: Scope) -> Typed:
        at, fn = c.expr(call.args[0], scope)
        if at.kind != "map" and not at.loose:
            return c.error(codes.POLICY_TYPE_ERROR,
                           f"`{name}` needs a map, found {ty.words(at)}", call.args[0].span, "not a map")

        def run(env: Env) -> tuple[str, ...]:
            m = fn(env) or {}
            env.tick(len(m))
            return tuple(m.keys() if name == "keys" else m.values())

        return ty.list_of(ty.STRING), run

    return comp


_SPECS: tuple[tuple[str, tuple[int, int], str, str, Callable[[Compiling, t.Call, Scope], Typed]], ...] = (
    ("len", (1, 1), "len(list | string | map)", "number of items or characters", _len),
    ("any", (1, 2), "any(list, x => bool)", "whether one item satisfies the lambda (or is true)",
     _quantifier("any")),
    ("all", (1, 2), "all(list, x => bool)", "whether every item satisfies the lambda (true for an empty list)",
     _quantifier("all")),
    ("count", (1, 2), "count(list, x => bool)", "how many items satisfy the lambda", _quantifier("count")),
    ("sum", (1, 2), "sum(list) or sum(list, x => number | duration | percent)", "total (`0` of the unit if empty)",
     _aggregate("sum")),
    ("min", (1, 2), "min(list) or min(list, x => value)", "smallest value, `none` for an empty list",
     _aggregate("min")),
    ("max", (1, 2), "max(list) or max(list, x => value)", "largest value, `none` for an empty list",
     _aggregate("max")),
    ("first", (1, 1), "first(list)", "first item, `none` for an empty list", _end("first")),
    ("last", (1, 1), "last(list)", "last item, `none` for an empty list", _end("last")),
    ("prev", (1, 1), "prev(wave | stage)", "the wave (stage) before it, or `none`", _neighbour("prev")),
    ("next", (1, 1), "next(wave | stage)", "the wave (stage) after it, or `none`", _neighbour("next")),
    ("contains", (2, 2), "contains(list | string | map, item)", "membership, substring or map key", _contains),
    ("matches", (2, 2), "matches(string, pattern)",
     "whether the RE2 regular expression occurs in the string (a search; anchor with `^…$`)", _matches),
    ("startswith", (2, 2), "startswith(string, prefix)", "whether the string starts with the prefix",
     _affix("startswith")),
    ("endswith", (2, 2), "endswith(string, suffix)", "whether the string ends with the suffix",
     _affix("endswith")),
    ("distinct", (1, 1), "distinct(list)", "the items without repeats, first occurrences in order", _distinct),
    ("flatten", (1, 1), "flatten(list of lists)", "one list of every item, in order", _flatten),
    ("map", (2, 2), "map(list, x => value)", "the lambda's value for each item", _map),
    ("filter", (2, 2), "filter(list, x => bool)", "the items that satisfy the lambda", _filter),
    ("join", (1, 2), "join(list of strings, separator = \", \")", "the strings joined", _join),
    ("text", (1, 1), "text(value)", "the value written out (`1h30m`, `5%`, lists comma-separated, objects by "
     "name)", _text),
    ("plural", (2, 2), "plural(number, word)", "the number and the word, with `s` unless the number is 1 "
     "(`1 region`, `0 targets`)", _plural),
    ("keys", (1, 1), "keys(map)", "the map's keys", _mapping("keys")),
    ("values", (1, 1), "values(map)", "the map's values", _mapping("values")),
)

BUILTINS: dict[str, Builtin] = {name: Builtin(name, arity, usage, doc, fn) for name, arity, usage, doc, fn in _SPECS}
"""Every builtin by name."""

_BUILTIN_USAGE = {name: "usage: " + b.usage for name, b in BUILTINS.items()}
