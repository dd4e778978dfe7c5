"""Waves → CodePipeline stages: approval, deploy actions in ``runOrder`` batches, and the gates as conditions.

* windows and ``blockers`` → ``beforeEntry`` (result ``FAIL``): one ``DeploymentWindow`` rule per window, one
  ``CloudWatchAlarm`` rule per region;
* ``alarms`` + ``bake`` → ``onSuccess`` (result ``ROLLBACK``, ``FAIL`` for ``halt``): one ``CloudWatchAlarm`` rule
  per region with ``WaitTime`` = the bake in minutes; ``check`` → a ``Commands`` rule;
* ``on_breach = rollback`` → ``onFailure: {result: ROLLBACK}`` (a failed deploy rolls the stage back).
"""

from __future__ import annotations

import json
import math
import shlex
from typing import TYPE_CHECKING

from ...dag.build import wave_batches
from ...diagnostics.codes import codepipeline as codes
from ...semantics import ir
from .context import (
    JSON,
    MAX_ACTIONS,
    MAX_RULE_CONFIG_VALUE,
    MAX_RULES,
    ROLE_RE,
    SOURCE_ARTIFACT,
    Context,
    StageNames,
    ordered,
    rule_type,
    type_id,
)

if TYPE_CHECKING:
    from .context import StageNames

MAX_WAIT_MINUTES = 86400  # the service's largest rule/action timeout (RuleTimeout, 60 days)
_WEEK = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_END_OF_DAY = 23 * 60 + 59  # `23:59` is how a window says "until midnight" (there is no 24:00)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def wave_stages(ctx: Context, names: StageNames) -> list[JSON]:
    """One stage per wave, in rollout order."""
    return [_wave(ctx, wave, names.take(f"wave-{wave.name}", span=wave.span.head()))
            for wave in ordered(ctx.pipeline.waves)]


def _wave(ctx: Context, wave: ir.Wave, name: str) -> JSON:
    actions: list[JSON] = []
    order = 1
    if any(g.approval for g in wave.gates):
        actions.append({
            "name": "approval",
            "actionTypeId": type_id("Approval", "Manual"),
            "runOrder": 1,
            "configuration": {"CustomData": f"Approve wave {wave.name} of pipeline {ctx.pipeline.name}"},
        })
        order = 2
    profile = wave.deploy
    providers = [p for p in profile.providers if p.kind != "local"] if profile is not None else []
    if profile is not None and not providers:
        ctx.error(codes.NO_DEPLOY_PROVIDER,
                  f"wave `{wave.name}` deploys with a profile that has only a `local` provider, which "
                  "CodePipeline cannot run", wave.attr_spans.get("deploy", wave.span.head()),
                  label="no cloudformation, codedeploy or ecs provider",
                  help="add a `cloudformation`, `codedeploy` or `ecs` block to the deploy profile")
    for b, batch in enumerate(wave_batches(wave)):
        for target in batch:
            for provider in providers:
                assert profile is not None
                actions.append(_deploy(ctx, wave, target, profile, provider, order + b, len(providers) > 1))
    if len(actions) > MAX_ACTIONS:
        ctx.error(codes.TOO_MANY_ACTIONS, f"wave `{wave.name}` compiles to {len(actions)} actions, CodePipeline allows "
                  f"{MAX_ACTIONS}", wave.span.head(), label="this wave", help="split the wave in two")
    stage: JSON = {"name": name, "actions": actions}
    entry = _entry_rules(ctx, wave)
    if entry:
        stage["beforeEntry"] = {"conditions": [{"result": "FAIL", "rules": entry}]}
    success, rollback = _bake_rules(ctx, wave)
    if success:
        stage["onSuccess"] = {"conditions": [{"result": "ROLLBACK" if rollback else "FAIL", "rules": success}]}
    if rollback:
        stage["onFailure"] = {"result": "ROLLBACK"}
    return stage


