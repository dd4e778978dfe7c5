"""The runner's journal is a write-ahead log: a kill after any commit, then `--resume`, ends where an
uninterrupted run ends; damage is refused by line; one process owns a run; a dead run's commands do not
outlive it into the resumed one."""

from __future__ import annotations

import itertools
import json
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from runner_helpers import CrashFleet, Fleet, Run, fleet, journal_events

FAST = ("--speed", "6000")


@dataclass(frozen=True)
class End:
    """What a finished run leaves: its exit code and status, what stays deployed, what was rolled back."""

    code: int
    status: str
    deployed: dict[str, str]
    rolled_back: frozenset[str]
    plan: frozenset[str]


def end_of(f: CrashFleet, run: Run) -> End:
    events = run.events
    finished = [e for e in events if e["event"] == "run_finished"]
    assert finished, f"exit {run.code}: {run.proc.stdout}{run.proc.stderr}"
    rolled = [e["node"] for e in events if e["event"] == "node_finished" and e["kind"] == "rollback"
              and e["status"] == "ok"]
    assert len(rolled) == len(set(rolled)), f"a rollback finished twice: {rolled}"
    plans = [e["nodes"] for e in events if e["event"] == "rollback_plan"]
    assert len(plans) <= 1, "the rollback plan was decided twice"
    return End(run.code, finished[-1]["status"], f.deployed(), frozenset(rolled), frozenset(plans[0] if plans else []))


# (on_breach, faults, what stays deployed): a failed deploy beside a parallel one, a gate breach rolling back
# every wave, a gate breach halting.
CASES = {
    "rollback": ("rollback", ("deploy-eu-central-1",), {"us-east-1": "one"}),
    "rollback_all": ("rollback_all", ("eu-west-1",), {}),
    "halt": ("halt", ("eu-west-1",), {"us-east-1": "one", "eu-west-1": "two", "eu-central-1": "two"}),
}


def resume_after_kill(f: CrashFleet, crash: str) -> tuple[subprocess.CompletedProcess[str], Run | None]:
    """Kill the run after commit ``crash`` (a number or an event name), then resume it; ``None`` when the run
    ended before reaching it."""
    proc = f.killed_run(crash)
    if proc.returncode != -signal.SIGKILL:
        return proc, None
    (journal,) = f.journals()
    return proc, f.run("--resume", journal.stem, *FAST)


def check_resumed(f: CrashFleet, run: Run, expected: End) -> None:
    assert end_of(f, run) == expected, run.proc.stdout + run.proc.stderr
    resumed_at = next(i for i, e in enumerate(run.events) if e["event"] == "run_resumed")
    before, after = run.events[:resumed_at], run.events[resumed_at:]
    done = {e["node"] for e in before if e["event"] == "node_finished"}
    again = {e["node"] for e in after if e["event"] == "node_started"} & done
    assert not again, f"finished nodes ran again after the resume: {again}"


@pytest.mark.parametrize("case", CASES)
def test_a_kill_right_after_the_decision_changes_nothing(tmp_path: Path, case: str) -> None:
    on_breach, faults, deployed = CASES[case]
    whole = CrashFleet(tmp_path / "whole", on_breach, faults)
    expected = end_of(whole, whole.run(*FAST))
    assert expected.deployed == deployed and expected.code == 3
    if on_breach != "halt":  # the deploy still running beside the failure is rolled back too
        assert {"wave:two:rollback:eu-west-1", "wave:two:rollback:eu-central-1"} <= expected.rolled_back
    for crash in ("breach", "node_started", "process"):
        f = CrashFleet(tmp_path / crash, on_breach, faults)
        _, run = resume_after_kill(f, crash)
        assert run is not None
        check_resumed(f, run, expected)


