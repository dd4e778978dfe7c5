"""Deploy the whole bundle: plan, confirm, apply stack by stack through CloudFormation change sets.

The file is compiled to its deployment bundle as `wavec build --out DIR` writes it (errors exit 1 before any
AWS call). The plan reads every stack and the live pipeline; `--dry-run` stops after it and needs no
credentials when nothing exists yet (it says what it could not read). Then, after a confirmation on a terminal
(or `--yes`), each stack is applied in manifest order, waiting on each. Exit codes: 0 done (or nothing to do),
1 errors in the file or a refused confirmation, 3 an AWS failure or a failed stack, 130 interrupted; with
`--detailed-exitcode`, 2 when there were changes (planned, or applied). See docs/deploy.md.
"""

from __future__ import annotations

import argparse
import json
import sys

from ..deploy.aws import DEFAULT_ACCOUNT_ROLE, Aws, AwsError
from ..deploy.engine import Progress, apply, destroy, discard, make_destroy_plan, make_plan, rollback_note
from ..deploy.stacks import StackFailed
from . import extras
from .bundling import compile_bundle
from .common import add_config_option, print_diagnostics
from .deploy_view import DeployView
from .errors import EXIT_ERRORS, EXIT_INTERRUPTED, EXIT_OK, EXIT_RUNTIME, UsageError

