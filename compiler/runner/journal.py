"""The run journal: a write-ahead log in ``.wavec/runs/<id>.jsonl``, one checksummed commit per line.

Every state change of a run is written (flushed and fsynced) before the runner
acts on it, so after a crash (``kill -9``) or Ctrl-C ``wavec run --resume <id>``
rebuilds the state by replaying the journal: finished nodes are not run again,
an interrupted one is run again, a recorded breach still gets its rollback.

A line is one *commit*: ``{"commit": N, "events": [...], "sum": "…"}``, where
``sum`` is the CRC-32 of the line's canonical JSON without it. The events of a
commit are durable together or not at all — a decision (a failure, its breach
and the rollback plan) is one commit, so no crash point can split it. Reading
is strict: a torn *last* line (a crash in the middle of a write) is dropped,
any other damage is a :class:`JournalError` naming the line — never a silent
truncation. The plan of the run is saved beside it (``<id>.plan.json``).

One process owns a run: :meth:`Journal.acquire` takes an exclusive lock
(``<id>.lock``, a POSIX record lock) that a second ``--resume`` cannot get; it
is told who holds it.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import signal
import socket
import threading
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from ..records import record

RUNS = Path(".wavec") / "runs"

# A test hook: SIGKILL this process right after its N-th commit is written (counted from 1 in each process), or
# after the first commit holding an event of that name. The crash tests use it to stop a run at every
# journal-write boundary, exactly, without timing.
CRASH_AFTER_COMMIT = "WAVEC_CRASH_AFTER_COMMIT"

# What every event of a given kind must carry for the runner to replay it.
REQUIRED: dict[str, tuple[str, ...]] = {
    "run_started": ("run", "execution", "options"),
    "run_resumed": ("run",),
    "node_started": ("node", "kind"),
    "node_finished": ("node", "kind", "status"),
    "node_retry": ("node", "attempt"),
    "process": ("node", "pgid"),
    "bake_progress": ("wave", "elapsed"),
    "breach": ("wave", "on_breach"),
    "rollback_plan": ("nodes",),
    "rollback_retry": ("nodes",),
    "run_finished": ("status", "exit"),
}


class JournalError(Exception):
    """The journal cannot be replayed (damaged, empty, or held by another process)."""


class JournalWriteError(JournalError):
    """The journal cannot be appended to (a full disk …): the run must stop, since it may not act unrecorded."""


def new_run_id() -> str:
    """A sortable, unique run id: UTC date and time plus a random suffix."""
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)


def _checksum(body: dict[str, Any]) -> str:
    return f"{zlib.crc32(json.dumps(body, sort_keys=True).encode()):08x}"


def encode_commit(number: int, events: list[dict[str, Any]]) -> bytes:
    """One journal line: the commit ``number`` holding ``events``, checksummed."""
    body = {"commit": number, "events": events}
    return (json.dumps({**body, "sum": _checksum(body)}, sort_keys=True) + "\n").encode()


@record
class Replay:
    """What a journal holds: its events in order, and whether a torn last line was dropped (and where)."""

    events: list[dict[str, Any]]
    commits: int
    torn_line: int | None  # the line number of a dropped torn last line
    size: int  # bytes of the valid part (a resumed run appends after it)


def replay(path: Path) -> Replay:
    """Read and verify the journal at ``path``; :class:`JournalError` names the first damaged line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise JournalError(f"{path}: cannot read: {exc.strerror or exc}") from None
    lines = data.split(b"\n")
    if lines[-1]:  # no newline at the end: the last write was cut off
        numbered, cut = lines, True
    else:
        numbered, cut = lines[:-1], False
    events: list[dict[str, Any]] = []
    size = 0
    torn: int | None = None
    for index, raw in enumerate(numbered):
        number = index + 1
        last = index == len(numbered) - 1
        found = "no newline (cut off)" if last and cut else _verify(raw, number, len(events))
        if isinstance(found, str):
            if last:  # a crash in the middle of the last write: that commit never happened
                torn = number
                break
            raise JournalError(f"{path} line {number}: {found}; the journal is damaged, so the run cannot be "
                               "resumed safely (nothing was run)")
        events.extend(found)
        size += len(raw) + 1
    if not events:
        raise JournalError(f"{path}: the journal is empty (no complete record); nothing to resume")
    if events[0]["event"] != "run_started":
        raise JournalError(f"{path} line 1: the first event is {events[0]['event']!r}, not run_started")
    return Replay(events, len(numbered) - (torn is not None), torn, size)


