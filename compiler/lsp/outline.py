"""The block structure of a buffer read from its tokens alone, so a half-typed file still has one.

The parser stops at the first syntax error; an editor asks about the text being typed, which rarely parses.
This scan knows strings, comments, brackets and braces: each ``{`` opened after a statement's words is a
block whose kind is the first word (``wave canary {``), one opened after ``=`` is a map value.
"""

from __future__ import annotations

import bisect
import re

from ..records import field, record

_TOKEN = re.compile(r'"(?:\\.|[^"\\\n])*"?|#[^\n]*|[A-Za-z_][A-Za-z0-9_.-]*|\n|[{}\[\]()=]|[^\sA-Za-z_"#{}\[\]()=]+')


@record(frozen=False)
class Word:
    """One token of a statement: its text and where it starts."""

    text: str
    start: int


@record(frozen=False)
class BlockAt:
    """A block of the buffer: its kind, its labels (quotes removed), where it starts and ends."""

    kind: str
    labels: list[str]
    start: int
    end: int | None = None
    parent: BlockAt | None = None
    is_map: bool = False
    children: list[BlockAt] = field(default_factory=list)

    @property
    def variant(self) -> str | None:
        """The first label: the variant of a ``source TYPE`` or ``trigger EVENT`` block."""
        return self.labels[0] if self.labels else None


@record(frozen=False)
class Cursor:
    """What encloses an offset: the innermost block (``None`` at the top level) and the words of the
    statement the offset is in, up to it; ``word`` is the partial word the offset ends."""

    block: BlockAt | None
    words: list[Word]
    word: str


@record(frozen=False)
class Outline:
    """The blocks of a buffer (top-level ones in ``blocks``) and the cursor context at an offset."""

    blocks: list[BlockAt]
    cursor: Cursor | None


def scan(text: str, at: int | None = None, *, start: int = 0, marks: list[int] | None = None,
         stop: bool = False) -> Outline:
    """Scan ``text``; with ``at``, also the context of that offset.

    ``start`` begins at an offset where the top level starts a line (one of ``marks``); ``marks`` collects
    each such offset met; ``stop`` ends the scan at ``at`` (the blocks are then those before it).
    """
    top: list[BlockAt] = []
    stack: list[BlockAt] = []
    words: list[Word] = []
    depth = 0  # [ and ( nesting: a newline inside a list does not end the statement
    cursor: Cursor | None = None
    for m in _TOKEN.finditer(text, start):
        tok, start = m.group(), m.start()
        if at is not None and cursor is None and start >= at:
            cursor = Cursor(_open(stack), list(words), "")
        if stop and cursor is not None:
            break
        if at is not None and cursor is None and start < at <= m.end() and (tok[0].isalpha() or tok[0] == "_"):
            cursor = Cursor(_open(stack), list(words), tok[: at - start])
        if tok.startswith("#"):
            continue
        if tok == "\n":
            if depth == 0:
                words = []
                if marks is not None and not stack:
                    marks.append(m.end())
        elif tok in "[(":
            depth += 1
            words.append(Word(tok, start))
        elif tok in "])":
            depth = max(0, depth - 1)
            words.append(Word(tok, start))
        elif tok == "{":
            is_map = any(w.text == "=" for w in words)
            head = [w for w in words if w.text not in "[]()="]
            block = BlockAt(head[0].text if head and not is_map else "", [w.text.strip('"') for w in head[1:]],
                            head[0].start if head else start, parent=_open(stack), is_map=is_map)
            (stack[-1].children if stack else top).append(block)
            stack.append(block)
            words, depth = [], 0
        elif tok == "}":
            if stack:
                stack.pop().end = m.end()
            words, depth = [], 0
        elif tok == "=" and depth == 0 and len(words) > 1:
            words = [words[-1], Word(tok, start)]  # `kind = test  run = …`: a second attribute on the line
        else:
            words.append(Word(tok, start))
    if at is not None and cursor is None:
        cursor = Cursor(_open(stack), list(words), "")
    return Outline(top, cursor)


class CursorCache:
    """The context of a cursor without scanning the whole buffer each time.

    The scan is resumed from the last line start at the top level before the cursor that the previous text
    shares with this one (typing changes the text after such a line, rarely before): a keystroke in the
    last pipeline of a large file scans that pipeline, not the file.
    """

    def __init__(self) -> None:
        self._text = ""
        self._marks: list[int] = []

    def cursor(self, text: str, at: int) -> Cursor | None:
        """What :func:`scan` ``(text, at).cursor`` is."""
        marks = self._marks
        known = bisect.bisect_right(marks, at) if text else 0
        lo, hi = 0, known  # the marks [0, lo) are known to hold in `text`; find the last that does
        if known and text.startswith(self._text[: marks[known - 1]]):
            lo = known  # the usual case: the text changed after the last line start before the cursor
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if text.startswith(self._text[: marks[mid - 1]]):
                lo = mid
            else:
                hi = mid - 1
        begin = marks[lo - 1] if lo else 0
        kept = marks[:lo]
        outline = scan(text, at, start=begin, marks=kept, stop=True)
        self._text, self._marks = text, kept
        return outline.cursor


def _open(stack: list[BlockAt]) -> BlockAt | None:
    return stack[-1] if stack else None


def word_at(text: str, at: int) -> tuple[int, int] | None:
    """The span of the name (letters, digits, ``_``) the offset is in or just after, if any."""
    start = at
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    end = at
    while end < len(text) and (text[end].isalnum() or text[end] == "_"):
        end += 1
    return (start, end) if end > start else None
