"""`exposure` is honoured or refused, never ignored (issue 12, defect 4).

`wavec run` passes a wave's exposure to its deploy and rollback scripts as `WAVE_EXPOSURE` (the script routes
the share); CodePipeline's deploy actions take no traffic share (the CodeDeploy action takes only
`ApplicationName` and `DeploymentGroupName`), so an exposure below 100% is WV924 there unless the wave says its
deploy profile itself reaches only that share (`exposure_by = profile`).
"""

from __future__ import annotations

from pathlib import Path

from emulator_helpers import FAST, wavec_run

APP = """pipeline app {{
  role      = "arn:aws:iam::111122223333:role/app"
  artifacts = "app-artifacts-${{region}}"
  source s3 {{ bucket = "b"  key = "k.zip" }}
  deploy {{
    cloudformation {{
      stack = "app"  template = "source::t.yaml"  role = "arn:aws:iam::111122223333:role/app-cloudformation"
    }}
    local {{
      run      = "echo deploy ${{wave}} $WAVE_REGION $WAVE_EXPOSURE >> \\"$RUNLOG\\" && test ! -e $FAULTS/${{wave}}"
      rollback = "echo rollback ${{wave}} $WAVE_REGION $WAVE_EXPOSURE >> \\"$RUNLOG\\""
    }}
  }}
  wave onebox {{ regions = ["eu-west-1"]  exposure = 0.5%  {by} }}
  wave rest   {{ regions = ["eu-west-1", "us-east-1"]  parallel = 1 }}
}}
"""


def _app(tmp: Path, by: str = "exposure_by = profile") -> Path:
    path = tmp / "app.wave"
    path.write_text(APP.format(by=by), encoding="utf-8")
    return path


def test_the_local_run_gives_each_deploy_and_rollback_its_waves_exposure(tmp_path: Path) -> None:
    run = wavec_run(tmp_path, _app(tmp_path), "--speed", FAST)
    assert run.code == 0, run.stderr
    assert run.log == ["deploy onebox eu-west-1 0.5", "deploy rest eu-west-1 100", "deploy rest us-east-1 100"]
    (tmp_path / "faults" / "onebox").touch()
    failed = wavec_run(tmp_path, _app(tmp_path), "--speed", FAST)
    assert failed.code == 3 and failed.log == ["deploy onebox eu-west-1 0.5", "rollback onebox eu-west-1 0.5"]


def test_the_emulated_pipeline_runs_the_same_exposures(tmp_path: Path) -> None:
    run = wavec_run(tmp_path, _app(tmp_path), "--target", "codepipeline", "--speed", FAST)
    assert run.code == 0, run.stderr
    assert run.log == ["deploy onebox eu-west-1 0.5", "deploy rest eu-west-1 100", "deploy rest us-east-1 100"]


def test_codepipeline_refuses_an_exposure_its_deploy_actions_cannot_limit(tmp_path: Path) -> None:
    run = wavec_run(tmp_path, _app(tmp_path, by=""), "--target", "codepipeline", "--speed", FAST)
    assert run.code == 1 and "WV924" in run.stderr and "exposure_by = profile" in run.stderr and run.log == []
    assert wavec_run(tmp_path, _app(tmp_path, by=""), "--speed", FAST).code == 0  # the local script routes it
