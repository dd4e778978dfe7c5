"""Limits checked before lexing: string literals longer than ``MAX_STRING``, found by one linear scan.

The lexer's string pattern keeps state for every character it matches (hundreds of bytes each in ``re``), so a
15 MB literal would exhaust memory before any length check ran. This scan finds such literals first, reports
them (WV020) and blanks them out of the text the lexer sees: each becomes ``""`` followed by spaces, so every
offset — and every other diagnostic of the file — is unchanged.
"""

from __future__ import annotations

import re

from ..diagnostics import Sink
from ..diagnostics.codes import builtin as codes
from ..limits import MAX_STRING
from ..source import SourceFile, Span

_NEXT = re.compile(r'"|#[^\n]*')
_PLAIN = re.compile(r'[^"\\\n]*')  # one repeated character class: no per-character state in `re`


def long_literals(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each string literal (quotes included) whose body is longer than ``MAX_STRING``.

    Strings and comments are read as the lexer reads them: a string ends at its closing ``"`` or, unterminated,
    at the end of its line; ``\\`` escapes the next character; ``#`` outside a string comments out the line.
    """
    out: list[tuple[int, int]] = []
    n = len(text)
    i = 0
    while True:
        m = _NEXT.search(text, i)
        if m is None:
            return out
        if m.group() != '"':  # a comment: skip its line
            i = m.end()
            continue
        start = j = m.end()
        while True:
            j = _PLAIN.match(text, j).end()  # type: ignore[union-attr]  # `*` always matches
            if j < n and text[j] == "\\":
                j += 2
                continue
            break
        end = min(j, n)
        if end - start > MAX_STRING:
            out.append((start - 1, end + (1 if end < n and text[end] == '"' else 0)))
        i = end + 1


def blank_long_literals(src: SourceFile, sink: Sink) -> str:
    """The text for the lexer: ``src.text`` with each too-long literal reported and blanked out."""
    found = long_literals(src.text)
    if not found:
        return src.text
    parts: list[str] = []
    last = 0
    for start, end in found:
        sink.report(codes.STRING_TOO_LONG,
                    f"string of {end - start - 2} characters is longer than the limit of {MAX_STRING}",
                    Span(src, start, start + 1), label="this string",
                    help="keep long scripts in files of the repository and run them by name")
        parts += [src.text[last:start], '""', " " * (end - start - 2)]
        last = end
    parts.append(src.text[last:])
    return "".join(parts)
