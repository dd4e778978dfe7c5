"""The registry of built-in diagnostic codes.

Every code the compiler can emit is declared once, with its title, default
severity and the documentation ``wavec explain`` prints and ``docs/rules.md``
is generated from (What it does / Why is this bad? / Example / Use instead, in
the style of ruff). Areas declare their codes in their own module here and
are listed in :data:`_MODULES`; policy rules written in `.wave` are not here,
they come from the loaded policies.

Each code is a module-level constant named for what it means, and call sites
report the constant, never its id as a string::

    from ..diagnostics.codes import builtin as codes

    sink.report(codes.UNKNOWN_NAME, f"unknown name `{name}`", span)

An area module ends with ``CODES = collect(globals())``, so every constant it
declares is in the registry, and a code that is not declared cannot be named.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from ..model import Severity

# One module per area: WV0xx syntax, WV1xx names and types, WV2xx graph, WV9xx targets.
_MODULES = ("builtin", "analysis", "codepipeline", "policy", "local")

# What a code's example and fix are: a whole file, or the body of a pipeline, a stage or a wave.
CONTEXTS = ("file", "pipeline", "stage", "wave")


@dataclass(frozen=True, slots=True)
class Code:
    """A built-in diagnostic code and its documentation; ``code`` is its id (``"WV108"``)."""

    code: str
    title: str
    severity: Severity
    what: str
    why: str
    example: str
    fix: str
    area: str = "builtin"
    context: str = "file"
    """What the example and the fix are: ``file`` (a whole `.wave` file), ``pipeline``, ``stage`` or ``wave``
    (the body of one; docs/rules.md marks them ``<!-- wave: fragment … -->`` and the tests wrap them in a
    minimal pipeline). A block in parentheses, ``(a 20 MiB generated file)``, describes input that cannot
    be shown."""


class CodeMaker(Protocol):
    """Builds the codes of one area: ``make(code, title, what, why, example, fix[, severity][, context=…])``."""

    def __call__(self, code: str, title: str, what: str, why: str, example: str, fix: str,
                 severity: Severity | None = None, *, context: str = "file") -> Code: ...


def maker(area: str, default: Severity) -> CodeMaker:
    """A constructor of the codes of ``area`` whose severity is ``default`` unless given."""

    def make(code: str, title: str, what: str, why: str, example: str, fix: str,
             severity: Severity | None = None, *, context: str = "file") -> Code:
        if context not in CONTEXTS:
            raise ValueError(f"{code}: unknown example context {context!r}")
        return Code(code, title, severity or default, what, why, example.strip("\n"), fix.strip("\n"), area=area,
                    context=context)

    return make


def collect(namespace: Mapping[str, object]) -> tuple[Code, ...]:
    """The codes bound to names in an area module (``CODES = collect(globals())``), in declaration order."""
    return tuple(value for value in namespace.values() if isinstance(value, Code))


_registry: dict[str, Code] | None = None


def registry() -> dict[str, Code]:
    """Every built-in code, sorted by code."""
    global _registry
    if _registry is None:
        found: dict[str, Code] = {}
        for name in _MODULES:
            module = importlib.import_module(f"{__name__}.{name}")
            for code in module.CODES:
                if code.code in found:
                    raise RuntimeError(f"diagnostic code {code.code} declared twice")
                found[code.code] = code
        _registry = dict(sorted(found.items()))
    return _registry


def lookup(code: str) -> Code | None:
    """The built-in code of that name, if there is one."""
    return registry().get(code)
