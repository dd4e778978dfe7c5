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


# The examples are real `.wave` input, which tests/test_docs.py checks: each Example reports its code, and each
# Use instead nothing, when checked (`targets = [codepipeline]` makes `wavec check` build the pipeline for
# CodePipeline). Fragments (context="pipeline") are checked inside a minimal pipeline that adds a role, an
# artifact bucket per region, an s3 source and a wave; its default deploy profile has only a `local` provider
# (WV910 on this target), so they bring their own. An example in parentheses describes input too large to show.
_ROLE = 'role = "arn:aws:iam::111122223333:role/shop-pipeline"'
_ARTIFACTS = 'artifacts = "shop-artifacts-${region}"'
_KEY = 'encryption_key = "arn:aws:kms:${region}:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"'
_CFN = 'cloudformation {{ stack = "{stack}"  template = "{template}"  role = "arn:aws:iam::{account}:role/shop-cfn" }}'
_LOCAL = 'local { run = "./deploy.sh ${region}"  rollback = "./rollback.sh ${region}" }'


def _deploy(*, stack: str = "shop", template: str = "source::shop.yaml", account: str = "111122223333",
            role: str | None = None, name: str = "", comment: str = "") -> str:
    """A deploy profile of the examples: CodePipeline deploys with CloudFormation, `wavec run` with the scripts;
    ``role``: the role the deploy actions assume (one in each account of a cross-account wave)."""
    lines = [f"deploy {name + ' ' if name else ''}{{" + (f"   # {comment}" if comment else "")]
    if role is not None:
        lines.append(f'  role = "{role}"')
    lines += ["  " + _CFN.format(stack=stack, template=template, account=account), f"  {_LOCAL}", "}"]
    return "\n".join(lines)


_DEPLOY = _deploy()
_CROSS_ACCOUNT = _deploy(account="${account}", role="arn:aws:iam::${account}:role/shop-deployer")
"""The deploy profile of waves in other accounts: the actions assume a role there, CloudFormation one of them."""


def _aligned(*attrs: str) -> list[str]:
    pairs = [a.split(" = ", 1) for a in attrs]
    width = max(len(key) for key, _ in pairs)
    return [f"{key:<{width}} = {value}" for key, value in pairs]


def _pipeline(*attrs: str, waves: str = 'wave eu { regions = ["eu-west-1"] }') -> str:
    """A whole file: pipeline `shop`, built for CodePipeline, with these attributes (role, artifacts, …)."""
    lines = [*_aligned("targets = [codepipeline]", *attrs), 'source s3 { bucket = "shop-source"  key = "shop.zip" }',
             *_DEPLOY.splitlines(), *waves.splitlines()]
    return "pipeline shop {\n" + "".join(f"  {line}\n" for line in lines) + "}"


def _fragment(body: str = "", *attrs: str, deploy: str = _DEPLOY) -> str:
    """The body of a pipeline built for CodePipeline: these attributes, a deploy profile, then ``body``."""
    return "\n".join([*_aligned("targets = [codepipeline]", *attrs), deploy, *([body] if body else [])])


def _fleet(wave: str, accounts: range) -> str:
    """A wave deploying to 6 regions in each of these accounts (111111111111, 222222222222, …)."""
    listed = ", ".join(f'"{str(n) * 12}"' for n in accounts)
    return (f"wave {wave} {{   # 6 regions × {len(accounts)} accounts: {6 * len(accounts)} deploy actions\n"
            '  regions  = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"]\n'
            f"  accounts = [{listed}]\n}}")


_BAKES = ('gate health {{ alarms = ["errors-${{region}}"]  interval = {interval} }}\n'
          'wave eu {{ regions = ["eu-west-1"]  gates = [health]  bake = 1d }}\n'
          'wave us {{ regions = ["us-east-1"]  bake = {bake} }}')
