"""Recovery from syntax errors, so that one ``wavec check`` reports every mistake of a file.

The parser first reads a file in one plain LALR pass (:func:`wavec.syntax.parser.parse`); only when that
fails is the file read again here, token by token through Lark's interactive parser, so error-free files pay
nothing for recovery. On each error:

1. the error is explained once (:func:`wavec.syntax.mistakes.explain_syntax_error`, the catalogue of common
   mistakes);
2. a mistake whose intent is plain is **repaired** (``:`` read as ``=``, ``wave a = {`` read without the
   ``=``, a missing ``=`` or ``,`` inserted, a stray ``;`` skipped, ``'…'`` read as a string), but only when
   the parser accepts the next few tokens after the repair, so that a wrong guess cannot cause errors of
   its own;
3. otherwise the partial item is **dropped**: the parser's stacks are unwound to where an attribute or a
   block can start, and reading resumes at the next ``}`` that closes the enclosing block or at the next
   line that starts an attribute or block (brackets opened by the dropped item are skipped with it).

Before any of that, three mistakes are found in the text as a whole: ``//`` and ``/* */`` comments (reported and
read as blanks), a stray ``}`` typed inside a line when the file has more ``}`` than ``{`` (reported, read as a
blank) and blocks whose ``}`` is missing (reported, and closed where their indentation says they end, so that
the blocks after them are not read as their children).

What was dropped is kept: the regions (a block holding one is *damaged*: its missing attributes are not
reported) and every name written in them (an unknown name among them is not reported either: its
definition may be what was dropped).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput, UnexpectedToken
from lark.lexer import LexerThread, LineCounter
from lark.parsers.lalr_parser_state import ParserState

from ..diagnostics import Label, Sink
from ..diagnostics.codes import Code
from ..diagnostics.codes import builtin as codes
from ..records import field, record
from ..source import SourceFile, Span
from .mistakes import explain_syntax_error, unclosed_brace

MAX_ERRORS = 100
"""Syntax errors reported for one file before the rest of it is skipped (generated garbage, a binary)."""

_TRIAL_TOKENS = 3  # tokens the parser must accept after a repair for the repair to stand
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ITEM_CONTEXT = "attribute"  # a parser state that can start an item has a goto on this rule


@record(frozen=False)
class Damage:
    """What recovery dropped from one file."""

    regions: list[tuple[int, int]] = field(default_factory=list)
    """``[start, end)`` offsets of dropped text, in file order."""
    names: set[str] = field(default_factory=set)
    """Every name written in the dropped text."""

    def inside(self, start: int, end: int, children: list[tuple[int, int]]) -> bool:
        """Whether text was dropped in ``[start, end)`` outside each of ``children`` (nested blocks' spans):
        whether this block, and not only a block inside it, lost part of its body."""
        i = bisect_left(self.regions, (start, -1))
        if i > 0:
            i -= 1
        for a, b in self.regions[i:]:
            if a >= end:
                return False
            if b > start and not any(s <= a and b <= e for s, e in children):
                return True
        return False

    def drop(self, text: str, start: int, end: int) -> None:
        """Record ``text[start:end]`` as dropped."""
        if end <= start:
            return
        self.regions.append((start, end))
        self.regions.sort()
        self.names.update(_IDENT.findall(text, start, end))


# ----------------------------------------------------------------------------- whole-text mistakes

def _skip_string(text: str, i: int) -> int:
    """The offset after the string starting at ``text[i] == '"'`` (an unterminated one ends at its line)."""
    j = i + 1
    n = len(text)
    while j < n and text[j] not in '"\n':
        j += 2 if text[j] == "\\" else 1
    return min(j + 1, n) if j < n and text[j] == '"' else j


def slash_comments(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of every ``// …`` (to the end of its line) and ``/* … */`` outside strings and ``#``."""
    out: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while True:
        i = _next_of(text, i, '"#/')
        if i >= n:
            return out
        ch = text[i]
        if ch == '"':
            i = _skip_string(text, i)
        elif ch == "#" or text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end == -1 else end
            if ch == "/":
                out.append((i, end))
            i = end
        elif text.startswith("/*", i):
            close = text.find("*/", i + 2)
            end = n if close == -1 else close + 2
            out.append((i, end))
            i = end
        else:
            i += 1


def _next_of(text: str, i: int, chars: str) -> int:
    found = [p for p in (text.find(c, i) for c in chars) if p != -1]
    return min(found) if found else len(text)


def blank_slash_comments(src: SourceFile, text: str, sink: Sink) -> str:
    """Report each ``//`` or ``/* */`` comment and blank it out (offsets unchanged; newlines kept)."""
    found = slash_comments(text)
    if not found:
        return text
    parts: list[str] = []
    last = 0
    for start, end in found:
        style = "//" if text.startswith("//", start) else "/* */"
        sink.report(codes.SLASH_COMMENT, "comments start with `#`", Span(src, start, start + 2),
                    label=f"`{style}` does not start a comment",
                    help=f"write `#` instead of `{style}`: a comment runs from `#` to the end of its line")
        parts += [text[last:start], re.sub(r"[^\n]", " ", text[start:end])]
        last = end
    parts.append(text[last:])
    return "".join(parts)


def _braces(text: str) -> list[tuple[int, str]]:
    """Every ``{`` and ``}`` outside strings and comments, with its offset."""
    out: list[tuple[int, str]] = []
    i, n = 0, len(text)
    while True:
        i = _next_of(text, i, '"#{}')
        if i >= n:
            return out
        ch = text[i]
        if ch == '"':
            i = _skip_string(text, i)
        elif ch == "#":
            nl = text.find("\n", i)
            i = n if nl == -1 else nl
        else:
            out.append((i, ch))
            i += 1


def _first_on_line(text: str, pos: int) -> bool:
    return text[text.rfind("\n", 0, pos) + 1 : pos].strip() == ""


def surplus_closers(text: str) -> list[int]:
    """The ``}`` that most likely close nothing, when a file has more ``}`` than ``{``: one that is not first
    on its line and closes a ``{`` of another line (the formatter puts such a ``}`` on a line of its own;
    a stray one is typed inside a line: ``ru}n``, ``gates =} [health]``)."""
    braces = _braces(text)
    surplus = sum(1 if ch == "}" else -1 for _, ch in braces)
    out: list[int] = []
    while surplus > 0:
        stack: list[int] = []
        found = None
        for at, ch in braces:
            if at in out:
                continue
            if ch == "{":
                stack.append(at)
                continue
            opened = stack.pop() if stack else None
            same_line = opened is not None and "\n" not in text[opened:at]
            if not _first_on_line(text, at) and not same_line:
                found = at
                break
        if found is None:
            break
        out.append(found)
        surplus -= 1
    return sorted(out)


def blank_surplus_closers(src: SourceFile, text: str, sink: Sink) -> str:
    """Report each ``}`` of :func:`surplus_closers` and read it as a blank."""
    found = surplus_closers(text)
    for at in found:
        sink.report(codes.SYNTAX_ERROR, "unexpected `}`: there is no block to close", Span(src, at, at + 1),
                    label="no matching `{`", help="remove it, or look for a block whose `{` is missing")
    for at in found:
        # `ru}n` reads as `run `: the rest of the word moves up to close the gap (offsets after it unchanged).
        m = _IDENT.match(text, at + 1)
        end = m.end() if m and at > 0 and (text[at - 1].isalnum() or text[at - 1] == "_") else at + 1
        text = text[:at] + text[at + 1 : end] + " " + text[end:]
    return text


def _line_indent_at(text: str, pos: int) -> int:
    start = text.rfind("\n", 0, pos) + 1
    line = text[start:]
    return len(line) - len(line.lstrip(" \t"))


def _block_end(text: str, opened: int) -> int:
    """Where the block opened at ``opened`` most likely ends: the first later line, not blank and not a
    comment, indented no deeper than the line of its ``{`` (the offset of its first character)."""
    indent = _line_indent_at(text, opened)
    nl = text.find("\n", opened)
    while nl != -1:
        start = nl + 1
        nl = text.find("\n", start)
        line = text[start : len(text) if nl == -1 else nl]
        body = line.lstrip(" \t")
        if body.strip() and not body.startswith("#") and len(line) - len(body) <= indent:
            return start + len(line) - len(body)
    return len(text)


def missing_closers(src: SourceFile, text: str, sink: Sink) -> list[int]:
    """Report every block whose ``}`` is missing; the offsets where their ``}`` is read, in order."""
    closers: list[int] = []
    reported: set[int] = set()
    for _ in range(MAX_ERRORS):
        opened = unclosed_brace(text, len(text), closers)
        if opened is None or opened in reported:
            break
        reported.add(opened)
        at = _block_end(text, opened)
        closers.append(at)
        closers.sort()
        if _unterminated_after(text, opened):
            continue  # its `}` is inside the string: the string is the mistake, reported when it is read
        if at == len(text):
            last = len(text.rstrip())
            where = Label(Span(src, max(0, last - 1), last), "the file ends here")
        else:
            where = Label(Span(src, at, at), "the block seems to end before this line")
        sink.report(codes.MISSING_CLOSING_BRACE, "missing `}`: a block is never closed", Span(src, opened, opened + 1),
                    label="this `{` has no matching `}`", help="add `}` where the block ends", extra=(where,))
    return closers


def _unterminated_after(text: str, opened: int) -> bool:
    """Whether the line of the ``{`` at ``opened`` holds, after it, a string that its line does not close."""
    end = text.find("\n", opened)
    end = len(text) if end == -1 else end
    i = opened
    while True:
        i = _next_of(text, i, '"#')
        if i >= end or text[i] == "#":
            return False
        j = _skip_string(text, i)
        if not (j - 1 > i and text[j - 1] == '"'):
            return True
        i = j


# ----------------------------------------------------------------------------- the token-level recovery

def _first_offset(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, Token):
        return value.start_pos
    if isinstance(value, tuple):  # a map key: (text, span)
        return _first_offset(value[1])
    if isinstance(value, Tree):
        found = [o for o in (_first_offset(c) for c in value.children) if o is not None]
        return min(found) if found else None
    span = getattr(value, "span", value)
    return span.start if isinstance(span, Span) else None


class Recovery:
    """One recovering parse of one file (see the module docstring)."""

    def __init__(self, lark: Lark, src: SourceFile, text: str, sink: Sink, damage: Damage) -> None:
        self.src, self.sink, self.damage = src, sink, damage
        self.text = blank_surplus_closers(src, blank_slash_comments(src, text, sink), sink)
        self.closers = missing_closers(src, self.text, sink)
        self.unclosed = bool(self.closers)  # a block's `}` is missing: reported, and the file may end open
        interactive = lark.parse_interactive("")
        self.state: ParserState[Any] = interactive.parser_state
        self.lexer = interactive.lexer_thread.lexer
        self.states = self.state.parse_conf.states
        self.errors = 0

    # ------------------------------------------------------------- helpers

    def _lex(self, state: ParserState[Any], pos: int) -> Iterator[Token]:
        counter = LineCounter("\n")  # type: ignore[no-untyped-call]
        counter.feed(self.text[:pos])
        thread = LexerThread.from_text(self.lexer, self.text)
        assert thread.state is not None
        thread.state.line_ctr = counter
        tokens: Iterator[Token] = iter(thread.lex(state))  # type: ignore[no-untyped-call]
        return tokens

    def _accepts(self, state: ParserState[Any], kind: str) -> bool:
        """Whether ``kind`` has an action in the current state (a reduction may still reject it later)."""
        return kind in self.states[state.position]

    def _token(self, kind: str, value: str, at: int) -> Token:
        line, col = self.src.line_col(at)
        return Token(kind, value, at, line, col, line, col, at + len(value))

    def _trial(self, feed: list[Token], resume: int) -> bool:
        """Whether the parser takes ``feed`` and then the next few tokens from ``resume`` (none if negative)."""
        # Lark's reductions of `_item*` extend the list of the helper tree on the stack in place: a trial
        # works on copies of those lists (everything else on the stack is immutable).
        values = [Tree(v.data, list(v.children)) if isinstance(v, Tree) else v for v in self.state.value_stack]
        state = ParserState(self.state.parse_conf, self.state.lexer, list(self.state.state_stack), values)
        try:
            for tok in feed:
                state.feed_token(tok)
            if resume < 0:  # only what is fed
                return True
            for n, tok in enumerate(self._lex(state, resume), start=1):
                state.feed_token(tok)
                if n >= _TRIAL_TOKENS:
                    break
        except UnexpectedInput:
            return False
        return True

    def _close_virtually(self, upto: int) -> None:
        """Read the ``}`` of each block missing one, up to ``upto``, where the parser can take it."""
        while self.closers and self.closers[0] <= upto:
            closer = self._token("RBRACE", "}", self.closers.pop(0))
            if self._trial([closer], -1):
                self.state.feed_token(closer)

    # ------------------------------------------------------------- the loop

    def run(self) -> Any:
        """The tree (Lark's result, the :class:`~wavec.syntax.tree.Module`), or ``None`` if nothing can be read."""
        pos = 0
        while True:
            try:
                for tok in self._lex(self.state, pos):
                    if self.closers:
                        self._close_virtually(tok.start_pos or 0)
                    self.state.feed_token(tok)
                self._close_virtually(len(self.text))
                return self.state.feed_token(self._token("$END", "", len(self.text)), True)
            except UnexpectedInput as exc:
                resumed = self._recover(exc)
                if resumed is None:
                    return self._finish(exc.pos_in_stream if self.errors >= MAX_ERRORS else None)
                pos = resumed

    def _finish(self, rest: int | None = None) -> Any:
        """Close what is open and end the file (after the last error, or too many: then the text from ``rest``
        on is not read)."""
        begin = self._unwind()
        begin = min(x for x in (begin, rest) if x is not None) if begin is not None or rest is not None else None
        if begin is not None:
            self.damage.drop(self.text, begin, len(self.text))
        end = self._token("$END", "", len(self.text))
        closer = self._token("RBRACE", "}", len(self.text))
        while not self._trial([end], -1) and self._trial([closer], -1):
            self.state.feed_token(closer)
        try:
            return self.state.feed_token(end, True)
        except UnexpectedInput:
            return None

    def _recover(self, exc: UnexpectedInput) -> int | None:
        """Explain ``exc``, repair or drop, and return where to read on (``None``: stop reading)."""
        token = exc.token if isinstance(exc, UnexpectedToken) else None
        if token is not None and token.type == "$END":
            if not self.unclosed:  # else a missing `}` was reported; what is open is closed at the end
                self._explain(exc)
            return None
        self.errors += 1
        code = self._explain(exc)
        if self.errors >= MAX_ERRORS:
            return None
        at = token.start_pos if token is not None and token.start_pos is not None else exc.pos_in_stream or 0
        end = at + len(token) if token is not None else at + 1
        repaired = self._repair(code, token, at, end)
        if repaired is not None:
            return repaired
        return self._drop(at)

    def _explain(self, exc: UnexpectedInput) -> Code | None:
        setattr(exc, "interactive_parser", _Stacks(self.state))  # noqa: B010  # where mistakes reads headers
        if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
            setattr(exc, "pos_in_stream", len(self.text))  # noqa: B010  # Lark leaves it unset at the end
        return explain_syntax_error(self.src, exc, self.sink, self.text)

    def _repair(self, code: Code | None, token: Token | None, at: int, end: int) -> int | None:
        """Read on after a repair that the parser accepts: the offset to read on from, else ``None``."""
        text = self.text
        feed: list[Token] = []
        resume = end
        kind = token.type if token is not None else ""
        if code is codes.COLON_INSTEAD_OF_EQUALS and kind == "COLON":
            feed = [self._token("_EQ", "=", at)]
        elif code is codes.EQUALS_BEFORE_BLOCK:
            pass  # the `=` is skipped
        elif code is codes.SEPARATOR_BETWEEN_ATTRIBUTES:
            if not text[at + 1 : at + 2].isspace():
                return None  # `dep;loy`: a typo inside a word, not a separator
            resume = at + 1
        elif code in (codes.MISSING_EQUALS, codes.MISSING_COMMA) and token is not None:
            fix = ("_EQ", "=") if code is codes.MISSING_EQUALS else ("COMMA", ",")
            feed, resume = [self._token(*fix, at), token], end
        elif code is codes.SINGLE_QUOTED_STRING:
            close = text.find("'", at + 1)
            nl = text.find("\n", at)
            if close == -1 or (nl != -1 and close > nl):
                return None
            body = text[at + 1 : close]
            feed, resume = [self._token("STRING", '"' + body.replace('"', "'") + '"', at)], close + 1
        elif code in (codes.HYPHEN_IN_NAME, codes.UNEXPECTED_CHARACTER):
            resume = at + 1
            if code is codes.HYPHEN_IN_NAME:
                m = _IDENT.match(text, resume)
                resume = m.end() if m else resume
                while text.startswith("-", resume) and (m := re.compile(r"-[A-Za-z0-9_]+").match(text, resume)):
                    resume = m.end()
        else:
            return None
        if not self._trial(feed, resume):
            return None
        for tok in feed:
            self.state.feed_token(tok)
        return resume

    def _unwind(self) -> int | None:
        """Pop the partial item off the parser's stacks; the offset where it began (``None``: nothing popped)."""
        start: int | None = None
        stack, values = self.state.state_stack, self.state.value_stack
        # What is complete but not yet reduced (a block whose `}` was just read) is kept: the reductions a
        # new item's first token would make are made, and that token is taken back off.
        probe = self._token("NAME", "_", 0)
        if _ITEM_CONTEXT not in self.states[stack[-1]] and self._trial([probe], -1):
            self.state.feed_token(probe)
            stack.pop()
            values.pop()
        while _ITEM_CONTEXT not in self.states[stack[-1]] and len(stack) > 1:
            stack.pop()
            first = _first_offset(values.pop())
            start = first if first is not None else start
        return start

    def _drop(self, at: int) -> int:
        """Drop the item in error and return the offset of the next item (or ``}``) to read."""
        item = self._unwind()
        popped = item is not None
        begin = item if item is not None else at
        resume = self._next_item(begin, at if popped else at + 1, self._accepts(self.state, "RBRACE"))
        self.damage.drop(self.text, begin, resume)
        return resume

    def _next_item(self, begin: int, least: int, closes: bool) -> int:
        """The first ``}`` closing the enclosing block, or line starting an item, at ``least`` or later.

        Brackets opened from ``begin`` on belong to the dropped item; a line indented no deeper than the
        dropped item's ends it whatever its brackets (one left open is the likeliest mistake there).
        """
        text, n = self.text, len(self.text)
        indent = _line_indent_at(text, begin)
        depth = 0
        i = begin
        line_start = False
        while i < n:
            ch = text[i]
            if ch == "\n":
                line_start = True
                i += 1
                continue
            if ch in " \t\r\f":
                i += 1
                continue
            col = i - (text.rfind("\n", 0, i) + 1)
            first = line_start
            line_start = False
            if ch == '"':
                i = _skip_string(text, i)
                continue
            if ch == "#":
                nl = text.find("\n", i)
                i = n if nl == -1 else nl
                continue
            if ch == "}":
                if i >= least and (depth == 0 or (first and col < indent)):
                    if closes:
                        return i
                    depth = 0  # a `}` with nothing to close: dropped with the rest
                else:
                    depth = max(0, depth - 1)
                i += 1
                continue
            if ch in "{[(":
                depth += 1
            elif ch in ")]":
                depth = max(0, depth - 1)
            elif first and i >= least and (ch.isalpha() or ch == "_") and (depth == 0 or col <= indent):
                return i
            m = _IDENT.match(text, i)
            i = m.end() if m and (ch.isalpha() or ch == "_") else i + 1
        return n


class _Stacks:
    """Stands in for Lark's interactive parser where :mod:`wavec.syntax.mistakes` reads its value stack."""

    def __init__(self, state: ParserState[Any]) -> None:
        self.parser_state = state