def _deploy(ctx: Context, wave: ir.Wave, target: ir.Target, profile: ir.DeployProfile, provider: ir.Provider,
            run_order: int, several: bool) -> JSON:
    ctx.regions_used.add(target.region)
    values = {"wave": wave.name, "region": target.region, "account": target.account}
    name = f"deploy-{target.region}" + (f"-{target.account}" if target.account else "")
    action: JSON = {"name": name + (f"-{provider.kind}" if several else ""), "runOrder": run_order,
                    "region": target.region}
    if profile.role is not None:
        role = ctx.render(profile.role, **values)
        if not ROLE_RE.fullmatch(role):
            ctx.error(codes.INVALID_ROLE_ARN,
                      f"deploy role `{role}` is not an IAM role ARN", profile.attr_spans.get("role"),
                      label="not a role ARN", help="write the role's full ARN: arn:aws:iam::<account>:role/<name>")
        action["roleArn"] = role
    elif target.account is not None and target.account != ctx.account:
        ctx.error(codes.CROSS_ACCOUNT_WITHOUT_ROLE,
                  f"wave `{wave.name}` deploys to account {target.account}, which is not the pipeline's "
                  f"({ctx.account or 'unknown'}), and its deploy profile has no `role`",
                  wave.attr_spans.get("accounts", wave.span.head()), label="another account",
                  help='add `role = "arn:aws:iam::${account}:role/<deployer>"` to the deploy profile')
    artifact = ctx.latest_artifact
    if isinstance(provider, ir.CloudFormation):
        artifact, path = _template(ctx, provider, values)
        config = {"ActionMode": "CREATE_UPDATE", "StackName": ctx.render(provider.stack, **values),
                  "TemplatePath": f"{artifact}::{path}"}
        if provider.capabilities:
            config["Capabilities"] = ",".join(provider.capabilities)
        if provider.parameters:
            params = {k: ctx.render(v, **values) for k, v in provider.parameters}
            config["ParameterOverrides"] = ctx_json(params)
        if provider.role is not None:
            config["RoleArn"] = ctx.render(provider.role, **values)
            if not ROLE_RE.fullmatch(config["RoleArn"]):
                ctx.error(codes.INVALID_ROLE_ARN, f"CloudFormation role `{config['RoleArn']}` is not an IAM role ARN",
                          provider.attr_spans.get("role"), label="not a role ARN")
        action["actionTypeId"] = type_id("Deploy", "CloudFormation")
    elif isinstance(provider, ir.CodeDeploy):
        config = {"ApplicationName": ctx.render(provider.application, **values),
                  "DeploymentGroupName": ctx.render(provider.group, **values)}
        action["actionTypeId"] = type_id("Deploy", "CodeDeploy")
    else:
        assert isinstance(provider, ir.Ecs)
        config = {"ClusterName": ctx.render(provider.cluster, **values),
                  "ServiceName": ctx.render(provider.service, **values), "FileName": provider.image_definitions}
        action["actionTypeId"] = type_id("Deploy", "ECS")
    ctx.check_config(f"wave `{wave.name}` deploy to {target.id}", config, provider.span.head())
    action["configuration"] = config
    action["inputArtifacts"] = [{"name": artifact}]
    return action


def ctx_json(params: dict[str, str]) -> str:
    """``ParameterOverrides``: a JSON object as a string, keys sorted."""

    return json.dumps(params, sort_keys=True)


def _template(ctx: Context, cfn: ir.CloudFormation, values: dict[str, str | None]) -> tuple[str, str]:
    text = ctx.render(cfn.template, **values)
    span = cfn.attr_spans.get("template", cfn.span.head())
    artifact, sep, path = text.partition("::")
    if sep and path:
        if artifact in ctx.artifacts:
            return artifact, path
        produced = ctx.step_artifacts.get(artifact, [])
        if len(produced) == 1:
            return produced[0], path
    known = ", ".join(f"`{a}`" for a in ctx.artifacts)
    ctx.error(codes.UNKNOWN_ARTIFACT, f"template `{text}` " + (f"names artifact `{artifact}`, which no stage produces"
                                               if sep and path else "is not of the form `artifact::path`"),
              span, label="unknown artifact" if sep else "no `::`",
              help=f"artifacts of this pipeline: {known}; a stage produces one when a step has `outputs`")
    return SOURCE_ARTIFACT, path or text


def _alarm_names(ctx: Context, wave: ir.Wave, region: str, attr: str) -> list[str]:
    return _unique([ctx.render(a, wave=wave.name, region=t.region, account=t.account)
                    for t in wave.targets if t.region == region
                    for g in wave.gates for a in getattr(g, attr)])


def _regions(wave: ir.Wave) -> list[str]:
    return _unique([t.region for t in wave.targets])


