"""Renderers for diagnostics, one module per format: ``text`` (rustc/ruff style), ``json``, ``sarif`` (2.1.0),
``github`` (workflow commands).

All four read the one :class:`~wavec.diagnostics.model.Diagnostic` model; output is deterministic
(diagnostics arrive sorted, JSON keys are sorted). ``text`` and ``json`` name files as the user typed them
(relative to the working directory); ``sarif`` and ``github`` from the repository root (:mod:`.paths`), as
GitHub resolves them.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..model import Diagnostic
from .text import render_text, summary, use_color

if TYPE_CHECKING:
    from .github import render_github
    from .json_format import render_json, to_dict
    from .sarif import render_sarif

__all__ = ["FORMATS", "render", "render_github", "render_json", "render_sarif", "render_text", "summary",
           "to_dict", "use_color"]

FORMATS = ("text", "json", "sarif", "github")

# The renderers of the other formats are imported when asked for: `wavec check` prints text.
_LAZY = {"render_github": "github", "render_json": "json_format", "to_dict": "json_format", "render_sarif": "sarif"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


def render(diagnostics: Sequence[Diagnostic], fmt: str, color: bool = False) -> str:
    """Render in one of :data:`FORMATS`."""
    if fmt in ("json", "sarif", "github"):
        renderer: Any = __getattr__(f"render_{fmt}")
        text: str = renderer(diagnostics)
        return text
    return render_text(diagnostics, color)
