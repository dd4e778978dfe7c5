"""The sandbox's `environment.region` reaches `wavec run` as it reaches CodePipeline: `$WAVE_REGION` in the
environment's scripts and in the steps that test it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import cli

PIPELINE = """\
pipeline p {
  role = "arn:aws:iam::111122223333:role/p"
  artifacts = "p-artifacts-${region}"
  source s3 { bucket = "b"  key = "k" }
  stage sandbox {
    environment {
      region  = "eu-central-1"
      create  = "echo create $WAVE_REGION >> seen.log"
      destroy = "echo destroy $WAVE_REGION >> seen.log"
    }
    step probe { kind = test  run = "echo step $WAVE_REGION >> seen.log" }
  }
  stage other {
    step plain { kind = test  run = "echo plain $${WAVE_REGION:-unset} >> seen.log" }
  }
  deploy {
    cloudformation { stack = "p"  template = "source::t.yaml"  role = "arn:aws:iam::111122223333:role/cfn" }
    local { run = "echo deploy $WAVE_REGION >> seen.log"  rollback = "true" }
  }
  wave only { regions = ["us-west-2"] }
}
"""


@pytest.mark.slow  # a whole rehearsal: about a second
def test_the_sandbox_region_is_wave_region_for_its_scripts_and_steps(tmp_path: Path) -> None:
    (tmp_path / "p.wave").write_text(PIPELINE, encoding="utf-8")
    proc = cli("run", "p.wave", "--speed", "1000000", "--now", "2024-06-03T10:00Z", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    seen = (tmp_path / "seen.log").read_text(encoding="utf-8").splitlines()
    assert seen == ["create eu-central-1", "step eu-central-1", "destroy eu-central-1", "plain unset",
                    "deploy us-west-2"]


def test_codepipeline_gives_the_environment_actions_the_same_region(tmp_path: Path) -> None:
    (tmp_path / "p.wave").write_text(PIPELINE, encoding="utf-8")
    out = tmp_path / "p.json"
    proc = cli("build", "p.wave", "--target", "codepipeline", "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    actions = [a for s in json.loads(out.read_text(encoding="utf-8"))["pipeline"]["stages"] for a in s["actions"]
               if a["name"].startswith("environment-")]
    assert {a["name"]: a["environmentVariables"] for a in actions} == {
        n: [{"name": "WAVE_REGION", "value": "eu-central-1", "type": "PLAINTEXT"}]
        for n in ("environment-create", "environment-destroy")}


@pytest.mark.slow  # an emulated run: about two seconds
def test_the_compiled_pipeline_gives_the_sandbox_steps_the_region_as_wavec_run_does(tmp_path: Path) -> None:
    # Emulated, the compiled pipeline's step saw an empty $WAVE_REGION where `wavec run`'s saw eu-central-1:
    # a step script that passed the rehearsal would have tested no region in production.
    (tmp_path / "p.wave").write_text(PIPELINE, encoding="utf-8")
    (tmp_path / "t.yaml").write_text("", encoding="utf-8")
    proc = cli("run", "p.wave", "--target", "codepipeline", "--speed", "1000000", "--now", "2024-06-03T10:00Z",
               "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    seen = (tmp_path / "seen.log").read_text(encoding="utf-8").splitlines()
    assert seen == ["create eu-central-1", "step eu-central-1", "destroy eu-central-1", "plain unset",
                    "deploy us-west-2"]