EXIT_CHANGES = 2  # --detailed-exitcode: Terraform's convention


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``wavec deploy``."""
    parser.add_argument("file", metavar="FILE", help="the .wave file")
    parser.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    parser.add_argument("--detailed-exitcode", action="store_true",
                        help="exit 2 when there are changes, 0 when none, 1 on errors (3: an AWS failure)")
    parser.add_argument("--yes", action="store_true", help="apply without asking")
    parser.add_argument("--json", action="store_true", help="print the plan as JSON (wavec-deploy-plan/1)")
    parser.add_argument("--endpoint-url", metavar="URL", help="AWS endpoint for every service (default: "
                        "AWS_ENDPOINT_URL or each region's)")
    parser.add_argument("--profile", metavar="NAME", help="AWS profile (default: AWS_PROFILE)")
    parser.add_argument("--account-role", metavar="NAME", default=DEFAULT_ACCOUNT_ROLE,
                        help="role assumed in the accounts other than the caller's (default: %(default)s)")
    parser.add_argument("--destroy", action="store_true", help="remove what the bundle created, newest stack first "
                        "(the same plan and confirmation)")
    parser.add_argument("--delete-artifact-buckets", action="store_true",
                        help="with --destroy: also empty and delete the artifact buckets (kept otherwise)")
    parser.add_argument("--pipeline", metavar="NAME", help="the pipeline to deploy when the file has several")
    add_config_option(parser)


def _error(exc: Exception | str, help: str | None = None) -> None:
    print(f"wavec deploy: error: {exc}", file=sys.stderr)
    if help:
        print(f"  = help: {help}", file=sys.stderr)


def _confirmed(args: argparse.Namespace) -> bool | None:
    """``True`` to apply, ``False`` when declined; ``None`` when there is no terminal to ask on."""
    if args.yes:
        return True
    if not sys.stdin.isatty():
        return None
    answer = input("Apply this plan? Only 'yes' applies: ")  # on stdout, after the plan
    return answer.strip() == "yes"


def run(args: argparse.Namespace) -> int:
    """Compile, plan, confirm and apply."""
    if not args.detailed_exitcode:
        return _run(args)
    try:
        return _run(args)
    except UsageError as exc:
        # Under Terraform's convention 2 means "changes": a usage error (a missing extra, a bad option pair)
        # must not read as one in CI, so it is an error there, 1, said the same way.
        print(f"wavec deploy: error: {exc}", file=sys.stderr)
        return EXIT_ERRORS


def _run(args: argparse.Namespace) -> int:
    extras.require("aws", "wavec deploy")
    if args.delete_artifact_buckets and not args.destroy:
        raise UsageError("--delete-artifact-buckets goes with --destroy")
    bundle, _pipeline, diagnostics = compile_bundle(args, args.file)
    print_diagnostics(diagnostics)
    if bundle is None:
        return EXIT_ERRORS
    changed_exit = EXIT_CHANGES if args.detailed_exitcode else EXIT_OK
    aws = Aws(args.profile, args.endpoint_url, args.account_role)
    out = sys.stderr if args.json else sys.stdout

    def say(line: str) -> None:
        print(line, file=out, flush=True)

    try:
        if args.destroy:
            plan = make_destroy_plan(bundle, aws, dry_run=args.dry_run, delete_buckets=args.delete_artifact_buckets)
        else:
            plan = make_plan(bundle, bundle.request, aws, dry_run=args.dry_run)
    except AwsError as exc:
        _error(exc, exc.help)
        return EXIT_RUNTIME
    except StackFailed as exc:
        _error(exc)
        return EXIT_RUNTIME
    if args.json:
        print(json.dumps(plan.to_json(), indent=2, sort_keys=True, ensure_ascii=False))
    else:
        print(plan.text())
    if plan.missing_alarms:
        discard(plan, aws)
        first = plan.missing_alarms[0]
        _error(f"{len(plan.missing_alarms)} alarms the gates read do not exist, e.g. {first['alarm']} in region "
               f"{first['region']} of account {first['account']}; nothing was applied",
               "create them (the plan lists each), or fix the names in the file; a bake reads a missing alarm as "
               "a breach")
        return EXIT_RUNTIME
    if args.dry_run:
        say("dry run: nothing changed")
        return changed_exit if plan.changed else EXIT_OK
    if not plan.changed:
        say("nothing to do: " + ("no stack of the bundle exists" if args.destroy else
                                 "every stack and the pipeline are up to date"))
        return EXIT_OK
    confirmed = _confirmed(args)
    if not confirmed:
        discard(plan, aws)
        if confirmed is None:
            _error("the plan has changes and stdin is not a terminal to confirm them on",
                   "pass --yes to apply them, or --dry-run to only plan")
        else:
            say("not applied")
        return EXIT_ERRORS
    progress = Progress()
    view = None
    step_line = say
    if not args.json and sys.stdout.isatty():  # a terminal: the live table shows every step (deploy_view.py)
        view = DeployView(plan, sys.stdout)
        progress.watch = view

        def step_line(line: str) -> None:
            pass

    try:
        try:
            if args.destroy:
                destroy(plan, bundle, aws, step_line, progress, delete_buckets=args.delete_artifact_buckets)
            else:
                apply(plan, bundle, aws, step_line, progress)
        finally:
            if view is not None:
                view.close()
    except StackFailed as exc:
        _error(exc, "fix the cause and run `wavec deploy --destroy` again: stacks already gone are skipped"
               if args.destroy else "CloudFormation rolled the stack back; fix the cause and run `wavec deploy` "
               "again: it continues from the first stack that is not up to date")
        return EXIT_RUNTIME
    except AwsError as exc:
        _error(exc, exc.help)
        return EXIT_RUNTIME
    except KeyboardInterrupt:
        where = (f"while stack {progress.current} was being applied: CloudFormation completes or rolls back that "
                 "stack on its own" if progress.current else "between stacks")
        print(f"wavec deploy: interrupted {where}; {progress.done} of {len(plan.stacks)} stacks are done. Run "
              "`wavec deploy` again to continue.", file=sys.stderr)
        return EXIT_INTERRUPTED
    if args.destroy:
        say(f"destroyed pipeline {bundle.pipeline}: {len(plan.stacks)} stacks gone")
        return changed_exit
    say(f"deployed pipeline {bundle.pipeline}: {len(plan.stacks)} stacks up to date")
    note = rollback_note(bundle.request["pipeline"]) if plan.pipeline_words else ""
    if note:
        say(note)
    return changed_exit
