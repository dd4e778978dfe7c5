"""Running one shell command for the runner: ``/bin/sh -c``, its own process group, a timeout, a capped log.

Values reach commands as environment variables only (the plan's commands refer
to them as ``"${WAVE_REGION}"``); nothing is pasted into shell text here.
Each command runs in a new session so that a timeout or Ctrl-C can end the
whole tree it started, not only the shell; its process group is reported to the
caller (``on_start``) so the journal can name it.

Output is read through a pipe and streamed to the log, at most
:data:`LOG_CAP` bytes per log (the rest is counted, not kept); the last
:data:`TAIL` bytes stay in memory for the failure message. A log that cannot be
written (a full disk, a bad path) never keeps the command from running: its
output is discarded and the :class:`Outcome` says why.
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, BinaryIO

from ..records import record

_DATA_VAR = re.compile(r"\$\$\{|\$\{(execution|commit)\}")

LOG_CAP = 16 * 1024 * 1024  # bytes kept per log file; more output is dropped (and counted)
TAIL = 8192  # bytes of the latest output kept in memory for the failure message
_CHUNK = 65536


def expand_data(text: str, runtime: Mapping[str, str]) -> str:
    """Fill ``${execution}`` / ``${commit}`` in a plan data string; ``$${`` is a literal ``${``."""
    return _DATA_VAR.sub(lambda m: "${" if m.group(1) is None else runtime.get(m.group(1), ""), text)


@record
class Outcome:
    """How a command ended: exit code (``None``: it did not finish), why, and whether its log was kept."""

    ok: bool
    code: int | None
    reason: str
    interrupted: bool = False
    timed_out: bool = False
    log_error: str | None = None  # why the output could not be logged (it was discarded), if so


class LogSink:
    """A command's log: appended up to a cap, never an error; the latest output is kept for messages."""

    def __init__(self, path: Path, header: bytes, cap: int = LOG_CAP) -> None:
        self.cap = cap
        self.written = 0
        self.dropped = 0
        self.error: str | None = None
        self.tail = b""
        self._lock = threading.Lock()
        self._file: BinaryIO | None = None
        try:
            try:
                self._file = path.open("ab", buffering=0)
            except FileNotFoundError:  # the folder first (not every time: a node's log folder usually exists)
                path.parent.mkdir(parents=True, exist_ok=True)
                self._file = path.open("ab", buffering=0)
            self._file.write(header)
        except OSError as exc:
            self._fail(exc)

    def _fail(self, exc: OSError) -> None:
        self.error = f"{exc.strerror or exc} ({exc.filename or 'log'})"
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None

    def write(self, data: bytes) -> None:
        """Keep ``data`` in the tail and in the log (up to the cap)."""
        with self._lock:
            self.tail = (self.tail + data)[-TAIL:]
            keep = data[:max(0, self.cap - self.written)]
            self.dropped += len(data) - len(keep)
            if self._file is None or not keep:
                return
            try:
                self._file.write(keep)
                self.written += len(keep)
            except OSError as exc:
                self._fail(exc)

    def close(self) -> None:
        """Note what was dropped, then close."""
        with self._lock:
            if self._file is None:
                return
            try:
                if self.dropped:
                    self._file.write(f"\n[wavec: {self.dropped} more bytes of output dropped: the log is capped "
                                     f"at {self.cap} bytes]\n".encode())
                self._file.close()
            except OSError as exc:
                self._fail(exc)
            self._file = None

    def last_lines(self, n: int) -> str:
        """The last ``n`` non-empty lines of the output, joined with `` | `` (for one-line failure reasons)."""
        lines = [ln if len(ln) <= 100 else ln[:99] + "…"
                 for ln in self.tail.decode("utf-8", "replace").splitlines() if ln.strip()]
        return " | ".join(lines[-n:])[:300]


class Processes:
    """The process groups currently running, so that a stop can end them all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[bytes]] = set()
        self.stopping = threading.Event()

    def run(self, command: str, env: Mapping[str, str], cwd: Path, log: Path, timeout: float | None,
            on_start: Callable[[int], None] | None = None) -> Outcome:
        """Run ``command`` once; its output is appended to ``log``; ``on_start`` learns its process group."""
        if self.stopping.is_set():
            return Outcome(False, None, "stopped", interrupted=True)
        sink = LogSink(log, f"$ {command}\n".encode())
        try:
            proc = subprocess.Popen(["/bin/sh", "-c", command], cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        except OSError as exc:
            sink.close()
            return Outcome(False, None, f"could not start: {exc.strerror or exc}", log_error=sink.error)
        with self._lock:
            self._running.add(proc)
        try:
            if on_start is not None:
                try:
                    on_start(proc.pid)
                except BaseException:  # it could not be recorded: it must not run unrecorded
                    _end_group(proc)
                    raise
            timed_out = _pump(proc, sink, time.monotonic() + timeout if timeout is not None else None)
            code = proc.wait()
        finally:
            with self._lock:
                self._running.discard(proc)
        if timed_out:
            sink.close()
            return Outcome(False, None, f"timed out after {timeout:g}s", timed_out=True, log_error=sink.error)
        if self.stopping.is_set() and code != 0:
            sink.close()
            return Outcome(False, code, "stopped", interrupted=True, log_error=sink.error)
        sink.close()
        if code == 0:
            return Outcome(True, 0, "", log_error=sink.error)
        tail = sink.last_lines(3)
        return Outcome(False, code, f"exit {code}" + (f": {tail}" if tail else ""), log_error=sink.error)

    def stop_all(self) -> None:
        """End every running command's process group (SIGTERM, then SIGKILL)."""
        self.stopping.set()
        with self._lock:
            running = list(self._running)
        for proc in running:
            _end_group(proc)


def _pump(proc: subprocess.Popen[bytes], sink: LogSink, deadline: float | None) -> bool:
    """Copy the command's output to ``sink`` until it ends; ``True`` when it ran past ``deadline`` (it is then
    ended). A background process that keeps the output open does not hold the command up: once the shell has
    exited, what is left is drained by a thread of its own."""
    assert proc.stdout is not None
    pipe = proc.stdout
    fd = pipe.fileno()
    while True:
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            _end_group(proc)
            _drain_later(pipe, sink)
            return True
        ready, _, _ = select.select([fd], [], [], 0.05 if left is None else min(left, 0.05))
        if ready:
            data = os.read(fd, _CHUNK)
            if not data:  # every writer is gone
                pipe.close()
                return False
            sink.write(data)
        elif proc.poll() is not None:  # the shell is gone but something it started keeps the output open
            _drain_later(pipe, sink)
            return False


def _drain_later(pipe: IO[bytes], sink: LogSink) -> None:
    """Take what is already in the pipe now, then keep copying the rest in the background until it closes."""
    fd = pipe.fileno()
    while select.select([fd], [], [], 0)[0]:
        data = os.read(fd, _CHUNK)
        if not data:
            pipe.close()
            return
        sink.write(data)

    def drain() -> None:
        try:
            while data := os.read(fd, _CHUNK):
                sink.write(data)
        except OSError:
            pass
        finally:
            pipe.close()

    threading.Thread(target=drain, name="wavec-log-drain", daemon=True).start()


def _end_group(proc: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
