"""One invocation of ``wavec run``: start or resume a run, send its events on, return how it ended.

Ctrl-C (and SIGTERM) stop cleanly: running commands are ended, the journal
says the run was interrupted, and the message says how to resume.
"""

from __future__ import annotations

import dataclasses
import signal
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from types import FrameType
from typing import Any

from .clock import Clock
from .executor import Engine, Options, State
from .journal import Journal
from .outcome import summary


def parse_now(text: str) -> datetime | None:
    """An ISO 8601 instant (``Z`` allowed; no zone means UTC), or ``None`` when unreadable."""
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


class Session:
    """A run being executed by this process."""

    def __init__(self, plan: dict[str, Any], journal: Journal, options: Options, state: State, execution: str,
                 resumed: bool) -> None:
        self.plan = plan
        self.journal = journal
        self.options = options
        self.state = state
        self.execution = execution
        self.resumed = resumed

    @classmethod
    def start(cls, plan: dict[str, Any], journal: Journal, options: dict[str, Any]) -> Session:
        """A new run of ``plan``."""
        journal.save_plan(plan)
        return cls(plan, journal, Options(**options), State(), str(uuid.uuid4()), resumed=False)

    @classmethod
    def resume(cls, plan: dict[str, Any], journal: Journal, events: list[dict[str, Any]],
               overrides: dict[str, Any]) -> Session:
        """Continue the run whose journal holds ``events``; ``overrides`` replace the options it started with."""
        state = State()
        for event in events:
            state.apply(event)
        first = next((e for e in events if e["event"] == "run_started"), None)
        stored = dict(first["options"]) if first else {}
        stored.update(overrides)
        known = {f.name for f in dataclasses.fields(Options)}
        execution = first["execution"] if first else str(uuid.uuid4())
        return cls(plan, journal, Options(**{k: v for k, v in stored.items() if k in known}), state, execution,
                   resumed=True)

    def execute(self, emit: Callable[[dict[str, Any]], None]) -> Outcome:
        """Run to the end (or to Ctrl-C), sending every event to ``emit``; what happened, to be shown by the CLI."""
        start = parse_now(self.options.now) if self.options.now else None
        clock = Clock(self.options.speed, start)
        self.journal.open()
        engine = Engine(self.plan, self.journal, self.options, emit, clock, self.execution, self.state)
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            if self.resumed:
                engine.record({"event": "run_resumed", "run": self.journal.run_id,
                               "options": dataclasses.asdict(self.options)})
            else:
                engine.record({"event": "run_started", "run": self.journal.run_id, "pipeline": self.plan["pipeline"],
                               "execution": self.execution, "options": dataclasses.asdict(self.options)})
            code = engine.run()
        except KeyboardInterrupt:
            return Outcome(EXIT_INTERRUPTED, None, self.journal.run_id)
        finally:
            signal.signal(signal.SIGTERM, previous)
            self.journal.close()
        report = summary(self.plan, self.state, self.journal.run_id, self.options.speed)
        return Outcome(code, report, self.journal.run_id)


@dataclasses.dataclass(frozen=True, slots=True)
class Outcome:
    """How a run ended: its exit code and report (``None`` when it was interrupted and can be resumed)."""

    code: int
    report: dict[str, Any] | None
    run_id: str


# The exit code of an interrupted run (128 + SIGINT), as a shell reports it.
EXIT_INTERRUPTED = 130


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
