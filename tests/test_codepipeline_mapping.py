"""One test per row of the CodePipeline mapping table (docs/codepipeline.md), on tests/fixtures/codepipeline/."""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_codepipeline_support import request

from conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "codepipeline"
CW = {"category": "Rule", "owner": "AWS", "provider": "CloudWatchAlarm", "version": "1"}
SFN = {"category": "Invoke", "owner": "AWS", "provider": "StepFunctions", "version": "1"}


@pytest.fixture(scope="module")
def orders() -> dict[str, Any]:
    pipeline: dict[str, Any] = request(FIXTURES / "mapping.wave")["pipeline"]
    return pipeline


@pytest.fixture(scope="module")
def checkout() -> dict[str, Any]:
    pipeline: dict[str, Any] = request(FIXTURES / "checkout_no_policy.wave")["pipeline"]
    return pipeline


def stage(p: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in p["stages"] if s["name"] == name)
    return found


def action(s: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(a for a in s["actions"] if a["name"] == name)
    return found


def deploys(s: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in s["actions"] if a["actionTypeId"]["category"] == "Deploy"]


def test_pipeline_row(orders: dict[str, Any]) -> None:
    assert orders["pipelineType"] == "V2"
    assert orders["executionMode"] == "QUEUED"
    assert orders["roleArn"] == "arn:aws:iam::111122223333:role/orders-pipeline"
    # One artifact store per region used by any action: the pipeline's own plus every deploy region; a wave
    # deploys to another account, so each store has the customer-managed key of its region (rules 54, 58).
    key = "arn:aws:kms:{}:111122223333:key/mrk-0123456789abcdef0123456789abcdef"
    assert orders["artifactStores"] == {r: {"type": "S3", "location": f"orders-artifacts-{r}",
                                            "encryptionKey": {"id": key.format(r), "type": "KMS"}} for r in (
        "us-east-1", "eu-west-1", "eu-central-1", "us-west-2", "ap-southeast-2")}


def test_source_row(orders: dict[str, Any], checkout: dict[str, Any]) -> None:
    first = orders["stages"][0]
    assert first["name"] == "Source"
    (src,) = first["actions"]
    assert src["actionTypeId"] == {"category": "Source", "owner": "AWS", "provider": "CodeCommit", "version": "1"}
    # Polling off: the EventBridge rule of the CloudFormation output starts it (test_codepipeline_source_events).
    assert src["configuration"] == {"RepositoryName": "orders", "BranchName": "release",
                                    "PollForSourceChanges": "false"}
    assert src["outputArtifacts"] == [{"name": "source"}] and src["namespace"] == "SourceVariables"
    (gh,) = checkout["stages"][0]["actions"]
    assert gh["actionTypeId"]["provider"] == "CodeStarSourceConnection"
    assert gh["configuration"]["FullRepositoryId"] == "acme/checkout"
    assert gh["configuration"]["ConnectionArn"].startswith("arn:aws:codeconnections:")


def test_stage_row_run_order_is_topological_level_environment_first_and_last(orders: dict[str, Any]) -> None:
    sandbox = stage(orders, "sandbox")
    order = {a["name"]: a["runOrder"] for a in sandbox["actions"]}
    assert order == {"environment-create": 1, "unit": 2, "e2e": 3, "smoke": 4, "environment-destroy": 5}
    assert action(sandbox, "environment-create")["environmentVariables"] == [
        {"name": "WAVE_REGION", "value": "us-west-2", "type": "PLAINTEXT"}]
    build = stage(orders, "build")
    assert {a["name"]: a["runOrder"] for a in build["actions"]} == {"compile": 1, "lint": 1}  # parallel steps


def test_step_row_commands_and_codebuild(orders: dict[str, Any]) -> None:
    build = stage(orders, "build")
    compile_ = action(build, "compile")
    assert compile_["actionTypeId"] == {"category": "Compute", "owner": "AWS", "provider": "Commands",
                                        "version": "1"}
    assert compile_["commands"] == ["make build", "echo #{SourceVariables.CommitId} > dist/VERSION"]
    assert compile_["outputArtifacts"] == [{"name": "build", "files": ["dist/**"]}]
    lint = action(build, "lint")
    assert lint["actionTypeId"] == {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"}
    assert lint["configuration"]["ProjectName"] == "orders-lint"
    assert json.loads(lint["configuration"]["EnvironmentVariables"]) == [
        {"name": "STRICT", "type": "PLAINTEXT", "value": "1"}, {"name": "STAGE", "type": "PLAINTEXT",
                                                                "value": "build"}]


def test_wave_row_one_stage_per_wave_parallel_batches(orders: dict[str, Any], checkout: dict[str, Any]) -> None:
    assert [s["name"] for s in orders["stages"]] == [
        "Source", "build", "sandbox", "wave-canary", "enter-accounts", "wave-accounts", "approve-workers",
        "wave-workers", "wave-web"]
    rest = stage(checkout, "wave-rest")  # 5 regions, parallel = 2; blockers read again before batches 2 and 3
    assert [(a["region"], a["runOrder"]) for a in deploys(rest)] == [
        ("eu-central-1", 1), ("ap-northeast-1", 1), ("ap-southeast-2", 3), ("sa-east-1", 3), ("ca-central-1", 5)]
    assert [(a["name"], a["runOrder"]) for a in rest["actions"] if a["name"].startswith("blockers-")] == [
        ("blockers-ap-southeast-2-batch-2", 2), ("blockers-sa-east-1-batch-2", 2),
        ("blockers-ca-central-1-batch-3", 4)]


def test_accounts_times_regions_give_actions_with_roles(orders: dict[str, Any]) -> None:
    wave = stage(orders, "wave-accounts")
    assert [(a["name"], a["region"], a["roleArn"], a["runOrder"]) for a in deploys(wave)] == [
        ("deploy-eu-west-1-111122223333", "eu-west-1", "arn:aws:iam::111122223333:role/orders-deployer", 1),
        ("deploy-eu-west-1-444455556666", "eu-west-1", "arn:aws:iam::444455556666:role/orders-deployer", 1),
        ("deploy-eu-central-1-111122223333", "eu-central-1", "arn:aws:iam::111122223333:role/orders-deployer", 3),
        ("deploy-eu-central-1-444455556666", "eu-central-1", "arn:aws:iam::444455556666:role/orders-deployer", 3),
    ]
    # Rule 43: an entry rule reads its alarm in the pipeline's account; the other account's blockers are read in
    # that account, by Step Functions with the deploy role (rule 57), in a stage `enter-accounts` of their own
    # before the wave's: blocked there, nothing was deployed and nothing rolls back (it has no onFailure).
    enter = stage(orders, "enter-accounts")
    assert "onFailure" not in enter and "beforeEntry" not in wave
    assert [r["name"] for r in enter["beforeEntry"]["conditions"][0]["rules"]] == [
        "window-nights", "blockers-eu-west-1", "blockers-eu-central-1"]
    assert [(a["name"], a["runOrder"], a.get("roleArn")) for a in enter["actions"]] == [
        ("blockers-eu-west-1-444455556666-batch-1", 1, "arn:aws:iam::444455556666:role/orders-deployer"),
        ("blockers-eu-central-1-444455556666-batch-1", 1, "arn:aws:iam::444455556666:role/orders-deployer")]


def test_cloudformation_deploy_row(orders: dict[str, Any]) -> None:
    deploy = action(stage(orders, "wave-canary"), "deploy-us-east-1")
    assert deploy["actionTypeId"] == {"category": "Deploy", "owner": "AWS", "provider": "CloudFormation",
                                      "version": "1"}
    config = deploy["configuration"]
    assert config["ActionMode"] == "CREATE_UPDATE"
    assert config["StackName"] == "orders-us-east-1"
    assert config["TemplatePath"] == "build::dist/orders.yaml"
    assert config["Capabilities"] == "CAPABILITY_IAM,CAPABILITY_NAMED_IAM"
    assert json.loads(config["ParameterOverrides"]) == {"Region": "us-east-1",
                                                        "Release": "#{codepipeline.PipelineExecutionId}"}
    assert config["RoleArn"] == "arn:aws:iam::111122223333:role/orders-cfn"
    assert deploy["inputArtifacts"] == [{"name": "build"}]


def test_codedeploy_and_ecs_rows(orders: dict[str, Any]) -> None:
    cd = action(stage(orders, "wave-workers"), "deploy-us-west-2")
    assert cd["actionTypeId"]["provider"] == "CodeDeploy"
    assert cd["configuration"] == {"ApplicationName": "orders-workers", "DeploymentGroupName": "workers-us-west-2"}
    ecs = action(stage(orders, "wave-web"), "deploy-ap-southeast-2")
    assert ecs["actionTypeId"]["provider"] == "ECS"
    assert ecs["configuration"] == {"ClusterName": "orders-ap-southeast-2", "ServiceName": "web",
                                    "FileName": "imagedefinitions.json"}


def test_bake_row_step_functions_action_per_target_after_the_deploys(orders: dict[str, Any]) -> None:
    # Rules 63–65 of docs/codepipeline-semantics.md: the bake is a Step Functions execution the stage waits for;
    # a CloudWatchAlarm rule's WaitTime is no bake (rules 35–37), so no rule of any condition carries one.
    wave = stage(orders, "wave-accounts")  # bake = 1h, 2 regions × 2 accounts, parallel = 2
    bakes = [a for a in wave["actions"] if a["actionTypeId"] == SFN and a["name"].startswith("bake")]
    assert [(a["name"], a["region"], a["runOrder"], a.get("roleArn")) for a in bakes] == [
        ("bake-eu-west-1-111122223333", "eu-west-1", 4, None),
        ("bake-eu-west-1-444455556666", "eu-west-1", 4, "arn:aws:iam::444455556666:role/orders-deployer"),
        ("bake-eu-central-1-111122223333", "eu-central-1", 4, None),
        ("bake-eu-central-1-444455556666", "eu-central-1", 4, "arn:aws:iam::444455556666:role/orders-deployer"),
    ]
    assert max(a["runOrder"] for a in deploys(wave)) == 3  # the bake starts after the last deploy batch
    config = bakes[1]["configuration"]
    assert config["StateMachineArn"] == "arn:aws:states:eu-west-1:444455556666:stateMachine:wavec-bake-orders"
    assert config["InputType"] == "Literal"
    assert json.loads(config["Input"]) == {
        "wave": "accounts", "target": "eu-west-1/444455556666", "bake": 3600,
        "rollback": "#{wavec-wave-accounts.rollback}",  # the rollback guard's answer
        "gates": [{"name": "health", "interval": 60, "alarms": ["orders-5xx-eu-west-1", "orders-latency-eu-west-1"],
                   "insufficient_data": "ok"}]}
    assert "onSuccess" not in wave
    canary = stage(orders, "wave-canary")  # bake = 30m
    (bake,) = [a for a in canary["actions"] if a["actionTypeId"] == SFN]
    assert json.loads(bake["configuration"]["Input"])["bake"] == 1800


def test_on_breach_row(orders: dict[str, Any]) -> None:
    # A breach fails the bake action, the stage fails, onFailure rolls it back (rule 65); halt: no onFailure.
    assert stage(orders, "wave-canary")["onFailure"] == {"result": "ROLLBACK"}
    workers = stage(orders, "wave-workers")  # on_breach = halt
    assert "onFailure" not in workers and "onSuccess" not in workers
    # A wave without gates rolls back a failed deploy, as `wavec run` does (its deploy-failure policy).
    web = stage(orders, "wave-web")
    assert web["onFailure"] == {"result": "ROLLBACK"} and "onSuccess" not in web
    assert "onFailure" not in stage(orders, "approve-workers")  # a rejection has nothing to roll back


def test_check_row_is_a_commands_action_looping_for_the_bake(orders: dict[str, Any]) -> None:
    workers = stage(orders, "wave-workers")  # bake = 15m, interval = 1m (the default)
    check = action(workers, "check-careful-us-west-2")
    assert check["actionTypeId"] == {"category": "Compute", "owner": "AWS", "provider": "Commands", "version": "1"}
    assert check["runOrder"] == action(workers, "bake-us-west-2")["runOrder"] == 2
    # Skipped in a rollback, which re-runs the stage (rules 44, 47): the guard says when.
    # Each evaluation logs its verdict and second of the bake (the emulator reads these lines as evaluations).
    assert check["commands"] == ['[ "#{wavec-wave-workers.rollback}" = true ] || '
                                 "for i in $(seq 1 15); do sleep 60; if sh -c './smoke.sh us-west-2'; "
                                 'then echo "wavec-check careful: ok at $((i * 60))s"; '
                                 'else echo "wavec-check careful: failed at $((i * 60))s"; exit 1; fi; done']


def test_approval_row_a_stage_of_its_own_before_the_window(orders: dict[str, Any]) -> None:
    # Defect 7: entry conditions run before a stage's actions (rule 29) and are not checked again (rules 38, 52),
    # so an approval inside the wave's stage let a late approval deploy outside the window. The approval now has
    # its own stage, and the wave's window and blockers are its stage's entry condition, checked after it.
    names = [s["name"] for s in orders["stages"]]
    assert names.index("approve-workers") + 1 == names.index("wave-workers")
    (approval,) = stage(orders, "approve-workers")["actions"]
    assert approval["actionTypeId"] == {"category": "Approval", "owner": "AWS", "provider": "Manual",
                                        "version": "1"}
    assert "beforeEntry" not in stage(orders, "approve-workers")
    workers = stage(orders, "wave-workers")
    assert all(a["actionTypeId"]["category"] != "Approval" for a in workers["actions"])
    (cond,) = workers["beforeEntry"]["conditions"]
    assert cond["rules"][0]["ruleTypeId"]["provider"] == "DeploymentWindow"
    assert min(a["runOrder"] for a in workers["actions"]) == 1


def test_window_row_deployment_window_rule(orders: dict[str, Any], checkout: dict[str, Any]) -> None:
    def window(stage_: dict[str, Any]) -> dict[str, Any]:
        (cond,) = stage_["beforeEntry"]["conditions"]
        assert cond["result"] == "FAIL"
        rule: dict[str, Any] = cond["rules"][0]
        assert rule["ruleTypeId"] == {**CW, "provider": "DeploymentWindow"}
        return rule["configuration"]

    assert window(stage(orders, "wave-canary")) == {"Cron": "* * 9-15 ? * MON,TUE,WED,THU *",
                                                    "TimeZone": "Europe/Berlin"}
    assert window(stage(orders, "enter-accounts")) == {"Cron": "* * 22-23,0-5 ? * SUN,MON,TUE,WED,THU,FRI,SAT *",
                                                      "TimeZone": "UTC"}
    assert window(stage(orders, "wave-workers")) == {"Cron": "* * 10-14 ? * MON-FRI *", "TimeZone": "UTC"}
    assert window(stage(checkout, "wave-onebox")) == {"Cron": "* * 9-16 ? * MON,TUE,WED,THU,FRI *",
                                                      "TimeZone": "UTC"}


def test_blockers_row_cloudwatch_rule_per_region_in_entry(orders: dict[str, Any], checkout: dict[str, Any]) -> None:
    rules = stage(orders, "enter-accounts")["beforeEntry"]["conditions"][0]["rules"]  # its entry stage (rule 43)
    assert [(r["name"], r.get("region"), r["configuration"].get("AlarmName")) for r in rules[1:]] == [
        ("blockers-eu-west-1", "eu-west-1", "orders-sev2-eu-west-1"),
        ("blockers-eu-central-1", "eu-central-1", "orders-sev2-eu-central-1")]
    # checkout's `rest` wave: window + 5 regions > 5 rules (rule 25); the last region's blockers are read by Step
    # Functions in the entry stage `enter-rest`, which holds the entry condition (no Commands rule, WV917 retired).
    rest = stage(checkout, "enter-rest")["beforeEntry"]["conditions"][0]["rules"]
    assert [r.get("region") for r in rest[1:]] == ["eu-central-1", "ap-northeast-1", "ap-southeast-2", "sa-east-1"]
    assert all(r["ruleTypeId"]["provider"] in ("DeploymentWindow", "CloudWatchAlarm") for r in rest)
    (reading,) = stage(checkout, "enter-rest")["actions"]
    assert reading["name"] == "blockers-ca-central-1-batch-1" and reading["region"] == "ca-central-1"
    assert json.loads(reading["configuration"]["Input"])["gates"][0]["alarms"] == ["checkout-sev2-open-ca-central-1"]
    assert "beforeEntry" not in stage(checkout, "wave-rest")


def test_runtime_variables_row(orders: dict[str, Any]) -> None:
    sandbox = stage(orders, "sandbox")
    assert action(sandbox, "environment-create")["commands"] == [
        "./sandbox.sh up sbx-#{codepipeline.PipelineExecutionId}"]
    assert action(sandbox, "e2e")["commands"] == ["make e2e SANDBOX=sbx-#{codepipeline.PipelineExecutionId}"]
    assert "#{SourceVariables.CommitId}" in action(stage(orders, "build"), "compile")["commands"][1]
