"""One fixture per CodePipeline target code (WV900–WV949): inline `# expect: CODE` markers, checked exactly.

`wavec build --target codepipeline` is run on each fixture; every diagnostic (front end and target) must be
one a marker announces, on the marked line, plus a snapshot of the rendered text. Codes whose inputs are too
large for a fixture file (50+ stages, 50+ actions) are generated here.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from wavec.api import build
from wavec.config import Config
from wavec.diagnostics.codes import registry
from wavec.diagnostics.codes.codepipeline import CODES
from wavec.diagnostics.render import render_text

from conftest import ROOT, cli
from expectations import lines_and_codes

FIXTURES = ROOT / "tests" / "fixtures" / "codepipeline"
FILES = sorted(FIXTURES.glob("WV9*.wave"))
GENERATED = {"WV906", "WV907"}
HEADER = '''pipeline p {
  role      = "arn:aws:iam::111122223333:role/p"
  artifacts = "p-artifacts-${region}"
  source s3 { bucket = "src"  key = "src.zip" }
  deploy { cloudformation { stack = "app"  template = "source::t.yaml"  role = "arn:aws:iam::111122223333:role/cfn" } }
'''


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_fixture_reports_exactly_what_its_markers_say(
    path: Path, monkeypatch: pytest.MonkeyPatch, snapshot: SnapshotAssertion
) -> None:
    monkeypatch.chdir(ROOT)
    result = build(path.relative_to(ROOT), "codepipeline", config=Config())
    found = Counter((d.primary.line, d.code) for d in result.diagnostics if d.primary is not None)
    assert found == lines_and_codes(path, ROOT)
    assert all(d.primary is not None for d in result.diagnostics)
    errors = any(d.severity.value == "error" for d in result.diagnostics)
    assert (result.output is None) == errors, "output is written exactly when there is no error"
    assert render_text(result.diagnostics) == snapshot


def test_every_code_has_a_fixture_or_a_generated_test() -> None:
    covered = {p.name[:5] for p in FILES} | GENERATED
    assert covered == {c.code for c in CODES}
    assert all("WV900" <= c.code <= "WV949" and c.area == "codepipeline" for c in CODES)
    assert {c.code for c in CODES} <= set(registry())


def test_too_many_stages_is_wv906(tmp_path: Path) -> None:
    waves = "".join(f'  wave w{i} {{ regions = ["eu-west-1"] }}\n' for i in range(50))
    path = tmp_path / "stages.wave"
    path.write_text(HEADER + waves + "}\n", encoding="utf-8")
    result = build(path, "codepipeline", config=Config())
    assert [(d.code, d.primary.line if d.primary else 0) for d in result.diagnostics] == [("WV906", 1)]
    assert "51 stages" in result.diagnostics[0].message
    assert result.output is None


def test_too_many_actions_is_wv907(tmp_path: Path) -> None:
    steps = "".join(f'    step s{i} {{ run = "make {i}" }}\n' for i in range(51))
    path = tmp_path / "actions.wave"
    path.write_text(HEADER + "  stage big {\n" + steps + "  }\n"
                    '  wave only { regions = ["eu-west-1"] }\n}\n', encoding="utf-8")
    result = build(path, "codepipeline", config=Config())
    assert [(d.code, d.primary.line if d.primary else 0) for d in result.diagnostics] == [("WV907", 6)]
    assert "stage `big` compiles to 51 actions" in result.diagnostics[0].message


def test_cli_build_with_target_error_exits_1_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    proc = cli("build", "tests/fixtures/codepipeline/WV900_no_role.wave", "--target", "codepipeline",
                     "-o", str(out))
    assert proc.returncode == 1
    assert "error[WV900]" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()


def test_explain_knows_the_target_codes() -> None:
    proc = cli("explain", "WV908")
    assert proc.returncode == 0, proc.stderr
    assert "too many rules in a stage condition" in proc.stdout
