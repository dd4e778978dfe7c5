"""The journal of an emulated run, and how ``wavec run --resume ID`` continues one from it.

An emulated run is a pure function of its inputs and of what its commands did: virtual time, the scenario,
the state machines (moto's interpreter, fed the scenario's alarms) and the functions all follow from them. So
the journal keeps both, in ``.wavec/emulator/ID/``:

* ``inputs/`` — the compiled pipeline, its CloudFormation output, the stand-in table, the scenario and the
  options (the resolved start instant included) exactly as the run used them: a resumed run does not
  recompile a ``.wave`` file that has changed since;
* ``journal.jsonl`` — every event the run emitted, and, fsynced as each command ends, what it did
  (``{"result": KEY, "ok", "seconds", "code", "reason"}``; ``KEY`` is the node and the how-manieth run of it).

Resuming replays the run from its start with those inputs: a command whose result is in the journal is not run
again (its recorded result stands), waits do not sleep, and the events the journal already holds are not shown
again — each is checked against the replay's, so a replay that comes out differently stops with a clear error
instead of continuing a different run. From the first command with no recorded result on (one that was
running when the run stopped runs again), the run goes on as usual. A run that read CloudWatch (``--aws``)
cannot be replayed: what it read is not recorded.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, TextIO

from ..records import field, record
from .model import Refusal

JOURNAL = "journal.jsonl"
INPUTS = "inputs"
# What must come out the same when a journaled event is replayed (wall times and real durations may not).
COMPARED = ("event", "node", "status", "at", "stage", "wave")


def run_dir(base: Path, run_id: str) -> Path:
    """Where an emulated run keeps its journal, inputs and logs."""
    return base / ".wavec" / "emulator" / run_id


def is_emulated(base: Path, run_id: str) -> bool:
    """Whether ``run_id`` names an emulated run (one with saved inputs) under ``base``."""
    return (run_dir(base, run_id) / INPUTS / "options.json").is_file()


def save_inputs(folder: Path, inputs: dict[str, Any]) -> None:
    """Write the run's inputs (``{name: JSON value}``), each to ``inputs/NAME.json``."""
    target = folder / INPUTS
    target.mkdir(parents=True, exist_ok=True)
    for name, value in inputs.items():
        (target / f"{name}.json").write_text(json.dumps(value, sort_keys=True, indent=1) + "\n", encoding="utf-8")


def load_inputs(folder: Path) -> dict[str, Any]:
    """The inputs :func:`save_inputs` wrote; a damaged one is a :class:`Refusal` naming it."""
    out: dict[str, Any] = {}
    for path in sorted((folder / INPUTS).glob("*.json")):
        try:
            out[path.stem] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise Refusal(f"cannot resume: {path} is damaged ({exc})") from None
    return out


@record(frozen=False)
class Replay:
    """What a journal says happened: the events shown and the commands' results."""

    events: list[dict[str, Any]] = field(default_factory=list)
    results: dict[str, dict[str, Any]] = field(default_factory=dict)


def read_journal(folder: Path) -> Replay:
    """The journal of the run in ``folder``. A torn last line (the run was killed writing it) is dropped; a
    damaged line before the last is a :class:`Refusal` naming it."""
    path = folder / JOURNAL
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return Replay()
    except (OSError, UnicodeDecodeError) as exc:
        raise Refusal(f"cannot resume: {path} cannot be read ({exc})") from None
    replay = Replay()
    for number, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError("not an object")
        except ValueError as exc:
            if number == len(lines):
                break  # torn by the crash: the event or result it held did not happen as far as we know
            raise Refusal(f"cannot resume: {path}:{number} is damaged ({exc})") from None
        if "result" in record:
            replay.results[str(record["result"])] = record
        else:
            replay.events.append(record)
    return replay


class Writer:
    """Appends to the journal: events as they are shown, results fsynced as commands end."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._file: TextIO = (folder / JOURNAL).open("a", encoding="utf-8")

    def event(self, event: dict[str, Any]) -> None:
        """An event that was shown (flushed, not synced: a lost tail of events is shown again on resume)."""
        self._file.write(json.dumps(event, sort_keys=True, separators=(",", ":")) + "\n")
        self._file.flush()

    def result(self, key: str, record: dict[str, Any]) -> None:
        """What a command did, on disk before the run goes on (so it is never run twice)."""
        self._file.write(json.dumps({"result": key, **record}, sort_keys=True, separators=(",", ":")) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        """Close the file."""
        self._file.close()


class Diverged(Exception):
    """The replay of a journaled run did not come out as the journal says."""


def same(replayed: dict[str, Any], journaled: dict[str, Any]) -> bool:
    """Whether a replayed event is the journaled one (see :data:`COMPARED`)."""
    return all(replayed.get(k) == journaled.get(k) for k in COMPARED)
