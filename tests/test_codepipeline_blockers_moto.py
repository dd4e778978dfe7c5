"""The WV917 blockers fallback, run for real against moto's server over HTTP: a composite alarm in ALARM blocks.

When a wave's windows and blocker alarms do not fit in one condition's 5 rules (rule 25 of
docs/codepipeline-semantics.md), the blockers beyond them are checked by one ``Commands`` rule whose commands
run ``aws cloudwatch describe-alarms``. DescribeAlarms returns metric alarms only unless ``AlarmTypes`` asks for
composite ones too ("If you omit this parameter, only metric alarms are returned, even if composite alarms exist
in the account", CloudWatch API Reference, DescribeAlarms): the command used to omit it and count
``MetricAlarms`` only, so a composite blocker in ALARM let the wave in — it failed open.

Each command of the compiled rule is run twice: by the AWS CLI itself (``sh -c``, as the Commands rule runs it;
skipped when no ``aws`` is on PATH), and as the boto3 call its argv encodes, its ``--query`` applied with
JMESPath. moto has no ``PutCompositeAlarm`` over HTTP, so the server runs in this process (moto's
``ThreadedMotoServer``) and the composite alarm is placed in its CloudWatch backend; every call of the command
goes over HTTP. moto also ignores ``AlarmTypes`` (it always returns both lists) and ``StateValue`` when
``AlarmNames`` is given; the compiled query counts both lists and checks the state itself, so it is right
either way — and that the CLI accepts ``--alarm-types CompositeAlarm MetricAlarm`` is proved by the CLI run
(it validates its arguments against botocore's model before sending).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from test_codepipeline_support import request

from conftest import ROOT, free_port

FOLDED = ROOT / "tests" / "fixtures" / "codepipeline" / "WV917_blockers_folded.wave"
AWS = shutil.which("aws")
# The command as it was compiled before `--alarm-types` (kept to show that it fails open).
OLD = ("test \"$(aws cloudwatch describe-alarms --region {region} --state-value ALARM --alarm-names {names} "
       "--query 'length(MetricAlarms)' --output text)\" = 0")


@pytest.fixture(scope="module")
def moto() -> Iterator[dict[str, Any]]:
    from moto.cloudwatch.models import cloudwatch_backends
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield {"url": f"http://127.0.0.1:{port}", "backends": cloudwatch_backends[DEFAULT_ACCOUNT_ID]}
    finally:
        server.stop()


@pytest.fixture
def blockers(moto: dict[str, Any]) -> dict[str, Any]:
    """The folded rule of WV917's fixture, and its regions' blockers as they are at the start: every one OK."""
    rules = request(FOLDED)["pipeline"]["stages"][1]["beforeEntry"]["conditions"][0]["rules"]
    (rule,) = [r for r in rules if r["ruleTypeId"]["provider"] == "Commands"]
    commands: dict[str, str] = {}
    for command in rule["commands"]:
        found = re.search(r"--region (\S+)", command)
        assert found is not None
        commands[found.group(1)] = command
    assert sorted(commands) == ["eu-west-1", "us-west-2"]
    for region, backend in moto["backends"].items():
        if region in commands:
            backend.alarms.clear()
    return {**moto, "commands": commands}


def _put(moto: dict[str, Any], region: str, name: str, state: str, composite: bool) -> None:
    backend = moto["backends"][region]
    if composite:
        backend.put_metric_alarm(name=name, namespace=None, metric_name=None, metric_data_queries=None,
                                 comparison_operator=None, evaluation_periods=None, datapoints_to_alarm=None,
                                 period=None, threshold=None, statistic=None, extended_statistic=None,
                                 description=None, dimensions=[], alarm_actions=[], ok_actions=[],
                                 insufficient_data_actions=[], unit=None, actions_enabled=True,
                                 rule='ALARM("checkout-errors") OR ALARM("checkout-latency")')
    else:
        backend.put_metric_alarm(name=name, namespace="checkout", metric_name="Errors", metric_data_queries=None,
                                 comparison_operator="GreaterThanThreshold", evaluation_periods=1,
                                 datapoints_to_alarm=None, period=60, threshold=1.0, statistic="Sum",
                                 extended_statistic=None, description=None, dimensions=[], alarm_actions=[],
                                 ok_actions=[], insufficient_data_actions=[], unit=None, actions_enabled=True)
    backend.set_alarm_state(name, "state set by the test", None, state)


def _env(url: str) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/"), "AWS_ENDPOINT_URL": url,
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true"}


def _cli_passes(moto: dict[str, Any], command: str) -> bool:
    """Run the command as the Commands rule does; ``True`` when it exits 0 (the rule succeeds)."""
    proc = subprocess.run(["sh", "-c", command], env=_env(moto["url"]), capture_output=True, text=True, timeout=60)
    assert proc.returncode in (0, 1), proc.stderr  # `test` says yes or no; anything else is the CLI failing
    assert proc.stderr == "", proc.stderr
    return proc.returncode == 0


def _describe_call(command: str) -> tuple[str, dict[str, Any], str]:
    """The DescribeAlarms call the command's ``aws`` argv encodes: its region, parameters and ``--query``."""
    inner = command[command.index("$(") + 2: command.rindex(")")]
    argv = shlex.split(inner)
    assert argv[:3] == ["aws", "cloudwatch", "describe-alarms"], argv
    options: dict[str, list[str]] = {}
    key = ""
    for word in argv[3:]:
        if word.startswith("--"):
            key = word
            options[key] = []
        else:
            options[key].append(word)
    assert options.pop("--output") == ["text"]
    (region,), (query,) = options.pop("--region"), options.pop("--query")
    names = {"--alarm-types": "AlarmTypes", "--alarm-names": "AlarmNames", "--state-value": "StateValue"}
    assert set(options) <= set(names), options
    params: dict[str, Any] = {names[k]: v for k, v in options.items()}
    if "StateValue" in params:
        (params["StateValue"],) = params["StateValue"]
    return region, params, query


