"""Running one shell command for the runner: ``/bin/sh -c``, its own process group, a timeout, a log file.

Values reach commands as environment variables only (the plan's commands refer
to them as ``"${WAVE_REGION}"``); nothing is pasted into shell text here.
Each command runs in a new session so that a timeout or Ctrl-C can end the
whole tree it started, not only the shell.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

_DATA_VAR = re.compile(r"\$\$\{|\$\{(execution|commit)\}")


def expand_data(text: str, runtime: Mapping[str, str]) -> str:
    """Fill ``${execution}`` / ``${commit}`` in a plan data string; ``$${`` is a literal ``${``."""
    return _DATA_VAR.sub(lambda m: "${" if m.group(1) is None else runtime.get(m.group(1), ""), text)


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a command ended: exit code (``None``: it did not finish), why, and the last lines it printed."""

    ok: bool
    code: int | None
    reason: str
    interrupted: bool = False


class Processes:
    """The process groups currently running, so that a stop can end them all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[bytes]] = set()
        self.stopping = threading.Event()

    def run(self, command: str, env: Mapping[str, str], cwd: Path, log: Path, timeout: float | None) -> Outcome:
        """Run ``command`` once; its output is appended to ``log``."""
        if self.stopping.is_set():
            return Outcome(False, None, "stopped", interrupted=True)
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            out.write(f"$ {command}\n".encode())
            out.flush()
            proc = subprocess.Popen(["/bin/sh", "-c", command], cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            with self._lock:
                self._running.add(proc)
            try:
                code = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _end_group(proc)
                return Outcome(False, None, f"timed out after {timeout:g}s")
            finally:
                with self._lock:
                    self._running.discard(proc)
        if self.stopping.is_set() and code != 0:
            return Outcome(False, code, "stopped", interrupted=True)
        if code == 0:
            return Outcome(True, 0, "")
        tail = last_lines(log, 3)
        return Outcome(False, code, f"exit {code}" + (f": {tail}" if tail else ""))

    def stop_all(self) -> None:
        """End every running command's process group (SIGTERM, then SIGKILL)."""
        self.stopping.set()
        with self._lock:
            running = list(self._running)
        for proc in running:
            _end_group(proc)


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


def last_lines(log: Path, n: int) -> str:
    """The last ``n`` non-empty lines of a log, joined with `` | `` (for one-line failure reasons)."""
    try:
        lines = [ln for ln in log.read_text(encoding="utf-8", errors="replace").splitlines()
                 if ln.strip() and not ln.startswith("$ ")]
    except OSError:
        return ""
    return " | ".join(lines[-n:])[:300]
