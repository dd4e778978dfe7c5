"""What policy enforcement hands back besides reported diagnostics: suppressed findings and why."""

from __future__ import annotations

from ..diagnostics import Diagnostic
from ..records import record
from ..source import Span


@record
class Suppression:
    """A finding that was not reported, and why: an ``allow`` (``inSource``) or the configuration (``external``).

    ``kind`` uses SARIF's words, so the SARIF renderer can pass it through.
    """

    diagnostic: Diagnostic
    reason: str
    kind: str = "inSource"
    span: Span | None = None
