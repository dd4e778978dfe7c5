"""Waves → CodePipeline stages: approval, deploy actions in ``runOrder`` batches, the bake, and the entry gates.

* windows and ``blockers`` → ``beforeEntry`` (result ``FAIL``): one ``DeploymentWindow`` rule per window, one
  ``CloudWatchAlarm`` rule per blocker alarm (a rule names one alarm, rule 33 of docs/codepipeline-semantics.md);
  the blockers of other accounts and of the regions beyond the condition's 5 rules are read by Step Functions in
  a stage ``enter-<wave>`` of their own, before the wave's, which holds the entry condition then;
* ``bake`` + ``alarms`` → after the last deploy batch, one ``StepFunctions`` invoke action per target running the
  bake state machine of :mod:`.bake` (rules 63–65; a ``WaitTime`` is no bake, rules 35–37), one waiting action
  when no target has alarms; ``check`` and ``prometheus`` (``reachable_from_aws``) → a ``Commands`` action
  beside them that runs the check, or reads the query, every ``interval`` for the bake;
* ``on_breach`` ``rollback``/``rollback_all`` → ``onFailure: {result: ROLLBACK}``: a breach fails the bake action,
  so the stage fails and rolls back (a failed deploy too); in PARALLEL mode, which has no rollback (rule 11),
  a rollback gate is an error (WV921);
* ``cloudformation`` → ``CREATE_UPDATE`` with ``RoleArn`` = the block's ``role``, which that mode requires
  (rule CFN-1 of docs/codepipeline.md; WV922 when it is missing).
"""

from __future__ import annotations

import json
import math
import shlex
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ...dag.build import wave_batches
from ...diagnostics import Sink
from ...diagnostics.codes import codepipeline as codes
from ...semantics import ir, schema
from ...source import Span
from . import bake as machine
from . import guard, prometheus_code
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
# A Commands action is stopped after 55 minutes (rule 18); a `check` loop keeps 5 of them for the checks' own
# run time and the action's start-up.
MAX_CHECK_BAKE_S = 50 * 60
_WEEK: tuple[schema.Day, ...] = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_END_OF_DAY = 23 * 60 + 59  # `23:59` is how a window says "until midnight" (there is no 24:00)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def wave_stages(ctx: Context, names: StageNames) -> list[JSON]:
    """One stage per wave, in rollout order."""
    _no_rollback_in_parallel_mode(ctx)
    _cloudformation_roles(ctx)
    _local_only_profiles(ctx)
    _exposure_honoured(ctx)
    stages: list[JSON] = []
    for wave in ordered(ctx.pipeline.waves):
        if any(g.approval for g in wave.gates):
            stages.append(_approval_stage(ctx, wave, names.take(f"approve-{wave.name}", span=wave.span.head())))
        apart = _enters_apart(ctx, wave)
        if apart:
            stages.append(_entry_stage(ctx, wave, names.take(f"enter-{wave.name}", span=wave.span.head())))
        stages.append(_wave(ctx, wave, names.take(f"wave-{wave.name}", span=wave.span.head()), apart))
    return stages


def _enters_apart(ctx: Context, wave: ir.Wave) -> bool:
    """Whether the wave is entered through a stage of its own: it has blockers that no entry rule reads — in
    another account (rule 43) or beyond the condition's 5 rules (rule 25) — and whose reading must not roll the
    wave's stage back when it blocks."""
    return bool(_entry_split(ctx, wave)[1])


def _entry_stage(ctx: Context, wave: ir.Wave, name: str) -> JSON:
    """``enter-<wave>``: the wave's entry condition (windows, the pipeline account's blockers that fit), then a
    reading of the other blockers (:func:`_entry_split`) where they are — in another account with the deploy
    role (rule 57) — by Step Functions (the bake machine with a bake of 0, rules 63–65). Blocked,
    it fails before anything of the wave is deployed, with nothing to roll back (no ``onFailure``); passed, the
    wave's stage follows at once, so the window and blockers are those of the deploy (approval → window →
    blockers → deploy)."""
    stage: JSON = {"name": name, "actions": _blocker_checks(ctx, wave, _entry_split(ctx, wave)[1], 0, 1)}
    entry = _entry_rules(ctx, wave)
    if entry:
        stage["beforeEntry"] = {"conditions": [{"result": "FAIL", "rules": entry}]}
    return stage


