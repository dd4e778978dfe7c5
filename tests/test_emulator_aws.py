"""`wavec run --target codepipeline --aws`: the emulated pipeline reads CloudWatch itself (moto's server, HTTP).

Offline, the scenario is CloudWatch; with ``--aws`` the bake machine's readings and the entry rules ask
CloudWatch when the pipeline reads them, so the run keeps pace with real time (divided by ``--speed``). These
tests change an alarm in moto's CloudWatch while the emulated bake runs and check that the pipeline sees it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from emulator_helpers import app_pipeline, workdir

pytestmark = pytest.mark.slow

SPEED = 600  # 5 virtual minutes are half a real second
BODY = """
gate health { alarms = ["errors-${region}"]  interval = 5m }
wave one { regions = ["eu-west-1"]  bake = 30m  gates = [health] }
wave two { regions = ["us-east-1"]  bake = 5m  gates = [health] }
"""


def _cloudwatch(url: str, region: str) -> Any:
    import boto3

    return boto3.client("cloudwatch", endpoint_url=url, region_name=region, aws_access_key_id="ak",
                        aws_secret_access_key="sk")


def _alarm(url: str, region: str, name: str, state: str = "OK") -> None:
    cw = _cloudwatch(url, region)
    cw.put_metric_alarm(AlarmName=name, MetricName="Errors", Namespace="App", Statistic="Sum", Period=60,
                        EvaluationPeriods=1, Threshold=1.0, ComparisonOperator="GreaterThanOrEqualToThreshold")
    cw.set_alarm_state(AlarmName=name, StateValue=state, StateReason="test")


def _run(tmp: Path, url: str, *extra: str) -> tuple[int, list[dict[str, Any]], str]:
    """`wavec run app.wave --target codepipeline --aws --json` against moto's server at ``url``."""
    workdir(tmp)
    wave = tmp / "app.wave"
    wave.write_text(app_pipeline(BODY), encoding="utf-8")
    env = {**os.environ, "AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "ak", "AWS_SECRET_ACCESS_KEY": "sk",
           "AWS_DEFAULT_REGION": "eu-west-1", "RUNLOG": str(tmp / "run.log"),
           "PATH": f"{tmp / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.Popen([sys.executable, "-m", "wavec", "run", str(wave), "--target", "codepipeline", "--aws",
                             "--speed", str(SPEED), "--json", *extra], cwd=tmp, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stderr is not None
    events = [json.loads(line) for line in proc.stdout if line.startswith("{")]
    code = proc.wait(timeout=120)
    return code, events, proc.stderr.read()


def _readings(events: list[dict[str, Any]], wave: str) -> list[tuple[float, bool]]:
    """(bake minute, ok) of each reading of the wave's bake."""
    start = next(datetime.fromisoformat(e["at"]) for e in events if e["event"] == "bake_started"
                 and e["wave"] == wave)
    return [((datetime.fromisoformat(e["at"]) - start).total_seconds() / 60, e["ok"]) for e in events
            if e["event"] == "gate" and e.get("wave") == wave and e.get("block") == "bake"]


@pytest.fixture
def cloudwatch(moto_server: str) -> str:
    urllib.request.urlopen(urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST"), timeout=10)
    return moto_server


class _Counting:
    """A proxy in front of moto's server that counts the emulator's DescribeAlarms reads and, before forwarding
    read number ``fire_at``, sets the alarm to ALARM in moto: the alarm fires between two readings, by count,
    not by a race with the clock."""

    def __init__(self, upstream: str, fire_at: int, fire: Any) -> None:
        self.upstream, self.fire_at, self.fire, self.reads = upstream, fire_at, fire, 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                target = self.headers.get("X-Amz-Target") or ""  # JSON protocol; query and rpc-v2-cbor below
                if "DescribeAlarms" in target or b"Action=DescribeAlarms" in body or "DescribeAlarms" in self.path:
                    outer.reads += 1
                    if outer.reads == outer.fire_at:
                        outer.fire()
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                request = urllib.request.Request(outer.upstream + self.path, data=body, headers=headers,
                                                 method="POST")
                try:
                    with urllib.request.urlopen(request, timeout=30) as answer:
                        status, reply, kept = answer.status, answer.read(), answer.headers.items()
                except urllib.error.HTTPError as error:
                    status, reply, kept = error.code, error.read(), error.headers.items()
                self.send_response(status)
                for key, value in kept:
                    if key.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_an_alarm_that_fires_mid_bake_in_cloudwatch_fails_the_bake(cloudwatch: str, tmp_path: Path) -> None:
    _alarm(cloudwatch, "eu-west-1", "errors-eu-west-1")
    _alarm(cloudwatch, "us-east-1", "errors-us-east-1")
    # Reads: when the bake execution starts, then at minutes 5, 10, 15 …; the fourth read sees ALARM.
    proxy = _Counting(cloudwatch, 4, lambda: _alarm(cloudwatch, "eu-west-1", "errors-eu-west-1", "ALARM"))
    try:
        code, events, stderr = _run(tmp_path, proxy.url)
    finally:
        proxy.close()
    assert code == 3, stderr[-2000:]
    # Read at minutes 5 and 10 (OK); CloudWatch says ALARM from then on: the bake fails at minute 15.
    assert _readings(events, "one") == [(5, True), (10, True), (15, False)]
    assert not [e for e in events if e["event"] == "bake_started" and e["wave"] == "two"]
    rolled = [e for e in events if e["event"] == "node_finished" and e.get("kind") == "rollback"
              and e.get("target") == "eu-west-1"]
    assert rolled and rolled[0]["status"] == "ok"


def test_healthy_alarms_in_cloudwatch_let_the_rollout_finish_in_real_time(cloudwatch: str, tmp_path: Path) -> None:
    _alarm(cloudwatch, "eu-west-1", "errors-eu-west-1")
    _alarm(cloudwatch, "us-east-1", "errors-us-east-1")
    began = time.monotonic()
    code, events, stderr = _run(tmp_path, cloudwatch)
    assert code == 0, stderr[-2000:]
    assert [m for m, _ in _readings(events, "one")] == [5, 10, 15, 20, 25, 30]
    assert all(ok for _, ok in _readings(events, "one") + _readings(events, "two"))
    # 35 virtual minutes of bakes at 600×: at least 3.5 real seconds (the run kept pace with CloudWatch).
    assert time.monotonic() - began >= 35 * 60 / SPEED
    assert any(e["event"] == "note" and "CloudWatch (--aws)" in e.get("text", json.dumps(e)) for e in events)


def test_an_alarm_missing_from_cloudwatch_is_a_breach(cloudwatch: str, tmp_path: Path) -> None:
    code, events, stderr = _run(tmp_path, cloudwatch)
    assert code == 3, stderr[-2000:]
    assert _readings(events, "one")[0] == (5, False)


def test_alarms_come_from_the_scenario_or_cloudwatch_not_both(cloudwatch: str, tmp_path: Path) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text('[[alarm]]\nname = "errors-eu-west-1"\nstate = "ALARM"\n', encoding="utf-8")
    code, _, stderr = _run(tmp_path, cloudwatch, "--scenario", str(scenario))
    assert code == 2
    assert "not both" in stderr and "Traceback" not in stderr
