"""Defect 7 of the production-parity issue: approval → window → blockers → deploy, on both targets.

Entry conditions run before a stage's actions, approvals included (rule 29 of docs/codepipeline.md), and are not
checked again (rules 38, 52). With the approval inside the wave's stage, an approval given after the window
closed deployed at once, outside the window. A Friday 16:30 start whose approval comes at 17:15 must deploy on
Monday at 09:00, in `wavec run` and in the emulated pipeline; the old layout (the approval moved back into the
wave's stage) deploys on Friday at 17:15, which the emulator shows.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from emulator_helpers import FAST, Run, app_pipeline, wavec_run

# Emulated runs (moto's server, real subprocesses): seconds each; CI runs them, the inner loop skips them.
pytestmark = pytest.mark.slow

WAVE = app_pipeline("""
window office { days = [mon, tue, wed, thu, fri]  hours = [09:00, 17:00]  timezone = "UTC" }
gate entry { approval = true }
wave prod { regions = ["us-east-1"]  bake = 10m  gates = [entry]  windows = [office] }
""")
# Friday 16:30; the approval is given 45 minutes later, after the window closed at 17:00.
SCENARIO = 'start = "2024-06-07T16:30:00Z"\n[[approval]]\nwave = "prod"\ndecision = "approve"\nafter = "45m"\n'
MONDAY_9 = datetime(2024, 6, 10, 9, 0, tzinfo=UTC)


def _at(run: Run, event: str, kind: str) -> datetime:
    """The virtual instant of the first ``event`` of a node of ``kind``."""
    (first, *_) = [e for e in run.events if e["event"] == event and e.get("kind") == kind]
    return datetime.fromisoformat(first["at"].replace("Z", "+00:00"))


def _files(tmp: Path) -> tuple[Path, Path]:
    (tmp / "late.wave").write_text(WAVE, encoding="utf-8")
    (tmp / "late.toml").write_text(SCENARIO, encoding="utf-8")
    return tmp / "late.wave", tmp / "late.toml"


def test_wavec_run_waits_for_the_window_after_a_late_approval(tmp_path: Path) -> None:
    wave, scenario = _files(tmp_path)
    run = wavec_run(tmp_path, wave, "--target", "local", "--scenario", scenario, "--speed", FAST)
    assert run.code == 0, run.stderr
    order = [(e["event"], e["kind"]) for e in run.events if e["event"] in ("node_started", "node_finished")]
    assert order[:5] == [("node_started", "approval"), ("node_finished", "approval"), ("node_started", "window"),
                         ("node_finished", "window"), ("node_started", "deploy")]
    (wait,) = run.of("window_wait", wave="prod")
    assert datetime.fromisoformat(wait["until"]) == MONDAY_9
    assert run.log == ["deploy prod us-east-1"]


def test_the_compiled_pipeline_waits_for_the_window_after_a_late_approval(tmp_path: Path) -> None:
    wave, scenario = _files(tmp_path)
    run = wavec_run(tmp_path, wave, "--target", "codepipeline", "--scenario", scenario, "--speed", FAST)
    assert run.code == 0, run.stderr
    assert "Exception=" not in run.stderr  # the interpreter's log is not the run's output
    assert _at(run, "node_finished", "approval") == datetime(2024, 6, 7, 17, 15, tzinfo=UTC)
    assert _at(run, "node_started", "deploy") == MONDAY_9


def test_the_old_layout_deploys_outside_the_window(tmp_path: Path) -> None:
    # The oracle: the approval put back into the wave's stage, where it ran after the entry condition.
    wave, scenario = _files(tmp_path)
    out = {fmt: subprocess.run([sys.executable, "-m", "wavec", "build", str(wave), "--target", "codepipeline",
                                "--format", fmt], capture_output=True, text=True, check=True, cwd=tmp_path).stdout
           for fmt in ("json", "cloudformation")}
    (tmp_path / "template.json").write_text(out["cloudformation"], encoding="utf-8")
    request = json.loads(out["json"])
    stages = request["pipeline"]["stages"]
    (approve,) = [s for s in stages if s["name"] == "approve-prod"]
    (prod,) = [s for s in stages if s["name"] == "wave-prod"]
    for a in prod["actions"]:
        a["runOrder"] += 1
    prod["actions"] = approve["actions"] + prod["actions"]
    stages.remove(approve)
    old = tmp_path / "old.json"
    old.write_text(json.dumps(request), encoding="utf-8")
    run = wavec_run(tmp_path, old, "--template", tmp_path / "template.json", "--scenario", scenario, "--speed", FAST)
    assert run.code == 0, run.stderr
    assert _at(run, "node_started", "deploy") == datetime(2024, 6, 7, 17, 15, tzinfo=UTC)
