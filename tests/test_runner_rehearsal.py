"""The README's main job: the rehearsal fleet rolls a faulty region back on its own and leaves nothing running."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from runner_helpers import journal_events

from conftest import EXAMPLES, cli

SHOP = EXAMPLES / "rehearsal" / "shop.wave"


def test_rehearsal_is_check_clean() -> None:
    proc = cli("check", str(SHOP))
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.slow  # a real rollout of the rehearsal services, seconds
def test_fault_in_one_region_is_rolled_back_and_no_service_is_left_running(tmp_path: Path) -> None:
    env = {**os.environ, "WAVE_FAULT_REGION": "eu-west-1"}
    proc = subprocess.run([sys.executable, "-m", "wavec", "run", str(SHOP), "--speed", "6000"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "wave world: not started" in proc.stdout
    (journal,) = (tmp_path / ".wavec" / "runs").glob("*.jsonl")
    events = journal_events(journal)
    # The two europe targets deploy in parallel; they are rolled back newest first.
    deployed = [e["target"] for e in events if e["event"] == "node_finished" and e["kind"] == "deploy"
                and e["wave"] == "europe"]
    rolled = [e["target"] for e in events if e["event"] == "node_finished" and e["kind"] == "rollback"]
    assert sorted(deployed) == ["eu-central-1", "eu-west-1"] and rolled == deployed[::-1]
    execution = events[0]["execution"]
    breach = next(e for e in events if e["event"] == "breach")
    assert "500 shop v2 in eu-west-1" in breach["reason"]  # the health check really asked the service
    # Every service of the rehearsal stops once the run is over.
    state = Path(tempfile.gettempdir()) / "wavec-rehearsal" / execution
    pids = {p.stem: int(p.read_text()) for p in state.glob("*.pid")}
    assert "us-east-1" in pids  # the baked onebox wave was not rolled back: its service ran until the end
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (alive := [r for r, pid in pids.items() if running(pid)]):
        time.sleep(0.1)
    assert alive == []
    assert sorted(p.name for p in state.glob("*.port")) == []


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not status.exists() or "State:\tZ" not in status.read_text()
