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
from importlib import resources
from pathlib import Path
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark import __version__ as LARK_VERSION
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError

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
    start = tok.start_pos or 0
    return Span(_state.src, start, start + len(tok))


def _edge(x: Any, first: bool) -> int:
    if isinstance(x, Token):
        return (x.start_pos or 0) + (0 if first else len(x))
    if isinstance(x, tuple):  # a map key: (text, span)
        return _edge(x[1], first)
    span: Span = x if isinstance(x, Span) else x.span
    return span.start if first else span.end


def _cover(*children: Any) -> Span:
    """The span from the first to the last child (tokens, nodes or spans); ``None`` is skipped."""
    present = [c for c in children if c is not None]
    return Span(_state.src, _edge(present[0], True), _edge(present[-1], False))


def _reserved(tok: Token) -> None:
    # The contextual lexer reads a keyword where no keyword can stand as a NAME; the
    # language reserves them all the same, so that a later grammar change breaks nobody.
    if str(tok) in RESERVED:
        _state.sink.report(
            codes.RESERVED_WORD, f"`{tok}` is a reserved word and cannot be used as a name", _tok_span(tok),
            label="reserved word",
            help="choose another name; the reserved words are " + ", ".join(f"`{w}`" for w in sorted(RESERVED)),
        )


def _ident(tok: Token) -> t.Ident:
    if tok.type == "NAME":
        _reserved(tok)
    return t.Ident(str(tok), _tok_span(tok))


def _string(tok: Token) -> t.StringLit:
    return decode_string(_state.src, tok.start_pos or 0, str(tok), _state.sink)


