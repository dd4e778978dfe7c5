"""Crash safety: `kill -9` during a bake or a rollback, then `--resume`; Ctrl-C stops cleanly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from runner_helpers import Fleet, fleet

DEPLOYS = ["deploy one us-east-1", "deploy two eu-west-1", "deploy two eu-central-1", "deploy three ap-southeast-2"]
# The first rollback attempt hangs while the runner lives and dies with it without finishing — a rollback
# caught in the middle by the crash.
SLOW_ROLLBACK = ('if [ -e \\"$FAULTS/slow-rollback\\" ]; then rm \\"$FAULTS/slow-rollback\\"; '
                 'while kill -0 \\"$WAVE_RUNNER_PID\\" 2>/dev/null; do sleep 0.05; done; exit 1; fi; '
                 'echo rollback ${wave} ${region} >> \\"$RUNLOG\\"')


def _interruptible() -> None:
    # A suite started in the background (`cmd &`, nohup) inherits SIGINT ignored, and so would the run: Python
    # then installs no KeyboardInterrupt handler and the Ctrl-C test's interrupt is lost. A terminal's Ctrl-C
    # reaches a foreground run with SIGINT at its default, so that is what the run under test gets.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(f: Fleet, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "wavec", "run", "fleet.wave", *args], cwd=f.dir, env=f.env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_interruptible)


def wait_for(f: Fleet, proc: subprocess.Popen[str], seen: Callable[[dict[str, Any]], bool]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if any(seen(e) for e in f.events()):
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.01)
    raise AssertionError("the run never reached the expected event")


def run_id(f: Fleet) -> str:
    (path,) = f.journals()
    return path.stem


@pytest.mark.slow  # bakes at speed 100 in real time until the kill
def test_kill_9_during_a_bake_then_resume_deploys_each_target_once(tmp_path: Path) -> None:
    f = Fleet(tmp_path, fleet())
    proc = start(f, "--speed", "100")
    wait_for(f, proc, lambda e: e["event"] == "bake_started" and e["wave"] == "two")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert f.log() == ["create test", "test unit", "destroy test", *DEPLOYS[:3]]
    run = f.run("--resume", run_id(f), "--speed", "6000")
    assert run.code == 0, run.proc.stdout + run.proc.stderr
    assert run.log == ["create test", "test unit", "destroy test", *DEPLOYS]
    assert [line for line in run.log if line in DEPLOYS] == DEPLOYS  # each target deployed exactly once
    assert run.kinds("run_resumed") and run.kinds("run_finished")[-1]["status"] == "succeeded"
    # The bake picked up where it stopped: its progress never went backwards.
    progress = [e["elapsed"] for e in run.events if e["event"] == "bake_progress" and e["wave"] == "two"]
    assert progress == sorted(progress)


def test_kill_9_during_a_rollback_then_resume_finishes_the_rollback(tmp_path: Path) -> None:
    f = Fleet(tmp_path, fleet(rollback=SLOW_ROLLBACK))
    f.fault("eu-west-1")
    f.fault("slow-rollback")
    proc = start(f, "--speed", "6000")
    # Kill once the rollback command is really under way (it has taken the marker).
    wait_for(f, proc, lambda e: e["event"] == "node_started" and e["kind"] == "rollback"
             and not (f.faults / "slow-rollback").exists())
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not any(line.startswith("rollback") for line in f.log())
    run = f.run("--resume", run_id(f))
    assert run.code == 3, run.proc.stdout + run.proc.stderr
    assert run.log == ["create test", "test unit", "destroy test", *DEPLOYS[:3],
                       "rollback two eu-central-1", "rollback two eu-west-1"]
    assert run.kinds("run_finished")[-1]["status"] == "rolled_back"
    # A finished run resumed again does nothing more and keeps its exit code.
    again = f.run("--resume", run_id(f))
    assert again.code == 3 and again.log == run.log


def test_ctrl_c_stops_cleanly_and_says_how_to_resume(tmp_path: Path) -> None:
    # A 30 m bake at x100 is 18 s of real time: the interrupt lands inside it however late a loaded machine lets
    # the test read the journal (with 3 m it once landed after the run had finished).
    f = Fleet(tmp_path, fleet(bake="30m"))
    proc = start(f, "--speed", "100")
    wait_for(f, proc, lambda e: e["event"] == "bake_started" and e["wave"] == "one")
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    rid = run_id(f)
    assert f"Resume with: wavec run --resume {rid}" in err and "Traceback" not in err
    assert f.events()[-1]["event"] == "run_interrupted"
    run = f.run("--resume", rid, "--speed", "6000")
    assert run.code == 0 and run.log == ["create test", "test unit", "destroy test", *DEPLOYS]


def test_torn_last_journal_line_is_ignored_on_resume(tmp_path: Path) -> None:
    # A 30 m bake at x100 is 18 s of real time: the interrupt lands inside it however late a loaded machine lets
    # the test read the journal (with 3 m it once landed after the run had finished).
    f = Fleet(tmp_path, fleet(bake="30m"))
    proc = start(f, "--speed", "100")
    wait_for(f, proc, lambda e: e["event"] == "bake_started" and e["wave"] == "one")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    (path,) = f.journals()
    with path.open("a", encoding="utf-8") as out:
        out.write('{"event": "node_fini')  # what a crash in the middle of a write leaves
    run = f.run("--resume", path.stem, "--speed", "6000")
    assert run.code == 0
    assert [line for line in run.log if line.startswith("deploy")] == DEPLOYS
    assert all(json.loads(line) for line in path.read_text().splitlines())
    assert os.environ.get("RUNLOG") is None  # the in-process run restored the environment
