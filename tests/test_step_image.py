"""A step's `image` on CodePipeline: the step runs in a CodeBuild project on that image, which the output creates.

A Commands action takes no image and a CodeBuild action runs on its project's (docs/codepipeline.md, "step with
image"). Before, the image was dropped with a warning (WV934) and the step ran on the managed image; now the
action names a project of the CloudFormation output whose environment is the image. The emulator runs that
project's buildspec commands here (it pulls no image), so the step still behaves as in `wavec run`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from emulator_helpers import FAST, wavec_run
from test_codepipeline_support import cfn_lint

from wavec.api import build
from wavec.config import Config

IMAGE = "public.ecr.aws/docker/library/node:20"
WAVE = f"""pipeline app {{
  role      = "arn:aws:iam::111122223333:role/app"
  artifacts = "app-artifacts-${{region}}"
  source s3 {{ bucket = "b"  key = "k.zip" }}
  stage build {{
    step app {{
      run     = ["echo ci >> \\"$RUNLOG\\"", "echo test $STAGE >> \\"$RUNLOG\\""]
      image   = "{IMAGE}"
      env     = {{ STAGE = "${{stage}}" }}
      outputs = ["dist/**"]
    }}
  }}
  deploy {{
    cloudformation {{ stack = "app"  template = "build::t.yaml"  role = "arn:aws:iam::111122223333:role/app-cfn" }}
    local {{ run = "echo deploy >> \\"$RUNLOG\\""  rollback = "echo rollback >> \\"$RUNLOG\\"" }}
  }}
  wave only {{ regions = ["eu-west-1"] }}
}}
"""


def _built(tmp: Path) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    (tmp / "app.wave").write_text(WAVE, encoding="utf-8")
    results = [build(tmp / "app.wave", "codepipeline", fmt, config=Config()) for fmt in ("json", "cloudformation")]
    assert results[0].output is not None and results[1].output is not None
    return json.loads(results[0].output), json.loads(results[1].output), [d.code for d in results[0].diagnostics]


def test_the_step_runs_in_a_project_of_the_output_on_its_image(tmp_path: Path) -> None:
    request, template, codes = _built(tmp_path)
    assert "WV934" not in codes  # honoured, not dropped
    (build_stage,) = [s for s in request["pipeline"]["stages"] if s["name"] == "build"]
    (action,) = build_stage["actions"]
    assert action["actionTypeId"] == {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"}
    assert json.loads(action["configuration"]["EnvironmentVariables"]) == [
        {"name": "STAGE", "type": "PLAINTEXT", "value": "build"}]
    (project,) = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::CodeBuild::Project"
                  and r["Properties"].get("Name") == action["configuration"]["ProjectName"]]
    assert project["Environment"]["Image"] == IMAGE
    assert (project["Source"]["Type"], project["Artifacts"]["Type"]) == ("CODEPIPELINE", "CODEPIPELINE")
    spec = json.loads(project["Source"]["BuildSpec"])
    assert spec["artifacts"] == {"files": ["dist/**"]}
    assert spec["phases"]["build"]["commands"] == ['echo ci >> "$RUNLOG"', 'echo test $STAGE >> "$RUNLOG"']
    assert cfn_lint(json.dumps(template)) == []


def test_the_emulator_runs_the_project_commands(tmp_path: Path) -> None:
    (tmp_path / "app.wave").write_text(WAVE, encoding="utf-8")
    run = wavec_run(tmp_path, tmp_path / "app.wave", "--target", "codepipeline", "--speed", FAST,
                    "--now", "2024-06-03T10:00:00Z")
    assert run.code == 0, run.stderr
    assert run.log == ["ci", "test build", "deploy"]
