"""What compiled policy code runs on: the evaluation environment, the closure types, the runtime errors.

The bottom of the policy package: :mod:`~wavec.policy.compile`, :mod:`~wavec.policy.ops` and
:mod:`~wavec.policy.builtins` build closures of these types; the engine runs them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from ..diagnostics.codes import Code
from ..source import Span
from ..syntax import tree as t
from .types import PType

Fn = Callable[["Env"], Any]
Typed = tuple[PType, Fn]
LambdaFn = Callable[["Env", Any], Any]


class PolicyRuntimeError(Exception):
    """A rule could not be evaluated for an item (attribute of none, index out of range, …)."""

    def __init__(self, message: str, span: Span) -> None:
        super().__init__(message)
        self.message = message
        self.span = span


class BudgetExceeded(Exception):
    """A rule did more work than its budget."""


def size(value: Any) -> int:
    """The work of reading, copying or comparing ``value`` once: its length for a string, list or map, else 1."""
    return len(value) if isinstance(value, str | tuple | list | dict) else 1


class Env:
    """Evaluation state: variables (``this``, lambda parameters), the model roots and the work budget.

    The budget counts *cost*, not steps: each evaluation step costs 1, and an operation whose work grows with
    its values costs their size (``text`` of a list the characters it writes, ``+`` of strings the length of
    the result, ``==`` of lists their length), so no one step can take the time of a million.
    """

    __slots__ = ("limit", "roots", "steps", "vars")

    def __init__(self, roots: Mapping[str, Any], limit: int) -> None:
        self.roots = roots
        self.vars: dict[str, Any] = {}
        self.steps = 0
        self.limit = limit

    def tick(self, n: int = 1) -> None:
        """Count ``n`` units of work; past the budget the rule stops."""
        self.steps += n
        if self.steps > self.limit:
            raise BudgetExceeded

    def charge(self, value: Any) -> Any:
        """Count the :func:`size` of ``value`` (a result just made) and return it."""
        self.tick(size(value))
        return value


class Compiling(Protocol):
    """What operators and builtins need of the compiler that calls them (:class:`~wavec.policy.compile.Compiler`).

    A protocol, so :mod:`.ops` and :mod:`.builtins` depend on this module only and the compiler on them — no
    cycle, not even one of types.
    """

    consts: dict[str, tuple[PType, Any]]

    def error(self, code: Code, message: str, span: Span, label: str = "", help: str | None = None) -> Typed:
        """Report a compile-time error; the expression gets the ``error`` type."""
        ...

    def expr(self, e: t.Expr, scope: Mapping[str, PType]) -> Typed:
        """Type-check and compile an expression."""
        ...

    def lam(self, e: t.Expr, param: PType, scope: Mapping[str, PType]) -> tuple[PType, LambdaFn] | None:
        """Compile a one-parameter lambda, or ``None`` when ``e`` is not one."""
        ...
