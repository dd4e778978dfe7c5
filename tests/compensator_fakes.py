"""Thin fakes of the CodePipeline and CodeBuild calls moto 5.2 does not serve, for the compensator's tests.

moto's CodePipeline has no ``GetPipelineState``, ``RollbackStage`` or ``ListActionExecutions``, ignores the
``succeededInStage`` filter and gives no ``executionType``; its CodeBuild keeps no environment variables of a
build. These fakes hold a pipeline's history as the semantics describe it (rules 44–49 of docs/codepipeline.md),
record every call, and check every call's parameters against botocore's own model, so a misspelt parameter
fails here as it would against the service.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import botocore.session
from botocore.validate import ParamValidator

_SESSION = botocore.session.get_session()
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def _validate(service: str, operation: str, params: dict[str, Any]) -> None:
    model = _SESSION.get_service_model(service).operation_model(operation)
    report = ParamValidator().validate(params, model.input_shape)
    assert not report.has_errors(), report.generate_report()


class UnableToRollbackStageException(Exception):
    pass


class PipelineExecutionOutdatedException(Exception):
    pass


class ConflictException(Exception):
    pass


@dataclass
class Execution:
    id: str
    start: datetime
    type: str = "STANDARD"
    status: str = "InProgress"
    target: str | None = None  # of a rollback
    stage: str | None = None  # of a rollback
    succeeded: list[str] = field(default_factory=list)


class FakeCodePipeline:
    """One pipeline's executions; a page of ``ListPipelineExecutions`` holds two, to exercise paging."""

    exceptions = SimpleNamespace(UnableToRollbackStageException=UnableToRollbackStageException,
                                 PipelineExecutionOutdatedException=PipelineExecutionOutdatedException,
                                 ConflictException=ConflictException)

    def __init__(self, pipeline: str, stages: list[str]) -> None:
        self.pipeline, self.stages = pipeline, stages
        self.executions: list[Execution] = []
        self.latest: dict[str, tuple[str, str]] = {}  # stage → (execution id, status)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.actions: dict[str, list[dict[str, Any]]] = {}  # execution id → ListActionExecutions details
        self.crash_after_rollback = False
        self.seen_at_rollback: list[list[tuple[str, str]]] = []  # (stage, status) of earlier rollbacks, per call
        self._ids = (f"{n:08d}-0000-4000-8000-000000000000" for n in itertools.count(1))
        self.now = T0

    # --- building a history ------------------------------------------------------------------------------
    def run(self, succeeded: list[str], failed: str | None = None, status: str | None = None) -> str:
        """An execution that succeeded in ``succeeded`` (in order) and failed in ``failed``."""
        self.now += timedelta(minutes=10)
        e = Execution(next(self._ids), self.now, succeeded=list(succeeded))
        e.status = status or ("Failed" if failed else "Succeeded")
        self.executions.append(e)
        for stage in succeeded:
            self.latest[stage] = (e.id, "Succeeded")
        if failed:
            self.latest[failed] = (e.id, "Failed")
        return e.id

    def tick(self) -> None:
        """Time passes (the state machine's Wait): running rollbacks end well."""
        self.now += timedelta(minutes=5)
        for e in self.executions:
            if e.type == "ROLLBACK" and e.status == "InProgress":
                e.status = "Succeeded"
                self.latest[e.stage or ""] = (e.id, "Succeeded")

    def by_id(self, execution_id: str) -> Execution:
        return next(e for e in self.executions if e.id == execution_id)

    def rollbacks(self) -> list[tuple[str, str]]:
        """(stage, target) of every RollbackStage call, in call order."""
        return [(c["stageName"], c["targetPipelineExecutionId"]) for op, c in self.calls if op == "RollbackStage"]

    # --- the API -----------------------------------------------------------------------------------------
    def _call(self, operation: str, params: dict[str, Any]) -> None:
        _validate("codepipeline", operation, params)
        assert params.get("pipelineName", params.get("name")) == self.pipeline
        self.calls.append((operation, params))

    def get_pipeline_state(self, **params: Any) -> dict[str, Any]:
        self._call("GetPipelineState", params)
        states = []
        for stage in self.stages:
            state: dict[str, Any] = {"stageName": stage}
            if stage in self.latest:
                eid, status = self.latest[stage]
                state["latestExecution"] = {"pipelineExecutionId": eid, "status": status,
                                            "type": self.by_id(eid).type}
            states.append(state)
        return {"pipelineName": self.pipeline, "stageStates": states}

    def list_pipeline_executions(self, **params: Any) -> dict[str, Any]:
        self._call("ListPipelineExecutions", params)
        stage = params.get("filter", {}).get("succeededInStage", {}).get("stageName")
        found = [e for e in reversed(self.executions)
                 if stage is None or (stage in e.succeeded or (e.stage == stage and e.status == "Succeeded"))]
        start = int(params.get("nextToken", "0"))
        page = found[start:start + 2]
        out: dict[str, Any] = {"pipelineExecutionSummaries": [self._summary(e) for e in page]}
        if start + 2 < len(found):
            out["nextToken"] = str(start + 2)
        return out

    def _summary(self, e: Execution) -> dict[str, Any]:
        s: dict[str, Any] = {"pipelineExecutionId": e.id, "status": e.status, "startTime": e.start,
                             "executionType": e.type}
        if e.target:
            s["rollbackMetadata"] = {"rollbackTargetPipelineExecutionId": e.target}
        return s

    def get_pipeline_execution(self, **params: Any) -> dict[str, Any]:
        self._call("GetPipelineExecution", params)
        e = self.by_id(params["pipelineExecutionId"])
        out: dict[str, Any] = {"pipelineExecutionId": e.id, "status": e.status, "executionType": e.type,
                               "artifactRevisions": [{"name": "source", "revisionId": "abc123"}]}
        if e.type == "ROLLBACK":
            out["trigger"] = {"triggerType": "AutomatedRollback",
                              "triggerDetail": '{"FailedPipelineExecutionId":"%s"}' % (e.target or "")}
        return {"pipelineExecution": out}

    def rollback_stage(self, **params: Any) -> dict[str, Any]:
        self._call("RollbackStage", params)
        stage, target = params["stageName"], params["targetPipelineExecutionId"]
        if self.latest.get(stage, ("", ""))[1] in ("InProgress", "Stopping"):
            raise UnableToRollbackStageException("the stage is currently running")
        self.seen_at_rollback.append([(e.stage or "", e.status) for e in self.executions if e.type == "ROLLBACK"])
        self.now += timedelta(seconds=1)
        e = Execution(next(self._ids), self.now, type="ROLLBACK", target=target, stage=stage)
        self.executions.append(e)
        self.latest[stage] = (e.id, "InProgress")
        if self.crash_after_rollback:  # the function dies before it can return (lost response)
            self.crash_after_rollback = False
            raise RuntimeError("Lambda timed out")
        return {"pipelineExecutionId": e.id}

    def list_action_executions(self, **params: Any) -> dict[str, Any]:
        self._call("ListActionExecutions", params)
        return {"actionExecutionDetails": self.actions.get(params["filter"]["pipelineExecutionId"], [])}


