"""The scenario format, shared with the local runner: see :mod:`wavec.scenario` (re-exported here)."""

from ..scenario import (
    ALARM_STATES,
    AlarmChange,
    Anchor,
    Approval,
    DeployFailure,
    Scenario,
    ScenarioError,
    StepFailure,
    load_scenario,
    parse_duration,
    parse_instant,
    scenario_from,
    stage_matches,
)

__all__ = ["ALARM_STATES", "AlarmChange", "Anchor", "Approval", "DeployFailure", "Scenario", "ScenarioError",
           "StepFailure", "load_scenario", "parse_duration", "parse_instant", "scenario_from", "stage_matches"]
