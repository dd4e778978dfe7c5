"""The DAG executor of ``wavec run``: schedules plan nodes, bakes waves, rolls back on breach, journals it all.

One coordinating thread owns the state; every node runs in a worker thread
and reports back through a queue. Nodes start as soon as their dependencies
succeeded, at most ``jobs`` commands at once (waits — windows, bakes — do not
take a job slot). When something fails the engine stops starting new work,
lets running commands finish, runs the sandbox ``destroy`` of every stage whose
``create`` ran, and then performs the rollback the breach asks for, one target
at a time, newest first. Every state change goes to the journal first, so a
resumed run (``--resume``) continues exactly where the last one stopped.

The decision a failure forces — the failed node, its breach and the rollback
plan — is one journal commit, so no crash can separate them; the plan is fixed
then, and it includes the deploys of the affected waves still running at that
moment (they finish, so they are rolled back too).
"""

from __future__ import annotations

import copy
import hashlib
import heapq
import os
import queue
import re
import subprocess
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ..records import field, record
from ..scenario import Scenario, load_scenario
from ..schedule.windows import CronError, is_open, next_open_all
from . import scenario as scenarios
from .clock import Clock, iso
from .gates import Verdict, cloudwatch_alarms, prometheus
from .journal import Journal, JournalWriteError
from .planfile import plan_windows
from .process import Outcome, Processes, expand_data

COMMAND_KINDS = frozenset({"env_create", "step", "env_destroy", "deploy", "rollback"})
_STRENGTH = {"halt": 0, "rollback": 1, "rollback_all": 2}
CHECK_TIMEOUT = 60.0
# A command node whose plan gives no timeout (a plan of an older wavec, a rollback) gets this one, in seconds:
# a hung deploy or rollback must not hold the run (and the rollbacks after it) forever.
DEFAULT_TIMEOUT = 3600.0
# A rollback that times out is tried again, this many attempts in all, after a back-off of virtual seconds.
ROLLBACK_ATTEMPTS = 3
ROLLBACK_BACKOFF = 30.0


@record(frozen=False)
class Options:
    """What the user asked of ``wavec run`` (kept in the journal so ``--resume`` reuses it)."""

    speed: float = 1.0
    jobs: int = 4
    aws: bool = False
    no_wait: bool = False
    now: str | None = None
    workdir: str = "."
    scenario: str | None = None  # a scenario file (docs/scenarios.md), read again by a resumed run


@record(frozen=False)
class State:
    """Everything the journal records, rebuilt by replaying it."""

    status: dict[str, str] = field(default_factory=dict)
    started: set[str] = field(default_factory=set)
    start_order: list[str] = field(default_factory=list)  # node ids in the order they (first) started
    attempts: dict[str, int] = field(default_factory=dict)  # commands launched per node, over every resume
    groups: dict[str, list[int]] = field(default_factory=dict)  # process groups started per node
    blocked: set[str] = field(default_factory=set)  # deploys kept from running by a blocker (nothing deployed)
    reasons: dict[str, str] = field(default_factory=dict)
    attempted: list[str] = field(default_factory=list)  # deploy ids in the order they finished
    bake_elapsed: dict[str, float] = field(default_factory=dict)
    breach: dict[str, Any] | None = None
    rollback_plan: list[str] | None = None
    failure: str | None = None
    finished: dict[str, Any] | None = None

    def apply(self, event: dict[str, Any]) -> None:
        """Update the state with one journal event."""
        kind = event["event"]
        if kind == "node_started":
            node = event["node"]
            if node not in self.started:
                self.started.add(node)
                self.start_order.append(node)
            self.attempts[node] = self.attempts.get(node, 0) + 1
        elif kind == "node_retry":
            self.attempts[event["node"]] = self.attempts.get(event["node"], 0) + 1
        elif kind == "process":
            self.groups.setdefault(event["node"], []).append(int(event["pgid"]))
        elif kind == "node_finished":
            node = event["node"]
            self.status[node] = event["status"]
            if event.get("reason"):
                self.reasons[node] = event["reason"]
            blocked = bool(event.get("blocked"))  # a blocked deploy never ran: nothing to roll back
            if blocked:
                self.blocked.add(node)
            if event["kind"] == "deploy" and event["status"] in ("ok", "failed") and not blocked \
                    and node not in self.attempted:
                self.attempted.append(node)
            if event["status"] == "failed" and (blocked or event["kind"] not in ("deploy", "rollback")) \
                    and self.failure is None:
                self.failure = f"{node}: {event.get('reason', 'failed')}"
        elif kind == "bake_progress":
            self.bake_elapsed[event["wave"]] = float(event["elapsed"])
        elif kind == "breach" and self.breach is None:
            self.breach = event
        elif kind == "rollback_plan":
            self.rollback_plan = list(event["nodes"])
        elif kind == "rollback_retry":  # a resumed run tries the failed rollbacks again
            for node in event["nodes"]:
                self.status[node] = "pending"
            self.finished = None
        elif kind == "run_finished":
            self.finished = event

    @property
    def failing(self) -> bool:
        """Whether the run has failed (and is now only cleaning up and rolling back)."""
        return self.breach is not None or self.failure is not None


