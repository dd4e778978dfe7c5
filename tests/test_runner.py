"""`wavec run` with real subprocesses: the exact order of what the scripts did, exit codes, windows, injection."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from runner_helpers import Fleet, fleet

from conftest import ROOT

HEALTHY = ["create test", "test unit", "destroy test", "deploy one us-east-1", "deploy two eu-west-1",
           "deploy two eu-central-1", "deploy three ap-southeast-2"]
FAST = ("--speed", "6000")


def test_healthy_rollout_runs_everything_in_order_and_exits_zero(tmp_path: Path) -> None:
    f = Fleet(tmp_path, fleet())
    run = f.run(*FAST, inprocess=False)  # exactly as a user runs it
    assert run.code == 0, run.proc.stdout + run.proc.stderr
    assert run.log == HEALTHY
    assert "Rollout of fleet: SUCCEEDED" in run.proc.stdout
    finished = run.kinds("run_finished")[-1]
    assert finished["status"] == "succeeded" and finished["exit"] == 0
    # Every bake evaluated its gate at each interval: 3m bake / 1m interval = 3 evaluations per wave.
    gates = run.kinds("gate")
    assert [g["wave"] for g in gates] == ["one"] * 3 + ["two"] * 3 + ["three"] * 3 and all(g["ok"] for g in gates)


def test_breach_in_a_later_wave_rolls_it_back_newest_first_and_stops(tmp_path: Path) -> None:
    f = Fleet(tmp_path, fleet())
    f.fault("eu-west-1")  # the health check of eu-west-1 fails
    run = f.run(*FAST)
    assert run.code == 3
    assert run.log == [*HEALTHY[:6], "rollback two eu-central-1", "rollback two eu-west-1"]
    assert "deploy three ap-southeast-2" not in run.log  # the next wave never started
    (breach,) = run.kinds("breach")
    assert breach["wave"] == "two" and breach["gate"] == "health" and breach["on_breach"] == "rollback"
    assert "eu-west-1" in breach["reason"]
    assert "FAILED, ROLLED BACK" in run.proc.stdout
    assert "rolled back (in order): eu-central-1 (two), eu-west-1 (two)" in run.proc.stdout


def test_rollback_all_also_rolls_back_earlier_waves_newest_first(tmp_path: Path) -> None:
    f = Fleet(tmp_path, fleet(on_breach="rollback_all"))
    f.fault("eu-west-1")
    run = f.run(*FAST)
    assert run.code == 3
    assert run.log == [*HEALTHY[:6], "rollback two eu-central-1", "rollback two eu-west-1", "rollback one us-east-1"]


def test_halt_stops_without_rolling_back(tmp_path: Path) -> None:
    f = Fleet(tmp_path, fleet(on_breach="halt"))
    f.fault("eu-west-1")
    run = f.run(*FAST)
    assert run.code == 3
    assert run.log == HEALTHY[:6]
    assert run.kinds("run_finished")[-1]["status"] == "halted"


def test_failed_deploy_is_a_breach_and_the_failed_target_is_rolled_back_first(tmp_path: Path) -> None:
    f = Fleet(tmp_path, fleet())
    f.fault("deploy-eu-central-1")
    run = f.run(*FAST)
    assert run.code == 3
    assert run.log == [*HEALTHY[:6], "rollback two eu-central-1", "rollback two eu-west-1"]
    assert run.kinds("breach")[0]["reason"].startswith("deploy to eu-central-1 failed")


def test_failing_tests_destroy_the_sandbox_and_deploy_nothing(tmp_path: Path) -> None:
    f = Fleet(tmp_path, fleet())
    f.fault("tests")
    run = f.run(*FAST)
    assert run.code == 3
    assert run.log == ["create test", "test unit", "destroy test"]
    assert "stages:      test failed" in run.proc.stdout
    assert not any(line.startswith("deploy") for line in run.log)


@pytest.mark.slow  # waits out a real 1 s step timeout
def test_step_retries_and_timeout(tmp_path: Path) -> None:
    text = fleet().replace(
        'step unit { kind = test  run = "echo test unit >> \\"$RUNLOG\\" && test ! -e \\"$FAULTS/tests\\"" }',
        'step unit { kind = test  retries = 2  run = "echo try >> \\"$RUNLOG\\" && '
        'test $(grep -c try \\"$RUNLOG\\") -ge 3" }\n'
        '    step slow { timeout = 1s  run = "sleep 30" }')
    f = Fleet(tmp_path, text)
    run = f.run(*FAST, timeout=30)
    assert run.log[:4] == ["create test", "try", "try", "try"]  # failed twice, passed on the third attempt
    slow = next(e for e in run.kinds("node_finished") if e["node"] == "stage:test:step:slow")
    assert slow["status"] == "failed" and "timed out after 1s" in slow["reason"]
    assert run.log[-1] == "destroy test" and run.code == 3


WINDOW = """
  window office {
    days     = [mon, tue, wed, thu, fri]
    hours    = [09:00, 17:00]
    timezone = "Europe/Berlin"
  }
