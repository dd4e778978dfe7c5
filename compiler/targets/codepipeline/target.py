"""The ``codepipeline`` target: AWS CodePipeline V2, as a ``CreatePipeline`` request or a CloudFormation template.

``json`` (the default) is the exact request body ``{"pipeline": {…}, "tags": […]}``
that ``aws codepipeline create-pipeline --cli-input-json`` and ``wavec deploy``
send; ``cloudformation`` is the same pipeline as an ``AWS::CodePipeline::Pipeline``
resource. Every limit of the service is a WV9xx diagnostic reported before any
output is produced, and the request is checked against botocore's model as a
last line of defence (WV919).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ...diagnostics import Severity, Sink
from ...diagnostics.codes import codepipeline as codes
from ..base import BuildOptions
from . import alarms, compensator, guard, step_projects
from .bundle import Bundle, split
from .cloudformation import add_created_alarms, logical_id, merge, place_at_home, template
from .context import pipeline_region
from .request import build_request
from .service_model import model_problems

if TYPE_CHECKING:
    import networkx as nx

    from ...semantics import ir


def dumps(document: Any) -> str:
    """Deterministic JSON: sorted keys, two-space indent, trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def request_for(pipeline: ir.Pipeline, sink: Sink) -> dict[str, Any] | None:
    """The ``CreatePipeline`` request, or ``None`` when an error (reported to ``sink``) prevents it."""

    local = Sink()
    request = build_request(pipeline, local)
    failed = local.has_errors
    if not failed:
        problems = model_problems(request)
        for problem in problems[:10]:
            local.report(codes.REJECTED_BY_SERVICE_MODEL,
                         f"pipeline `{pipeline.name}`: the CodePipeline API would reject the request: "
                         f"{problem}",
                         pipeline.span.head(), label="in the request built from this pipeline",
                         help="change the value the message names", severity=Severity.ERROR)
        failed = bool(problems)
    sink.extend(local)
    return None if failed else request


def cloudformation_document(pipeline: ir.Pipeline, sink: Sink) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The request and the one template holding the pipeline and what serves it (``None``: errors in ``sink``)."""
    request = request_for(pipeline, sink)
    if request is None:
        return None
    document = template(request, pipeline_region(pipeline))
    # What the pipeline alone cannot do (rollback_all, teardown after a failure) runs beside it.
    plan = compensator.plan(pipeline, request)
    if compensator.lambda_environment_size(plan) > compensator.LAMBDA_ENV_LIMIT:
        sink.report(codes.OVER_SERVICE_LIMIT,
                    f"pipeline `{pipeline.name}`: the compensator's plan is over the "
                    f"{compensator.LAMBDA_ENV_LIMIT} bytes a Lambda function's environment holds",
                    pipeline.span.head(), label="too many waves with `rollback_all`",
                    help="use `rollback_all` on fewer waves, or shorter wave names",
                    severity=Severity.ERROR)
        return None
    merge(document, place_at_home(document, guard.part(request, logical_id(pipeline.name))))
    merge(document, place_at_home(document, step_projects.part(
        step_projects.plan(pipeline), logical_id(pipeline.name), request["pipeline"]["roleArn"])))
    merge(document, place_at_home(document, compensator.part(plan, logical_id(pipeline.name))))
    add_created_alarms(document, alarms.created(pipeline, request), pipeline.name)
    return request, document


def bundle_for(pipeline: ir.Pipeline, sink: Sink) -> Bundle | None:
    """The deployment bundle of ``pipeline``: one stack per region and account, and the manifest."""
    built = cloudformation_document(pipeline, sink)
    if built is None:
        return None
    request, document = built
    return split(request, document, pipeline_region(pipeline))


class CodePipelineTarget:
    """AWS CodePipeline V2."""

    name = "codepipeline"
    formats = ("json", "cloudformation")

    def compile(self, pipeline: ir.Pipeline, graph: nx.DiGraph[str], options: BuildOptions, sink: Sink) -> str | None:
        """The request body (``json``) or the CloudFormation template (``cloudformation``)."""
        if (options.format or "json") == "cloudformation":
            built = cloudformation_document(pipeline, sink)
            return None if built is None else dumps(built[1])
        request = request_for(pipeline, sink)
        return None if request is None else dumps(request)

    def constraints(self, pipeline: ir.Pipeline, sink: Sink) -> None:
        """The limits, mappings and the service model's verdict: the request is built, not printed (no graph:
        the request is made from the IR alone)."""
        request_for(pipeline, sink)


TARGET = CodePipelineTarget()
