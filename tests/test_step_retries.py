"""`retries` and `timeout` of a step on CodePipeline: the Commands action retries and stops it as `wavec run` does.

A Commands action has no retry setting and only its own 55-minute limit (rule 18 of docs/codepipeline.md), and a
stage retry re-runs a failed action once (rule 21); so the compiled action runs its commands in a loop of
`1 + retries` attempts, each under coreutils `timeout` (targets/codepipeline/attempts.py). The emulator runs
the compiled commands as CodeBuild would, so the same flaky step passes on both targets, and the same hung one
is stopped.
The oracle: the commands as they were compiled before (the step's own, no loop) fail the flaky step.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from emulator_helpers import FAST, Run, app_pipeline, wavec_run

from wavec.api import build
from wavec.config import Config

# Emulated runs (moto's server, real subprocesses): seconds each; CI runs them, the inner loop skips them.
pytestmark = pytest.mark.slow

WAVE = app_pipeline("""
stage test {
  step flaky { run = "echo try >> \\"$RUNLOG\\"; test -e tried || { touch tried; exit 1; }"  retries = 2 }
  step %s
}
wave only { regions = ["eu-west-1"] }
""")
QUICK = 'quick { run = "echo quick >> \\"$RUNLOG\\""  after = [flaky]  timeout = 2s }'
HUNG = 'hung { run = "echo hung >> \\"$RUNLOG\\"; exec /bin/sleep 30"  after = [flaky]  timeout = 2s }'


def _run(tmp: Path, target: str, second: str) -> Run:
    tmp.mkdir(exist_ok=True)
    for stale in tmp.glob("tried"):
        stale.unlink()
    (tmp / "app.wave").write_text(WAVE % second, encoding="utf-8")
    return wavec_run(tmp, tmp / "app.wave", "--target", target, "--speed", FAST, "--now", "2024-06-03T10:00:00Z")


def test_a_flaky_step_is_retried_on_both_targets(tmp_path: Path) -> None:
    for target in ("local", "codepipeline"):
        run = _run(tmp_path / target, target, QUICK)
        assert run.code == 0, (target, run.stderr)
        assert run.log == ["try", "try", "quick", "deploy only eu-west-1"], target


def test_a_hung_step_is_stopped_at_its_timeout_on_both_targets(tmp_path: Path) -> None:
    for target in ("local", "codepipeline"):
        run = _run(tmp_path / target, target, HUNG)
        assert run.code == 3, (target, run.stderr)
        assert run.log == ["try", "try", "hung"], target  # stopped after 2 s, not 30; nothing deployed
        assert run.report["status"] == "failed", target


def test_without_the_loop_the_flaky_step_fails(tmp_path: Path) -> None:
    # The oracle: the compiled request with the step's commands as they were (no retry loop).
    (tmp_path / "app.wave").write_text(WAVE % QUICK, encoding="utf-8")
    built = {fmt: build(tmp_path / "app.wave", "codepipeline", fmt, config=Config()).output
             for fmt in ("json", "cloudformation")}
    assert built["json"] is not None and built["cloudformation"] is not None
    request = json.loads(built["json"])
    (test,) = [s for s in request["pipeline"]["stages"] if s["name"] == "test"]
    (flaky,) = [a for a in test["actions"] if a["name"] == "flaky"]
    assert flaky["commands"][0].startswith("sh -c 'n=0; until sh -c ")
    flaky["commands"] = ['echo try >> "$RUNLOG"; test -e tried || { touch tried; exit 1; }']
    (tmp_path / "old.json").write_text(json.dumps(request), encoding="utf-8")
    (tmp_path / "template.json").write_text(built["cloudformation"], encoding="utf-8")
    old = wavec_run(tmp_path, tmp_path / "old.json", "--template", tmp_path / "template.json", "--speed", FAST,
                    "--now", "2024-06-03T10:00:00Z")
    assert old.code == 3 and old.log == ["try"]