class Engine:
    """Executes one plan; ``run()`` returns the exit code (0 success, 3 the rollout failed)."""

    def __init__(self, plan: dict[str, Any], journal: Journal, options: Options, emit: Callable[[dict[str, Any]], None],
                 clock: Clock, execution: str, state: State | None = None, spent: float = 0.0) -> None:
        self.plan = plan
        self.nodes: dict[str, dict[str, Any]] = {n["id"]: n for n in plan["nodes"]}
        self.waves: dict[str, dict[str, Any]] = {w["name"]: w for w in plan["waves"]}
        self.journal = journal
        self.options = options
        self._emit = emit
        self.clock = clock
        self.state = state or State()
        for node_id in self.nodes:
            self.state.status.setdefault(node_id, "pending")
        self.workdir = Path(options.workdir)
        self.processes = Processes()
        self.results: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue()
        self._staged: list[dict[str, Any]] = []  # journaled with the loop's next commit, then shown
        self._starting: list[dict[str, Any]] = []  # launched once that commit is durable
        self.pool = Pool(0, self._work)
        # What may start next, without scanning every node each time (a plan can have tens of thousands).
        self._order = {node_id: i for i, node_id in enumerate(self.nodes)}
        self._dependents: dict[str, list[str]] = {}
        for node_id, node in self.nodes.items():
            for dependency in node["dependencies"]:
                self._dependents.setdefault(dependency, []).append(node_id)
        self._missing = {n: sum(self.state.status[d] != "ok" for d in node["dependencies"])
                         for n, node in self.nodes.items()}
        self._ready = [(self._order[n], n) for n, node in self.nodes.items()
                       if self._missing[n] == 0 and node["kind"] != "rollback"]
        heapq.heapify(self._ready)
        self._destroys = [node for node in self.nodes.values() if node["kind"] == "env_destroy"]
        self._busy = 0  # command nodes running
        self.running: set[str] = set()
        self.cancels: dict[str, threading.Event] = {}
        self.runtime = {"execution": execution, "commit": source_commit(self.workdir)}
        self.started = time.monotonic()
        self._notes: set[str] = set()
        self.aws_clients: dict[str, Any] = {}
        self.scenario: Scenario | None = load_scenario(Path(options.scenario)) if options.scenario else None
        if self.scenario is not None:
            scenarios.check(self.scenario, plan)
        self.bake_starts: dict[str, datetime] = {}  # by stage `wave-W`: the virtual instant its bake started
        self.spent = spent  # virtual seconds the earlier attempts of this run spent (a resumed run's)

    # ------------------------------------------------------------------ events

    def record(self, event: dict[str, Any], durable: bool = True) -> None:
        """Journal an event at once, fold it into the state, then show it (any thread). ``durable=False``: for an
        event a resume can do without (it survives the runner's death; a power cut may lose it, and the next
        durable commit makes it durable too). Every event carries its virtual instant ``at`` (for the view and the
        report; the runner's decisions never read it back)."""
        for entry in self.journal.commit([self._stamped(event)], durable=durable):
            self.state.apply(entry)
            self._emit(entry)

    def stage(self, events: list[dict[str, Any]]) -> None:
        """Fold ``events`` into the state now and journal them with the loop's next commit (coordinator only):
        nothing is acted on — no command started — before :meth:`_flush` has made them durable."""
        records = self.journal.stage([self._stamped(e) for e in events])
        for entry in records:
            self.state.apply(entry)
        self._staged.extend(records)

    def _stamped(self, event: dict[str, Any]) -> dict[str, Any]:
        return event if "at" in event else {**event, "at": iso(self.clock.now())}

    def _flush(self) -> None:
        """Group commit: one journal write (and fsync) for everything the loop iteration settled and decided; then
        show it and start the nodes it started."""
        self.journal.flush()
        staged, self._staged = self._staged, []
        for entry in staged:
            self._emit(entry)
        starting, self._starting = self._starting, []
        for node in starting:
            self._launch(node)

    def note(self, key: str, text: str) -> None:
        """Show (and journal) a remark once per run."""
        if key not in self._notes:
            self._notes.add(key)
            self.record({"event": "note", "text": text}, durable=False)

    # ------------------------------------------------------------------ main loop

    def run(self) -> int:
        """Drive the plan to the end; Ctrl-C stops cleanly (the caller reports how to resume)."""
        if self.state.finished is not None:
            return int(self.state.finished["exit"])
        self.pool = Pool(self.options.jobs, self._work)
        try:
            while True:
                if self.state.failing:
                    for cancel in self.cancels.values():
                        cancel.set()
                self._start_ready()
                more = bool(self.running) or self._finish_or_roll_back()
                self._flush()
                if not more:
                    break
                self._wait()
            return self._conclude()
        except KeyboardInterrupt:
            self._stop()
            self.record({"event": "run_interrupted", "running": sorted(self.running)})
            raise
        except JournalWriteError:
            self._stop()  # nothing may go on unrecorded; the journal ends where it could be written
            raise
        finally:
            self.pool.close()

    def _stop(self) -> None:
        self.clock.stop()
        self.processes.stop_all()
        for cancel in self.cancels.values():
            cancel.set()

    def _wait(self) -> None:
        try:
            node_id, result = self.results.get(timeout=0.25)
        except queue.Empty:
            return
        self._settle(node_id, result)
        while True:  # settle everything that finished meanwhile, in one go
            try:
                node_id, result = self.results.get_nowait()
            except queue.Empty:
                return
            self._settle(node_id, result)

    def _start_ready(self) -> None:
        """Start what may start, in plan order: ready nodes while healthy, sandbox ``destroy`` nodes while failing
        (at most ``jobs`` commands at once)."""
        status = self.state.status
        if self.state.failing:
            for node in self._destroys:
                if status[node["id"]] == "pending" and node["id"] not in self.running and self._cleanup_ready(node):
                    if self._busy >= self.options.jobs:
                        return
                    self._start(node)
            return
        while self._ready:
            _, node_id = self._ready[0]
            node = self.nodes[node_id]
            if status[node_id] != "pending" or node_id in self.running:
                heapq.heappop(self._ready)
                continue
            if node["kind"] in COMMAND_KINDS and self._busy >= self.options.jobs:
                return
            heapq.heappop(self._ready)
            self._start(node)

    def _released(self, node_id: str) -> None:
        """``node_id`` succeeded: the nodes waiting for it may become ready."""
        for dependent in self._dependents.get(node_id, ()):
            self._missing[dependent] -= 1
            if self._missing[dependent] == 0 and self.nodes[dependent]["kind"] != "rollback":
                heapq.heappush(self._ready, (self._order[dependent], dependent))

    def _cleanup_ready(self, node: dict[str, Any]) -> bool:
        """While failing, only a sandbox ``destroy`` whose ``create`` ran may start, once its stage is idle."""
        if node["kind"] != "env_destroy":
            return False
        create = f"stage:{node['stage']}:create"
        if create not in self.state.started:
            return False
        prefix = f"stage:{node['stage']}:"
        return not any(r.startswith(prefix) for r in self.running)

    def _start(self, node: dict[str, Any]) -> None:
        """Start ``node`` with the loop's next commit: journaled as started first, launched after the flush."""
        node_id = node["id"]
        self.running.add(node_id)
        self._busy += node["kind"] in COMMAND_KINDS
        self.stage([{"event": "node_started", "node": node_id, "kind": node["kind"], "wave": node.get("wave"),
                     "stage": node.get("stage"), "target": (node.get("target") or {}).get("id")}])
        self.cancels[node_id] = threading.Event()
        self._starting.append(node)

    def _launch(self, node: dict[str, Any]) -> None:
        if node["kind"] in COMMAND_KINDS:
            self.pool.submit(node, self.cancels[node["id"]])  # at most `jobs` run: a worker is free
        else:  # a wait (window, approval, bake) takes no job slot: a thread of its own while it waits
            threading.Thread(target=self._work, args=(node, self.cancels[node["id"]]), name=node["id"],
                             daemon=True).start()

    def _work(self, node: dict[str, Any], cancel: threading.Event) -> None:
        try:
            result = self._execute(node, cancel)
        except JournalWriteError:
            result = {"status": "interrupted"}  # the coordinator stops the run when it next writes
        except Exception as exc:  # a bug or an OS error must not hang the run: it fails the node
            result = {"status": "failed", "reason": f"internal error: {exc!r}"}
        self.results.put((node["id"], result))

    def _settle(self, node_id: str, result: dict[str, Any]) -> None:
        self.running.discard(node_id)
        self.cancels.pop(node_id, None)
        node = self.nodes[node_id]
        self._busy -= node["kind"] in COMMAND_KINDS
        if result["status"] == "interrupted":
            return  # not journaled: a resumed run starts it again
        breach = result.pop("breach", None)
        events: list[dict[str, Any]] = [{"event": "node_finished", "node": node_id, "kind": node["kind"],
                                         "wave": node.get("wave"), "target": (node.get("target") or {}).get("id"),
                                         **result}]
        if self.state.breach is None:
            if breach is not None:
                events.append({"event": "breach", "wave": node["wave"], **breach})
            # Blocked before the first batch, nothing of the wave is deployed: the run fails. Blocked before a
            # later batch, the wave is half deployed: that is a failure of the wave, handled as a failed deploy.
            elif node["kind"] == "deploy" and result["status"] == "failed" and \
                    not (result.get("blocked") and node["batch"] == 0):
                why = f"batch {node['batch'] + 1} {result['reason']}" if result.get("blocked") else \
                    f"deploy to {node['target']['id']} failed: {result.get('reason', '')}"
                events.append({"event": "breach", "wave": node["wave"], "gate": None, "reason": why,
                               "on_breach": self._deploy_failure_policy(node["wave"])})
        if self.state.rollback_plan is None and (result["status"] == "failed" or len(events) > 1):
            # The decision is taken with this result: the failure, its breach and the rollback plan in one commit.
            after = copy.deepcopy(self.state)
            for event in events:
                after.apply(event)
            if after.failing:
                events.append(self._plan_event(after))
        self.stage(events)  # one commit with the loop's others: the decision is never split
        if result["status"] == "ok":
            self._released(node_id)

    def _plan_event(self, state: State) -> dict[str, Any]:
        inflight = [n for n in state.start_order if n in self.running and self.nodes[n]["kind"] == "deploy"]
        return {"event": "rollback_plan", "nodes": self._rollback_order(state, inflight),
                "running": inflight, "reason": (state.breach or {}).get("reason") or state.failure}

    def _deploy_failure_policy(self, wave: str) -> str:
        gates = self.waves[wave]["gates"]
        if not gates:
            return "rollback"
        policies: list[str] = [g["on_breach"] for g in gates]
        return max(policies, key=_STRENGTH.__getitem__)

    # ------------------------------------------------------------------ failure handling

    def _finish_or_roll_back(self) -> bool:
        """With nothing running: start the next rollback and return ``True``, or ``False`` when the run is over."""
        if not self.state.failing:
            return any(s == "pending" and self.nodes[n]["kind"] != "rollback" and
                       all(self.state.status[d] == "ok" for d in self.nodes[n]["dependencies"])
                       for n, s in self.state.status.items())
        if self.state.rollback_plan is None:  # a journal of an older wavec: the plan was not part of the decision
            self.stage([self._plan_event(self.state)])
        assert self.state.rollback_plan is not None
        for node_id in self.state.rollback_plan:
            if self.state.status[node_id] != "pending":
                continue
            deploy = self.nodes[node_id]["dependencies"][0]
            if deploy not in self.state.started or deploy in self.state.blocked:
                self.stage([{"event": "node_finished", "node": node_id, "kind": "rollback",
                             "wave": self.nodes[node_id]["wave"], "status": "skipped",
                             "target": (self.nodes[node_id].get("target") or {}).get("id"),
                             "reason": "its deploy never ran"}])
                continue
            self._start(self.nodes[node_id])
            return True
        return False

    def _rollback_order(self, state: State, inflight: list[str]) -> list[str]:
        """Rollback nodes, newest target first: the breaching wave, then the others the breach asks for.

        Deploys still running (``inflight``, in the order they started) are the newest: they finish after every
        deploy that has, so they are rolled back first, the latest started first."""
        deploys = [*state.attempted, *(d for d in inflight if d not in state.attempted)]
        by_wave: dict[str, list[str]] = {}
        for deploy in deploys:
            by_wave.setdefault(self.nodes[deploy]["wave"], []).append(deploy)
        baked = {w for w, wave in self.waves.items() if state.status.get(wave["bake_node"]) == "ok"}
        breach = state.breach
        mode = breach["on_breach"] if breach is not None else "rollback"
        if mode == "halt":
            return []
        first = breach["wave"] if breach is not None else None
        # Other waves, the most recently deployed first.
        others = sorted((w for w in by_wave if w != first), key=lambda w: deploys.index(by_wave[w][-1]),
                        reverse=True)
        if mode != "rollback_all":
            others = [w for w in others if w not in baked]  # never leave a deployed, unbaked wave behind
        order = ([first] if first in by_wave else []) + others
        return [d.replace(":deploy:", ":rollback:", 1) for w in order for d in reversed(by_wave[w])]

    def _conclude(self) -> int:
        st = self.state
        unfinished = [n for n, s in st.status.items() if s != "ok" and self.nodes[n]["kind"] != "rollback"]
        if not st.failing and unfinished:  # nothing failed, yet something could not run: never call that a success
            st.failure = f"{unfinished[0]} could not run"
        status, code = final_status(st, failed=bool(unfinished))
        reason = (st.breach or {}).get("reason") or st.failure
        virtual = self.spent + (self.clock.now() - self.clock.start).total_seconds()
        self.record({"event": "run_finished", "status": status, "exit": code, "reason": reason,
                     "seconds": round(time.monotonic() - self.started, 3), "virtual_seconds": round(virtual, 3)})
        return code

    # ------------------------------------------------------------------ executing one node

    def _env(self, env: dict[str, str], node_id: str, attempt: int = 1) -> dict[str, str]:
        out = dict(os.environ)
        out.update({k: expand_data(v, self.runtime) for k, v in env.items()})
        out.update(WAVE_EXECUTION=self.runtime["execution"], WAVE_COMMIT=self.runtime["commit"],
                   WAVE_RUN_ID=self.journal.run_id, WAVE_RUNNER_PID=str(os.getpid()), WAVE_NODE=node_id,
                   WAVE_NODE_KEY=node_key(self.runtime["execution"], node_id), WAVE_ATTEMPT=str(attempt))
        return out

    def _log(self, node_id: str) -> Path:
        return self.journal.logs / (re.sub(r"[^A-Za-z0-9_.-]+", "_", node_id) + ".log")

    def _execute(self, node: dict[str, Any], cancel: threading.Event) -> dict[str, Any]:
        kind = node["kind"]
        if kind == "window":
            return self._window(node, cancel)
        if kind == "approval":
            return self._approval(node, cancel)
        if kind == "bake":
            return self._bake(self.waves[node["wave"]], cancel)
        # Blockers are read before every batch: an incident that starts during a wave stops its later batches.
        if kind == "deploy" and (self.options.aws or self.scenario is not None):
            blocked = self._blockers(node)
            if blocked is not None:
                return {"status": "failed", "reason": blocked, "blocked": True}
        if self.scenario is not None:
            if kind == "deploy" and scenarios.deploy_fails(self.scenario, node["wave"], node["target"]["region"]):
                return {"status": "failed", "reason": f"scenario: the deploy to {node['target']['id']} fails"}
            if kind == "step" and scenarios.step_fails(self.scenario, node["stage"], node["id"].rsplit(":", 1)[-1]):
                return {"status": "failed", "reason": f"scenario: step {node['id'].rsplit(':', 1)[-1]} fails"}
        if node["command"] is None:
            return {"status": "ok", "reason": "nothing to run"}
        return self._command(node)

    def _command(self, node: dict[str, Any]) -> dict[str, Any]:
        """Run a node's command with its retries (a rollback also retries a timeout, after a back-off)."""
        node_id = node["id"]
        started = time.monotonic()
        timeout = float(node["timeout"]) if node["timeout"] is not None else DEFAULT_TIMEOUT
        tries = node["retries"] + 1
        if node["kind"] == "rollback":
            tries = max(tries, ROLLBACK_ATTEMPTS)
        outcome = Outcome(False, None, "not run")
        for attempt in range(tries):
            if attempt:
                if not outcome.timed_out and attempt > node["retries"]:
                    break  # the extra attempts of a rollback are for timeouts only
                self.record({"event": "node_retry", "node": node_id, "attempt": attempt + 1,
                             "reason": outcome.reason})
                if node["kind"] == "rollback" and not self.clock.sleep(ROLLBACK_BACKOFF * 2 ** (attempt - 1)):
                    return {"status": "interrupted"}
            number = self.state.attempts.get(node_id, 1)

            def started_group(group: int, number: int = number) -> None:
                # Flushed, not fsynced: it matters only while the machine is up (then the commands are too).
                for entry in self.journal.commit([{"event": "process", "node": node_id, "pgid": group,
                                                    "attempt": number}], durable=False):
                    self.state.apply(entry)

            outcome = self.processes.run(node["command"], self._env(node["environment"], node_id, number),
                                         self.workdir, self._log(node_id), timeout, on_start=started_group)
            if outcome.log_error is not None:
                self.record({"event": "note", "node": node_id,
                             "text": f"{node_id}: output discarded, the log could not be written: {outcome.log_error}"})
            if outcome.ok or outcome.interrupted:
                break
        if outcome.interrupted:
            return {"status": "interrupted"}
        result: dict[str, Any] = {"status": "ok" if outcome.ok else "failed", "exit": outcome.code,
                                  "seconds": round(time.monotonic() - started, 3)}
        if not outcome.ok:
            result["reason"] = outcome.reason
            if outcome.timed_out and node["kind"] == "rollback":
                result["reason"] += f" ({tries} attempts)"
        return result

    def _window(self, node: dict[str, Any], cancel: threading.Event) -> dict[str, Any]:

        wave = self.waves[node["wave"]]
        windows = plan_windows(wave["windows"])
        names = ", ".join(w["name"] for w in wave["windows"])
        try:
            while True:
                now = self.clock.now()
                if all(is_open(w, now) for w in windows):
                    return {"status": "ok", "reason": f"{names} open at {now:%Y-%m-%d %H:%M} UTC"}
                opens = next_open_all(windows, now)
                if opens is None:
                    return {"status": "failed", "reason": f"window {names} does not open within a year"}
                if self.options.no_wait:
                    return {"status": "failed", "reason": f"window {names} is closed at {now:%Y-%m-%d %H:%M} UTC "
                            f"(opens {opens:%Y-%m-%d %H:%M} UTC; --no-wait)"}
                self.record({"event": "window_wait", "wave": wave["name"], "until": opens.isoformat()}, durable=False)
                if not self.clock.sleep((opens - now).total_seconds() + 1, cancel):
                    return {"status": "interrupted" if self.clock.stopped.is_set() else "cancelled"}
        except CronError as exc:
            return {"status": "failed", "reason": str(exc)}

    def _approval(self, node: dict[str, Any], cancel: threading.Event) -> dict[str, Any]:
        wave = node["wave"]
        answer = scenarios.approval_for(self.scenario, wave) if self.scenario is not None else None
        if answer is None:
            self.note(f"approval:{wave}", f"wave {wave}: approval granted automatically (rehearsal)")
            return {"status": "ok"}
        delay = scenarios.approval_delay(answer, self.clock.now())
        timeout = scenarios.APPROVAL_TIMEOUT.total_seconds()
        if not self.clock.sleep(min(delay, timeout), cancel):
            return {"status": "interrupted" if self.clock.stopped.is_set() else "cancelled"}
        if delay > timeout:
            return {"status": "failed", "reason": f"approval of wave {wave} timed out (scenario answers later)"}
        if answer.decision == "reject":
            return {"status": "failed", "reason": f"approval of wave {wave} rejected (scenario)"}
        return {"status": "ok", "reason": f"approval of wave {wave} given (scenario)"}

    def _scenario_alarms(self, region: str, names: list[str], at: datetime, strict: bool = False) -> Verdict:
        """The scenario's answer for CloudWatch alarms ``names`` in ``region`` at virtual instant ``at``."""
        assert self.scenario is not None
        states = {n: self.scenario.alarm_state(n, region, at, self.clock.start, self.bake_starts) for n in names}
        firing = sorted(n for n, s in states.items() if s == "ALARM")
        if firing:
            return Verdict(False, f"alarm {', '.join(firing)} in ALARM ({region})")
        unknown = sorted(n for n, s in states.items() if s == "INSUFFICIENT_DATA")
        if unknown and strict:
            return Verdict(False, f"alarm {', '.join(unknown)} in INSUFFICIENT_DATA ({region})")
        missing = sorted(n for n, s in states.items() if s is None)
        if missing:
            return Verdict(False, f"alarm {', '.join(missing)} not found in {region}")
        return Verdict(True, f"{len(names)} alarm(s) OK in {region}")

    def _blockers(self, node: dict[str, Any]) -> str | None:
        """Why the deploy ``node`` may not start (a blocker in ALARM or missing), or ``None``.

        Before the first batch the blockers of every target of the wave are read (the wave may not start, as the
        CodePipeline stage's entry condition reads them all); before a later batch, those of the node's target.
        """
        wave = self.waves[node["wave"]]
        gates = wave["gates"]
        for target in wave["targets"] if node["batch"] == 0 else [node["target"]]:
            names = [expand_data(b["name"], self.runtime) for g in gates for b in g["blockers"]
                     if b["target"] is None or b["target"]["id"] == target["id"]]
            if not names:
                continue
            verdict = self._scenario_alarms(target["region"], names, self.clock.now()) if self.scenario is not None \
                else cloudwatch_alarms(target["region"], names, self.aws_clients)
            if not verdict.ok:
                return f"blocked: {verdict.detail}"
        return None

    def _bake(self, wave: dict[str, Any], cancel: threading.Event) -> dict[str, Any]:
        total = float(wave["bake"])
        elapsed = self.state.bake_elapsed.get(wave["name"], 0.0)
        gates = wave["gates"]
        began = self.bake_starts[scenarios.stage_name(wave["name"])] = self.clock.now() - timedelta(seconds=elapsed)
        self.record({"event": "bake_started", "wave": wave["name"], "bake": total, "elapsed": elapsed,
                     "speed": self.options.speed, "at": iso(began)}, durable=False)
        intervals = {g["name"]: max(1, g["interval"]) for g in gates}
        due = {name: (int(elapsed // iv) + 1) * iv for name, iv in intervals.items()}
        last: dict[str, float] = {}
        while elapsed < total:
            step_to = min([*due.values(), total])
            if not self.clock.sleep(step_to - elapsed, cancel):
                return {"status": "interrupted" if self.clock.stopped.is_set() else "cancelled"}
            elapsed = step_to
            # Not fsynced: progress lost to a power cut only makes the resumed bake longer, never shorter.
            self.record({"event": "bake_progress", "wave": wave["name"], "elapsed": elapsed, "bake": total,
                         "at": iso(began + timedelta(seconds=elapsed))}, durable=False)
            for gate in gates:
                if due[gate["name"]] <= elapsed:
                    due[gate["name"]] += intervals[gate["name"]]
                    last[gate["name"]] = elapsed
                    breach = self._evaluate(wave, gate, began + timedelta(seconds=elapsed))
                    if breach is not None:
                        return breach
        for gate in gates:  # the bake ends with every gate evaluated at its end
            if last.get(gate["name"]) != elapsed:
                breach = self._evaluate(wave, gate, began + timedelta(seconds=elapsed))
                if breach is not None:
                    return breach
        # `at`: the virtual instant the bake ended (its node_finished is journaled a moment later).
        return {"status": "ok", "at": iso(began + timedelta(seconds=elapsed))}

    def _evaluate(self, wave: dict[str, Any], gate: dict[str, Any], at: datetime) -> dict[str, Any] | None:
        verdicts: list[Verdict] = []
        for check in gate["checks"]:
            where = f" ({check['target']['id']})" if check["target"] else ""
            # One log per target: a region's breach quotes (and its log holds) that region's output only.
            log = f"wave:{wave['name']}:gate:{gate['name']}" + (f":{check['target']['id']}" if check["target"] else "")
            outcome = self.processes.run(check["command"], self._env(check["environment"], f"gate:{gate['name']}"),
                                         self.workdir, self._log(log), CHECK_TIMEOUT)
            if outcome.interrupted:
                return {"status": "interrupted"}
            verdicts.append(Verdict(outcome.ok, f"check{where} passed" if outcome.ok
                                    else f"check{where} failed: {outcome.reason}"))
        for q in gate["prometheus"]:
            verdicts.append(prometheus(q["url"], expand_data(q["query"], self.runtime), q["min"], q["max"]))
        if gate["alarms"]:
            if self.options.aws or self.scenario is not None:
                by_region: dict[str, list[str]] = {}
                for alarm in gate["alarms"]:
                    by_region.setdefault(alarm["region"], []).append(expand_data(alarm["name"], self.runtime))
                strict = gate.get("insufficient_data", "ok") == "breach"
                verdicts.extend(self._scenario_alarms(region, names, at, strict) if self.scenario is not None
                                else cloudwatch_alarms(region, names, self.aws_clients, insufficient_breach=strict)
                                for region, names in sorted(by_region.items()))
            else:
                self.note(f"alarms:{gate['name']}", f"gate {gate['name']}: CloudWatch alarms are not watched "
                          "without --aws")
        ok = all(v.ok for v in verdicts)
        detail = "; ".join(v.detail for v in verdicts if not v.ok) or "; ".join(v.detail for v in verdicts)
        # A failed evaluation is acted on by the decision, a durable commit; a lost one is evaluated again.
        self.record({"event": "gate", "wave": wave["name"], "gate": gate["name"], "ok": ok, "detail": detail,
                     "at": iso(at)}, durable=False)
        if ok:
            return None
        return {"status": "failed", "reason": f"gate {gate['name']}: {detail}", "at": iso(at),
                "breach": {"gate": gate["name"], "reason": f"gate {gate['name']}: {detail}",
                           "on_breach": gate["on_breach"]}}


class Pool:
    """``size`` worker threads that run command nodes (the engine never gives it more than ``size`` at once)."""

    def __init__(self, size: int, work: Callable[[dict[str, Any], threading.Event], None]) -> None:
        self._jobs: queue.Queue[tuple[dict[str, Any], threading.Event] | None] = queue.Queue()
        self._work = work
        self._threads = [threading.Thread(target=self._serve, name=f"wavec-worker-{i}", daemon=True)
                         for i in range(size)]
        for thread in self._threads:
            thread.start()

    def _serve(self) -> None:
        while (job := self._jobs.get()) is not None:
            self._work(*job)

    def submit(self, node: dict[str, Any], cancel: threading.Event) -> None:
        """Run ``node`` on the next free worker."""
        self._jobs.put((node, cancel))

    def close(self) -> None:
        """Let the workers end once they are idle."""
        for _ in self._threads:
            self._jobs.put(None)


def final_status(state: State, *, failed: bool) -> tuple[str, int]:
    """How a run ended and its exit code, from its state; ``failed`` says something failed that the state's
    ``failing`` does not record (a node that could not run, a failed CodePipeline execution).

    One table for ``wavec run`` and the emulator, so both name the same end the same way.
    """
    if not state.failing and not failed:
        return "succeeded", 0
    if any(state.status.get(n) == "failed" for n in state.rollback_plan or []):
        return "rollback_failed", 3
    if state.breach is not None and state.breach["on_breach"] == "halt":
        return "halted", 3
    if state.rollback_plan:
        return "rolled_back", 3
    return "failed", 3


def node_key(execution: str, node_id: str) -> str:
    """The idempotency key of a node in a run (``WAVE_NODE_KEY``): the same for every attempt and resume of
    that node, different for any other node or run."""
    return hashlib.sha256(f"{execution}\0{node_id}".encode()).hexdigest()[:32]


def source_commit(workdir: Path) -> str:
    """The source revision for ``${commit}``: ``WAVE_COMMIT`` if set, else ``git rev-parse HEAD``, else empty."""
    if "WAVE_COMMIT" in os.environ:
        return os.environ["WAVE_COMMIT"]

    try:
        proc = subprocess.run(["git", "rev-parse", "HEAD"], cwd=workdir, capture_output=True, text=True, timeout=5,
                              check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return proc.stdout.strip() if proc.returncode == 0 else ""