def _alarm_rule(name: str, region: str, alarms: list[str], wait: int | None) -> JSON:
    config = {"AlarmName": ",".join(alarms), "AlarmStates": "ALARM"}
    if wait:
        config["WaitTime"] = str(wait)
    return {"name": name, "ruleTypeId": rule_type("CloudWatchAlarm"), "configuration": config, "region": region}


def _entry_rules(ctx: Context, wave: ir.Wave) -> list[JSON]:
    rules = [_window_rule(ctx, w) for w in wave.windows]
    blocked = [(r, _alarm_names(ctx, wave, r, "blockers")) for r in _regions(wave)]
    blocked = [(r, names) for r, names in blocked if names]
    room = MAX_RULES - len(rules)
    if len(blocked) > room:
        keep = max(0, room - 1)
        folded = blocked[keep:]
        ctx.warn(codes.BLOCKERS_IN_COMMANDS_RULE,
                 f"wave `{wave.name}` needs {len(rules) + len(blocked)} rules to enter, CodePipeline "
                 f"allows {MAX_RULES}: the blockers of {', '.join(r for r, _ in folded)} are checked by one "
                 "Commands rule", wave.attr_spans.get("gates", wave.span.head()),
                 help="give the pipeline role `cloudwatch:DescribeAlarms`, or deploy to fewer regions per wave")
        if room < 1:
            ctx.error(codes.TOO_MANY_RULES,
                      f"wave `{wave.name}` has {len(rules)} windows; a CodePipeline condition holds at most "
                      f"{MAX_RULES - 1} besides its blockers", wave.attr_spans.get("windows", wave.span.head()),
                      label="too many windows", help="merge the windows into one `cron`")
        rules.extend(_alarm_rule(f"blockers-{r}", r, names, None) for r, names in blocked[:keep])
        rules.append(_blockers_command(folded))
    else:
        rules.extend(_alarm_rule(f"blockers-{r}", r, names, None) for r, names in blocked)
    for rule in rules:
        ctx.check_config(f"wave `{wave.name}` entry rule `{rule['name']}`", rule.get("configuration", {}),
                         wave.span.head(), MAX_RULE_CONFIG_VALUE)
    return rules


def _blockers_command(folded: list[tuple[str, list[str]]]) -> JSON:
    """One Commands rule that fails when any of these alarms is in ALARM (regions beyond the rule limit)."""
    commands = [
        f"test \"$(aws cloudwatch describe-alarms --region {region} --state-value ALARM --alarm-names "
        f"{' '.join(shlex.quote(n) for n in names)} --query 'length(MetricAlarms)' --output text)\" = 0"
        for region, names in folded
    ]
    return {"name": "blockers-more-regions", "ruleTypeId": rule_type("Commands"), "commands": commands,
            "inputArtifacts": [{"name": SOURCE_ARTIFACT}]}


