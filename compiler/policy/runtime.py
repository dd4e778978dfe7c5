"""What compiled policy code runs on: the evaluation environment, the closure types, the runtime errors.

The bottom of the policy package: :mod:`~wavec.policy.compile`, :mod:`~wavec.policy.ops` and
:mod:`~wavec.policy.builtins` build closures of these types; the engine runs them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..source import Span
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
    """A rule used more evaluation steps than its budget."""


class Env:
    """Evaluation state: variables (``this``, lambda parameters), the model roots and the step budget."""

    __slots__ = ("limit", "roots", "steps", "vars")

    def __init__(self, roots: Mapping[str, Any], limit: int) -> None:
        self.roots = roots
        self.vars: dict[str, Any] = {}
        self.steps = 0
        self.limit = limit

    def tick(self, n: int = 1) -> None:
        """Count ``n`` steps of work; past the budget the rule stops."""
        self.steps += n
        if self.steps > self.limit:
            raise BudgetExceeded