_OFFICE_BLOCKERS = ('window office { days = [mon, tue, wed, thu, fri]  hours = [09:00, 17:00] }\n'
                    'gate calm { blockers = ["sev2-${region}"] }\n')
_LONG = "business_hours_of_the_european_support_teams_except_public_holidays_and_the_end_of_year_freeze"
_OTHER_ACCOUNT = 'wave other { regions = ["eu-west-1"]  accounts = ["444455556666"] }'
_EU_WINDOW = 'wave eu {{ regions = ["eu-west-1"]  windows = [{}] }}'
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat")
_EU_US = 'wave eu { regions = ["eu-west-1"] }\nwave us { regions = ["us-east-1"] }'
_GITHUB = ('source github {{\n  repo       = "acme/shop"\n'
           '  connection = "arn:aws:codeconnections:eu-west-1:111122223333:connection/abc"\n{}\n}}')
_EU = 'wave eu { regions = ["eu-west-1"] }'
_STAMP = 'stage build {\n  step stamp { run = "echo ${commit} > VERSION" }\n}'
_ROLLBACK_GATE = ('gate errors { alarms = ["errors-${region}"]  on_breach = rollback }\n'
                  'wave eu { regions = ["eu-west-1"]  bake = 1h  gates = [errors] }')

# ---------------------------------------------------------------- service rules
NO_PIPELINE_ROLE = _c(
    "WV900", "pipeline without a role",
    "Reports a pipeline built for CodePipeline that has no `role`.",
    "CodePipeline requires a service role (`roleArn`); the pipeline acts with its permissions.",
    _pipeline(_ARTIFACTS), _pipeline(_ROLE, _ARTIFACTS))
INVALID_ROLE_ARN = _c(
    "WV901", "role is not an IAM role ARN",
    "Reports a pipeline or deploy `role` that does not match `arn:aws…:iam::<12 digits>:role/<name>`.",
    "CodePipeline rejects any other `roleArn` (the pattern is part of the API).",
    _pipeline('role = "shop-pipeline"', _ARTIFACTS), _pipeline(_ROLE, _ARTIFACTS))
NO_ARTIFACT_BUCKET = _c(
    "WV902", "pipeline without an artifact bucket",
    "Reports a pipeline built for CodePipeline that has no `artifacts` bucket.",
    "CodePipeline keeps every artifact in an S3 artifact store; there is none to use.",
    _pipeline(_ROLE), _pipeline(_ROLE, _ARTIFACTS))
SHARED_ARTIFACT_BUCKET = _c(
    "WV903", "one artifact bucket for several regions",
    "Reports an `artifacts` bucket without `${region}` in a pipeline whose actions run in several regions.",
    "CodePipeline needs one artifact store per region used, each a bucket in that region; one bucket name "
    "cannot be in two regions.",
    _pipeline(_ROLE, 'artifacts = "shop-artifacts"', waves=_EU_US), _pipeline(_ROLE, _ARTIFACTS, waves=_EU_US))
INVALID_BUCKET_NAME = _c(
    "WV904", "invalid artifact bucket name",
    "Reports an artifact bucket name CodePipeline does not accept (3–63 letters, digits, `.` and `-`).",
    "The artifact store location must be a valid bucket name.",
    _pipeline(_ROLE, 'artifacts = "shop_artifacts_${region}"'), _pipeline(_ROLE, _ARTIFACTS))
NAME_NOT_ALLOWED = _c(
    "WV905", "name not allowed by CodePipeline",
    "Reports a pipeline, stage, action, artifact or environment variable name that breaks CodePipeline's name "
    "rules (length and allowed characters).",
    "CodePipeline rejects the request. Names must also be unique in their scope, which the names wavec "
    "generates are: a stage of yours named `Source` makes the source stage `Source-2`.",
    _fragment('stage test {\n  step unit { run = "make test"  env = { "LOG-LEVEL" = "debug" } }\n}'),
    _fragment('stage test {\n  step unit { run = "make test"  env = { "LOG_LEVEL" = "debug" } }\n}'),
    context="pipeline")
