"""Step Functions invoke actions, executed by moto's ASL interpreter on a virtual clock.

The emulator does not interpret Amazon States Language itself: a ``StepFunctions`` invoke action (rule 63)
starts an execution of the state machine the CloudFormation output defines in **moto's Step Functions**, which
runs every state (Choice, Map, Pass, intrinsic functions, the ``aws-sdk:cloudwatch:describeAlarms`` task …).
moto's server runs in this process on ``127.0.0.1`` and a free port, with ``MOTO_PORT`` set so that the
interpreter's SDK calls reach the same server, and with ``stepfunctions.execute_state_machine`` turned on.

One thing is replaced: the clock of ``Wait`` states. A Wait of N seconds does not sleep; it blocks until the
execution's *virtual* clock has moved N seconds. The clock moves only when every branch of the execution is
blocked in a Wait (nothing else can happen then), straight to the earliest wake-up; before it releases the
branches, the alarm states of that virtual instant are put into moto's CloudWatch (``put_metric_alarm`` +
``set_alarm_state``), so the machine's ``describeAlarms`` reads the scenario's world. So a bake of an hour
runs in the time the interpreter needs for its states (a few milliseconds per reading), the same way on every
machine, and every event of the execution's history has an exact virtual instant (events published between
two moves of the clock happened at the first one). The engine then replays the readings at ``seconds /
--speed`` like every other wait. Limits are in ``docs/emulator.md``.
"""

from __future__ import annotations

import copy
import functools
import importlib
import json
import logging
import os
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

from ..records import field, record
from .model import Refusal

JSON = dict[str, Any]
# How long the clock waits for a branch the execution's input announces but which has not reached its first
# Wait yet, before it moves anyway (a machine whose branches are not one per gate; reported as a note).
SETTLE_S = 2.0
# The longest an execution may run in real time (a machine that never waits and never ends).
REAL_LIMIT_S = 600.0
MOTO_MISSING = ("executing Step Functions actions needs moto's Step Functions interpreter, which is not installed: "
                "pip install 'wavec[emulate]' (or give the action a stand-in)")


@record
class Machine:
    """A state machine of a CloudFormation template: its name, definition and where it lives (when known)."""

    name: str
    definition: str
    kind: str
    region: str | None
    account: str | None
    resource: str


def machines_from_template(template: Any, where: str) -> list[Machine]:
    """Every ``AWS::StepFunctions::StateMachine`` of a template whose name and definition are plain values."""
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
        raise Refusal(f"{where}: not a CloudFormation template (no Resources)")
    found = []
    for rid, resource in sorted(template["Resources"].items()):
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::StepFunctions::StateMachine":
            continue
        props = resource.get("Properties") or {}
        name = props.get("StateMachineName")
        definition = props.get("DefinitionString")
        if definition is None and isinstance(props.get("Definition"), dict):
            definition = json.dumps(props["Definition"], sort_keys=True)
        if not isinstance(name, str) or not isinstance(definition, str):
            continue  # an intrinsic function: not resolvable offline; an action naming it is refused
        placement = ((resource.get("Metadata") or {}).get("wavec") or {}).get("placement") or {}
        found.append(Machine(name, definition, str(props.get("StateMachineType", "STANDARD")),
                             placement.get("region"), placement.get("account"), rid))
    return found


def find_machine(machines: list[Machine], arn: str) -> Machine | None:
    """The machine an action's ``StateMachineArn`` names: same name, and same region and account when known."""
    parts = arn.split(":")
    if len(parts) != 7 or parts[:3] != ["arn", "aws", "states"] or parts[5] != "stateMachine":
        return None
    region, account, name = parts[3], parts[4], parts[6]
    for m in machines:
        if m.name == name and m.region in (None, region) and m.account in (None, account):
            return m
    return None


@record(frozen=False)
class Read:
    """One ``describeAlarms`` call of an execution: when (virtual seconds), what it asked, what it saw."""

    at: float
    names: list[str]
    states: dict[str, str]


