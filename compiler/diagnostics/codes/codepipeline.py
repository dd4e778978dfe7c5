"""Codes of the CodePipeline target (WV900–WV949): the service's limits and rules, and what it cannot express.

WV900–WV929 are limits and rules of the service: breaking one is an error, because
CodePipeline would reject the request (or run something else than the file says).
WV930–WV949 are features the target cannot express; they are warnings, reported
through :func:`wavec.targets.base.unsupported`, never dropped silently.
"""

from __future__ import annotations

from ..model import Severity
from . import Code, collect, maker

E, W = Severity.ERROR, Severity.WARNING


_c = maker("codepipeline", E)


_ROLE = 'role = "arn:aws:iam::111122223333:role/p"'

# ---------------------------------------------------------------- service rules
NO_PIPELINE_ROLE = _c(
    "WV900", "pipeline without a role",
    "Reports a pipeline built for CodePipeline that has no `role`.",
    "CodePipeline requires a service role (`roleArn`); the pipeline acts with its permissions.",
    "pipeline p { artifacts = \"b-${region}\" … }", f"pipeline p {{ {_ROLE}  artifacts = \"b-${{region}}\" … }}")
INVALID_ROLE_ARN = _c(
    "WV901", "role is not an IAM role ARN",
    "Reports a pipeline or deploy `role` that does not match `arn:aws…:iam::<12 digits>:role/<name>`.",
    "CodePipeline rejects any other `roleArn` (the pattern is part of the API).",
    'role = "checkout-pipeline"', _ROLE)
NO_ARTIFACT_BUCKET = _c(
    "WV902", "pipeline without an artifact bucket",
    "Reports a pipeline built for CodePipeline that has no `artifacts` bucket.",
    "CodePipeline keeps every artifact in an S3 artifact store; there is none to use.",
    "pipeline p { " + _ROLE + " … }", "pipeline p { " + _ROLE + "  artifacts = \"p-artifacts-${region}\" … }")
SHARED_ARTIFACT_BUCKET = _c(
    "WV903", "one artifact bucket for several regions",
    "Reports an `artifacts` bucket without `${region}` in a pipeline whose actions run in several regions.",
    "CodePipeline needs one artifact store per region used, each a bucket in that region; one bucket name "
    "cannot be in two regions.",
    'artifacts = "acme-artifacts"', 'artifacts = "acme-artifacts-${region}"')
INVALID_BUCKET_NAME = _c(
    "WV904", "invalid artifact bucket name",
    "Reports an artifact bucket name CodePipeline does not accept (3–63 letters, digits, `.` and `-`).",
    "The artifact store location must be a valid bucket name.",
    'artifacts = "my_bucket"', 'artifacts = "my-bucket-${region}"')
NAME_NOT_ALLOWED = _c(
    "WV905", "name not allowed by CodePipeline",
    "Reports a pipeline, stage, action, artifact or variable name that breaks CodePipeline's name rules "
    "(length and allowed characters), or two stages/actions that would get the same name.",
    "CodePipeline rejects the request; names must be unique in their scope.",
    "pipeline p { wave w { … }  stage Source { … } }  # collides with the source stage",
    "pipeline p { wave w { … }  stage checks { … } }")
TOO_MANY_STAGES = _c(
    "WV906", "too many stages",
    "Reports a pipeline that compiles to more than 50 stages (source, one per stage, one per wave).",
    "A CodePipeline pipeline has at most 50 stages.",
    "(60 waves)", "fewer, larger waves; or split the service into several pipelines")
TOO_MANY_ACTIONS = _c(
    "WV907", "too many actions in a stage",
    "Reports a stage or wave that compiles to more than 50 actions.",
    "A CodePipeline stage has at most 50 actions.",
    "wave all { regions = [ …60 regions… ] }", "split the wave in two")
