"""Turn Lark's syntax errors into diagnostics a user understands.

A catalogue of common mistakes (``:`` for ``=``, YAML and JSON habits, a
hyphen in a name, a missing ``}``, an unterminated string, …) each gets its
own code, message and help; anything else says what was expected, in words.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from lark import Token, Tree
from lark.exceptions import UnexpectedInput, UnexpectedToken

from ..diagnostics import Label, Sink
from ..diagnostics.codes import Code
from ..diagnostics.codes import builtin as codes
from ..source import SourceFile, Span

RESERVED = frozenset({"import", "as", "let", "allow", "true", "false", "none", "and", "or", "not", "in"})

# Terminal names → what a user calls them.
_WORDS = {
    "NAME": "a name",
    "STRING": "a string",
    "NUMBER": "a number",
    "PERCENT": "a percentage",
    "CLOCK": "a time of day",
    "LBRACE": "`{`",
    "RBRACE": "`}`",
    "LSQB": "`[`",
    "RSQB": "`]`",
    "LPAR": "`(`",
    "RPAR": "`)`",
    "_EQ": "`=`",
    "EQUAL": "`=`",
    "_ARROW": "`=>`",
    "COMMA": "`,`",
    "COLON": "`:`",
    "DOT": "`.`",
    "MINUS": "`-`",
    "PLUS": "`+`",
    "STAR": "`*`",
    "SLASH": "`/`",
    "COMPARE": "a comparison",
    "IMPORT": "`import`",
    "LET": "`let`",
    "ALLOW": "`allow`",
    "_AS": "`as`",
    "AS": "`as`",
    "NOT": "`not`",
    "IN": "`in`",
    "AND": "`and`",
    "OR": "`or`",
    "TRUE": "`true`",
    "FALSE": "`false`",
    "NONE": "`none`",
    "$END": "the end of the file",
}

# The order in which expected things are listed: the likeliest first.
_ORDER = list(_WORDS)


def describe_expected(expected: Iterable[str]) -> str:
    """``{"NAME", "RBRACE"}`` → "a name or `}`"."""
    words: list[str] = []
    for name in sorted(set(expected), key=lambda n: (_ORDER.index(n) if n in _ORDER else 99, n)):
        if name.startswith("__ANON") or name in {"COMMENT"}:
            continue
        word = _WORDS.get(name, f"`{name.lower()}`")
        if word not in words:
            words.append(word)
    if "an expression" not in words and {"NAME", "STRING", "NUMBER"} <= set(expected):
        words = ["an expression"] + [w for w in words if w not in {"a name", "a string", "a number",
                                                                    "a percentage", "a time of day", "`[`",
                                                                    "`true`", "`false`", "`none`", "`not`",
                                                                    "`-`", "`{`"}]
    if len(words) > 6:
        words = [*words[:6], "…"]
    if len(words) <= 1:
        return words[0] if words else "something else"
    return ", ".join(words[:-1]) + " or " + words[-1]


def _found(tok: Token) -> str:
    if tok.type == "$END":
        return "the end of the file"
    if tok.type == "STRING":
        return "a string"
    if tok.type in {"NUMBER", "PERCENT", "CLOCK"}:
        return f"`{tok}`"
    return f"`{tok}`"


def _indent_of(text: str, pos: int) -> int:
    start = text.rfind("\n", 0, pos) + 1
    line = text[start:pos]
    return len(line) - len(line.lstrip(" \t")) if line.strip() == "" else -1


def _line_indent(text: str, pos: int) -> int:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", start)
    line = text[start : len(text) if end == -1 else end]
    return len(line) - len(line.lstrip(" \t"))


def unclosed_brace(text: str, upto: int, closers: Sequence[int] = ()) -> int | None:
    """Offset of the ``{`` most likely left open at ``upto`` (strings and comments skipped).

    Braces are matched by count, but a ``}`` that stands alone on a line indented less than
    the line of the ``{`` it closes betrays that an inner block was left open: that ``{`` is
    the likely culprit, not the outermost one. ``closers`` are offsets (sorted) where a ``}``
    is read that the text does not have (see :func:`wavec.syntax.recovery.missing_closers`).
    """
    stack: list[int] = []
    suspect: int | None = None
    i, n = 0, min(upto, len(text))
    pending = [c for c in closers if c <= n]
    while i < n:
        while pending and pending[0] <= i:
            pending.pop(0)
            if stack:
                stack.pop()
        ch = text[i]
        if ch == "#":
            nl = text.find("\n", i)
            i = n if nl == -1 else nl
            continue
        if ch == '"':
            j = i + 1
            while j < len(text) and text[j] not in '"\n':
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if ch == "{":
            stack.append(i)
        elif ch == "}" and stack:
            opened = stack.pop()
            closing_indent = _indent_of(text, i)
            if suspect is None and closing_indent != -1 and closing_indent < _line_indent(text, opened):
                suspect = opened
        i += 1
    del stack[max(0, len(stack) - len(pending)):]  # closers at the very end
    if not stack:
        return None
    return suspect if suspect is not None else stack[-1]


def _header_tokens(exc: UnexpectedToken) -> list[Token]:
    """The NAME/STRING tokens shifted just before the error: the block header being read."""
    ip = getattr(exc, "interactive_parser", None)
    if ip is None:
        return []
    stack = ip.parser_state.value_stack
    out: list[Token] = []
    for value in reversed(stack):
        if isinstance(value, Token) and value.type in {"NAME", "STRING"}:
            out.append(value)
        elif isinstance(value, Tree) and str(value.data).startswith("__block_star"):
            # Lark folds the `_label*` repetition into helper trees as it goes.
            out.extend(reversed([tok for tok in value.scan_values(lambda v: isinstance(v, Token))]))
        else:
            break
    out.reverse()
    return out


def explain_syntax_error(src: SourceFile, exc: UnexpectedInput, sink: Sink, text: str | None = None) -> Code:
    """Report one syntax error, recognising the catalogue of common mistakes; the code reported.

    ``text`` is what the parser read when it is not ``src.text`` itself (the same offsets, with some parts
    blanked out).
    """
    text = src.text if text is None else text
    pos = exc.pos_in_stream if exc.pos_in_stream is not None else len(text)
    if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
        pos = len(text)
    char = text[pos] if pos < len(text) else ""
    line_start = text.rfind("\n", 0, pos) + 1
    before = text[line_start:pos]
    token = exc.token if isinstance(exc, UnexpectedToken) else None
    expected: set[str] = set(getattr(exc, "expected", None) or getattr(exc, "allowed", None) or ())
    here = Span(src, pos, min(len(text), pos + max(1, len(token) if token is not None else 1)))
    if "$END" in expected and unclosed_brace(text, pos) is not None:
        expected.discard("$END")  # inside a block the file cannot end yet

    def report(code: Code, message: str, span: Span, label: str, help: str | None,
               extra: tuple[Label, ...] = ()) -> Code:
        sink.report(code, message, span, label=label, help=help, extra=extra)
        return code

    # --- lexical mistakes -------------------------------------------------
    if char == '"' and (token is None or token.type != "STRING"):
        end = text.find("\n", pos)
        end = len(text) if end == -1 else end
        return report(codes.UNTERMINATED_STRING,
                      "unterminated string", Span(src, pos, end), "this string is never closed",
                      'close it with `"` on the same line; write `\\"` for a quote inside a string')
    if char == "'":
        return report(codes.SINGLE_QUOTED_STRING, "strings use double quotes", here, "single quote",
                      "write \"…\" instead of '…'")
    if (token is not None and token.type == "$END") or (token is None and char == ""):
        opened = unclosed_brace(text, len(text))
        if opened is not None:
            last = len(text.rstrip())
            eof = Span(src, max(0, last - 1), last)
            return report(codes.MISSING_CLOSING_BRACE,
                          "missing `}`: a block is never closed", Span(src, opened, opened + 1),
                          "this `{` has no matching `}`", "add `}` where the block ends",
                          (Label(eof, "the file ends here"),))
        return report(codes.SYNTAX_ERROR, f"unexpected end of the file; expected {describe_expected(expected)}",
                      Span(src, len(text), len(text)), "the file ends here", None)
    tok_type = token.type if token is not None else ""
    str(token) if token is not None else char

    # `a: 1` / `"key": 1` / `regions:` — YAML and JSON habits.
    if char == ":" or tok_type == "COLON":
        return report(codes.COLON_INSTEAD_OF_EQUALS,
                      "use `=` to give an attribute a value, not `:`", Span(src, pos, pos + 1),
                      "`:` here", "attributes are written `name = value` (this is not YAML or JSON)")
    if char == "-" and before.strip() == "" and (token is None or tok_type == "MINUS"):
        return report(codes.YAML_LIST, "YAML-style list item", Span(src, pos, pos + 1), "a list item in YAML style",
                      'lists are written in brackets: `regions = ["us-east-1", "eu-west-1"]`')
    if char == "-" and pos > 0 and (text[pos - 1].isalnum() or text[pos - 1] == "_"):
        word_start = pos
        while word_start > 0 and (text[word_start - 1].isalnum() or text[word_start - 1] in "_-"):
            word_start -= 1
        word_end = pos
        while word_end < len(text) and (text[word_end].isalnum() or text[word_end] in "_-"):
            word_end += 1
        word = text[word_start:word_end]
        return report(codes.HYPHEN_IN_NAME, f"`{word}` is not a name: names cannot contain `-`",
                      Span(src, word_start, word_end), "hyphen in a name",
                      f"write `{word.replace('-', '_')}`; a value with hyphens (a region, an id) is a string: "
                      f'"{word}"')
    if char == ";" or (char == "," and tok_type in {"", "COMMA"} and "COMMA" not in expected):
        return report(codes.SEPARATOR_BETWEEN_ATTRIBUTES,
                      f"`{char}` is not needed between attributes", Span(src, pos, pos + 1),
                      "remove this", "attributes and blocks need no separators: put each on its own line")
    if token is None:
        return report(codes.UNEXPECTED_CHARACTER,
                      f"unexpected character `{char}`", here, "not part of the language here",
                      "names are letters, digits and `_`; values with other characters are strings in \"…\"")

    # --- reserved words used as names ------------------------------------
    if str(token) in RESERVED and "NAME" in expected and tok_type != "NAME":
        return report(codes.RESERVED_WORD, f"`{token}` is a reserved word and cannot be used as a name", here,
                      "reserved word", "choose another name; the reserved words are " +
                      ", ".join(f"`{w}`" for w in sorted(RESERVED)))

    # --- attribute without `=` ------------------------------------------------
    assert isinstance(exc, UnexpectedToken)
    header = _header_tokens(exc)
    # `wave canary = {`: a block written as an HCL/Terraform map assignment.
    if tok_type in {"_EQ", "EQUAL"} and len(header) >= 2 and text[pos + 1 :].lstrip(" \t").startswith("{"):
        kind, labels = str(header[0]), " ".join(str(h) for h in header[1:])
        return report(codes.EQUALS_BEFORE_BLOCK, f"a block takes no `=`: write `{kind} {labels} {{`",
                      Span(src, pos, pos + 1), "remove this `=`",
                      f"`{kind} {labels} {{ … }}` is a block; `name = {{ … }}` would be an attribute holding a map")
    if "LBRACE" in expected and tok_type in {"_EQ", "EQUAL", "RBRACE", "LSQB", "NUMBER", "PERCENT",
                                             "CLOCK", "TRUE", "FALSE", "NONE"} and header:
        first = header[0]
        if tok_type in {"_EQ", "EQUAL"} and len(header) >= 3:
            culprit = header[0]
            span = Span(src, culprit.start_pos or 0, (culprit.start_pos or 0) + len(culprit))
            return report(codes.MISSING_EQUALS,
                          f"missing `=` after `{culprit}`", span, "followed by a value without `=`",
                          f"write `{culprit} = {header[1]}`")
        span = Span(src, first.start_pos or 0, (first.start_pos or 0) + len(first))
        return report(codes.MISSING_EQUALS, f"missing `=` after `{first}`", span, "an attribute needs `=`",
                      f"write `{first} = …`; a block needs `{{ … }}` after its labels")

    # --- missing comma in a list ------------------------------------------
    if "COMMA" in expected and "RSQB" in expected and tok_type in {"STRING", "NAME", "NUMBER", "PERCENT",
                                                                   "CLOCK", "LSQB", "TRUE", "FALSE"}:
        return report(codes.MISSING_COMMA,
                      "missing `,` between list items", Span(src, pos, pos), "a `,` is needed here",
                      'separate list items with commas: `["a", "b"]`')

    # --- a stray closing brace ---------------------------------------------
    if tok_type == "RBRACE" and unclosed_brace(text, pos) is None:
        return report(codes.SYNTAX_ERROR, "unexpected `}`: there is no block to close", here, "no matching `{`",
                      "remove it, or look for a block whose `{` is missing")

    found = _found(token)
    return report(codes.SYNTAX_ERROR, f"unexpected {found}; expected {describe_expected(expected)}", here,
                  f"unexpected {found}", None)
