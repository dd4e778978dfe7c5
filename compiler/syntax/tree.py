"""The syntax tree: small frozen node classes, each with the span it was parsed from.

The tree is generic in the HCL style (blocks, attributes, ``import``/``let``/
``allow`` statements, expressions); what a block or attribute *means* is the
schema's business (:mod:`wavec.semantics.schema`), not the parser's.
"""

from __future__ import annotations

from ..records import record
from ..source import Span


@record
class Ident:
    """A name as written, with its span (block types, labels, attribute names)."""

    value: str
    span: Span


# ----------------------------------------------------------------- expressions


@record
class Interp:
    """A ``${name}`` inside a string literal."""

    name: str
    span: Span


@record
class StringLit:
    """A string literal; ``parts`` alternate decoded text and interpolations."""

    parts: tuple[str | Interp, ...]
    span: Span

    @property
    def is_plain(self) -> bool:
        """Whether the string has no interpolation."""
        return all(isinstance(p, str) for p in self.parts)

    @property
    def value(self) -> str:
        """The text with interpolations written back as ``${name}``."""
        return "".join(p if isinstance(p, str) else "${" + p.name + "}" for p in self.parts)


@record
class NumberLit:
    """An integer or decimal number."""

    value: int | float
    span: Span


@record
class DurationLit:
    """A duration such as ``1h30m``, in seconds."""

    seconds: int
    span: Span


@record
class PercentLit:
    """A percentage such as ``0.5%``; ``value`` is the number before ``%``."""

    value: float
    span: Span


@record
class ClockLit:
    """A time of day ``HH:MM``, in minutes after midnight."""

    minutes: int
    span: Span


@record
class BoolLit:
    """``true`` or ``false``."""

    value: bool
    span: Span


@record
class NoneLit:
    """``none``."""

    span: Span


@record
class NameRef:
    """A bare name in an expression."""

    name: str
    span: Span


@record
class ListExpr:
    """``[a, b, c]``."""

    items: tuple[Expr, ...]
    span: Span


@record
class MapEntry:
    """``key = value`` inside a map; the key was a name or a string."""

    key: str
    key_span: Span
    value: Expr


@record
class MapExpr:
    """``{ key = value, … }``."""

    entries: tuple[MapEntry, ...]
    span: Span


@record
class GetAttr:
    """``obj.name``."""

    obj: Expr
    name: Ident
    span: Span


@record
class Index:
    """``obj[index]``."""

    obj: Expr
    index: Expr
    span: Span


@record
class Slice:
    """``obj[start:stop]`` with either bound optional."""

    obj: Expr
    start: Expr | None
    stop: Expr | None
    span: Span


@record
class Call:
    """``func(args…)``: a builtin call (policies only)."""

    func: Ident
    args: tuple[Expr, ...]
    span: Span


@record
class Lambda:
    """``param => body`` (policies only)."""

    param: Ident
    body: Expr
    span: Span


@record
class Unary:
    """``-x`` or ``not x``."""

    op: str
    operand: Expr
    span: Span


@record
class Binary:
    """A binary operation; ``op`` is one of ``or and == != < <= > >= in not_in + - * /``."""

    op: str
    left: Expr
    right: Expr
    span: Span


Expr = (
    StringLit
    | NumberLit
    | DurationLit
    | PercentLit
    | ClockLit
    | BoolLit
    | NoneLit
    | NameRef
    | ListExpr
    | MapExpr
    | GetAttr
    | Index
    | Slice
    | Call
    | Lambda
    | Unary
    | Binary
)

# ------------------------------------------------------------------ statements


@record
class Import:
    """``import "path" [as name]``."""

    path: StringLit
    alias: Ident | None
    span: Span


@record
class Let:
    """``let name = expr``."""

    name: Ident
    value: Expr
    span: Span


@record
class Allow:
    """``allow CODE "reason"``: suppress a rule for the enclosing block."""

    code: Ident
    reason: StringLit
    span: Span


@record
class Attribute:
    """``name = expr``."""

    name: Ident
    value: Expr
    span: Span


@record
class Block:
    """``type label* { body }``; labels are names or strings as written."""

    type: Ident
    labels: tuple[Ident | StringLit, ...]
    body: tuple[Item, ...]
    span: Span
    damaged: bool = False
    """Part of the body was dropped by syntax-error recovery: what seems missing may be what was dropped."""

    @property
    def header(self) -> Span:
        """The span of ``type label*``: what a diagnostic about the whole block underlines."""
        end = self.labels[-1].span if self.labels else self.type.span
        return self.type.span.to(end)


Item = Import | Let | Allow | Attribute | Block


@record
class Module:
    """A parsed file: its top-level items in order."""

    items: tuple[Item, ...]
    span: Span
    lost_names: frozenset[str] = frozenset()
    """Names written in text that syntax-error recovery dropped: an unknown one may be defined there."""
