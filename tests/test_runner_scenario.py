"""`wavec run FILE.wave --scenario F` on the local runner: the scenario format of docs/scenarios.md.

Each test runs the command line in-process on a small pipeline whose deploys log to $RUNLOG and reads the
`--json` events and what the commands really did.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from conftest import ROOT, cli

WAVES = ROOT / "tests" / "parity" / "fixtures" / "waves.wave"
START = 'start = "2024-06-03T10:00:00Z"\n'


Result = tuple[int, list[dict[str, Any]], str, list[str]]  # exit code, events, stderr, $RUNLOG lines


def _run(tmp: Path, scenario: str, *extra: str, source: Path = WAVES) -> Result:
    shutil.copy(source, tmp / source.name)
    (tmp / "s.toml").write_text(scenario, encoding="utf-8")
    log = tmp / "run.log"
    log.write_text("", encoding="utf-8")
    env = {**os.environ, "RUNLOG": str(log)}
    done = cli("run", source.name, "--scenario", "s.toml", "--speed", "1000000", "--json", *extra, cwd=tmp, env=env)
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return done.returncode, events, done.stderr, log.read_text(encoding="utf-8").splitlines()


def test_an_alarm_at_a_bake_minute_breaches_at_the_next_evaluation_and_rolls_back(tmp_path: Path) -> None:
    code, events, stderr, log = _run(tmp_path, START + """
[[alarm]]
name = "errors-us-east-1"
region = "us-east-1"
state = "ALARM"
wave = "two"
minute = 12
""")
    assert code == 3, stderr
    gates = [(e["wave"], e["ok"]) for e in events if e["event"] == "gate" and e["wave"] == "two"]
    assert gates == [("two", True), ("two", True), ("two", False)]  # minutes 5 and 10 pass, 15 breaches
    assert "alarm errors-us-east-1 in ALARM (us-east-1)" in next(e for e in events if e["event"] == "breach")["reason"]
    assert sorted(line for line in log if line.startswith("rollback")) == ["rollback two us-east-1",
                                                                          "rollback two us-west-2"]
    assert not any(line.startswith("deploy three") for line in log)
    assert events[-1]["event"] == "report"
    assert next(e for e in events if e["event"] == "run_finished")["status"] == "rolled_back"


def test_a_healthy_scenario_succeeds_and_its_start_is_the_virtual_start(tmp_path: Path) -> None:
    code, events, stderr, log = _run(tmp_path, START)
    assert code == 0, stderr
    assert [line.split()[1] for line in log] == ["one", "two", "two", "three"]
    started = next(e for e in events if e["event"] == "run_started")
    assert started["options"]["now"].startswith("2024-06-03T10:00:00")


def test_a_failing_deploy_in_one_region_of_a_batch_rolls_the_wave_back(tmp_path: Path) -> None:
    code, events, stderr, log = _run(tmp_path, START + '[[deploy_failure]]\nregion = "us-west-2"\nwave = "two"\n')
    assert code == 3, stderr
    failed = [e["node"] for e in events if e["event"] == "node_finished" and e["status"] == "failed"]
    assert failed == ["wave:two:deploy:us-west-2"]
    assert "deploy two us-west-2" not in log  # a failing deploy fails at once, without running its command
    assert "rollback two us-east-1" in log


def test_a_failing_step_fails_the_run_without_running_it(tmp_path: Path) -> None:
    code, _, stderr, log = _run(tmp_path, START + '[[step_failure]]\naction = "integration"\n',
                                     source=ROOT / "tests" / "parity" / "fixtures" / "sandbox.wave")
    assert code == 3, stderr
    assert log == ["create", "unit", "destroy"]  # the sandbox is destroyed, nothing deploys


def test_an_entry_the_local_runner_cannot_honour_is_a_usage_error(tmp_path: Path) -> None:
    for text, said in [
        ('[[deploy_failure]]\naction = "deploy-eu-west-1"\n', "deploy_failure[0]: `action` names a CodePipeline"),
        ("previous_execution = false\n", "previous_execution = false"),
        ('pipeline_region = "us-east-1"\n', "pipeline_region is read by the CodePipeline emulator only"),
        ('[[step_failure]]\naction = "nope"\n', "the plan has no step 'nope'"),
        ('[[approval]]\nwave = "nope"\n', "the plan has no wave 'nope'"),
        ("[[alarm]]\nsurprise = 1\n", "unknown key 'surprise'"),
    ]:
        code, events, stderr, log = _run(tmp_path, START + text)
        assert (code, events, log) == (2, [], []), text
        assert said in stderr, stderr


def test_scenario_and_aws_together_are_a_usage_error(tmp_path: Path) -> None:
    code, _, stderr, _ = _run(tmp_path, START, "--aws")
    assert code == 2
    assert "--scenario and --aws" in stderr


def test_entries_may_name_the_codepipeline_stage_of_a_wave(tmp_path: Path) -> None:
    code, events, stderr, log = _run(tmp_path, START + """
[[alarm]]
name = "errors-eu-west-1"
region = "eu-west-1"
state = "ALARM"
stage = "wave-one"
minute = 3
[[deploy_failure]]
region = "us-east-1"
stage = "wave-two"
""")
    assert code == 3, stderr
    assert [(e["wave"], e["ok"]) for e in events if e["event"] == "gate"] == [("one", False)]  # at minute 5
    assert log == ["deploy one eu-west-1", "rollback one eu-west-1"]
