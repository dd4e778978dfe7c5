"""Create or update the pipeline in AWS CodePipeline through boto3, after showing a diff.

The pipeline is compiled as `wavec build --target codepipeline` compiles it;
errors in the file exit 1 before anything is sent. The live pipeline is read
with GetPipeline and a diff printed; --dry-run stops there. AWS failures
(credentials, endpoint, permissions, the pipeline role) exit 3 with one
message. The usual AWS settings apply (AWS_PROFILE, AWS_ENDPOINT_URL, …).
"""

from __future__ import annotations

import argparse
import sys

from ..api import apply_config
from ..config import Config
from ..diagnostics import Diagnostic, Severity, Sink
from ..targets.codepipeline import compensator
from ..targets.codepipeline.cloudformation import source_change_part
from ..targets.codepipeline.context import Context
from ..targets.codepipeline.deploy import AwsError, deploy
from ..targets.codepipeline.target import request_for
from .common import add_config_option, checked_pipeline, config_from, print_diagnostics
from .errors import EXIT_ERRORS, EXIT_OK, EXIT_RUNTIME


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``wavec deploy``."""
    parser.add_argument("file", metavar="FILE", help="the .wave file")
    parser.add_argument("--dry-run", action="store_true", help="print the diff against the live pipeline, change "
                        "nothing")
    parser.add_argument("--endpoint-url", metavar="URL", help="CodePipeline endpoint (default: AWS_ENDPOINT_URL "
                        "or the region's)")
    parser.add_argument("--region", metavar="R", help="region of the pipeline (default: the pipeline's `region`, "
                        "else the first region of its first wave)")
    parser.add_argument("--profile", metavar="NAME", help="AWS profile (default: AWS_PROFILE)")
    parser.add_argument("--pipeline", metavar="NAME", help="the pipeline to deploy when the file has several")
    add_config_option(parser)


def run(args: argparse.Namespace) -> int:
    """Compile, diff, and create or update."""

    pipeline, diagnostics = checked_pipeline(args, args.file)
    if pipeline is None:
        print_diagnostics(diagnostics)
        return EXIT_ERRORS

    sink = Sink()
    request = request_for(pipeline, sink)
    config = config_from(args)
    assert isinstance(config, Config)
    extra, _ = apply_config(sink, config)
    print_diagnostics(sorted(diagnostics + extra, key=Diagnostic.sort_key))
    if request is None or any(d.severity is Severity.ERROR for d in extra):
        return EXIT_ERRORS


    region = args.region or Context(pipeline, Sink()).region
    beside = []
    if any(a["actionTypeId"]["provider"] == "StepFunctions" for s in request["pipeline"]["stages"]
           for a in s["actions"]):
        beside.append("its bake state machines")
    if not compensator.plan(pipeline, request).empty:
        beside.append("its compensator (rollback_all, sandbox teardown)")
    if source_change_part(request, region):
        # Its source does not poll (PollForSourceChanges: false): without the rule, no change starts it.
        beside.append("the EventBridge rule that starts it on a source change")
    if beside:
        # A CreatePipeline body cannot hold what runs beside the pipeline; say so rather than deploy half silently.
        print(f"wavec deploy: note: pipeline {pipeline.name} needs {' and '.join(beside)}, which only "
              "`wavec build --format cloudformation` contains: deploy that template for them", file=sys.stderr)
    try:
        deploy(request, region=region, endpoint_url=args.endpoint_url, profile=args.profile,
               dry_run=args.dry_run, say=print)
    except AwsError as exc:
        print(f"wavec deploy: error: {exc}", file=sys.stderr)
        if exc.help:
            print(f"  = help: {exc.help}", file=sys.stderr)
        return EXIT_RUNTIME
    return EXIT_OK
