"""The compensator: `rollback_all` of earlier waves and sandbox teardown after a failed step, on CodePipeline.

Rules cited are those of docs/codepipeline.md (copied from the CodePipeline documentation with their sources).

* Wiring, for every example: the CloudFormation output holds the compensator, its event rule names the
  pipeline and the stage (rules 59–61), its plan lists the earlier wave stages newest first, its roles name no
  `*`, the function's code is `compensator_code.py` itself.
* The function's logic, against moto's server over HTTP where moto serves the call (CreatePipeline,
  StartPipelineExecution, GetPipelineExecution, ListPipelineExecutions; Step Functions StartExecution's name
  deduplication and ListExecutions; EventBridge pattern matching through PutEvents to an SQS target; CodeBuild
  CreateProject/StartBuild/BatchGetBuilds), and against the thin fakes of `compensator_fakes` for what moto lacks
  (GetPipelineState, RollbackStage, ListActionExecutions, the succeededInStage filter, executionType, a build's
  environment variables); the fakes check every call against botocore's model.
"""

from __future__ import annotations

import copy
import io
import json
import logging
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from compensator_fakes import FakeCodeBuild, FakeCodePipeline
from test_codepipeline_support import cfn_lint, request

from wavec import check
from wavec.api import build
from wavec.config import Config
from wavec.targets.codepipeline import compensator_code as cc

from conftest import EXAMPLES, ROOT, moto_process

ACCOUNT = "111122223333"
REGION = "eu-west-1"
FILES = sorted(EXAMPLES.glob("*.wave")) + sorted(EXAMPLES.glob("*/*.wave"))
WAVES = ["wave-canary", "wave-eu", "wave-world"]
PLAN: dict[str, Any] = {"pipeline": "payments",
                        "rollbackAll": {"wave-eu": ["wave-canary"], "wave-world": ["wave-eu", "wave-canary"]},
                        "teardown": {"verify": {"project": "payments-teardown", "createAction": "environment-create",
                                                "destroyAction": "environment-destroy"}}}


def _template(path: Path) -> dict[str, Any]:
    return request(path.relative_to(ROOT), "cloudformation")


def _of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    # The compensator's resources of that type (the template also holds the pipeline and the bake's).
    return {k: r for k, r in template["Resources"].items()
            if r["Type"] == kind and (kind == "AWS::CodePipeline::Pipeline"
                                      or r.get("Metadata", {}).get("wavec", {}).get("part") == "compensator")}


def _plan(template: dict[str, Any]) -> dict[str, Any]:
    (fn,) = _of_type(template, "AWS::Lambda::Function").values()
    value = fn["Properties"]["Environment"]["Variables"]["WAVEC_PLAN"]
    text = value["Fn::Sub"] if isinstance(value, dict) else value
    plan: dict[str, Any] = json.loads(text)
    return plan


def _wave_stages(path: Path) -> tuple[list[str], set[str]]:
    """The wave stages of a compiled example, in order, and those whose gates say `rollback_all`."""
    result = build(path.relative_to(ROOT), "codepipeline", config=Config())
    assert result.output is not None
    stages = [s["name"] for s in json.loads(result.output)["pipeline"]["stages"]]
    name = json.loads(result.output)["pipeline"]["name"]
    (pipeline,) = [p for p in check([path.relative_to(ROOT)], Config()).pipelines if p.name == name]
    waves = stages[len(stages) - len(pipeline.waves):]
    rollback_all = {name for name, wave in zip(waves, pipeline.waves, strict=True)
                    if any(g.on_breach == "rollback_all" for g in wave.gates)}
    return waves, rollback_all


# ------------------------------------------------------------------------------------------------ wiring


def test_examples_compile_without_rollback_all_or_teardown_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    # Issue 12: the output now does both, so WV931 (outside PARALLEL mode) and WV932 are gone.
    monkeypatch.chdir(ROOT)
    for path in FILES:
        result = build(path.relative_to(ROOT), "codepipeline", config=Config())
        assert not {d.code for d in result.diagnostics} & {"WV931", "WV932"}, path


