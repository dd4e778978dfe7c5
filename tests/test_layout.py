"""The package layout keeps its promises: no import cycles, the layer rules of docs/architecture.md, few lazy imports.

Read from the source with :mod:`ast` (nothing is imported), so a violation is named with its file and line.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "compiler"

# What each package (or root module) may import of wavec, besides itself: the table of docs/architecture.md.
# A package missing here may import nothing of wavec.
MAY_IMPORT: dict[str, set[str]] = {
    "records": set(),  # the one way of declaring a record class: every layer may import it (BASE)
    "source": set(),
    "limits": set(),
    "gcpause": set(),
    "files": {"limits"},
    "importers": {"files", "limits"},
    "plan_format": set(),
    "diagnostics": {"source", "(version)"},
    "lang": {"source"},
    "syntax": {"diagnostics", "lang", "limits", "source"},
    "schedule": {"lang"},
    "semantics": {"diagnostics", "files", "lang", "limits", "schedule", "source", "syntax"},
    "config": {"diagnostics", "semantics"},  # semantics: the schema's target names
    "policy": {"diagnostics", "lang", "semantics", "source", "syntax"},
    "dag": {"semantics"},
    "analysis": {"dag", "diagnostics", "lang", "schedule", "semantics", "source"},
    "targets": {"dag", "diagnostics", "lang", "plan_format", "schedule", "semantics", "source"},
    "scenario": set(),
    "runner": {"lang", "scenario", "schedule"},
    "emulator": {"lang", "plan_format", "runner", "scenario", "schedule"},
    "report": {"analysis", "dag", "diagnostics", "lang", "plan_format", "schedule", "semantics"},  # schedule: windows
    "docgen": {"diagnostics", "policy", "semantics"},
    "api": {"config", "dag", "diagnostics", "files", "gcpause", "plan_format", "policy", "semantics", "source",
            "targets"},
    "deploy": {"targets"},  # the plan and apply of a bundle the codepipeline target built
    "lsp": {"api", "config", "diagnostics", "files", "semantics", "source", "syntax", "(version)"},
    "cli": {"*"},
    "__main__": {"cli"},
    "(version)": {"api"},  # the package re-exports the API lazily (PEP 562)
}
# Modules below every layer, importable from anywhere.
BASE = {"records"}
# Libraries whose import costs start-up time: the only ones imported inside functions (tests/test_startup.py).
HEAVY = {"networkx", "boto3", "botocore", "jinja2", "rich", "moto", "pathspec"}
# What a clean `wavec check` does not use and so imports only where it is needed (docs/performance.md, start-up;
# tests/test_startup.py asserts they stay out): the standard library's and wavec's own.
KEPT_OUT_OF_CHECK = {"json", "tomllib", "difflib", "re2", "calendar", "zoneinfo", "wavec.targets", "wavec.dag",
                     "wavec.docgen", "wavec.diagnostics.render"}
MAX_FUNCTION_LEVEL_IMPORTS = 45


@dataclass(frozen=True)
class Import:
    """One import statement of a wavec module: who imports what, where, and whether it runs at import time."""

    module: str
    target: str
    line: int
    in_function: bool
    type_only: bool


def _modules() -> dict[str, tuple[Path, bool]]:
    out: dict[str, tuple[Path, bool]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        out[".".join(["wavec", *parts])] = (path, is_package)
    return out


MODULES = _modules()


def _imports() -> Iterator[Import]:
    for name, (path, is_package) in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        yield from _walk(name, is_package, tree.body, in_function=False, type_only=False)


def _walk(name: str, is_package: bool, body: list[ast.stmt], *, in_function: bool, type_only: bool) -> Iterator[Import]:
    for node in body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(name, alias.name, node.lineno, in_function, type_only)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(name, is_package, node)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                yield Import(name, sub if sub in MODULES else base, node.lineno, in_function, type_only)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from _walk(name, is_package, node.body, in_function=True, type_only=type_only)
        elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from _walk(name, is_package, node.body, in_function=in_function, type_only=True)
            yield from _walk(name, is_package, node.orelse, in_function=in_function, type_only=type_only)
        else:
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                inner = getattr(node, field, None)
                if isinstance(inner, list):
                    stmts = [s for s in inner if isinstance(s, ast.stmt)]
                    for holder in inner:
                        if isinstance(holder, ast.ExceptHandler | ast.match_case):
                            stmts.extend(holder.body)
                    yield from _walk(name, is_package, stmts, in_function=in_function, type_only=type_only)


def _resolve(name: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = name.split(".") if is_package else name.split(".")[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


IMPORTS = list(_imports())


def _area(module: str) -> str:
    """``wavec.semantics.lower.module`` → ``semantics``; the package's own ``__init__`` → ``(version)``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "(version)"


def _own(imp: Import) -> bool:
    return imp.target == "wavec" or imp.target.startswith("wavec.")


def test_the_package_has_no_import_cycle() -> None:
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(MODULES)
    graph.add_edges_from((i.module, i.target) for i in IMPORTS if _own(i) and not i.type_only)
    cycles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert not cycles, f"import cycles: {cycles}"


def test_every_package_imports_only_the_layers_below_it() -> None:
    wrong = []
    for imp in IMPORTS:
        if not _own(imp):
            continue
        here, there = _area(imp.module), _area(imp.target)
        allowed = MAY_IMPORT.get(here, set())
        if here != there and "*" not in allowed and there not in allowed and there not in BASE:
            wrong.append(f"{imp.module}:{imp.line} imports {imp.target} ({here} may import {sorted(allowed)})")
    assert not wrong, "\n".join(wrong)


def _kept_out_of_check(target: str) -> bool:
    return any(target == m or target.startswith(m + ".") for m in KEPT_OUT_OF_CHECK)


def test_function_level_imports_are_only_of_heavy_libraries() -> None:
    lazy = [i for i in IMPORTS if i.in_function and not i.type_only]
    wrong = [f"{i.module}:{i.line} imports {i.target} inside a function" for i in lazy
             if i.target.split(".")[0] not in HEAVY and not _kept_out_of_check(i.target)
             and not (_own(i) and MODULES[i.module][1])]
    assert not wrong, "\n".join(wrong)
    assert len(lazy) <= MAX_FUNCTION_LEVEL_IMPORTS


@pytest.mark.parametrize("package", sorted({_area(m) for m in MODULES} - {"(version)"}))
def test_every_package_is_in_the_layer_table(package: str) -> None:
    assert package in MAY_IMPORT, f"add `{package}` to MAY_IMPORT and to the table of docs/architecture.md"