def wave_stage_names(pipeline: ir.Pipeline, request: JSON) -> list[str]:
    """The deploy stage of each wave (rollout order) in a request :func:`wave_stages` built: the last stages,
    an approval stage and an entry stage before each wave that has them."""
    waves = ordered(pipeline.waves)
    stages = [s["name"] for s in request["pipeline"]["stages"]]
    ctx = Context(pipeline, Sink())  # reading the IR only; the request's build reported every problem
    before = [int(any(g.approval for g in w.gates)) + int(_enters_apart(ctx, w)) for w in waves]
    count = len(waves) + sum(before)
    tail = stages[len(stages) - count:] if count else []
    names, i = [], 0
    for extra in before:  # each wave's stages before its own, then its own
        i += extra
        names.append(tail[i])
        i += 1
    return names


def _approval_stage(ctx: Context, wave: ir.Wave, name: str) -> JSON:
    """The approval of a wave, in a stage of its own before the wave's: entry conditions run before a stage's
    actions (rule 29) and are not checked again (rules 38, 52), so an approval inside the wave's stage would let
    a late approval deploy outside the window; here the wave's window and blockers are checked once it is given.
    A rejection or a timeout fails this stage (rule 51), which has nothing to roll back, and a rollback of the
    wave's stage does not ask for the approval again."""
    return {"name": name, "actions": [{
        "name": "approval",
        "actionTypeId": type_id("Approval", "Manual"),
        "runOrder": 1,
        "configuration": {"CustomData": f"Approve wave {wave.name} of pipeline {ctx.pipeline.name}"},
    }]}


def _exposure_honoured(ctx: Context) -> None:
    """An exposure below 100% must be reached by the wave's deploy profile (``exposure_by = profile``): no
    deploy action of CodePipeline takes a traffic share, so it cannot be the provider's (WV924)."""
    for wave in ctx.pipeline.waves:
        if wave.exposure.value < 100 and wave.exposure_by == "provider":
            ctx.error(codes.EXPOSURE_NOT_HONOURED,
                      f"wave `{wave.name}` has `exposure = {wave.exposure}`, but CodePipeline's deploy actions "
                      "update the whole stack, service or deployment group: it would reach all of each target's "
                      "traffic", wave.attr_spans.get("exposure", wave.span.head()), label="not a share the deploy "
                      "action can limit",
                      help="deploy this wave with a profile that reaches only that share (a one-box stack, a "
                           "CodeDeploy deployment group whose deployment configuration shifts it) and write "
                           "`exposure_by = profile` in the wave")


def _no_rollback_in_parallel_mode(ctx: Context) -> None:
    """PARALLEL mode has no stage rollback, nor a ``ROLLBACK`` failure result (rule 11): an error (WV921)."""
    pipeline = ctx.pipeline
    if pipeline.execution_mode != "parallel":
        return
    gates = _unique([g.name for w in ordered(pipeline.waves) for g in w.gates if g.on_breach != "halt"])
    if not gates:
        return
    named = ", ".join(f"`{g}`" for g in gates)
    ctx.error(codes.ROLLBACK_IN_PARALLEL_MODE,
              f"pipeline `{pipeline.name}` runs in PARALLEL mode, which has no stage rollback, but gate"
              f"{'s' if len(gates) > 1 else ''} {named} "
              f"{'roll' if len(gates) > 1 else 'rolls'} back on breach",
              pipeline.attr_spans.get("execution_mode", ctx.head), label="no rollback in PARALLEL mode",
              help="use `execution_mode = queued` (or `superseded`) to keep the rollback; or, to keep PARALLEL "
                   f"mode, write `on_breach = halt` in {named} (a breach then fails the stage and stops that "
                   "execution, and nothing is rolled back)")


