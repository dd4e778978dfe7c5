"""Interpolations into shell commands as data: quoted for the shell's state at the point where each one stands.

A command template (``run = "echo ${x} > ${region}.log"``) is shell text with interpolations in it. Each
interpolation must reach the shell as one word of data, whatever it holds (``a; touch /tmp/pwned``,
``$(id)``, quotes, newlines): so the text around it is read as the shell reads it — outside quotes, in
single quotes, in double quotes, in ``$'…'``, in a ``$(…)`` or backquoted command substitution, in a heredoc
body — and the interpolation is written in the form that state needs:

* a *reference* (``${region}`` locally: the runner's ``$WAVE_REGION``) becomes ``"${WAVE_REGION}"`` outside
  quotes, ``${WAVE_REGION}`` in double quotes and heredocs, ``'"${WAVE_REGION}"'`` in single quotes;
* a *value* known when compiling (a ``let`` string, or a compile-time name on a target that has no
  environment to pass it in) is quoted: ``'…'`` outside quotes, backslash-escaped in double quotes, closed and
  reopened around in single quotes, and ``$(printf '%s' '…')`` in a heredoc body (a raw line of the body can
  then never be the heredoc's delimiter; a value's trailing line breaks are dropped there).

A backslash just before an interpolation is a literal backslash (``echo \\${region}`` prints ``\\us-east-1``):
it can no longer escape the quote that starts the value. Inside a *quoted* heredoc (``<<'EOF'``) nothing is
expanded, so no interpolation can be data there: such interpolations are returned as problems for the caller
to report.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable

from ..records import field, record
from .values import Template, Var

# States of the reader.
PLAIN, SINGLE, DOUBLE, ANSI, HEREDOC, QUOTED_HEREDOC, COMMENT = (
    "plain", "single", "double", "ansi", "heredoc", "quoted-heredoc", "comment")


@record(frozen=False)
class _Heredoc:
    delimiter: str
    quoted: bool
    strip_tabs: bool


@record(frozen=False)
class _Reader:
    """The shell's quoting state after the text read so far."""

    stack: list[str] = field(default_factory=lambda: [PLAIN])
    depth: list[int] = field(default_factory=lambda: [0])  # open `(` in each command substitution
    escaped: bool = False
    pending: list[_Heredoc] = field(default_factory=list)
    body: _Heredoc | None = None
    line: list[str] = field(default_factory=list)  # the heredoc body line read so far
    word: list[str] | None = None  # a heredoc delimiter being read
    word_heredoc: tuple[bool, bool] = (False, False)  # (strip_tabs, seen quote) of the delimiter being read
    word_quote: str = ""  # the quote open in the delimiter word
    last: str = "\n"  # the previous character (a `#` starts a comment only at the start of a word)

    @property
    def state(self) -> str:
        if self.body is not None:
            return QUOTED_HEREDOC if self.body.quoted else HEREDOC
        return self.stack[-1]

    def feed(self, text: str) -> None:
        i, n = 0, len(text)
        while i < n:
            i = self._step(text, i)

    def _step(self, text: str, i: int) -> int:
        ch = text[i]
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if self.body is not None:
            return self._body(ch, i)
        state = self.stack[-1]
        self.last, last = ch, self.last
        if self.word is not None:  # reading a heredoc's delimiter word
            return self._delimiter(ch, i)
        if self.escaped:
            self.escaped = False
            return i + 1
        if state == COMMENT:
            if ch == "\n":
                self.stack.pop()
                self._newline()
            return i + 1
        if state == SINGLE:
            if ch == "'":
                self.stack.pop()
            return i + 1
        if state == ANSI:
            if ch == "\\":
                self.escaped = True
            elif ch == "'":
                self.stack.pop()
            return i + 1
        if ch == "\\":
            self.escaped = True
            return i + 1
        if ch == "$" and nxt == "(":
            self.stack.append(PLAIN)
            self.depth.append(0)
            return i + 2
        if ch == "`":
            if state == PLAIN and len(self.stack) > 1 and self.depth[-1] == -1:
                self.stack.pop()
                self.depth.pop()
            else:
                self.stack.append(PLAIN)
                self.depth.append(-1)  # a backquoted substitution: closed by the next backquote
            return i + 1
        if state == DOUBLE:
            if ch == '"':
                self.stack.pop()
            return i + 1
        # plain
        if ch == "'":
            self.stack.append(SINGLE)
        elif ch == "$" and nxt == "'":
            self.stack.append(ANSI)
            return i + 2
        elif ch == '"':
            self.stack.append(DOUBLE)
        elif ch == "#" and last in " \t\n;&|(":
            self.stack.append(COMMENT)
        elif ch == "(" and len(self.stack) > 1 and self.depth[-1] >= 0:
            self.depth[-1] += 1
        elif ch == ")" and len(self.stack) > 1 and self.depth[-1] >= 0:
            if self.depth[-1] == 0:
                self.stack.pop()
                self.depth.pop()
            else:
                self.depth[-1] -= 1
        elif ch == "<" and text.startswith("<<", i) and not text.startswith("<<<", i):
            j = i + 2
            strip = text.startswith("-", j)
            j += strip
            while j < len(text) and text[j] in " \t":
                j += 1
            self.word, self.word_heredoc = [], (strip, False)
            self.last = " "
            return j
        elif ch == "\n":
            self._newline()
        return i + 1

    def _delimiter(self, ch: str, i: int) -> int:
        assert self.word is not None
        strip, quoted = self.word_heredoc
        if self.word_quote:  # inside quotes in the word (`<<'END'`): everything up to the closing quote
            if ch == self.word_quote:
                self.word_quote = ""
            else:
                self.word.append(ch)
            return i + 1
        if ch in " \t\n;&|<>()":
            self.pending.append(_Heredoc("".join(self.word), quoted, strip))
            self.word = None
            if ch == "\n":
                self._newline()
            return i + 1
        if ch in "'\"":
            self.word_quote, self.word_heredoc = ch, (strip, True)  # a quoted word: the body is not expanded
        elif ch == "\\":
            self.word_heredoc = (strip, True)
        else:
            self.word.append(ch)
        return i + 1

    def _newline(self) -> None:
        if self.pending and self.stack[-1] == PLAIN:
            self.body = self.pending.pop(0)
            self.line = []

    def _body(self, ch: str, i: int) -> int:
        assert self.body is not None
        if ch != "\n":
            if self.body.quoted or not self.escaped:
                self.escaped = ch == "\\" and not self.body.quoted
            else:
                self.escaped = False
            self.line.append(ch)
            return i + 1
        line = "".join(self.line)
        self.line = []
        self.escaped = False
        if (line.lstrip("\t") if self.body.strip_tabs else line) == self.body.delimiter:
            self.body = self.pending.pop(0) if self.pending else None
        return i + 1


