"""wavec's rollback guard: the code of the Lambda function that tells a wave's actions whether they run in a rollback.

This file is the one source of truth: ``wavec build --format cloudformation`` reads it as text into the
function's inline ``ZipFile`` (so it imports only the standard library and boto3, which the Lambda Python
runtime provides), the emulator runs that text from the template, and the tests import it as a module. Rule
numbers are those of ``docs/codepipeline.md``.

Why it exists: a rollback re-runs the stage's actions with the artefacts of the execution rolled back to
(rules 44, 47), and a wave's stage holds its bake and blocker readings as Step Functions actions. Re-run in the
rollback, they read the very alarms whose breach caused it — still in ALARM — and fail, so the rollback fails
and the wave stays on the bad change. ``wavec run`` rolls back with the rollback commands alone. So each wave
stage starts with this action (runOrder 1, a CodePipeline ``Lambda`` invoke action, rule 64): it reads the
stage's latest execution with ``GetPipelineState`` — during a rollback that is the rollback execution, type
``ROLLBACK`` and in progress (rules 47, 49; one execution holds a stage at a time, rule 7) — and answers with the
output variable ``rollback`` = ``"true"`` or ``"false"``, which the stage's Step Functions inputs carry; the
bake machine succeeds at once when it is ``"true"``.

Its answer goes back with ``PutJobSuccessResult`` (or ``PutJobFailureResult`` when the state cannot be read:
then the stage fails rather than baking blind), as a Lambda action must (rule 64).
"""

from __future__ import annotations

import json
import logging
from typing import Any

import boto3  # the Lambda runtime's (and the emulator's, which hands the handler its own clients)

LOG = logging.getLogger("wavec.guard")
LOG.setLevel(logging.INFO)

Client = Any  # a boto3 client; this module runs where only boto3 is installed, without its type stubs
Json = dict[str, Any]
MAX_MESSAGE = 5000  # FailureDetails.message: 1–5000 characters


def in_rollback(cp: Client, pipeline: str, stage: str) -> bool:
    """Whether ``stage`` of ``pipeline`` is being run by a rollback execution now."""
    for state in cp.get_pipeline_state(name=pipeline).get("stageStates", []):
        if state.get("stageName") == stage:
            latest = state.get("latestExecution") or {}
            return latest.get("type") == "ROLLBACK" and latest.get("status") == "InProgress"
    raise LookupError(f"pipeline {pipeline} has no stage {stage}")


def handler(event: Json, context: object = None, clients: dict[str, Client] | None = None) -> Json:
    """The Lambda entry point of a CodePipeline ``Lambda`` action; ``clients`` (``codepipeline``) are for tests."""
    cp = (clients or {}).get("codepipeline") or boto3.client("codepipeline")
    job = event["CodePipeline.job"]
    try:
        params = json.loads(job["data"]["actionConfiguration"]["configuration"]["UserParameters"])
        rollback = in_rollback(cp, str(params["pipeline"]), str(params["stage"]))
    except Exception as exc:
        LOG.error("job %s: cannot tell whether this is a rollback: %s", job.get("id"), exc)
        cp.put_job_failure_result(jobId=job["id"], failureDetails={
            "type": "JobFailed", "message": f"wavec rollback guard: {exc}"[:MAX_MESSAGE]})
        return {"ok": False}
    answer = "true" if rollback else "false"
    LOG.info("job %s: stage %s, rollback = %s", job["id"], params["stage"], answer)
    cp.put_job_success_result(jobId=job["id"], outputVariables={"rollback": answer})
    return {"ok": True, "rollback": answer}