# WV906's example is described, not shown: a pipeline of more than 50 stages is one wave or stage per line,
# 50 lines of them, which would bury the point (tests/test_codepipeline_codes.py builds one).
TOO_MANY_STAGES = _c(
    "WV906", "too many stages",
    "Reports a pipeline that compiles to more than 50 stages (source, one per stage, one per wave).",
    "A CodePipeline pipeline has at most 50 stages.",
    "(a pipeline of 60 waves)", "(fewer, larger waves; or several pipelines, one per group of regions)")
TOO_MANY_ACTIONS = _c(
    "WV907", "too many actions in a stage",
    "Reports a stage or wave that compiles to more than 50 actions.",
    "A CodePipeline stage has at most 50 actions.",
    _fragment(_fleet("everywhere", range(1, 10)), 'region = "us-east-1"', _KEY, deploy=_CROSS_ACCOUNT),
    _fragment(_fleet("first", range(1, 5)) + "\n" + _fleet("rest", range(5, 10)), 'region = "us-east-1"', _KEY,
              deploy=_CROSS_ACCOUNT),
    context="pipeline")
TOO_MANY_RULES = _c(
    "WV908", "too many rules in a stage condition",
    "Reports a wave whose entry condition needs more than 5 rules for its windows (one `DeploymentWindow` rule "
    "per window).",
    "A CodePipeline condition holds at most 5 rules (rule 25 of docs/codepipeline-semantics.md), and a stage has "
    "one entry condition. Blockers beyond the limit are read by a Step Functions action of the wave's entry "
    "stage; windows cannot be.",
    _fragment("".join(f"window {d} {{ days = [{d}]  hours = [09:00, 17:00] }}\n" for d in _DAYS)
              + _EU_WINDOW.format(", ".join(_DAYS)) + "   # one window per day"),
    _fragment("# a wave starts only inside all its windows: write them as one\n"
              f"window workdays {{ days = [{', '.join(_DAYS)}]  hours = [09:00, 17:00] }}\n"
              + _EU_WINDOW.format("workdays")), context="pipeline")
CROSS_ACCOUNT_WITHOUT_ROLE = _c(
    "WV909", "cross-account deploy without a role",
    "Reports a wave deploying to an account other than the pipeline's whose deploy profile has no `role`.",
    "CodePipeline can only act in another account by assuming a role there (the action's `roleArn`).",
    _fragment(_OTHER_ACCOUNT, _KEY),
    _fragment(_OTHER_ACCOUNT, _KEY, deploy=_CROSS_ACCOUNT), context="pipeline")
NO_DEPLOY_PROVIDER = _c(
    "WV910", "no deploy provider for CodePipeline",
    "Reports a wave whose deploy profile has only a `local` provider.",
    "`local` is what `wavec run` executes; CodePipeline needs `cloudformation`, `codedeploy` or `ecs`.",
    _fragment(deploy=f"deploy {{\n  {_LOCAL}\n}}"),
    _fragment(), context="pipeline")
UNKNOWN_ARTIFACT = _c(
    "WV911", "template from an unknown artifact",
    "Reports a CloudFormation `template` whose `artifact::path` names no artifact of the pipeline, or is "
    "not of that form.",
    "The deploy action reads the template from an input artifact: `source`, or a stage whose step has "
    "`outputs`.",
    _fragment(deploy=_deploy(template="build::shop.yaml", comment="no stage `build` has outputs")),
    _fragment(), context="pipeline")
