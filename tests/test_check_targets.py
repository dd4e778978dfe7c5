"""`wavec check` reports a target's constraints (WV9xx) for the pipelines built for it (issue 12).

A pre-commit hook runs `wavec check`, CI runs `wavec build`: without the target's checks in `check`, a file
that CodePipeline rejects (rollback in PARALLEL mode, a wave it cannot deploy) passes the hook and fails CI.
"""

from __future__ import annotations

import json
from pathlib import Path

from wavec.semantics.schema import TARGET_NAMES
from wavec.targets import TARGETS

from conftest import ROOT, cli

# Rollback on breach in PARALLEL mode: CodePipeline has no stage rollback there (semantics rule 11), WV921.
APP = """pipeline app {{
  role      = "arn:aws:iam::111122223333:role/app"
  artifacts = "app-artifacts-${{region}}"
  execution_mode = parallel
  {targets}
  source s3 {{ bucket = "b"  key = "k.zip" }}
  deploy {{
    cloudformation {{
      stack = "app"  template = "source::t.yaml"  role = "arn:aws:iam::111122223333:role/app-cloudformation"
    }}
    local {{ run = "true"  rollback = "true" }}
  }}
  gate errors {{ alarms = ["errors-${{region}}"]  on_breach = rollback }}
  wave canary {{ regions = ["eu-west-1"]  bake = 1h  gates = [errors] }}
}}
"""


def _app(tmp: Path, targets: str = "", name: str = "app.wave") -> Path:
    path = tmp / name
    path.write_text(APP.format(targets=targets), encoding="utf-8")
    return path


def _codes(tmp: Path, *args: str) -> tuple[int, list[str]]:
    run = cli("check", "--format", "json", *args, cwd=tmp)
    assert not run.stderr, run.stderr
    return run.returncode, sorted(d["code"] for d in json.loads(run.stdout))


def test_a_pipeline_built_for_codepipeline_is_checked_as_build_would(tmp_path: Path) -> None:
    _app(tmp_path, "targets = [codepipeline]")
    assert _codes(tmp_path, "app.wave") == (1, ["WV921"])
    built = cli("build", "app.wave", "--target", "codepipeline", cwd=tmp_path)
    assert built.returncode == 1 and built.stderr.count("WV921") == 1  # reported once, not by check and build


def test_without_targets_check_does_not_compile(tmp_path: Path) -> None:
    _app(tmp_path)
    assert _codes(tmp_path, "app.wave") == (0, [])


def test_the_configuration_names_targets_for_every_pipeline_and_a_pipeline_replaces_them(tmp_path: Path) -> None:
    (tmp_path / "wave.toml").write_text('targets = ["codepipeline"]\n', encoding="utf-8")
    _app(tmp_path)
    _app(tmp_path, "targets = [local]", name="local_only.wave")
    assert _codes(tmp_path, "app.wave") == (1, ["WV921"])
    assert _codes(tmp_path, "local_only.wave") == (0, [])


def test_a_file_with_errors_is_not_compiled(tmp_path: Path) -> None:
    path = _app(tmp_path, "targets = [codepipeline]")
    path.write_text(path.read_text(encoding="utf-8").replace('"eu-west-1"', '"eu-west1"'), encoding="utf-8")
    assert _codes(tmp_path, "app.wave") == (1, ["WV113"])  # the region, not a target's view of a broken file


def test_unknown_targets_are_diagnosed(tmp_path: Path) -> None:
    _app(tmp_path, "targets = [codepipelin]")
    code, found = _codes(tmp_path, "app.wave")
    assert code == 1 and found and found[0].startswith("WV1")
    (tmp_path / "wave.toml").write_text('targets = ["codepipelin"]\n', encoding="utf-8")
    _app(tmp_path)
    run = cli("check", "app.wave", cwd=tmp_path)
    assert run.returncode == 2 and "unknown target 'codepipelin'" in run.stderr and "codepipeline" in run.stderr


def test_every_example_passes_check_as_a_codepipeline_pipeline(tmp_path: Path) -> None:
    (tmp_path / "wave.toml").write_text('targets = ["codepipeline"]\n', encoding="utf-8")
    run = cli("check", "--format", "json", "--config", str(tmp_path / "wave.toml"), str(ROOT / "examples"))
    errors = [d for d in json.loads(run.stdout) if d["severity"] == "error"]
    assert run.returncode == 0 and not errors, errors


def test_target_names_are_one_list() -> None:
    assert tuple(TARGETS) == TARGET_NAMES