def _local_only_profiles(ctx: Context) -> None:
    """A deploy profile with only a `local` provider gives CodePipeline nothing to run (WV910): reported once
    per profile, at the profile, with the waves that deploy with it."""
    users: dict[tuple[str, int], tuple[ir.DeployProfile, list[str]]] = {}
    for wave in ordered(ctx.pipeline.waves):
        profile = wave.deploy
        if profile is None or any(p.kind != "local" for p in profile.providers):
            continue
        key = (profile.span.file.path, profile.span.start)
        users.setdefault(key, (profile, []))[1].append(wave.name)
    for profile, waves in users.values():
        named = f"deploy profile `{profile.name}`" if profile.name else "the pipeline's `deploy` profile"
        which = ", ".join(f"`{w}`" for w in waves)
        ctx.error(codes.NO_DEPLOY_PROVIDER,
                  f"{named} has only a `local` provider, which CodePipeline cannot run; "
                  f"{'wave' if len(waves) == 1 else 'waves'} {which} deploy{'s' if len(waves) == 1 else ''} with it",
                  profile.span.head(), label="no cloudformation, codedeploy or ecs provider",
                  help="add a `cloudformation`, `codedeploy` or `ecs` block to the deploy profile")


def _cloudformation_roles(ctx: Context) -> None:
    """A CloudFormation deploy action needs ``RoleArn`` for ``CREATE_UPDATE`` (rule CFN-1): an error (WV922).

    Reported once per ``cloudformation`` block that a wave deploys with, not once per target.
    """
    seen: set[tuple[str, int]] = set()
    for wave in ordered(ctx.pipeline.waves):
        profile = wave.deploy
        for provider in profile.providers if profile is not None else ():
            if not isinstance(provider, ir.CloudFormation) or provider.role is not None:
                continue
            key = (provider.span.file.path, provider.span.start)
            if key in seen:
                continue
            seen.add(key)
            ctx.error(codes.CLOUDFORMATION_WITHOUT_ROLE,
                      f"wave `{wave.name}` deploys stack `{provider.stack.text}` with CloudFormation, whose "
                      "deploy action needs `RoleArn` (the role CloudFormation assumes) for CREATE_UPDATE, and "
                      "the `cloudformation` block has no `role`", provider.span.head(),
                      label="no `role`",
                      help='add `role = "arn:aws:iam::${account}:role/<cloudformation-role>"` to the '
                           "`cloudformation` block: a role CloudFormation (`cloudformation.amazonaws.com`) can "
                           "assume, in the target's account")


def _wave(ctx: Context, wave: ir.Wave, name: str, apart: bool) -> JSON:
    actions: list[JSON] = []
    order = 1
    profile = wave.deploy
    providers = [p for p in profile.providers if p.kind != "local"] if profile is not None else []
    for b, batch in enumerate(wave_batches(wave)):
        if b:  # the first batch's blockers are the entry condition (of this stage, or of the entry stage)
            checks = _blocker_checks(ctx, wave, batch, b, order)
            actions.extend(checks)
            order += 1 if checks else 0
        for target in batch:
            for provider in providers:
                assert profile is not None
                actions.append(_deploy(ctx, wave, target, profile, provider, order, len(providers) > 1))
        order += 1
    actions.extend(_bake_actions(ctx, wave, order))
    _guard(ctx, name, actions)
    if len(actions) > MAX_ACTIONS:
        ctx.error(codes.TOO_MANY_ACTIONS, f"wave `{wave.name}` compiles to {len(actions)} actions, CodePipeline allows "
                  f"{MAX_ACTIONS}", wave.span.head(), label="this wave", help="split the wave in two")
    stage: JSON = {"name": name, "actions": actions}
    entry = [] if apart else _entry_rules(ctx, wave)
    if entry:
        stage["beforeEntry"] = {"conditions": [{"result": "FAIL", "rules": entry}]}
    if rolls_back(ctx.pipeline, wave):
        stage["onFailure"] = {"result": "ROLLBACK"}
    return stage


def _guard(ctx: Context, stage: str, actions: list[JSON]) -> None:
    """Give a stage whose actions watch the wave — bake and blocker readings (Step Functions), `check` loops
    (Commands) — the rollback guard (:mod:`.guard`) at runOrder 1, beside the first deploys, and make them skip
    when it says the stage runs in a rollback. PARALLEL mode has no rollback (rule 11)."""
    readings = [a for a in actions if a["actionTypeId"]["provider"] in ("StepFunctions", "Commands")]
    if not readings or ctx.pipeline.execution_mode == "parallel":
        return
    if any(a["runOrder"] == 1 for a in readings):  # the guard answers before any reading
        for a in actions:
            a["runOrder"] += 1
    answer = guard.variable(stage)
    for a in readings:
        if a["actionTypeId"]["provider"] == "Commands":
            # Each command is skipped in a rollback; CodePipeline fills in the variable (`true` or `false`).
            a["commands"] = [f'[ "{answer}" = true ] || {c}' for c in a["commands"]]
            continue
        spec = json.loads(a["configuration"]["Input"])
        a["configuration"]["Input"] = machine.bake_input(spec["wave"], spec["target"], spec["bake"], spec["gates"],
                                                         answer)
    actions.insert(0, guard.action(ctx.pipeline.name, stage))


