"""A scenario (``docs/scenarios.md``) mapped onto the local plan: what ``wavec run FILE --scenario F`` honours.

The runner honours the entries the two rehearsals share: alarm changes (at an instant, after the start, or at
a bake minute of a wave — counted from the start of that wave's bake), failing deploys (by region and/or
wave), failing steps (by action and stage), approvals (approve or reject, at once or later) and the start
instant. Whatever it cannot honour — a deploy failure naming a CodePipeline ``action``, ``previous_execution
= false``, ``pipeline_region`` — is refused by :func:`check` with a :class:`~wavec.scenario.ScenarioError`,
never ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from ..scenario import Approval, Scenario, ScenarioError, stage_matches


def check(scenario: Scenario, plan: Mapping[str, Any]) -> None:
    """Refuse what the local runner cannot honour, naming the entry."""
    where = scenario.source or "scenario"
    if not scenario.previous_execution:
        raise ScenarioError(f"{where}: previous_execution = false is CodePipeline's first run; the local runner "
                            "always has the rollback command to run")
    if scenario.pipeline_region is not None:
        raise ScenarioError(f"{where}: pipeline_region is read by the CodePipeline emulator only")
    for i, failure in enumerate(scenario.deploy_failures):
        if failure.action is not None:
            raise ScenarioError(f"{where}.deploy_failure[{i}]: `action` names a CodePipeline action; the local "
                                "runner takes `region` and/or `wave`")
    steps = {(n["stage"], n["id"].rsplit(":", 1)[-1]) for n in plan["nodes"] if n["kind"] == "step"}
    for i, step in enumerate(scenario.step_failures):
        if not any(name == step.action and (step.stage is None or stage == step.stage) for stage, name in steps):
            raise ScenarioError(f"{where}.step_failure[{i}]: the plan has no step {step.action!r}"
                                + (f" in stage {step.stage!r}" if step.stage else ""))
    waves = {w["name"] for w in plan["waves"]}
    for i, approval in enumerate(scenario.approvals):
        if approval.action is not None or (approval.stage is not None and approval.wave is None):
            raise ScenarioError(f"{where}.approval[{i}]: the local runner names an approval by its `wave`")
        if approval.wave is not None and approval.wave not in waves:
            raise ScenarioError(f"{where}.approval[{i}]: the plan has no wave {approval.wave!r}")


def stage_name(wave: str) -> str:
    """The CodePipeline stage of ``wave`` (``wave-W``), which a scenario's ``stage = "…"`` names."""
    return f"wave-{wave}"


def deploy_fails(scenario: Scenario, wave: str, region: str) -> bool:
    """Whether the scenario fails the deploy of ``wave`` to ``region``."""
    return any((f.region is None or f.region == region) and stage_matches(stage_name(wave), f.wave, f.stage)
               for f in scenario.deploy_failures)


def step_fails(scenario: Scenario, stage: str, name: str) -> bool:
    """Whether the scenario fails step ``name`` of ``stage``."""
    return any(s.action == name and (s.stage is None or s.stage == stage) for s in scenario.step_failures)


def approval_for(scenario: Scenario, wave: str) -> Approval | None:
    """The scenario's answer to ``wave``'s approval (``None``: granted at once)."""
    return next((a for a in scenario.approvals if a.wave in (None, wave)), None)


def approval_delay(answer: Approval, waiting_since: datetime) -> float:
    """Virtual seconds from when the approval started waiting until it is answered."""
    if answer.after is not None:
        return answer.after.total_seconds()
    if answer.at is not None:
        return max(0.0, (answer.at - waiting_since).total_seconds())
    return 0.0


APPROVAL_TIMEOUT = timedelta(days=7)  # CodePipeline's default, the same in both rehearsals
