"""The AWS calls a compensator function makes, answered from the emulated pipeline (no AWS, no moto).

:class:`CodePipelineApi` is the slice of CodePipeline a function of wavec's output calls — ``GetPipelineState``,
``ListPipelineExecutions`` (with ``succeededInStage``), ``GetPipelineExecution``, ``ListActionExecutions``,
``RollbackStage`` and the job answers — with the service's refusals for ``RollbackStage`` (rule 46).
:class:`StepFunctionsApi` records the executions ``StartExecution`` starts (a name used twice is refused, which
is how the compensator deduplicates events, rule 62); :class:`CodeBuildApi` runs a project's build commands on
this machine, as the emulator runs every command. What the emulated pipeline knows comes from a
:class:`Backend`: the engine.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Protocol

from ..records import field, record
from .functions import Jobs

JSON = dict[str, Any]


class Backend(Protocol):
    """What the emulated pipeline answers with (the engine)."""

    def stage_states(self) -> list[JSON]:
        """``GetPipelineState``'s ``stageStates``."""

    def execution_summaries(self) -> list[JSON]:
        """Every execution, newest first, as ``ListPipelineExecutions`` gives it (``startTime`` a datetime)."""

    def succeeded_in(self, stage: str) -> set[str]:
        """The executions that succeeded in ``stage``."""

    def action_executions(self, execution: str) -> list[JSON]:
        """``ListActionExecutions``' details of one execution."""

    def rollback_stage(self, stage: str, target: str) -> str:
        """Run a manual rollback of ``stage`` to ``target`` (it ends before this returns); its execution id."""

    def run_build(self, project: str, commands: list[str], variables: dict[str, str]) -> str:
        """Run a build's commands here; its status (``SUCCEEDED`` or ``FAILED``)."""

    def project_commands(self, project: str) -> list[str] | None:
        """The build commands of a CodeBuild project of the template, or ``None`` when there is none."""


class ServiceError(Exception):
    """An error the service would return."""


class _CodePipelineErrors:
    UnableToRollbackStageException = type("UnableToRollbackStageException", (ServiceError,), {})
    PipelineExecutionOutdatedException = type("PipelineExecutionOutdatedException", (ServiceError,), {})
    ConflictException = type("ConflictException", (ServiceError,), {})
    PipelineExecutionNotFoundException = type("PipelineExecutionNotFoundException", (ServiceError,), {})


class CodePipelineApi(Jobs):
    """CodePipeline as the emulated pipeline answers it."""

    exceptions = _CodePipelineErrors

    def __init__(self, pipeline: str, backend: Backend, source_stage: str | None) -> None:
        super().__init__(pipeline, backend.stage_states)
        self.backend = backend
        self.source_stage = source_stage

    def _check(self, name: str) -> None:
        if name != self.pipeline:
            raise ServiceError(f"PipelineNotFoundException: {name}")

    def list_pipeline_executions(self, pipelineName: str, filter: JSON | None = None,
                                 nextToken: str | None = None, **_: Any) -> JSON:
        """Every execution in one page, newest first (``succeededInStage`` keeps those that succeeded there)."""
        self._check(pipelineName)
        summaries = self.backend.execution_summaries()
        stage = ((filter or {}).get("succeededInStage") or {}).get("stageName")
        if stage is not None:
            ok = self.backend.succeeded_in(stage)
            summaries = [s for s in summaries if s["pipelineExecutionId"] in ok]
        return {"pipelineExecutionSummaries": summaries}

    def get_pipeline_execution(self, pipelineName: str, pipelineExecutionId: str) -> JSON:
        """One execution's details."""
        self._check(pipelineName)
        for summary in self.backend.execution_summaries():
            if summary["pipelineExecutionId"] == pipelineExecutionId:
                return {"pipelineExecution": {"pipelineName": pipelineName, **summary}}
        raise self.exceptions.PipelineExecutionNotFoundException(pipelineExecutionId)

    def list_action_executions(self, pipelineName: str, filter: JSON | None = None,
                               nextToken: str | None = None, **_: Any) -> JSON:
        """The actions of one execution (``filter.pipelineExecutionId``)."""
        self._check(pipelineName)
        execution = (filter or {}).get("pipelineExecutionId")
        return {"actionExecutionDetails": self.backend.action_executions(str(execution)) if execution else []}

    def rollback_stage(self, pipelineName: str, stageName: str, targetPipelineExecutionId: str) -> JSON:
        """Rule 46's refusals, else a rollback execution of the stage (emulated to its end before returning)."""
        self._check(pipelineName)
        if stageName == self.source_stage:
            raise self.exceptions.UnableToRollbackStageException("You cannot roll back a source stage.")
        states = {s["stageName"]: s.get("latestExecution") or {} for s in self.backend.stage_states()}
        if states.get(stageName, {}).get("status") in ("InProgress", "Stopping"):
            raise self.exceptions.ConflictException(f"stage {stageName} is currently running")
        target = next((s for s in self.backend.execution_summaries()
                       if s["pipelineExecutionId"] == targetPipelineExecutionId), None)
        if target is None or target.get("executionType") == "ROLLBACK" \
                or targetPipelineExecutionId not in self.backend.succeeded_in(stageName):
            raise self.exceptions.UnableToRollbackStageException(
                f"an incorrect target pipeline execution ID: {targetPipelineExecutionId}")
        return {"pipelineExecutionId": self.backend.rollback_stage(stageName, targetPipelineExecutionId)}


