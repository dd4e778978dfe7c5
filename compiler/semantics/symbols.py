"""What names can stand for during evaluation: symbols, module values, scopes, and the error marker."""

from __future__ import annotations

from typing import Any

from ..records import field, record
from ..source import Span
from ..syntax import tree as t
from . import ir


class _Err:
    """The value of an expression that already produced a diagnostic (stops cascades)."""

    _instance: _Err | None = None

    def __new__(cls) -> _Err:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ERR"


ERR: Any = _Err()



@record
class Symbol:
    """A named thing an expression can refer to; ``obj`` is its IR object when already lowered."""

    kind: str
    name: str
    span: Span
    obj: Any = None

    @property
    def identity(self) -> tuple[str, str]:
        """What list difference (:func:`wavec.lang.operators.item_key`) compares a symbol by."""
        return (self.kind, self.name)


@record
class ModuleValue:
    """An imported module used as a value (``policies = [hands_off]``)."""

    name: str
    module: ir.Module

    @property
    def identity(self) -> tuple[str, str]:
        """What list difference (:func:`wavec.lang.operators.item_key`) compares a module by."""
        return ("module", self.name)


@record(frozen=False)
class Scope:
    """What names mean in one place: the pipeline's blocks, the file's top level, its imports."""

    lets: dict[str, t.Let]
    top: dict[str, dict[str, Symbol]]
    imports: dict[str, ir.Module]
    failed: frozenset[str] = frozenset()
    pipeline: dict[str, dict[str, Symbol]] = field(default_factory=dict)
    stage_steps: dict[str, Symbol] = field(default_factory=dict)
    let_values: dict[str, Any] = field(default_factory=dict)
    evaluating: list[str] = field(default_factory=list)

    def find(self, name: str, kind: str | None) -> Symbol | None:
        """Resolve ``name``: steps of the stage, the pipeline, the top level; the wanted kind first."""
        layers = (self.pipeline, self.top)
        if kind == "step":
            return self.stage_steps.get(name)
        if kind is not None:
            for layer in layers:
                hit = layer.get(kind, {}).get(name)
                if hit is not None:
                    return hit
        for layer in layers:
            for symbols in layer.values():
                hit = symbols.get(name)
                if hit is not None:
                    return hit
        return self.stage_steps.get(name)

    def known_names(self) -> list[str]:
        """Every name visible here (for suggestions)."""
        names = set(self.lets) | set(self.imports) | set(self.stage_steps)
        for layer in (self.pipeline, self.top):
            for symbols in layer.values():
                names |= set(symbols)
        return sorted(names)