BAKE_OUT_OF_RANGE = _c(
    "WV913", "bake out of range",
    "Reports a bake longer than 7 days, or one whose gates are read so often that its Step Functions execution "
    "would write more than 25,000 history events (about 13 per reading of a gate).",
    "The bake is a Step Functions execution run by a CodePipeline invoke action, which waits at most 7 days; a "
    "Standard execution's history holds 25,000 events, past which it fails.",
    _fragment(_BAKES.format(interval="10s", bake="10d")),
    _fragment(_BAKES.format(interval="1m", bake="7d")), context="pipeline")
CHECK_BAKE_TOO_LONG = _c(
    "WV920", "`check` gate with a bake beyond 50 minutes",
    "Reports a gate with `check`, or with a `prometheus` query, on a wave whose bake is longer than 50 minutes.",
    "A `check` runs, and a `prometheus` query is read, every `interval` during the bake in a CodePipeline "
    "Commands action, which is stopped after 55 minutes (5 are kept for the readings' own run time and the "
    "action's start-up); a Step Functions state machine cannot run a command.",
    _fragment('gate smoke { check = "./smoke.sh ${region}" }\n'
              'wave eu { regions = ["eu-west-1"]  bake = 2h  gates = [smoke] }'),
    _fragment('gate smoke { alarms = ["smoke-${region}"] }   # a canary alarm, watched for any bake\n'
              'wave eu { regions = ["eu-west-1"]  bake = 2h  gates = [smoke] }'), context="pipeline")
PROMETHEUS_NOT_REACHABLE = _c(
    "WV925", "`prometheus` gate CodePipeline cannot reach",
    "Reports a gate with a `prometheus` query on the CodePipeline target when the block does not say "
    "`reachable_from_aws = true`.",
    "CodePipeline's conditions watch CloudWatch alarms and no Step Functions integration evaluates PromQL, so the "
    "query is read by a Commands action, on CodeBuild's network: a server that answers only inside your network "
    "cannot be read there, and every reading would fail the bake (not knowing is not healthy). Only the file can "
    "say which it is.",
    _fragment('gate latency {\n  alarms = ["errors-${region}"]\n'
              '  prometheus { url = "http://prometheus.internal:9090"  query = "job:latency_p99:5m"  max = 0.5 }\n}\n'
              'wave eu { regions = ["eu-west-1"]  bake = 30m  gates = [latency] }'),
    _fragment('gate latency {\n  alarms = ["errors-${region}"]\n'
              '  prometheus {   # the server answers requests from AWS\n'
              '    url = "https://prometheus.example.com"  query = "job:latency_p99:5m"  max = 0.5\n'
              '    reachable_from_aws = true\n  }\n}\n'
              'wave eu { regions = ["eu-west-1"]  bake = 30m  gates = [latency] }'), context="pipeline")
SOURCE_IN_ANOTHER_REGION = _c(
    "WV926", "source in another region than the pipeline",
    "Reports a `codecommit` or `s3` source whose `region` is not the pipeline's `region`.",
    "A source action cannot be a cross-region action (rule 55 of docs/codepipeline.md): CodePipeline reads the "
    "repository or bucket in the pipeline's own region, so the source is never found.",
    _fragment('source codecommit { repo = "shop"  region = "us-east-1" }\nwave eu { regions = ["eu-west-1"] }',
              'region = "eu-west-1"'),
    _fragment('source codecommit { repo = "shop"  region = "us-east-1" }\nwave eu { regions = ["eu-west-1"] }',
              'region = "us-east-1"   # where the repository is'), context="pipeline")
PIPELINE_REGION_GUESSED = _c(
    "WV927", "pipeline region not stated",
    "Reports a pipeline without `region` (and without a source `region`) whose first wave deploys to several "
    "regions, on the CodePipeline target.",
    "The pipeline would be created in the first region of the list only because it is written first; moving "
    "the pipeline later means deleting it and its history (a pipeline lives in one region, its artifact store "
    "and source with it, rule 55).",
    _fragment('wave first { regions = ["eu-west-1", "us-east-1"] }'),
    _fragment('wave first { regions = ["eu-west-1", "us-east-1"] }', 'region = "eu-west-1"'),
    context="pipeline")
