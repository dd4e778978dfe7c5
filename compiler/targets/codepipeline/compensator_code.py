"""wavec's compensator: the code of the Lambda function the CloudFormation output creates beside a pipeline.

This file is the one source of truth: ``wavec build --format cloudformation`` reads it as text into the
function's inline ``ZipFile`` (so it imports only the standard library and boto3, which the Lambda Python
runtime provides), and the tests import it as a module. The rule numbers are those of ``docs/codepipeline.md``.

What it does, for the pipeline named in its plan (the ``WAVEC_PLAN`` environment variable):

* ``rollback_all``: when a wave stage whose gate says ``rollback_all`` fails, every earlier wave stage is rolled
  back, newest first, each to its last successful execution before the failed one (``RollbackStage``, the target
  found with ``ListPipelineExecutions`` ``succeededInStage``: rules 44, 45, 49), waiting for each rollback to end
  before the next;
* sandbox teardown: when a stage with an ``environment`` fails, its ``destroy`` command runs in a CodeBuild
  project with the artifacts the stage's ``environment-create`` action read, unless the stage's own
  ``environment-destroy`` action already ran in that execution.

Three kinds of invocation, told apart by the event's shape:

1. an EventBridge "CodePipeline Stage Execution State Change" event with state ``FAILED`` (rules 59–61):
   :func:`dispatch` starts one Step Functions execution named after the pipeline execution id, the stage and
   the attempt. Events arrive at least once, or not at all (rule 62); a duplicate gets the same name, and Step
   Functions refuses a second execution of a name (``ExecutionAlreadyExists``), so it starts nothing;
2. an EventBridge scheduled event: :func:`sweep` reconciles with ``GetPipelineState`` (rule 62) and dispatches
   every failure of a planned stage that no execution of the state machine compensates yet (a lost event);
3. a state-machine task ``{"task": …}``: :func:`step` does one unit of work and returns at once; the state
   machine waits and calls it again until it says ``done``. No state is kept here: every step reads the
   pipeline's own history (the latest execution of each stage, rollback targets), so a step repeated after a
   crash or a duplicate does nothing twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Iterator
from typing import Any

LOG = logging.getLogger("wavec.compensator")
LOG.setLevel(logging.INFO)

STAGE_EVENT = "CodePipeline Stage Execution State Change"
SCHEDULED_EVENT = "Scheduled Event"
WAIT_SECONDS = 60  # between steps: rollbacks and teardown builds take minutes
BUSY = ("InProgress", "Stopping")
KEY_VARIABLE = "WAVEC_TEARDOWN_KEY"  # marks the teardown build of one failure, so it is started once
_FAILED_ID = re.compile(r"FailedPipelineExecutionId\W+([0-9a-fA-F-]{36})")

Client = Any  # a boto3 client; this module runs where only boto3 is installed, without its type stubs
Json = dict[str, Any]


def handler(event: Json, context: object = None, clients: dict[str, Client] | None = None) -> Json:
    """The Lambda entry point; ``clients`` (``codepipeline``, ``stepfunctions``, ``codebuild``) are for tests."""
    logging.basicConfig(level=logging.INFO)
    plan: Json = json.loads(os.environ["WAVEC_PLAN"])
    given = clients or {}

    def client(name: str) -> Client:
        if name not in given:
            import boto3  # the runtime's; imported here so that the tests need not have it configured

            given[name] = boto3.client(name)
        return given[name]

    if "task" in event:
        return step(plan, event["task"], client("codepipeline"), client("codebuild"))
    machine = os.environ["WAVEC_STATE_MACHINE"]
    if event.get("detail-type") == STAGE_EVENT:
        return dispatch(plan, event.get("detail", {}), client("stepfunctions"), machine)
    if event.get("detail-type") == SCHEDULED_EVENT:
        return sweep(plan, client("codepipeline"), client("stepfunctions"), machine)
    LOG.warning("ignored an event of an unknown kind: %s", json.dumps(event, sort_keys=True, default=str)[:500])
    return {"ignored": True}


# ----------------------------------------------------------------------------------------- dispatch


def kind_of(plan: Json, stage: str) -> str | None:
    """``rollback_all``, ``teardown`` or ``None``: what a failure of ``stage`` asks for."""
    if stage in plan.get("rollbackAll", {}):
        return "rollback_all"
    if stage in plan.get("teardown", {}):
        return "teardown"
    return None


def execution_name(execution_id: str, stage: str, attempt: str) -> str:
    """The state machine execution's name: the deduplication key of rule 62 (execution id, stage, attempt).

    Step Functions names are at most 80 characters of ``[A-Za-z0-9_-]``; a stage name may be 100 characters of a
    wider set, so it is hashed.
    """
    digest = hashlib.sha256(stage.encode()).hexdigest()[:12]
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", f"{execution_id}-{digest}-a{attempt}")
    return safe[:80]


def name_prefix(execution_id: str, stage: str) -> str:
    """The part of :func:`execution_name` shared by every attempt."""
    return execution_name(execution_id, stage, "").rsplit("-a", 1)[0] + "-a"


def dispatch(plan: Json, detail: Json, sfn: Client, machine: str) -> Json:
    """Start the compensation of one failed stage, once per (execution id, stage, attempt)."""
    pipeline, stage, state = detail.get("pipeline"), str(detail.get("stage", "")), detail.get("state")
    kind = kind_of(plan, stage)
    if pipeline != plan["pipeline"] or state != "FAILED" or kind is None:
        LOG.info("ignored: pipeline %s stage %s state %s is not planned", pipeline, stage, state)
        return {"ignored": True}
    execution_id = str(detail["execution-id"])
    attempt = str(detail.get("pipeline-execution-attempt", 1))
    return _start(sfn, machine, kind, plan["pipeline"], stage, execution_id, attempt)


def _start(sfn: Client, machine: str, kind: str, pipeline: str, stage: str, execution_id: str, attempt: str) -> Json:
    task = {"kind": kind, "pipeline": pipeline, "stage": stage, "executionId": execution_id, "attempt": attempt}
    name = execution_name(execution_id, stage, attempt)
    try:
        started = sfn.start_execution(stateMachineArn=machine, name=name,
                                      input=json.dumps({"task": task}, sort_keys=True))
    except sfn.exceptions.ExecutionAlreadyExists:
        LOG.info("duplicate: %s of stage %s for execution %s attempt %s was already started (%s)",
                 kind, stage, execution_id, attempt, name)
        return {"started": False, "duplicate": True, "name": name}
    LOG.info("started %s of stage %s for execution %s attempt %s: %s", kind, stage, execution_id, attempt,
             started["executionArn"])
    return {"started": True, "name": name, "executionArn": started["executionArn"]}


def sweep(plan: Json, cp: Client, sfn: Client, machine: str) -> Json:
    """Reconcile with ``GetPipelineState``: dispatch the failures of planned stages that nothing compensates."""
    pipeline = plan["pipeline"]
    known = {e["name"] for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine)
             for e in page["executions"]}
    started: list[str] = []
    for state in cp.get_pipeline_state(name=pipeline).get("stageStates", []):
        stage = state["stageName"]
        kind, latest = kind_of(plan, stage), state.get("latestExecution") or {}
        if kind is None or not latest:
            continue
        failed: str | None = None
        if latest.get("type", "STANDARD") == "STANDARD" and latest.get("status") == "Failed":
            failed = latest["pipelineExecutionId"]
        elif kind == "rollback_all" and latest.get("type") == "ROLLBACK":
            # The stage's own onFailure rollback replaced the failed execution as its latest (rule 47).
            trigger = cp.get_pipeline_execution(pipelineName=pipeline, pipelineExecutionId=latest[
                "pipelineExecutionId"])["pipelineExecution"].get("trigger", {})
            if trigger.get("triggerType") == "AutomatedRollback":
                found = _FAILED_ID.search(str(trigger.get("triggerDetail", "")))
                failed = found.group(1) if found else None
        if failed is None or any(n.startswith(name_prefix(failed, stage)) for n in known):
            continue
        retry = state.get("retryStageMetadata") or {}
        attempt = str(1 + int(retry.get("autoStageRetryAttempt", 0)) + int(retry.get("manualStageRetryAttempt", 0)))
        LOG.info("sweep: stage %s failed in execution %s and no compensation ran (a lost event)", stage, failed)
        if _start(sfn, machine, kind, pipeline, stage, failed, attempt).get("started"):
            started.append(stage)
    return {"swept": True, "started": started}


# ----------------------------------------------------------------------------------------- steps


def step(plan: Json, task: Json, cp: Client, cb: Client) -> Json:
    """One unit of compensation; ``done`` says whether the state machine may stop, ``ok`` how it ended."""
    rollback = task["kind"] == "rollback_all"
    result = rollback_step(plan, task, cp) if rollback else teardown_step(plan, task, cp, cb)
    return {"task": task, "wait": WAIT_SECONDS, **result}


def _executions(cp: Client, pipeline: str, stage: str | None = None) -> Iterator[Json]:
    """Execution summaries, newest first; only those that succeeded in ``stage`` (current version) if given."""
    args: Json = {"pipelineName": pipeline}
    if stage is not None:
        args["filter"] = {"succeededInStage": {"stageName": stage}}
    while True:
        page = cp.list_pipeline_executions(**args)
        yield from page.get("pipelineExecutionSummaries", [])
        if not page.get("nextToken"):
            return
        args["nextToken"] = page["nextToken"]


def _summaries(cp: Client, pipeline: str, wanted: set[str]) -> dict[str, Json]:
    """The summaries of the executions ``wanted``, reading the history only as far as needed."""
    found: dict[str, Json] = {}
    if not wanted:
        return found
    for summary in _executions(cp, pipeline):
        if summary["pipelineExecutionId"] in wanted:
            found[summary["pipelineExecutionId"]] = summary
            if len(found) == len(wanted):
                break
    return found


def _target(cp: Client, pipeline: str, stage: str, failed: Json) -> str | None:
    """The newest execution before ``failed`` that succeeded in ``stage``: the rollback target (rules 45, 46, 49).

    A rollback execution cannot be a target (rule 46), nor can the failed execution itself, which deployed the
    change being undone; ``succeededInStage`` lists only executions of the current pipeline version (rule 49).
    """
    for summary in _executions(cp, pipeline, stage):
        if summary.get("executionType", "STANDARD") == "ROLLBACK":
            continue
        if summary["pipelineExecutionId"] == failed["pipelineExecutionId"]:
            continue
        if summary["startTime"] < failed["startTime"]:
            return str(summary["pipelineExecutionId"])
    return None


def rollback_step(plan: Json, task: Json, cp: Client) -> Json:
    """Walk the earlier wave stages newest first; start the first rollback that is due, or wait for one.

    A stage needs no rollback when what it runs now is older than the failed execution: its latest execution is
    a rollback to an older target (done, by this compensator or anyone), or the failed execution never deployed
    there. Otherwise it is rolled back to its last success before the failed execution, and the step returns so
    that the state machine waits for that rollback before the next, older stage.
    """
    pipeline, execution_id = task["pipeline"], task["executionId"]
    earlier: list[str] = plan["rollbackAll"][task["stage"]]
    states = {s["stageName"]: s for s in cp.get_pipeline_state(name=pipeline).get("stageStates", [])}
    latest = {name: (states.get(name, {}).get("latestExecution") or {}) for name in earlier}
    summaries = _summaries(cp, pipeline, {execution_id} | {x["pipelineExecutionId"] for x in latest.values() if x})
    targets = {s.get("rollbackMetadata", {}).get("rollbackTargetPipelineExecutionId")
               for s in summaries.values() if s.get("executionType") == "ROLLBACK"}
    summaries.update(_summaries(cp, pipeline, {t for t in targets if t and t not in summaries}))
    failed = summaries.get(execution_id)
    if failed is None:
        LOG.error("execution %s of pipeline %s is not in its history: nothing rolled back", execution_id, pipeline)
        return {"done": True, "ok": False, "outcomes": [{"stage": s, "outcome": "unknown-execution"} for s in earlier]}
    outcomes: list[Json] = []
    for stage in earlier:
        now = latest[stage]
        if not now:
            outcomes.append({"stage": stage, "outcome": "never-ran"})
            continue
        if now.get("status") in BUSY:
            LOG.info("stage %s: execution %s is %s; waiting before rolling back older stages", stage,
                     now["pipelineExecutionId"], now["status"])
            return {"done": False, "waiting": stage, "outcomes": outcomes}
        running = summaries.get(now["pipelineExecutionId"], {})
        if now.get("type") == "ROLLBACK":
            target_id = running.get("rollbackMetadata", {}).get("rollbackTargetPipelineExecutionId")
            running = summaries.get(target_id or "", {})
        if running and running["startTime"] < failed["startTime"]:
            rolled = now.get("type") == "ROLLBACK"
            ok = not rolled or now.get("status") == "Succeeded"
            if not ok:
                LOG.error("stage %s: rollback %s ended %s", stage, now["pipelineExecutionId"], now.get("status"))
            outcomes.append({"stage": stage, "outcome": ("rolled-back" if ok else "rollback-failed") if rolled
                             else "not-deployed", "execution": now["pipelineExecutionId"]})
            continue
        target = _target(cp, pipeline, stage, failed)
        if target is None:
            LOG.warning("stage %s: no successful execution before %s to roll back to (rule 45): left as it is",
                        stage, execution_id)
            outcomes.append({"stage": stage, "outcome": "no-target"})
            continue
        try:
            started = cp.rollback_stage(pipelineName=pipeline, stageName=stage, targetPipelineExecutionId=target)
        except (cp.exceptions.UnableToRollbackStageException, cp.exceptions.PipelineExecutionOutdatedException,
                cp.exceptions.ConflictException) as exc:
            # Rule 46: the service refuses (a stage running, a target of another pipeline version, …).
            LOG.error("stage %s: RollbackStage to %s refused: %s", stage, target, exc)
            outcomes.append({"stage": stage, "outcome": "refused", "target": target, "reason": str(exc)})
            continue
        LOG.info("stage %s: rolling back to %s (rollback execution %s)", stage, target, started["pipelineExecutionId"])
        return {"done": False, "waiting": stage, "rollback": started["pipelineExecutionId"], "outcomes": outcomes}
    ok = all(o["outcome"] in ("rolled-back", "not-deployed", "never-ran") for o in outcomes)
    LOG.info("rollback_all after %s of stage %s: %s", execution_id, task["stage"],
             ", ".join(f"{o['stage']} {o['outcome']}" for o in outcomes) or "no earlier wave")
    return {"done": True, "ok": ok, "outcomes": outcomes}


def teardown_step(plan: Json, task: Json, cp: Client, cb: Client) -> Json:
    """Run the stage's ``destroy`` once the stage is idle, unless it ran or there is no sandbox to destroy."""
    spec: Json = plan["teardown"][task["stage"]]
    pipeline, stage, execution_id = task["pipeline"], task["stage"], task["executionId"]
    actions: list[Json] = []
    args: Json = {"pipelineName": pipeline, "filter": {"pipelineExecutionId": execution_id}}
    while True:
        page = cp.list_action_executions(**args)
        actions += [a for a in page.get("actionExecutionDetails", []) if a.get("stageName") == stage]
        if not page.get("nextToken"):
            break
        args["nextToken"] = page["nextToken"]
    by_name = {a["actionName"]: a for a in actions}
    if spec["destroyAction"] in by_name:
        LOG.info("stage %s: the pipeline's own %s ran in %s; nothing to do", stage, spec["destroyAction"], execution_id)
        return {"done": True, "ok": True, "outcome": "destroyed-by-pipeline"}
    create = by_name.get(spec["createAction"])
    if create is None:
        LOG.info("stage %s: %s did not run in %s; no sandbox to destroy", stage, spec["createAction"], execution_id)
        return {"done": True, "ok": True, "outcome": "no-sandbox"}
    if any(a.get("status") == "InProgress" for a in actions):
        return {"done": False, "outcome": "stage-busy"}  # as `wavec run`: destroy once the stage is idle
    key = f"{execution_id}:{task['attempt']}:{stage}"
    build = _teardown_build(cb, spec["project"], key)
    if build is None:
        build = _start_teardown(cp, cb, spec["project"], pipeline, execution_id, key, create)
        LOG.info("stage %s: destroying the sandbox of %s in build %s", stage, execution_id, build["id"])
    status = build.get("buildStatus", "IN_PROGRESS")
    if status == "IN_PROGRESS":
        return {"done": False, "outcome": "destroying", "build": build["id"]}
    ok = status == "SUCCEEDED"
    (LOG.info if ok else LOG.error)("stage %s: teardown build %s ended %s", stage, build["id"], status)
    return {"done": True, "ok": ok, "outcome": "destroyed" if ok else "destroy-failed", "build": build["id"]}


