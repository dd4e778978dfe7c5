"""``wavec fmt``: print a parsed file in the one canonical layout, keeping every comment.

The layout rules (documented for users in ``docs/authoring.md``):

* two spaces of indentation per block level; no trailing whitespace; one ``\\n`` at the end;
* one item (attribute, block, ``let``, ``import``, ``allow``) per line, except *one-line blocks*;
* a block stays on one line — ``step unit { kind = test  run = "make test" }`` — when it was written
  on one line, holds only attributes whose values fit on one line, contains no comment and the whole
  line fits in :data:`WIDTH` columns; attributes inside it are separated by two spaces. Every other
  block is written one item per line (a block is never joined onto one line: that choice is the author's);
* the ``=`` of consecutive attributes (and of consecutive ``let`` statements) are aligned; a blank line
  starts a new group. The ``{`` of consecutive blocks of the same type are aligned when one of them is a
  one-line block (a table of steps or waves);
* blank lines between items are kept, runs of them collapse to one; none after ``{`` or before ``}``;
* a list or map stays on one line when it fits, holds no comment and has no trailing comma; otherwise it
  is written one element per line, each followed by a comma (so a trailing comma keeps a list expanded,
  the "magic trailing comma" of black and ruff);
* other expressions keep their line breaks: each line is re-spaced (one space around operators, none
  inside brackets), continuation lines are indented by bracket depth;
* literals (strings, numbers, durations, percents, clocks) and comments are printed exactly as written;
  a comment stays on its line, at the end of the item it followed or on its own line before the next one.

Formatting never changes meaning: :func:`format_text` parses its own output again and refuses
(:class:`FormatError`) unless the syntax tree, without positions, and the sequence of comments are equal.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from typing import assert_never

from ..diagnostics import Diagnostic, Severity, Sink
from ..records import field, fields, is_record, record
from ..source import SourceFile, Span
from . import tree as t
from .comments import CLOSERS, OPENERS, Comment, Lexed, Tok
from .parser import parse

#: The line width that one-line blocks and one-line lists must fit in.
WIDTH = 120
INDENT = "  "

# Token spacing in expressions.
_NO_SPACE_BEFORE = frozenset({"COMMA", "RPAR", "RSQB", "DOT", "COLON"})
_NO_SPACE_AFTER = frozenset({"LPAR", "LSQB", "DOT", "COLON"})
_ENDS_OPERAND = frozenset({"NAME", "STRING", "NUMBER", "PERCENT", "CLOCK", "TRUE", "FALSE", "NONE",
                           "RPAR", "RSQB", "RBRACE"})


class FormatError(Exception):
    """The formatter produced text that does not mean what the input meant: a bug, never written."""


@record(frozen=False)
class FormatResult:
    """The formatted text (``None`` when the input has syntax errors) and the parser's diagnostics."""

    original: str
    text: str | None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether formatting changes the file."""
        return self.text is not None and self.text != self.original


def format_text(text: str, path: str = "<stdin>", width: int = WIDTH) -> FormatResult:
    """Format one file's text; syntax errors come back as diagnostics and no text."""

    sink = Sink()
    module = parse(SourceFile(path, text), sink)
    errors = [d for d in sink.sorted() if d.severity is Severity.ERROR]
    if module is None or errors:
        return FormatResult(text, None, sink.sorted())
    lexed = Lexed(text)
    out = _Printer(lexed, width).module(module)
    _verify(module, lexed, out, path)
    return FormatResult(text, out, sink.sorted())


def strip_spans(node: object) -> object:
    """A comparable dump of a syntax tree (or IR) without source positions."""
    if isinstance(node, Span):
        return None
    if is_record(node) and not isinstance(node, type):
        kept = (f.name for f in fields(node) if f.name not in ("span", "key_span", "attr_spans"))
        return (type(node).__name__, *((name, strip_spans(getattr(node, name))) for name in kept))
    if isinstance(node, (tuple, list)):
        return tuple(strip_spans(x) for x in node)
    if isinstance(node, Mapping):
        return tuple(sorted((str(k), strip_spans(v)) for k, v in node.items() if not isinstance(v, Span)))
    return node


