"""Comments and tokens recovered for the formatter.

The parser drops ``#`` comments (they are ``%ignore``d in the grammar), so the
formatter lexes the text once more with Lark's basic lexer and
``dont_ignore=True``: that yields every token *and* every comment with its
offset, which is what :mod:`wavec.syntax.format` needs to keep comments where
they were and to print expressions from their original token text.
"""

from __future__ import annotations

import bisect

from lark import Token

from ..records import record
from .parser import parser

#: Tokens that open / close a bracket pair.
OPENERS = frozenset({"LPAR", "LSQB", "LBRACE"})
CLOSERS = frozenset({"RPAR", "RSQB", "RBRACE"})


@record
class Tok:
    """One token as written: its terminal type, text, offsets and 0-based source line."""

    type: str
    text: str
    start: int
    end: int
    line: int

    @property
    def is_comment(self) -> bool:
        """Whether this is a ``#`` comment."""
        return self.type == "COMMENT"


@record
class Comment:
    """A ``#`` comment; ``own_line`` when nothing but whitespace precedes it on its line."""

    text: str
    start: int
    end: int
    own_line: bool


class Lexed:
    """Every token and comment of a text, in order, with lookups by offset."""

    def __init__(self, text: str) -> None:
        self.text = text
        toks: list[Tok] = []
        line = 0
        pos = 0
        for raw in parser().lex(text, dont_ignore=True):
            start = raw.start_pos or 0
            line += text.count("\n", pos, start)
            pos = start
            if not raw.type.startswith("__IGNORE"):
                toks.append(Tok(raw.type, _text(raw), start, start + len(raw), line))
        self.tokens = toks
        self._starts = [t.start for t in toks]
        self.comments = [
            Comment(t.text.rstrip(), t.start, t.end, self._own_line(t.start)) for t in toks if t.is_comment
        ]
        self._comment_starts = [c.start for c in self.comments]

    def _own_line(self, offset: int) -> bool:
        line_start = self.text.rfind("\n", 0, offset) + 1
        return not self.text[line_start:offset].strip(" \t\r\f\ufeff")

    def tokens_in(self, lo: int, hi: int) -> list[Tok]:
        """Tokens (comments included) that start in ``[lo, hi)``."""
        return self.tokens[bisect.bisect_left(self._starts, lo) : bisect.bisect_left(self._starts, hi)]

    def comments_in(self, lo: int, hi: int) -> list[Comment]:
        """Comments that start in ``[lo, hi)``."""
        a = bisect.bisect_left(self._comment_starts, lo)
        return self.comments[a : bisect.bisect_left(self._comment_starts, hi)]

    def has_comment(self, lo: int, hi: int) -> bool:
        """Whether any comment starts in ``[lo, hi)``."""
        return bisect.bisect_left(self._comment_starts, lo) < bisect.bisect_left(self._comment_starts, hi)

    def first(self, type_: str, lo: int, hi: int) -> Tok:
        """The first token of that type in ``[lo, hi)`` (the caller knows there is one)."""
        for tok in self.tokens_in(lo, hi):
            if tok.type == type_:
                return tok
        raise LookupError(f"no {type_} token in [{lo}, {hi})")

    def code_before(self, offset: int) -> Tok | None:
        """The last token that is not a comment and ends at or before ``offset``."""
        i = bisect.bisect_left(self._starts, offset) - 1
        while i >= 0 and self.tokens[i].is_comment:
            i -= 1
        return self.tokens[i] if i >= 0 else None

    def code_after(self, offset: int) -> Tok | None:
        """The first token that is not a comment and starts at or after ``offset``."""
        i = bisect.bisect_left(self._starts, offset)
        while i < len(self.tokens) and self.tokens[i].is_comment:
            i += 1
        return self.tokens[i] if i < len(self.tokens) else None

    def line_of(self, offset: int) -> int:
        """0-based line of an offset."""
        return self.text.count("\n", 0, offset)

    def same_line(self, a: int, b: int) -> bool:
        """Whether no newline lies between offsets ``a`` and ``b``."""
        return "\n" not in self.text[min(a, b) : max(a, b)]

    def blank_line_between(self, a: int, b: int) -> bool:
        """Whether the whitespace between ``a`` and ``b`` holds at least one empty line."""
        return self.text.count("\n", a, b) >= 2


def _text(tok: Token) -> str:
    return str(tok)


__all__ = ["CLOSERS", "OPENERS", "Comment", "Lexed", "Tok"]
