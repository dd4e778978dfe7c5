"""The one diagnostic model every layer reports through: severity, labels, the diagnostic itself."""

from __future__ import annotations

import enum

from ..records import record, replace
from ..source import Span


class Severity(enum.Enum):
    """How bad a finding is; ``error`` fails ``wavec check``."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@record
class Label:
    """A span with an optional note; the first label of a diagnostic is the primary one."""

    span: Span
    message: str = ""


@record
class Fix:
    """The one edit that clears a diagnostic: replace ``span`` (empty to insert) with ``replacement``.

    ``title`` says what it does, as an editor's quick fix lists it ("Change to `30m`").
    """

    span: Span
    replacement: str
    title: str


@record
class Diagnostic:
    """One finding: a stable code, an effective severity, a one-line message naming the entity."""

    code: str
    severity: Severity
    message: str
    labels: tuple[Label, ...] = ()
    help: str | None = None
    rule: str = "builtin"
    fix: Fix | None = None
    """A machine-applicable fix, when the diagnostic has exactly one (see :mod:`wavec.diagnostics.fixes`)."""

    @property
    def primary(self) -> Span | None:
        """The primary span, if the finding has a location."""
        return self.labels[0].span if self.labels else None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Order by file, position, code: stable output whatever order layers reported in."""
        span = self.primary
        if span is None:
            return ("", 0, 0, self.code, self.message)
        return (span.file.path, span.start, span.end, self.code, self.message)

    def with_severity(self, severity: Severity) -> Diagnostic:
        """A copy with another severity (configuration overrides)."""
        return replace(self, severity=severity)


def one_line(text: str) -> str:
    """A message quotes user input; a newline or tab in it must not break the one-line format."""
    if "\n" in text or "\r" in text or "\t" in text:
        return text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    return text