@pytest.mark.slow  # two runs per journal commit of three rollouts: about a minute
@pytest.mark.parametrize("case", CASES)
def test_a_kill_after_every_commit_then_resume_ends_as_the_uninterrupted_run(tmp_path: Path, case: str) -> None:
    on_breach, faults, _ = CASES[case]
    whole = CrashFleet(tmp_path / "whole", on_breach, faults)
    expected = end_of(whole, whole.run(*FAST))
    for commit in itertools.count(1):
        f = CrashFleet(tmp_path / str(commit), on_breach, faults)
        proc, run = resume_after_kill(f, str(commit))
        if run is None:  # the run ended before this commit: every boundary was tried
            assert proc.returncode == expected.code and commit > 10, proc.stdout + proc.stderr
            break
        check_resumed(f, run, expected)


def test_a_damaged_middle_line_is_refused_by_line_and_nothing_runs(tmp_path: Path) -> None:
    f = CrashFleet(tmp_path, "rollback")
    f.killed_run("bake_started")
    (journal,) = f.journals()
    lines = journal.read_bytes().split(b"\n")
    good = b"\n".join(lines)
    for damage, message in ((lines[2].replace(b'"time": "2', b'"time": "3'), "line 3: checksum mismatch"),
                            (lines[2][:40], "line 3: not JSON"),
                            (b"\xff" + lines[2], "line 3: not UTF-8"),
                            (lines[3], "line 3: commit number 4 where 3 was expected")):
        journal.write_bytes(b"\n".join([*lines[:2], damage, *lines[3:]]))
        before = f.log()
        run = f.run("--resume", journal.stem, *FAST)
        assert run.code == 2 and message in run.proc.stderr, run.proc.stderr
        assert "Traceback" not in run.proc.stderr and f.log() == before  # nothing ran
    journal.write_bytes(good)
    run = f.run("--resume", journal.stem, *FAST)
    assert run.code == 0, run.proc.stderr


def test_a_missing_key_and_an_empty_journal_are_errors_not_a_fresh_start(tmp_path: Path) -> None:
    f = CrashFleet(tmp_path, "rollback")
    f.killed_run("bake_started")
    (journal,) = f.journals()
    lines = journal.read_text(encoding="utf-8").splitlines()
    commit = json.loads(lines[1])
    del commit["events"][0]["node"]
    del commit["sum"]
    from wavec.runner.journal import encode_commit

    journal.write_bytes(b"\n".join([lines[0].encode(), encode_commit(2, commit["events"]).rstrip(),
                                    *(ln.encode() for ln in lines[2:])]) + b"\n")
    run = f.run("--resume", journal.stem)
    assert run.code == 2 and "line 2: event node_started (seq 2) has no `node`" in run.proc.stderr
    journal.write_bytes(b"")
    run = f.run("--resume", journal.stem)
    assert run.code == 2 and "the journal is empty" in run.proc.stderr and "Traceback" not in run.proc.stderr


def test_a_torn_last_record_is_dropped_and_the_resume_says_so(tmp_path: Path) -> None:
    f = CrashFleet(tmp_path, "rollback")
    f.killed_run("bake_started")
    (journal,) = f.journals()
    count = len(journal.read_bytes().split(b"\n")) - 1
    with journal.open("ab") as out:
        out.write(b'{"commit": 99, "events": [{"event": "node_fini')
    run = f.run("--resume", journal.stem, *FAST)
    assert run.code == 0, run.proc.stderr
    (resumed,) = [e for e in run.events if e["event"] == "run_resumed"]
    assert resumed["dropped_torn_line"] == count + 1
    assert f.deployed() == {"us-east-1": "one", "eu-west-1": "two", "eu-central-1": "two"}


# The deploy to eu-west-1 waits, in the resume, for the file `go`; the first one announces itself.
WAITING_DEPLOY = """echo "deploy $WAVE_WAVE $WAVE_REGION $WAVE_ATTEMPT $WAVE_NODE_KEY" >> "$RUNLOG"
if [ "$WAVE_REGION" = eu-west-1 ]; then
  touch "$FAULTS/waiting-$WAVE_ATTEMPT"
  while [ ! -e "$FAULTS/go" ]; do sleep 0.01; done
fi
mkdir -p "$STATE" && echo "$WAVE_WAVE" > "$STATE/$WAVE_REGION"
"""