"""


def test_closed_window_fails_at_once_with_no_wait(tmp_path: Path) -> None:
    f = Fleet(tmp_path, fleet(two="windows = [office]", extra=WINDOW))
    # Saturday noon: the office window of wave two is closed; wave one has no window.
    run = f.run(*FAST, "--no-wait", "--now", "2024-06-08T12:00:00Z")
    assert run.code == 3
    assert run.log == HEALTHY[:4]
    window = next(e for e in run.kinds("node_finished") if e["node"] == "wave:two:window")
    assert window["status"] == "failed" and "closed" in window["reason"] and "--no-wait" in window["reason"]
    assert run.kinds("rollback_plan")[-1]["nodes"] == []  # wave one baked: nothing to roll back


@pytest.mark.slow  # 43 virtual hours take 1.5 s of real time
def test_closed_window_is_waited_for_in_virtual_time(tmp_path: Path) -> None:
    f = Fleet(tmp_path, fleet(two="windows = [office]", extra=WINDOW))
    # Saturday noon UTC → Monday 09:00 Berlin (07:00 UTC): 43 hours, about 1.5 s at x100000.
    run = f.run("--speed", "100000", "--now", "2024-06-08T12:00:00Z")
    assert run.code == 0, run.proc.stdout + run.proc.stderr
    assert run.log == HEALTHY
    (wait,) = run.kinds("window_wait")
    assert wait["wave"] == "two" and wait["until"] == "2024-06-10T07:00:00+00:00"


def test_injection_through_plan_values_and_step_env_stays_inert(tmp_path: Path) -> None:
    text = fleet().replace('kind = test  run =', 'kind = test  env = { MSG = "$(touch pwned-env)" }  run =')
    f = Fleet(tmp_path, text)
    built = f.invoke(["build", "fleet.wave", "--target", "local"])
    plan = json.loads(built.proc.stdout)
    hostile = 'eu-west-1"; touch pwned-region; echo "`touch pwned-tick`$(touch pwned-sub)'
    for node in plan["nodes"]:
        if node["id"] == "wave:two:deploy:eu-west-1":
            node["environment"]["WAVE_REGION"] = hostile
            node["environment"]["WAVE_WAVE"] = "two; touch pwned-wave"
        if node["id"] == "stage:test:step:unit":
            node["command"] += ' && echo "msg $MSG" >> "$RUNLOG"'
    (tmp_path / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    run = f.run(*FAST, target="plan.json")
    assert run.code == 0, run.proc.stdout + run.proc.stderr
    assert f"deploy two; touch pwned-wave {hostile}" in run.log
    assert "msg $(touch pwned-env)" in run.log
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("pwned")) == []


def test_bad_input_is_a_clear_usage_error(tmp_path: Path) -> None:
    f = Fleet(tmp_path, fleet())
    (tmp_path / "plan.json").write_text('{"format": "something/9"}', encoding="utf-8")
    for args, message in ((["plan.json"], "not a wavec-plan/1 plan"), (["--resume", "nope"], "no run 'nope'"),
                          (["fleet.wave", "--now", "tuesday"], "not an ISO 8601 time"),
                          (["fleet.wave", "--speed", "0"], "--speed must be a positive")):
        proc = f.invoke(["run", *args]).proc
        assert proc.returncode == 2, (args, proc.stderr)
        assert message in proc.stderr and "Traceback" not in proc.stderr


def test_json_stream_ends_with_the_report(tmp_path: Path) -> None:
    f = Fleet(tmp_path, fleet())
    f.fault("eu-west-1")
    run = f.run(*FAST, "--json")
    events = [json.loads(line) for line in run.proc.stdout.splitlines()]
    assert events[0]["event"] == "run_started"
    report = events[-1]
    assert report["event"] == "report" and report["status"] == "rolled_back" and report["exit"] == 3
    assert report["rolled_back"] == ["eu-central-1 (two)", "eu-west-1 (two)"]
    assert [w["status"] for w in report["waves"]] == ["baked", "failed", "not started"]


def test_runner_is_not_imported_by_check() -> None:
    code = ("import sys; from wavec.cli import main; main(['check', 'examples/minimal.wave']); "
            "print(sorted(m for m in sys.modules if m.startswith(('wavec.runner', 'rich', 'boto3'))))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert proc.stdout.strip().splitlines()[-1] == "[]"