@record(frozen=False)
class Outcome:
    """How an execution ended (``status`` as Step Functions says it) and its readings."""

    status: str
    error: str
    cause: str
    seconds: float
    reads: list[Read] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class _Clock:
    """The virtual clock of one execution: Waits block on it; :meth:`StepFunctions.execute` moves it."""

    def __init__(self, expected: int) -> None:
        self.now = 0.0
        self.expected = expected
        self.cond = threading.Condition()
        self.waiting: dict[threading.Thread, float] = {}
        self.envs: dict[threading.Thread, Any] = {}  # the interpreter's frame of each waiting branch
        self.gone: set[threading.Thread] = set()  # branches already ended at the last move
        self.active: set[threading.Thread] = set()
        self.seen: set[threading.Thread] = set()
        self.last_event = 0
        self.marks: list[tuple[int, float]] = []  # (last event id before a move, the instant before it)
        self.closed = False
        self.events: Any = None  # the execution's event manager (every branch's frame shares it)

    def wait(self, env: Any, seconds: int) -> None:
        me = threading.current_thread()
        with self.cond:
            self.seen.add(me)
            self.active.discard(me)
            self.waiting[me] = self.now + max(0, seconds)
            self.envs[me] = env
            if self.events is None:
                self.events = getattr(env, "event_manager", None)
            self.last_event = max(self.last_event, _last_event_id(env))
            self.cond.notify_all()
            while me in self.waiting and not self.closed and env.is_running():
                self.cond.wait(0.05)
            self.waiting.pop(me, None)
            self.envs.pop(me, None)

    def ended(self) -> bool:
        """No branch waits or runs, or one has ended since the clock last moved."""
        running = any(t.is_alive() for t in self.active)
        return (not self.waiting and not running) or any(not t.is_alive() for t in self.seen - self.gone)

    def quiet(self) -> bool:
        """Every branch seen is waiting (or gone): nothing can happen until the clock moves."""
        self.active = {t for t in self.active if t.is_alive()}
        return bool(self.waiting) and not self.active

    def at(self, event_id: int) -> float:
        """The virtual instant of a history event."""
        for last, instant in self.marks:
            if event_id <= last:
                return instant
        return self.now


def _last_event_id(env: Any) -> int:
    gen = getattr(getattr(env, "event_manager", None), "_event_id_gen", None)
    if gen is not None and isinstance(getattr(gen, "_next_id", None), int):
        return int(gen._next_id) - 1
    context = getattr(env, "event_history_context", None)
    return int(getattr(context, "last_published_event_id", 0))


# The interpreter's modules that copy state data (inputs, outputs, paths read, parameters, history events).
_DATA_COPIERS = (
    "eval.states", "eval.event.event_manager", "component.common.string.string_expression",
    "component.common.path.result_path", "component.state.exec.execute_state",
    "component.state.exec.state_task.service.state_task_service",
)


def _json_clone(value: Any, memo: Any = None) -> Any:
    """A deep copy of JSON data (dicts, lists, strings, numbers, booleans, null); anything else, and any
    subclass, is left to :func:`copy.deepcopy`."""
    kind = type(value)
    if kind is dict:
        return {k: _json_clone(v) for k, v in value.items()}
    if kind is list:
        return [_json_clone(v) for v in value]
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return value
    return copy.deepcopy(value, memo)


class _JsonCopy:
    """Stands in for the :mod:`copy` module in the interpreter's data-copying modules."""

    deepcopy = staticmethod(_json_clone)
    copy = staticmethod(copy.copy)


_CLOCKS: dict[str, _Clock] = {}
_PATCH_LOCK = threading.Lock()
_PATCHED = False


