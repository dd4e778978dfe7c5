"""`prometheus` gates on CodePipeline: a Commands action reads the query every interval of the bake.

The program the action runs (``targets/codepipeline/prometheus_code.py``) must judge every answer exactly as
``wavec run`` does (``runner/gates.prometheus``): both are asked the same questions of one fake server here.
That the compiled pipeline then bakes like the local plan is the parity table's cell
``prometheus-breaches-third-interval`` (tests/parity).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from prometheus_fake import fake_prometheus

from wavec.runner.gates import prometheus as judge_locally
from wavec.targets.codepipeline import prometheus_code
from wavec.targets.codepipeline.service_model import model_problems

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "parity" / "fixtures" / "prometheus.wave"


def _vector(*values: str) -> dict[str, Any]:
    return {"status": "success", "data": {"resultType": "vector", "result": [
        {"metric": {"instance": f"i{n}"}, "value": [1, v]} for n, v in enumerate(values)]}}


ANSWERS: list[tuple[str, dict[str, Any], float | None, float | None]] = [
    ("one sample under max", _vector("0.1"), None, 0.5),
    ("one sample over max", _vector("0.9"), None, 0.5),
    ("every sample must hold", _vector("0.1", "0.7", "0.2"), None, 0.5),
    ("under min", _vector("3"), 5.0, None),
    ("between min and max", _vector("7"), 5.0, 10.0),
    ("NaN is out of bounds", _vector("NaN"), None, 0.5),
    ("no samples is healthy", _vector(), None, 0.5),
    ("a scalar", {"status": "success", "data": {"resultType": "scalar", "result": [1, "0.4"]}}, None, 0.5),
    ("an error answer", {"status": "error", "error": "bad_data: parse error"}, None, 0.5),
    ("a matrix is not judged", {"status": "success", "data": {"resultType": "matrix", "result": []}}, None, 0.5),
    ("an unreadable sample", _vector("many"), None, 0.5),
]


def _shipped(url: str, query: str, low: float | None, high: float | None) -> int:
    """Run the shipped reading command as the Commands action does: ``sh`` with the variable set."""
    env = {**os.environ, prometheus_code.VARIABLE: prometheus_code.variable_value(),
           "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    command = prometheus_code.command(url, query, low, high).replace("python3 ", f"{sys.executable} ", 1)
    return subprocess.run(["sh", "-c", command], env=env, capture_output=True, text=True, timeout=30).returncode


@pytest.mark.parametrize(("what", "answer", "low", "high"), ANSWERS, ids=[a[0] for a in ANSWERS])
def test_the_shipped_program_judges_like_wavec_run(what: str, answer: dict[str, Any], low: float | None,
                                                   high: float | None) -> None:
    with fake_prometheus([answer]) as prom:
        local = judge_locally(prom.url, "job:latency_p99:5m", low, high).ok
        shipped = _shipped(prom.url, "job:latency_p99:5m", low, high)
        assert prom.queries == ["job:latency_p99:5m", "job:latency_p99:5m"]
    assert shipped == (0 if local else 1), what


def test_an_unreachable_server_is_a_breach_for_both() -> None:
    with fake_prometheus([0.1]) as prom:
        url = prom.url
    assert not judge_locally(url, "up", None, 0.5).ok
    assert _shipped(url, "up", None, 0.5) == 1


def test_query_and_url_reach_python_as_arguments_not_as_program_text(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    hostile = f'"); open("{marker}", "w"); ("$(touch {marker})\'`touch {marker}`'
    with fake_prometheus([0.1]) as prom:
        assert _shipped(prom.url, hostile, None, 0.5) == 0
        assert prom.queries == [hostile]
    assert not marker.exists()


def test_the_variable_is_one_line_the_model_accepts() -> None:
    value = prometheus_code.variable_value()
    assert "\n" not in value and len(value) <= prometheus_code.MAX_VALUE
    namespace: dict[str, Any] = {}
    # The value is Python that runs the program: here with argv for an unreachable server, which exits 1.
    sys_argv = sys.argv
    try:
        sys.argv = ["-c", "http://127.0.0.1:9", "up", "", "1"]
        with pytest.raises(SystemExit) as ended:
            exec(value, namespace)
    finally:
        sys.argv = sys_argv
    assert ended.value.code == 1


def _pipeline(path: Path) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "wavec", "build", str(path), "--target", "codepipeline"],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    assert "warning" not in out.stderr
    pipeline: dict[str, Any] = json.loads(out.stdout)
    return pipeline


def test_each_target_gets_a_reading_action_on_the_bake_schedule(tmp_path: Path) -> None:
    wave = tmp_path / "p.wave"
    wave.write_text(FIXTURE.read_text(encoding="utf-8").replace("@PROMETHEUS@", "https://prom.example.com"),
                    encoding="utf-8")
    pipeline = _pipeline(wave)
    assert model_problems(pipeline) == []
    stage = next(s for s in pipeline["pipeline"]["stages"] if s["name"] == "wave-one")
    readings = [a for a in stage["actions"] if a["name"].startswith("prom-")]
    assert [a["name"] for a in readings] == ["prom-latency-eu-west-1"]
    action = readings[0]
    assert action["actionTypeId"]["provider"] == "Commands"
    assert action["environmentVariables"] == [{"name": "WAVEC_PROMETHEUS", "type": "PLAINTEXT",
                                               "value": prometheus_code.variable_value()}]
    # 30 minutes at a 5-minute interval: six readings, the query of the target's region, max 0.5.
    (loop,) = action["commands"]
    assert "seq 1 6" in loop and "sleep 300" in loop
    assert "https://prom.example.com 'job:latency_p99:5m{region=\"eu-west-1\"}' '' 0.5" in loop
    # The loop waits the bake itself: no waiting bake action beside it holds the stage's failure (rule 16).
    assert not any(a["actionTypeId"]["provider"] == "StepFunctions" for a in stage["actions"])
