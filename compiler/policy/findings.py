"""What policy enforcement hands back besides reported diagnostics: suppressed findings and why."""

from __future__ import annotations

from dataclasses import dataclass

from ..diagnostics import Diagnostic
from ..source import Span


@dataclass(frozen=True, slots=True)
class Suppression:
    """A finding that was not reported, and why: an ``allow`` (``inSource``) or the configuration (``external``).

    ``kind`` uses SARIF's words, so the SARIF renderer can pass it through.
    """

    diagnostic: Diagnostic
    reason: str
    kind: str = "inSource"
    span: Span | None = None
