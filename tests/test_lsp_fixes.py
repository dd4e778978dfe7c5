"""The machine-applicable fixes diagnostics carry (wavec.diagnostics.fixes), read from their help, in the
process: each replaces what the help says and nothing else."""

from __future__ import annotations

from pathlib import Path

from wavec.api import check

PIPELINE = """\
pipeline hello {
  source s3 {
    bucket = "hello-source"
    key    = "hello.zip"
  }
  deploy {
    local { run = "echo deploy"  rollback = "echo rollback" }
  }
  wave only {
    regions = ["eu-west-1"]
    bake    = 2hours
  }
}
"""


def _fixes(tmp_path: Path, text: str) -> dict[str, tuple[str, str]]:
    (tmp_path / "wave.toml").write_text("", encoding="utf-8")
    (tmp_path / "app.wave").write_text(text, encoding="utf-8")
    result = check([tmp_path / "app.wave"])
    return {d.code: (d.fix.span.text, d.fix.replacement) for d in result.diagnostics if d.fix is not None}


def test_fixes_replace_the_span_with_what_the_help_suggests(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "ops.wave").write_text("let x = 1\n", encoding="utf-8")
    fixes = _fixes(tmp_path, 'import "./shared/opz.wave" as ops\n' + PIPELINE)
    assert fixes["WV009"] == ("2hours", "2h")
    assert fixes["WV110"] == ('"./shared/opz.wave"', '"./shared/ops.wave"')  # the folder kept
    std = _fixes(tmp_path, 'import "std/window"\n' + PIPELINE.replace("2hours", "2h"))
    assert std == {"WV110": ('"std/window"', '"std/windows"')}


def test_a_help_without_a_single_edit_has_no_fix(tmp_path: Path) -> None:
    fixes = _fixes(tmp_path, PIPELINE.replace("2hours", "2h").replace('["eu-west-1"]', "[nowhere_at_all]"))
    assert fixes == {}