def _teardown_build(cb: Client, project: str, key: str) -> Json | None:
    """The teardown build already started for ``key`` (its environment says so), if any (the newest 100)."""
    ids = cb.list_builds_for_project(projectName=project, sortOrder="DESCENDING").get("ids", [])[:100]
    for build in cb.batch_get_builds(ids=ids).get("builds", []) if ids else []:
        variables = build.get("environment", {}).get("environmentVariables", [])
        if any(v.get("name") == KEY_VARIABLE and v.get("value") == key for v in variables):
            return dict(build)
    return None


def _start_teardown(cp: Client, cb: Client, project: str, pipeline: str, execution_id: str, key: str,
                    create: Json) -> Json:
    """Start the project's build with the artifacts ``environment-create`` read (the primary first)."""
    artifacts = [a for a in create.get("input", {}).get("inputArtifacts", []) if a.get("s3location")]
    execution = cp.get_pipeline_execution(pipelineName=pipeline, pipelineExecutionId=execution_id)["pipelineExecution"]
    revisions = execution.get("artifactRevisions") or [{}]
    spec = cb.batch_get_projects(names=[project])["projects"][0]["source"].get("buildspec", "")
    variables = [{"name": KEY_VARIABLE, "value": key, "type": "PLAINTEXT"},
                 {"name": "WAVE_EXECUTION", "value": execution_id, "type": "PLAINTEXT"},
                 {"name": "WAVE_COMMIT", "value": str(revisions[0].get("revisionId", "")), "type": "PLAINTEXT"}]
    args: Json = {"projectName": project, "environmentVariablesOverride": variables, "buildspecOverride": spec,
                  "idempotencyToken": hashlib.sha256(key.encode()).hexdigest()[:64]}
    if artifacts:
        first, *rest = artifacts
        args["sourceTypeOverride"] = "S3"
        args["sourceLocationOverride"] = f"{first['s3location']['bucket']}/{first['s3location']['key']}"
        args["secondarySourcesOverride"] = [
            {"type": "S3", "location": f"{a['s3location']['bucket']}/{a['s3location']['key']}",
             "sourceIdentifier": re.sub(r"[^A-Za-z0-9_]", "_", a["name"])} for a in rest]
    return dict(cb.start_build(**args)["build"])