def _verify(before: t.Module, lexed: Lexed, out: str, path: str) -> None:

    sink = Sink()
    after = parse(SourceFile(path, out), sink)
    broken = any(d.severity is Severity.ERROR for d in sink)  # a recovered parse is not the same file
    if after is None or broken or strip_spans(after) != strip_spans(before):
        raise FormatError(f"{path}: formatting would change the meaning of the file")
    if [c.text for c in Lexed(out).comments] != [c.text for c in lexed.comments]:
        raise FormatError(f"{path}: formatting would lose or reorder a comment")


# ---------------------------------------------------------------------- layout


@record(frozen=False)
class _Slots:
    """Where the comments of a region (a file, a block body, a list) go relative to its elements."""

    header: Comment | None = None  # after the opening bracket, on its line
    leading: list[list[tuple[Comment, bool]]] = field(default_factory=list)  # (comment, blank line before)
    trailing: list[Comment | None] = field(default_factory=list)
    blank: list[bool] = field(default_factory=list)  # a blank line before the element
    dangling: list[tuple[Comment, bool]] = field(default_factory=list)  # before the closing bracket


class _Printer:
    """Turns a syntax tree plus its comments into lines."""

    def __init__(self, lexed: Lexed, width: int) -> None:
        self.lx = lexed
        self.width = width
        self._flat_blocks: dict[int, str | None] = {}
        self._extents: dict[int, tuple[int, int]] = {}

    def _extent(self, e: t.Expr) -> tuple[int, int]:
        """Offsets of an element expression's text, with its parentheses.

        Spans start and end at the first and last token the tree keeps, and the tree drops
        parentheses: ``not (a)`` ends at ``a``, ``(a) + b`` starts at ``a``, ``x = (a)`` is ``a``.
        An element (an attribute value, a list item, a map value) owns every parenthesis around it.
        """
        key = id(e)
        if key in self._extents:
            return self._extents[key]
        lo, hi = e.span.start, e.span.end
        depth = low = 0
        for tok in self.lx.tokens_in(lo, hi):
            depth += (tok.type == "LPAR") - (tok.type == "RPAR")
            low = min(low, depth)
        for _ in range(-low):  # `(` whose `)` lies inside
            opener = self.lx.code_before(lo)
            assert opener is not None and opener.type == "LPAR"
            lo = opener.start
        for _ in range(depth - low):  # `)` of a `(` inside
            closer = self.lx.code_after(hi)
            assert closer is not None and closer.type == "RPAR"
            hi = closer.end
        while True:  # parentheses around the whole element
            before, after = self.lx.code_before(lo), self.lx.code_after(hi)
            if before is None or after is None or before.type != "LPAR" or after.type != "RPAR":
                break
            lo, hi = before.start, after.end
        self._extents[key] = (lo, hi)
        return lo, hi

    def _span_of(self, x: t.Item | t.Expr | t.MapEntry) -> tuple[int, int]:
        """Offsets of an element of a region, with the parentheses of its value."""
        match x:
            case t.MapEntry():
                return x.key_span.start, self._extent(x.value)[1]
            case t.Attribute() | t.Let():
                return x.span.start, max(x.span.end, self._extent(x.value)[1])
            case t.Block() | t.Import() | t.Allow():
                return x.span.start, x.span.end
            case _:  # the expressions: `_extent` takes a `t.Expr`, so mypy proves no other kind is left
                return self._extent(x)

    # ------------------------------------------------------------ regions

    def _slots(self, spans: list[tuple[int, int]], lo: int, hi: int, header: bool) -> _Slots:
        """Attach the comments of ``[lo, hi)`` that lie between (not inside) elements."""
        n = len(spans)
        starts = [s for s, _ in spans]
        slots = _Slots(None, [[] for _ in spans], [None] * n, [False] * n, [])
        loose: list[Comment] = []
        for c in self.lx.comments_in(lo, hi):
            k = bisect.bisect_right(starts, c.start)
            if k and c.start < spans[k - 1][1]:
                continue  # inside an element: its own printer places it
            loose.append(c)
        pending: list[Comment] = []
        own_line_after: set[int] = set()  # k: an own-line comment follows element k-1 (order must be kept)
        for c in loose:
            k = bisect.bisect_right(starts, c.start)
            if not c.own_line and k and k not in own_line_after and slots.trailing[k - 1] is None:
                slots.trailing[k - 1] = c
            elif not c.own_line and not k and header and not own_line_after and slots.header is None:
                slots.header = c
            else:
                pending.append(c)
                own_line_after.add(k)
        # own-line comments: before the next element, or before the closing bracket
        prev_end = lo
        by_next: dict[int, list[Comment]] = {}
        for c in pending:
            by_next.setdefault(bisect.bisect_right(starts, c.start), []).append(c)
        if slots.header is not None:
            prev_end = slots.header.end
        for i, (start, end) in enumerate(spans):
            for c in by_next.get(i, []):
                slots.leading[i].append((c, self.lx.blank_line_between(prev_end, c.start)))
                prev_end = c.end
            slots.blank[i] = self.lx.blank_line_between(prev_end, start)
            trailing = slots.trailing[i]
            prev_end = trailing.end if trailing is not None else end
        for c in by_next.get(n, []):
            slots.dangling.append((c, self.lx.blank_line_between(prev_end, c.start)))
            prev_end = c.end
        return slots

    def _groups(self, items: list[t.Item], slots: _Slots, depth: int) -> tuple[list[int], list[int]]:
        """Per item: the width its name is padded to (``=`` alignment), and its block header's width."""
        pads = [0] * len(items)
        hpads = [0] * len(items)

        def breaks(i: int) -> bool:
            return slots.blank[i] or any(b for _, b in slots.leading[i])

        i = 0
        while i < len(items):
            kind = _align_kind(items[i])
            j = i + 1
            while j < len(items) and _align_kind(items[j]) == kind and not breaks(j):
                j += 1
            if kind.startswith("block:"):
                run = [x for x in items[i:j] if isinstance(x, t.Block)]
                if any(self._flat_block(b, depth) is not None for b in run):
                    width = max(len(_header(b)) for b in run)
                    for k in range(i, j):
                        hpads[k] = width
            elif kind:
                width = max(len(_name(x)) for x in items[i:j])
                for k in range(i, j):
                    pads[k] = width
            i = j
        return pads, hpads

    def _body(self, items: tuple[t.Item, ...], lo: int, hi: int, depth: int, header: bool
              ) -> tuple[Comment | None, list[str]]:
        """The lines of a file or block body (indented to ``depth``) and the comment after its ``{``."""
        ind = INDENT * depth
        slots = self._slots([self._span_of(x) for x in items], lo, hi, header)
        pads, hpads = self._groups(list(items), slots, depth)
        lines: list[str] = []
        for i, item in enumerate(items):
            for c, blank in slots.leading[i]:
                if blank and lines:
                    lines.append("")
                lines.append(ind + c.text)
            if slots.blank[i] and lines:
                lines.append("")
            item_lines = self._item(item, depth, pads[i], hpads[i])
            trailing = slots.trailing[i]
            if trailing is not None:
                item_lines[-1] += "  " + trailing.text
            lines.extend(item_lines)
        for c, blank in slots.dangling:
            if blank and lines:
                lines.append("")
            lines.append(ind + c.text)
        return slots.header, lines

    def module(self, module: t.Module) -> str:
        """The whole formatted file."""
        _, lines = self._body(module.items, 0, len(self.lx.text), 0, header=False)
        return "\n".join(lines) + "\n" if lines else ""

    # -------------------------------------------------------------- items

    def _hoisted(self, lo: int, hi: int, depth: int) -> list[str]:
        """Comments inside an item's head (``name # c\\n = value``) move to their own lines before it."""
        return [INDENT * depth + c.text for c in self.lx.comments_in(lo, hi)]

    def _item(self, item: t.Item, depth: int, pad: int, hpad: int) -> list[str]:
        ind = INDENT * depth
        match item:
            case t.Block():
                return self._block(item, depth, hpad)
            case t.Import():
                alias = f" as {item.alias.value}" if item.alias is not None else ""
                return [*self._hoisted(item.span.start, item.span.end, depth),
                        f"{ind}import {item.path.span.text}{alias}"]
            case t.Allow():
                allow = f"{ind}allow {item.code.value} {item.reason.span.text}"
                return [*self._hoisted(item.span.start, item.span.end, depth), allow]
            case t.Attribute() | t.Let():
                head = f"{ind}{'let ' if isinstance(item, t.Let) else ''}{item.name.value.ljust(pad)} = "
                value = self._value(item.value, depth, len(head), 0)
                return [*self._hoisted(item.span.start, self._extent(item.value)[0], depth), head + value[0],
                        *value[1:]]
            case _:
                assert_never(item)

    def _block(self, block: t.Block, depth: int, hpad: int) -> list[str]:
        ind = INDENT * depth
        lbrace = self.lx.first("LBRACE", block.header.end, block.span.end)
        hoisted = self._hoisted(block.span.start, lbrace.start, depth)
        head = _header(block).ljust(hpad)
        flat = self._flat_block(block, depth)
        if flat is not None:
            return [*hoisted, ind + head + flat]
        comment, body = self._body(block.body, lbrace.end, block.span.end - 1, depth + 1, header=True)
        first = f"{ind}{head} {{" + (f"  {comment.text}" if comment is not None else "")
        return [*hoisted, first, *body, ind + "}"]

    def _flat_block(self, block: t.Block, depth: int) -> str | None:
        """`` { a = 1  b = 2 }`` when the block qualifies as a one-line block, else ``None``."""
        key = id(block)
        if key not in self._flat_blocks:
            self._flat_blocks[key] = self._compute_flat_block(block, depth)
        return self._flat_blocks[key]

    def _compute_flat_block(self, block: t.Block, depth: int) -> str | None:
        lbrace = self.lx.first("LBRACE", block.header.end, block.span.end)
        close = block.span.end - 1
        if self.lx.has_comment(lbrace.start, close):
            return None
        if not block.body:
            return " {}"
        if not self.lx.same_line(lbrace.start, close):
            return None
        parts: list[str] = []
        for item in block.body:
            if not isinstance(item, t.Attribute):
                return None
            value = self._flat(item.value)
            if value is None:
                return None
            parts.append(f"{item.name.value} = {value}")
        text = " { " + "  ".join(parts) + " }"
        if len(INDENT * depth) + len(_header(block)) + len(text) > self.width:
            return None
        return text

    # -------------------------------------------------------- expressions

    def _flat(self, e: t.Expr) -> str | None:
        """The expression on one line, or ``None`` when it must span lines."""
        lo, hi = self._extent(e)
        if self.lx.has_comment(lo, hi):
            return None
        plain = (lo, hi) == (e.span.start, e.span.end)  # parenthesised ones are printed token by token
        if plain and isinstance(e, t.ListExpr):
            items = [self._flat(x) for x in e.items]
            if self._magic_comma(e) or any(x is None for x in items):
                return None
            return "[" + ", ".join(x for x in items if x is not None) + "]"
        if plain and isinstance(e, t.MapExpr):
            entries = [(x.key_span.text, self._flat(x.value)) for x in e.entries]
            if self._magic_comma(e) or any(v is None for _, v in entries):
                return None
            return "{ " + ", ".join(f"{k} = {v}" for k, v in entries) + " }" if entries else "{}"
        toks = self.lx.tokens_in(lo, hi)
        if toks[0].line != toks[-1].line:
            return None
        return _join(toks)

    def _magic_comma(self, e: t.ListExpr | t.MapExpr) -> bool:
        toks = self.lx.tokens_in(e.span.start, e.span.end)
        return len(toks) >= 3 and toks[-2].type == "COMMA"

    def _value(self, e: t.Expr, depth: int, col: int, reserve: int) -> list[str]:
        """Lines of an expression starting at column ``col``: the first continues the line, the rest are indented."""
        lo, hi = self._extent(e)
        if isinstance(e, (t.ListExpr, t.MapExpr)) and (lo, hi) == (e.span.start, e.span.end):
            flat = self._flat(e)
            if flat is not None and col + len(flat) + reserve <= self.width:
                return [flat]
            return self._expanded(e, depth)
        return self._tokens(lo, hi, depth)

    def _expanded(self, e: t.ListExpr | t.MapExpr, depth: int) -> list[str]:
        """A list or map one element per line, each followed by a comma."""
        ind, inner = INDENT * depth, INDENT * (depth + 1)
        elements: list[t.Expr | t.MapEntry] = list(e.items) if isinstance(e, t.ListExpr) else list(e.entries)
        slots = self._slots([self._span_of(x) for x in elements], e.span.start + 1, e.span.end - 1, True)
        keys = [x.key_span.text for x in elements if isinstance(x, t.MapEntry)]
        kpad = max((len(k) for k in keys), default=0)
        opener, closer = ("[", "]") if isinstance(e, t.ListExpr) else ("{", "}")
        lines = [opener + (f"  {slots.header.text}" if slots.header is not None else "")]
        for i, x in enumerate(elements):
            for c, blank in slots.leading[i]:
                if blank and len(lines) > 1:
                    lines.append("")
                lines.append(inner + c.text)
            if slots.blank[i] and len(lines) > 1:
                lines.append("")
            if isinstance(x, t.MapEntry):
                head = f"{inner}{x.key_span.text.ljust(kpad)} = "
                hoisted = self._hoisted(x.key_span.start, self._extent(x.value)[0], depth + 1)
                value = self._value(x.value, depth + 1, len(head), 1)
                part = [*hoisted, head + value[0], *value[1:]]
            else:
                value = self._value(x, depth + 1, len(inner), 1)
                part = [inner + value[0], *value[1:]]
            part[-1] += ","
            trailing = slots.trailing[i]
            if trailing is not None:
                part[-1] += "  " + trailing.text
            lines.extend(part)
        for c, blank in slots.dangling:
            if blank and len(lines) > 1:
                lines.append("")
            lines.append(inner + c.text)
        lines.append(ind + closer)
        return lines

    def _tokens(self, lo: int, hi: int, depth: int) -> list[str]:
        """Any other expression: its source lines kept, each re-spaced, indented by bracket depth."""
        rows: list[list[Tok]] = []
        for tok in self.lx.tokens_in(lo, hi):
            if rows and rows[-1][0].line == tok.line:
                rows[-1].append(tok)
            else:
                rows.append([tok])
        lines: list[str] = []
        open_ = 0
        for n, row in enumerate(rows):
            code = _visible([x for x in row if not x.is_comment])
            comment = next((x.text.rstrip() for x in row if x.is_comment), None)
            text = _join(code)
            if comment is not None:
                text = f"{text}  {comment}" if text else comment
            if n == 0:
                lines.append(text)
            else:
                level = max(open_ - 1, 0) if code and code[0].type in CLOSERS else max(open_, 1)
                lines.append(INDENT * (depth + level) + text)
            open_ = max(0, open_ + sum(x.type in OPENERS for x in code) - sum(x.type in CLOSERS for x in code))
        return lines