def _bake_rules(ctx: Context, wave: ir.Wave) -> tuple[list[JSON], bool]:
    """The ``onSuccess`` rules and whether a breach (or a failed deploy) rolls the wave back."""
    rollback = False
    for gate in wave.gates:
        if gate.prometheus is not None:
            ctx.warn(codes.PROMETHEUS_NOT_EXPRESSIBLE,
                     f"gate `{gate.name}`: CodePipeline cannot evaluate a `prometheus` query; only "
                     "`wavec run` checks it", gate.prometheus.span.head(),
                     help="watch the same metric with a CloudWatch alarm in `alarms`")
        # `rollback_all` of the earlier waves is the compensator's (compensator.py), except in PARALLEL mode,
        # which has no stage rollback at all (rule 11).
        if gate.on_breach == "rollback_all" and ctx.pipeline.execution_mode == "parallel":
            ctx.warn(codes.ROLLBACK_ALL_NOT_EXPRESSIBLE,
                     f"gate `{gate.name}`: a pipeline in PARALLEL mode cannot roll stages back, so earlier "
                     "waves are not rolled back", gate.attr_spans.get("on_breach", gate.span.head()),
                     help="use `execution_mode = queued` or `superseded`")
        rollback |= gate.on_breach != "halt"
    minutes = math.ceil(wave.bake.seconds / 60)
    bake_span = wave.attr_spans.get("bake", wave.span.head())
    has_alarms = any(g.alarms for g in wave.gates)
    if wave.bake.seconds % 60 and has_alarms:
        ctx.warn(codes.BAKE_ROUNDED_UP,
                 f"wave `{wave.name}`: the bake of {wave.bake} is rounded up to {minutes} minutes",
                 bake_span, help="CodePipeline's `WaitTime` counts whole minutes")
    if minutes > MAX_WAIT_MINUTES:
        ctx.error(codes.BAKE_OUT_OF_RANGE, f"wave `{wave.name}` bakes {minutes} minutes; CodePipeline waits at most "
                  f"{MAX_WAIT_MINUTES}", bake_span, label="too long", help="bake at most 60 days (`60d`)")
    if wave.bake.seconds and not has_alarms:
        ctx.warn(codes.BAKE_WITHOUT_ALARMS,
                 f"wave `{wave.name}` bakes {wave.bake} but watches no alarm, so CodePipeline moves on "
                 "at once", bake_span, help="add a gate with `alarms` to the wave")
    rules: list[JSON] = []
    if has_alarms:
        rules = [_alarm_rule(f"alarms-{r}", r, _alarm_names(ctx, wave, r, "alarms"), minutes)
                 for r in _regions(wave)]
    for gate in wave.gates:
        if gate.check is None:
            continue
        ctx.warn(codes.CHECK_EVALUATED_ONCE,
                 f"gate `{gate.name}`: CodePipeline runs `check` once after the wave's deploys, not every "
                 f"{gate.interval} during the bake", gate.attr_spans.get("check", gate.span.head()),
                 help="watch a canary metric with a CloudWatch alarm for the whole bake")
        per_region = bool({"region", "account"} & set(gate.check.vars))
        for r in (_regions(wave) if per_region else [None]):
            cmd = ctx.render(gate.check, wave=wave.name, region=r)
            rules.append({"name": f"check-{gate.name}" + (f"-{r}" if r else ""), "ruleTypeId": rule_type("Commands"),
                          "commands": [cmd], "inputArtifacts": [{"name": SOURCE_ARTIFACT}]})
            ctx.check_commands(f"gate `{gate.name}` check", [cmd], gate.attr_spans.get("check"))
    if len(rules) > MAX_RULES:
        ctx.error(codes.TOO_MANY_RULES,
                  f"wave `{wave.name}` needs {len(rules)} rules to watch its bake (one per region and "
                  f"check), CodePipeline allows {MAX_RULES}", wave.attr_spans.get("regions", wave.span.head()),
                  label=f"{len(_regions(wave))} regions",
                  help="split the wave, or use one composite alarm per region")
    for rule in rules:
        ctx.check_config(f"wave `{wave.name}` bake rule `{rule['name']}`", rule.get("configuration", {}),
                         bake_span, MAX_RULE_CONFIG_VALUE)
    return rules, rollback and bool(rules or wave.gates)


def _window_rule(ctx: Context, window: ir.Window) -> JSON:
    return {"name": f"window-{window.name}", "ruleTypeId": rule_type("DeploymentWindow"),
            "configuration": {"Cron": window_cron(ctx, window), "TimeZone": window.timezone}}


def window_cron(ctx: Context, window: ir.Window) -> str:
    """The window as one CodePipeline cron expression (seconds minutes hours day-of-month month weekday year)."""
    if window.cron is not None:
        # `.wave` crons are the DeploymentWindow rule's own form, checked and normalised to seven fields by
        # the front end.
        return window.cron
    days = [d for d in _WEEK if d in window.days]
    start, end = (window.hours[0].minutes, window.hours[1].minutes) if window.hours else (0, 24 * 60)
    end = 24 * 60 if end == _END_OF_DAY else end
    lo, hi = math.ceil(start / 60), end // 60
    exact = start % 60 == 0 and end % 60 == 0
    if start < end:
        hours = f"{lo}-{hi - 1}" if hi - 1 > lo else f"{lo}"
    elif len(days) == 7 or end == 0:  # crosses midnight every day: both parts are the same days
        hours = f"{lo}-23" + (f",0-{hi - 1}" if hi > 1 else ",0" if hi == 1 else "")
    else:
        exact = False
        hours = f"{lo}-23"
    if not exact or (hi <= lo and start < end):
        ctx.warn(codes.WINDOW_APPROXIMATED,
                 f"window `{window.name}` cannot be written as one CodePipeline cron exactly; it is "
                 f"narrowed to the hours {hours}", window.attr_spans.get("hours", window.span.head()),
                 help="use whole hours, or write the window's `cron` yourself")
    weekdays = ",".join(d.upper() for d in days) if days else "*"
    return f"* * {hours} ? * {weekdays} *"
