"""Diagnostics as SARIF 2.1.0, the way GitHub code scanning takes them (docs/ci.md, "What code scanning is told").

* Every result has a location: its primary span, or — for a finding about the configuration, which has no
  span — the ``fallback`` (the configuration file).
* ``artifactLocation.uri`` is relative to the repository root (``uriBaseId`` ``%SRCROOT%``, described in
  ``originalUriBaseIds``), percent-encoded per RFC 3986, the same whatever the working directory; no absolute
  path of the machine is written, so the log is the same wherever the repository is checked out.
* ``partialFingerprints`` holds ``wavecFinding/v1``, a hash of the code, the file's repository path, the
  primary line's text and the text under the span (never the line number, so an edit above a finding does
  not make it a new alert), counted when two findings would hash alike. ``primaryLocationLineHash`` is left
  to GitHub's upload action, which computes it from the file and warns about a value it did not compute.
* Rules carry the registry's What/Why/Example/Use-instead text as ``help.markdown``, ``precision``, and for
  security rules the ``security`` tag and ``security-severity``; no ``helpUri`` (the project publishes no
  rule pages).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ... import __version__
from ...records import record
from ...source import SourceFile, Span
from ..codes import lookup
from ..codes.entry import code_markdown, explain_text
from ..model import Diagnostic, Label, Severity
from .paths import SRCROOT, STDLIB, artifact_path, findings_root

_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
FINGERPRINT = "wavecFinding/v1"

_BASE_DESCRIPTIONS = {
    SRCROOT: "The repository root: the git root of the checked files, or their project root (the folder of "
             "pyproject.toml or wave.toml) without git.",
    STDLIB: "The standard library shipped with wavec (`std/…` imports); in no repository.",
}


@record
class RuleHelp:
    """What SARIF says of a rule that is not a built-in code (a policy rule): its title and help."""

    title: str
    text: str
    markdown: str
    precision: str = "very-high"
    """A policy rule evaluates an exact assertion on the plan: its findings are as precise as the rule."""


def render_sarif(diagnostics: Sequence[Diagnostic], rules: Mapping[str, RuleHelp] | None = None, *,
                 root: Path | None = None, fallback: Span | None = None) -> str:
    """SARIF 2.1.0 as GitHub code scanning takes it: one run, rules with help, a location on every result.

    ``rules`` describes the codes that are not in the built-in registry (policy rules); ``root`` is the
    repository root URIs are relative to (default: the one of the first finding's file); ``fallback`` is
    where a finding without a span is reported (the configuration file).
    """
    rules = rules or {}
    if root is None:
        root = findings_root(diagnostics)
    ids = sorted({d.code for d in diagnostics})
    descriptors = [_descriptor(code, rules.get(code), diagnostics) for code in ids]
    index = {code: i for i, code in enumerate(ids)}
    bases: set[str] = set()
    seen: dict[str, int] = {}
    results = []
    for d in diagnostics:
        labels = d.labels or ((Label(fallback),) if fallback is not None else ())
        result: dict[str, Any] = {
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": _SARIF_LEVEL[d.severity],
            "message": {"text": d.message + (f"\nhelp: {d.help}" if d.help else "")},
        }
        if labels:
            locations = [_location(lbl, root, bases) for lbl in labels]
            result["locations"] = locations[:1]
            if len(locations) > 1:
                result["relatedLocations"] = [{**loc, "id": i} for i, loc in enumerate(locations[1:], start=1)]
            key = _fingerprint(d, labels[0], locations[0])
            seen[key] = seen.get(key, 0) + 1
            result["partialFingerprints"] = {FINGERPRINT: f"{key}:{seen[key]}"}
        results.append(result)
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "wavec", "version": __version__, "semanticVersion": __version__,
                            "rules": descriptors}},
        "columnKind": "unicodeCodePoints",
        "originalUriBaseIds": {b: {"description": {"text": _BASE_DESCRIPTIONS[b]}} for b in sorted(bases)},
        "results": results,
    }
    if not bases:
        del run["originalUriBaseIds"]
    doc = {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": [run]}
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def fallback_span(path: Path) -> Span:
    """Where a finding without a span is reported: the ``[tool.wavec]`` line of a ``pyproject.toml``, the first
    line of any other file (a ``wave.toml``, a checked file)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    src = SourceFile(path.as_posix(), text, os.path.abspath(path))
    start = max(text.find("[tool.wavec]"), 0) if path.name == "pyproject.toml" else 0
    end = text.find("\n", start)
    return Span(src, start, end if end != -1 else len(text))


def _descriptor(code: str, extra: RuleHelp | None, diagnostics: Sequence[Diagnostic]) -> dict[str, Any]:
    entry = lookup(code)
    tags = ["wavec"]
    properties: dict[str, Any] = {}
    if entry is not None:
        title, full = entry.title, entry.what
        text, markdown = explain_text(entry), "\n".join(code_markdown(entry, markers=False)) + "\n"
        level = _SARIF_LEVEL[entry.severity]
        tags.append("builtin")
        properties["precision"] = entry.precision
        if entry.security is not None:
            tags.append("security")
            properties["security-severity"] = entry.security
    else:
        first = next(d for d in diagnostics if d.code == code)
        help_ = extra or RuleHelp(first.message, first.help or first.message, first.help or first.message)
        title, full, text, markdown = help_.title, help_.title, help_.text, help_.markdown
        level = _SARIF_LEVEL[first.severity]
        tags.append("policy")
        properties["precision"] = help_.precision
    properties["tags"] = tags
    return {
        "id": code,
        "name": "".join(w.capitalize() for w in "".join(c if c.isalnum() else " " for c in title).split()),
        "shortDescription": {"text": title},
        "fullDescription": {"text": full},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": level},
        "properties": properties,
    }


def _location(label: Label, root: Path, bases: set[str]) -> dict[str, Any]:
    span = label.span
    where = artifact_path(span.file, root)
    artifact: dict[str, Any] = {"uri": where.uri}
    if where.base is not None:
        artifact["uriBaseId"] = where.base
        bases.add(where.base)
    loc: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": artifact,
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


def _fingerprint(d: Diagnostic, label: Label, location: dict[str, Any]) -> str:
    """What a finding is, not where: code, file, the primary line's text and what the span covers (first line).

    A finding without a span (reported at the fallback) is told apart by its message instead.
    """
    span = label.span
    uri = location["physicalLocation"]["artifactLocation"]["uri"]
    context = [span.file.line_text(span.line).strip(), span.head().text, label.message] if d.labels else [d.message]
    digest = hashlib.sha256("\0".join([d.code, uri, *context]).encode("utf-8")).hexdigest()
    return digest[:32]