class FakeCodeBuild:
    """Builds that keep their environment variables (moto's do not); each ends SUCCEEDED when read twice."""

    def __init__(self, buildspec: str) -> None:
        self.buildspec = buildspec
        self.builds: list[dict[str, Any]] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._reads: dict[str, int] = {}

    def _call(self, operation: str, params: dict[str, Any]) -> None:
        _validate("codebuild", operation, params)
        self.calls.append((operation, params))

    def started(self) -> list[dict[str, Any]]:
        return [c for op, c in self.calls if op == "StartBuild"]

    def list_builds_for_project(self, **params: Any) -> dict[str, Any]:
        self._call("ListBuildsForProject", params)
        return {"ids": [b["id"] for b in reversed(self.builds)]}

    def batch_get_builds(self, **params: Any) -> dict[str, Any]:
        self._call("BatchGetBuilds", params)
        out = []
        for b in self.builds:
            if b["id"] in params["ids"]:
                self._reads[b["id"]] = self._reads.get(b["id"], 0) + 1
                if self._reads[b["id"]] >= 2:
                    b["buildStatus"] = "SUCCEEDED"
                out.append(dict(b))
        return {"builds": out}

    def batch_get_projects(self, **params: Any) -> dict[str, Any]:
        self._call("BatchGetProjects", params)
        return {"projects": [{"name": n, "source": {"type": "NO_SOURCE", "buildspec": self.buildspec}}
                             for n in params["names"]]}

    def start_build(self, **params: Any) -> dict[str, Any]:
        self._call("StartBuild", params)
        build = {"id": f"{params['projectName']}:{len(self.builds) + 1}", "buildStatus": "IN_PROGRESS",
                 "environment": {"environmentVariables": params.get("environmentVariablesOverride", [])}}
        self.builds.append(build)
        return {"build": dict(build)}