def _visible(toks: list[Tok]) -> list[Tok]:
    """The tokens of a line that are printed: a comma right before a closing bracket is dropped."""
    return [x for i, x in enumerate(toks) if not (x.type == "COMMA" and i + 1 < len(toks)
                                                   and toks[i + 1].type in CLOSERS)]


def _join(toks: list[Tok]) -> str:
    """Tokens of one line with canonical spacing."""
    out: list[str] = []
    prev: Tok | None = None
    prev_unary = False
    for tok in _visible(toks):
        unary = tok.type == "MINUS" and (prev is None or prev.type not in _ENDS_OPERAND)
        sep = " " if prev is not None and not prev_unary and _spaced(prev, tok) else ""
        out.append(sep + tok.text)
        prev, prev_unary = tok, unary
    return "".join(out)


def _spaced(prev: Tok, tok: Tok) -> bool:
    """Whether a space separates two tokens on a line (``prev`` is not a unary minus)."""
    if tok.type in _NO_SPACE_BEFORE or prev.type in _NO_SPACE_AFTER:
        return False
    if (tok.type == "LPAR" and prev.type == "NAME") or (tok.type == "LSQB" and prev.type in _ENDS_OPERAND):
        return False  # a call or an index
    return not (tok.type == "RBRACE" and prev.type == "LBRACE")


def _header(block: t.Block) -> str:
    return " ".join([block.type.value, *(label.span.text for label in block.labels)])


def _name(item: t.Item) -> str:
    return item.name.value if isinstance(item, (t.Attribute, t.Let)) else ""


def _align_kind(item: t.Item) -> str:
    match item:
        case t.Attribute():
            return "attribute"
        case t.Let():
            return "let"
        case t.Block():
            return "block:" + item.type.value
        case t.Import() | t.Allow():
            return ""
        case _:
            assert_never(item)


__all__ = ["WIDTH", "FormatError", "FormatResult", "format_text", "strip_spans"]
