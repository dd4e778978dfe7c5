"""One invocation of ``wavec run``: start or resume a run, send its events on, return how it ended.

Ctrl-C (and SIGTERM) stop cleanly: running commands are ended, the journal
says the run was interrupted, and the message says how to resume. A resumed
run first ends whatever the dead run left running (:mod:`.orphans`), and tries
the rollbacks that failed again.
"""

from __future__ import annotations

import signal
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from types import FrameType
from typing import Any

from ..records import asdict, fields, record
from .clock import Clock, iso, spent
from .executor import Engine, Options, State
from .journal import Journal, JournalError, JournalWriteError, Replay
from .orphans import end_survivors
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
                 replayed: Replay | None) -> None:
        self.plan = plan
        self.journal = journal
        self.options = options
        self.state = state
        self.execution = execution
        self.replayed = replayed
        self.resumed = replayed is not None

    @classmethod
    def start(cls, plan: dict[str, Any], journal: Journal, options: dict[str, Any]) -> Session:
        """A new run of ``plan`` (the caller holds the journal's lock: :meth:`Journal.acquire`)."""
        journal.save_plan(plan)
        return cls(plan, journal, Options(**options), State(), str(uuid.uuid4()), None)

    @classmethod
    def resume(cls, plan: dict[str, Any], journal: Journal, replayed: Replay, overrides: dict[str, Any]) -> Session:
        """Continue the run whose journal ``replayed`` read; ``overrides`` replace the options it started with.

        The caller holds the journal's lock, taken before the journal was read."""
        state = State()
        known_nodes = {n["id"] for n in plan["nodes"]}
        for event in replayed.events:
            named = [event["node"]] if "node" in event else []
            named += event.get("nodes", []) if event["event"] in ("rollback_plan", "rollback_retry") else []
            unknown = [n for n in named if n not in known_nodes]
            if unknown:
                raise JournalError(f"{journal.path}: event {event['event']} (seq {event['seq']}) names node "
                                   f"{unknown[0]!r}, which the run's plan does not have")
            try:
                state.apply(event)
            except (KeyError, TypeError, ValueError) as exc:
                raise JournalError(f"{journal.path}: event {event['event']} (seq {event['seq']}) cannot be "
                                   f"replayed: {exc!r}") from None
        first = replayed.events[0]  # replay() makes sure it is run_started
        stored = dict(first["options"])
        stored.update(overrides)
        known = {f.name for f in fields(Options)}
        return cls(plan, journal, Options(**{k: v for k, v in stored.items() if k in known}), state,
                   str(first["execution"]), replayed)

    def execute(self, emit: Callable[[dict[str, Any]], None]) -> Outcome:
        """Run to the end (or to Ctrl-C), sending every event to ``emit``; what happened, to be shown by the CLI."""
        start = parse_now(self.options.now) if self.options.now else None
        clock = Clock(self.options.speed, start)
        self.journal.open(self.replayed)
        engine = Engine(self.plan, self.journal, self.options, emit, clock, self.execution, self.state,
                        spent(self.replayed.events) if self.replayed is not None else 0.0)
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            if self.replayed is not None:
                self._take_over(engine, self.replayed)
            else:
                # `at`: the virtual instant the attempt's clock started from (the T+0 of the view and report).
                engine.record({"event": "run_started", "run": self.journal.run_id, "pipeline": self.plan["pipeline"],
                               "execution": self.execution, "options": asdict(self.options),
                               "at": iso(clock.start)})
            code = engine.run()
        except KeyboardInterrupt:
            return Outcome(EXIT_INTERRUPTED, None, self.journal.run_id)
        except JournalWriteError as exc:
            return Outcome(EXIT_INTERRUPTED, None, self.journal.run_id, f"{exc}; every command was stopped")
        finally:
            signal.signal(signal.SIGTERM, previous)
            self.journal.close()
            self.journal.release()
        first = self.replayed.events[0] if self.replayed is not None else {}
        report = summary(self.plan, self.state, self.journal.run_id, self.options.speed,
                         start=first.get("at") or iso(clock.start))
        if report["rollback_failed"]:
            report["resume"] = f"wavec run --resume {self.journal.run_id}"
        return Outcome(code, report, self.journal.run_id)

    def _take_over(self, engine: Engine, replayed: Replay) -> None:
        """Journal the resume; end what the dead run left running; retry the rollbacks that failed."""
        resumed: dict[str, Any] = {"event": "run_resumed", "run": self.journal.run_id,
                                   "options": asdict(self.options), "at": iso(engine.clock.start)}
        if replayed.torn_line is not None:
            resumed["dropped_torn_line"] = replayed.torn_line
        engine.record(resumed)
        groups = [g for found in self.state.groups.values() for g in found]
        ended = end_survivors(self.journal.run_id, groups)
        if ended:
            engine.record({"event": "note", "groups": ended, "text": f"ended {len(ended)} process group(s) the "
                           f"interrupted run left running ({', '.join(map(str, ended))}) before going on"})
        finished = self.state.finished
        if finished is not None and finished["status"] == "rollback_failed":
            failed = [n for n in self.state.rollback_plan or [] if self.state.status.get(n) == "failed"]
            engine.record({"event": "rollback_retry", "nodes": failed})


@record
class Outcome:
    """How a run ended: its exit code and report (``None`` when it was interrupted and can be resumed)."""

    code: int
    report: dict[str, Any] | None
    run_id: str
    why: str | None = None  # why it stopped, when not by Ctrl-C


# The exit code of an interrupted run (128 + SIGINT), as a shell reports it.
EXIT_INTERRUPTED = 130


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