@v_args(inline=True)
class _Build(Transformer[Token, t.Module]):
    """Lark callbacks → tree nodes (runs inline during the LALR parse)."""

    def start(self, *items: t.Item) -> t.Module:
        return t.Module(tuple(items), Span(_state.src, 0, len(_state.src.text)))

    def import_stmt(self, kw: Token, path: Token, alias: Token | None = None) -> t.Import:
        return t.Import(_string(path), _ident(alias) if alias is not None else None, _cover(kw, path, alias))

    def let_stmt(self, kw: Token, name: Token, value: t.Expr) -> t.Let:
        return t.Let(_ident(name), value, _cover(kw, value))

    def allow_stmt(self, kw: Token, code: Token, reason: Token) -> t.Allow:
        return t.Allow(_ident(code), _string(reason), _cover(kw, reason))

    def attribute(self, name: Token, value: t.Expr) -> t.Attribute:
        return t.Attribute(_ident(name), value, _cover(name, value))

    def block(self, kind: Token, *rest: Any) -> t.Block:
        labels: list[t.Ident | t.StringLit] = []
        body: list[t.Item] = []
        for x in rest:
            if isinstance(x, Token):
                if x.type == "STRING":
                    labels.append(_string(x))
                elif x.type == "NAME":
                    labels.append(_ident(x))
            else:
                body.append(x)
        span = _cover(kind, rest[-1])
        damage = _state.damage
        damaged = damage is not None and damage.inside(
            span.start, span.end, [(b.span.start, b.span.end) for b in body if isinstance(b, t.Block)])
        return t.Block(_ident(kind), tuple(labels), tuple(body), span, damaged)

    # expressions
    def lambda_expr(self, param: Token, body: t.Expr) -> t.Lambda:
        return t.Lambda(_ident(param), body, _cover(param, body))

    def _bin(self, op: str, left: t.Expr, right: t.Expr) -> t.Binary:
        return t.Binary(op, left, right, _cover(left, right))

    def or_op(self, a: t.Expr, b: t.Expr) -> t.Binary:
        return self._bin("or", a, b)

    def and_op(self, a: t.Expr, b: t.Expr) -> t.Binary:
        return self._bin("and", a, b)

    def not_op(self, kw: Token, a: t.Expr) -> t.Unary:
        return t.Unary("not", a, _cover(kw, a))

    def compare(self, a: t.Expr, op: Token, b: t.Expr) -> t.Binary:
        return self._bin(str(op), a, b)

    def in_op(self, a: t.Expr, b: t.Expr) -> t.Binary:
        return self._bin("in", a, b)

    def not_in_op(self, a: t.Expr, *rest: t.Expr | Token) -> t.Binary:
        # The grammar's anonymous "not" "in" tokens are filtered out, so `rest` is just the right operand.
        b = rest[-1]
        assert not isinstance(b, Token)
        return self._bin("not in", a, b)

    def add(self, a: t.Expr, b: t.Expr) -> t.Binary:
        return self._bin("+", a, b)

    def sub(self, a: t.Expr, op: Token, b: t.Expr) -> t.Binary:
        return self._bin("-", a, b)

    def mul(self, a: t.Expr, b: t.Expr) -> t.Binary:
        return self._bin("*", a, b)

    def div(self, a: t.Expr, b: t.Expr) -> t.Binary:
        return self._bin("/", a, b)

    def neg(self, op: Token, a: t.Expr) -> t.Unary:
        return t.Unary("-", a, _cover(op, a))

    def getattr(self, obj: t.Expr, name: Token) -> t.GetAttr:
        return t.GetAttr(obj, _ident(name), _cover(obj, name))

    def index(self, obj: t.Expr, idx: t.Expr, close: Token) -> t.Index:
        return t.Index(obj, idx, _cover(obj, close))

    def slice(self, obj: t.Expr, start: t.Expr | None, stop: t.Expr | None, close: Token) -> t.Slice:
        return t.Slice(obj, start, stop, _cover(obj, close))

    def clock_slice(self, obj: t.Expr, tok: Token, close: Token) -> t.Slice:
        # `waves[10:20]` lexes as a clock; it is a slice with two integer bounds.
        a, b = str(tok).split(":")
        s = tok.start_pos or 0
        start = t.NumberLit(int(a), Span(_state.src, s, s + len(a)))
        stop = t.NumberLit(int(b), Span(_state.src, s + len(a) + 1, s + len(tok)))
        return t.Slice(obj, start, stop, _cover(obj, close))

    def call(self, func: Token, *rest: Any) -> t.Call:
        args = tuple(a for a in rest[:-1] if a is not None)
        return t.Call(_ident(func), args, _cover(func, rest[-1]))

    def name(self, tok: Token) -> t.NameRef:
        _reserved(tok)
        return t.NameRef(str(tok), _tok_span(tok))

    def string(self, tok: Token) -> t.StringLit:
        return _string(tok)

    def number(self, tok: Token) -> t.NumberLit | t.DurationLit:
        return decode_number(_tok_span(tok), str(tok), _state.sink)

    def percent(self, tok: Token) -> t.PercentLit:
        return decode_percent(_tok_span(tok), str(tok), _state.sink)

    def clock(self, tok: Token) -> t.ClockLit:
        return decode_clock(_tok_span(tok), str(tok), _state.sink)

    def true(self, tok: Token) -> t.BoolLit:
        return t.BoolLit(True, _tok_span(tok))

    def false(self, tok: Token) -> t.BoolLit:
        return t.BoolLit(False, _tok_span(tok))

    def none(self, tok: Token) -> t.NoneLit:
        return t.NoneLit(_tok_span(tok))

    def list_expr(self, open_: Token, *rest: Any) -> t.ListExpr:
        return t.ListExpr(tuple(i for i in rest[:-1] if i is not None), _cover(open_, rest[-1]))

    def map_key(self, tok: Token) -> tuple[str, Span]:
        if tok.type == "STRING":
            s = _string(tok)
            return s.value, s.span
        return str(tok), _tok_span(tok)

    def map_expr(self, open_: Token, *rest: Any) -> t.MapExpr:
        parts = rest[:-1]
        entries = []
        for i in range(0, len(parts), 2):
            (key, key_span), value = parts[i], parts[i + 1]
            entries.append(t.MapEntry(key, key_span, value))
        return t.MapExpr(tuple(entries), _cover(open_, rest[-1]))


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
    except UnexpectedInput:
        result = None
    except VisitError as exc:  # a bug in a callback: surface it as one, not as a syntax error
        raise exc.orig_exc from exc
    finally:
        _state.src = _state.sink = None
    if result is None:
        result = _recovering(src, text, sink)
        if result is None:
            return None
    else:
        sink.extend(first)
    assert isinstance(result, t.Module)

    return result if check_depth(result, sink) else None


def _recovering(src: SourceFile, text: str, sink: Sink) -> t.Module | None:
    """The second reading of a file with syntax errors (see :mod:`wavec.syntax.recovery`)."""
    damage = Damage()
    _state.src, _state.sink, _state.damage = src, sink, damage
    try:
        result = Recovery(parser(), src, text, sink, damage).run()
    except VisitError as exc:
        raise exc.orig_exc from exc
    finally:
        _state.src = _state.sink = _state.damage = None
    if not isinstance(result, t.Module):
        return None
    return replace(result, lost_names=frozenset(damage.names)) if damage.names else result


__all__ = ["UnexpectedCharacters", "UnexpectedToken", "grammar_text", "parse", "parser"]
