"""Lambda invoke actions whose function is in the CloudFormation output: its inline code, run on this machine.

A CodePipeline ``Lambda`` action invokes a function with a job; the function answers with
``PutJobSuccessResult`` (output variables included) or ``PutJobFailureResult``, and an action whose function
answers neither hangs until it times out (rule 64). The emulator runs the functions wavec writes (the rollback
guard) from the template's inline ``ZipFile`` — the text that would be deployed, not a copy — in this process,
handing them a CodePipeline client that answers from the emulated pipeline's state. Such a function takes a
``clients`` keyword (``handler(event, context, clients=…)``); any other function is refused unless stood in,
since it would call AWS itself.
"""

from __future__ import annotations

import inspect
import types
import uuid
from collections.abc import Callable
from typing import Any

from ..records import field, record
from .model import Refusal

JSON = dict[str, Any]
# Rule 64: "If the Lambda function has sent no reply after 20 minutes, the action times out."
NO_REPLY_S = 20 * 60


@record
class Function:
    """An ``AWS::Lambda::Function`` of a template with a plain name and inline Python code."""

    name: str
    code: str
    handler: str
    runtime: str
    resource: str


def functions_from_template(template: Any) -> list[Function]:
    """Every function of a template whose name, handler and inline code are plain values."""
    found = []
    resources = template.get("Resources") if isinstance(template, dict) else None
    for rid, resource in sorted((resources or {}).items()):
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::Lambda::Function":
            continue
        props = resource.get("Properties") or {}
        name, handler, runtime = props.get("FunctionName"), props.get("Handler"), props.get("Runtime")
        code = (props.get("Code") or {}).get("ZipFile")
        if isinstance(name, str) and isinstance(handler, str) and isinstance(runtime, str) and isinstance(code, str):
            found.append(Function(name, code, handler, runtime, rid))
    return found


def find_function(functions: list[Function], name: str) -> Function | None:
    """The function a ``FunctionName`` names: by name, or by the name in its ARN (``…:function:NAME[:QUALIFIER]``)."""
    parts = name.split(":")
    short = parts[6] if len(parts) >= 7 and parts[5] == "function" else name
    return next((f for f in functions if f.name == short), None)


def load(function: Function, where: str) -> Callable[..., Any]:
    """The function's handler, its module executed from the template's code; refused when it cannot run here."""
    if not function.runtime.startswith("python3"):
        raise Refusal(f"{where}: function {function.name} runs on {function.runtime}; the emulator runs inline "
                      "Python functions only (give a stand-in)")
    module_name, _, attr = function.handler.rpartition(".")
    if module_name != "index":  # an inline ZipFile is the module `index`
        raise Refusal(f"{where}: function {function.name}: handler {function.handler!r} is not in the inline "
                      "code (`index.<name>`)")
    module = types.ModuleType(f"wavec_emulated_{function.resource}")
    try:
        exec(compile(function.code, f"<{function.resource}>", "exec"), module.__dict__)
    except Exception as exc:
        raise Refusal(f"{where}: function {function.name} does not load: {type(exc).__name__}: {exc}") from None
    handler: Callable[..., Any] | None = getattr(module, attr, None)
    if handler is None or not callable(handler):
        raise Refusal(f"{where}: function {function.name} has no handler {attr!r}")
    if "clients" not in inspect.signature(handler).parameters:
        raise Refusal(f"{where}: function {function.name} calls AWS itself (its handler takes no `clients`): "
                      "the emulator runs wavec's own functions only; give a stand-in")
    return handler


class JobError(Exception):
    """A call the emulated CodePipeline API refuses (a wrong pipeline, a job answered twice)."""


@record(frozen=False)
class Jobs:
    """The slice of the CodePipeline API a job's function calls, answering from the emulated pipeline.

    ``state()`` gives ``GetPipelineState``'s ``stageStates``; answers are kept per job id.
    """

    pipeline: str
    state: Callable[[], list[JSON]]
    answers: dict[str, JSON] = field(default_factory=dict)

    def get_pipeline_state(self, name: str) -> JSON:
        """``GetPipelineState`` of the emulated pipeline."""
        if name != self.pipeline:
            raise JobError(f"PipelineNotFoundException: {name}")
        return {"pipelineName": name, "stageStates": self.state()}

    def _answer(self, job: str, answer: JSON) -> JSON:
        if job in self.answers:
            raise JobError(f"InvalidJobStateException: job {job} was already answered")
        self.answers[job] = answer
        return {}

    def put_job_success_result(self, jobId: str, outputVariables: dict[str, str] | None = None,
                               **_: Any) -> JSON:
        """``PutJobSuccessResult``: the action succeeds, with these output variables."""
        return self._answer(jobId, {"ok": True, "variables": dict(outputVariables or {})})

    def put_job_failure_result(self, jobId: str, failureDetails: JSON) -> JSON:
        """``PutJobFailureResult``: the action fails with this message."""
        return self._answer(jobId, {"ok": False, "message": str(failureDetails.get("message", ""))})


@record
class Answer:
    """How a job ended: succeeded (with output variables), failed (why), or no answer at all."""

    ok: bool
    variables: dict[str, str]
    reason: str
    hung: bool = False  # no answer: the action ends only when it times out


def invoke(handler: Callable[..., Any], configuration: dict[str, str], account: str, jobs: Jobs) -> Answer:
    """Run one job of a Lambda action (rule 64) and read its answer."""
    job = str(uuid.uuid4())
    event = {"CodePipeline.job": {"id": job, "accountId": account, "data": {
        "actionConfiguration": {"configuration": dict(configuration)}, "inputArtifacts": [], "outputArtifacts": []}}}
    try:
        handler(event, None, clients={"codepipeline": jobs})
    except Exception as exc:
        if job not in jobs.answers:
            return Answer(False, {}, f"the function raised {type(exc).__name__}: {exc} and sent no job result; "
                                     f"the action timed out after {NO_REPLY_S // 60} minutes (rule 64)", hung=True)
    answer = jobs.answers.get(job)
    if answer is None:
        return Answer(False, {}, f"the function sent no job result: the action timed out after "
                                 f"{NO_REPLY_S // 60} minutes (rule 64)", hung=True)
    if answer["ok"]:
        return Answer(True, answer["variables"], "")
    return Answer(False, {}, f"the function reported a failure: {answer['message']}")