def rolls_back(pipeline: ir.Pipeline, wave: ir.Wave) -> bool:
    """Whether the wave's stage rolls back when it fails (``onFailure: ROLLBACK``).

    A breach fails the bake's action, a failed deploy its own: either fails the stage, and onFailure rolls it
    back (rule 65). A wave without gates rolls back a failed deploy, as ``wavec run`` does; `halt` keeps
    CodePipeline's default: a failed stage stops the execution, nothing rolls back. One stage has one
    onFailure: a wave mixing `halt` and rollback gates rolls back on any failure, its strongest policy, as
    ``wavec run`` does for a failed deploy. PARALLEL mode has no rollback (rule 11; WV921 for rollback gates).
    """
    if pipeline.execution_mode == "parallel":
        return False
    return not wave.gates or any(g.on_breach != "halt" for g in wave.gates)


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


def _regions(wave: ir.Wave) -> list[str]:
    return _unique([t.region for t in wave.targets])


def _elsewhere(ctx: Context, target: ir.Target) -> bool:
    """Whether a target is in another account than the pipeline's (its own, else its role's)."""
    return target.account is not None and target.account != _account(ctx, None)


def _blocker_names(ctx: Context, wave: ir.Wave, region: str) -> list[str]:
    """The entry blockers of a region: every gate's, rendered for each target there in the pipeline's account
    (one alarm may serve several); those of other accounts are read by Step Functions (:func:`_blocker_checks`)."""
    return _unique([ctx.render(a, wave=wave.name, region=t.region, account=t.account)
                    for t in wave.targets if t.region == region and not _elsewhere(ctx, t)
                    for g in wave.gates for a in g.blockers])


def _alarm_rule(name: str, region: str, alarm: str) -> JSON:
    # `AlarmName` is one alarm's name (rule 33): a comma is part of a name, never a separator.
    return {"name": name, "ruleTypeId": rule_type("CloudWatchAlarm"), "region": region,
            "configuration": {"AlarmName": alarm, "AlarmStates": "ALARM"}}


def _entry_split(ctx: Context, wave: ir.Wave) -> tuple[list[JSON], list[ir.Target]]:
    """The wave's entry: its rules (one ``DeploymentWindow`` rule per window, one ``CloudWatchAlarm`` rule per
    blocker alarm of the pipeline's account, rule 33), and the targets whose blockers a Step Functions reading
    of the entry stage reads instead: those of other accounts (rule 43), and those of the regions beyond the
    condition's 5 rules (rule 25). Nothing is reported here."""
    rules = [_window_rule(ctx, w) for w in wave.windows]
    blocked = [(r, names) for r in _regions(wave) if (names := _blocker_names(ctx, wave, r))]
    # One rule per blocker alarm, named for its region (and its rank there when the region has several).
    singles = [(f"blockers-{r}" + (f"-{k}" if len(names) > 1 else ""), r, n)
               for r, names in blocked for k, n in enumerate(names, 1)]
    room = max(0, MAX_RULES - len(rules))
    rules.extend(_alarm_rule(name, r, n) for name, r, n in singles[:room])
    folded = set(_unique([r for _, r, _ in singles[room:]]))
    read = [t for t in wave.targets if _elsewhere(ctx, t) or t.region in folded]
    return rules, [t for t in read if any(g.blockers for g in wave.gates)]


def _entry_rules(ctx: Context, wave: ir.Wave) -> list[JSON]:
    """The entry condition's rules (:func:`_entry_split`), with what is wrong with them reported."""
    rules, _ = _entry_split(ctx, wave)
    if len(wave.windows) > MAX_RULES:
        ctx.error(codes.TOO_MANY_RULES,
                  f"wave `{wave.name}` has {len(wave.windows)} windows; a CodePipeline condition holds at most "
                  f"{MAX_RULES} rules", wave.attr_spans.get("windows", wave.span.head()), label="too many windows",
                  help="a wave starts only inside all its windows: write them as one window (the hours and days "
                       "they share)")
    for rule in rules:
        ctx.check_config(f"wave `{wave.name}` entry rule `{rule['name']}`", rule.get("configuration", {}),
                         wave.span.head(), MAX_RULE_CONFIG_VALUE)
    return rules[:MAX_RULES]


