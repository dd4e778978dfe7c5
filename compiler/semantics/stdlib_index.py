"""The modules of the standard library shipped in the package, by import path."""

from __future__ import annotations

from functools import cache
from importlib import resources

STD_PREFIX = "std/"


@cache
def _modules() -> tuple[str, ...]:
    out: list[str] = []

    def walk(node: resources.abc.Traversable, prefix: str) -> None:
        for child in node.iterdir():
            if child.is_dir() and not child.name.startswith("__"):
                walk(child, prefix + child.name + "/")
            elif child.name.endswith(".wave"):
                out.append(STD_PREFIX + prefix + child.name.removesuffix(".wave"))

    walk(resources.files("wavec.stdlib"), "")
    return tuple(sorted(out))


def std_modules() -> list[str]:
    """Import paths of every module in the standard library."""
    return list(_modules())


def std_binding(name: str) -> str | None:
    """The import path of the standard module that ``import`` binds to ``name`` (``windows`` →
    ``std/windows``), or ``None``."""
    for spec in _modules():
        if spec.rsplit("/", 1)[-1] == name:
            return spec
    return None
