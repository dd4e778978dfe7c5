"""Quick fixes: the edit that clears a diagnostic, where there is exactly one.

Most come with the diagnostic (:class:`wavec.diagnostics.model.Fix`, read from its help by
:mod:`wavec.diagnostics.fixes`); one is the editor's own: a name of a standard library module used without
its import (``windows.business_hours`` with no ``import "std/windows"``) gets the import added.
"""

from __future__ import annotations

import re
from functools import cache

from ..diagnostics.codes import builtin as codes
from ..semantics.loader import std_modules
from .incremental import Found

Edit = tuple[int, int, str, str]
"""``(start, end, replacement, title)`` in the buffer."""

_UNKNOWN_NAME = re.compile(r"unknown name `([A-Za-z_][A-Za-z0-9_]*)`\Z")
_IMPORT_LINE = re.compile(r'^import[ \t]+"[^"\n]*"[^\n]*\n?', re.MULTILINE)


@cache
def std_bindings() -> dict[str, str]:
    """The name each standard library module binds, to its import path (``windows`` → ``std/windows``)."""
    return {m.rsplit("/", 1)[-1]: m for m in std_modules()}


def quick_fixes(text: str, found: Found) -> list[Edit]:
    """The one fix of ``found`` in ``text``, as a list of none or one edit."""
    if found.fix is not None:
        return [found.fix]
    if found.code == codes.UNKNOWN_NAME.code:
        named = _UNKNOWN_NAME.match(found.message)
        module = std_bindings().get(named.group(1)) if named is not None else None
        if module is not None and text[found.end : found.end + 1] == ".":
            at = 0
            for m in _IMPORT_LINE.finditer(text):
                at = m.end()  # below the last import, so the imports stay together
            line = f'import "{module}"\n'
            if at and not text[:at].endswith("\n"):
                line = "\n" + line
            return [(at, at, line, f'Add `import "{module}"`')]
    return []