def _account(ctx: Context, target: ir.Target | None) -> str:
    """The account a target (``None``: the pipeline itself) is in: its own, else the pipeline role's."""
    if target is not None and target.account is not None:
        return target.account
    if ctx.account is not None:
        return ctx.account
    role = ctx.render(ctx.pipeline.role) if ctx.pipeline.role is not None else ""
    fields = role.split(":")
    # No role is WV900 and a malformed one WV901: the output is discarded, any account does.
    return fields[4] if len(fields) > 5 and fields[4].isdigit() else "000000000000"


def _blocker_checks(ctx: Context, wave: ir.Wave, batch: Sequence[ir.Target], b: int,
                    run_order: int) -> list[JSON]:
    """Blockers read again before batch ``b`` (≥ 1), as ``wavec run`` does — or, for ``b`` = 0, those of the
    targets in other accounts, which no entry rule can read: one Step Functions action per target that has
    blockers, at the run order before the batch's deploys, running the bake machine with a bake of 0 — one
    reading of the blocker alarms, failing on ALARM or a missing alarm (rules 63–65). The entry condition's
    rules are checked once, before the first batch (rules 29, 38), so they cannot serve for later batches."""
    actions: list[JSON] = []
    profile_role = wave.deploy.role if wave.deploy is not None else None
    for target in batch:
        names = _unique([ctx.render(a, wave=wave.name, region=target.region, account=target.account)
                         for g in wave.gates for a in g.blockers])
        if not names:
            continue
        placement = machine.Placement(target.region, _account(ctx, target))
        gates = [machine.gate_input("blockers", 60, names, "ok")]
        config = {"StateMachineArn": machine.machine_arn(placement, ctx.pipeline.name), "InputType": "Literal",
                  "Input": machine.bake_input(wave.name, target.id, 0, gates)}
        name = f"blockers-{target.region}" + (f"-{target.account}" if target.account else "") + f"-batch-{b + 1}"
        ctx.check_config(f"wave `{wave.name}` blocker action `{name}`", config, wave.span.head())
        action: JSON = {"name": name, "actionTypeId": type_id("Invoke", "StepFunctions"), "runOrder": run_order,
                        "region": target.region, "configuration": config}
        if target.account not in (None, ctx.account) and profile_role is not None:
            action["roleArn"] = ctx.render(profile_role, wave=wave.name, region=target.region,
                                           account=target.account)
        actions.append(action)
    return actions


def _bake_alarms(ctx: Context, wave: ir.Wave) -> dict[ir.Target, list[JSON]]:
    """Each target's gates to read during the bake, as bake inputs (targets without alarms are left out).

    An alarm name that uses ``${region}`` or ``${account}`` is read in every target; one that does not is one
    alarm, read in the wave's first target — as ``wavec run`` reads it.
    """
    found: dict[ir.Target, list[JSON]] = {}
    for gate in wave.gates:
        names: dict[ir.Target, list[str]] = {}
        for tpl in gate.alarms:
            where = wave.targets if {"region", "account"} & set(tpl.vars) else wave.targets[:1]
            for t in where:
                names.setdefault(t, []).append(ctx.render(tpl, wave=wave.name, region=t.region, account=t.account))
        for t in wave.targets:
            if t in names:
                alarms = _unique(names[t])
                if len(alarms) > machine.MAX_ALARMS_PER_READ:
                    ctx.error(codes.OVER_SERVICE_LIMIT,
                              f"gate `{gate.name}` reads {len(alarms)} alarms in {t.id}; one CloudWatch "
                              f"DescribeAlarms call reads {machine.MAX_ALARMS_PER_READ}",
                              gate.attr_spans.get("alarms", gate.span.head()), label="too many alarms",
                              help="combine them into composite alarms and watch those")
                found.setdefault(t, []).append(
                    machine.gate_input(gate.name, gate.interval.seconds, alarms, gate.insufficient_data))
    return found