TOO_MANY_RULES = _c(
    "WV908", "too many rules in a stage condition",
    "Reports a wave whose entry condition needs more than 5 rules for its windows (one `DeploymentWindow` rule "
    "per window), or whose windows leave no room for its blockers (4 windows at most beside them).",
    "A CodePipeline condition holds at most 5 rules (rule 25 of docs/codepipeline-semantics.md), and a stage has "
    "one entry condition. Blockers beyond the limit fold into one Commands rule (WV917); windows cannot.",
    "wave w { regions = [\"eu-west-1\"]  windows = [mon, tue, wed, thu, fri, sat] }   # one window per day",
    "window weekdays { days = [mon, tue, wed, thu, fri, sat]  hours = [09:00, 17:00] }\n"
    "wave w { regions = [\"eu-west-1\"]  windows = [weekdays] }   # a wave starts inside all its windows: "
    "write them as one")
CROSS_ACCOUNT_WITHOUT_ROLE = _c(
    "WV909", "cross-account deploy without a role",
    "Reports a wave deploying to an account other than the pipeline's whose deploy profile has no `role`.",
    "CodePipeline can only act in another account by assuming a role there (the action's `roleArn`).",
    'wave w { regions = ["us-east-1"]  accounts = ["444455556666"] }',
    'deploy { role = "arn:aws:iam::${account}:role/deployer"  cloudformation { … } }')
NO_DEPLOY_PROVIDER = _c(
    "WV910", "no deploy provider for CodePipeline",
    "Reports a wave whose deploy profile has only a `local` provider.",
    "`local` is what `wavec run` executes; CodePipeline needs `cloudformation`, `codedeploy` or `ecs`.",
    'deploy { local { run = "./deploy.sh"  rollback = "./rollback.sh" } }',
    'deploy {\n  cloudformation { stack = "app"  template = "source::template.yaml" }\n'
    '  local { run = "./deploy.sh"  rollback = "./rollback.sh" }\n}')
UNKNOWN_ARTIFACT = _c(
    "WV911", "template from an unknown artifact",
    "Reports a CloudFormation `template` whose `artifact::path` names no artifact of the pipeline, or is "
    "not of that form.",
    "The deploy action reads the template from an input artifact: `source`, or a stage whose step has "
    "`outputs`.",
    'template = "build::infra.yaml"   # no stage `build` has outputs',
    'template = "source::infra.yaml"')
BAKE_OUT_OF_RANGE = _c(
    "WV913", "bake out of range",
    "Reports a bake longer than 7 days, or one whose gates are read so often that its Step Functions execution "
    "would write more than 25,000 history events (about 13 per reading of a gate).",
    "The bake is a Step Functions execution run by a CodePipeline invoke action, which waits at most 7 days; a "
    "Standard execution's history holds 25,000 events, past which it fails.",
    "wave w { … bake = 10d }\ngate g { alarms = [\"errors\"]  interval = 10s }   # with bake = 1d",
    "wave w { … bake = 2d }\ngate g { alarms = [\"errors\"]  interval = 1m }")
CHECK_BAKE_TOO_LONG = _c(
    "WV920", "`check` gate with a bake beyond 50 minutes",
    "Reports a gate with `check` on a wave whose bake is longer than 50 minutes.",
    "A `check` runs every `interval` during the bake in a CodePipeline Commands action, which is stopped after "
    "55 minutes (5 are kept for the checks' own run time and the action's start-up); a Step Functions state "
    "machine cannot run a command.",
    "gate smoke { check = \"./smoke.sh\" }\nwave w { … bake = 2h  gates = [smoke] }",
    "gate smoke { alarms = [\"smoke-${region}\"] }   # a canary alarm, watched for any bake")
ROLLBACK_IN_PARALLEL_MODE = _c(
    "WV921", "rollback in PARALLEL mode",
    "Reports a pipeline whose `execution_mode` is `parallel` and one of whose waves uses a gate whose `on_breach` "
    "is `rollback` (the default) or `rollback_all`.",
    "In PARALLEL mode \"stage rollback is not available\" and \"failure conditions with a rollback result type "
    "cannot be added\" (rule 11 of docs/codepipeline.md): the `onFailure: ROLLBACK` a rollback gate compiles to "
    "is not accepted, and without it a breach would leave the new version deployed.",
    "pipeline p { execution_mode = parallel … gate g { alarms = [\"errors-${region}\"]  on_breach = rollback } }",
    "pipeline p { execution_mode = queued … gate g { alarms = [\"errors-${region}\"]  on_breach = rollback } }\n"
    "# or keep `parallel`: a breach then fails the stage and stops that execution, nothing rolls back\n"
    "pipeline p { execution_mode = parallel … gate g { alarms = [\"errors-${region}\"]  on_breach = halt } }")
