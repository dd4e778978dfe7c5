"""Helpers of the formatter tests: an independent comment scanner, meaning dumps, text mutations."""

from __future__ import annotations

from pathlib import Path

from wavec.diagnostics import Severity, Sink
from wavec.semantics.loader import Loader
from wavec.source import SourceFile
from wavec.syntax.format import format_text, strip_spans
from wavec.syntax.parser import parse


def comment_texts(text: str) -> list[str]:
    """Every `#` comment of a .wave text, found by a scanner that skips strings (not the formatter's lexer)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            i += 1
            while i < n and text[i] not in '"\n':
                i += 2 if text[i] == "\\" else 1
            i += 1
        elif ch == "#":
            end = text.find("\n", i)
            end = n if end == -1 else end
            out.append(text[i:end].rstrip())
            i = end
        else:
            i += 1
    return out


def tree_dump(text: str) -> object:
    """The syntax tree of a text without positions (asserts it parses)."""
    sink = Sink()
    module = parse(SourceFile("t.wave", text), sink)
    assert module is not None, [d.message for d in sink]
    return strip_spans(module)


def ir_dump(text: str, folder: Path) -> tuple[object, list[tuple[str, str]]]:
    """The lowered IR of a text (imports resolved from ``folder``) without positions, and its diagnostics."""
    sink = Sink()
    module = Loader(sink).load_text(text, "t.wave", folder)
    return strip_spans(module), sorted((d.code, d.message) for d in sink)


def fmt(text: str) -> str:
    """Format text that must parse."""
    result = format_text(text, "t.wave")
    assert result.text is not None, [d.message for d in result.diagnostics if d.severity is Severity.ERROR]
    return result.text


def assert_layout(out: str) -> None:
    """What every formatted file looks like: LF endings, no trailing spaces, even indentation, no blank runs."""
    assert "\r" not in out
    assert out == "" or (out.endswith("\n") and not out.endswith("\n\n"))
    lines = out.split("\n")[:-1]
    for line in lines:
        assert line == line.rstrip(), repr(line)
        indent = len(line) - len(line.lstrip(" "))
        assert indent % 2 == 0, repr(line)
    assert "\n\n\n" not in out
    assert not out.startswith("\n")