def _bake_actions(ctx: Context, wave: ir.Wave, run_order: int) -> list[JSON]:
    """The bake: Step Functions invoke actions (one per target with alarms) and the `check` loops, side by side."""
    bake_s = wave.bake.seconds
    span = wave.attr_spans.get("bake", wave.span.head())
    per_target = _bake_alarms(ctx, wave)
    checks = [g for g in wave.gates if g.check is not None]
    queries = [g for g in wave.gates if g.prometheus is not None]
    if not (bake_s or per_target or checks or queries):
        return []
    if bake_s > machine.MAX_BAKE_S:
        ctx.error(codes.BAKE_OUT_OF_RANGE,
                  f"wave `{wave.name}` bakes {wave.bake}; a CodePipeline Step Functions action waits at most 7 "
                  "days", span, label="too long", help="bake at most 7 days (`7d`)")
    actions: list[JSON] = []
    profile_role = wave.deploy.role if wave.deploy is not None else None
    placements: list[tuple[ir.Target | None, str, list[JSON]]] = [
        (t, "bake-" + t.region + (f"-{t.account}" if t.account else ""), gates) for t, gates in per_target.items()]
    if not placements and bake_s and not (checks or queries):
        # Nothing to read: the bake still waits, in the pipeline's region. A `check` or `prometheus` loop waits
        # the whole bake itself, and a waiting sibling would hold the stage's failure until the bake's end (rule 16).
        placements = [(None, "bake", [])]
    for target, name, gates in placements:
        events = machine.history_events(bake_s, [g["interval"] for g in gates])
        if bake_s <= machine.MAX_BAKE_S and events > machine.MAX_HISTORY_EVENTS:
            ctx.error(codes.BAKE_OUT_OF_RANGE,
                      f"wave `{wave.name}`: reading its gates every interval for {wave.bake} writes about "
                      f"{events} events in the bake execution of {target.id if target else ctx.region}; a Step "
                      f"Functions execution holds {machine.MAX_HISTORY_EVENTS}", span, label="too many readings",
                      help="raise the gates' `interval`, or shorten the bake")
        region = target.region if target is not None else ctx.region
        ctx.regions_used.add(region)
        placement = machine.Placement(region, _account(ctx, target))
        config = {"StateMachineArn": machine.machine_arn(placement, ctx.pipeline.name), "InputType": "Literal",
                  "Input": machine.bake_input(wave.name, target.id if target else ctx.region, bake_s, gates)}
        ctx.check_config(f"wave `{wave.name}` bake action `{name}`", config, span)
        action: JSON = {"name": name, "actionTypeId": type_id("Invoke", "StepFunctions"), "runOrder": run_order,
                        "region": region, "configuration": config}
        if target is not None and target.account not in (None, ctx.account) and profile_role is not None:
            # The machine is in the target's account: the action assumes the deploy role there (rule 57).
            action["roleArn"] = ctx.render(profile_role, wave=wave.name, region=target.region,
                                           account=target.account)
        actions.append(action)
    for gate in checks:
        actions.extend(_check_actions(ctx, wave, gate, run_order))
    for gate in queries:
        actions.extend(_prometheus_actions(ctx, wave, gate, run_order))
    return actions


def _check_actions(ctx: Context, wave: ir.Wave, gate: ir.Gate, run_order: int) -> list[JSON]:
    """A gate's `check` as Commands actions that run it every interval for the bake and fail on the first breach.

    A state machine cannot run a command, and a Commands *rule* runs once; a Commands *action* beside the bake
    actions runs the loop, on the pipeline's CodeBuild compute with the source, for at most 55 minutes (rule 18).
    """
    assert gate.check is not None
    span = gate.attr_spans.get("check", gate.span.head())
    _within_commands_action(ctx, wave, gate, "check")
    per_target = bool({"region", "account"} & set(gate.check.vars))
    actions: list[JSON] = []
    for target in (wave.targets if per_target else (None,)):
        cmd = ctx.command(gate.check, wave=wave.name, region=target.region if target else None,
                         account=target.account if target else None)
        actions.append(_reading_action(ctx, wave, gate, "check", target, f"sh -c {shlex.quote(cmd)}", run_order,
                                       span))
    return actions