def _patch_waits() -> None:
    """Make the interpreter's Wait states wait on their execution's virtual clock, and spare moto two costs it
    pays on every call that do not change within a run (once per process)."""
    global _PATCHED
    with _PATCH_LOCK:
        if _PATCHED:
            return
        try:
            from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction
        except ImportError as exc:
            raise Refusal(f"this moto has no Step Functions interpreter the emulator knows ({exc}); "
                          "pip install 'wavec[emulate]'") from None
        original = WaitFunction._wait_interval
        try:  # the interpreter builds a new JSONPath parser (its parse table) for every path it evaluates
            from moto.stepfunctions.parser.asl.utils import json_path
        except ImportError:
            pass
        else:
            parse = getattr(json_path, "parse", None)
            if callable(parse):
                # a parsed path is never changed by finding it, so one per distinct string serves every thread
                setattr(json_path, "parse", functools.lru_cache(maxsize=4096)(parse))  # noqa: B010
        try:  # the server lists moto's package folder (a stat of each) on every request, holding its lock
            from moto import backends
        except ImportError:
            pass
        else:
            listed = getattr(backends, "list_of_moto_modules", None)
            if callable(listed):
                modules = tuple(listed())  # the installed package does not change during a run
                setattr(backends, "list_of_moto_modules", lambda: modules)  # noqa: B010

        try:  # every aws-sdk task builds a new boto3 client (a fifth of a reading's time) and a new connection
            from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
                state_task_service_aws_sdk as sdk,
            )
        except ImportError:
            pass
        else:
            make = getattr(sdk, "boto_client_for", None)
            if callable(make):
                clients: dict[tuple[str, str, str, int], Any] = {}
                lock = threading.Lock()

                def one_client(region: str, service: str, state_credentials: Any = None) -> Any:
                    # Every task passes its credentials (the execution role's, when the task names none), so
                    # they are part of the key, not a reason to skip the cache: one client per region, service,
                    # role and server (boto3 clients are safe to share between threads).
                    role = getattr(state_credentials, "role_arn", None)
                    key = (region, service, str(role), int(os.environ.get("MOTO_PORT", "5000")))
                    with lock:
                        if key not in clients:
                            clients[key] = make(region, service, state_credentials)
                        return clients[key]

                setattr(sdk, "boto_client_for", one_client)  # noqa: B010

        # The interpreter deep-copies every state's input, every path it reads and every history event with
        # copy.deepcopy, whose memo and dispatch cost about an eighth of a run's CPU (cProfile); what it copies is
        # JSON, so the modules that copy state data copy it with :func:`_json_clone` (same values, no sharing).
        for name in _DATA_COPIERS:
            try:
                module = importlib.import_module(f"moto.stepfunctions.parser.asl.{name}")
            except ImportError:
                continue
            if getattr(module, "copy", None) is copy:
                setattr(module, "copy", _JsonCopy)  # noqa: B010

        def virtual_wait(self: Any, env: Any, wait_seconds: int) -> None:
            name = env.states.context_object.context_object_data["Execution"]["Name"]
            clock = _CLOCKS.get(name)
            if clock is None:
                original(self, env, wait_seconds)
            else:
                clock.wait(env, wait_seconds)

        setattr(WaitFunction, "_wait_interval", virtual_wait)  # noqa: B010 (mypy: no method assignment)
        _PATCHED = True


