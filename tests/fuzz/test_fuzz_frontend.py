"""The front end answers every input with diagnostics, never a traceback.

Inputs: schema-driven files (right and wrong types, unknown names, comments, interpolations),
files that must check cleanly, random token soup, and byte mutations of the examples and the
standard library. Each property also renders the diagnostics in every format.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wavec.diagnostics import Severity

from .harness import assert_well_formed, check_source
from .strategies import mutations, schema_files, token_soup, valid_files

ROOT = Path(__file__).resolve().parents[2]
SEEDS = sorted([*ROOT.joinpath("examples").glob("*.wave"), *ROOT.joinpath("stdlib").rglob("*.wave")])


@pytest.mark.slow  # a hypothesis search
@given(schema_files())
def test_schema_driven_files_give_only_diagnostics_deterministically(project: Path, text: str) -> None:
    first = check_source(project, text)
    assert_well_formed(first)
    # Checking the same input again renders byte-identical text, JSON, SARIF and GitHub output.
    assert check_source(project, text).rendered == first.rendered


@pytest.mark.slow  # a hypothesis search
@given(valid_files())
def test_valid_files_check_without_errors(project: Path, text: str) -> None:
    outcome = check_source(project, text)
    assert_well_formed(outcome)
    errors = [outcome.rendered["text"] for d in outcome.diagnostics if d.severity is Severity.ERROR]
    assert errors == [], text


@pytest.mark.slow  # a hypothesis search
@given(token_soup())
def test_token_soup_gives_only_diagnostics(project: Path, text: str) -> None:
    outcome = check_source(project, text)
    assert_well_formed(outcome)


@pytest.mark.slow  # a hypothesis search
@given(st.sampled_from(SEEDS).flatmap(lambda p: mutations(p.read_bytes())))
def test_mutated_examples_give_only_diagnostics(project: Path, data: bytes) -> None:
    assert_well_formed(check_source(project, data))


def test_seeds_are_real_files() -> None:
    names = {p.name for p in SEEDS}
    assert {"checkout.wave", "minimal.wave", "team-policy.wave", "windows.wave"} <= names
