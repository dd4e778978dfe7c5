"""The emulator runs the compensator of the CloudFormation output: `rollback_all` and sandbox teardown.

What one stage's rollback cannot do is done beside the pipeline: an EventBridge rule on the stage's FAILED event
(rules 59–61), the compensator function, and its state machine calling it until done (docs/codepipeline.md, "The
compensator"). The emulator runs those resources from the template (emulator/compensation.py). The oracle: the same
output without the event rule — what a pipeline deployed without the compensator does — leaves the earlier wave
on the bad change and the sandbox standing, which is what the parity table showed before.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "parity"))
from emulator_helpers import FAST, Run, wavec_run
from harness import CELLS, prepare

from wavec.api import build
from wavec.config import Config
from wavec.emulator.compensation import matches, run_machine
from wavec.emulator.model import Refusal
from wavec.targets.codepipeline.compensator import state_machine

# Emulated runs (moto's server, real subprocesses): seconds each; CI runs them, the inner loop skips them.
pytestmark = pytest.mark.slow


def _outputs(wave: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    built = [build(wave, "codepipeline", fmt, config=Config()).output for fmt in ("json", "cloudformation")]
    assert built[0] is not None and built[1] is not None
    return json.loads(built[0]), json.loads(built[1])


def _emulate(tmp: Path, request: dict[str, Any], template: dict[str, Any], scenario: Path) -> Run:
    tmp.mkdir(exist_ok=True)
    (tmp / "pipeline.json").write_text(json.dumps(request), encoding="utf-8")
    (tmp / "template.json").write_text(json.dumps(template), encoding="utf-8")
    (tmp / "stand-ins.json").write_text(json.dumps({"actions": {
        "wave-one/deploy-eu-west-1": {"run": 'echo "deploy one eu-west-1" >> "$RUNLOG"',
                                      "rollback": 'echo "rollback one eu-west-1" >> "$RUNLOG"'}}}), encoding="utf-8")
    return wavec_run(tmp, tmp / "pipeline.json", "--template", tmp / "template.json", "--stand-ins",
                     tmp / "stand-ins.json", "--scenario", scenario, "--speed", FAST, timeout=120)


def _without_compensator(template: dict[str, Any]) -> dict[str, Any]:
    resources = template["Resources"]
    for rid in [r for r, v in resources.items() if v["Type"] == "AWS::Events::Rule"
                and v["Properties"].get("EventPattern", {}).get("source") == ["aws.codepipeline"]]:
        del resources[rid]
    return template


def test_rollback_all_rolls_back_the_earlier_wave_through_the_compensator(tmp_path: Path) -> None:
    cell = next(c for c in CELLS if c.id == "breach-middle-rollback-all@waves")
    wave, scenario = prepare(cell, tmp_path)
    request, template = _outputs(wave)
    run = _emulate(tmp_path / "with", request, template, scenario)
    assert run.code == 3, run.stderr
    assert run.stderr == ""  # the functions log to the run's logs/functions.log
    assert "rollback one eu-west-1" in run.log
    (finished,) = run.of("compensation_finished")
    assert finished["status"] == "SUCCEEDED"
    assert [o["outcome"] for o in finished["outcomes"]] == ["rolled-back"]
    manual = [e for e in run.report["executions"] if e["trigger"] == "ManualRollback"]
    assert [(e["stage"], e["target_execution"], e["status"]) for e in manual] == [("wave-one", "previous",
                                                                                     "Succeeded")]
    old = _emulate(tmp_path / "without", request, _without_compensator(template), scenario)
    assert old.code == 3 and "rollback one eu-west-1" not in old.log and not old.of("compensation")


def test_a_failed_sandbox_test_destroys_the_sandbox_through_the_compensator(tmp_path: Path) -> None:
    cell = next(c for c in CELLS if c.id == "sandbox-test-fails@sandbox")
    wave, scenario = prepare(cell, tmp_path)
    request, template = _outputs(wave)
    run = _emulate(tmp_path / "with", request, template, scenario)
    assert run.code == 3, run.stderr
    assert run.log == ["create", "unit", "destroy"]  # `integration` fails by the scenario, before its command
    (destroy,) = [e for e in run.of("node_finished") if e.get("kind") == "env_destroy"]
    assert destroy["status"] == "ok"
    old = _emulate(tmp_path / "without", request, _without_compensator(template), scenario)
    assert old.code == 3 and old.log == ["create", "unit"]  # the sandbox is left behind


def test_event_patterns_match_exact_values_only() -> None:
    pattern = {"source": ["aws.codepipeline"], "detail": {"state": ["FAILED"], "stage": ["a", "b"]}}
    assert matches(pattern, {"source": "aws.codepipeline", "detail": {"state": "FAILED", "stage": "b", "x": 1}})
    assert not matches(pattern, {"source": "aws.codepipeline", "detail": {"state": "SUCCEEDED", "stage": "b"}})
    assert not matches(pattern, {"source": "aws.codepipeline"})
    with pytest.raises(Refusal, match="only exact values"):
        matches({"detail": {"stage": [{"prefix": "wave-"}]}}, {"detail": {"stage": "wave-a"}})


def test_the_machine_loop_waits_what_the_function_asks_until_done() -> None:
    answers = iter([{"done": False, "wait": 60}, {"done": False, "wait": 60}, {"done": True, "ok": True}])
    waits: list[float] = []
    end = run_machine(state_machine(), {"task": {}}, lambda _: next(answers), waits.append)
    assert (end.status, waits) == ("SUCCEEDED", [60.0, 60.0])
    failing = run_machine(state_machine(), {}, lambda _: {"done": True, "ok": False}, waits.append)
    assert (failing.status, failing.error) == ("FAILED", "CompensationIncomplete")


def test_a_compensator_machine_with_other_states_is_refused(tmp_path: Path) -> None:
    cell = next(c for c in CELLS if c.id == "breach-middle-rollback-all@waves")
    wave, scenario = prepare(cell, tmp_path)
    request, template = _outputs(wave)
    (machine,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::StepFunctions::StateMachine"
                  and "DefinitionSubstitutions" in r["Properties"]]
    machine["Properties"]["Definition"]["States"]["Wait"]["Type"] = "Parallel"
    run = _emulate(tmp_path / "bad", request, template, scenario)
    assert run.code == 2 and "only Task, Choice" in run.stderr and "Traceback" not in run.stderr
