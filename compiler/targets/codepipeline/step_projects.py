"""Steps with an ``image``: a CodeBuild project of the output runs them on that image.

A Commands action runs on CodePipeline's managed image and takes no image (CodePipeline User Guide, Commands
action reference); a CodeBuild action runs on its project's. So a step that says ``image`` (and names no
``project`` of its own) compiles to a CodeBuild action whose project the CloudFormation output creates: the
step's commands (with its ``retries`` and ``timeout``, :func:`.attempts.attempts`) as the buildspec, its
``outputs`` as the buildspec's artifacts, the image as the build environment's. The project is named in advance
(:func:`project_name`), so the ``CreatePipeline`` request names it too; like the bake machines, it exists once the
CloudFormation output is deployed.
"""

from __future__ import annotations

import json
import math
import re

from ...diagnostics import Sink
from ...records import record
from ...semantics import ir
from .attempts import attempts
from .context import JSON, Context, ordered
from .names import bounded, only

MAX_NAME = 150  # CodeBuild project names: 2–255 of [A-Za-z0-9-_]; kept short for the console
_PART = "step-image"


@record
class StepProject:
    """One step that runs on its own image."""

    name: str
    stage: str
    step: str
    image: str
    commands: tuple[str, ...]
    outputs: tuple[str, ...]
    timeout_minutes: int


def runs_on_image(step: ir.Step) -> bool:
    """Whether the step runs in a project of the output (it has an ``image`` and no ``project``)."""
    return step.image is not None and step.project is None


def project_name(pipeline: str, stage: str, step: str) -> str:
    """``wavec-<pipeline>-<stage>-<step>``, letters, digits, ``-`` and ``_``; shortened with a hash when long."""
    return bounded(only(f"wavec-{pipeline}-{stage}-{step}", "A-Za-z0-9_-"), MAX_NAME, f"{pipeline}/{stage}/{step}")


def plan(pipeline: ir.Pipeline) -> list[StepProject]:
    """The projects the output creates for ``pipeline``'s steps with an image (user stages in order)."""
    ctx = Context(pipeline, Sink())  # rendering only; the request's build reported every problem
    found = []
    for stage in ordered(pipeline.stages):
        for step in stage.steps:
            if not runs_on_image(step) or step.image is None:
                continue
            timeout = step.timeout.seconds if "timeout" in step.attr_spans else None
            commands = attempts([ctx.command(r, stage=stage.name, step=step.name) for r in step.run],
                                step.retries, timeout)
            # CodeBuild's own limit covers every attempt (5–2160 minutes); each attempt has its own `timeout`.
            minutes = 60 if timeout is None else math.ceil((1 + step.retries) * timeout / 60) + 5
            found.append(StepProject(project_name(pipeline.name, stage.name, step.name), stage.name, step.name,
                                     step.image, tuple(commands), tuple(step.outputs), max(5, min(minutes, 2160))))
    return found


def part(projects: list[StepProject], pipeline_id: str, role_arn: str) -> JSON:
    """The CloudFormation ``Parameters`` and ``Resources`` of the projects (empty when there are none)."""
    if not projects:
        return {}
    role = f"{pipeline_id}StepProjectRole"
    resources: dict[str, JSON] = {}
    for p in projects:
        spec: JSON = {"version": "0.2", "phases": {"build": {"commands": list(p.commands)}}}
        if p.outputs:
            spec["artifacts"] = {"files": list(p.outputs)}
        lid = f"{pipeline_id}Step" + "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+",
                                                                                     f"{p.stage} {p.step}") if w)
        resources[lid] = {"Type": "AWS::CodeBuild::Project", "Metadata": {"wavec": {"part": _PART}}, "Properties": {
            "Name": p.name,
            "Description": f"step {p.stage}.{p.step} on image {p.image} (wavec)",
            # The pipeline hands the action's input artifacts to the build and takes its artifacts back.
            "Source": {"Type": "CODEPIPELINE", "BuildSpec": json.dumps(spec, sort_keys=True)},
            "Artifacts": {"Type": "CODEPIPELINE"},
            "Environment": {"Type": "LINUX_CONTAINER", "ComputeType": "BUILD_GENERAL1_SMALL", "Image": p.image},
            "ServiceRole": {"Ref": role},
            "TimeoutInMinutes": p.timeout_minutes}}
    return {"Parameters": {role: {
        "Type": "String", "Default": role_arn,
        "Description": "the role the step builds run with (it must trust codebuild.amazonaws.com and may pull "
                       "the steps' images); by default the pipeline's"}}, "Resources": resources}