TRIGGER_NOT_ACCEPTED = _c(
    "WV928", "trigger CodePipeline does not take",
    "Reports a source `trigger` CodePipeline would reject or cannot run: on a `codecommit` or `s3` source, a push "
    "filter with tags and branches or paths, file paths without branches, a filter with neither branches nor "
    "tags, more than 3 filters of one event, or more than 8 patterns (or one over 255 characters) in a list.",
    "CodePipeline takes git triggers only for sources with a connection, and in a push filter only tags, "
    "branches, or branches with file paths (CodePipeline User Guide, \"Filter triggers on code push or pull "
    "requests\"); the request would be rejected, or the trigger would never start the pipeline.",
    _fragment(_GITHUB.format('  trigger push { branches = ["main"]  tags = ["v*"] }') + "\n" + _EU),
    _fragment(_GITHUB.format('  trigger push { branches = ["main"] }\n  trigger push { tags = ["v*"] }') + "\n"
              + _EU), context="pipeline")
ROLLBACK_IN_PARALLEL_MODE = _c(
    "WV921", "rollback in PARALLEL mode",
    "Reports a pipeline whose `execution_mode` is `parallel` and one of whose waves uses a gate whose `on_breach` "
    "is `rollback` (the default) or `rollback_all`.",
    "In PARALLEL mode \"stage rollback is not available\" and \"failure conditions with a rollback result type "
    "cannot be added\" (rule 11 of docs/codepipeline.md): the `onFailure: ROLLBACK` a rollback gate compiles to "
    "is not accepted, and without it a breach would leave the new version deployed.",
    _fragment(_ROLLBACK_GATE, "execution_mode = parallel"),
    _fragment(_ROLLBACK_GATE + "\n# or keep `parallel` with `on_breach = halt`: a breach then fails the stage "
              "and stops that execution,\n# nothing rolls back", "execution_mode = queued"), context="pipeline")
CROSS_ACCOUNT_WITHOUT_KEY = _c(
    "WV923", "cross-account deploys without an artifact key",
    "Reports a pipeline one of whose waves deploys to another account, when it has no `encryption_key`, names a "
    "key by alias, or names a key ARN of another region than the artifact store it encrypts.",
    "Actions in another account read the pipeline's artifacts, which CodePipeline encrypts with the store's key: "
    "a cross-account pipeline needs a customer-managed KMS key, and \"you can only use the key ID or key ARN\" "
    "(rule 58 of docs/codepipeline.md); the default AWS-managed key cannot be shared, so the deploy fails when it "
    "runs. KMS keys are regional, like the stores (rule 54).",
    _fragment(_OTHER_ACCOUNT, deploy=_CROSS_ACCOUNT),
    _fragment(_OTHER_ACCOUNT, _KEY, deploy=_CROSS_ACCOUNT), context="pipeline")
EXPOSURE_NOT_HONOURED = _c(
    "WV924", "exposure the deploy action cannot limit",
    "Reports a wave with `exposure` below 100% whose `exposure_by` is `provider` (the default).",
    "No CodePipeline deploy action takes a traffic share: the CloudFormation action updates the whole stack, the "
    "ECS action the whole service, and the CodeDeploy action takes only `ApplicationName` and "
    "`DeploymentGroupName` (CodePipeline User Guide, CodeDeploy deploy action reference) — the deployment "
    "configuration that shifts traffic (canary, linear) belongs to the deployment group. Compiled as written, a "
    "1% one-box would reach all of each target's traffic.",
    _fragment('wave canary { regions = ["eu-west-1"]  exposure = 1% }\nwave eu { regions = ["eu-west-1"] }'),
    _fragment(_deploy(name="onebox", stack="shop-onebox", comment="a stack that serves 1% of the traffic")
              + '\nwave canary { regions = ["eu-west-1"]  exposure = 1%  exposure_by = profile  deploy = onebox }\n'
              'wave eu { regions = ["eu-west-1"] }'), context="pipeline")
