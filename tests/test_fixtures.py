"""One fixture per built-in code: inline `# expect: CODE` markers, checked exactly, plus a snapshot.

A marker names the code(s) of the diagnostics whose primary span starts on that line. A fixture
whose diagnostics land in another file lists it in a `# also: PATH` line (relative to the fixture).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from wavec import check
from wavec.config import Config
from wavec.diagnostics.codes import registry
from wavec.diagnostics.codes.builtin import CODES
from wavec.diagnostics.render import render_text

from conftest import ROOT
from expectations import markers, reported

FIXTURES = ROOT / "tests" / "fixtures" / "check"
FILES = sorted(FIXTURES.glob("*.wave"))


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_fixture_reports_exactly_what_its_markers_say(
    path: Path, monkeypatch: pytest.MonkeyPatch, snapshot: SnapshotAssertion
) -> None:
    monkeypatch.chdir(ROOT)
    result = check([path.relative_to(ROOT)], Config())
    assert reported(result.diagnostics) == markers(path, ROOT)
    assert render_text(result.diagnostics) == snapshot


# Codes whose inputs are too large for a fixture file are generated in tests/test_limits.py; WV021 needs a
# symbolic link out of the project, made in tests/test_confinement.py.
GENERATED = {"WV018", "WV020", "WV021", "WV127"}


def test_every_builtin_front_end_code_has_a_fixture() -> None:
    covered = {p.name.split("_", 1)[0] for p in FILES} | GENERATED
    front_end = {c.code for c in CODES}
    assert front_end <= set(registry())
    assert front_end - covered == set()