def wait_for_file(path: Path, proc: subprocess.Popen[str] | None = None) -> None:
    """Poll for ``path`` (a script creates it when it reaches that point)."""
    deadline = time.monotonic() + 30
    while not path.exists():
        assert proc is None or proc.poll() is None, proc.communicate() if proc else ""
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.01)


def test_a_second_resume_of_a_running_run_refuses_and_names_the_holder(tmp_path: Path) -> None:
    f = CrashFleet(tmp_path, "rollback")
    (f.dir / "deploy.sh").write_text(WAITING_DEPLOY, encoding="utf-8")
    f.killed_run("bake_started")
    (journal,) = f.journals()
    first = subprocess.Popen(f.command("--resume", journal.stem, *FAST), cwd=f.dir, env=f.env(), text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for_file(f.faults / "waiting-1", first)  # the first resume is deploying
        second = f.run("--resume", journal.stem, *FAST)
        assert second.code == 2, second.proc.stderr
        assert f"is being run by process {first.pid}" in second.proc.stderr
        (f.faults / "go").write_text("", encoding="utf-8")
        out, err = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert first.returncode == 0, out + err
    deploys = [line.split()[2] for line in f.log() if line.startswith("deploy")]
    assert sorted(deploys) == ["eu-central-1", "eu-west-1", "us-east-1"]  # each once: the second did nothing


def test_commands_of_a_killed_run_are_ended_before_the_resume_runs_them_again(tmp_path: Path) -> None:
    f = CrashFleet(tmp_path, "rollback")
    (f.dir / "deploy.sh").write_text(WAITING_DEPLOY.replace(
        'touch "$FAULTS/waiting-$WAVE_ATTEMPT"',
        'echo $$ > "$FAULTS/pid-$WAVE_ATTEMPT"; trap "" TERM\n'  # the first one even ignores SIGTERM
        # alive: not gone, and not a zombie (dead, waiting to be reaped by whoever adopted it)
        '  if [ "$WAVE_ATTEMPT" = 2 ]; then state=$(cut -d" " -f3 "/proc/$(cat "$FAULTS/pid-1")/stat" 2>/dev/null); '
        '[ -n "$state" ] && [ "$state" != Z ] && echo "orphan alive" >> "$RUNLOG"; touch "$FAULTS/go"; fi\n'
        '  touch "$FAULTS/waiting-$WAVE_ATTEMPT"'), encoding="utf-8")
    proc = subprocess.Popen(f.command("fleet.wave", *FAST), cwd=f.dir, env=f.env(), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for_file(f.faults / "waiting-1", proc)  # mid-deploy
    # The runner journals the command's process group just after starting it, so the command can reach its
    # marker first: the kill is meant for after that line.
    deadline = time.monotonic() + 30
    while not any(e["event"] == "process" and e["node"] == "wave:two:deploy:eu-west-1" for e in f.events()):
        assert time.monotonic() < deadline, "the process group was never journaled"
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    orphan = int((f.faults / "pid-1").read_text())
    (journal,) = f.journals()
    run = f.run("--resume", journal.stem, *FAST)
    assert run.code == 0, run.proc.stdout + run.proc.stderr
    assert "orphan alive" not in run.log
    (group,) = [e["pgid"] for e in run.events if e["event"] == "process" and e["attempt"] == 1
                and e["node"] == "wave:two:deploy:eu-west-1"]  # the journal named the group it ran in
    ended = [e for e in run.events if e["event"] == "note" and "groups" in e]
    assert ended and ended[0]["groups"] == [group]
    first, second = (line.split() for line in run.log if line.startswith("deploy two eu-west-1"))
    assert (first[3], second[3]) == ("1", "2") and first[4] == second[4]  # attempt 1 and 2, one idempotency key
    assert not Path(f"/proc/{orphan}").exists() or "Z" in Path(f"/proc/{orphan}/stat").read_text().split()[2]


def test_a_finished_run_resumed_again_does_nothing(tmp_path: Path) -> None:
    f = Fleet(tmp_path, fleet())
    run = f.run(*FAST)
    again = f.run("--resume", f.journals()[0].stem)
    assert again.code == run.code == 0 and again.log == run.log
    assert journal_events(f.journals()[0])[-1]["event"] == "run_resumed"

