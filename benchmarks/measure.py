"""Timing and memory of child processes: each run is a fresh interpreter (a cold start).

Wall time comes from ``time.perf_counter`` around the child; CPU time (user + system) and peak
memory from the child's own rusage as ``os.wait4`` reports it (``ru_maxrss`` in kilobytes on Linux),
so the parent never leaks into the figures. On a machine other people load, CPU time is the steadier
figure, and a comparison is made **paired**: the two commands in turn, A B A B …, and the ratio taken
pair by pair (:func:`paired`), so a change of load between the runs of A and those of B cannot make one
look faster.
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
    cpu: tuple[float, ...] = ()
    """User + system seconds of each run."""

    @property
    def cpu_median(self) -> float:
        """Median CPU seconds (user + system) of the child."""
        return statistics.median(self.cpu) if self.cpu else float("nan")

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


@dataclass(frozen=True)
class Run:
    """One run of a child: wall and CPU seconds, peak RSS KiB, exit code, tail of its output, bytes of stdout."""

    wall: float
    cpu: float
    maxrss_kib: int
    returncode: int
    tail: str
    stdout_bytes: int


def run(command: Sequence[str], cwd: Path | None = None, env: dict[str, str] | None = None,
        discard_stdout: bool = False) -> Run:
    """Run ``command`` once. With ``discard_stdout`` its standard output is counted and thrown away as it
    comes (a plan of hundreds of MiB is never held), and only standard error is kept."""
    start = time.perf_counter()
    proc = subprocess.Popen(list(command), cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE if discard_stdout else subprocess.STDOUT)
    assert proc.stdout is not None
    size = 0
    if discard_stdout:
        assert proc.stderr is not None
        while chunk := proc.stdout.read(1 << 20):
            size += len(chunk)
        err = proc.stderr.read()
        proc.stderr.close()
    else:
        err = proc.stdout.read()  # drain first, so a chatty child cannot block on a full pipe
        size = len(err)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stdout.close()
    tail = err.decode("utf-8", "replace")[-2000:]
    return Run(elapsed, usage.ru_utime + usage.ru_stime, int(usage.ru_maxrss), proc.returncode, tail, size)


def _sample(label: str, command: Sequence[str], runs: list[Run]) -> Sample:
    return Sample(label, tuple(command), tuple(r.wall for r in runs), tuple(r.maxrss_kib for r in runs),
                  tuple(r.returncode for r in runs), runs[-1].tail if runs else "",
                  cpu=tuple(r.cpu for r in runs))


def sample(label: str, command: Sequence[str], runs: int, cwd: Path | None = None, warmup: int = 1,
           env: dict[str, str] | None = None, discard_stdout: bool = False) -> Sample:
    """Run ``command`` ``warmup`` times unmeasured (file cache, Lark's grammar cache), then ``runs`` times."""
    for _ in range(warmup):
        run(command, cwd, env, discard_stdout)
    return _sample(label, command, [run(command, cwd, env, discard_stdout) for _ in range(runs)])


@dataclass(frozen=True)
class Pair:
    """Two commands measured in turn; the ratios A/B are taken pair by pair."""

    a: Sample
    b: Sample

    @property
    def cpu_ratio(self) -> float:
        """Median over the pairs of A's CPU seconds / B's."""
        return statistics.median(x / y for x, y in zip(self.a.cpu, self.b.cpu, strict=True) if y > 0)

    @property
    def wall_ratio(self) -> float:
        """Median over the pairs of A's wall seconds / B's."""
        return statistics.median(x / y for x, y in zip(self.a.times, self.b.times, strict=True) if y > 0)


def paired(a: tuple[str, Sequence[str]], b: tuple[str, Sequence[str]], runs: int, cwd: Path | None = None,
           warmup: int = 1) -> Pair:
    """``(label, command)`` A and B run alternately ``runs`` times each (after ``warmup`` of each, unmeasured)."""
    for _ in range(warmup):
        run(a[1], cwd)
        run(b[1], cwd)
    runs_a: list[Run] = []
    runs_b: list[Run] = []
    for _ in range(runs):
        runs_a.append(run(a[1], cwd))
        runs_b.append(run(b[1], cwd))
    return Pair(_sample(a[0], a[1], runs_a), _sample(b[0], b[1], runs_b))


def python() -> str:
    """The interpreter the benchmarks run under (the project's virtual environment when started from it)."""
    return sys.executable


def wavec(*args: str) -> tuple[str, ...]:
    """The command line of ``wavec ARGS`` under this interpreter."""
    return (python(), "-m", "wavec", *args)
