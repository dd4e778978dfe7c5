"""Laws of `wavec fmt`, checked with hypothesis.

For every input — the examples, the examples with their whitespace, newlines and comments
mutated, and generated files — formatting is idempotent, keeps the meaning (the syntax tree
without positions, and for the examples the lowered IR, are equal) and keeps every comment's
text, in order.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable
from pathlib import Path

import pytest
from fmt_helpers import assert_layout, comment_texts, fmt, ir_dump, tree_dump
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wavec.syntax.comments import Lexed

from conftest import EXAMPLES

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.wave"))
FIXTURES = Path(__file__).parent / "fixtures" / "fmt"
# WAVEC_FMT_EXAMPLES=1000 for a deeper search than the default run affords
SETTINGS = settings(max_examples=int(os.environ.get("WAVEC_FMT_EXAMPLES", "40")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

_PUNCT = frozenset("[](){},")
# What may stand between two tokens; comments run to the end of their line.
_SEPARATORS = [" ", " ", "  ", "\n", "\n  ", "\n\n\n    ", "\t", " \r\n", "", " # note\n", "\n# a comment: { [ \"x\"\n",
               "  #\n", "\n\n  # blank line before me\n\n"]


def _flatten(lists: Iterable[list[str]]) -> list[str]:
    return list(itertools.chain.from_iterable(lists))


def _join(tokens: list[str], seps: list[str]) -> str:
    """Tokens joined by the chosen separators, made safe: names never merge, comments end lines."""
    out = [tokens[0]]
    for prev, tok, sep in zip(tokens, tokens[1:], seps, strict=False):
        if sep == "" and not (prev[-1] in _PUNCT or tok[0] in _PUNCT):
            sep = " "
        if prev.startswith("#") and "\n" not in sep:
            sep += "\n"
        out.append(sep + tok)
    return "".join(out) + "\n"


def _check_laws(text: str, folder: Path | None = None) -> None:
    once = fmt(text)
    assert fmt(once) == once, "fmt is not idempotent"
    assert tree_dump(once) == tree_dump(text), "fmt changed the syntax tree"
    assert comment_texts(once) == comment_texts(text), "fmt lost, changed or reordered a comment"
    assert_layout(once)
    if folder is not None:
        assert ir_dump(once, folder) == ir_dump(text, folder), "fmt changed the IR"


@pytest.mark.parametrize("path", EXAMPLE_FILES + sorted(FIXTURES.glob("*.wave")), ids=lambda p: p.name)
def test_laws_hold_on_examples_and_fixtures(path: Path) -> None:
    _check_laws(path.read_text(encoding="utf-8"), path.parent)


def test_ir_dump_sees_a_change_of_meaning() -> None:
    # guard against a vacuous comparison: the dumps do differ when a value changes
    text = (EXAMPLES / "minimal.wave").read_text(encoding="utf-8")
    assert ir_dump(text, EXAMPLES) != ir_dump(text.replace('"eu-west-1"', '"eu-west-2"'), EXAMPLES)
    assert tree_dump(text) != tree_dump(text.replace("pytest -q", "pytest"))


@st.composite
def mutated_example(draw: st.DrawFn) -> str:
    path = draw(st.sampled_from(EXAMPLE_FILES))
    tokens = [tok.text for tok in Lexed(path.read_text(encoding="utf-8")).tokens]
    seps = draw(st.lists(st.sampled_from(_SEPARATORS), min_size=len(tokens) - 1, max_size=len(tokens) - 1))
    return _join(tokens, seps)


@pytest.mark.slow  # a hypothesis search, seconds
@SETTINGS
@given(mutated_example())
def test_laws_hold_on_mutated_examples(text: str) -> None:
    _check_laws(text, EXAMPLES)


# ------------------------------------------------------------ generated files

_names = st.sampled_from(["a", "b", "first", "wave_2", "x9", "this", "regions", "onebox", "_p"])
_strings = st.text(alphabet='abz -:#{}[],/.\\"', max_size=12).map(
    lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
)
_literals = st.one_of(
    _strings,
    st.sampled_from(["0", "3", "0.25", "1.50", "30s", "1h30m", "2d", "0.5%", "100%", "09:00", "23:59", "true",
                     "false", "none"]),
)


def _exprs() -> st.SearchStrategy[list[str]]:
    """Expressions as token lists."""
    leaf = st.one_of(_literals, _names).map(lambda x: [x])

    def extend(inner: st.SearchStrategy[list[str]]) -> st.SearchStrategy[list[str]]:
        def listed(items: list[list[str]], trailing: bool) -> list[str]:
            out = ["["]
            for i, item in enumerate(items):
                out += item + ([","] if i < len(items) - 1 or trailing else [])
            return [*out, "]"]

        def mapped(entries: list[tuple[str, list[str]]], commas: bool) -> list[str]:
            out = ["{"]
            for k, v in entries:
                out += [k, "=", *v] + ([","] if commas else [])
            return [*out, "}"]

        def wrap(x: list[str]) -> list[str]:  # an operand that is not a single token goes in parentheses
            return x if len(x) == 1 else ["(", *x, ")"]

        return st.one_of(
            st.builds(listed, st.lists(inner, max_size=4), st.booleans()),
            st.builds(mapped, st.lists(st.tuples(st.one_of(_names, _strings), inner), max_size=3), st.booleans()),
            st.builds(lambda a, op, b: [*wrap(a), op, *wrap(b)], inner,
                      st.sampled_from(["+", "-", "*", "/", "==", "<=", "and", "or", "in"]), inner),
            st.builds(lambda a: ["not", *wrap(a)], inner),
            st.builds(lambda a: ["-", *wrap(a)], inner),
            st.builds(lambda n, a: [n, ".", a], _names, _names),
            st.builds(lambda f, args: [f, "(", *_flatten([*x, ","] for x in args)[:-1], ")"],
                      st.sampled_from(["len", "any", "first"]), st.lists(inner, min_size=1, max_size=3)),
            st.builds(lambda p, body: ["(", p, "=>", *body, ")"], _names, inner),
            st.builds(lambda n, i: [n, "[", *i, "]"], _names, inner),
            st.builds(lambda n: [n, "[", "1", ":", "]"], _names),
        )

    return st.recursive(leaf, extend, max_leaves=8)


def _items(depth: int) -> st.SearchStrategy[list[str]]:
    attribute = st.builds(lambda n, v: [n, "=", *v], _names, _exprs())
    allow = st.builds(lambda s: ["allow", "HO001", s], _strings)
    if depth >= 3:
        return st.one_of(attribute, allow)
    block = st.builds(
        lambda kind, labels, body: [kind, *labels, "{", *_flatten(body), "}"],
        st.sampled_from(["pipeline", "stage", "step", "wave", "gate", "rule"]),
        st.lists(st.one_of(_names, _strings), max_size=2),
        st.lists(st.deferred(lambda: _items(depth + 1)), max_size=5),
    )
    return st.one_of(attribute, attribute, allow, block)


@st.composite
def generated_file(draw: st.DrawFn) -> str:
    head = draw(st.lists(st.one_of(
        st.builds(lambda s: ["import", s], _strings),
        st.builds(lambda s, n: ["import", s, "as", n], _strings, _names),
        st.builds(lambda n, v: ["let", n, "=", *v], _names, _exprs()),
    ), max_size=3))
    body = draw(st.lists(_items(0), max_size=4))
    tokens = _flatten(head + body)
    if not tokens:
        return draw(st.sampled_from(["", "\n\n", "# only a comment\n", "  # indented\n\n# two\n"]))
    seps = draw(st.lists(st.sampled_from(_SEPARATORS), min_size=len(tokens) - 1, max_size=len(tokens) - 1))
    return _join(tokens, seps)


@pytest.mark.slow  # a hypothesis search, seconds
@SETTINGS
@given(generated_file())
def test_laws_hold_on_generated_files(text: str) -> None:
    _check_laws(text)
