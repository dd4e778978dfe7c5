"""A scenario's `kill_at_event = N` SIGKILLs the rehearsal right after its N-th event, on either target, and
`wavec run --resume ID` then ends it as the run that was not killed ends (docs/scenarios.md)."""

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
SCENARIO = ('start = "2024-06-03T10:00:00Z"\n[[alarm]]\nname = "errors-us-east-1"\nregion = "us-east-1"\n'
            'state = "ALARM"\nwave = "two"\nminute = 12\n')


def _wavec(tmp: Path, *args: str) -> tuple[int, list[dict[str, Any]], str]:
    env = {**os.environ, "RUNLOG": str(tmp / "run.log"), "PATH": f"{tmp / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run([sys.executable, "-m", "wavec", "run", *args, "--json"], cwd=tmp, env=env, text=True,
                          capture_output=True, timeout=180)
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")], \
        done.stderr


def _end(code: int, events: list[dict[str, Any]]) -> tuple[int, str, list[tuple[str, str]]]:
    report = next(e for e in events if e["event"] == "report")
    return code, report["status"], [(w["name"], w.get("status")) for w in report.get("waves", [])]


@pytest.mark.parametrize("target", ["local", "codepipeline"])
def test_a_killed_rehearsal_resumes_to_the_end_of_the_whole_one(target: str, tmp_path: Path) -> None:
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    for folder, kill in ((whole, ""), (killed, "kill_at_event = 12\n")):
        workdir(folder)
        (folder / "waves.wave").write_text(WAVES.read_text(encoding="utf-8"), encoding="utf-8")
        (folder / "s.toml").write_text(kill + SCENARIO, encoding="utf-8")
    args = ("waves.wave", "--target", target, "--scenario", "s.toml", "--speed", "100000")
    code, events, err = _wavec(whole, *args)
    assert code == 3, err[-2000:]
    expected = _end(code, events)

    code, events, err = _wavec(killed, *args)
    assert code == -signal.SIGKILL, err[-2000:]
    # Killed once event 12 is journaled (the local runner shows an event after its commit, so it may not be shown).
    assert max(e["seq"] for e in events) in (11, 12) and not any(e["event"] == "report" for e in events)
    run_id = next(e["run"] for e in events if e["event"] == "run_started")
    code, events, err = _wavec(killed, "--resume", run_id)
    assert "Traceback" not in err
    assert _end(code, events) == expected
