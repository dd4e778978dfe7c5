"""Offsets in a text (characters) to LSP positions (0-based lines, UTF-16 code units) and back."""

from __future__ import annotations

from ..source import SourceFile


def utf16_len(text: str) -> int:
    """How many UTF-16 code units ``text`` takes (a character outside the BMP takes two)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def position(src: SourceFile, offset: int) -> tuple[int, int]:
    """The 0-based line and UTF-16 column of a character offset."""
    line, column = src.line_col(offset)
    start = src.line_starts[line - 1]
    return line - 1, utf16_len(src.text[start : start + column - 1])


def offset(text: str, line: int, character: int) -> int:
    """The character offset of an LSP position (clamped to the line and the text)."""
    starts = SourceFile("", text).line_starts
    if line >= len(starts):
        return len(text)
    start = starts[max(line, 0)]
    end = starts[line + 1] - 1 if line + 1 < len(starts) else len(text)
    units = 0
    at = start
    while at < end and units < character:
        units += 2 if ord(text[at]) > 0xFFFF else 1
        at += 1
    return at
