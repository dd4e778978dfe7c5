"""CodeBuild projects of the CloudFormation output: what a build of one runs (its buildspec's build commands).

wavec's output creates projects for steps with an ``image`` and for sandbox teardown; their buildspecs are JSON
(which is YAML) with ``phases.build.commands``. The emulator runs those commands here, as it runs a Commands
action's; the image is not pulled (the commands run on this machine, like every emulated command). A project
whose buildspec is not such plain JSON is left out: an action naming it needs a stand-in.
"""

from __future__ import annotations

import json
from typing import Any

from ..records import record


@record
class Project:
    """A project's build commands and environment variables."""

    commands: tuple[str, ...]
    variables: dict[str, str]


def projects_from_template(template: Any) -> dict[str, Project]:
    """The template's projects with a plain buildspec, by name (``Name``, else the logical id ``Ref`` gives)."""
    resources = template.get("Resources") if isinstance(template, dict) else None
    found: dict[str, Project] = {}
    for rid, resource in sorted((resources or {}).items()):
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::CodeBuild::Project":
            continue
        props = resource.get("Properties") or {}
        try:
            spec = json.loads((props.get("Source") or {}).get("BuildSpec", ""))
            commands = tuple(str(c) for c in spec["phases"]["build"]["commands"])
        except (ValueError, KeyError, TypeError):
            continue
        variables = {str(v["Name"]): str(v["Value"]) for v in (props.get("Environment") or {}).get(
            "EnvironmentVariables", []) if isinstance(v, dict) and isinstance(v.get("Value"), str)}
        found[str(props.get("Name") or rid)] = Project(commands, variables)
    return found
