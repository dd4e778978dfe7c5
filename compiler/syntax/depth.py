"""The nesting-depth limit, checked once after parsing, without recursion.

Every later layer (evaluation, policy compilation, formatting) walks the tree
recursively; bounding the depth here is what makes that safe for any input.
"""

from __future__ import annotations

from typing import assert_never

from ..diagnostics import Sink
from ..diagnostics.codes import builtin as codes
from ..limits import MAX_DEPTH
from . import tree as t

_Node = t.Module | t.Item | t.Expr


def _children(node: _Node) -> tuple[_Node, ...]:
    # Cases in order of how often the kinds occur (a match tries them in turn).
    match node:
        case t.Attribute() | t.Let():
            return (node.value,)
        case (t.NameRef() | t.StringLit() | t.DurationLit() | t.NumberLit() | t.PercentLit() | t.BoolLit()
              | t.NoneLit() | t.ClockLit()):
            return ()
        case t.GetAttr():
            return (node.obj,)
        case t.ListExpr():
            return node.items
        case t.Block():
            return node.body
        case t.MapExpr():
            return tuple(e.value for e in node.entries)
        case t.Call():
            return node.args
        case t.Binary():
            return (node.left, node.right)
        case t.Lambda():
            return (node.body,)
        case t.Unary():
            return (node.operand,)
        case t.Index():
            return (node.obj, node.index)
        case t.Slice():
            return tuple(x for x in (node.obj, node.start, node.stop) if x is not None)
        case t.Module():
            return node.items
        case t.Import() | t.Allow():
            return ()
        case _:
            assert_never(node)


def check_depth(module: t.Module, sink: Sink, *, nested_spans: bool = False) -> bool:
    """Report the first node nested deeper than :data:`MAX_DEPTH`; ``False`` if there is one.

    ``nested_spans`` says that the span of every node's children lies strictly inside its own, as the plain
    parse builds them: the walk then passes over every node too short to hold a nesting that deep.
    """
    if nested_spans and _shallow(module):
        return True
    stack: list[tuple[_Node, int]] = [(module, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            sink.report(
                codes.NESTING_TOO_DEEP, f"nesting deeper than {MAX_DEPTH} levels", node.span.head(), label="too deep",
                help="split the expression with `let` values, or flatten the blocks; no real pipeline "
                     f"nests this deep (the limit is {MAX_DEPTH})",
            )
            return False
        stack.extend((child, depth + 1) for child in _children(node))
    return True


def _shallow(module: t.Module) -> bool:
    """Whether no node of ``module`` is nested deeper than :data:`MAX_DEPTH`, when each node's children lie
    strictly inside its span.

    Then every level of nesting below a node takes at least one character of its span, and a leaf one
    more, so nothing below a node ``n`` characters long at depth ``d`` is deeper than ``d + n - 1``: most
    of a file (attributes, short lists, strings) is passed over without visiting its nodes.
    """
    stack: list[tuple[_Node, int]] = [(item, 1) for item in module.items]
    while stack:
        node, depth = stack.pop()
        span = node.span
        if depth + span.end - span.start - 1 <= MAX_DEPTH:
            continue
        if depth > MAX_DEPTH:
            return False
        stack.extend((child, depth + 1) for child in _children(node))
    return True