class StepFunctions:
    """moto's server in this process, and executions of state machines on virtual clocks."""

    def __init__(self) -> None:
        try:
            from moto.server import ThreadedMotoServer
        except ImportError:
            raise Refusal(MOTO_MISSING) from None
        import boto3

        _patch_waits()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the server's request log is not the run's output
        # The interpreter logs every path it evaluates that is absent (an `IsPresent` test that is false, too) as
        # an error; what an execution did is read from its history, so these lines are noise on the run's stderr.
        logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
        self._boto3 = boto3
        self.server = ThreadedMotoServer("127.0.0.1", 0, verbose=False)
        self.server.start()
        _, port = self.server.get_host_and_port()
        self.url = f"http://127.0.0.1:{port}"
        os.environ["MOTO_PORT"] = str(port)  # the interpreter's SDK calls go to localhost:MOTO_PORT
        config = json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode()
        urllib.request.urlopen(urllib.request.Request(f"{self.url}/moto-api/config", data=config, method="POST",
                                                      headers={"Content-Type": "application/json"}), timeout=10)
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}
        self._created: dict[tuple[str, str], str] = {}
        self._alarms: dict[tuple[str, str], str | None] = {}

    def client(self, service: str, region: str) -> Any:
        """A boto3 client of moto's server (over HTTP)."""
        with self._lock:
            key = (service, region)
            if key not in self._clients:
                self._clients[key] = self._boto3.client(
                    service, endpoint_url=self.url, region_name=region, aws_access_key_id="ak",
                    aws_secret_access_key="sk")
            return self._clients[key]

    @staticmethod
    def _settled(sfn: Any, execution: str, clock: _Clock | None) -> str:
        """The execution's status; with ``clock`` (a branch ended while others wait), give a failing execution
        a moment to say so before the clock moves on."""
        deadline = time.monotonic() + (0.25 if clock is not None else 0.0)
        while True:
            status = str(sfn.describe_execution(executionArn=execution)["status"])
            if status != "RUNNING" or clock is None or time.monotonic() >= deadline:
                return status
            with clock.cond:
                if any(not env.is_running() for env in clock.envs.values()):
                    continue  # the failure is reaching the branches: the status follows
            time.sleep(0.005)

    def close(self) -> None:
        """Stop the server (and with it any execution still running)."""
        for clock in list(_CLOCKS.values()):
            with clock.cond:
                clock.closed = True
                clock.cond.notify_all()
        self.server.stop()

    def _machine_arn(self, machine: Machine, region: str) -> str:
        with self._lock:
            key = (machine.name, region)
            if key not in self._created:
                iam = self._boto3.client("iam", endpoint_url=self.url, region_name=region, aws_access_key_id="ak",
                                         aws_secret_access_key="sk")
                role = f"wavec-emulator-{uuid.uuid4().hex[:8]}"
                arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps({
                    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                            "Principal": {"Service": "states.amazonaws.com"}}]}))
                sfn = self._boto3.client("stepfunctions", endpoint_url=self.url, region_name=region,
                                         aws_access_key_id="ak", aws_secret_access_key="sk")
                self._created[key] = sfn.create_state_machine(
                    name=machine.name, definition=machine.definition, roleArn=arn["Role"]["Arn"],
                    type=machine.kind)["stateMachineArn"]
            return self._created[key]

    def put_alarms(self, region: str, states: dict[str, str | None]) -> None:
        """Make moto's CloudWatch in ``region`` hold these alarm states (``None``: the alarm does not exist)."""
        cw = self.client("cloudwatch", region)
        for name, state in sorted(states.items()):
            key = (region, name)
            if self._alarms.get(key) == state:
                continue
            if state is None:
                cw.delete_alarms(AlarmNames=[name])
            else:
                if self._alarms.get(key) is None:
                    cw.put_metric_alarm(AlarmName=name, MetricName="wavec-emulated", Namespace="wavec/emulator",
                                        Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1,
                                        ComparisonOperator="GreaterThanThreshold")
                cw.set_alarm_state(AlarmName=name, StateValue=state, StateReason="the scenario says so")
            self._alarms[key] = state

    def execute(self, machine: Machine, region: str, payload: str, expected: int,
                alarms: Callable[[float], dict[str, str | None]]) -> Outcome:
        """Run one execution to its end; ``alarms(t)`` is the alarm world ``t`` virtual seconds after its start."""
        arn = self._machine_arn(machine, region)
        sfn = self.client("stepfunctions", region)
        name = str(uuid.uuid4())  # rule 63: named after the action execution's id
        clock = _Clock(max(expected, 1))
        _CLOCKS[name] = clock
        notes: list[str] = []
        try:
            self.put_alarms(region, alarms(0.0))
            execution = sfn.start_execution(stateMachineArn=arn, name=name, input=payload)["executionArn"]
            began = time.monotonic()
            settle: float | None = None
            while True:
                if time.monotonic() - began > REAL_LIMIT_S:
                    sfn.stop_execution(executionArn=execution, error="wavec.Emulator",
                                       cause=f"ran {REAL_LIMIT_S:.0f} s of real time")
                with clock.cond:
                    clock.cond.wait_for(lambda: clock.quiet() or clock.ended(), timeout=0.05)
                    quiet = clock.quiet()
                    short = len(clock.seen) < clock.expected
                    ended = clock.ended()
                if ended:  # no branch waits, or one has ended (the execution may be failing): ask the service
                    if self._settled(sfn, execution, clock if quiet else None) != "RUNNING":
                        break
                    if not quiet:
                        time.sleep(0.002)
                        continue
                elif not quiet:
                    continue
                if short:  # a branch has not reached its first Wait yet
                    settle = settle or time.monotonic()
                    if time.monotonic() - settle < SETTLE_S:
                        time.sleep(0.002)
                        continue
                    notes.append(f"only {len(clock.seen)} of the {clock.expected} branches the input announces "
                                 "reached a Wait; the clock moved without the others")
                    clock.expected = len(clock.seen)
                with clock.cond:
                    if not clock.quiet():
                        continue
                    target = min(clock.waiting.values())
                    clock.marks.append((clock.last_event, clock.now))
                self.put_alarms(region, alarms(target))
                with clock.cond:
                    clock.now = target
                    clock.gone = {t for t in clock.seen if not t.is_alive()}
                    for thread, wake in list(clock.waiting.items()):
                        if wake <= target:
                            del clock.waiting[thread]
                            clock.active.add(thread)
                    clock.cond.notify_all()
            with clock.cond:
                clock.closed = True
                clock.cond.notify_all()
            found = sfn.describe_execution(executionArn=execution)
            history = _history(sfn, execution, clock.events)
            return Outcome(found["status"], found.get("error", ""), found.get("cause", ""), clock.now,
                           _reads(history, clock), notes)
        finally:
            _CLOCKS.pop(name, None)


