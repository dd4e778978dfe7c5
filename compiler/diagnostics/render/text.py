"""Diagnostics as text, in the style of rustc and ruff: source excerpts, carets, ``= help:`` lines."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TextIO

from ..model import Diagnostic, Label, Severity

_COLORS = {"error": "1;31", "warning": "1;33", "info": "1;36", "help": "1;36", "dim": "1;34", "bold": "1"}


def use_color(stream: TextIO | None, choice: str = "auto") -> bool:
    """Whether to colour what goes to ``stream`` (``None``: a file). ``--color`` ``always``/``never`` win;
    ``auto`` colours a terminal, as ruff does: ``FORCE_COLOR`` (non-empty) or ``CLICOLOR_FORCE`` (not ``0``)
    forces colour, else ``NO_COLOR`` (non-empty) turns it off. The one rule for every command's output."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("FORCE_COLOR") or os.environ.get("CLICOLOR_FORCE", "0") != "0":
        return True
    if os.environ.get("NO_COLOR"):
        return False
    return stream is not None and bool(getattr(stream, "isatty", lambda: False)())


class _Paint:
    def __init__(self, on: bool) -> None:
        self.on = on

    def __call__(self, style: str, text: str) -> str:
        return f"\x1b[{_COLORS[style]}m{text}\x1b[0m" if self.on and text else text


def render_text(diagnostics: Sequence[Diagnostic], color: bool = False) -> str:
    """Source excerpts with caret underlines and ``= help:`` lines, then a summary line."""
    paint = _Paint(color)
    out: list[str] = []
    for d in diagnostics:
        out.append(_one(d, paint))
    return "\n".join(out)


def _one(d: Diagnostic, paint: _Paint) -> str:
    sev = d.severity.value
    lines = [paint(sev, f"{sev}[{d.code}]") + paint("bold", f": {d.message}")]
    if not d.labels:
        if d.help:
            lines.append(f"  = {paint('help', 'help')}: {d.help}")
        return "\n".join(lines) + "\n"
    primary = d.labels[0].span
    width = len(str(max(label.span.line for label in d.labels)))
    pad = " " * width
    lines.append(f"{pad}{paint('dim', '-->')} {primary.file.path}:{primary.line}:{primary.column}")
    lines.append(f"{pad} {paint('dim', '|')}")
    groups: list[list[tuple[int, Label]]] = []
    for i, label in enumerate(d.labels):
        for g in groups:
            if g[0][1].span.file is label.span.file:
                g.append((i, label))
                break
        else:
            groups.append([(i, label)])
    for gi, group in enumerate(groups):
        file = group[0][1].span.file
        if gi > 0:
            first = min((lbl.span for _, lbl in group), key=lambda s: s.start)
            lines.append(f"{pad}{paint('dim', ':::')} {file.path}:{first.line}:{first.column}")
            lines.append(f"{pad} {paint('dim', '|')}")
        previous_line = None
        for i, label in sorted(group, key=lambda il: (il[1].span.start, il[0])):
            span = label.span.head()
            line = span.line
            if previous_line is not None and line > previous_line + 1:
                lines.append(paint("dim", "...") if width < 3 else paint("dim", pad + " |"))
            source = file.line_text(line).expandtabs(1)
            if line != previous_line:
                lines.append(f"{paint('dim', str(line).rjust(width) + ' |')} {source}")
            previous_line = line
            col = span.column
            length = max(1, min(span.end - span.start, len(source) - col + 1))
            mark = "^" if i == 0 else "-"
            style = sev if i == 0 else "dim"
            underline = " " * (col - 1) + paint(style, mark * length)
            note = f" {paint(style, label.message)}" if label.message else ""
            lines.append(f"{pad} {paint('dim', '|')} {underline}{note}")
    lines.append(f"{pad} {paint('dim', '|')}")
    if d.help:
        lines.append(f"{pad} = {paint('help', 'help')}: {d.help}")
    return "\n".join(lines) + "\n"


def summary(diagnostics: Sequence[Diagnostic], files: int) -> str:
    """``Found 2 errors and 1 warning in 3 files.`` / ``All checks passed (3 files).``"""
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    warnings = sum(d.severity is Severity.WARNING for d in diagnostics)
    infos = len(diagnostics) - errors - warnings
    noun = "file" if files == 1 else "files"
    if not diagnostics:
        return f"All checks passed ({files} {noun})."
    parts = [f"{n} {w}{'' if n == 1 else 's'}" for n, w in ((errors, "error"), (warnings, "warning"),
                                                           (infos, "note")) if n]
    return f"Found {' and '.join(parts) if len(parts) < 3 else ', '.join(parts)} in {files} {noun}."
