"""The bake on CodePipeline does what the file says (issue 12, defects 1 and 2), for every example.

Rules cited are those of docs/codepipeline-semantics.md:

* rule 33 — a ``CloudWatchAlarm`` rule's ``AlarmName`` is one alarm (a comma is part of a name): every such rule
  names one alarm of the wave's gates;
* rules 35–37 — ``WaitTime`` is a grace period for an alarm already in ALARM, an OK alarm passes at once: no
  ``WaitTime`` is used as a bake;
* rules 63–65 — a bake is a Standard Step Functions execution the stage waits for, failing on a breach: a wave
  that bakes has bake actions after its deploys, carrying the bake's duration and every gate's interval and
  alarms, and the CloudFormation output creates the state machine they start, where they start it.

The oracles are functions returning the problems they find, so that ``test_oracles_reject_the_old_output`` can
show each of them failing on what wavec emitted before (a comma-joined ``AlarmName`` with ``WaitTime`` = the bake).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_codepipeline_support import cfn_lint, request

from wavec.api import build
from wavec.config import Config
from wavec.targets.codepipeline import bake, guard

from conftest import EXAMPLES, ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "codepipeline"
INPUTS = [*sorted(EXAMPLES.glob("*.wave")), EXAMPLES / "rehearsal" / "shop.wave", FIXTURES / "mapping.wave",
          FIXTURES / "checkout_no_policy.wave"]
SFN = {"category": "Invoke", "owner": "AWS", "provider": "StepFunctions", "version": "1"}


def _id(p: Path) -> str:
    return p.relative_to(ROOT).as_posix()


def _compiles(path: Path) -> bool:
    result = build(path, "codepipeline", config=Config())
    return result.output is not None


def _plan(path: Path) -> dict[str, Any]:
    result = build(path, "local", config=Config())
    assert result.output is not None
    plan: dict[str, Any] = json.loads(result.output)
    return plan


def _stage_of(req: dict[str, Any], wave: str) -> dict[str, Any]:
    stage: dict[str, Any] = next(s for s in req["pipeline"]["stages"] if s["name"] in (f"wave-{wave}", wave))
    return stage


def _rules(stage: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for block in ("beforeEntry", "onSuccess", "onFailure") for c in stage.get(block, {}).get(
        "conditions", []) for r in c["rules"]]


# ------------------------------------------------------------------------------------------------------- oracles

def one_alarm_per_rule(req: dict[str, Any], plan: dict[str, Any]) -> list[str]:
    """Rule 33: every CloudWatchAlarm rule names exactly one alarm the wave's gates declare, in its region."""
    problems = []
    for wave in plan["waves"]:
        names = {a["name"] for g in wave["gates"] for a in [*g["alarms"], *g["blockers"]]}
        for rule in _rules(_stage_of(req, wave["name"])):
            if rule["ruleTypeId"]["provider"] != "CloudWatchAlarm":
                continue
            alarm = rule["configuration"]["AlarmName"]
            if alarm not in names:
                problems.append(f"wave {wave['name']}: rule {rule['name']} names {alarm!r}, not one alarm of "
                                f"{sorted(names)}")
    return problems


def no_wait_time_bake(req: dict[str, Any]) -> list[str]:
    """Rules 35–37: no rule uses WaitTime (a grace period for an alarm already in ALARM, never a bake)."""
    return [f"stage {s['name']}: rule {r['name']} has WaitTime {r['configuration']['WaitTime']}"
            for s in req["pipeline"]["stages"] for r in _rules(s) if "WaitTime" in r.get("configuration", {})]


