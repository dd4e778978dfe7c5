"""Gate evaluation during a bake: ``check`` commands, Prometheus queries, CloudWatch alarms.

Each evaluator returns a :class:`Verdict`. A gate that cannot be evaluated
(Prometheus unreachable, a malformed answer, an AWS error) is a breach: during
a bake, not knowing is not healthy. CloudWatch is consulted only with ``--aws``;
boto3 is imported then and only then, and honours the usual AWS settings
(profile, ``AWS_ENDPOINT_URL`` …).
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

from ..records import record


@record
class Verdict:
    """The outcome of one evaluation: ``ok`` or a breach, with what was seen."""

    ok: bool
    detail: str


def prometheus(url: str, query: str, low: float | None, high: float | None, timeout: float = 5.0) -> Verdict:
    """Run ``query`` against the Prometheus HTTP API (``GET /api/v1/query``); every sample must be in bounds."""
    endpoint = url.rstrip("/") + "/api/v1/query?" + urllib.parse.urlencode({"query": query})
    try:
        with urllib.request.urlopen(endpoint, timeout=timeout) as response:
            body = json.loads(response.read().decode("utf-8"))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return Verdict(False, f"prometheus query `{query}` could not be evaluated: {exc}")
    if body.get("status") != "success":
        return Verdict(False, f"prometheus query `{query}` failed: {body.get('error', 'unknown error')}")
    try:
        values = _samples(body["data"])
    except (KeyError, TypeError, ValueError) as exc:
        return Verdict(False, f"prometheus query `{query}` gave an unreadable answer: {exc}")
    if not values:
        return Verdict(True, f"prometheus query `{query}` returned no samples")
    for labels, value in values:
        where = f" {labels}" if labels else ""
        if math.isnan(value) or (high is not None and value > high) or (low is not None and value < low):
            bound = f"max {high:g}" if high is not None and value > high else f"min {low:g}" if low is not None else ""
            return Verdict(False, f"`{query}`{where} = {value:g} breaks {bound or 'its bounds'}")
    shown = ", ".join(f"{v:g}" for _, v in values[:3])
    return Verdict(True, f"`{query}` = {shown} within bounds")


def _samples(data: Mapping[str, Any]) -> list[tuple[str, float]]:
    kind = data["resultType"]
    result = data["result"]
    if kind == "scalar":
        return [("", float(result[1]))]
    if kind == "vector":
        out = []
        for item in result:
            metric = item.get("metric", {})
            labels = "{" + ",".join(f'{k}="{v}"' for k, v in sorted(metric.items())) + "}" if metric else ""
            out.append((labels, float(item["value"][1])))
        return out
    raise ValueError(f"result type {kind!r} (expected vector or scalar)")


def cloudwatch_client(region: str, clients: dict[str, Any]) -> Any:
    """The CloudWatch client of ``region`` from ``clients`` (made with boto3's usual settings, once per region)."""
    client = clients.get(region)
    if client is None:
        import boto3  # heavy, and only --aws needs it

        client = clients[region] = boto3.client("cloudwatch", region_name=region)
    return client


def cloudwatch_alarms(region: str, names: list[str], clients: dict[str, Any], *,
                      insufficient_breach: bool = False) -> Verdict:
    """Breach when any of the named CloudWatch alarms in ``region`` is in state ``ALARM``.

    With ``insufficient_breach`` (a gate's ``insufficient_data = breach``), ``INSUFFICIENT_DATA`` is a breach too.
    ``clients`` caches one boto3 client per region for the run (a bake asks every interval).
    """
    try:
        client = cloudwatch_client(region, clients)
        # Composite alarms are returned only when asked for; a gate may name either kind.
        answer = client.describe_alarms(AlarmNames=names, AlarmTypes=["CompositeAlarm", "MetricAlarm"])
        found = [*answer.get("MetricAlarms", []), *answer.get("CompositeAlarms", [])]
    except Exception as exc:  # botocore raises many types; any of them means "not evaluated"
        return Verdict(False, f"CloudWatch alarms in {region} could not be read: {exc}")
    firing = sorted(a["AlarmName"] for a in found if a.get("StateValue") == "ALARM")
    if firing:
        return Verdict(False, f"alarm {', '.join(firing)} in ALARM ({region})")
    unknown = sorted(a["AlarmName"] for a in found if a.get("StateValue") == "INSUFFICIENT_DATA")
    if unknown and insufficient_breach:
        return Verdict(False, f"alarm {', '.join(unknown)} in INSUFFICIENT_DATA ({region})")
    missing = sorted(set(names) - {a["AlarmName"] for a in found})
    if missing:  # a gate watching an alarm that does not exist watches nothing
        return Verdict(False, f"alarm {', '.join(missing)} not found in {region}")
    return Verdict(True, f"{len(found)} alarm(s) OK in {region}")