def _boto3_passes(moto: dict[str, Any], command: str) -> bool:
    """The command's call made with boto3 over HTTP, its query applied: ``True`` when the count is 0."""
    import boto3
    import jmespath

    region, params, query = _describe_call(command)
    cw = boto3.client("cloudwatch", endpoint_url=moto["url"], region_name=region, aws_access_key_id="testing",
                      aws_secret_access_key="testing")
    count = jmespath.search(query, cw.describe_alarms(**params))
    return bool(count == 0)


RUNNERS = [pytest.param(_cli_passes, id="aws-cli", marks=pytest.mark.skipif(AWS is None, reason="no aws CLI")),
           pytest.param(_boto3_passes, id="boto3")]


def test_the_command_asks_for_both_alarm_types(blockers: dict[str, Any]) -> None:
    # DescribeAlarms (CloudWatch API Reference): without AlarmTypes only metric alarms are returned.
    for command in blockers["commands"].values():
        region, params, query = _describe_call(command)
        assert params["AlarmTypes"] == ["CompositeAlarm", "MetricAlarm"] and params["StateValue"] == "ALARM"
        assert params["AlarmNames"] == [f"sev2-{region}"]
        assert "MetricAlarms" in query and "CompositeAlarms" in query


@pytest.mark.parametrize("passes", RUNNERS)
def test_a_composite_blocker_in_alarm_fails_the_rule(blockers: dict[str, Any], passes: Any) -> None:
    commands = blockers["commands"]
    _put(blockers, "us-west-2", "sev2-us-west-2", "ALARM", composite=True)
    _put(blockers, "eu-west-1", "sev2-eu-west-1", "OK", composite=True)
    assert not passes(blockers, commands["us-west-2"])  # the wave does not start while sev2 is open
    assert passes(blockers, commands["eu-west-1"])
    _put(blockers, "us-west-2", "sev2-us-west-2", "OK", composite=True)
    assert passes(blockers, commands["us-west-2"])  # once it is OK again, the rule passes


@pytest.mark.parametrize("passes", RUNNERS)
def test_a_metric_blocker_in_alarm_still_fails_the_rule(blockers: dict[str, Any], passes: Any) -> None:
    commands = blockers["commands"]
    _put(blockers, "eu-west-1", "sev2-eu-west-1", "ALARM", composite=False)
    assert not passes(blockers, commands["eu-west-1"])
    _put(blockers, "eu-west-1", "sev2-eu-west-1", "INSUFFICIENT_DATA", composite=False)
    assert passes(blockers, commands["eu-west-1"])  # only ALARM blocks, as the CloudWatchAlarm rules' AlarmStates


@pytest.mark.parametrize("passes", RUNNERS)
def test_the_old_command_let_a_composite_blocker_in_alarm_through(blockers: dict[str, Any], passes: Any) -> None:
    # The defect (issue 12, item 10): the same situation, the command as it was compiled, passes — it fails open.
    _put(blockers, "us-west-2", "sev2-us-west-2", "ALARM", composite=True)
    old = OLD.format(region="us-west-2", names="sev2-us-west-2")
    assert passes(blockers, old)
    assert not passes(blockers, blockers["commands"]["us-west-2"])
