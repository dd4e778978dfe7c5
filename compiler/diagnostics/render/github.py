"""Diagnostics as GitHub Actions workflow commands (annotations on the pull request)."""

from __future__ import annotations

from collections.abc import Sequence

from ..model import Diagnostic, Severity


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_prop(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(diagnostics: Sequence[Diagnostic]) -> str:
    """GitHub Actions workflow commands: ``::error file=…,line=…,col=…,title=CODE::message``."""
    out = []
    for d in diagnostics:
        command = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}[d.severity]
        props = []
        span = d.primary
        if span is not None:
            props += [f"file={_escape_prop(span.file.path)}", f"line={span.line}", f"col={span.column}",
                      f"endLine={span.end_line}", f"endColumn={span.end_column}"]
        props.append(f"title={_escape_prop(d.code)}")
        message = f"{d.code}: {d.message}" + (f"\nhelp: {d.help}" if d.help else "")
        out.append(f"::{command} {','.join(props)}::{_escape_data(message)}")
    return "\n".join(out) + ("\n" if out else "")
