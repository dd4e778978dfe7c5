"""The compiled bake state machine, executed by moto's Step Functions interpreter over real HTTP.

moto's server is started on 127.0.0.1 by this module with ``MOTO_PORT`` set to its port, so that the
``aws-sdk:cloudwatch:describeAlarms`` calls the interpreter makes reach the same server;
``stepfunctions.execute_state_machine`` is turned on through ``/moto-api/config``. The machine is created from
the CloudFormation output and run with the ``Input`` of a bake action of the CreatePipeline request — the
bake and intervals shrunk to seconds — while the test moves alarms between states with ``set_alarm_state``.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from test_codepipeline_support import request

from conftest import ROOT, moto_process

# Emulated runs (moto's server, real subprocesses): seconds each; CI runs them, the inner loop skips them.
pytestmark = pytest.mark.slow

ACCOUNT = "111122223333"
MAPPING = ROOT / "tests" / "fixtures" / "codepipeline" / "mapping.wave"


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_process(ACCOUNT) as url:
        config = json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode()
        urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/config", data=config, method="POST",
                                                      headers={"Content-Type": "application/json"}), timeout=5)
        yield url


def _client(service: str, url: str, region: str) -> Any:
    import boto3

    return boto3.client(service, endpoint_url=url, region_name=region, aws_access_key_id="testing",
                        aws_secret_access_key="testing")


@pytest.fixture(scope="module")
def compiled() -> tuple[dict[str, Any], dict[str, Any]]:
    return request(MAPPING), request(MAPPING, "cloudformation")


@pytest.fixture
def canary(moto_url: str, compiled: tuple[dict[str, Any], dict[str, Any]]) -> dict[str, Any]:
    """The canary wave's bake: its machine created in moto from the template, its alarms OK, its action."""
    urllib.request.urlopen(urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST"), timeout=5)
    req, template = compiled
    stage = next(s for s in req["pipeline"]["stages"] if s["name"] == "wave-canary")
    (action,) = [a for a in stage["actions"] if a["actionTypeId"]["provider"] == "StepFunctions"]
    region = action["region"]
    machine = next(r for r in template["Resources"].values() if r["Type"] == "AWS::StepFunctions::StateMachine"
                   and template["Conditions"][r["Condition"]]["Fn::And"][0]["Fn::Equals"][1] == region)
    iam, sfn = _client("iam", moto_url, region), _client("stepfunctions", moto_url, region)
    role = iam.create_role(RoleName="bake", AssumeRolePolicyDocument=json.dumps(
        next(r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Role")["Properties"][
            "AssumeRolePolicyDocument"]))["Role"]["Arn"]
    props = machine["Properties"]
    arn = sfn.create_state_machine(name=props["StateMachineName"], definition=props["DefinitionString"],
                                   roleArn=role, type=props["StateMachineType"])["stateMachineArn"]
    assert arn == action["configuration"]["StateMachineArn"]  # the request names the machine the template makes
    spec = json.loads(action["configuration"]["Input"])
    cw = _client("cloudwatch", moto_url, region)
    for name in spec["gates"][0]["alarms"]:
        cw.put_metric_alarm(AlarmName=name, MetricName="Errors", Namespace="orders", Statistic="Sum", Period=60,
                            EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
        cw.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="healthy")
    return {"sfn": sfn, "cw": cw, "arn": arn, "spec": spec}


def _tiny(spec: dict[str, Any], bake_s: int, interval_s: int, **gate: Any) -> dict[str, Any]:
    return {**spec, "bake": bake_s, "gates": [{**g, "interval": interval_s, **gate} for g in spec["gates"]]}


def _run(bake_: dict[str, Any], spec: dict[str, Any], during: Any = None) -> tuple[dict[str, Any], float]:
    sfn = bake_["sfn"]
    start = time.monotonic()
    execution = sfn.start_execution(stateMachineArn=bake_["arn"], name=f"t{time.time_ns()}",
                                    input=json.dumps(spec))["executionArn"]
    worker = threading.Thread(target=during) if during else None
    if worker:
        worker.start()
    deadline = start + 60
    while (found := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
        assert time.monotonic() < deadline, "the bake execution did not end"
        time.sleep(0.1)
    if worker:
        worker.join()
    result: dict[str, Any] = found
    return result, time.monotonic() - start


def test_the_compiled_input_is_the_canary_bake(canary: dict[str, Any]) -> None:
    spec = canary["spec"]
    assert spec["bake"] == 1800 and [(g["name"], g["interval"]) for g in spec["gates"]] == [("health", 60)]


def test_ok_alarms_bake_the_whole_bake_then_succeed(canary: dict[str, Any]) -> None:
    # Rules 63/65: the action (and so the stage) waits for the execution: OK for the whole bake is a success.
    found, took = _run(canary, _tiny(canary["spec"], 3, 1))
    assert found["status"] == "SUCCEEDED"
    assert took >= 3  # it did wait the bake: an OK alarm does not end it early (unlike a WaitTime, rule 36)


def test_an_alarm_entering_alarm_mid_bake_fails_the_execution(canary: dict[str, Any]) -> None:
    # Rule 65: on ALARM the execution fails, so the action, the stage, and onFailure: ROLLBACK follow.
    spec = _tiny(canary["spec"], 20, 1)
    alarm = spec["gates"][0]["alarms"][1]

    def regress() -> None:
        time.sleep(2)
        canary["cw"].set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="regression at minute 20")

    found, took = _run(canary, spec, regress)
    assert found["status"] == "FAILED"
    assert found["error"] == "wavec.Breach" and "gate health: an alarm is in ALARM" in found["cause"]
    assert took < 15  # the first breach ends the bake, not the end of the bake


def test_insufficient_data_is_the_gates_choice(canary: dict[str, Any]) -> None:
    alarm = canary["spec"]["gates"][0]["alarms"][0]
    canary["cw"].set_alarm_state(AlarmName=alarm, StateValue="INSUFFICIENT_DATA", StateReason="no data")
    assert _run(canary, _tiny(canary["spec"], 2, 1))[0]["status"] == "SUCCEEDED"  # insufficient_data = ok
    found, _ = _run(canary, _tiny(canary["spec"], 2, 1, insufficient_data="breach"))
    assert found["status"] == "FAILED" and "INSUFFICIENT_DATA" in found["cause"]


def test_a_missing_alarm_is_a_breach_and_a_bake_without_gates_still_waits(canary: dict[str, Any]) -> None:
    spec = _tiny(canary["spec"], 2, 1)
    spec["gates"][0]["alarms"] = [*spec["gates"][0]["alarms"], "orders-no-such-alarm"]
    found, _ = _run(canary, spec)
    assert found["status"] == "FAILED" and "does not exist" in found["cause"]
    found, took = _run(canary, {**canary["spec"], "bake": 2, "gates": []})
    assert found["status"] == "SUCCEEDED" and took >= 2
