"""Renderers for diagnostics, one module per format: ``text`` (rustc/ruff style), ``json``, ``sarif`` (2.1.0),
``github`` (workflow commands).

All four read the one :class:`~wavec.diagnostics.model.Diagnostic` model; output is deterministic
(diagnostics arrive sorted, JSON keys are sorted). ``text`` and ``json`` name files as the user typed them
(relative to the working directory); ``sarif`` and ``github`` from the repository root (:mod:`.paths`), as
GitHub resolves them.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..model import Diagnostic
from .github import render_github
from .json_format import render_json, to_dict
from .sarif import render_sarif
from .text import render_text, summary, use_color

__all__ = ["FORMATS", "render", "render_github", "render_json", "render_sarif", "render_text", "summary",
           "to_dict", "use_color"]

FORMATS = ("text", "json", "sarif", "github")


def render(diagnostics: Sequence[Diagnostic], fmt: str, color: bool = False) -> str:
    """Render in one of :data:`FORMATS`."""
    if fmt == "json":
        return render_json(diagnostics)
    if fmt == "sarif":
        return render_sarif(diagnostics)
    if fmt == "github":
        return render_github(diagnostics)
    return render_text(diagnostics, color)
