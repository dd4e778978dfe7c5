"""Timing and memory of child processes: each run is a fresh interpreter (a cold start).

Wall time comes from ``time.perf_counter`` around the child; peak memory from the child's own
``ru_maxrss`` as ``os.wait4`` reports it (kilobytes on Linux), so the parent's memory never leaks
into the figure.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Sample:
    """Several runs of one command: wall times in seconds, peak RSS in KiB, exit codes."""

    label: str
    command: tuple[str, ...]
    times: tuple[float, ...]
    maxrss_kib: tuple[int, ...]
    returncodes: tuple[int, ...]
    stderr_tail: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def median(self) -> float:
        """Median wall time (seconds)."""
        return statistics.median(self.times)

    @property
    def best(self) -> float:
        """Fastest wall time (seconds): the least disturbed by other load on the machine."""
        return min(self.times)

    @property
    def peak_mib(self) -> float:
        """Largest peak resident set size over the runs, in MiB."""
        return max(self.maxrss_kib) / 1024

    @property
    def ok(self) -> bool:
        """Whether every run exited 0."""
        return all(rc == 0 for rc in self.returncodes)


def run_once(command: Sequence[str], cwd: Path | None = None, env: dict[str, str] | None = None
             ) -> tuple[float, int, int, str]:
    """Run ``command`` once: (wall seconds, peak RSS KiB of the child, exit code, tail of its output)."""
    start = time.perf_counter()
    proc = subprocess.Popen(list(command), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    err = proc.stdout.read()  # drain first, so a chatty child cannot block on a full pipe
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stdout.close()
    tail = err.decode("utf-8", "replace")[-2000:]
    return elapsed, int(usage.ru_maxrss), proc.returncode, tail


def sample(label: str, command: Sequence[str], runs: int, cwd: Path | None = None, warmup: int = 1,
           env: dict[str, str] | None = None) -> Sample:
    """Run ``command`` ``warmup`` times unmeasured (file cache, Lark's grammar cache), then ``runs`` times."""
    for _ in range(warmup):
        run_once(command, cwd, env)
    times: list[float] = []
    rss: list[int] = []
    codes: list[int] = []
    tail = ""
    for _ in range(runs):
        elapsed, peak, code, tail = run_once(command, cwd, env)
        times.append(elapsed)
        rss.append(peak)
        codes.append(code)
    return Sample(label, tuple(command), tuple(times), tuple(rss), tuple(codes), tail)


def python() -> str:
    """The interpreter the benchmarks run under (the project's virtual environment when started from it)."""
    return sys.executable


def wavec(*args: str) -> tuple[str, ...]:
    """The command line of ``wavec ARGS`` under this interpreter."""
    return (python(), "-m", "wavec", *args)