def _prometheus_actions(ctx: Context, wave: ir.Wave, gate: ir.Gate, run_order: int) -> list[JSON]:
    """A gate's `prometheus` query as Commands actions that read it every interval for the bake, like a `check`.

    No CodePipeline rule and no Step Functions integration evaluates PromQL; a Commands action can ask the
    server over HTTP — when the server answers requests from AWS, which only the file can say
    (``reachable_from_aws``; WV925 otherwise). The program that asks and judges is :mod:`.prometheus_code`.
    """
    prom = gate.prometheus
    assert prom is not None
    if not prom.reachable_from_aws:
        ctx.error(codes.PROMETHEUS_NOT_REACHABLE,
                  f"gate `{gate.name}`: CodePipeline can read its `prometheus` query only from AWS (a Commands "
                  "action on CodeBuild's network), and the file does not say the server answers there",
                  prom.span.head(), label="not `reachable_from_aws`",
                  help="if the server answers requests from AWS, add `reachable_from_aws = true`; if not, watch "
                       "the metric with a CloudWatch alarm in `alarms`")
        return []
    _within_commands_action(ctx, wave, gate, "prometheus")
    span = prom.span.head()
    per_target = bool({"region", "account"} & set(prom.query.vars))
    actions: list[JSON] = []
    for target in (wave.targets if per_target else (None,)):
        query = ctx.render(prom.query, wave=wave.name, region=target.region if target else None,
                           account=target.account if target else None)
        run = prometheus_code.command(prom.url, query, prom.min, prom.max)
        action = _reading_action(ctx, wave, gate, "prometheus", target, run, run_order, span)
        action["environmentVariables"] = [{"name": prometheus_code.VARIABLE,
                                           "value": prometheus_code.variable_value(), "type": "PLAINTEXT"}]
        actions.append(action)
    return actions


def _within_commands_action(ctx: Context, wave: ir.Wave, gate: ir.Gate, what: str) -> None:
    """WV920: a loop in a Commands action must end before the action's 55 minutes do (rule 18)."""
    if wave.bake.seconds > MAX_CHECK_BAKE_S:
        ctx.error(codes.CHECK_BAKE_TOO_LONG,
                  f"gate `{gate.name}` {'runs `check`' if what == 'check' else 'reads its `prometheus` query'} "
                  f"during a bake of {wave.bake}; the Commands action that "
                  "runs it is stopped after 55 minutes", wave.attr_spans.get("bake", wave.span.head()),
                  label="longer than 50m",
                  help=f"bake at most 50m with a `{what}` gate, or watch the same signal with a CloudWatch alarm "
                       "in `alarms` (a canary metric)")


def _reading_action(ctx: Context, wave: ir.Wave, gate: ir.Gate, what: str, target: ir.Target | None, run: str,
                    run_order: int, span: Span) -> JSON:
    """The Commands action that runs ``run`` on the schedule of `wavec run` — at every interval up to the bake,
    then at its end when that is not one — logging each verdict, and fails at the first breach."""
    bake_s, interval = wave.bake.seconds, gate.interval.seconds
    ticks, rest = divmod(bake_s, interval)
    loop = _judged(gate.name, run, f"$((i * {interval}))")
    commands = [f"for i in $(seq 1 {ticks}); do sleep {interval}; {loop}; done"] if ticks else []
    if rest:
        commands.append(f"sleep {rest}")
    if rest or not ticks:
        commands.append(_judged(gate.name, run, str(bake_s)))
    ctx.check_commands(f"gate `{gate.name}` {what}", commands, span)
    prefix = "check" if what == "check" else "prom"
    name = f"{prefix}-{gate.name}" + (f"-{target.region}" if target else "") + (
        f"-{target.account}" if target and target.account else "")
    ctx.check_name("action", name, span)
    return {"name": name, "actionTypeId": type_id("Compute", "Commands"), "runOrder": run_order,
            "commands": commands, "inputArtifacts": [{"name": SOURCE_ARTIFACT}]}


def _judged(gate: str, run: str, at: str) -> str:
    """One evaluation of a `check`: it says in the action's log how it went, at which second of the bake (the
    emulator reads these lines back as the gate's evaluations), and a failure ends the loop."""
    mark = f"wavec-check {gate}"
    return f'if {run}; then echo "{mark}: ok at {at}s"; else echo "{mark}: failed at {at}s"; exit 1; fi'


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
