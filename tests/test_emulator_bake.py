"""The bake on the emulated CodePipeline: Step Functions actions run the template's machine in moto.

Each test runs the real command line (a subprocess); inside it, the bake actions start executions of the state
machine the CloudFormation output defines in moto's Step Functions server, over HTTP, on a virtual clock, while
the emulator puts the scenario's alarm states into moto's CloudWatch.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from emulator_helpers import FAST, ROOT, Run, standins, wavec_run, write

from wavec.api import build
from wavec.config import Config

# Emulated runs (moto's server, real subprocesses): seconds each; CI runs them, the inner loop skips them.
pytestmark = pytest.mark.slow

APP = """
pipeline app {
  role      = "arn:aws:iam::111122223333:role/app"
  artifacts = "app-artifacts-${region}"
  source s3 { bucket = "b"  key = "k.zip" }
  deploy {
    cloudformation {
      stack = "app"  template = "source::t.yaml"  role = "arn:aws:iam::111122223333:role/app-cloudformation"
    }
    local {
      run      = "echo deploy ${wave} $WAVE_REGION >> \\"$RUNLOG\\""
      rollback = "echo rollback ${wave} $WAVE_REGION >> \\"$RUNLOG\\""
    }
  }
  gate errors { alarms = ["errors-${region}"]  on_breach = rollback  interval = 1m }
  wave canary { regions = ["eu-west-1"]  bake = 1h  gates = [errors] }
  wave quiet  { regions = ["us-east-1"]  bake = 30m }
  wave last   { regions = ["us-east-1"]  bake = 1h  gates = [errors] }
}
"""


def _app(tmp: Path) -> Path:
    (tmp / "app.wave").write_text(APP, encoding="utf-8")
    return tmp / "app.wave"


def _bake(run: Run, wave: str) -> dict[str, Any]:
    (found,) = run.of("node_finished", node=f"wave:{wave}:bake")
    return found


def test_a_healthy_checkout_run_bakes_every_wave_for_its_whole_bake(tmp_path: Path) -> None:
    # The opposite of defect fixture (a): each wave's bake lasts its `bake` in virtual time.
    # Its real duration is a benchmark's business (benchmarks/emulator_overhead.py), not a timed assertion here:
    # under parallel workers on a loaded machine a 120 s bound failed at 131 s without any defect.
    run = wavec_run(tmp_path, ROOT / "examples" / "checkout.wave", "--target", "codepipeline", "--speed", FAST,
                    "--now", "2024-06-03T13:00:00Z", "--stand-ins", standins(tmp_path), timeout=300)
    assert run.code == 0, run.stderr
    assert {w: _bake(run, w)["virtual_seconds"] for w in ("onebox", "first_region", "second", "rest")} == {
        "onebox": 3600.0, "first_region": 3600.0, "second": 7200.0, "rest": 3600.0}
    assert run.at("bake_started", wave="first_region") - run.at("bake_started", wave="onebox") == timedelta(hours=1)
    reads = [g for g in run.of("gate", wave="onebox") if g.get("rule") == "StepFunctions"]
    assert len(reads) == 60 and all(g["ok"] for g in reads)  # one reading a minute, every one OK
    assert "127.0.0.1 - -" not in run.stderr  # moto's request log stays out of the run's output


def test_an_alarm_at_bake_minute_20_rolls_the_wave_back_at_minute_20(tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.toml"
    scenario.write_text('start = "2024-06-03T10:00:00Z"\n[[alarm]]\nname = "errors-us-east-1"\n'
                        'region = "us-east-1"\nstate = "ALARM"\nwave = "last"\nminute = 20\n', encoding="utf-8")
    run = wavec_run(tmp_path, _app(tmp_path), "--target", "codepipeline", "--speed", FAST, "--scenario", scenario)
    assert run.code == 3, run.stderr
    bake = run.at("bake_started", wave="last")
    (bad,) = [g for g in run.of("gate", wave="last") if not g["ok"]]
    assert bad["gate"] == "errors" and "errors-us-east-1 ALARM" in bad["detail"]
    breach = run.at("breach", wave="last")
    assert timedelta(minutes=20) <= breach - bake <= timedelta(minutes=21)  # interval granularity
    assert run.at("execution_started", type="ROLLBACK") == breach
    assert run.of("breach")[0]["reason"].startswith("gate errors:")
    assert run.log[-1] == "rollback last us-east-1"
    assert _bake(run, "canary")["virtual_seconds"] == 3600.0  # earlier waves baked in full, unaffected


def test_a_bake_without_alarms_still_waits(tmp_path: Path) -> None:
    run = wavec_run(tmp_path, _app(tmp_path), "--target", "codepipeline", "--speed", FAST, "--now",
                    "2024-06-03T10:00:00Z")
    assert run.code == 0, run.stderr
    assert _bake(run, "quiet")["virtual_seconds"] == 1800.0
    assert run.at("bake_started", wave="last") - run.at("bake_started", wave="quiet") == timedelta(minutes=30)
    assert not [g for g in run.of("gate", wave="quiet")]  # nothing to read, only the wait


def _compiled(tmp: Path) -> tuple[Path, Path]:
    path = _app(tmp)
    outputs = []
    for fmt in ("json", "cloudformation"):
        result = build(path, "codepipeline", fmt, config=Config())
        assert result.output is not None
        outputs.append(write(tmp, f"app.{fmt}.json", json.loads(result.output)))
    return outputs[0], outputs[1]


def test_pipeline_json_takes_its_machines_from_template(tmp_path: Path) -> None:
    pipeline, template = _compiled(tmp_path)
    refused = wavec_run(tmp_path, pipeline)
    assert refused.code == 2 and "--template" in refused.stderr and refused.events == []
    empty = write(tmp_path, "empty.json", {"Resources": {}})
    missing = wavec_run(tmp_path, pipeline, "--template", empty)
    assert missing.code == 2 and "is not in the CloudFormation template" in missing.stderr
    ok = wavec_run(tmp_path, pipeline, "--template", template, "--speed", FAST, "--now", "2024-06-03T10:00:00Z")
    assert ok.code == 0, ok.stderr
    assert _bake(ok, "canary")["virtual_seconds"] == 3600.0


def test_without_moto_the_bake_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    stub = tmp_path / "no-moto" / "moto"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text("raise ImportError('moto is not installed here')\n", encoding="utf-8")
    run = wavec_run(tmp_path, _app(tmp_path), "--target", "codepipeline", env={"PYTHONPATH": str(stub.parent)})
    assert run.code == 2
    assert "pip install 'wavec[emulate]'" in run.stderr and "Traceback" not in run.stderr


def test_the_history_is_read_from_the_execution_in_this_process_when_a_branch_showed_it() -> None:
    from wavec.emulator.stepfunctions import _history

    class Manager:
        def get_event_history(self) -> list[dict[str, Any]]:
            return [{"id": 1, "type": "ExecutionStarted"}]

    class Pages:  # GetExecutionHistory over HTTP, two pages
        def __init__(self) -> None:
            self.calls = 0

        def get_execution_history(self, **kwargs: Any) -> dict[str, Any]:
            self.calls += 1
            if "nextToken" in kwargs:
                return {"events": [{"id": 2, "type": "ExecutionSucceeded"}]}
            return {"events": [{"id": 1, "type": "ExecutionStarted"}], "nextToken": "t"}

    pages = Pages()
    assert _history(pages, "arn", Manager()) == [{"id": 1, "type": "ExecutionStarted"}] and pages.calls == 0
    assert [e["id"] for e in _history(pages, "arn", None)] == [1, 2] and pages.calls == 2


def test_moto_parses_each_jsonpath_once_and_lists_its_modules_once() -> None:
    pytest.importorskip("moto.stepfunctions.parser")
    from moto import backends
    from moto.stepfunctions.parser.asl.utils import json_path

    from wavec.emulator.stepfunctions import _patch_waits

    _patch_waits()
    path = json_path.parse("$.gates[0].alarms")
    assert json_path.parse("$.gates[0].alarms") is path
    data = {"gates": [{"alarms": ["a", "b"]}]}
    assert [m.value for m in path.find(data)] == [["a", "b"]]
    assert json_path.extract_json("$.bake", {"bake": 60}) == 60
    assert "stepfunctions" in backends.list_of_moto_modules()


def test_every_task_of_a_role_in_a_region_shares_one_sdk_client(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every aws-sdk task passes its credentials (the execution role's when it names none): the client cache must
    # hit for them, not only for a task without credentials (it never hit, so every reading built a client).
    pytest.importorskip("moto.stepfunctions.parser")
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.credentials import StateCredentials
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_aws_sdk as sdk,
    )

    from wavec.emulator.stepfunctions import _patch_waits

    monkeypatch.setenv("MOTO_PORT", "5999")
    _patch_waits()
    role = StateCredentials(role_arn="arn:aws:iam::111122223333:role/bake")
    first = sdk.boto_client_for("eu-west-1", "cloudwatch", role)
    again = sdk.boto_client_for("eu-west-1", "cloudwatch", StateCredentials(role_arn=role.role_arn))
    other = sdk.boto_client_for("eu-west-1", "cloudwatch",
                                StateCredentials(role_arn="arn:aws:iam::111122223333:role/other"))
    elsewhere = sdk.boto_client_for("us-east-1", "cloudwatch", role)
    assert first is again
    assert other is not first and elsewhere is not first
    assert elsewhere.meta.region_name == "us-east-1"


def test_the_interpreter_copies_state_data_as_json_with_nothing_shared() -> None:
    pytest.importorskip("moto.stepfunctions.parser")
    from moto.stepfunctions.parser.asl.eval import states

    from wavec.emulator.stepfunctions import _patch_waits

    _patch_waits()
    data = {"gates": [{"alarms": ["a", "b"], "interval": 60, "on": True, "x": None, "f": 0.5}], "t": ("k", 1)}
    copied = states.States._extract(None, data)
    assert copied == data
    assert copied is not data and copied["gates"] is not data["gates"]
    assert copied["gates"][0]["alarms"] is not data["gates"][0]["alarms"]
    copied["gates"][0]["alarms"].append("c")
    assert data["gates"][0]["alarms"] == ["a", "b"]
