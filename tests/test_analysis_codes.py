"""Every analysis code (WV250–WV256) on its fixture: `# expect: CODE` marks the line it points at."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from wavec import check
from wavec.analysis.plan import make_plan
from wavec.diagnostics import Severity, Sink
from wavec.diagnostics.codes import registry
from wavec.diagnostics.render import render_text

from conftest import ROOT, cli
from expectations import lines_and_codes

CODES_DIR = ROOT / "tests" / "fixtures" / "plan" / "codes"
START = datetime(2024, 3, 8, 15, 0, tzinfo=UTC)
ANALYSIS_CODES = [c for c in registry() if c.startswith("WV25")]


def expected(path: Path) -> list[tuple[str, int]]:
    return sorted((code, line) for line, code in lines_and_codes(path, ROOT).elements())


def found(path: Path) -> tuple[list[tuple[str, int]], Sink]:
    result = check([path])
    assert result.errors == 0, result.diagnostics
    sink = Sink()
    make_plan(result.pipelines[0], START, sink, result.modules[0])
    return sorted((d.code, d.primary.line) for d in sink.sorted() if d.primary is not None), sink


def test_every_analysis_code_has_a_fixture() -> None:
    assert [f"WV25{i}" for i in range(7)] == ANALYSIS_CODES
    assert sorted(p.stem.upper() for p in CODES_DIR.glob("*.wave")) == ANALYSIS_CODES
    for code in ANALYSIS_CODES:
        entry = registry()[code]
        assert entry.severity is Severity.WARNING and entry.area == "analysis"
        assert entry.what and entry.why and entry.example and entry.fix


@pytest.mark.parametrize("code", ANALYSIS_CODES)
def test_code_fixture(code: str) -> None:
    path = CODES_DIR / f"{code.lower()}.wave"
    got, sink = found(path)
    assert got == expected(path)
    text = render_text(sink.sorted(), color=False)
    assert f"warning[{code}]" in text and "= help:" in text


def test_findings_go_to_stderr_and_do_not_fail_the_plan() -> None:
    proc = cli("plan", str(CODES_DIR / "wv252.wave"), "--start", "2024-03-08T15:00")
    assert proc.returncode == 0, proc.stderr
    assert "warning[WV252]" in proc.stderr
    assert "Time to full deployment: never" in proc.stdout
    assert "Findings: 1 (listed on stderr): WV252" in proc.stdout


def test_configuration_can_ignore_a_finding(tmp_path: Path) -> None:
    (tmp_path / "wave.toml").write_text('ignore = ["WV255"]\n', encoding="utf-8")
    target = tmp_path / "canary.wave"
    target.write_text((CODES_DIR / "wv255.wave").read_text(encoding="utf-8"), encoding="utf-8")
    proc = cli("plan", "canary.wave", "--start", "2024-03-08T15:00", cwd=tmp_path)
    assert proc.returncode == 0 and "WV255" not in proc.stderr + proc.stdout
