"""Renderers for diagnostics: ``text`` (rustc/ruff style), ``json``, ``sarif`` (2.1.0), ``github``.

All four read the one :class:`~wavec.diagnostics.Diagnostic` model; output is
deterministic (diagnostics arrive sorted, JSON keys are sorted).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any, TextIO

from ... import __version__
from ..model import Diagnostic, Label, Severity

FORMATS = ("text", "json", "sarif", "github")

_COLORS = {"error": "1;31", "warning": "1;33", "info": "1;36", "help": "1;36", "dim": "1;34", "bold": "1"}


def use_color(stream: TextIO) -> bool:
    """Colour only on a terminal, never with ``NO_COLOR``; ``FORCE_COLOR`` forces it."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


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


def to_dict(d: Diagnostic) -> dict[str, Any]:
    """The JSON object of one diagnostic (keys documented in docs/cli.md)."""
    span = d.primary
    return {
        "code": d.code,
        "severity": d.severity.value,
        "message": d.message,
        "file": span.file.path if span else None,
        "line": span.line if span else None,
        "column": span.column if span else None,
        "end_line": span.end_line if span else None,
        "end_column": span.end_column if span else None,
        "help": d.help,
        "rule": d.rule,
        "labels": [
            {"file": lbl.span.file.path, "line": lbl.span.line, "column": lbl.span.column,
             "end_line": lbl.span.end_line, "end_column": lbl.span.end_column, "message": lbl.message}
            for lbl in d.labels
        ],
    }


def render_json(diagnostics: Sequence[Diagnostic]) -> str:
    """A JSON array with one object per diagnostic."""
    return json.dumps([to_dict(d) for d in diagnostics], indent=2, sort_keys=True) + "\n"


_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render_sarif(diagnostics: Sequence[Diagnostic], rules: dict[str, dict[str, str]] | None = None) -> str:
    """SARIF 2.1.0 as GitHub code scanning accepts it: relative URIs, rules with help, one run.

    ``rules`` maps a code to ``title``/``help``/``uri`` for codes not in the built-in registry
    (policy rules); built-in codes are described from the registry.
    """
    from ..codes import lookup

    rules = rules or {}
    ids = sorted({d.code for d in diagnostics})
    descriptors = []
    for code in ids:
        entry = lookup(code)
        extra = rules.get(code, {})
        title = entry.title if entry else extra.get("title", code)
        text = f"{entry.what}\n\n{entry.why}" if entry else extra.get("help", title)
        default = next(d.severity for d in diagnostics if d.code == code)
        descriptor: dict[str, Any] = {
            "id": code,
            "name": "".join(w.capitalize() for w in "".join(c if c.isalnum() else " " for c in title).split()),
            "shortDescription": {"text": title},
            "fullDescription": {"text": text},
            "help": {"text": text, "markdown": text},
            "defaultConfiguration": {"level": _SARIF_LEVEL[entry.severity if entry else default]},
            "properties": {"tags": ["wavec", "builtin" if entry else "policy"]},
        }
        if entry:
            descriptor["helpUri"] = f"https://wavec.dev/rules/#{code.lower()}"
        descriptors.append(descriptor)
    index = {code: i for i, code in enumerate(ids)}
    results = []
    for d in diagnostics:
        result: dict[str, Any] = {
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": _SARIF_LEVEL[d.severity],
            "message": {"text": d.message + (f"\nhelp: {d.help}" if d.help else "")},
        }
        if d.labels:
            result["locations"] = [_sarif_location(d.labels[0])]
            if len(d.labels) > 1:
                result["relatedLocations"] = [
                    {**_sarif_location(lbl), "id": i} for i, lbl in enumerate(d.labels[1:], start=1)
                ]
            span = d.labels[0].span
            result["partialFingerprints"] = {
                "primaryLocationLineHash": f"{d.code}:{span.file.path}:{span.file.line_text(span.line).strip()}"
            }
        results.append(result)
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "wavec",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": "https://wavec.dev",
                        "rules": descriptors,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def _sarif_location(label: Label) -> dict[str, Any]:
    span = label.span
    loc: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": span.file.path, "uriBaseId": "%SRCROOT%"},
            "region": {
                "startLine": span.line,
                "startColumn": span.column,
                "endLine": span.end_line,
                "endColumn": span.end_column,
            },
        }
    }
    if label.message:
        loc["message"] = {"text": label.message}
    return loc


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


def render(diagnostics: Sequence[Diagnostic], fmt: str, color: bool = False) -> str:
    """Render in one of :data:`FORMATS`."""
    if fmt == "json":
        return render_json(diagnostics)
    if fmt == "sarif":
        return render_sarif(diagnostics)
    if fmt == "github":
        return render_github(diagnostics)
    return render_text(diagnostics, color)
