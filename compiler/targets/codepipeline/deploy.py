"""Deploy a compiled pipeline through boto3: read the live one, diff, create or update.

boto3 is imported here only, and only when a deploy runs, so that no other command
pays for it. Every failure of the AWS side (no credentials, an unknown profile, an
unreachable endpoint, access denied, a role CodePipeline cannot assume, a request
the service rejects) becomes one :class:`AwsError` with a readable message; the CLI
prints it and exits 3. Throttling is retried by botocore with backoff (adaptive
retry mode), unless ``AWS_RETRY_MODE`` / ``AWS_MAX_ATTEMPTS`` say otherwise.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["AwsError", "DeployResult", "deploy", "diff_text", "normalize"]

MAX_ATTEMPTS = 5


class AwsError(Exception):
    """An AWS call failed; ``str(exc)`` is the message for the user, ``help`` what to try."""

    def __init__(self, message: str, help: str | None = None) -> None:
        super().__init__(message)
        self.help = help


@dataclass(frozen=True)
class DeployResult:
    """What ``deploy`` did: ``created``, ``updated``, ``unchanged`` or ``dry-run``; the version now live."""

    action: str
    name: str
    region: str
    version: int | None
    diff: str


def _client(region: str, endpoint_url: str | None, profile: str | None) -> Any:
    import boto3
    from botocore.config import Config

    retries: dict[str, Any] = {}
    if "AWS_RETRY_MODE" not in os.environ:
        retries["mode"] = "adaptive"
    if "AWS_MAX_ATTEMPTS" not in os.environ:
        retries["total_max_attempts"] = MAX_ATTEMPTS
    config = Config(retries=retries, connect_timeout=10, read_timeout=60, user_agent_extra="wavec")
    session = boto3.Session(profile_name=profile, region_name=region)
    return session.client("codepipeline", endpoint_url=endpoint_url, config=config)


def normalize(value: Any) -> Any:
    """A declaration as the service means it: empty lists and maps dropped.

    GetPipeline returns ``inputArtifacts: []``, ``configuration: {}`` and the like for what
    was not given; the diff must not show those as changes.
    """
    if isinstance(value, dict):
        out = {k: normalize(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in ([], {})}
    if isinstance(value, list):
        return [normalize(v) for v in value]
    return value


def _comparable(pipeline: dict[str, Any]) -> dict[str, Any]:
    """The declaration without what the service adds on its own (``version``, empty fields)."""
    result: dict[str, Any] = normalize({k: v for k, v in pipeline.items() if k != "version"})
    return result


def diff_text(live: dict[str, Any] | None, desired: dict[str, Any], name: str) -> str:
    """A unified diff of the live declaration against the compiled one (empty when equal)."""
    def lines(doc: dict[str, Any] | None) -> list[str]:
        if doc is None:
            return []
        return (json.dumps(_comparable(doc), indent=2, sort_keys=True) + "\n").splitlines(keepends=True)

    return "".join(difflib.unified_diff(lines(live), lines(desired), f"live/{name}" if live else "/dev/null",
                                        f"wavec/{name}"))


def deploy(request: dict[str, Any], *, region: str, endpoint_url: str | None = None, profile: str | None = None,
           dry_run: bool = False, say: Callable[[str], None] = print) -> DeployResult:
    """Create the pipeline, or update it when it exists, after printing a diff; ``dry_run`` stops after the diff."""
    from botocore.exceptions import BotoCoreError, ClientError

    name = request["pipeline"]["name"]
    try:
        client = _client(region, endpoint_url, profile)
        where = f"{region} ({client.meta.endpoint_url})"
        live = _get(client, name)
        desired = request["pipeline"]
        diff = diff_text(live, desired, name)
        if live is None:
            say(f"pipeline {name} does not exist in {where}: it will be created")
        elif not diff:
            say(f"pipeline {name} in {where} is up to date (version {live.get('version')})")
            return DeployResult("unchanged", name, region, live.get("version"), "")
        else:
            say(f"pipeline {name} in {where} (version {live.get('version')}) differs:")
        say(diff.rstrip("\n"))
        if dry_run:
            say("dry run: nothing changed")
            return DeployResult("dry-run", name, region, live.get("version") if live else None, diff)
        if live is None:
            response = client.create_pipeline(**request)
            action = "created"
        else:
            response = client.update_pipeline(pipeline={**desired, "version": live.get("version", 1)})
            action = "updated"
        version = response.get("pipeline", {}).get("version")
        say(f"{action} pipeline {name} in {region} (version {version})")
        note = no_rollback_target_note(desired, version)
        if note:
            say(note)
        return DeployResult(action, name, region, version, diff)
    except ClientError as exc:
        raise _client_error(exc, name) from None
    except BotoCoreError as exc:
        raise _botocore_error(exc, endpoint_url) from None


def rolling_back_stages(pipeline: dict[str, Any]) -> list[str]:
    """The stages that roll back on failure (``onFailure`` result ``ROLLBACK``), in pipeline order."""
    return [s["name"] for s in pipeline.get("stages", []) if s.get("onFailure", {}).get("result") == "ROLLBACK"]


def no_rollback_target_note(pipeline: dict[str, Any], version: int | None) -> str:
    """What a new pipeline version means for rollback, or ``""`` when no stage rolls back.

    A stage rolls back only to an execution that succeeded in it in the *current* pipeline version (semantics
    rules 45, 46 and 49: the target must be in the current structure version), so after every create or update
    the first run has nothing to roll back to until it has succeeded in each stage once.
    """
    stages = rolling_back_stages(pipeline)
    if not stages:
        return ""
    return (f"note: version {version} has no successful execution yet, so until a run succeeds in "
            f"{', '.join(stages)}, a breach there fails the stage without rolling back (CodePipeline rolls back "
            "only to a success of the current version); see docs/codepipeline.md, \"First run and structure changes\"")


def _get(client: Any, name: str) -> dict[str, Any] | None:
    from botocore.exceptions import ClientError

    try:
        pipeline: dict[str, Any] = client.get_pipeline(name=name)["pipeline"]
        return pipeline
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "PipelineNotFoundException":
            return None
        raise


def _client_error(exc: Any, name: str) -> AwsError:
    error = exc.response.get("Error", {})
    code, message = error.get("Code", "Error"), error.get("Message", str(exc))
    if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
        return AwsError(f"access denied: {message}",
                        "the credentials in use need codepipeline:GetPipeline, CreatePipeline, UpdatePipeline "
                        "and iam:PassRole on the pipeline role")
    if code in ("UnrecognizedClientException", "InvalidClientTokenId", "ExpiredTokenException",
                "InvalidSignatureException"):
        return AwsError(f"the AWS credentials were refused ({code}): {message}",
                        "check AWS_PROFILE / AWS_ACCESS_KEY_ID, or refresh an expired session")
    if "role" in message.lower() or "assumerole" in message.lower():
        return AwsError(f"CodePipeline cannot use the pipeline role of {name}: {message}",
                        "create the role with a trust policy for codepipeline.amazonaws.com, and check `role`")
    return AwsError(f"CodePipeline refused the request ({code}): {message}")


def _botocore_error(exc: Any, endpoint_url: str | None) -> AwsError:
    from botocore.exceptions import (
        ConnectionError,
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
        ProfileNotFound,
    )

    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return AwsError("no AWS credentials found",
                        "set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws configure`")
    if isinstance(exc, ProfileNotFound):
        return AwsError(str(exc), "`aws configure list-profiles` shows the profiles there are")
    if isinstance(exc, NoRegionError):
        return AwsError("no AWS region", "pass --region, or set `region` on the pipeline")
    if isinstance(exc, ConnectionError):
        where = endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or "the CodePipeline endpoint"
        return AwsError(f"cannot reach {where}: {exc}", "check --endpoint-url / AWS_ENDPOINT_URL and the network")
    return AwsError(f"AWS call failed: {exc}")
