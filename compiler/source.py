"""Source files and spans: byte-exact locations that every layer reports through."""

from __future__ import annotations

import bisect

from .records import field, record


@record(frozen=False, eq=False)
class SourceFile:
    """One `.wave` text with the path shown to users and a lazily built line index.

    ``path`` is what diagnostics print (relative to the working directory where
    possible, ``std/…`` for the standard library); ``origin`` is where it was read.
    """

    path: str
    text: str
    origin: str = ""
    _line_starts: list[int] | None = field(default=None, repr=False)

    @property
    def line_starts(self) -> list[int]:
        """Offsets at which each line starts (line 1 at index 0)."""
        if self._line_starts is None:
            starts = [0]
            find = self.text.find
            pos = find("\n")
            while pos != -1:
                starts.append(pos + 1)
                pos = find("\n", pos + 1)
            self._line_starts = starts
        return self._line_starts

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column (in characters) of an offset."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its newline."""
        starts = self.line_starts
        if line < 1 or line > len(starts):
            return ""
        end = starts[line] - 1 if line < len(starts) else len(self.text)
        return self.text[starts[line - 1] : end].rstrip("\r")


@record
class Span:
    """A half-open range ``[start, end)`` of character offsets in one file."""

    file: SourceFile
    start: int
    end: int

    @property
    def line(self) -> int:
        """1-based line of the start."""
        return self.file.line_col(self.start)[0]

    @property
    def column(self) -> int:
        """1-based column of the start."""
        return self.file.line_col(self.start)[1]

    @property
    def end_line(self) -> int:
        """1-based line of the (exclusive) end."""
        return self.file.line_col(self.end)[0]

    @property
    def end_column(self) -> int:
        """1-based column of the (exclusive) end."""
        return self.file.line_col(self.end)[1]

    @property
    def text(self) -> str:
        """The source text the span covers."""
        return self.file.text[self.start : self.end]

    def to(self, other: Span) -> Span:
        """The span from the start of this one to the end of ``other``."""
        return Span(self.file, self.start, max(self.end, other.end))

    def head(self) -> Span:
        """The span cut at its first newline: what a one-line underline shows."""
        nl = self.file.text.find("\n", self.start, self.end)
        return self if nl == -1 else Span(self.file, self.start, nl)