def bake_machinery(req: dict[str, Any], plan: dict[str, Any]) -> list[str]:
    """Rules 63–65: a wave that bakes waits for Step Functions executions after its deploys, with its bake, intervals
    and alarms; a `check` gate, or a `prometheus` query, runs in a Commands action beside them, every interval
    (without alarms, that loop waits the bake itself)."""
    problems = []
    for wave in plan["waves"]:
        stage = _stage_of(req, wave["name"])
        alarms = [(g, a) for g in wave["gates"] for a in g["alarms"]]
        checks = [(g, c) for g in wave["gates"] for c in g["checks"]]
        queries = [(g, q) for g in wave["gates"] for q in g["prometheus"]]
        if not (wave["bake"] or alarms or checks or queries):
            continue
        where = f"wave {wave['name']}"
        actions = stage["actions"]
        last_deploy = max(a["runOrder"] for a in actions if a["actionTypeId"]["category"] == "Deploy")
        # Blocker readings before later batches are Step Functions actions too (`blockers-…`), not the bake.
        bakes = [a for a in actions if a["actionTypeId"] == SFN and not a["name"].startswith("blockers-")]
        # Without alarms, a `check` or `prometheus` loop waits the bake itself (no waiting machine beside it).
        if not bakes and (alarms or not (checks or queries)):
            problems.append(f"{where}: no Step Functions bake action")
            continue
        inputs = [json.loads(a["configuration"]["Input"]) for a in bakes]
        if any(a["runOrder"] <= last_deploy for a in bakes):
            problems.append(f"{where}: a bake action runs before the last deploy batch")
        # Rules 44, 47: a rollback re-runs the stage's actions; the guard's answer lets the readings skip then.
        guards = [a for a in actions if a["name"] == guard.ACTION and a["actionTypeId"]["provider"] == "Lambda"]
        if req["pipeline"]["executionMode"] != "PARALLEL" and (
                len(guards) != 1 or any(a["runOrder"] <= guards[0]["runOrder"] for a in bakes)
                or any(i.get("rollback") != guard.variable(stage["name"]) for i in inputs)):
            problems.append(f"{where}: the bake is not skipped in a rollback (no rollback guard before it)")
        if any(i["bake"] != wave["bake"] for i in inputs):
            problems.append(f"{where}: a bake action bakes {[i['bake'] for i in inputs]}, not {wave['bake']}")
        for gate, alarm in alarms:
            region = alarm["target"]["region"] if alarm["target"] else wave["targets"][0]["region"]
            seen = [(g["interval"], g["insufficient_data"]) for a, i in zip(bakes, inputs, strict=True)
                    if a["region"] == region for g in i["gates"] if g["name"] == gate["name"]
                    and alarm["name"] in g["alarms"]]
            if not seen:
                problems.append(f"{where}: alarm {alarm['name']} of gate {gate['name']} is read by no bake in "
                                f"{region}")
            elif any(s != (gate["interval"], gate.get("insufficient_data", "ok")) for s in seen):
                problems.append(f"{where}: gate {gate['name']} is read every {seen}, not every {gate['interval']}")
        after_deploys = bakes[0]["runOrder"] if bakes else last_deploy + 1
        for gate, prefix in [(g, "check") for g, _ in checks] + [(g, "prom") for g, _ in queries]:
            loops = [a for a in actions if a["name"].startswith(f"{prefix}-{gate['name']}")
                     and a["actionTypeId"]["provider"] == "Commands"]
            ticks, rest = divmod(wave["bake"], gate["interval"])
            if not loops or any(a["runOrder"] != after_deploys for a in loops):
                problems.append(f"{where}: {prefix} of gate {gate['name']} does not run beside the bake")
            elif req["pipeline"]["executionMode"] != "PARALLEL" and not all(
                    c.startswith(f'[ "{guard.variable(stage["name"])}" = true ] || ') for a in loops
                    for c in a["commands"]):
                problems.append(f"{where}: {prefix} of gate {gate['name']} is not skipped in a rollback")
            elif ticks and not all(f"seq 1 {ticks}); do sleep {gate['interval']};" in a["commands"][0]
                                   for a in loops):
                problems.append(f"{where}: check of gate {gate['name']} does not run every {gate['interval']}s")
            elif rest and not all(any(c.endswith(f"sleep {rest}") for c in a["commands"]) for a in loops):
                problems.append(f"{where}: check of gate {gate['name']} is not run at the end of the bake")
    return problems


