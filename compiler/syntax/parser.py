"""The parser: Lark LALR over ``grammar/wave.lark``, cached, building the typed tree in one pass.

Syntax errors become diagnostics that say what was expected in words a user
knows; :mod:`wavec.syntax.mistakes` recognises common mistakes (``:`` for
``=``, YAML habits, hyphens in names, …) and gives each its own message.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from lark import Lark, Token
from lark import __version__ as LARK_VERSION
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from ..diagnostics import Sink
from ..diagnostics.codes import builtin as codes
from ..records import replace
from ..source import SourceFile, Span
from . import tree as t
from .depth import check_depth
from .literals import decode_clock, decode_number, decode_percent, decode_string
from .mistakes import RESERVED
from .prescan import blank_long_literals
from .recovery import Damage, Recovery

_state = threading.local()
_state.damage = None
_lark: Lark | None = None


def grammar_text() -> str:
    """The grammar as shipped in the package."""
    return resources.files("wavec.grammar").joinpath("wave.lark").read_text(encoding="utf-8")


def _tok_span(tok: Token) -> Span:
    return Span(_state.src, tok.start_pos or 0, tok.end_pos or 0)


def _reserved(tok: Token) -> None:
    # The contextual lexer reads a keyword where no keyword can stand as a NAME; the
    # language reserves them all the same, so that a later grammar change breaks nobody.
    if tok.value in RESERVED:
        _state.sink.report(
            codes.RESERVED_WORD, f"`{tok}` is a reserved word and cannot be used as a name", _tok_span(tok),
            label="reserved word",
            help="choose another name; the reserved words are " + ", ".join(f"`{w}`" for w in sorted(RESERVED)),
        )


def _ident(tok: Token) -> t.Ident:
    if tok.type == "NAME" and tok.value in RESERVED:
        _reserved(tok)
    return t.Ident(tok.value, Span(_state.src, tok.start_pos or 0, tok.end_pos or 0))


def _string(tok: Token) -> t.StringLit:
    return decode_string(_state.src, tok.start_pos or 0, tok.value, _state.sink)


def _start(x: Any) -> int:
    """Where a child of a rule begins: a token, or a node with a span."""
    return (x.start_pos or 0) if isinstance(x, Token) else x.span.start


def _end(x: Any) -> int:
    """Where a child of a rule ends: a token, or a node with a span."""
    return (x.end_pos or 0) if isinstance(x, Token) else x.span.end


def _binary(op: str) -> Callable[[list[Any]], t.Binary]:
    """The callback of a binary operator whose operator token the grammar filters out: ``[left, right]``."""
    def build(c: list[Any]) -> t.Binary:
        left, right = c[0], c[-1]
        return t.Binary(op, left, right, Span(_state.src, left.span.start, right.span.end))
    return build


class _Build:
    """Lark's callbacks, one per rule, run during the LALR parse: each takes the rule's children as a list.

    A plain object and not a :class:`lark.Transformer`: Lark then calls each method directly with the list
    it builds, and builds the helper trees of ``_item*`` and ``_label*`` with its plain ``Tree`` as the
    bare parse does, where a ``Transformer`` (with ``v_args(inline=True)``) puts two or three more calls
    around every reduction. Keywords, brackets and braces are named terminals, so every rule keeps its
    first and last token and the span of every node comes from its children.
    """

    @staticmethod
    def start(c: list[t.Item]) -> t.Module:
        src = _state.src
        return t.Module(tuple(c), Span(src, 0, len(src.text)))

    @staticmethod
    def import_stmt(c: list[Any]) -> t.Import:
        kw, path = c[0], c[1]
        alias = c[2] if len(c) > 2 else None
        end = alias if alias is not None else path
        return t.Import(_string(path), _ident(alias) if alias is not None else None,
                        Span(_state.src, kw.start_pos or 0, end.end_pos or 0))

    @staticmethod
    def let_stmt(c: list[Any]) -> t.Let:
        kw, name, value = c
        return t.Let(_ident(name), value, Span(_state.src, kw.start_pos or 0, value.span.end))

    @staticmethod
    def allow_stmt(c: list[Any]) -> t.Allow:
        kw, code, reason = c
        return t.Allow(_ident(code), _string(reason), Span(_state.src, kw.start_pos or 0, reason.end_pos or 0))

    @staticmethod
    def attribute(c: list[Any]) -> t.Attribute:
        name, value = c
        return t.Attribute(_ident(name), value, Span(_state.src, name.start_pos or 0, value.span.end))

    @staticmethod
    def block(c: list[Any]) -> t.Block:
        # [type, label…, "{", item…, "}"]: the labels are the tokens before the brace, the items the nodes.
        kind = c[0]
        labels: list[t.Ident | t.StringLit] = []
        i = 1
        while True:
            x = c[i]
            kind_of = x.type
            if kind_of == "LBRACE":
                break
            labels.append(_string(x) if kind_of == "STRING" else _ident(x))
            i += 1
        body = c[i + 1 : -1]
        span = Span(_state.src, kind.start_pos or 0, c[-1].end_pos or 0)
        damage = _state.damage
        damaged = damage is not None and damage.inside(
            span.start, span.end, [(b.span.start, b.span.end) for b in body if isinstance(b, t.Block)])
        return t.Block(_ident(kind), tuple(labels), tuple(body), span, damaged)

    # expressions
    @staticmethod
    def lambda_expr(c: list[Any]) -> t.Lambda:
        param, body = c
        return t.Lambda(_ident(param), body, Span(_state.src, param.start_pos or 0, body.span.end))

    or_op = staticmethod(_binary("or"))
    and_op = staticmethod(_binary("and"))
    in_op = staticmethod(_binary("in"))
    # The grammar's anonymous "not" "in" tokens are filtered out: the right operand is the last child.
    not_in_op = staticmethod(_binary("not in"))
    add = staticmethod(_binary("+"))
    sub = staticmethod(_binary("-"))  # [left, "-", right]: the operator is the named MINUS
    mul = staticmethod(_binary("*"))
    div = staticmethod(_binary("/"))

    @staticmethod
    def compare(c: list[Any]) -> t.Binary:
        left, op, right = c
        return t.Binary(op.value, left, right, Span(_state.src, left.span.start, right.span.end))

    @staticmethod
    def not_op(c: list[Any]) -> t.Unary:
        kw, a = c
        return t.Unary("not", a, Span(_state.src, kw.start_pos or 0, a.span.end))

    @staticmethod
    def neg(c: list[Any]) -> t.Unary:
        op, a = c
        return t.Unary("-", a, Span(_state.src, op.start_pos or 0, a.span.end))

    @staticmethod
    def getattr(c: list[Any]) -> t.GetAttr:
        obj, name = c
        return t.GetAttr(obj, _ident(name), Span(_state.src, obj.span.start, name.end_pos or 0))

    @staticmethod
    def index(c: list[Any]) -> t.Index:
        obj, idx, close = c
        return t.Index(obj, idx, Span(_state.src, obj.span.start, close.end_pos or 0))

    @staticmethod
    def slice(c: list[Any]) -> t.Slice:
        obj, start, stop, close = c
        return t.Slice(obj, start, stop, Span(_state.src, obj.span.start, close.end_pos or 0))

    @staticmethod
    def clock_slice(c: list[Any]) -> t.Slice:
        # `waves[10:20]` lexes as a clock; it is a slice with two integer bounds.
        obj, tok, close = c
        src = _state.src
        a, b = tok.value.split(":")
        s = tok.start_pos or 0
        start = t.NumberLit(int(a), Span(src, s, s + len(a)))
        stop = t.NumberLit(int(b), Span(src, s + len(a) + 1, s + len(tok)))
        return t.Slice(obj, start, stop, Span(src, obj.span.start, close.end_pos or 0))

    @staticmethod
    def call(c: list[Any]) -> t.Call:
        # [name, arg… (or one None: no arguments), ")"]
        func = c[0]
        args = tuple(a for a in c[1:-1] if a is not None)
        return t.Call(_ident(func), args, Span(_state.src, func.start_pos or 0, c[-1].end_pos or 0))

    @staticmethod
    def name(c: list[Token]) -> t.NameRef:
        tok = c[0]
        if tok.value in RESERVED:
            _reserved(tok)
        return t.NameRef(tok.value, Span(_state.src, tok.start_pos or 0, tok.end_pos or 0))

    @staticmethod
    def string(c: list[Token]) -> t.StringLit:
        return _string(c[0])

    @staticmethod
    def number(c: list[Token]) -> t.NumberLit | t.DurationLit:
        tok = c[0]
        return decode_number(_tok_span(tok), tok.value, _state.sink)

    @staticmethod
    def percent(c: list[Token]) -> t.PercentLit:
        tok = c[0]
        return decode_percent(_tok_span(tok), tok.value, _state.sink)

    @staticmethod
    def clock(c: list[Token]) -> t.ClockLit:
        tok = c[0]
        return decode_clock(_tok_span(tok), tok.value, _state.sink)

    @staticmethod
    def true(c: list[Token]) -> t.BoolLit:
        return t.BoolLit(True, _tok_span(c[0]))

    @staticmethod
    def false(c: list[Token]) -> t.BoolLit:
        return t.BoolLit(False, _tok_span(c[0]))

    @staticmethod
    def none(c: list[Token]) -> t.NoneLit:
        return t.NoneLit(_tok_span(c[0]))

    @staticmethod
    def list_expr(c: list[Any]) -> t.ListExpr:
        # ["[", item… (or one None: an empty list), "]"]
        return t.ListExpr(tuple(i for i in c[1:-1] if i is not None),
                          Span(_state.src, c[0].start_pos or 0, c[-1].end_pos or 0))

    @staticmethod
    def map_key(c: list[Token]) -> tuple[str, Span]:
        tok = c[0]
        if tok.type == "STRING":
            s = _string(tok)
            return s.value, s.span
        return tok.value, _tok_span(tok)

    @staticmethod
    def map_expr(c: list[Any]) -> t.MapExpr:
        # ["{", key, value, key, value, …, "}"]
        entries = [t.MapEntry(c[i][0], c[i][1], c[i + 1]) for i in range(1, len(c) - 1, 2)]
        return t.MapExpr(tuple(entries), Span(_state.src, c[0].start_pos or 0, c[-1].end_pos or 0))


_OPTIONS: dict[str, Any] = {"parser": "lalr", "lexer": "contextual", "maybe_placeholders": True}


# A folder for the analysed grammar instead of the package's own (a read-only install, or a test that must not
# share the cache with the processes running beside it).
CACHE_DIR_VARIABLE = "WAVEC_CACHE_DIR"


def cache_path(grammar: str) -> Path | None:
    """Where the analysed grammar is kept: beside ``wave.lark`` in the installed package (or in
    ``$WAVEC_CACHE_DIR`` when it is set), under a name that holds a digest of the grammar, the options and the
    Lark and Python versions (so a stale one is never read); ``None`` when the package is not a folder on
    disk and no folder is set."""
    key = hashlib.sha256(f"{grammar}{sorted(_OPTIONS.items())}{LARK_VERSION}{sys.version_info[:2]}"
                         .encode()).hexdigest()[:20]
    chosen = os.environ.get(CACHE_DIR_VARIABLE)
    if chosen:
        return Path(chosen) / f"wave-{key}.lark-cache"
    folder = resources.files("wavec.grammar")
    return Path(str(folder)) / f"wave-{key}.lark-cache" if isinstance(folder, Path) else None


def _analysed(grammar: str) -> Lark:
    """The parser from the analysed grammar beside the package, analysing (and keeping) it on a miss.

    Lark's own ``cache=True`` keeps it in the temporary folder, which a fresh CI container or a test's
    ``TMPDIR`` does not have: a miss costs the whole analysis (tens of ms) on every run there. When the
    package folder cannot be written, that temporary cache is still the fallback.
    """
    path = cache_path(grammar)
    if path is not None:
        try:
            with path.open("rb") as f:
                # Lark.load takes no options; _load is what Lark's own cache calls, with the transformer.
                loaded: Lark = Lark.__new__(Lark)._load(f, transformer=_Build())
                return loaded
        except FileNotFoundError:
            pass
        except Exception:  # a damaged cache is analysed again, and replaced
            pass
        if os.access(path.parent, os.W_OK):
            built = Lark(grammar, transformer=_Build(), **_OPTIONS)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            try:
                with tmp.open("wb") as f:
                    built.save(f)
                os.replace(tmp, path)  # whole or not at all, when runs start together
            except OSError:
                tmp.unlink(missing_ok=True)
            return built
    return Lark(grammar, transformer=_Build(), cache=True, **_OPTIONS)


def parser() -> Lark:
    """The shared LALR parser (the grammar analysis is cached on disk beside the package, see :func:`_analysed`)."""
    global _lark
    if _lark is None:
        _lark = _analysed(grammar_text())
    return _lark


def parse(src: SourceFile, sink: Sink) -> t.Module | None:
    """Parse one file, reporting every syntax error; ``None`` when nothing of it can be read.

    An error-free file is read in one plain LALR pass. A file with a syntax error is read again with
    recovery (:mod:`wavec.syntax.recovery`): the tree then holds what could be read, its blocks that lost
    part of their body are marked ``damaged`` and ``lost_names`` holds the names of the dropped text.
    """
    text = blank_long_literals(src, sink)  # spans still index src.text
    first = Sink()  # what the callbacks report counts only if the plain pass reads the whole file
    _state.src, _state.sink, _state.damage = src, first, None
    result: Any
    try:
        result = parser().parse(text)
    except UnexpectedInput:  # a bug in a callback is no syntax error: it is raised as it is
        result = None
    finally:
        _state.src = _state.sink = None
    recovered = result is None
    if recovered:
        result = _recovering(src, text, sink)
        if result is None:
            return None
    else:
        sink.extend(first)
    assert isinstance(result, t.Module)

    # The plain pass builds every node's span around its children's; a recovered tree is walked in full.
    return result if check_depth(result, sink, nested_spans=not recovered) else None


def _recovering(src: SourceFile, text: str, sink: Sink) -> t.Module | None:
    """The second reading of a file with syntax errors (see :mod:`wavec.syntax.recovery`)."""
    damage = Damage()
    _state.src, _state.sink, _state.damage = src, sink, damage
    try:
        result = Recovery(parser(), src, text, sink, damage).run()
    finally:
        _state.src = _state.sink = _state.damage = None
    if not isinstance(result, t.Module):
        return None
    return replace(result, lost_names=frozenset(damage.names)) if damage.names else result


__all__ = ["UnexpectedCharacters", "UnexpectedToken", "grammar_text", "parse", "parser"]