def _history(sfn: Any, execution: str, events_of: Any = None) -> list[JSON]:
    """The execution's history: from its event manager in this process when a branch showed it (what
    ``GetExecutionHistory`` returns, without serialising a history of thousands of events twice), else paged
    through the API."""
    get = getattr(events_of, "get_event_history", None)
    if callable(get):
        found = get()
        if isinstance(found, list):
            return found
    events: list[JSON] = []
    token = None
    while True:
        page = sfn.get_execution_history(executionArn=execution, maxResults=1000,
                                         **({"nextToken": token} if token else {}))
        events.extend(page["events"])
        token = page.get("nextToken")
        if not token:
            return events


def _reads(history: list[JSON], clock: _Clock) -> list[Read]:
    """Every ``describeAlarms`` task of the history: its virtual instant, the names asked, the states seen."""
    by_id = {e["id"]: e for e in history}
    reads = []
    for event in history:
        if event["type"] not in ("TaskSucceeded", "TaskFailed"):
            continue
        details = event.get("taskSucceededEventDetails") or event.get("taskFailedEventDetails") or {}
        if details.get("resource") != "describeAlarms":
            continue
        scheduled = by_id.get(event.get("previousEventId", 0), {})
        if scheduled.get("type") == "TaskStarted":
            scheduled = by_id.get(scheduled.get("previousEventId", 0), {})
        params = json.loads((scheduled.get("taskScheduledEventDetails") or {}).get("parameters") or "{}")
        names = [str(n) for n in params.get("AlarmNames") or []]
        states: dict[str, str] = {}
        if event["type"] == "TaskSucceeded":
            output = json.loads(details.get("output") or "{}")
            for alarm in [*output.get("MetricAlarms", []), *output.get("CompositeAlarms", [])]:
                states[str(alarm.get("AlarmName"))] = str(alarm.get("StateValue"))
        reads.append(Read(clock.at(int(scheduled.get("id") or event["id"])), names, states))
    return reads