def machines_in_template(req: dict[str, Any], template: dict[str, Any]) -> list[str]:
    """Every bake action's state machine is created by the template, in the action's region and account."""
    problems = []
    resources = template["Resources"]
    conditions = template.get("Conditions", {})
    for stage in req["pipeline"]["stages"]:
        for action in stage["actions"]:
            if action["actionTypeId"] != SFN:
                continue
            arn = action["configuration"]["StateMachineArn"]
            placement = bake.placement_of(arn)
            if placement is None or placement.region != action["region"]:
                problems.append(f"{action['name']}: {arn} is not a bake machine of {action['region']}")
                continue
            found = [r for r in resources.values() if r["Type"] == "AWS::StepFunctions::StateMachine"
                     and r["Properties"]["StateMachineName"] == arn.rsplit(":", 1)[1]
                     and r["Properties"]["StateMachineType"] == "STANDARD"
                     and json.loads(r["Properties"]["DefinitionString"]) == bake.definition()
                     and conditions.get(r["Condition"]) == {"Fn::And": [
                         {"Fn::Equals": [{"Ref": "AWS::Region"}, placement.region]},
                         {"Fn::Equals": [{"Ref": "AWS::AccountId"}, placement.account]}]}]
            if len(found) != 1:
                problems.append(f"{action['name']}: the template creates {len(found)} machines for {arn}")
    return problems


def least_privilege(template: dict[str, Any]) -> list[str]:
    """No `*` action anywhere; a `*` resource only where CloudWatch requires it (DescribeAlarms for composites)."""
    problems = []

    def statements(resource: dict[str, Any]) -> list[dict[str, Any]]:
        props = resource["Properties"]
        docs = [props.get("PolicyDocument"), *[p["PolicyDocument"] for p in props.get("Policies", [])]]
        return [s for d in docs if d for s in d["Statement"]]

    for name, resource in template["Resources"].items():
        for statement in statements(resource) if resource["Type"].startswith("AWS::IAM::") else []:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            if any("*" in a for a in actions):
                problems.append(f"{name}: wildcard action {actions}")
            justified = ((resource.get("Metadata") or {}).get("wavec") or {}).get("wildcards") or {}
            if statement.get("Resource") == "*" and actions != ["cloudwatch:DescribeAlarms"] \
                    and not all(justified.get(a) for a in actions):
                problems.append(f"{name}: `*` resource for {actions} (not justified in Metadata.wavec.wildcards)")
    return problems


# --------------------------------------------------------------------------------------------------------- tests

COMPILED = [p for p in INPUTS if _compiles(p)]


@pytest.mark.parametrize("path", COMPILED, ids=_id)
def test_every_cloudwatch_alarm_rule_names_one_alarm(path: Path) -> None:
    # Rule 33: AlarmName is one alarm; several alarms are several rules (at most 5, rule 25) or a Commands rule.
    assert one_alarm_per_rule(request(path), _plan(path)) == []


@pytest.mark.parametrize("path", COMPILED, ids=_id)
def test_no_wait_time_is_used_as_a_bake(path: Path) -> None:
    # Rules 35–37: an OK or INSUFFICIENT_DATA alarm passes a CloudWatchAlarm rule at once, whatever its WaitTime.
    assert no_wait_time_bake(request(path)) == []


@pytest.mark.parametrize("path", COMPILED, ids=_id)
def test_a_wave_with_a_bake_contains_the_bake_machinery(path: Path) -> None:
    # Rules 63–65: the stage waits for a Standard Step Functions execution that fails on a breach.
    req = request(path)
    assert bake_machinery(req, _plan(path)) == []
    template = request(path, "cloudformation")
    assert machines_in_template(req, template) == []
    assert least_privilege(template) == []
    assert cfn_lint(json.dumps(template)) == []


