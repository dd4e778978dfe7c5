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
from typing import Protocol

from ...records import record
from ..model import Severity

# One module per area: WV0xx syntax, WV1xx names and types, WV2xx graph, WV9xx targets.
_MODULES = ("builtin", "analysis", "codepipeline", "policy", "local")

# What a code's example and fix are: a whole file, or the body of a pipeline, a stage or a wave.
CONTEXTS = ("file", "pipeline", "stage", "wave")

# SARIF's `precision` property bag values (GitHub code scanning shows and filters by them).
PRECISIONS = ("very-high", "high", "medium", "low")


@record
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
    security: str | None = None
    """The ``security-severity`` score (``"0.1"``…``"10.0"``, CVSS-like) of a security rule, ``None`` for every
    other code. A security rule reports something that exposes credentials or files to people who should not
    read them; SARIF tags it ``security`` and GitHub code scanning ranks it low/medium/high/critical by it."""
    precision: str = "very-high"
    """How often a finding is a true one, in SARIF's ``precision`` words: ``very-high`` for the exact checks
    (the grammar, the schema, the service's limits), ``high`` for a heuristic (a pattern that looks like a
    credential)."""


class CodeMaker(Protocol):
    """Builds the codes of one area: ``make(code, title, what, why, example, fix[, severity][, context=…])``."""

    def __call__(self, code: str, title: str, what: str, why: str, example: str, fix: str,
                 severity: Severity | None = None, *, context: str = "file", security: str | None = None,
                 precision: str = "very-high") -> Code: ...


def maker(area: str, default: Severity) -> CodeMaker:
    """A constructor of the codes of ``area`` whose severity is ``default`` unless given."""

    def make(code: str, title: str, what: str, why: str, example: str, fix: str,
             severity: Severity | None = None, *, context: str = "file", security: str | None = None,
             precision: str = "very-high") -> Code:
        if context not in CONTEXTS:
            raise ValueError(f"{code}: unknown example context {context!r}")
        if precision not in PRECISIONS:
            raise ValueError(f"{code}: unknown precision {precision!r}")
        if security is not None and not 0.0 < float(security) <= 10.0:
            raise ValueError(f"{code}: security severity {security!r} is not a score in (0, 10]")
        return Code(code, title, severity or default, what, why, example.strip("\n"), fix.strip("\n"), area=area,
                    context=context, security=security, precision=precision)

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
