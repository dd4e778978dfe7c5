"""The run journal: one JSON event per line in ``.wavec/runs/<id>.jsonl``, flushed and fsynced.

Every state change of a run is written before the runner acts on it, so after
a crash (``kill -9``) or Ctrl-C ``wavec run --resume <id>`` rebuilds the state by
replaying the journal: finished nodes are not run again, an interrupted one is
run again, a recorded breach still gets its rollback. The plan of the run is
saved beside it (``<id>.plan.json``) so a resume needs nothing else.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RUNS = Path(".wavec") / "runs"


def new_run_id() -> str:
    """A sortable, unique run id: UTC date and time plus a random suffix."""
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)


class Journal:
    """Append-only, crash-safe event log of one run."""

    def __init__(self, base: Path, run_id: str) -> None:
        self.dir = base / RUNS
        self.run_id = run_id
        self.path = self.dir / f"{run_id}.jsonl"
        self.plan_path = self.dir / f"{run_id}.plan.json"
        self.logs = self.dir / run_id
        self._lock = threading.Lock()
        self._seq = 0
        self._file: Any = None

    def open(self) -> None:
        """Open for appending (creating folders); the sequence continues after existing events."""
        self.logs.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            data = self.path.read_bytes()
            if data and not data.endswith(b"\n"):  # a torn last line from a crash: drop it
                with self.path.open("r+b") as f:
                    f.truncate(data.rfind(b"\n") + 1)
            self._seq = len(read_events(self.path))
        self._file = self.path.open("a", encoding="utf-8")

    def save_plan(self, plan: dict[str, Any]) -> None:
        """Keep the run's plan beside its journal (written atomically)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.plan_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(plan, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        with tmp.open("rb") as f:
            os.fsync(f.fileno())
        tmp.replace(self.plan_path)

    def write(self, event: dict[str, Any]) -> dict[str, Any]:
        """Append one event (adding ``seq`` and wall-clock ``time``) and make it durable."""
        with self._lock:
            self._seq += 1
            record = {"seq": self._seq, "time": datetime.now(UTC).isoformat(timespec="milliseconds"), **event}
            self._file.write(json.dumps(record, sort_keys=True) + "\n")
            self._file.flush()
            os.fsync(self._file.fileno())
            return record

    def close(self) -> None:
        """Close the file."""
        if self._file is not None:
            self._file.close()
            self._file = None


def read_events(path: Path) -> list[dict[str, Any]]:
    """The events of a journal; a torn last line (a crash mid-write) is ignored."""
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            break
    return events
