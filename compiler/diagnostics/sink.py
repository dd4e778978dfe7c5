"""The sink every layer reports into; nothing but the CLI prints.

Layers append :class:`~wavec.diagnostics.model.Diagnostic` objects to a :class:`Sink`; renderers live in
:mod:`wavec.diagnostics.render`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..source import Span
from .codes import Code
from .fixes import derive
from .model import Diagnostic, Fix, Label, Severity, one_line


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
        code: Code,
        message: str,
        span: Span | None,
        *,
        label: str = "",
        help: str | None = None,
        extra: Iterable[Label] = (),
        severity: Severity | None = None,
        fix: Fix | None = None,
    ) -> None:
        """Record a built-in diagnostic; the severity defaults to the code's registered one, the fix to the one
        ``help`` describes (:func:`wavec.diagnostics.fixes.derive`)."""
        labels = ((Label(span, label),) if span is not None else ()) + tuple(extra)
        fix = fix if fix is not None else derive(code.code, span, help)
        self.add(Diagnostic(code.code, severity or code.severity, one_line(message), labels, help, fix=fix))

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
