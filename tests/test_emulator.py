"""`wavec run PIPELINE.json` / `--target codepipeline`: the CodePipeline emulator, by what a user sees.

Each test runs the real command line on a pipeline JSON and reads the `--json` event stream, the final
report and what the stand-ins and Commands really did (they append to $RUNLOG).
"""

from __future__ import annotations

import copy
import json
import shutil
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from emulator_helpers import FAST, FIXTURES, ROOT, pipeline, standins, wavec_run, write

# Emulated runs (moto's server, real subprocesses): seconds each; CI runs them, the inner loop skips them.
pytestmark = pytest.mark.slow


def _source() -> dict[str, Any]:
    return {"name": "Source", "actions": [{
        "name": "Source", "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
        "configuration": {"S3Bucket": "b", "S3ObjectKey": "k.zip"}, "outputArtifacts": [{"name": "src"}],
        "runOrder": 1}]}


def _deploy(name: str, region: str, run_order: int = 1) -> dict[str, Any]:
    return {"name": name, "region": region, "runOrder": run_order,
            "actionTypeId": {"category": "Deploy", "owner": "AWS", "provider": "CloudFormation", "version": "1"},
            "configuration": {"ActionMode": "CREATE_UPDATE", "StackName": "app", "TemplatePath": "src::t.yaml"}}


def _pipeline(*stages: dict[str, Any], mode: str = "SUPERSEDED") -> dict[str, Any]:
    return {"pipeline": {"name": "p", "pipelineType": "V2", "executionMode": mode,
                         "roleArn": "arn:aws:iam::111122223333:role/p", "stages": [_source(), *stages]}}


def _alarm_rule(name: str, alarm: str, region: str, wait: int | None) -> dict[str, Any]:
    conf = {"AlarmName": alarm, "AlarmStates": "ALARM"} | ({"WaitTime": str(wait)} if wait is not None else {})
    return {"name": name, "region": region, "configuration": conf,
            "ruleTypeId": {"category": "Rule", "owner": "AWS", "provider": "CloudWatchAlarm", "version": "1"}}


