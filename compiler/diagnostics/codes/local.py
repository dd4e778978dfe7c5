"""Codes of the local target (``wavec build --target local`` and ``wavec run``): WV950–WV999."""

from __future__ import annotations

from ..model import Severity
from . import Code, collect, maker

W = Severity.WARNING


_c = maker("local", W)


NO_LOCAL_DEPLOY = _c(
    "WV950", "wave has no local deploy",
    "Reports a wave whose deploy profile has no `local { run, rollback }` block, so `wavec run` has no "
    "command to deploy its targets with.",
    "The local runner rehearses a rollout with your own scripts; without them the wave's targets are "
    "marked deployed without running anything, and a rollback does nothing either.",
    "deploy {\n  cloudformation { stack = \"shop\"  template = \"build::shop.yaml\" }\n}",
    "deploy {\n  cloudformation { stack = \"shop\"  template = \"build::shop.yaml\" }\n"
    "  local { run = \"./deploy.sh ${region}\"  rollback = \"./rollback.sh ${region}\" }\n}", context="pipeline")
CODEBUILD_PROJECT_STEP = _c(
    "WV951", "step runs a CodeBuild project",
    "Reports a step that only names a CodeBuild `project` (no `run`): the local runner cannot run it.",
    "A CodeBuild project's commands live in AWS, not in the `.wave` file, so a rehearsal skips the step "
    "and what it would have checked goes unchecked.",
    "stage test {\n  step unit { project = \"shop-unit-tests\" }\n}",
    "stage test {\n  step unit { run = \"make test\" }   # the commands, in the file\n}", context="pipeline")
WINDOW_NOT_EVALUABLE_LOCALLY = _c(
    "WV952", "window cannot be evaluated locally",
    "Reports a window whose `cron` uses a feature the local runner does not evaluate (`W`, `LW`, `L-N`).",
    "`wavec run` must know when a window is open; a wave behind such a window can never start locally.",
    "window payday { cron = \"* * 9-16 15W * ? *\" }\nwave eu { regions = [\"eu-west-1\"]  windows = [payday] }",
    "window payday { cron = \"* * 9-16 14-16 * ? *\" }\nwave eu { regions = [\"eu-west-1\"]"
    "  windows = [payday] }", context="pipeline")

CODES: tuple[Code, ...] = collect(globals())