def _verify(raw: bytes, number: int, seen: int) -> str | list[dict[str, Any]]:
    """The events of one line, or what is wrong with it."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not UTF-8 (byte {exc.start + 1})"
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"not JSON ({exc.msg} at column {exc.colno})"
    if not isinstance(doc, dict) or not isinstance(doc.get("events"), list) or "sum" not in doc:
        return "not a journal commit (expected an object with `commit`, `events` and `sum`)"
    claimed = doc.pop("sum")
    if claimed != _checksum(doc):
        return "checksum mismatch (the line was changed or partly written)"
    if doc.get("commit") != number:
        return f"commit number {doc.get('commit')!r} where {number} was expected (lines lost or interleaved)"
    events: list[dict[str, Any]] = doc["events"]
    for offset, event in enumerate(events):
        if not isinstance(event, dict) or not isinstance(event.get("event"), str):
            return f"event {offset + 1} has no `event` name"
        if event.get("seq") != seen + offset + 1:
            return f"event {offset + 1} has seq {event.get('seq')!r} where {seen + offset + 1} was expected"
        missing = [k for k in REQUIRED.get(event["event"], ()) if k not in event]
        if missing:
            return f"event {event['event']} (seq {event['seq']}) has no `{missing[0]}`"
    return events


def read_events(path: Path) -> list[dict[str, Any]]:
    """The events of a journal, verified (see :func:`replay`)."""
    return replay(path).events


class Journal:
    """Append-only, crash-safe, checksummed event log of one run, owned by one process at a time."""

    def __init__(self, base: Path, run_id: str) -> None:
        self.dir = base / RUNS
        self.run_id = run_id
        self.path = self.dir / f"{run_id}.jsonl"
        self.plan_path = self.dir / f"{run_id}.plan.json"
        self.lock_path = self.dir / f"{run_id}.lock"
        self.logs = self.dir / run_id
        self._lock = threading.RLock()
        self._pending: list[dict[str, Any]] = []  # staged for the next commit
        self._unsynced = False  # a commit was written without fsync since the last one
        self._seq = 0
        self._commits = 0
        self._written = 0  # commits written by this process (for the crash hook)
        self._file: BinaryIO | None = None
        self._broken: str | None = None  # why a write failed: no commit may follow a partly written one
        self._owner: BinaryIO | None = None
        crash = os.environ.get(CRASH_AFTER_COMMIT, "")
        self._crash_after = int(crash) if crash.isdigit() else None
        self._crash_at_event = crash if crash and not crash.isdigit() else None
        # A scenario's `kill_at_event` (docs/scenarios.md): SIGKILL after the commit holding that event.
        self.kill_at_event: int | None = None

    # ------------------------------------------------------------------ ownership

    def acquire(self) -> None:
        """Take the run's exclusive lock, or raise :class:`JournalError` saying who holds it."""
        self.dir.mkdir(parents=True, exist_ok=True)
        owner = open(self.lock_path, "a+b")  # noqa: SIM115 - held open for the whole run
        try:
            # A POSIX record lock, not flock: it belongs to this process alone, so a command caught between fork
            # and exec when the runner is killed does not hold it for a moment after the runner is gone.
            fcntl.lockf(owner.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            owner.seek(0)
            holder = owner.read().decode("utf-8", "replace").strip() or "another process"
            owner.close()
            raise JournalError(f"run {self.run_id} is being run by {holder}; wait for it to end (or stop it) "
                               "before resuming") from None
        owner.seek(0)
        owner.truncate()
        started = datetime.now(UTC).isoformat(timespec="seconds")
        owner.write(f"process {os.getpid()} on {socket.gethostname()} (since {started})\n".encode())
        owner.flush()
        self._owner = owner

    def release(self) -> None:
        """Give the lock back (the kernel does it too when the process dies)."""
        if self._owner is not None:
            self._owner.close()  # closing the descriptor releases the lock
            self._owner = None

    # ------------------------------------------------------------------ writing

    def open(self, replayed: Replay | None = None) -> None:
        """Open for appending (creating folders). A resumed run passes what it replayed: a torn last line is
        cut off and the sequence continues after the valid events."""
        self.logs.mkdir(parents=True, exist_ok=True)
        if replayed is not None:
            self._seq = len(replayed.events)
            self._commits = replayed.commits
            with self.path.open("r+b") as f:
                f.truncate(replayed.size)
                os.fsync(f.fileno())
        self._file = self.path.open("ab", buffering=0)
        fsync_dir(self.dir)  # the journal's name is durable, not only its content

    def save_plan(self, plan: dict[str, Any]) -> None:
        """Keep the run's plan beside its journal (written atomically)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.plan_path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as out:
            json.dump(plan, out, indent=2, sort_keys=True)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        tmp.replace(self.plan_path)
        fsync_dir(self.dir)

    def write(self, event: dict[str, Any]) -> dict[str, Any]:
        """Append one event (adding ``seq`` and wall-clock ``time``) as a commit of its own, durably."""
        return self.commit([event])[0]

    def stage(self, events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Number ``events`` (``seq``, ``time``) for the next commit, without writing them yet (group commit:
        the caller may act on them only after :meth:`flush`)."""
        with self._lock:
            now = datetime.now(UTC).isoformat(timespec="milliseconds")
            records = [{"seq": self._seq + i + 1, "time": now, **event} for i, event in enumerate(events)]
            self._seq += len(records)
            self._pending.extend(records)
            return records

    def flush(self, durable: bool = True) -> None:
        """Write every staged event as one commit: durable together, or (after a crash mid-write) not at all.

        ``durable=False`` writes it through to the operating system without waiting for the disk: it survives
        the runner's death, not the machine's (for facts that matter only while the machine is up). A durable
        flush also makes durable what such a flush wrote before."""
        assert self._file is not None, "journal not open"
        with self._lock:
            if self._broken is not None:
                raise JournalWriteError(self._broken)
            if not self._pending and not (durable and self._unsynced):
                return
            written, self._pending = self._pending, []
            try:
                if written:
                    # Unbuffered: nothing is left to write at close.
                    _write_all(self._file.fileno(), encode_commit(self._commits + 1, written))
                    self._commits += 1
                    self._written += 1
                if durable:
                    os.fsync(self._file.fileno())
                self._unsynced = not durable
            except OSError as exc:
                # Whatever part of the line reached the file is now its torn last line, dropped on resume.
                self._broken = f"cannot write the journal {self.path}: {exc.strerror or exc}"
                raise JournalWriteError(self._broken) from None
            if written and (self._written == self._crash_after or any(r["event"] == self._crash_at_event
                                                                      for r in written)
                            or any(r.get("seq") == self.kill_at_event for r in written)):
                os.kill(os.getpid(), signal.SIGKILL)

    def commit(self, events: Iterable[dict[str, Any]], durable: bool = True) -> list[dict[str, Any]]:
        """Stage ``events`` and flush (with whatever else was staged): one commit, see :meth:`flush`."""
        with self._lock:  # re-entrant: no other thread's events slip in between
            records = self.stage(events)
            self.flush(durable)
            return records

    def close(self) -> None:
        """Close the file (the lock is kept until :meth:`release`)."""
        if self._file is not None:
            self._file.close()
            self._file = None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def fsync_dir(folder: Path) -> None:
    """Make the entries of ``folder`` durable (a new or renamed file in it)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