CLOUDFORMATION_WITHOUT_ROLE = _c(
    "WV922", "CloudFormation deploy without a role",
    "Reports a `cloudformation` deploy block without `role` on the CodePipeline target.",
    "The CloudFormation deploy action's `RoleArn` (the service role CloudFormation assumes to operate on the "
    "stack) is required for the `CREATE_UPDATE` action mode wavec uses (rule CFN-1 of docs/codepipeline.md, from "
    "the CodePipeline User Guide's CloudFormation deploy action reference): without it the deploy fails when it "
    "runs.",
    _fragment(deploy=f'deploy {{\n  cloudformation {{ stack = "shop"  template = "source::shop.yaml" }}\n'
              f"  {_LOCAL}\n}}"),
    _fragment(), context="pipeline")
TIMEOUT_BEYOND_COMMANDS = _c(
    "WV915", "step timeout beyond the Commands action",
    "Reports a step whose `timeout` is longer than the 55 minutes a CodePipeline Commands action may run.",
    "CodePipeline stops the action after 55 minutes whatever the file says.",
    _fragment('stage test {\n  step e2e { run = "make e2e"  timeout = 2h }\n}'),
    _fragment("stage test {\n  # or a CodeBuild project (`project = …`), which has its own timeout\n"
              '  step e2e { run = "make e2e"  timeout = 55m }\n}'), context="pipeline")
OVER_SERVICE_LIMIT = _c(
    "WV916", "CodePipeline length or count limit",
    "Reports a value longer, or a list longer, than CodePipeline accepts: more than 50 commands, a command "
    "over 1000 characters, more than 10 `outputs` or `env` entries, a configuration value over 1000 "
    "characters (such as the `parameters` JSON).",
    "CodePipeline rejects the request.",
    _fragment('stage build {\n  step dist {\n    run     = "make dist"\n'
              '    outputs = ["dist/**", "docs/**", "reports/**", "coverage/**", "bin/**", "lib/**",\n'
              '               "assets/**", "config/**", "schemas/**", "migrations/**", "scripts/**"]\n  }\n}'),
    _fragment('stage build {\n  step dist {\n    run     = "make dist"\n'
              '    outputs = ["dist/**"]   # one directory of what it makes\n  }\n}'), context="pipeline")
# WV917 ("blockers checked by a Commands rule", a warning) is retired: blockers beyond the 5 entry rules are read
# by a Step Functions action of the wave's entry stage, like those of other accounts. Its number is not reused.
COMMIT_WITH_S3_SOURCE = _c(
    "WV918", "`${commit}` with an S3 source",
    "Reports `${commit}` in a pipeline whose source is `s3`: the S3 source has no commit id, so the object's "
    "`VersionId` is used.",
    "The S3 source action outputs `VersionId` and `ETag`, not `CommitId`.",
    _fragment(_STAMP), _fragment('source codecommit { repo = "shop" }\n' + _STAMP), W, context="pipeline")
REJECTED_BY_SERVICE_MODEL = _c(
    "WV919", "rejected by the CodePipeline service model",
    "Reports a request that botocore's CodePipeline model rejects (a length, pattern, range or enum) and that "
    "no more specific check caught.",
    "CodePipeline would reject the request; the message names the field.",
    _fragment(f"window {_LONG} {{ days = [mon]  hours = [09:00, 17:00] }}\n" + _EU_WINDOW.format(_LONG)),
    _fragment("window eu_business_hours { days = [mon]  hours = [09:00, 17:00] }\n"
              + _EU_WINDOW.format("eu_business_hours")), context="pipeline")

