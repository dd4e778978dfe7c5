"""Defect 7 of the production-parity issue: blockers are read again before every deploy batch, on both targets.

A wave's entry condition reads its blockers once, before the first batch (rules 29, 38 of docs/codepipeline.md:
entry rules are not checked again). An incident that begins while batch 1 deploys must stop batch 2: `wavec run`
reads the blockers before each batch, and the compiled stage has a Step Functions reading of the batch's blockers
(the bake machine with a bake of 0, rules 63–65) before each later batch. The wave then fails and rolls back;
the rollback's re-run of the reading is skipped by the rollback guard (rules 44, 47).

The two rehearsals count a command's time differently (`wavec run`: its real time × `--speed`; the emulator: its
real time), so each test anchors the incident between the wave's start and its second batch on its own clock.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from emulator_helpers import FAST, Run, app_pipeline, wavec_run

from wavec.api import build
from wavec.config import Config

# Emulated runs (moto's server, real subprocesses): seconds each; CI runs them, the inner loop skips them.
pytestmark = pytest.mark.slow

WAVE = app_pipeline("""
gate health { alarms = ["errors-${region}"]  blockers = ["sev2-${region}"]  on_breach = rollback }
wave one { regions = ["eu-west-1"]  bake = 1m  gates = [health] }
wave two { regions = ["us-east-1", "us-west-2"]  parallel = 1  bake = 1m  gates = [health] }
""", run='sleep 4; echo deploy ${wave} $WAVE_REGION >> \\"$RUNLOG\\"')


def _scenario(minute: float, state_at_start: bool = False) -> str:
    """us-west-2's blocker enters ALARM at bake minute ``minute`` of wave one (or is in ALARM from the start)."""
    when = "" if state_at_start else f'wave = "one"\nminute = {minute}\n'
    return ('start = "2024-06-03T10:00:00Z"\n'
            f'[[alarm]]\nname = "sev2-us-west-2"\nregion = "us-west-2"\nstate = "ALARM"\n{when}')


def _run(tmp: Path, target: str, scenario: str, speed: str) -> Run:
    tmp.mkdir(exist_ok=True)
    (tmp / "batches.wave").write_text(WAVE, encoding="utf-8")
    (tmp / "scenario.toml").write_text(scenario, encoding="utf-8")
    return wavec_run(tmp, tmp / "batches.wave", "--target", target, "--scenario", tmp / "scenario.toml",
                     "--speed", speed, timeout=120)


def _rolled_back_batch_one(run: Run) -> None:
    assert run.code == 3, run.stderr
    assert "deploy two us-west-2" not in run.log  # batch 2 never deployed
    assert run.log[:3] == ["deploy one eu-west-1", "deploy two us-east-1", "rollback two us-east-1"]
    assert "rollback one eu-west-1" not in run.log  # a baked wave stays (on_breach = rollback)
    assert run.report["status"] == "rolled_back"
    assert "sev2-us-west-2" in json.dumps(run.report["reason"])


def test_wavec_run_reads_the_blockers_again_before_batch_two(tmp_path: Path) -> None:
    # Speed 60: wave two starts at about minute 1 of wave one's bake; its first batch deploys for 4 minutes.
    _rolled_back_batch_one(_run(tmp_path, "local", _scenario(2), "60"))


def test_the_compiled_stage_reads_the_blockers_again_before_batch_two(tmp_path: Path) -> None:
    # Wave two starts at minute 1 of wave one's bake exactly (the bake's virtual time); batch 1 takes 4 seconds.
    run = _run(tmp_path, "codepipeline", _scenario(1.02), "60")
    _rolled_back_batch_one(run)
    # A rollback execution re-runs every deploy action of the stage with the previous artefacts (rule 44): the
    # never-deployed us-west-2 gets the previous version again, which it already runs.
    assert run.log[3:] == ["rollback two us-west-2"]
    executions = {e["type"]: e["status"] for e in run.report["executions"]}
    assert executions == {"STANDARD": "Failed", "ROLLBACK": "Succeeded"}  # the rollback held


def test_a_blocker_of_a_later_batch_keeps_the_wave_from_starting(tmp_path: Path) -> None:
    # Before the first batch every target's blockers are read, on both targets: nothing of wave two deploys.
    for target in ("local", "codepipeline"):
        run = _run(tmp_path / target, target, _scenario(0, state_at_start=True), FAST)
        assert run.code == 3, run.stderr
        assert run.log == ["deploy one eu-west-1"], target


