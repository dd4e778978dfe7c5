"""Diagnostics as GitHub Actions workflow commands (annotations on the pull request).

GitHub places an annotation by its ``file=``, a path relative to the repository root (the checkout), so the
path is the one SARIF gives (:mod:`.paths`), not the working-directory-relative one of the text output.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..model import Diagnostic, Severity
from .paths import artifact_path, findings_root


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_prop(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(diagnostics: Sequence[Diagnostic], root: Path | None = None) -> str:
    """GitHub Actions workflow commands: ``::error file=…,line=…,col=…,title=CODE::message``.

    ``root`` is the repository root paths are relative to (default: the one of the first finding's file).
    """
    root = findings_root(diagnostics) if root is None else root
    out = []
    for d in diagnostics:
        command = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}[d.severity]
        props = []
        span = d.primary
        if span is not None:
            props += [f"file={_escape_prop(artifact_path(span.file, root).path)}", f"line={span.line}",
                      f"col={span.column}", f"endLine={span.end_line}", f"endColumn={span.end_column}"]
        props.append(f"title={_escape_prop(d.code)}")
        message = f"{d.code}: {d.message}" + (f"\nhelp: {d.help}" if d.help else "")
        out.append(f"::{command} {','.join(props)}::{_escape_data(message)}")
    return "\n".join(out) + ("\n" if out else "")
