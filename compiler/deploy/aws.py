"""AWS sessions for a deploy: one per account, clients per region, and every AWS failure in one sentence.

The caller's own account is used as it is; a stack in another account is reached by assuming a role there
(``--account-role``, by default ``OrganizationAccountAccessRole``, the role AWS Organizations creates in member
accounts). Throttling is retried by botocore with backoff (adaptive mode, 5 attempts) unless
``AWS_RETRY_MODE`` / ``AWS_MAX_ATTEMPTS`` say otherwise.
"""

from __future__ import annotations

import os
from typing import Any

from ..records import field, record

MAX_ATTEMPTS = 5
DEFAULT_ACCOUNT_ROLE = "OrganizationAccountAccessRole"


class AwsError(Exception):
    """An AWS call failed; ``str(exc)`` is the message for the user, ``help`` what to try."""

    def __init__(self, message: str, help: str | None = None) -> None:
        super().__init__(message)
        self.help = help


def normalize(value: Any) -> Any:
    """A declaration as the service means it: empty lists and maps dropped (GetPipeline returns
    ``inputArtifacts: []``, ``configuration: {}`` and the like for what was not given)."""
    if isinstance(value, dict):
        out = {k: normalize(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in ([], {})}
    if isinstance(value, list):
        return [normalize(v) for v in value]
    return value


def boto3_module() -> Any:
    """boto3, imported on first use (it costs start-up time every other command would pay)."""
    import boto3

    return boto3


def botocore_errors() -> Any:
    """``botocore.exceptions``, imported on first use."""
    import botocore.exceptions

    return botocore.exceptions


def _config() -> Any:
    import botocore.config

    retries: dict[str, Any] = {}
    if "AWS_RETRY_MODE" not in os.environ:
        retries["mode"] = "adaptive"
    if "AWS_MAX_ATTEMPTS" not in os.environ:
        retries["total_max_attempts"] = MAX_ATTEMPTS
    return botocore.config.Config(retries=retries, connect_timeout=10, read_timeout=60, user_agent_extra="wavec")


@record(frozen=False)
class Aws:
    """The sessions of one deploy: the caller's, and one per other account (assumed lazily, then cached)."""

    profile: str | None = None
    endpoint_url: str | None = None
    account_role: str = DEFAULT_ACCOUNT_ROLE
    _base: Any = None
    _caller: str | None = None
    _sessions: dict[str, Any] = field(default_factory=dict)

    def base(self) -> Any:
        """The caller's session (``--profile``, the usual AWS settings)."""
        if self._base is None:
            try:
                self._base = boto3_module().Session(profile_name=self.profile)
            except Exception as exc:  # botocore's ProfileNotFound and friends
                raise aws_error(exc, self.endpoint_url) from None
        return self._base

    def has_credentials(self) -> bool:
        """Whether any credentials are configured (nothing is sent to find out)."""
        return self.base().get_credentials() is not None

    def caller_account(self, region: str) -> str:
        """The caller's account (``sts:GetCallerIdentity``)."""
        if self._caller is None:
            sts = self.base().client("sts", region_name=region, endpoint_url=self.endpoint_url, config=_config())
            self._caller = str(call(lambda: sts.get_caller_identity(), self.endpoint_url)["Account"])
        return self._caller

    def client(self, service: str, account: str, region: str) -> Any:
        """A client of ``service`` in ``account`` and ``region``."""
        session = self._session(account, region)
        return session.client(service, region_name=region, endpoint_url=self.endpoint_url, config=_config())

    def _session(self, account: str, region: str) -> Any:
        if account == self.caller_account(region):
            return self.base()
        if account not in self._sessions:
            arn = f"arn:aws:iam::{account}:role/{self.account_role}"
            sts = self.base().client("sts", region_name=region, endpoint_url=self.endpoint_url, config=_config())
            try:
                creds = call(lambda: sts.assume_role(RoleArn=arn, RoleSessionName="wavec-deploy"),
                             self.endpoint_url)["Credentials"]
            except AwsError as exc:
                raise AwsError(f"cannot reach account {account} through role {arn}: {exc}",
                               "pass --account-role NAME with a role of that account you may assume") from None
            self._sessions[account] = boto3_module().Session(aws_access_key_id=creds["AccessKeyId"],
                                                    aws_secret_access_key=creds["SecretAccessKey"],
                                                    aws_session_token=creds["SessionToken"])
        return self._sessions[account]


def call(fn: Any, endpoint_url: str | None = None) -> Any:
    """Run one AWS call; any botocore failure becomes an :class:`AwsError`."""
    errors = botocore_errors()
    try:
        return fn()
    except (errors.BotoCoreError, errors.ClientError) as exc:
        raise aws_error(exc, endpoint_url) from None


def error_code(exc: Exception) -> str:
    """The service's error code of a ``ClientError`` (``""`` for anything else)."""
    response = getattr(exc, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def aws_error(exc: Exception, endpoint_url: str | None = None) -> AwsError:
    """A botocore failure as one message with a help line."""
    errors = botocore_errors()
    if isinstance(exc, errors.ClientError):
        error = exc.response.get("Error", {})
        code, message = error.get("Code", "Error"), error.get("Message", str(exc))
        if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
            return AwsError(f"access denied: {message}",
                            "the credentials in use need CloudFormation's change-set permissions, iam:PassRole, "
                            "and sts:AssumeRole on the account role of other accounts (docs/deploy.md)")
        if code in ("UnrecognizedClientException", "InvalidClientTokenId", "ExpiredTokenException",
                    "InvalidSignatureException"):
            return AwsError(f"the AWS credentials were refused ({code}): {message}",
                            "check AWS_PROFILE / AWS_ACCESS_KEY_ID, or refresh an expired session")
        return AwsError(f"{code}: {message}")
    if isinstance(exc, errors.NoCredentialsError | errors.PartialCredentialsError):
        return AwsError("no AWS credentials found",
                        "set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws configure`")
    if isinstance(exc, errors.ProfileNotFound):
        return AwsError(str(exc), "`aws configure list-profiles` shows the profiles there are")
    if isinstance(exc, errors.NoRegionError):
        return AwsError("no AWS region", "set `region` on the pipeline")
    if isinstance(exc, errors.ConnectionError):
        where = endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or "the AWS endpoint"
        return AwsError(f"cannot reach {where}: {exc}", "check --endpoint-url / AWS_ENDPOINT_URL and the network")
    return AwsError(f"AWS call failed: {exc}")