def _double(value: str) -> str:
    return "".join("\\" + c if c in '\\"$`' else c for c in value)


def _ansi(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def _printf(value: str) -> str:
    if "\n" not in value:
        return f"$(printf '%s' {shlex.quote(value)})"
    escaped = value.replace("\\", "\\\\").replace("\n", "\\n").replace("'", "'\\''").replace("%", "%%")
    return f"$(printf '{escaped}')"


def quote_value(value: str, state: str) -> str:
    """``value`` written so that, at a point of the shell in ``state``, it is exactly that text, as data."""
    if state == SINGLE:
        return "'" + shlex.quote(value) + "'"
    if state == DOUBLE:
        return _double(value)
    if state == ANSI:
        return _ansi(value)
    if state == HEREDOC:
        return _printf(value)
    if state == COMMENT:
        return value.replace("\n", " ")  # ignored by the shell, as long as no line break ends the comment
    return shlex.quote(value)


def quote_reference(ref: str, state: str) -> str:
    """A parameter reference (``${WAVE_REGION}``) that expands to one word of data at a point in ``state``."""
    if state == SINGLE:
        return f"'\"{ref}\"'"
    if state == ANSI:
        return f"'\"{ref}\"$'"
    if state in (DOUBLE, HEREDOC):
        return ref
    return f'"{ref}"'


@record
class ShellText:
    """A command's shell text, and the interpolations that stand where nothing can be data (quoted heredocs)."""

    text: str
    refused: tuple[Var, ...] = ()


def shell_text(template: Template, context: Callable[[Var], str], verbatim: bool = False) -> ShellText:
    """The shell text of ``template`` with each interpolation as data.

    A ``let`` string is quoted by :func:`quote_value`. A name of the context (``${region}``) is
    ``context(var)``: a parameter reference quoted by :func:`quote_reference`, or with ``verbatim`` text
    inserted as it is — for a target whose context values are known to be safe words (CodePipeline: validated
    names, regions and account ids, and its own ``#{…}`` variables, which hold ids).
    """
    reader = _Reader()
    out: list[str] = []
    refused: list[Var] = []
    for part in template.parts:
        if isinstance(part, str):
            out.append(part)
            reader.feed(part)
            continue
        state = reader.state
        if state == QUOTED_HEREDOC or reader.word is not None:
            refused.append(part)
            continue
        if part.value is None and verbatim:
            piece = context(part)
            out.append(piece)
            reader.feed(piece)
            continue
        if reader.escaped and state != SINGLE:
            out.append("\\")  # the backslash before the interpolation stays a literal backslash
            reader.escaped = False
        piece = quote_value(part.value, state) if part.value is not None else quote_reference(context(part), state)
        for _ in range(reader.depth.count(-1)):
            # In `…` the shell first turns \\ \` \$ into \ ` $, then parses: escape them once per level.
            piece = "".join("\\" + c if c in "\\`$" else c for c in piece)
        out.append(piece)
        if state == HEREDOC:
            reader.line.append(piece)
        reader.last = "x"
    return ShellText("".join(out), tuple(refused))
