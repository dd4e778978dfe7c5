"""Shared helpers of the CodePipeline tests: build a file to the request, lint CloudFormation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from wavec.api import build
from wavec.config import Config


def request(path: Path, fmt: str | None = None) -> dict[str, Any]:
    """The compiled output of ``path`` as JSON; fails the test on any error."""
    result = build(path, "codepipeline", fmt, config=Config())
    errors = [d for d in result.diagnostics if d.severity.value == "error"]
    assert not errors, errors
    assert result.output is not None
    document: dict[str, Any] = json.loads(result.output)
    return document


def cfn_lint(template_text: str) -> list[str]:
    """cfn-lint's findings on a template (empty: it passes)."""
    from cfnlint.api import ManualArgs, lint

    matches = lint(template_text, config=ManualArgs(regions=["us-east-1"]))
    return [f"{m.rule.id} {m.message} at {'/'.join(map(str, m.path))}" for m in matches]
