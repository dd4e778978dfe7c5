"""The arithmetic operators both expression languages share: one table for ``+ - * /`` and unary ``-``.

For each operator and pair of operand kinds, :data:`BINARY` holds the kind of the result and the function
computing it; a pair that is not in the table is refused, and :func:`refusal_help` says how to fix it.
Attribute evaluation (:mod:`wavec.semantics.evaluate`) applies the functions to compile-time values;
the policy compiler (:mod:`wavec.policy.ops`) type-checks with the result kinds and runs the same
functions when a rule is evaluated. ``docs/language.md`` documents the table and
``tests/test_operators.py`` holds both paths and the documentation to it.

The decisions, in short: units are kinds of their own. A duration or a percent adds to and subtracts
from its own kind, is scaled by a number, and divided by its own kind gives a plain number
(``1h / 30m`` is ``2``). Clocks, bools, enum members, maps, blocks and ``none`` do no arithmetic.
``+`` joins two strings or two lists, ``-`` removes the items of one list from another. A division by
zero, or a result too large to be a number, is an :class:`OperatorError`, never a Python exception.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping
from typing import Any, Literal, get_args

from .values import Clock, Duration, EnumMember, Percent, Template

Kind = Literal["number", "string", "bool", "duration", "percent", "clock", "list", "map", "enum", "none", "object"]
"""What an operand is, as far as the operators care; ``object`` is a block or a policy-model object."""

KINDS: tuple[Kind, ...] = get_args(Kind)

BinaryOp = Literal["+", "-", "*", "/"]
BINARY_OPS: tuple[BinaryOp, ...] = get_args(BinaryOp)

VERBS: dict[str, str] = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide"}
"""How a refusal names the operator: ``cannot add a duration and a number``."""

LARGEST = 2**53
"""The largest magnitude an arithmetic result may have: every whole number up to it is exact as a float,
and no deployment needs more. A bound also keeps a chain of ``let`` products from growing without end."""

DIVIDES_BY_ZERO = "division by zero"
OVERFLOWS = f"overflow: results are at most {LARGEST:,} in size"


def failure(expression: str, reason: str) -> str:
    """The message of an :class:`OperatorError` that names the expression (a policy's run-time error)."""
    shown = f"`{expression}`" if len(expression) <= 60 and "\n" not in expression else "an expression"
    return f"{shown}: {reason}"


class OperatorError(Exception):
    """Operands of the right kinds whose result does not exist: a division by zero, an overflow.

    ``reason`` says what went wrong (``division by zero``); the caret or :func:`failure` shows where.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# Plain slotted classes, not dataclasses: the table is imported by every `wavec check`, and start-up counts.
class Rule:
    """One allowed combination: the kind of the result and the function computing it from the values."""

    __slots__ = ("compute", "result")

    def __init__(self, result: Kind, compute: Callable[[Any, Any], Any]) -> None:
        self.result = result
        self.compute = compute


class UnaryRule:
    """Unary minus on one kind: the kind of the result and the function computing it."""

    __slots__ = ("compute", "result")

    def __init__(self, result: Kind, compute: Callable[[Any], Any]) -> None:
        self.result = result
        self.compute = compute


def kind_of(value: object) -> Kind:
    """The operand kind of a value of either language (attribute strings are templates, policy ones ``str``)."""
    if value is None:
        return "none"
    if isinstance(value, bool):  # before numbers: a bool is an int to Python, not to wave
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str | Template):
        return "string"
    if isinstance(value, Duration):
        return "duration"
    if isinstance(value, Percent):
        return "percent"
    if isinstance(value, Clock):
        return "clock"
    if isinstance(value, EnumMember):
        return "enum"
    if isinstance(value, tuple | list):
        return "list"
    if isinstance(value, Mapping):
        return "map"
    return "object"


# ------------------------------------------------------------------ computing


def _bounded(x: int | float) -> int | float:
    if (isinstance(x, float) and not math.isfinite(x)) or abs(x) > LARGEST:
        raise OperatorError(OVERFLOWS)
    return x


def _checked(f: Callable[..., Any]) -> Callable[..., Any]:
    """``f`` with Python's overflow (an int too large for a float) turned into an :class:`OperatorError`."""
    def run(*args: Any) -> Any:
        try:
            return f(*args)
        except OverflowError:
            raise OperatorError(OVERFLOWS) from None
    return run


def _seconds(x: float) -> Duration:
    # Durations are whole seconds: a scaled or divided duration is rounded (half to even, as Python does).
    return Duration(round(_bounded(x)))


def _percent(x: float) -> Percent:
    return Percent(float(_bounded(x)))


def _divisor(x: int | float) -> int | float:
    if x == 0:
        raise OperatorError(DIVIDES_BY_ZERO)
    return x


def _quotient(a: int | float, b: int | float) -> int | float:
    # Whole numbers that divide evenly give a whole number (`12 / 4` fits `parallel`); otherwise a decimal.
    if type(a) is int and type(b) is int and b != 0 and a % b == 0:
        return _bounded(a // b)
    return _bounded(a / _divisor(b))


def _parts(s: str | Template) -> tuple[Any, ...]:
    return s.parts if isinstance(s, Template) else (s,)


def _join(a: str | Template, b: str | Template) -> str | Template:
    """Two strings joined; attribute strings keep their interpolations (a :class:`Template`)."""
    if isinstance(a, str) and isinstance(b, str):
        return a + b
    return Template(_parts(a) + _parts(b), a.span if isinstance(a, Template) else None)


def item_key(value: Any) -> Hashable:
    """What list difference compares items by.

    Strings by their text (an attribute string remembers where it was written; that is not part of its
    value) — and an enum member counts as the text of its name, as it does in policies, where enum values
    are strings. Lists and maps by their items. A value with an ``identity`` (a block referred to by name)
    by that; anything else by its value when hashable, or else by the object itself.
    """
    if isinstance(value, Template):
        return ("string", value.text)
    if isinstance(value, str):
        return ("string", value)
    if isinstance(value, EnumMember):
        return ("string", value.name)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, tuple | list):
        return ("list", tuple(item_key(v) for v in value))
    if isinstance(value, Mapping):
        return ("map", tuple(sorted((str(k), item_key(v)) for k, v in value.items())))
    identity = getattr(value, "identity", None)
    if identity is not None:
        return ("object", identity)
    try:
        hash(value)
    except TypeError:
        return ("id", id(value))
    return ("value", value)


def _remove(a: tuple[Any, ...], b: tuple[Any, ...]) -> tuple[Any, ...]:
    drop = {item_key(x) for x in b}
    return tuple(x for x in a if item_key(x) not in drop)


_N: Kind = "number"
_D: Kind = "duration"
_P: Kind = "percent"

_RULES: dict[tuple[BinaryOp, Kind, Kind], Rule] = {
    # numbers
    ("+", _N, _N): Rule(_N, lambda a, b: _bounded(a + b)),
    ("-", _N, _N): Rule(_N, lambda a, b: _bounded(a - b)),
    ("*", _N, _N): Rule(_N, lambda a, b: _bounded(a * b)),
    ("/", _N, _N): Rule(_N, lambda a, b: _quotient(a, b)),
    # durations: with durations (+ -), scaled by numbers (* /), a ratio of two is a number
    ("+", _D, _D): Rule(_D, lambda a, b: _seconds(a.seconds + b.seconds)),
    ("-", _D, _D): Rule(_D, lambda a, b: _seconds(a.seconds - b.seconds)),
    ("*", _D, _N): Rule(_D, lambda a, n: _seconds(a.seconds * n)),
    ("*", _N, _D): Rule(_D, lambda n, b: _seconds(n * b.seconds)),
    ("/", _D, _N): Rule(_D, lambda a, n: _seconds(a.seconds / _divisor(n))),
    ("/", _D, _D): Rule(_N, lambda a, b: _quotient(a.seconds, b.seconds)),
    # percents: the same rules as durations
    ("+", _P, _P): Rule(_P, lambda a, b: _percent(a.value + b.value)),
    ("-", _P, _P): Rule(_P, lambda a, b: _percent(a.value - b.value)),
    ("*", _P, _N): Rule(_P, lambda a, n: _percent(a.value * n)),
    ("*", _N, _P): Rule(_P, lambda n, b: _percent(n * b.value)),
    ("/", _P, _N): Rule(_P, lambda a, n: _percent(a.value / _divisor(n))),
    ("/", _P, _P): Rule(_N, lambda a, b: _bounded(a.value / _divisor(b.value))),
    # text and lists
    ("+", "string", "string"): Rule("string", _join),
    ("+", "list", "list"): Rule("list", lambda a, b: tuple(a) + tuple(b)),
    ("-", "list", "list"): Rule("list", lambda a, b: _remove(tuple(a), tuple(b))),
}

BINARY: Mapping[tuple[str, str, str], Rule] = {
    key: Rule(rule.result, _checked(rule.compute)) for key, rule in _RULES.items()
}
"""``(operator, left kind, right kind)`` → the rule; every pair not here is refused."""

UNARY: Mapping[str, UnaryRule] = {
    _N: UnaryRule(_N, lambda a: -a),
    _D: UnaryRule(_D, lambda a: Duration(-a.seconds)),
    _P: UnaryRule(_P, lambda a: Percent(-a.value)),
}
"""Unary minus: operand kind → the rule; every other kind is refused."""


def binary(op: str, left: str, right: str) -> Rule | None:
    """The rule for ``left op right`` (kinds as :data:`Kind` names), ``None`` when the operator refuses them."""
    return BINARY.get((op, left, right))


def negation(kind: str) -> UnaryRule | None:
    """The rule for ``-operand``, ``None`` when the kind does not negate."""
    return UNARY.get(kind)


# ------------------------------------------------------------------ refusals


def kind_words(value: object) -> str:
    """A value's kind as prose, for refusals found at run time: ``a duration``, ``an enum``."""
    kind = kind_of(value)
    return ("an " if kind[0] in "aeiou" else "a ") + kind


def refusal(op: str, left: str, right: str) -> str:
    """The message of a refused ``left op right``, with the operands in the caller's words."""
    if op == "-":
        return f"cannot subtract {right} from {left}"
    if op in ("*", "/"):
        return f"cannot {VERBS[op]} {left} by {right}"
    return f"cannot {VERBS[op]} {left} and {right}"


_UNIT_HELP: dict[str, str] = {
    # + and - with a number: the words policies use for comparisons, as the mistake is the same (a missing unit)
    "duration": "durations compare and add with durations: write the number with a unit (`30m`, `2h`)",
    "percent": "percents compare and add with percents: write `5%`, not `5` or `0.05`",
}
_SAME_KIND_HELP: dict[str, str] = {
    "duration": "a duration adds to and subtracts from a duration (`1h + 30m`)",
    "percent": "a percent adds to and subtracts from a percent (`5% + 5%`)",
}
_SCALE_HELP = ("a duration or a percent is scaled by a number (`2 * 30m`, `5% * 2`); "
               "two of them do not multiply")
_DIVIDE_HELP = ("a duration or a percent divides by a number (`1h / 4`) or by its own kind, "
                "which gives a number (`1h / 30m`)")
_KIND_HELP: dict[str, str] = {
    "none": "`none` is no value to compute with; in a rule, guard with `x != none`",
    "clock": "a time of day does no arithmetic: write the time you mean (`09:30`)",
    "bool": "`true` and `false` do no arithmetic; in a rule, combine them with `and`, `or`, `not`",
    "enum": "an enum member is a name, not text or a number; in a rule, `text(x)` turns it into text",
    "map": "maps do no arithmetic; write the map you mean",
    "object": "a block is not a value to compute with; in a rule, use one of its attributes",
    "string": "`+` joins two strings; to put a value in a string, interpolate a `let` (`\"v${n}\"`) or, in a "
              "rule, use `text(x)`",
    "list": "`+` joins two lists and `-` removes the items of one list from another; "
            "wrap a single item in brackets: `[x]`",
}
# The first kind of this order present among the operands decides the help: the most specific mistake first.
_HELP_ORDER = ("none", "clock", "duration", "percent", "bool", "enum", "map", "list", "string", "object")


def refusal_help(op: str, left: str, right: str) -> str | None:
    """How to fix a refused ``left op right``: what the operator does combine."""
    for kind in _HELP_ORDER:
        if kind not in (left, right):
            continue
        if kind in ("duration", "percent"):
            if op == "*":
                return _SCALE_HELP
            if op == "/":
                return _DIVIDE_HELP
            return _UNIT_HELP[kind] if "number" in (left, right) else _SAME_KIND_HELP[kind]
        return _KIND_HELP[kind]
    return None


def negation_refusal(operand: str) -> str:
    """The message of a refused ``-operand``, with the operand in the caller's words."""
    return f"cannot negate {operand}"


NEGATION_HELP = "`-` negates a number, a duration or a percent"
