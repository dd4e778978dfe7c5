"""Policy fixtures: every stdlib rule passes and fails where its fixture says, every WV3xx code fires.

Each fixture under tests/fixtures/policy/ marks the lines a diagnostic points at with
`# expect: CODE[, CODE]`; the diagnostics `wavec check` reports are compared exactly
(code and line, nothing missing, nothing extra), and the rendered text is snapshotted.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from wavec import check
from wavec.diagnostics.render import render_text
from wavec.policy.sources import stdlib_rule_docs

from conftest import ROOT
from expectations import lines_and_codes

FIXTURES = ROOT / "tests" / "fixtures" / "policy"


def expected(path: Path) -> list[tuple[int, str]]:
    """(line, code) pairs of the file's `# expect:` markers, sorted."""
    return sorted(lines_and_codes(path, ROOT).elements())


def found(path: Path) -> list[tuple[int, str]]:
    result = check([path])
    rel = path.relative_to(ROOT).as_posix()
    out = []
    for d in result.diagnostics:
        span = d.primary
        assert span is not None and span.file.path == rel, f"diagnostic outside the fixture: {d}"
        out.append((span.line, d.code))
    return sorted(out)


FILES = sorted(FIXTURES.glob("*.wave"))


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # diagnostics show paths relative to the working directory


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_fixture_expectations(path: Path) -> None:
    assert found(path) == expected(path)


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_fixture_rendering(path: Path, snapshot: SnapshotAssertion) -> None:
    assert render_text(check([path]).diagnostics) == snapshot


def test_every_stdlib_rule_has_a_passing_and_a_failing_fixture() -> None:
    names = {p.stem for p in FILES}
    for doc in stdlib_rule_docs():
        stem = doc.code.lower()
        assert {f"{stem}_pass", f"{stem}_fail"} <= names, doc.code
        assert not expected(FIXTURES / f"{stem}_pass.wave"), f"{stem}_pass expects findings"
        assert doc.code in {code for _, code in expected(FIXTURES / f"{stem}_fail.wave")}, doc.code


def test_every_policy_language_code_has_a_fixture() -> None:
    from wavec.diagnostics.codes import registry

    codes = [c for c in registry() if c.startswith("WV3")]
    assert codes
    marked = {code for p in FILES for _, code in expected(p)}
    # WV310 (a configured module that cannot be loaded) and WV313 (an unknown configured code) have no line to
    # mark; tests/test_policy_cli.py covers them.
    assert set(codes) - marked == {"WV310", "WV313"}


def test_stdlib_rules_are_documented() -> None:
    docs = stdlib_rule_docs()
    assert {d.code for d in docs} >= {f"HO{i:03d}" for i in range(1, 12)} | {f"GOV{i:03d}" for i in range(1, 8)}
    for d in docs:
        assert d.title and d.help and d.rationale and d.example and d.fix, d.code
