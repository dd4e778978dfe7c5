"""Where an emulated run's alarm states come from: the scenario (offline), or CloudWatch itself (``--aws``).

Offline, the scenario *is* CloudWatch: a state is a pure function of the virtual instant, known in advance, so a
bake machine's readings run in virtual time and a ``WaitTime`` knows when the alarm will leave ALARM.

With ``--aws`` the states are CloudWatch's, read through boto3 with the usual AWS settings
(``AWS_PROFILE``, ``AWS_ENDPOINT_URL`` … — moto's server in the tests) when the emulated pipeline reads them.
They are not known in advance, so the run keeps pace with real time (``--speed`` still divides it): a reading
at bake minute M happens ``M / speed`` real minutes after the bake started, and a ``WaitTime`` is polled once a
virtual minute. An alarm that does not exist, or a read that fails, is ``None`` (the rule or the machine then
judges it as it judges a missing alarm) and the read's error is kept for the run's report.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from ..runner.gates import cloudwatch_client
from ..scenario import Scenario

POLL = timedelta(minutes=1)  # how often a live WaitTime is read again (CloudWatch evaluates alarms per minute)


class AlarmWorld(Protocol):
    """The alarm states an emulated pipeline reads."""

    live: bool

    def alarm_state(self, name: str, region: str | None, at: datetime, start: datetime,
                    bakes: Mapping[str, datetime]) -> str | None:
        """``name``'s state in ``region`` at virtual instant ``at``; ``None``: no such alarm."""

    def alarm_names(self, region: str | None) -> set[str]:
        """Alarms known to exist in ``region`` besides those a reading names (to seed a bake machine's world)."""

    def changes_between(self, name: str, region: str | None, after: datetime, until: datetime, start: datetime,
                        bakes: Mapping[str, datetime]) -> list[datetime]:
        """The instants in ``(after, until]`` when ``name`` may change state, in order."""


class ScenarioAlarms:
    """The scenario's alarms (offline)."""

    live = False

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario

    def alarm_state(self, name: str, region: str | None, at: datetime, start: datetime,
                    bakes: Mapping[str, datetime]) -> str | None:
        """The scenario's state of the alarm at ``at``."""
        return self.scenario.alarm_state(name, region, at, start, bakes)

    def alarm_names(self, region: str | None) -> set[str]:
        """The alarms the scenario declares in ``region``."""
        return self.scenario.alarm_names(region)

    def changes_between(self, name: str, region: str | None, after: datetime, until: datetime, start: datetime,
                        bakes: Mapping[str, datetime]) -> list[datetime]:
        """The scenario's changes of the alarm in ``(after, until]``."""
        return self.scenario.changes_between(name, region, after, until, start, bakes)


class CloudWatchAlarms:
    """CloudWatch's alarms, read when asked (``--aws``): one boto3 client per region, shared by threads."""

    live = True

    def __init__(self, default_region: str) -> None:
        self.default_region = default_region
        self.clients: dict[str, Any] = {}
        self.errors: list[str] = []
        self.lock = threading.Lock()

    def _client(self, region: str) -> Any:
        with self.lock:
            return cloudwatch_client(region, self.clients)

    def alarm_state(self, name: str, region: str | None, at: datetime, start: datetime,
                    bakes: Mapping[str, datetime]) -> str | None:
        """The alarm's state now (``at`` is when the run reads it: now, since the run keeps pace)."""
        where = region or self.default_region
        try:
            # Composite alarms are returned only when asked for; a rule or gate may name either kind.
            answer = self._client(where).describe_alarms(AlarmNames=[name],
                                                          AlarmTypes=["CompositeAlarm", "MetricAlarm"])
        except Exception as exc:  # botocore raises many types; any of them means "not read"
            with self.lock:
                self.errors.append(f"alarm {name} in {where} could not be read: {exc}")
            return None
        found = [*answer.get("MetricAlarms", []), *answer.get("CompositeAlarms", [])]
        states = [a.get("StateValue") for a in found if a.get("AlarmName") == name]
        return str(states[0]) if states else None

    def alarm_names(self, region: str | None) -> set[str]:
        """None beyond those read: CloudWatch is not listed."""
        return set()

    def changes_between(self, name: str, region: str | None, after: datetime, until: datetime, start: datetime,
                        bakes: Mapping[str, datetime]) -> list[datetime]:
        """Every :data:`POLL` of the span: a live alarm may change at any of them."""
        out, at = [], after + POLL
        while at < until:
            out.append(at)
            at += POLL
        return [*out, until] if until > after else out