CROSS_ACCOUNT_WITHOUT_KEY = _c(
    "WV923", "cross-account deploys without an artifact key",
    "Reports a pipeline one of whose waves deploys to another account, when it has no `encryption_key`, names a "
    "key by alias, or names a key ARN of another region than the artifact store it encrypts.",
    "Actions in another account read the pipeline's artifacts, which CodePipeline encrypts with the store's key: "
    "a cross-account pipeline needs a customer-managed KMS key, and \"you can only use the key ID or key ARN\" "
    "(rule 58 of docs/codepipeline.md); the default AWS-managed key cannot be shared, so the deploy fails when it "
    "runs. KMS keys are regional, like the stores (rule 54).",
    "pipeline p { artifacts = \"p-artifacts-${region}\" … }\nwave w { regions = [\"eu-west-1\"]  "
    "accounts = [\"444455556666\"] }",
    "pipeline p {\n  artifacts      = \"p-artifacts-${region}\"\n  encryption_key = "
    "\"arn:aws:kms:${region}:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab\"\n  …\n}")
EXPOSURE_NOT_HONOURED = _c(
    "WV924", "exposure the deploy action cannot limit",
    "Reports a wave with `exposure` below 100% whose `exposure_by` is `provider` (the default).",
    "No CodePipeline deploy action takes a traffic share: the CloudFormation action updates the whole stack, the "
    "ECS action the whole service, and the CodeDeploy action takes only `ApplicationName` and "
    "`DeploymentGroupName` (CodePipeline User Guide, CodeDeploy deploy action reference) — the deployment "
    "configuration that shifts traffic (canary, linear) belongs to the deployment group. Compiled as written, a "
    "1% one-box would reach all of each target's traffic.",
    "wave canary { regions = [\"eu-west-1\"]  exposure = 1% }",
    "deploy onebox { cloudformation { stack = \"app-onebox\" … } }   # a stack that serves 1% of the traffic\n"
    "wave canary { regions = [\"eu-west-1\"]  exposure = 1%  exposure_by = profile  deploy = onebox }")
CLOUDFORMATION_WITHOUT_ROLE = _c(
    "WV922", "CloudFormation deploy without a role",
    "Reports a `cloudformation` deploy block without `role` on the CodePipeline target.",
    "The CloudFormation deploy action's `RoleArn` (the service role CloudFormation assumes to operate on the "
    "stack) is required for the `CREATE_UPDATE` action mode wavec uses (rule CFN-1 of docs/codepipeline.md, from "
    "the CodePipeline User Guide's CloudFormation deploy action reference): without it the deploy fails when it "
    "runs.",
    'deploy { cloudformation { stack = "app"  template = "source::template.yaml" } }',
    'deploy {\n  cloudformation {\n    stack    = "app"\n    template = "source::template.yaml"\n'
    '    role     = "arn:aws:iam::${account}:role/app-cloudformation"\n  }\n}')
TIMEOUT_BEYOND_COMMANDS = _c(
    "WV915", "step timeout beyond the Commands action",
    "Reports a step whose `timeout` is longer than the 55 minutes a CodePipeline Commands action may run.",
    "CodePipeline stops the action after 55 minutes whatever the file says.",
    "step e2e { run = \"make e2e\"  timeout = 2h }",
    "step e2e { project = \"e2e-tests\" }   # a CodeBuild project with its own timeout")
OVER_SERVICE_LIMIT = _c(
    "WV916", "CodePipeline length or count limit",
    "Reports a value longer, or a list longer, than CodePipeline accepts: more than 50 commands, a command "
    "over 1000 characters, more than 10 `outputs` or `env` entries, a configuration value over 1000 "
    "characters (such as the `parameters` JSON).",
    "CodePipeline rejects the request.",
    "step s { run = [ …60 commands… ] }", "step s { run = \"./ci/all.sh\" }")
