"""One fixture per built-in code: inline `# expect: CODE` markers, checked exactly, plus a snapshot.

A marker names the code(s) of the diagnostics whose primary span starts on that line. A fixture
whose diagnostics land in another file lists it in a `# also: PATH` line (relative to the fixture).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from wavec import check
from wavec.codes import registry
from wavec.codes.builtin import CODES
from wavec.config import Config
from wavec.render import render_text

from conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "check"
MARKER = re.compile(r"#\s*expect:\s*([A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)")
ALSO = re.compile(r"#\s*also:\s*(\S+)")
FILES = sorted(FIXTURES.glob("*.wave"))


def _markers(path: Path) -> Counter[tuple[str, int, str]]:
    expected: Counter[tuple[str, int, str]] = Counter()
    text = path.read_bytes().decode("utf-8", "replace")
    shown = path.relative_to(ROOT).as_posix()
    for number, line in enumerate(text.splitlines(), start=1):
        m = MARKER.search(line)
        if m:
            for code in m.group(1).split(","):
                expected[(shown, number, code.strip())] += 1
        also = ALSO.search(line)
        if also:
            expected += _markers((path.parent / also.group(1)).resolve())
    return expected


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_fixture_reports_exactly_what_its_markers_say(
    path: Path, monkeypatch: pytest.MonkeyPatch, snapshot: SnapshotAssertion
) -> None:
    monkeypatch.chdir(ROOT)
    result = check([path.relative_to(ROOT)], Config())
    found = Counter(
        (d.primary.file.path, d.primary.line, d.code) for d in result.diagnostics if d.primary is not None
    )
    assert found == _markers(path)
    assert render_text(result.diagnostics) == snapshot


# Codes whose inputs are too large for a fixture file are generated in tests/test_limits.py.
GENERATED = {"WV018", "WV020", "WV127"}


def test_every_builtin_front_end_code_has_a_fixture() -> None:
    covered = {p.name.split("_", 1)[0] for p in FILES} | GENERATED
    front_end = {c.code for c in CODES}
    assert front_end <= set(registry())
    assert front_end - covered == set()
