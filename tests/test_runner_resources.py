"""Bounded resources: a hung rollback times out (and is retried, then reported, then retried by `--resume`),
a full disk or an unwritable log never keeps a rollback from running, output is capped and not read whole."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

from runner_helpers import CrashFleet

from conftest import ROOT

FAST = ("--speed", "6000")

# The rollback of a region with a `hang-REGION` fault hangs (until the command's timeout ends it).
HANGING_ROLLBACK = """echo "rollback $WAVE_WAVE $WAVE_REGION $WAVE_ATTEMPT" >> "$RUNLOG"
if [ -e "$FAULTS/hang-$WAVE_REGION" ]; then sleep 30; fi
rm -f "$STATE/$WAVE_REGION"
"""


def test_a_hung_rollback_times_out_is_retried_then_reported_and_resume_retries_it(tmp_path: Path) -> None:
    f = CrashFleet(tmp_path, "rollback", ("deploy-eu-central-1", "hang-eu-west-1"))
    f.file.write_text(f.file.read_text(encoding="utf-8").replace(
        'rollback = "sh ./rollback.sh"', 'rollback = "sh ./rollback.sh"  timeout = 1s'), encoding="utf-8")
    (f.dir / "rollback.sh").write_text(HANGING_ROLLBACK, encoding="utf-8")
    run = f.run(*FAST)
    assert run.code == 3
    # eu-west-1 hung three times (each ended after 1 s); the other rollback still ran (the two deployed in
    # parallel: which is the newer depends on which finished first).
    rollbacks = [line for line in run.log if line.startswith("rollback")]
    west = ["rollback two eu-west-1 1", "rollback two eu-west-1 2", "rollback two eu-west-1 3"]
    assert rollbacks in ([*west, "rollback two eu-central-1 1"], ["rollback two eu-central-1 1", *west])
    (failed,) = [e for e in run.kinds("node_finished") if e["node"] == "wave:two:rollback:eu-west-1"]
    assert failed["status"] == "failed" and "timed out after 1s (3 attempts)" in failed["reason"]
    assert run.kinds("run_finished")[-1]["status"] == "rollback_failed"
    rid = f.journals()[0].stem
    assert f"ROLLBACK FAILED for: eu-west-1 (two) — fix the cause (their logs: .wavec/runs/{rid}/), then " \
        f"`wavec run --resume {rid}` tries them again" in run.proc.stdout
    assert f.deployed() == {"eu-west-1": "two", "us-east-1": "one"}
    (f.faults / "hang-eu-west-1").unlink()  # the cause is fixed
    again = f.run("--resume", rid, *FAST)
    assert again.code == 3 and again.kinds("run_finished")[-1]["status"] == "rolled_back", again.proc.stdout
    assert again.log[-1] == "rollback two eu-west-1 4" and f.deployed() == {"us-east-1": "one"}
    assert "FAILED, ROLLED BACK" in again.proc.stdout


def test_a_full_disk_or_an_unwritable_log_does_not_keep_a_rollback_from_running(tmp_path: Path) -> None:
    f = CrashFleet(tmp_path, "rollback", ("deploy-eu-central-1",))
    f.killed_run("breach")  # the decision is taken; now the disk fills up
    (journal,) = f.journals()
    logs = journal.with_suffix("")
    (logs / "wave_two_rollback_eu-west-1.log").symlink_to("/dev/full")  # every write: ENOSPC
    (logs / "wave_two_rollback_eu-central-1.log").mkdir()  # cannot even be opened
    run = f.run("--resume", journal.stem, *FAST)
    assert run.code == 3 and run.kinds("run_finished")[-1]["status"] == "rolled_back", run.proc.stdout
    assert f.deployed() == {"us-east-1": "one"}
    notes = {e["node"]: e["text"] for e in run.kinds("note") if "node" in e}
    assert "No space left on device" in notes["wave:two:rollback:eu-west-1"]
    assert "output discarded" in notes["wave:two:rollback:eu-central-1"]


def test_output_is_streamed_to_a_capped_log_and_never_read_whole(tmp_path: Path) -> None:
    f = CrashFleet(tmp_path, "rollback")
    # 64 MiB of output, then the reason, then a failure.
    (f.dir / "deploy.sh").write_text('head -c 67108864 /dev/zero | tr "\\0" x; echo; echo "the real reason"; '
                                     'exit 7\n', encoding="utf-8")
    probe = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[1:]); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, p.returncode)")
    proc = subprocess.run([sys.executable, "-c", probe, *f.command("fleet.wave", *FAST)], cwd=f.dir,
                          env={**f.env(), "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120)
    peak_kib, code = map(int, proc.stdout.split()[-2:])
    assert code == 3, proc.stdout + proc.stderr
    # The runner alone peaks at about 45 MiB here; reading the log whole (as wavec did) peaked at 171 MiB.
    assert peak_kib < 100 * 1024, f"peak RSS {peak_kib} KiB"
    (journal,) = f.journals()
    (failed,) = [e for e in f.events() if e["event"] == "node_finished" and e["node"] == "wave:one:deploy:us-east-1"]
    assert failed["reason"].startswith("exit 7") and "the real reason" in failed["reason"]
    log = journal.with_suffix("") / "wave_one_deploy_us-east-1.log"
    size = log.stat().st_size
    assert 16 * 2**20 <= size < 16 * 2**20 + 4096
    with log.open("rb") as fh:
        fh.seek(-200, os.SEEK_END)
        assert b"more bytes of output dropped" in fh.read()


def test_a_journal_that_cannot_grow_stops_the_run_and_a_resume_finishes_it(tmp_path: Path) -> None:
    f = CrashFleet(tmp_path, "rollback", ("deploy-eu-central-1",))
    f.killed_run("bake_started")
    (journal,) = f.journals()
    limit = journal.stat().st_size + 1500  # a few more commits fit, then writes fail (EFBIG, like a full disk)

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))

    proc = subprocess.run(f.command("--resume", journal.stem, *FAST), cwd=f.dir, env=f.env(), text=True,
                          capture_output=True, timeout=60, preexec_fn=small_files)
    assert proc.returncode == 130, proc.stdout + proc.stderr
    assert f"cannot write the journal {journal}" in proc.stderr and "Traceback" not in proc.stderr
    assert f"Resume with: wavec run --resume {journal.stem}" in proc.stderr
    run = f.run("--resume", journal.stem, *FAST)
    assert run.code == 3 and run.kinds("run_finished")[-1]["status"] == "rolled_back", run.proc.stderr
    assert f.deployed() == {"us-east-1": "one"}