BLOCKERS_IN_COMMANDS_RULE = _c(
    "WV917", "blockers checked by a Commands rule",
    "Reports a wave whose entry condition would need more than 5 rules; the blockers of the regions that do "
    "not fit are checked by one `Commands` rule calling `aws cloudwatch describe-alarms`.",
    "A condition holds at most 5 rules. The Commands rule needs `cloudwatch:DescribeAlarms` on the pipeline "
    "role and runs on CodeBuild.",
    "wave rest { regions = [five regions]  windows = [business_hours]  gates = [with_blockers] }",
    "give the pipeline role `cloudwatch:DescribeAlarms`, or use fewer regions per wave", W)
COMMIT_WITH_S3_SOURCE = _c(
    "WV918", "`${commit}` with an S3 source",
    "Reports `${commit}` in a pipeline whose source is `s3`: the S3 source has no commit id, so the object's "
    "`VersionId` is used.",
    "The S3 source action outputs `VersionId` and `ETag`, not `CommitId`.",
    'source s3 { … }\n… run = "echo ${commit}"', 'source codecommit { repo = "app" }', W)
REJECTED_BY_SERVICE_MODEL = _c(
    "WV919", "rejected by the CodePipeline service model",
    "Reports a request that botocore's CodePipeline model rejects (a length, pattern, range or enum) and that "
    "no more specific check caught.",
    "CodePipeline would reject the request; the message names the field.",
    "(a value that breaks a rule of the API)", "change the value the message names")

# -------------------------------------------------------------- not expressible
PROMETHEUS_NOT_EXPRESSIBLE = _c(
    "WV930", "`prometheus` gate not expressible",
    "Reports a gate with a `prometheus` query on the CodePipeline target.",
    "CodePipeline's conditions can watch CloudWatch alarms and run commands, not PromQL queries; the "
    "query is checked only by `wavec run`.",
    "gate g { prometheus { url = \"…\"  query = \"…\"  max = 1 } }",
    "gate g { alarms = [\"errors-${region}\"] }   # a CloudWatch alarm on the same metric", W)
# WV931 ("`rollback_all` in PARALLEL mode", a warning) is retired: any rollback in PARALLEL mode is the error
# WV921. Its number is not reused.
# WV932 ("sandbox not destroyed on failure") is retired: the compensator runs `destroy` after a failed step.
# Its number is not reused.
RETRIES_NOT_EXPRESSIBLE = _c(
    "WV933", "step retries not expressible",
    "Reports a step with `retries` on the CodePipeline target.",
    "CodePipeline has no per-action retry count; a failed stage can only be retried as a whole.",
    "step flaky { run = \"make e2e\"  retries = 2 }", "step flaky { run = \"make e2e || make e2e\" }", W)
IMAGE_NOT_EXPRESSIBLE = _c(
    "WV934", "step image not expressible",
    "Reports a step with `image` on the CodePipeline target.",
    "The Commands action runs on CodePipeline's managed image, and a CodeBuild action on its project's "
    "image; neither takes an image from the pipeline.",
    "step s { run = \"make\"  image = \"node:20\" }", "step s { project = \"build-node20\" }", W)
TIMEOUT_NOT_ENFORCEABLE = _c(
    "WV935", "step timeout not enforceable",
    "Reports a step whose `timeout` CodePipeline cannot apply (action timeouts are fixed, 55 minutes for a "
    "Commands action; a CodeBuild action uses its project's timeout).",
    "The step may run longer than its `timeout` says.",
    "step s { run = \"make\"  timeout = 10m }", "step s { run = \"timeout 600 make\" }", W)
WINDOW_APPROXIMATED = _c(
    "WV938", "window approximated",
    "Reports a window that one CodePipeline cron expression cannot describe exactly (hours that are not whole "
    "hours, or a window crossing midnight on some days only); the window is narrowed to what it can express.",
    "A `DeploymentWindow` rule holds one cron expression, and the rules of a condition must all pass.",
    "window w { days = [mon]  hours = [09:30, 17:00] }", "window w { days = [mon]  hours = [10:00, 17:00] }", W)

CODES: tuple[Code, ...] = collect(globals())