@pytest.mark.parametrize("path", [p for p in FILES if "rollback_all" in p.read_text(encoding="utf-8")],
                         ids=lambda p: p.name)
def test_rollback_all_wave_has_its_compensator_wired_to_its_stage(path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Rules 59–61 (the stage's FAILED event names pipeline and stage), 49 (RollbackStage per earlier stage)."""
    monkeypatch.chdir(ROOT)
    template = _template(path)
    waves, rollback_all = _wave_stages(path)
    assert rollback_all - {waves[0]}, "the example rolls back earlier waves"
    (pipeline,) = _of_type(template, "AWS::CodePipeline::Pipeline").values()
    name = pipeline["Properties"]["Name"]
    rules = [r for r in _of_type(template, "AWS::Events::Rule").values() if "EventPattern" in r["Properties"]]
    (rule,) = rules
    pattern = rule["Properties"]["EventPattern"]
    assert pattern["source"] == ["aws.codepipeline"]
    assert pattern["detail-type"] == ["CodePipeline Stage Execution State Change"]
    assert pattern["detail"]["pipeline"] == [name] and pattern["detail"]["state"] == ["FAILED"]
    (fn_id,) = _of_type(template, "AWS::Lambda::Function")
    assert rule["Properties"]["Targets"][0]["Arn"] == {"Fn::GetAtt": [fn_id, "Arn"]}
    plan = _plan(template)
    assert plan["pipeline"] == name
    for stage in rollback_all - {waves[0]}:
        assert stage in pattern["detail"]["stage"]
        assert plan["rollbackAll"][stage] == list(reversed(waves[:waves.index(stage)])), "newest first"
    # EventBridge may invoke the function, from that rule only.
    permissions = [p["Properties"] for p in _of_type(template, "AWS::Lambda::Permission").values()]
    assert {"Fn::GetAtt": [next(k for k, v in template["Resources"].items() if v is rule), "Arn"]} in [
        p["SourceArn"] for p in permissions if p["Principal"] == "events.amazonaws.com"]


@pytest.mark.parametrize("path", [p for p in FILES if "destroy" in p.read_text(encoding="utf-8")],
                         ids=lambda p: p.name)
def test_sandbox_stage_is_torn_down_after_a_failure(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule 15 (a stage stops at its first failure) → the stage's FAILED event runs `destroy` in CodeBuild."""
    monkeypatch.chdir(ROOT)
    template = _template(path)
    req = request(path.relative_to(ROOT))["pipeline"]
    sandboxes = {s["name"]: a for s in req["stages"] for a in s["actions"] if a["name"] == "environment-destroy"}
    assert sandboxes
    plan = _plan(template)
    (rule,) = [r for r in _of_type(template, "AWS::Events::Rule").values() if "EventPattern" in r["Properties"]]
    projects = _of_type(template, "AWS::CodeBuild::Project")
    for stage, action in sandboxes.items():
        assert stage in rule["Properties"]["EventPattern"]["detail"]["stage"]
        ref = plan["teardown"][stage]["project"]
        project = projects[ref.strip("${}")]
        commands = json.loads(project["Properties"]["Source"]["BuildSpec"])["phases"]["build"]["commands"]
        # The same command as the pipeline's own destroy action, run-time values as environment variables.
        assert [c.replace("${WAVE_EXECUTION}", "#{codepipeline.PipelineExecutionId}") for c in commands] == \
            action["commands"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_compensator_roles_are_least_privilege(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    template = _template(path)
    assert cfn_lint(json.dumps(template)) == []
    roles = _of_type(template, "AWS::IAM::Role")
    for role in roles.values():
        for policy in role["Properties"]["Policies"]:
            for statement in policy["PolicyDocument"]["Statement"]:
                assert "*" not in json.dumps(statement["Action"]), statement
                assert all(r != "*" and "*" not in json.dumps(r).replace(".Arn}:*", "") for r in statement["Resource"])
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::CodePipeline::Pipeline":
            assert resource["Metadata"]["wavec"]["part"]  # what a bundle splits on


def test_function_code_is_the_tested_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    template = _template(EXAMPLES / "team-policy.wave")
    (fn,) = _of_type(template, "AWS::Lambda::Function").values()
    assert fn["Properties"]["Code"]["ZipFile"] == Path(cc.__file__).read_text(encoding="utf-8")
    assert fn["Properties"]["Runtime"].startswith("python") and fn["Properties"]["Handler"] == "index.handler"
    # It imports nothing but the standard library and boto3 (all the Lambda runtime has).
    code = compile(fn["Properties"]["Code"]["ZipFile"], "index.py", "exec")
    assert "wavec" not in {n.split(".")[0] for n in code.co_names}


def test_no_compensator_without_rollback_all_or_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    template = _template(EXAMPLES / "minimal.wave")
    # The pipeline, and the rule that starts it on a change of its S3 source (not the compensator's).
    assert [r["Type"] for r in template["Resources"].values()
            if r.get("Metadata", {}).get("wavec", {}).get("part") != "source-events"] == ["AWS::CodePipeline::Pipeline"]


# ------------------------------------------------------------------------------------- moto's server



@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_process(ACCOUNT) as url:
        yield url


@pytest.fixture
def aws(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    urllib.request.urlopen(urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST"), timeout=10)

    def client(service: str) -> Any:
        return boto3.client(service, endpoint_url=moto_url, region_name=REGION)

    yield client


def _machine(aws: Any, template: dict[str, Any]) -> str:
    """The template's state machine, created in moto (the function ARN substituted)."""
    iam = aws("iam")
    role = iam.create_role(RoleName="sfn", AssumeRolePolicyDocument=json.dumps({}))["Role"]["Arn"]
    (sm,) = _of_type(template, "AWS::StepFunctions::StateMachine").values()
    definition = json.dumps(sm["Properties"]["Definition"]).replace(
        "${FunctionArn}", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:compensator")
    arn: str = aws("stepfunctions").create_state_machine(
        name=sm["Properties"]["StateMachineName"], definition=definition, roleArn=role)["stateMachineArn"]
    return arn


def _event(execution_id: str, stage: str, attempt: int = 1, pipeline: str = "payments") -> dict[str, Any]:
    return {"version": "0", "id": "e-1", "detail-type": cc.STAGE_EVENT, "source": "aws.codepipeline",
            "account": ACCOUNT, "region": REGION, "resources": [f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:{pipeline}"],
            "detail": {"pipeline": pipeline, "version": 1, "execution-id": execution_id, "stage": stage,
                       "state": "FAILED", "pipeline-execution-attempt": attempt}}


def test_event_rule_matches_the_stage_failure_in_moto(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rules 59–61: moto's own EventBridge matcher delivers exactly the planned stages' FAILED events."""
    monkeypatch.chdir(ROOT)
    template = _template(EXAMPLES / "team-policy.wave")
    (rule,) = [r for r in _of_type(template, "AWS::Events::Rule").values() if "EventPattern" in r["Properties"]]
    sqs, events = aws("sqs"), aws("events")
    queue = sqs.create_queue(QueueName="compensator")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="failed", EventPattern=json.dumps(rule["Properties"]["EventPattern"]))
    events.put_targets(Rule="failed", Targets=[{"Id": "q", "Arn": queue_arn}])

    def put(stage: str, state: str = "FAILED", pipeline: str = "payments") -> None:
        event = _event("11111111-2222-4333-8444-555555555555", stage, pipeline=pipeline)
        event["detail"]["state"] = state
        events.put_events(Entries=[{"Source": event["source"], "DetailType": event["detail-type"],
                                    "Detail": json.dumps(event["detail"]), "Resources": event["resources"]}])

    put("wave-world")
    put("verify")
    put("wave-world", state="SUCCEEDED")
    put("wave-canary")  # the first wave: nothing earlier to roll back
    put("wave-world", pipeline="other")
    got = []
    for _ in range(3):
        got += [json.loads(m["Body"])["detail"]["stage"]
                for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])]
    assert sorted(got) == ["verify", "wave-world"]


def test_duplicated_event_starts_one_compensation_in_moto(aws: Any, monkeypatch: pytest.MonkeyPatch,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    """Rule 62: at-least-once delivery; the execution name (execution id, stage, attempt) deduplicates."""
    monkeypatch.chdir(ROOT)
    machine = _machine(aws, _template(EXAMPLES / "team-policy.wave"))
    sfn = aws("stepfunctions")
    event = _event("11111111-2222-4333-8444-555555555555", "wave-world")
    first = cc.dispatch(PLAN, event["detail"], sfn, machine)
    again = cc.dispatch(PLAN, copy.deepcopy(event)["detail"], sfn, machine)  # while the first runs
    assert first["started"] and again["executionArn"] == first["executionArn"]
    sfn.stop_execution(executionArn=first["executionArn"])
    caplog.set_level(logging.INFO, "wavec.compensator")
    late = cc.dispatch(PLAN, event["detail"], sfn, machine)  # after it ended
    assert late == {"started": False, "duplicate": True, "name": first["name"]}
    assert "duplicate" in caplog.text
    assert len(sfn.list_executions(stateMachineArn=machine)["executions"]) == 1
    # A retry of the stage that fails again is another attempt: compensated again (a no-op once rolled back).
    assert cc.dispatch(PLAN, _event("11111111-2222-4333-8444-555555555555", "wave-world", 2)["detail"], sfn,
                       machine)["started"]
    assert cc.dispatch(PLAN, _event("11111111-2222-4333-8444-555555555555", "wave-canary")["detail"], sfn,
                       machine) == {"ignored": True}


def test_handler_routes_events_through_moto(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    template = _template(EXAMPLES / "team-policy.wave")
    machine = _machine(aws, template)
    monkeypatch.setenv("WAVEC_PLAN", json.dumps(PLAN))
    monkeypatch.setenv("WAVEC_STATE_MACHINE", machine)
    clients = {"stepfunctions": aws("stepfunctions")}
    out = cc.handler(_event("11111111-2222-4333-8444-555555555555", "verify"), None, clients)
    assert out["started"]
    (execution,) = aws("stepfunctions").list_executions(stateMachineArn=machine)["executions"]
    task = json.loads(aws("stepfunctions").describe_execution(executionArn=execution["executionArn"])["input"])
    assert task == {"task": {"kind": "teardown", "pipeline": "payments", "stage": "verify", "attempt": "1",
                             "executionId": "11111111-2222-4333-8444-555555555555"}}


def test_function_code_deploys_to_lambda_in_moto(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The inline code as CloudFormation zips it (`index.py`), with the plan of the template (not invoked:
    moto runs functions in Docker)."""
    monkeypatch.chdir(ROOT)
    template = _template(EXAMPLES / "team-policy.wave")
    (fn,) = _of_type(template, "AWS::Lambda::Function").values()
    props = fn["Properties"]
    role = aws("iam").create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps(
        props and {"Version": "2012-10-17", "Statement": []}))["Role"]["Arn"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", props["Code"]["ZipFile"])
    plan = json.dumps(_plan(template))
    created = aws("lambda").create_function(
        FunctionName="compensator", Runtime=props["Runtime"], Handler=props["Handler"], Role=role,
        Code={"ZipFile": buffer.getvalue()}, Timeout=props["Timeout"],
        Environment={"Variables": {"WAVEC_PLAN": plan, "WAVEC_STATE_MACHINE": "arn"}})
    assert created["Handler"] == "index.handler"
    assert json.loads(created["Environment"]["Variables"]["WAVEC_PLAN"])["rollbackAll"]["wave-world"] == [
        "wave-eu", "wave-canary"]


def test_history_reads_page_through_moto(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The compiled pipeline in moto; the function's history reads (moto ignores the stage filter)."""
    monkeypatch.chdir(ROOT)
    iam = aws("iam")
    iam.create_role(RoleName="payments-pipeline", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                  "Principal": {"Service": "codepipeline.amazonaws.com"}}]}))
    cp = aws("codepipeline")
    cp.create_pipeline(**request(Path("examples/team-policy.wave")))
    ids = [cp.start_pipeline_execution(name="payments")["pipelineExecutionId"] for _ in range(3)]
    found = cc._summaries(cp, "payments", set(ids[:2]))
    assert set(found) == set(ids[:2])
    assert [s["pipelineExecutionId"] for s in cc._executions(cp, "payments")] == list(reversed(ids))
    execution = cp.get_pipeline_execution(pipelineName="payments", pipelineExecutionId=ids[0])["pipelineExecution"]
    assert execution["status"] == "Succeeded"


def test_teardown_build_starts_in_moto_codebuild(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The template's project in moto's CodeBuild; StartBuild with every override the function sends."""
    monkeypatch.chdir(ROOT)
    template = _template(EXAMPLES / "team-policy.wave")
    (props,) = [p["Properties"] for p in _of_type(template, "AWS::CodeBuild::Project").values()]
    cb = aws("codebuild")
    # moto wants a location even for NO_SOURCE (CodeBuild does not); the template gives none.
    source = {"type": "NO_SOURCE", "buildspec": props["Source"]["BuildSpec"], "location": "none"}
    cb.create_project(name="payments-teardown", source=source,
                      artifacts={"type": "NO_ARTIFACTS"},
                      environment={"type": props["Environment"]["Type"], "image": props["Environment"]["Image"],
                                   "computeType": props["Environment"]["ComputeType"]},
                      serviceRole=f"arn:aws:iam::{ACCOUNT}:role/payments-pipeline")
    cp = FakeCodePipeline("payments", ["Source", "verify", *WAVES])
    failed = cp.run(["Source"], failed="verify")
    cp.actions[failed] = _sandbox_actions(failed)
    task = {"kind": "teardown", "pipeline": "payments", "stage": "verify", "executionId": failed, "attempt": "1"}
    first = cc.step(PLAN, task, cp, cb)
    assert first["done"] is False and first["outcome"] == "destroying"
    (build_id,) = cb.list_builds_for_project(projectName="payments-teardown")["ids"]
    assert cb.batch_get_builds(ids=[build_id])["builds"][0]["buildStatus"] == "SUCCEEDED"


# ------------------------------------------------------------------------ the logic, on a fake pipeline


def _machine_run(plan: dict[str, Any], task: dict[str, Any], cp: FakeCodePipeline,
                 cb: Any = None, steps: int = 30) -> dict[str, Any]:
    """What the state machine does: step, and while not done wait (time passes) and step again."""
    for _ in range(steps):
        result = cc.step(plan, task, cp, cb)
        if result["done"]:
            return result
        cp.tick()
    raise AssertionError("the compensation never ended")


def _task(failed: str, stage: str = "wave-world", attempt: str = "1") -> dict[str, Any]:
    return {"kind": "rollback_all", "pipeline": "payments", "stage": stage, "executionId": failed, "attempt": attempt}


def _history() -> tuple[FakeCodePipeline, str, str]:
    """A good execution everywhere, then one that passed canary and eu and failed in world."""
    cp = FakeCodePipeline("payments", ["Source", "verify", *WAVES])
    good = cp.run(["Source", "verify", *WAVES])
    bad = cp.run(["Source", "verify", "wave-canary", "wave-eu"], failed="wave-world")
    return cp, good, bad


def test_rolls_back_every_earlier_wave_newest_first_each_after_the_last() -> None:
    """Rules 45, 49: each earlier wave to its last success before the failure; newest first, one at a time."""
    cp, good, bad = _history()
    result = _machine_run(PLAN, _task(bad), cp)
    assert cp.rollbacks() == [("wave-eu", good), ("wave-canary", good)]
    assert result["ok"] and [o["outcome"] for o in result["outcomes"]] == ["rolled-back", "rolled-back"]
    # Waiting for each rollback: when canary's was asked for, eu's had ended.
    assert cp.seen_at_rollback == [[], [("wave-eu", "Succeeded")]]


def test_duplicated_compensation_rolls_back_once() -> None:
    """Rule 62: two executions of the same task (or a task stepped twice) start one rollback per stage."""
    cp, good, bad = _history()
    task = _task(bad)
    a = b = {"done": False}
    for _ in range(20):  # two state machines interleaved on the same failure
        if not a["done"]:
            a = cc.step(PLAN, task, cp, None)
        if not b["done"]:
            b = cc.step(PLAN, task, cp, None)
        if a["done"] and b["done"]:
            break
        cp.tick()
    assert cp.rollbacks() == [("wave-eu", good), ("wave-canary", good)]
    again = _machine_run(PLAN, task, cp)  # and once more, after both ended
    assert again["ok"] and cp.rollbacks() == [("wave-eu", good), ("wave-canary", good)]


def test_lost_then_redelivered_is_still_correct() -> None:
    """Rule 62: a step that dies after RollbackStage, then the same work redelivered later, after a newer
    execution also went through the first wave: each stage is rolled back once, to the last success before
    the failure."""
    cp, good, bad = _history()
    cp.crash_after_rollback = True
    with pytest.raises(RuntimeError):
        cc.step(PLAN, _task(bad), cp, None)
    cp.tick()
    assert cp.rollbacks() == [("wave-eu", good)]
    newer = cp.run(["Source", "verify", "wave-canary"], status="InProgress")  # superseding, deployed canary
    result = _machine_run(PLAN, _task(bad), cp)
    assert cp.rollbacks() == [("wave-eu", good), ("wave-canary", good)]
    assert newer not in [t for _, t in cp.rollbacks()]
    assert result["ok"]


def test_no_earlier_success_means_no_call_and_a_clear_log_line(caplog: pytest.LogCaptureFixture) -> None:
    """Rule 45: a rollback needs an earlier successful execution in the stage."""
    cp = FakeCodePipeline("payments", ["Source", "verify", *WAVES])
    bad = cp.run(["Source", "verify", "wave-canary", "wave-eu"], failed="wave-world")  # the first run ever
    caplog.set_level(logging.INFO, "wavec.compensator")
    result = _machine_run(PLAN, _task(bad), cp)
    assert cp.rollbacks() == []
    assert [o["outcome"] for o in result["outcomes"]] == ["no-target", "no-target"] and result["ok"] is False
    assert f"stage wave-eu: no successful execution before {bad} to roll back to (rule 45)" in caplog.text


def test_refused_rollback_is_reported_and_older_waves_still_roll_back(caplog: pytest.LogCaptureFixture) -> None:
    """Rule 46: the service refuses some rollbacks; the function says so and goes on."""
    cp, _good, bad = _history()
    original = cp.rollback_stage

    def refuse_eu(**params: Any) -> dict[str, Any]:
        if params["stageName"] == "wave-eu":
            cp.calls.append(("RollbackStage", params))
            raise cp.exceptions.PipelineExecutionOutdatedException("the pipeline version has changed")
        return original(**params)

    cp.rollback_stage = refuse_eu  # type: ignore[method-assign]
    result = _machine_run(PLAN, _task(bad), cp)
    assert [(o["stage"], o["outcome"]) for o in result["outcomes"]] == [("wave-eu", "refused"),
                                                                        ("wave-canary", "rolled-back")]
    assert result["ok"] is False and "RollbackStage to" in caplog.text


def test_waits_for_a_running_execution_before_rolling_back() -> None:
    cp, _good, bad = _history()
    cp.latest["wave-eu"] = (cp.run(["Source", "verify", "wave-canary"]), "InProgress")
    first = cc.step(PLAN, _task(bad), cp, None)
    assert first == {**first, "done": False, "waiting": "wave-eu"} and cp.rollbacks() == []


def test_sweep_compensates_a_lost_event_once(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule 62: reconcile with GetPipelineState (fake) and dispatch through moto's Step Functions."""
    monkeypatch.chdir(ROOT)
    machine = _machine(aws, _template(EXAMPLES / "team-policy.wave"))
    sfn = aws("stepfunctions")
    cp, _good, bad = _history()
    assert cc.sweep(PLAN, cp, sfn, machine) == {"swept": True, "started": ["wave-world"]}
    assert cc.sweep(PLAN, cp, sfn, machine) == {"swept": True, "started": []}
    (execution,) = sfn.list_executions(stateMachineArn=machine)["executions"]
    assert execution["name"] == cc.execution_name(bad, "wave-world", "1")
    # The event, delivered late, finds the same name: no second compensation.
    assert cc.dispatch(PLAN, _event(bad, "wave-world")["detail"], sfn, machine)["executionArn"] == \
        execution["executionArn"]


def _sandbox_actions(execution: str, destroy: bool = False, busy: bool = False) -> list[dict[str, Any]]:
    source = {"name": "source", "s3location": {"bucket": "payments-artifacts-eu-west-1", "key": "p/source/abc.zip"}}
    actions = [
        {"pipelineExecutionId": execution, "stageName": "verify", "actionName": "environment-create",
         "status": "Succeeded", "input": {"inputArtifacts": [source]}},
        {"pipelineExecutionId": execution, "stageName": "verify", "actionName": "unit",
         "status": "InProgress" if busy else "Failed"},
    ]
    if destroy:
        actions.append({"pipelineExecutionId": execution, "stageName": "verify", "actionName": "environment-destroy",
                        "status": "Failed"})
    return actions


def test_teardown_runs_destroy_once_with_the_stage_inputs() -> None:
    cp = FakeCodePipeline("payments", ["Source", "verify", *WAVES])
    failed = cp.run(["Source"], failed="verify")
    cp.actions[failed] = _sandbox_actions(failed)
    cb = FakeCodeBuild('{"version": "0.2"}')
    task = {"kind": "teardown", "pipeline": "payments", "stage": "verify", "executionId": failed, "attempt": "1"}
    result = _machine_run(PLAN, task, cp, cb)
    again = _machine_run(PLAN, task, cp, cb)  # a duplicate, or a redelivery after a crash
    assert result["ok"] and result["outcome"] == again["outcome"] == "destroyed"
    (started,) = cb.started()
    assert started["sourceTypeOverride"] == "S3"
    assert started["sourceLocationOverride"] == "payments-artifacts-eu-west-1/p/source/abc.zip"
    assert {"name": "WAVE_EXECUTION", "value": failed, "type": "PLAINTEXT"} in started["environmentVariablesOverride"]
    assert started["buildspecOverride"] == '{"version": "0.2"}'


def test_teardown_waits_for_the_stage_and_skips_what_ran() -> None:
    cp = FakeCodePipeline("payments", ["Source", "verify", *WAVES])
    cb = FakeCodeBuild("{}")
    busy = cp.run(["Source"], failed="verify")
    cp.actions[busy] = _sandbox_actions(busy, busy=True)
    task = {"kind": "teardown", "pipeline": "payments", "stage": "verify", "executionId": busy, "attempt": "1"}
    assert cc.step(PLAN, task, cp, cb)["outcome"] == "stage-busy" and cb.started() == []
    ran = cp.run(["Source"], failed="verify")
    cp.actions[ran] = _sandbox_actions(ran, destroy=True)
    assert cc.step(PLAN, {**task, "executionId": ran}, cp, cb)["outcome"] == "destroyed-by-pipeline"
    none = cp.run(["Source"], failed="verify")
    assert cc.step(PLAN, {**task, "executionId": none}, cp, cb)["outcome"] == "no-sandbox"
    assert cb.started() == []
