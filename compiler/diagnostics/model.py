"""The one diagnostic model every layer reports through, and the sink that collects them.

Nothing but the CLI prints: layers append :class:`Diagnostic` objects to a
:class:`Sink`; renderers live in :mod:`wavec.diagnostics.render`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from ..source import Span


class Severity(enum.Enum):
    """How bad a finding is; ``error`` fails ``wavec check``."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Sort key: errors first."""
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True, slots=True)
class Label:
    """A span with an optional note; the first label of a diagnostic is the primary one."""

    span: Span
    message: str = ""


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding: a stable code, an effective severity, a one-line message naming the entity."""

    code: str
    severity: Severity
    message: str
    labels: tuple[Label, ...] = ()
    help: str | None = None
    rule: str = "builtin"

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


class Sink:
    """Collects diagnostics; deduplicates identical reports (a module imported twice)."""

    def __init__(self) -> None:
        self._items: list[Diagnostic] = []
        self._seen: set[tuple[str, str, int, int, str]] = set()

    def add(self, diagnostic: Diagnostic) -> None:
        """Record one diagnostic."""
        span = diagnostic.primary
        key = (
            diagnostic.code,
            span.file.path if span else "",
            span.start if span else -1,
            span.end if span else -1,
            diagnostic.message,
        )
        if key in self._seen:
            return
        self._seen.add(key)
        self._items.append(diagnostic)

    def report(
        self,
        code: str,
        message: str,
        span: Span | None,
        *,
        label: str = "",
        help: str | None = None,
        extra: Iterable[Label] = (),
        severity: Severity | None = None,
    ) -> None:
        """Record a built-in diagnostic; the severity defaults to the code's registered one."""
        if severity is None:
            from .codes import lookup

            entry = lookup(code)
            severity = entry.severity if entry else Severity.ERROR
        labels = ((Label(span, label),) if span is not None else ()) + tuple(extra)
        self.add(Diagnostic(code, severity, one_line(message), labels, help))

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        """Record several diagnostics."""
        for d in diagnostics:
            self.add(d)

    @property
    def has_errors(self) -> bool:
        """Whether any error was recorded."""
        return any(d.severity is Severity.ERROR for d in self._items)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def sorted(self) -> list[Diagnostic]:
        """The diagnostics in a deterministic order."""
        return sorted(self._items, key=Diagnostic.sort_key)