class _StepFunctionsErrors:
    ExecutionAlreadyExists = type("ExecutionAlreadyExists", (ServiceError,), {})


@record(frozen=False)
class Started:
    """An execution ``StartExecution`` started: its name and input."""

    arn: str
    name: str
    input: str


@record(frozen=False)
class StepFunctionsApi:
    """Step Functions as far as the compensator's function starts and lists its own machine's executions."""

    machine_arn: str
    started: list[Started] = field(default_factory=list)
    pending: list[Started] = field(default_factory=list)
    exceptions = _StepFunctionsErrors

    def start_execution(self, stateMachineArn: str, name: str, input: str) -> JSON:
        """Record an execution (the engine runs it); a name used before is refused, as the service refuses it."""
        if stateMachineArn != self.machine_arn:
            raise ServiceError(f"StateMachineDoesNotExist: {stateMachineArn}")
        if any(s.name == name for s in self.started):
            raise self.exceptions.ExecutionAlreadyExists(name)
        arn = f"{stateMachineArn.replace(':stateMachine:', ':execution:')}:{name}"
        run = Started(arn, name, input)
        self.started.append(run)
        self.pending.append(run)
        return {"executionArn": arn, "startDate": datetime.now()}

    def get_paginator(self, operation: str) -> _Pages:
        """``list_executions`` pages (one page)."""
        if operation != "list_executions":
            raise ServiceError(f"operation {operation} is not emulated")
        return _Pages([{"executions": [{"name": s.name, "executionArn": s.arn} for s in self.started]}])


@record(frozen=False)
class _Pages:
    pages: list[JSON]

    def paginate(self, **_: Any) -> list[JSON]:
        return self.pages


@record(frozen=False)
class CodeBuildApi:
    """CodeBuild: a project's build runs its commands here, at once, to its end."""

    backend: Backend
    builds: list[JSON] = field(default_factory=list)

    def batch_get_projects(self, names: list[str]) -> JSON:
        """The projects' buildspec (as the compensator reads it back)."""
        found = []
        for name in names:
            if self.backend.project_commands(name) is None:
                raise ServiceError(f"ResourceNotFoundException: project {name}")
            found.append({"name": name, "source": {"buildspec": ""}})
        return {"projects": found}

    def list_builds_for_project(self, projectName: str, sortOrder: str = "DESCENDING") -> JSON:
        """Build ids of the project, newest first."""
        return {"ids": [b["id"] for b in reversed(self.builds) if b["projectName"] == projectName]}

    def batch_get_builds(self, ids: list[str]) -> JSON:
        """The builds."""
        return {"builds": [b for b in self.builds if b["id"] in ids]}

    def start_build(self, projectName: str, environmentVariablesOverride: list[JSON] | None = None,
                    **_: Any) -> JSON:
        """Run the project's commands with the overridden variables; the build, ended."""
        commands = self.backend.project_commands(projectName)
        if commands is None:
            raise ServiceError(f"ResourceNotFoundException: project {projectName}")
        variables = {v["name"]: v["value"] for v in environmentVariablesOverride or []}
        status = self.backend.run_build(projectName, commands, variables)
        build = {"id": f"{projectName}:{uuid.uuid4()}", "projectName": projectName, "buildStatus": status,
                 "environment": {"environmentVariables": [{"name": k, "value": v, "type": "PLAINTEXT"}
                                                          for k, v in variables.items()]}}
        self.builds.append(build)
        return {"build": build}
