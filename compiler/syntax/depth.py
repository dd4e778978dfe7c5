"""The nesting-depth limit, checked once after parsing, without recursion.

Every later layer (evaluation, policy compilation, formatting) walks the tree
recursively; bounding the depth here is what makes that safe for any input.
"""

from __future__ import annotations

from typing import Any

from ..diagnostics import Sink
from ..diagnostics.codes import builtin as codes
from ..limits import MAX_DEPTH
from . import tree as t


def _children(node: Any) -> tuple[Any, ...]:
    if isinstance(node, t.Module):
        return node.items
    if isinstance(node, t.Block):
        return node.body
    if isinstance(node, t.Attribute | t.Let):
        return (node.value,)
    if isinstance(node, t.ListExpr):
        return node.items
    if isinstance(node, t.MapExpr):
        return tuple(e.value for e in node.entries)
    if isinstance(node, t.GetAttr):
        return (node.obj,)
    if isinstance(node, t.Index):
        return (node.obj, node.index)
    if isinstance(node, t.Slice):
        return tuple(x for x in (node.obj, node.start, node.stop) if x is not None)
    if isinstance(node, t.Call):
        return node.args
    if isinstance(node, t.Lambda):
        return (node.body,)
    if isinstance(node, t.Unary):
        return (node.operand,)
    if isinstance(node, t.Binary):
        return (node.left, node.right)
    return ()


def check_depth(module: t.Module, sink: Sink) -> bool:
    """Report the first node nested deeper than :data:`MAX_DEPTH`; ``False`` if there is one."""
    stack: list[tuple[Any, int]] = [(module, 0)]
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
