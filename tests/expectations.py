"""Inline expectations in fixture files, shared by every fixture test.

A line ending in ``# expect: CODE[, CODE…]`` says that diagnostics with those codes have their
primary span starting on that line. A ``# also: PATH`` line adds the markers of another file
(relative to the fixture) whose diagnostics the fixture causes, e.g. an imported module.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from wavec.diagnostics import Diagnostic

MARKER = re.compile(r"#\s*expect:\s*([A-Z][A-Z0-9_]*(?:\s*,\s*[A-Z][A-Z0-9_]*)*)")
ALSO = re.compile(r"#\s*also:\s*(\S+)")


def markers(path: Path, root: Path) -> Counter[tuple[str, int, str]]:
    """``(file relative to root, line, code)`` for every marker of ``path`` and its ``# also:`` files."""
    out: Counter[tuple[str, int, str]] = Counter()
    text = path.read_bytes().decode("utf-8", "replace")  # a fixture may hold invalid UTF-8 on purpose
    shown = path.resolve().relative_to(root).as_posix()
    for number, line in enumerate(text.splitlines(), start=1):
        m = MARKER.search(line)
        if m:
            for code in m.group(1).split(","):
                out[(shown, number, code.strip())] += 1
        also = ALSO.search(line)
        if also:
            out += markers((path.parent / also.group(1)).resolve(), root)
    return out


def lines_and_codes(path: Path, root: Path) -> Counter[tuple[int, str]]:
    """``(line, code)`` of the markers of one file (for fixtures whose findings all stay in that file)."""
    return Counter({(line, code): n for (_, line, code), n in markers(path, root).items()})


def reported(diagnostics: Iterable[Diagnostic]) -> Counter[tuple[str, int, str]]:
    """``(file, line, code)`` of diagnostics, in the shape :func:`markers` returns."""
    return Counter((d.primary.file.path, d.primary.line, d.code) for d in diagnostics if d.primary is not None)
