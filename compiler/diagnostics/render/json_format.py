"""Diagnostics as a JSON array (keys documented in docs/cli.md)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ..model import Diagnostic


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
