"""The ``aws`` command Commands actions and rules see inside the emulator: CloudWatch answers from the scenario.

On AWS a Commands rule such as ``aws cloudwatch describe-alarms …`` asks CloudWatch; in an offline rehearsal
the scenario *is* CloudWatch. The emulator puts a small ``aws`` first on ``PATH`` that runs this module with
the alarm states of the instant the command runs (``WAVEC_EMULATOR_ALARMS``, JSON). It answers
``cloudwatch describe-alarms`` (``--alarm-names``, ``--state-value``, ``--alarm-types``, ``--query`` as
JMESPath, ``--output json|text``) and refuses everything else with exit 252, so no command of a rehearsal
ever reaches a real AWS account.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

import jmespath

EXIT_REFUSED = 252


def _alarms(state: dict[str, Any], region: str | None, names: list[str] | None) -> list[dict[str, Any]]:
    regions: dict[str, dict[str, str]] = state.get("regions", {})
    known = dict(regions.get("*", {}))
    known.update(regions.get(region or "", {}))
    if names is None:
        return [{"AlarmName": n, "StateValue": s} for n, s in sorted(known.items())]
    out = []
    for name in names:
        value = known.get(name)
        if value is None and state.get("undeclared") == "ok":
            value = "OK"
        if value is not None:
            out.append({"AlarmName": name, "StateValue": value})
    return out


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "\t".join(_text(v) for v in value)
    if isinstance(value, dict):
        return "\t".join(_text(v) for _, v in sorted(value.items()))
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def main(argv: Sequence[str] | None = None) -> int:
    """Answer one ``aws`` invocation; returns its exit code."""
    words = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="aws", add_help=False)
    parser.add_argument("service")
    parser.add_argument("operation")
    parser.add_argument("--region")
    parser.add_argument("--alarm-names", nargs="+")
    parser.add_argument("--alarm-types", nargs="+")
    parser.add_argument("--state-value")
    parser.add_argument("--query")
    parser.add_argument("--output", default="json")
    parser.add_argument("--profile")
    parser.add_argument("--no-cli-pager", action="store_true")
    try:
        args = parser.parse_args(words)
    except SystemExit:
        print("aws (wavec emulator): only `aws cloudwatch describe-alarms` is answered here", file=sys.stderr)
        return EXIT_REFUSED
    if (args.service, args.operation) != ("cloudwatch", "describe-alarms"):
        print(f"aws (wavec emulator): `aws {args.service} {args.operation}` is not emulated; only "
              "`aws cloudwatch describe-alarms` is", file=sys.stderr)
        return EXIT_REFUSED
    state = json.loads(os.environ.get("WAVEC_EMULATOR_ALARMS", "{}"))
    region = args.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    found = _alarms(state, region, args.alarm_names)
    if args.state_value:
        found = [a for a in found if a["StateValue"] == args.state_value]
    types = set(args.alarm_types or ["MetricAlarm"])
    # The emulated alarms are metric alarms (composite ones are not modelled yet).
    body: dict[str, Any] = {"MetricAlarms": found if "MetricAlarm" in types else [], "CompositeAlarms": []}
    if args.alarm_types is None:
        body.pop("CompositeAlarms")
    result: Any = body
    if args.query:
        try:
            result = jmespath.search(args.query, body)
        except jmespath.exceptions.JMESPathError as exc:
            print(f"aws (wavec emulator): bad --query: {exc}", file=sys.stderr)
            return 255
    print(_text(result) if args.output == "text" else json.dumps(result, indent=4, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
