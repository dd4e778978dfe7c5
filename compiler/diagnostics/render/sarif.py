"""Diagnostics as SARIF 2.1.0, the way GitHub code scanning takes them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ... import __version__
from ..codes import lookup
from ..model import Diagnostic, Label, Severity

_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render_sarif(diagnostics: Sequence[Diagnostic], rules: dict[str, dict[str, str]] | None = None) -> str:
    """SARIF 2.1.0 as GitHub code scanning accepts it: relative URIs, rules with help, one run.

    ``rules`` maps a code to ``title``/``help``/``uri`` for codes not in the built-in registry
    (policy rules); built-in codes are described from the registry.
    """
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
