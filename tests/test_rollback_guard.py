"""The rollback guard: a rollback re-runs the stage's bake, which must not fail it (rules 44, 47, 64).

A rollback execution re-runs every action of the failed stage with the previous execution's artefacts; without
the guard, the re-run bake reads the alarm that caused the rollback, still in ALARM, and the rollback fails: the
wave stays on the bad change. The guard (guard_code.py) answers `rollback = true` then, and the readings skip.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from emulator_helpers import FAST, wavec_run

from wavec.api import build
from wavec.config import Config
from wavec.targets.codepipeline import guard, guard_code

# Emulated runs (moto's server, real subprocesses): seconds each; CI runs them, the inner loop skips them.
pytestmark = pytest.mark.slow

WAVES = Path(__file__).resolve().parent / "parity" / "fixtures" / "waves.wave"
# The alarm of wave two fires at bake minute 12 and stays in ALARM (the parity table's "breach-stays").
SCENARIO = ('start = "2024-06-03T10:00:00Z"\n[[alarm]]\nname = "errors-us-east-1"\nregion = "us-east-1"\n'
            'state = "ALARM"\nwave = "two"\nminute = 12\n')


class FakePipeline:
    """GetPipelineState of one stage, and the job answers (the calls guard_code makes)."""

    def __init__(self, latest: dict[str, str] | None, fail: bool = False) -> None:
        self.latest, self.fail = latest, fail
        self.answers: list[tuple[str, dict[str, Any]]] = []

    def get_pipeline_state(self, name: str) -> dict[str, Any]:
        if self.fail:
            raise RuntimeError("throttled")
        return {"stageStates": [{"stageName": "wave-two", **({"latestExecution": self.latest} if self.latest
                                                              else {})}]}

    def put_job_success_result(self, jobId: str, outputVariables: dict[str, str]) -> None:
        self.answers.append(("success", outputVariables))

    def put_job_failure_result(self, jobId: str, failureDetails: dict[str, str]) -> None:
        self.answers.append(("failure", failureDetails))


def _event(stage: str = "wave-two") -> dict[str, Any]:
    params = json.dumps({"pipeline": "app", "stage": stage})
    return {"CodePipeline.job": {"id": "job-1", "data": {"actionConfiguration": {"configuration": {
        "FunctionName": "wavec-guard-app", "UserParameters": params}}}}}


@pytest.mark.parametrize(("latest", "answer"), [
    ({"pipelineExecutionId": "r", "status": "InProgress", "type": "ROLLBACK"}, "true"),
    ({"pipelineExecutionId": "e", "status": "InProgress", "type": "STANDARD"}, "false"),
    ({"pipelineExecutionId": "r", "status": "Succeeded", "type": "ROLLBACK"}, "false"),  # an earlier rollback
])
def test_the_guard_answers_from_the_stage_latest_execution(latest: dict[str, str], answer: str) -> None:
    cp = FakePipeline(latest)
    guard_code.handler(_event(), clients={"codepipeline": cp})
    assert cp.answers == [("success", {"rollback": answer})]


def test_a_guard_that_cannot_tell_fails_the_action_rather_than_bake_blind() -> None:
    cp = FakePipeline(None, fail=True)
    guard_code.handler(_event(), clients={"codepipeline": cp})
    ((kind, details),) = cp.answers
    assert kind == "failure" and details["type"] == "JobFailed" and "throttled" in details["message"]
    unknown = FakePipeline({"type": "STANDARD", "status": "InProgress"})
    guard_code.handler(_event("wave-nine"), clients={"codepipeline": unknown})
    assert unknown.answers[0][0] == "failure" and "wave-nine" in unknown.answers[0][1]["message"]


def _outputs(tmp: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    built = [build(WAVES, "codepipeline", fmt, config=Config()).output for fmt in ("json", "cloudformation")]
    assert built[0] is not None and built[1] is not None
    return json.loads(built[0]), json.loads(built[1])


def test_the_template_ships_the_guard_code_the_emulator_runs(tmp_path: Path) -> None:
    request, template = _outputs(tmp_path)
    (function,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"
                   and r["Properties"]["FunctionName"] == guard.function_name("app")]
    assert function["Properties"]["Code"]["ZipFile"] == guard.code()  # one source of truth
    stages = [s for s in request["pipeline"]["stages"] if s["name"].startswith("wave-")]
    assert all(s["actions"][0]["name"] == guard.ACTION for s in stages)


def _emulate(tmp: Path, request: dict[str, Any], template: dict[str, Any]) -> dict[str, Any]:
    (tmp / "pipeline.json").write_text(json.dumps(request), encoding="utf-8")
    (tmp / "template.json").write_text(json.dumps(template), encoding="utf-8")
    (tmp / "scenario.toml").write_text(SCENARIO, encoding="utf-8")
    run = wavec_run(tmp, tmp / "pipeline.json", "--template", tmp / "template.json", "--scenario",
                    tmp / "scenario.toml", "--speed", FAST, timeout=120)
    assert run.code == 3, run.stderr
    return run.report


def test_with_the_guard_the_rollback_holds_and_without_it_it_fails(tmp_path: Path) -> None:
    request, template = _outputs(tmp_path)
    (tmp_path / "guarded").mkdir()
    report = _emulate(tmp_path / "guarded", request, template)
    assert report["status"] == "rolled_back"
    assert {e["type"]: e["status"] for e in report["executions"]} == {"STANDARD": "Failed", "ROLLBACK": "Succeeded"}
    # The oracle: the output before the guard (no guard action, inputs without its answer).
    for stage in request["pipeline"]["stages"]:
        stage["actions"] = [a for a in stage["actions"] if a["name"] != guard.ACTION]
        for action in stage["actions"]:
            if "Input" in action.get("configuration", {}):
                spec = json.loads(action["configuration"]["Input"])
                spec.pop("rollback")
                action["configuration"]["Input"] = json.dumps(spec)
    (tmp_path / "old").mkdir()
    old = _emulate(tmp_path / "old", request, template)
    assert old["status"] == "rollback_failed"
    assert {e["type"]: e["status"] for e in old["executions"]} == {"STANDARD": "Failed", "ROLLBACK": "Failed"}
