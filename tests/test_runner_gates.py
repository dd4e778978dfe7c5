"""Gates against real servers: a Prometheus HTTP API served by the test, CloudWatch through moto's server."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from runner_helpers import Fleet

from conftest import free_port

PIPELINE = """
pipeline gated {{
  role   = "arn:aws:iam::111122223333:role/gated"
  source s3 {{ bucket = "b"  key = "k.zip" }}
  deploy {{
    local {{
      run      = "echo deploy ${{wave}} ${{region}} >> \\"$RUNLOG\\""
      rollback = "echo rollback ${{wave}} ${{region}} >> \\"$RUNLOG\\""
    }}
  }}
  gate health {{
{gate}
    interval  = 1m
  }}
  wave one {{ regions = ["us-east-1"]  bake = 3m  gates = [health] }}
  wave two {{ regions = ["eu-west-1", "eu-central-1"]  parallel = 1  bake = 3m  gates = [health] }}
}}
"""
FAST = ("--speed", "6000")


# --------------------------------------------------------------------------- Prometheus


class Prometheus:
    """A Prometheus HTTP API: `/api/v1/query` answers a vector whose value depends on the region queried."""

    def __init__(self) -> None:
        self.queries: list[str] = []
        self.values = {"eu-west-1": 0.5}
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urllib.parse.urlparse(self.path)
                query = urllib.parse.parse_qs(url.query).get("query", [""])[0]
                if url.path != "/api/v1/query":
                    self.send_error(404)
                    return
                owner.queries.append(query)
                region = query.split('region="')[1].split('"')[0]
                value = owner.values.get(region, 0.01)
                body = {"status": "success", "data": {"resultType": "vector", "result": [
                    {"metric": {"region": region}, "value": [time.time(), str(value)]}]}}
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        # serve_forever's default poll of 0.5 s is what shutdown() waits for
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()


@pytest.fixture
def prom() -> Iterator[Prometheus]:
    p = Prometheus()
    yield p
    p.server.shutdown()
    p.server.server_close()


def prom_gate(url: str) -> str:
    return (f'    prometheus {{ url = "{url}"  query = "sum(rate(errors{{region=\\"${{region}}\\"}}[5m]))"  '
            'max = 0.05 }')


def test_prometheus_gate_breach_rolls_back(tmp_path: Path, prom: Prometheus) -> None:
    f = Fleet(tmp_path, PIPELINE.format(gate=prom_gate(prom.url)))
    run = f.run(*FAST)
    assert run.code == 3, run.proc.stdout + run.proc.stderr
    assert run.log == ["deploy one us-east-1", "deploy two eu-west-1", "deploy two eu-central-1",
                       "rollback two eu-central-1", "rollback two eu-west-1"]
    assert 'sum(rate(errors{region="us-east-1"}[5m]))' in prom.queries  # ${region} expanded per target
    breach = run.kinds("breach")[0]
    assert "0.5 breaks max 0.05" in breach["reason"] and 'region="eu-west-1"' in breach["reason"]


def test_prometheus_gate_healthy_and_unreachable(tmp_path: Path, prom: Prometheus) -> None:
    prom.values.clear()
    f = Fleet(tmp_path, PIPELINE.format(gate=prom_gate(prom.url)))
    assert f.run(*FAST).code == 0
    # An unreachable Prometheus cannot vouch for the bake: that is a breach, not a pass.
    g = Fleet(tmp_path / "down", PIPELINE.format(gate=prom_gate(f"http://127.0.0.1:{free_port()}")))
    run = g.run(*FAST)
    assert run.code == 3
    assert run.log == ["deploy one us-east-1", "rollback one us-east-1"]
    assert "could not be evaluated" in run.kinds("breach")[0]["reason"]


# --------------------------------------------------------------------------- CloudWatch (moto server)


@pytest.fixture
def aws_env(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")).close()
    env = {"AWS_ENDPOINT_URL": moto_server, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1"}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    yield env


def alarms(regions: list[str], state: dict[str, str]) -> None:
    import boto3

    for region in regions:
        cw = boto3.client("cloudwatch", region_name=region)
        for name in (f"shop-5xx-{region}", f"shop-sev2-{region}"):
            cw.put_metric_alarm(AlarmName=name, MetricName="5xx", Namespace="shop", Statistic="Sum", Period=60,
                                EvaluationPeriods=1, Threshold=1.0, ComparisonOperator="GreaterThanThreshold")
            cw.set_alarm_state(AlarmName=name, StateValue=state.get(name, "OK"), StateReason="test")


GATE_ALARMS = ('    alarms    = ["shop-5xx-${region}"]\n'
               '    blockers  = ["shop-sev2-${region}"]\n'
               '    on_breach = rollback_all')


def test_cloudwatch_alarm_in_alarm_rolls_back_everything(tmp_path: Path, aws_env: dict[str, str]) -> None:
    alarms(["us-east-1", "eu-west-1", "eu-central-1"], {"shop-5xx-eu-central-1": "ALARM"})
    f = Fleet(tmp_path, PIPELINE.format(gate=GATE_ALARMS))
    run = f.run(*FAST, "--aws", env=f.env(**aws_env))
    assert run.code == 3, run.proc.stdout + run.proc.stderr
    assert run.log == ["deploy one us-east-1", "deploy two eu-west-1", "deploy two eu-central-1",
                       "rollback two eu-central-1", "rollback two eu-west-1", "rollback one us-east-1"]
    assert "alarm shop-5xx-eu-central-1 in ALARM (eu-central-1)" in run.kinds("breach")[0]["reason"]


def test_cloudwatch_blocker_keeps_a_wave_from_starting(tmp_path: Path, aws_env: dict[str, str]) -> None:
    alarms(["us-east-1", "eu-west-1", "eu-central-1"], {"shop-sev2-eu-west-1": "ALARM"})
    f = Fleet(tmp_path, PIPELINE.format(gate=GATE_ALARMS))
    run = f.run(*FAST, "--aws", env=f.env(**aws_env))
    assert run.code == 3, run.proc.stdout
    assert run.log == ["deploy one us-east-1"]  # wave one baked; wave two blocked before deploying anything
    blocked = next(e for e in run.kinds("node_finished") if e.get("blocked"))
    assert "shop-sev2-eu-west-1" in blocked["reason"]
    assert run.kinds("breach") == []


def test_alarms_without_aws_are_not_watched_and_say_so(tmp_path: Path) -> None:
    f = Fleet(tmp_path, PIPELINE.format(gate=GATE_ALARMS))
    env = {k: v for k, v in f.env().items() if not k.startswith("AWS_")}
    run = f.run(*FAST, env=env)
    assert run.code == 0
    assert any("not watched without --aws" in e["text"] for e in run.kinds("note"))
