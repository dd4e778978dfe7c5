"""No input makes the front end raise: mutated examples and random token soup give only diagnostics."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wavec.diagnostics import Diagnostic, Sink
from wavec.semantics.loader import Loader

from conftest import EXAMPLES

# A short budget in CI; `WAVEC_FUZZ_EXAMPLES=5000 pytest tests/test_robustness.py` for a long run.
FUZZ_EXAMPLES = int(os.environ.get("WAVEC_FUZZ_EXAMPLES", "150"))
EXAMPLE_TEXTS = [p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.wave"))]

TOKENS = [
    "pipeline", "stage", "step", "wave", "gate", "window", "deploy", "policy", "rule", "source", "local",
    "environment", "prometheus", "import", "let", "allow", "as", "and", "or", "not", "in", "true", "false",
    "none", "this", "regions", "bake", "after", "gates", "run", "for", "assert", "where", "x", "_y",
    "{", "}", "[", "]", "(", ")", "=", "==", "=>", ",", ".", ":", "-", "+", "*", "/", "<", ">=", "%",
    '"us-east-1"', '"${region}"', '"${x"', '"a\\qb"', '"$${lit}"', '"', "'x'", "1", "0.5", "30s", "1h30m",
    "3x", "25%", "09:00", "99:99", "#c\n", "\n", " ", "\t", "\\", "@", "$", ";", "é", "\x00", "\ufeff",
    '"std/windows"', '"./nope.wave"', '"/abs.wave"', '"../../../x.wave"',
]


def _check_text(text: str, tmp: Path) -> list[Diagnostic]:
    sink = Sink()
    Loader(sink).load_text(text, "fuzz.wave", tmp)
    for d in sink:
        assert d.code and d.message
        for label in d.labels:
            assert 0 <= label.span.start <= label.span.end <= len(label.span.file.text)
    return list(sink)


@st.composite
def mutated_example(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(EXAMPLE_TEXTS))
    for _ in range(draw(st.integers(1, 4))):
        if not text:
            break
        i = draw(st.integers(0, len(text) - 1))
        j = min(len(text), i + draw(st.integers(0, 12)))
        action = draw(st.sampled_from(["delete", "insert", "duplicate", "swap"]))
        if action == "delete":
            text = text[:i] + text[j:]
        elif action == "insert":
            text = text[:i] + draw(st.sampled_from(TOKENS)) + text[i:]
        elif action == "duplicate":
            text = text[:j] + text[i:j] + text[j:]
        else:
            text = text[:i] + text[j : j + (j - i)] + text[i:j] + text[j + (j - i) :]
    return text


settings_ = settings(
    max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.mark.slow  # a hypothesis search
@settings_
@given(text=mutated_example())
def test_mutated_examples_give_only_diagnostics(text: str, tmp_path: Path) -> None:
    _check_text(text, tmp_path)


@pytest.mark.slow  # a hypothesis search
@settings_
@given(tokens=st.lists(st.sampled_from(TOKENS), max_size=60), sep=st.sampled_from([" ", "\n", ""]))
def test_token_soup_gives_only_diagnostics(tokens: list[str], sep: str, tmp_path: Path) -> None:
    _check_text(sep.join(tokens), tmp_path)


@pytest.mark.slow  # a hypothesis search
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=200))
def test_arbitrary_text_gives_only_diagnostics(text: str, tmp_path: Path) -> None:
    _check_text(text, tmp_path)


def test_every_example_is_valid_input_for_the_mutator(tmp_path: Path) -> None:
    # The mutation test is only meaningful if its seeds are clean to begin with.
    for text in EXAMPLE_TEXTS:
        codes = {d.code for d in _check_text(text, tmp_path)}
        assert codes == set(), codes
