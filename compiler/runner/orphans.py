"""The commands a dead run left behind: found, ended and awaited before a resumed run re-runs anything.

Commands run in sessions of their own, so a runner killed with ``kill -9`` does
not take them along. A resumed run looks for survivors two ways: the process
groups its journal recorded (``process`` events), and — on Linux, where
``/proc`` shows every process's environment — any process whose environment
says ``WAVE_RUN_ID=<this run>`` (every command of a run inherits it, and so do
the processes they start, whatever their group); a group counts with any such
member, so a recorded number now used by someone else is left alone. Each group found is sent
SIGTERM, then SIGKILL after a grace period, and the resumed run waits until
none is alive. Zombies (dead, not yet reaped) count as gone.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterable
from pathlib import Path

from ..records import record

PROC = Path("/proc")


@record
class Proc:
    """One live process: its id and process group."""

    pid: int
    group: int


def _processes() -> list[Proc] | None:
    """Every live process (not a zombie), or ``None`` where ``/proc`` does not list them."""
    if not (PROC / "self" / "stat").exists():
        return None
    out = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()  # after "pid (comm) ": state ppid pgrp …
        if len(fields) < 3 or fields[0] in ("Z", "X"):
            continue
        out.append(Proc(int(entry.name), int(fields[2])))
    return out


def _environ_has(pid: int, marker: bytes) -> bool:
    try:
        return marker in (PROC / str(pid) / "environ").read_bytes().split(b"\0")
    except OSError:
        return False


def survivors(run_id: str, groups: Iterable[int]) -> set[int]:
    """The process groups of run ``run_id`` that still have a live process (``groups``: the recorded ones)."""
    mine = {os.getpid(), os.getppid()}
    procs = _processes()
    recorded = set(groups)
    if procs is None:  # no /proc: trust the recorded groups
        return {g for g in recorded if _signal_group(g, 0)}
    marker = f"WAVE_RUN_ID={run_id}".encode()
    found = set()
    for proc in procs:
        if proc.pid in mine or proc.group == os.getpgrp():
            continue
        # A recorded group counts only with a member of this run: its number may belong to someone else now.
        if proc.group not in found and _environ_has(proc.pid, marker):
            found.add(proc.group)
    return found


def _signal_group(group: int, sig: int) -> bool:
    try:
        os.killpg(group, sig)
    except ProcessLookupError:
        return False
    except PermissionError:
        return sig == 0
    return True


def end_survivors(run_id: str, groups: Iterable[int], grace: float = 2.0) -> list[int]:
    """End every surviving process group of run ``run_id`` (SIGTERM, then SIGKILL after ``grace`` seconds) and
    wait until none is left; the groups that were found."""
    recorded = list(groups)
    found = sorted(survivors(run_id, recorded))
    if not found:
        return []
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 30.0)):
        for group in survivors(run_id, recorded):
            _signal_group(group, sig)
        deadline = time.monotonic() + wait
        while survivors(run_id, recorded) and time.monotonic() < deadline:
            time.sleep(0.02)  # waiting for the kernel to end them: there is no event to wait on
        if not survivors(run_id, recorded):
            break
    return found
