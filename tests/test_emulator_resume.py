"""An emulated run killed at any point and resumed (`wavec run --resume ID`) ends as the uninterrupted run does.

The emulator journals every event and, fsynced as each command ends, what it did (emulator/journal.py). A
resume replays the run from its saved inputs: finished commands are not run again, and the journaled events
must come out the same (else the resume refuses). These tests SIGKILL the emulator after the k-th finished
node of a rollout with a breach and a rollback, resume it, and compare with the run that was not killed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from emulator_helpers import ROOT, workdir

pytestmark = pytest.mark.slow

WAVES = ROOT / "tests" / "parity" / "fixtures" / "waves.wave"
# The alarm of wave two's us-east-1 fires at its bake minute 12: the wave rolls back, wave three never starts.
SCENARIO = ('start = "2024-06-03T10:00:00Z"\n[[alarm]]\nname = "errors-us-east-1"\nregion = "us-east-1"\n'
            'state = "ALARM"\nwave = "two"\nminute = 12\n')


def _start(tmp: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "RUNLOG": str(tmp / "run.log"), "PATH": f"{tmp / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.Popen([sys.executable, "-m", "wavec", "run", *args, "--json"], cwd=tmp, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _prepared(tmp: Path) -> Path:
    workdir(tmp)
    (tmp / "waves.wave").write_text(WAVES.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp / "scenario.toml").write_text(SCENARIO, encoding="utf-8")
    return tmp


def _finish(proc: subprocess.Popen[str]) -> tuple[int, list[dict[str, Any]], str]:
    out, err = proc.communicate(timeout=120)
    return proc.returncode, [json.loads(line) for line in out.splitlines() if line.startswith("{")], err


def _outcome(code: int, events: list[dict[str, Any]]) -> dict[str, Any]:
    """What a user checks of the end: exit, status, each wave's fate, the rollback order."""
    report = next(e for e in events if e["event"] == "report")
    return {"exit": code, "status": report["status"], "reason": report.get("reason"),
            "waves": [(w["name"], w.get("status"), w.get("rolled_back")) for w in report.get("waves", [])],
            "rollback_order": report.get("rollback_order")}


def _run(tmp: Path, *extra: str) -> subprocess.Popen[str]:
    return _start(tmp, "waves.wave", "--target", "codepipeline", "--scenario", "scenario.toml",
                  "--speed", "100000", *extra)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], list[str]]:
    tmp = _prepared(tmp_path_factory.mktemp("whole"))
    code, events, err = _finish(_run(tmp))
    assert code == 3, err[-2000:]
    return _outcome(code, events), (tmp / "run.log").read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("k", [1, 3, 4, 5])
def test_a_run_killed_after_its_kth_finished_node_resumes_to_the_same_end(
        k: int, tmp_path: Path, uninterrupted: tuple[dict[str, Any], list[str]]) -> None:
    tmp = _prepared(tmp_path)
    proc = _run(tmp)
    assert proc.stdout is not None
    run_id, finished, seen = None, 0, []
    for line in proc.stdout:
        event = json.loads(line)
        run_id = event.get("run", run_id) if event["event"] == "run_started" else run_id
        if event["event"] == "node_finished" and str(event.get("node")).startswith("wave:") and event.get(
                "kind") in ("deploy", "rollback"):
            finished += 1
            seen.append(event["node"])
            if finished == k:
                os.kill(proc.pid, signal.SIGKILL)
                break
    proc.wait(timeout=30)
    assert run_id is not None and finished == k
    code, events, err = _finish(_start(tmp, "--resume", run_id))
    assert "Traceback" not in err, err[-2000:]
    expected_outcome, expected_log = uninterrupted
    assert _outcome(code, events) == expected_outcome
    log = (tmp / "run.log").read_text(encoding="utf-8").splitlines()
    # The same commands (the targets of one batch run at once, in either order) …
    assert sorted(set(log)) == sorted(expected_log)
    # … and nothing that had finished before the kill ran again (a command still running then may).
    finished_lines = [f"{kind} {wave} {target}" for wave, kind, target in
                      (node.split(":")[1:] for node in seen)]
    assert all(log.count(line) == 1 for line in finished_lines), (finished_lines, log)
    # The resumed attempt shows only what the killed one had not shown.
    assert not any(e["event"] == "run_started" for e in events)


def test_a_torn_last_line_is_dropped_and_a_damaged_middle_line_is_refused(tmp_path: Path) -> None:
    tmp = _prepared(tmp_path)
    code, events, err = _finish(_run(tmp))
    assert code == 3, err[-2000:]
    run_id = next(e["run"] for e in events if e["event"] == "run_started")
    journal = tmp / ".wavec" / "emulator" / run_id / "journal.jsonl"
    lines = journal.read_text(encoding="utf-8").splitlines()
    journal.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][: len(lines[-1]) // 2], encoding="utf-8")
    code, _, err = _finish(_start(tmp, "--resume", run_id))
    assert code == 3 and "Traceback" not in err
    lines = journal.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3][:10]
    journal.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = _finish(_start(tmp, "--resume", run_id))
    assert code == 2
    assert "journal.jsonl:4 is damaged" in err and "Traceback" not in err


def test_a_replay_that_differs_from_its_journal_is_refused(tmp_path: Path) -> None:
    tmp = _prepared(tmp_path)
    code, events, err = _finish(_run(tmp))
    assert code == 3, err[-2000:]
    run_id = next(e["run"] for e in events if e["event"] == "run_started")
    # The kept scenario now fires the alarm in wave one: the replay cannot come out as the journal says.
    kept = tmp / ".wavec" / "emulator" / run_id / "inputs" / "scenario.json"
    copy = json.loads(kept.read_text(encoding="utf-8"))
    copy["text"] = copy["text"].replace('"errors-us-east-1"', '"errors-eu-west-1"').replace(
        'region = "us-east-1"', 'region = "eu-west-1"').replace('wave = "two"', 'wave = "one"')
    kept.write_text(json.dumps(copy), encoding="utf-8")
    code, _, err = _finish(_start(tmp, "--resume", run_id))
    assert code == 2
    assert "differs from its journal" in err and "Traceback" not in err
