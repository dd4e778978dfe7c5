"""`wavec plan --target codepipeline`: the timing the deployed pipeline will have, from the emulator's healthy run.

The local plan estimates (a deploy takes 15 minutes, an approval is instant); the compiled pipeline has its own
order — the approval's stage before the wave's, the window as the wave stage's entry rule (rule 38), each bake a
Step Functions execution (rules 63–65) — and this timeline is that pipeline's, emulated without running a
command.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import cli

# Emulated runs (moto's server, real subprocesses): seconds each; CI runs them, the inner loop skips them.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
LATE = """pipeline app {
  role      = "arn:aws:iam::111122223333:role/app"
  artifacts = "app-artifacts-${region}"
  source s3 { bucket = "b"  key = "k.zip" }
  stage build { step unit { run = "touch ran" } }
  deploy {
    cloudformation { stack = "app"  template = "source::t.yaml"  role = "arn:aws:iam::111122223333:role/app-cfn" }
    local { run = "touch deployed"  rollback = "true" }
  }
  window office { days = [mon, tue, wed, thu, fri]  hours = [09:00, 17:00]  timezone = "UTC" }
  gate entry { approval = true }
  wave canary { regions = ["eu-west-1"]  bake = 2h }
  wave prod { regions = ["us-east-1"]  bake = 10m  gates = [entry]  windows = [office] }
}
"""


def test_the_timeline_is_the_compiled_pipeline_s(tmp_path: Path) -> None:
    done = cli("plan", str(ROOT / "tests" / "parity" / "fixtures" / "waves.wave"), "--target", "codepipeline",
               "--format", "json", "--start", "2024-06-03T10:00")
    assert done.returncode == 0, done.stderr
    timeline = json.loads(done.stdout)
    assert [(s["stage"], s["seconds"]) for s in timeline["stages"]] == [
        ("Source", 0.0), ("wave-one", 1800.0), ("wave-two", 1800.0), ("wave-three", 1800.0)]
    assert timeline["time_to_full_deployment_seconds"] == 5400.0
    assert timeline["finish"] == "2024-06-03T11:30:00Z"


def test_a_late_approval_waits_for_the_window_and_no_command_runs(tmp_path: Path) -> None:
    (tmp_path / "late.wave").write_text(LATE, encoding="utf-8")
    done = cli("plan", "late.wave", "--target", "codepipeline", "--format", "json", "--start", "2024-06-07T15:00",
               cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    stages = {s["stage"]: s for s in json.loads(done.stdout)["stages"]}
    assert stages["wave-canary"]["ends_at"] == "2024-06-07T17:00:00Z"  # the bake: two hours
    assert stages["approve-prod"]["ends_at"] == "2024-06-07T17:00:00Z"  # granted at once in a plan
    # Rule 38: the window rule waits until the window opens on Monday, then the bake.
    assert (stages["wave-prod"]["starts_at"], stages["wave-prod"]["ends_at"]) == (
        "2024-06-07T17:00:00Z", "2024-06-10T09:10:00Z")
    assert not (tmp_path / "ran").exists() and not (tmp_path / "deployed").exists()
    text = cli("plan", "late.wave", "--target", "codepipeline", "--start", "2024-06-07T15:00", "--html", "out.html",
               cwd=tmp_path)
    assert "66.2 h to full deployment" in text.stdout and "wave-prod" in text.stdout
    # --html draws the same page as the local plan's, on the emulated timeline: one row per CodePipeline stage,
    # the entry rule's wait for Monday's window, and the emulated end (09:10: the local plan, which adds its
    # 15-minute deploy estimate, says 09:25).
    page = (tmp_path / "out.html").read_text(encoding="utf-8")
    assert "on CodePipeline</h1>" in page and "<b>2d18h10m</b>" in page
    assert ">stage approve-prod</text>" in page and ">wave prod</text>" in page
    assert "the entry rule waits 2d16h for the windows: " in page and 'class="hour"' in page
    assert 'class="open"' in page and "window office open 09:00–17:00 UTC" in page
    assert "<td>Mon 2024-06-10 09:00Z</td><td>Mon 2024-06-10 09:10Z</td>" in page


def test_weights_are_for_the_local_plan(tmp_path: Path) -> None:
    (tmp_path / "late.wave").write_text(LATE, encoding="utf-8")
    done = cli("plan", "late.wave", "--target", "codepipeline", "--weights", "us-east-1=1", cwd=tmp_path)
    assert done.returncode == 2 and "--weights" in done.stderr


def test_the_plan_says_which_stages_have_no_rollback_target_on_a_new_version() -> None:
    # Rules 45, 46, 49: a stage rolls back only to a success of the current pipeline version.
    done = cli("plan", str(ROOT / "tests" / "parity" / "fixtures" / "waves.wave"), "--target", "codepipeline",
               "--format", "json")
    assert done.returncode == 0, done.stderr
    note = json.loads(done.stdout)["rollback_note"]
    assert "until a run succeeds in wave-one, wave-two, wave-three" in note
    text = cli("plan", str(ROOT / "tests" / "parity" / "fixtures" / "waves.wave"), "--target", "codepipeline").stdout
    assert "without rolling back" in text and "First run and structure changes" in text