def _scenario(tmp: Path, text: str) -> Path:
    path = tmp / "scenario.toml"
    path.write_text('start = "2024-06-03T10:00:00Z"\n' + text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------- healthy runs


def test_checkout_healthy_run_is_fast_and_deploys_every_region_in_order(tmp_path: Path) -> None:
    began = time.monotonic()
    run = wavec_run(tmp_path, FIXTURES / "checkout.pipeline.json", "--speed", "10000", "--now",
                    "2024-06-03T10:00:00Z", "--stand-ins", standins(tmp_path))
    assert time.monotonic() - began < 10
    assert run.code == 0, run.stderr
    assert run.report["status"] == "succeeded"
    deploys = [line for line in run.log if line.startswith("deploy")]
    assert deploys[:2] == ["deploy wave-onebox us-east-1", "deploy wave-first_region us-east-1"]
    assert len(deploys) == 9 and deploys[-1] == "deploy wave-rest ca-central-1"  # runOrder 3 of wave rest
    # The sandbox's Commands ran locally, in runOrder: create, the three tests (integration after unit), destroy.
    make = [line for line in run.log if line.startswith("make sandbox")]
    assert make == ["make sandbox-up ENV=sbx-" + run.report["execution"],
                    "make sandbox-down ENV=sbx-" + run.report["execution"]]


def test_get_pipeline_dump_from_the_aws_documentation_runs(tmp_path: Path) -> None:
    run = wavec_run(tmp_path, FIXTURES / "get-pipeline-MyFirstPipeline.json", "--stand-ins", standins(tmp_path))
    assert run.code == 0, run.stderr
    assert run.report["pipeline"] == "MyFirstPipeline"
    assert run.log == ["deploy Beta us-east-1"]  # the region comes from the dump's pipelineArn


def test_without_stand_ins_deploys_just_succeed(tmp_path: Path) -> None:
    run = wavec_run(tmp_path, FIXTURES / "minimal.pipeline.json")
    assert run.code == 0, run.stderr
    assert run.log == ["pytest -q"]
    assert any("without a stand-in succeed" in e["text"] for e in run.of("note"))


def test_wave_file_target_codepipeline_derives_stand_ins_from_deploy_local(tmp_path: Path) -> None:
    (tmp_path / "app.wave").write_text("""
pipeline app {
  role      = "arn:aws:iam::111122223333:role/app"
  artifacts = "app-artifacts-${region}"
  source s3 { bucket = "b"  key = "k.zip" }
  deploy {
    cloudformation {
      stack = "app"  template = "source::t.yaml"  role = "arn:aws:iam::111122223333:role/app-cloudformation"
    }
    local {
      run      = "echo deploy ${wave} $WAVE_REGION $WAVE_ACCOUNT $WAVE_EXPOSURE >> \\"$RUNLOG\\""
      rollback = "echo rollback ${wave} $WAVE_REGION >> \\"$RUNLOG\\""
    }
  }
  gate errors { alarms = ["errors-${region}"]  on_breach = rollback }
  wave canary { regions = ["eu-west-1"]  exposure = 5%  exposure_by = profile }
  wave all    { regions = ["eu-west-1", "us-east-1"]  gates = [errors] }
}
""", encoding="utf-8")
    run = wavec_run(tmp_path, "app.wave", "--target", "codepipeline")
    assert run.code == 0, run.stderr
    assert run.log[0] == "deploy canary eu-west-1 111122223333 5"
    assert sorted(run.log[1:]) == ["deploy all eu-west-1 111122223333 100", "deploy all us-east-1 111122223333 100"]
    # The rollback command is the profile's: a failing deploy in `all` rolls that stage back with it.
    failed = wavec_run(tmp_path, "app.wave", "--target", "codepipeline", "--scenario",
                       _scenario(tmp_path, '[[deploy_failure]]\nregion = "us-east-1"\nwave = "all"\n'))
    assert failed.code == 3
    assert sorted(line for line in failed.log if line.startswith("rollback")) == [
        "rollback all eu-west-1", "rollback all us-east-1"]


# ---------------------------------------------------------------------------------------------- alarms


def test_alarm_in_alarm_at_first_check_waits_for_recovery_within_wait_time(tmp_path: Path) -> None:
    doc = _pipeline({"name": "wave-one", "actions": [_deploy("deploy-eu-west-1", "eu-west-1")],
                     "onFailure": {"result": "ROLLBACK"},
                     "onSuccess": {"conditions": [{"result": "ROLLBACK",
                                                   "rules": [_alarm_rule("errors", "errors", "eu-west-1", 30)]}]}})
    path = write(tmp_path, "p.json", doc)
    recovers = _scenario(tmp_path, """
[[alarm]]
name = "errors"
state = "ALARM"
wave = "one"
minute = 0
[[alarm]]
name = "errors"
state = "OK"
wave = "one"
minute = 12
""")
    run = wavec_run(tmp_path, path, "--scenario", recovers, "--speed", FAST, "--stand-ins", standins(tmp_path))
    assert run.code == 0, run.stderr
    assert run.at("node_finished", node="wave:one:bake") - run.at("node_finished", node="wave:one:deploy:eu-west-1") \
        == timedelta(minutes=12)
    stays = _scenario(tmp_path, '[[alarm]]\nname = "errors"\nstate = "ALARM"\nwave = "one"\nminute = 0\n')
    run = wavec_run(tmp_path, path, "--scenario", stays, "--speed", FAST, "--stand-ins", standins(tmp_path))
    assert run.code == 3
    assert run.at("breach") - run.at("node_finished", node="wave:one:deploy:eu-west-1") == timedelta(minutes=30)
    assert run.report["status"] == "rolled_back"
    assert run.log == ["deploy wave-one eu-west-1", "rollback wave-one eu-west-1"]
    (rollback,) = [e for e in run.report["executions"] if e["type"] == "ROLLBACK"]
    assert rollback["trigger"] == "AutomatedRollback"


def test_no_earlier_success_means_no_rollback(tmp_path: Path) -> None:
    path = write(tmp_path, "p.json", _pipeline({"name": "wave-one", "onFailure": {"result": "ROLLBACK"},
                                                "actions": [_deploy("deploy-eu-west-1", "eu-west-1")]}))
    scenario = _scenario(tmp_path, 'previous_execution = false\n[[deploy_failure]]\nregion = "eu-west-1"\n')
    run = wavec_run(tmp_path, path, "--scenario", scenario, "--stand-ins", standins(tmp_path))
    assert run.code == 3 and run.report["status"] == "failed"
    assert "no earlier successful execution" in run.of("rollback_plan")[0]["reason"]
    assert run.log == []  # the failing deploy never ran its stand-in, and nothing rolled back


def test_blocker_alarm_checked_by_a_commands_rule_sees_the_scenario(tmp_path: Path) -> None:
    """The checkout's wave rest checks two regions' blockers with `aws cloudwatch describe-alarms` in a rule."""
    scenario = _scenario(tmp_path, '[[alarm]]\nname = "checkout-sev2-open-sa-east-1"\nregion = "sa-east-1"\n'
                                   'state = "ALARM"\n')
    run = wavec_run(tmp_path, FIXTURES / "checkout.pipeline.json", "--scenario", scenario, "--speed", FAST,
                    "--stand-ins", standins(tmp_path))
    assert run.code == 3
    (rule,) = run.of("gate", wave="rest", gate="blockers-more-regions")
    assert not rule["ok"] and rule["rule"] == "Commands"
    waves = {w["name"]: w for w in run.report["waves"]}
    assert waves["second"]["status"] == "baked" and waves["rest"]["status"] == "not started"


# ---------------------------------------------------------------------------------------------- windows


def test_closed_window_waits_then_opens_and_no_wait_fails(tmp_path: Path) -> None:
    saturday = "2024-06-08T10:00:00Z"
    run = wavec_run(tmp_path, FIXTURES / "checkout.pipeline.json", "--now", saturday, "--speed", FAST)
    assert run.code == 0, run.stderr
    assert run.of("window_wait", wave="onebox")[0]["until"] == "2024-06-10T09:00:00Z"
    assert run.at("node_started", node="wave:onebox:deploy:us-east-1").isoformat() == "2024-06-10T09:00:00+00:00"
    closed = wavec_run(tmp_path, FIXTURES / "checkout.pipeline.json", "--now", saturday, "--no-wait")
    assert closed.code == 3
    assert "closed" in closed.report["reason"] and "--no-wait" in closed.report["reason"]


# ---------------------------------------------------------------------------------------------- failures


def test_failing_step_stops_the_run_before_any_wave(tmp_path: Path) -> None:
    scenario = _scenario(tmp_path, '[[step_failure]]\naction = "integration"\n')
    run = wavec_run(tmp_path, FIXTURES / "checkout.pipeline.json", "--scenario", scenario, "--speed", FAST,
                    "--stand-ins", standins(tmp_path))
    assert run.code == 3 and run.report["status"] == "failed"
    assert "integration" in run.report["reason"]
    assert not [line for line in run.log if line.startswith("deploy")]
    # CodePipeline's runOrder: the destroy action (runOrder 4) never runs after a failed step (issue 12, WV932).
    assert "make sandbox-up" in " ".join(run.log) and "make sandbox-down" not in " ".join(run.log)


def test_retry_runs_the_failed_action_once_more(tmp_path: Path) -> None:
    flaky = {"name": "flaky", "runOrder": 1, "commands": ['test -e marker || { touch marker; exit 1; }'],
             "actionTypeId": {"category": "Compute", "owner": "AWS", "provider": "Commands", "version": "1"}}
    doc = _pipeline({"name": "test", "actions": [flaky],
                     "onFailure": {"result": "RETRY", "retryConfiguration": {"retryMode": "FAILED_ACTIONS"}}})
    run = wavec_run(tmp_path, write(tmp_path, "p.json", doc))
    assert run.code == 0, run.stderr
    assert [e["attempt"] for e in run.of("node_retry")] == [2]


# ---------------------------------------------------------------------------------------------- approvals


def _approval_pipeline() -> dict[str, Any]:
    approve = {"name": "approve", "runOrder": 1, "timeoutInMinutes": 60,
               "actionTypeId": {"category": "Approval", "owner": "AWS", "provider": "Manual", "version": "1"}}
    return _pipeline({"name": "wave-prod", "actions": [approve, _deploy("deploy-eu-west-1", "eu-west-1", 2)]})


@pytest.mark.parametrize(("answer", "code", "after"), [
    ('decision = "approve"\nafter = "30m"', 0, timedelta(minutes=30)),
    ('decision = "reject"\nafter = "10m"', 3, None),
    ('decision = "approve"\nafter = "2h"', 3, None),  # after the 60-minute timeout
])
def test_approval_from_the_scenario(tmp_path: Path, answer: str, code: int, after: timedelta | None) -> None:
    path = write(tmp_path, "p.json", _approval_pipeline())
    run = wavec_run(tmp_path, path, "--scenario", _scenario(tmp_path, "[[approval]]\nwave = \"prod\"\n" + answer),
                    "--speed", FAST, "--stand-ins", standins(tmp_path))
    assert run.code == code, run.stderr
    if after is not None:
        assert run.at("node_started", node="wave:prod:deploy:eu-west-1") - run.at("run_started") == after
    else:
        assert run.log == []
        assert ("rejected" if "reject" in answer else "timed out") in run.report["reason"]


# ---------------------------------------------------------------------------------------------- rehearsal fleet


def test_rehearsal_fleet_works_unchanged_and_rolls_back_a_faulty_region(tmp_path: Path) -> None:
    folder = tmp_path / "rehearsal"
    shutil.copytree(ROOT / "examples" / "rehearsal", folder)
    healthy = wavec_run(folder, "shop.wave", "--target", "codepipeline", "--speed", FAST)
    assert healthy.code == 0, healthy.stderr
    faulty = wavec_run(folder, "shop.wave", "--target", "codepipeline", "--speed", FAST,
                       env={"WAVE_FAULT_REGION": "eu-west-1"})
    assert faulty.code == 3, faulty.stderr
    waves = {w["name"]: w for w in faulty.report["waves"]}
    assert sorted(waves["europe"]["rolled_back"]) == ["eu-central-1", "eu-west-1"]
    (check,) = [g for g in faulty.of("gate", wave="europe") if not g["ok"]]
    assert (check["gate"], check["action"]) == ("health", "check-health-eu-west-1")  # the gate, as wavec run names it


# ---------------------------------------------------------------------------------------------- refusals


def _mutated(tmp: Path, change: Any) -> Path:
    doc = copy.deepcopy(pipeline("minimal.pipeline.json"))
    change(doc["pipeline"])
    return write(tmp, "p.json", doc)


def _set_provider(p: dict[str, Any]) -> None:
    p["stages"][2]["actions"][0]["actionTypeId"]["provider"] = "OpsWorks"


def _add_rule(p: dict[str, Any]) -> None:
    p["stages"][2]["beforeEntry"] = {"conditions": [{"result": "FAIL", "rules": [
        {"name": "mine", "ruleTypeId": {"category": "Rule", "owner": "AWS", "provider": "Frobnicate",
                                        "version": "1"}}]}]}


def _parallel_rollback(p: dict[str, Any]) -> None:
    p["executionMode"] = "PARALLEL"
    p["stages"][2]["onFailure"] = {"result": "ROLLBACK"}


@pytest.mark.parametrize(("change", "words"), [
    (_set_provider, "action provider Deploy/AWS/OpsWorks is not one the emulator knows"),
    (_add_rule, "rule type Rule/AWS/Frobnicate is not one the emulator knows"),
    (_parallel_rollback, "PARALLEL mode forbids rollback"),
])
def test_a_construct_no_rule_covers_is_refused(tmp_path: Path, change: Any, words: str) -> None:
    run = wavec_run(tmp_path, _mutated(tmp_path, change))
    assert run.code == 2
    assert words in run.stderr and "Traceback" not in run.stderr
    assert run.events == [] and run.log == []  # refused before anything ran


def test_lambda_invoke_is_refused_unless_stood_in(tmp_path: Path) -> None:
    def lambda_action(p: dict[str, Any]) -> None:
        p["stages"][1]["actions"][0] = {"name": "invoke", "actionTypeId": {
            "category": "Invoke", "owner": "AWS", "provider": "Lambda", "version": "1"},
            "configuration": {"FunctionName": "f"}}
    path = _mutated(tmp_path, lambda_action)
    refused = wavec_run(tmp_path, path)
    assert refused.code == 2 and "or a stand-in" in refused.stderr and "--template" in refused.stderr
    ok = wavec_run(tmp_path, path, "--stand-ins", standins(tmp_path, {"actions": {"invoke": {
        "run": 'echo "invoked $WAVE_ACTION" >> "$RUNLOG"'}}}))
    assert ok.code == 0 and "invoked invoke" in ok.log


@pytest.mark.parametrize(("name", "text", "words"), [
    ("s.toml", "start = 3\n", "expected an ISO 8601 time"),
    ("s.toml", "[[alarm]]\nname = \"a\"\nminute = 3\n", "needs the `wave`"),
    ("s.toml", "[[alarm]]\nname = \"a\"\nwhen = 3\n", "unknown key 'when'"),
    ("s.json", "{", "not valid JSON"),
])
def test_bad_scenario_is_a_clear_usage_error(tmp_path: Path, name: str, text: str, words: str) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    run = wavec_run(tmp_path, FIXTURES / "minimal.pipeline.json", "--scenario", tmp_path / name)
    assert run.code == 2 and words in run.stderr and "Traceback" not in run.stderr


def test_bad_stand_ins_and_non_pipeline_json_are_usage_errors(tmp_path: Path) -> None:
    bad = standins(tmp_path, {"actions": {"x": {"run": 3}}})
    run = wavec_run(tmp_path, FIXTURES / "minimal.pipeline.json", "--stand-ins", bad)
    assert run.code == 2 and "expected a command" in run.stderr
    template = write(tmp_path, "t.json", {"Resources": {}})
    run = wavec_run(tmp_path, template, "--target", "codepipeline")
    assert run.code == 2 and "CloudFormation template" in run.stderr


def test_event_stream_speaks_the_runner_vocabulary(tmp_path: Path) -> None:
    run = wavec_run(tmp_path, FIXTURES / "minimal.pipeline.json")
    kinds = {e["event"] for e in run.events}
    assert {"run_started", "node_started", "node_finished", "bake_started", "run_finished", "report"} <= kinds
    assert all("at" in e and "seq" in e for e in run.events if e["event"] != "report")
    report = run.report
    for key in ("status", "exit", "stages", "waves", "rolled_back", "executions", "timeline", "choices"):
        assert key in report
    json.dumps(report)