# -------------------------------------------------------------- not expressible
# WV930 ("`prometheus` gate not expressible", a warning) is retired: a query whose server answers requests from
# AWS is read by a Commands action during the bake; one that does not is the error WV925. The number is not reused.
# WV931 ("`rollback_all` in PARALLEL mode", a warning) is retired: any rollback in PARALLEL mode is the error
# WV921. Its number is not reused.
# WV932 ("sandbox not destroyed on failure") is retired: the compensator runs `destroy` after a failed step.
# Its number is not reused.
RETRIES_NOT_EXPRESSIBLE = _c(
    "WV933", "step retries not expressible",
    "Reports a step with `retries` that runs a CodeBuild project (`project`) on the CodePipeline target. A step "
    "that runs commands (`run`, a Commands action) is retried: its commands run in a loop of `1 + retries` "
    "attempts, as `wavec run` runs it.",
    "CodePipeline has no per-action retry count, and a stage retry re-runs a failed action once (rule 21 of "
    "docs/codepipeline.md); a CodeBuild action runs the project's buildspec, which wavec does not write.",
    _fragment('stage test {\n  step flaky { project = "orders-e2e"  retries = 2 }\n}'),
    _fragment('stage test {\n  # a Commands action, retried by wavec\n'
              '  step flaky { run = "make e2e"  retries = 2 }\n}'),
    W, context="pipeline")
IMAGE_NOT_EXPRESSIBLE = _c(
    "WV934", "step image not expressible",
    "Reports a step with both `image` and `project` on the CodePipeline target. A step with `image` and `run` "
    "runs in a CodeBuild project on that image, which the CloudFormation output creates.",
    "A CodeBuild action runs on its project's image; the pipeline cannot change the image of a project it "
    "does not create.",
    _fragment('stage build {\n  step app { project = "orders-build"  image = "node:20" }\n}'),
    _fragment("stage build {\n  # a project on node:20, created by wavec's CloudFormation output\n"
              '  step app { run = "npm ci && npm test"  image = "node:20" }\n}'), W, context="pipeline")
TIMEOUT_NOT_ENFORCEABLE = _c(
    "WV935", "step timeout not enforceable",
    "Reports a step with `timeout` that runs a CodeBuild project (`project`) on the CodePipeline target. A step "
    "that runs commands (a Commands action) is stopped at its `timeout` (coreutils `timeout` around each "
    "attempt), up to the action's own 55 minutes (WV915 beyond).",
    "A CodeBuild action runs as long as its project's own timeout allows; the pipeline cannot shorten it, so the "
    "step may run longer than its `timeout` says.",
    _fragment('stage test {\n  step unit { project = "orders-test"  timeout = 10m }\n}'),
    _fragment('stage test {\n  # a Commands action, stopped after 10 minutes\n'
              '  step unit { run = "make test"  timeout = 10m }\n}'), W, context="pipeline")
WINDOW_APPROXIMATED = _c(
    "WV938", "window approximated",
    "Reports a window that one CodePipeline cron expression cannot describe exactly (hours that are not whole "
    "hours, or a window crossing midnight on some days only); the window is narrowed to what it can express.",
    "A `DeploymentWindow` rule holds one cron expression (rule 39 of docs/codepipeline.md), whose minutes are a "
    "product — every listed minute of every listed hour of every listed day — and the rules of a condition must "
    "all pass (rule 26), which intersects windows, never joins them. `[09:30, 17:00)` is the union of two such "
    "products (09:30–09:59 and 10:00–16:59), so neither one rule nor several can state it; the window is "
    "narrowed, never widened, so the pipeline never deploys outside the window the file gives.",
    _fragment("window office { days = [mon, tue, wed, thu, fri]  hours = [09:30, 17:00] }\n"
              + _EU_WINDOW.format("office")),
    _fragment("window office { days = [mon, tue, wed, thu, fri]  hours = [10:00, 17:00] }\n"
              + _EU_WINDOW.format("office")), W, context="pipeline")

CODES: tuple[Code, ...] = collect(globals())