def test_without_the_readings_batch_two_deploys_into_the_incident(tmp_path: Path) -> None:
    # The oracle: the same compiled pipeline with its blocker readings removed (the output before this fix).
    run = _run(tmp_path, "codepipeline", _scenario(1.02), "60")
    assert "deploy two us-west-2" not in run.log
    built = {fmt: build(tmp_path / "batches.wave", "codepipeline", fmt, config=Config()).output
             for fmt in ("json", "cloudformation")}
    assert built["json"] is not None and built["cloudformation"] is not None
    request = json.loads(built["json"])
    for stage in request["pipeline"]["stages"]:
        stage["actions"] = [a for a in stage["actions"] if not a["name"].startswith("blockers-")]
    (tmp_path / "old.json").write_text(json.dumps(request), encoding="utf-8")
    (tmp_path / "template.json").write_text(built["cloudformation"], encoding="utf-8")
    old = wavec_run(tmp_path, tmp_path / "old.json", "--template", tmp_path / "template.json", "--scenario",
                    tmp_path / "scenario.toml", "--speed", "60", timeout=120)
    assert old.code == 0, old.stderr
    (two,) = [w for w in old.report["waves"] if w["name"] == "two"]
    assert two["deployed"] == ["us-east-1", "us-west-2"] and two["status"] == "baked"


CROSS = """pipeline app {
  role           = "arn:aws:iam::111122223333:role/app"
  artifacts      = "app-artifacts-${region}"
  encryption_key = "arn:aws:kms:${region}:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  source s3 { bucket = "b"  key = "k.zip" }
  deploy {
    role = "arn:aws:iam::${account}:role/app-deployer"
    cloudformation {
      stack = "app"  template = "source::t.yaml"  role = "arn:aws:iam::${account}:role/app-cloudformation"
    }
    local {
      run      = "echo deploy ${account} >> \\"$RUNLOG\\""
      rollback = "echo rollback ${account} >> \\"$RUNLOG\\""
    }
  }
  gate health { alarms = ["errors-${account}"]  blockers = ["sev2-${account}"]  on_breach = rollback }
  wave both { regions = ["eu-west-1"]  accounts = ["111122223333", "444455556666"]  bake = 10m  gates = [health] }
}
"""


def test_a_blocker_in_another_account_keeps_the_wave_from_starting(tmp_path: Path) -> None:
    # Rule 43: an entry rule would read `sev2-444455556666` in the pipeline's account, where it does not exist;
    # the compiled stage reads it in its own account (Step Functions with the deploy role) before any deploy.
    # (The emulator's scenario alarms have no account, so it cannot show the old rule's blindness: the mapping
    # test pins the reading.)
    for target in ("local", "codepipeline"):
        folder = tmp_path / target
        folder.mkdir()
        (folder / "cross.wave").write_text(CROSS, encoding="utf-8")
        (folder / "scenario.toml").write_text(
            'start = "2024-06-03T10:00:00Z"\n[[alarm]]\nname = "sev2-444455556666"\nstate = "ALARM"\n',
            encoding="utf-8")
        run = wavec_run(folder, folder / "cross.wave", "--target", target, "--scenario", folder / "scenario.toml",
                        "--speed", FAST, timeout=120)
        assert run.code == 3, (target, run.stderr)
        assert not [line for line in run.log if line.startswith("deploy")], (target, run.log)


WIDE = app_pipeline("""
region = "us-east-1"
window always { days = [mon, tue, wed, thu, fri, sat, sun]  hours = [00:00, 23:59] }
gate calm { blockers = ["sev2-${region}"] }
wave wide {
  regions = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"]
  windows = [always]  gates = [calm]
}
""", run='echo deploy ${region} >> \\"$RUNLOG\\"', rollback='echo rollback ${region} >> \\"$RUNLOG\\"')


def test_blockers_beyond_the_five_entry_rules_are_read_and_block(tmp_path: Path) -> None:
    # Rule 25: one window and six regions' blockers do not fit in 5 rules; the last two regions' are read by
    # Step Functions in `enter-wide` (WV917's Commands rule, which passed a missing alarm, is retired).
    built = build_wide(tmp_path)
    stages = {s["name"]: s for s in built["pipeline"]["stages"]}
    assert [a["name"] for a in stages["enter-wide"]["actions"]] == [
        "blockers-eu-central-1-batch-1", "blockers-ap-southeast-2-batch-1"]
    assert len(stages["enter-wide"]["beforeEntry"]["conditions"][0]["rules"]) == 5
    for target in ("local", "codepipeline"):
        folder = tmp_path / target
        folder.mkdir()
        (folder / "wide.wave").write_text(WIDE, encoding="utf-8")
        (folder / "scenario.toml").write_text(
            'start = "2024-06-03T10:00:00Z"\n[[alarm]]\nname = "sev2-ap-southeast-2"\nregion = "ap-southeast-2"\n'
            'state = "ALARM"\n', encoding="utf-8")
        run = wavec_run(folder, folder / "wide.wave", "--target", target, "--scenario", folder / "scenario.toml",
                        "--speed", FAST, timeout=120)
        assert run.code == 3, (target, run.stderr)
        assert run.log == [], (target, run.log)


def build_wide(tmp: Path) -> dict[str, Any]:
    """The compiled request of :data:`WIDE`."""
    (tmp / "wide.wave").write_text(WIDE, encoding="utf-8")
    output = build(tmp / "wide.wave", "codepipeline", "json", config=Config()).output
    assert output is not None
    request: dict[str, Any] = json.loads(output)
    return request