def _old_style(req: dict[str, Any]) -> dict[str, Any]:
    """The request as wavec wrote it before: bake actions gone, one comma-joined alarm rule with WaitTime = bake."""
    old = json.loads(json.dumps(req))
    for stage in old["pipeline"]["stages"]:
        bakes = [a for a in stage["actions"] if a["actionTypeId"] == SFN]
        stage["actions"] = [a for a in stage["actions"] if a not in bakes and not a["name"].startswith("check-")]
        rules = []
        for action in bakes:
            spec = json.loads(action["configuration"]["Input"])
            names = [n for g in spec["gates"] for n in g["alarms"]]
            if names:
                rules.append({"name": f"alarms-{action['region']}", "region": action["region"],
                              "ruleTypeId": {"category": "Rule", "owner": "AWS", "provider": "CloudWatchAlarm",
                                             "version": "1"},
                              "configuration": {"AlarmName": ",".join(names), "AlarmStates": "ALARM",
                                                "WaitTime": str(-(-spec["bake"] // 60))}})
        if rules:
            stage["onSuccess"] = {"conditions": [{"result": "ROLLBACK", "rules": rules}]}
    return old


def test_oracles_reject_the_old_output() -> None:
    path = FIXTURES / "mapping.wave"
    req, plan = request(path), _plan(path)
    old = _old_style(req)
    assert any("names 'orders-5xx-eu-west-1,orders-latency-eu-west-1'" in p for p in one_alarm_per_rule(old, plan))
    assert "stage wave-accounts: rule alarms-eu-west-1 has WaitTime 60" in no_wait_time_bake(old)
    assert "wave accounts: no Step Functions bake action" in bake_machinery(old, plan)
    assert any("check of gate careful" in p for p in bake_machinery(
        {**req, "pipeline": {**req["pipeline"], "stages": [
            {**s, "actions": [a for a in s["actions"] if not a["name"].startswith("check-")]}
            for s in req["pipeline"]["stages"]]}}, plan))


def test_history_limit_is_wv913(tmp_path: Path) -> None:
    # A Standard execution holds 25,000 events: a 2-day bake read every 10 s would fail half-way.
    path = tmp_path / "long.wave"
    path.write_text('''pipeline p {
  role      = "arn:aws:iam::111122223333:role/p"
  artifacts = "p-artifacts-${region}"
  source s3 { bucket = "src"  key = "src.zip" }
  deploy { cloudformation { stack = "app"  template = "source::t.yaml"  role = "arn:aws:iam::111122223333:role/cfn" } }
  gate g { alarms = ["errors-${region}"]  interval = 10s }
  wave w { regions = ["eu-west-1"]  gates = [g]  bake = 2d }
}
''', encoding="utf-8")
    result = build(path, "codepipeline", config=Config())
    assert [d.code for d in result.diagnostics] == ["WV913"]
    assert "25000" in result.diagnostics[0].message and result.output is None


def test_the_runner_honours_insufficient_data() -> None:
    from wavec.runner.gates import cloudwatch_alarms

    class Fake:
        def describe_alarms(self, **kwargs: Any) -> dict[str, Any]:
            assert kwargs["AlarmTypes"] == ["CompositeAlarm", "MetricAlarm"]
            return {"MetricAlarms": [{"AlarmName": "a", "StateValue": "INSUFFICIENT_DATA"}],
                    "CompositeAlarms": [{"AlarmName": "b", "StateValue": "OK"}]}

    clients: dict[str, Any] = {"eu-west-1": Fake()}
    assert cloudwatch_alarms("eu-west-1", ["a", "b"], clients).ok
    verdict = cloudwatch_alarms("eu-west-1", ["a", "b"], clients, insufficient_breach=True)
    assert not verdict.ok and "INSUFFICIENT_DATA" in verdict.detail


def test_the_language_docs_example_of_insufficient_data_checks_clean(tmp_path: Path) -> None:
    from wavec import check

    text = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    (block,) = [b.split("```", 1)[0] for b in text.split("```wave\n")[1:] if "insufficient_data" in b.split("```")[0]]
    path = tmp_path / "strict.wave"
    path.write_text(block, encoding="utf-8")
    result = check([path], Config())
    assert result.diagnostics == []
    assert result.modules[0].gates[0].insufficient_data == "breach"
